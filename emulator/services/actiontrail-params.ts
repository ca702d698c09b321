/**
 * ActionTrail 2020-07-06 request parameter parsing and validation, with the documented codes.
 *
 * Everything here is pure (no World access): formats only. Existence and access checks of the
 * destinations live in actiontrail-destinations.ts.
 */
import { AT_ERRORS, type AtCode } from './actiontrail-errors';
import { EmuError } from '../types';

/** An EmuError carrying a documented ActionTrail code, its status and its documented message. */
export function atError(code: AtCode): EmuError {
  const [status, message] = AT_ERRORS[code];
  return new EmuError(status, code, message);
}

/** InvalidQueryParameter, naming the parameter (the real message is generic; the name helps). */
export function invalidParam(name: string): EmuError {
  return new EmuError(400, 'InvalidQueryParameter', `${AT_ERRORS.InvalidQueryParameter[1]} (${name})`);
}

/** What the POP gateway answers when a required parameter is missing. */
export function missingParam(name: string): EmuError {
  return new EmuError(400, `Missing${name}`, `${name} is mandatory for this action.`);
}

export const NAME_RE = /^[a-z][a-z0-9_-]{5,35}$/;
export const PREFIX_RE = /^[A-Za-z][A-Za-z0-9_/-]{5,31}$/;
const BUCKET_RE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const REGION_RE = /^[a-z]{2,4}(-[a-z0-9]+)+$/;
const SLS_ARN_RE = /^acs:log:([a-z0-9-]+):(\d*):project\/([a-z0-9][a-z0-9-]{1,61}[a-z0-9])$/;
const ODPS_ARN_RE = /^acs:odps:([a-z0-9-]+):(\d*):project\/([A-Za-z0-9_]{3,64})$/;
const ROLE_ARN_RE = /^acs:ram::(\d+):role\/([A-Za-z0-9.@_-]{1,64})$/;

export type EventRW = 'Write' | 'Read' | 'All';

/** A project ARN, with an empty account id resolved to the caller's (the doc's "acs:log:cn-shanghai::project/x" form). */
export interface ProjectRef {
  region: string;
  accountId: string;
  name: string;
}

export interface RoleRef {
  accountId: string;
  name: string;
}

/** The delivery parameters of CreateTrail / UpdateTrail; undefined = not sent, "" = sent empty. */
export interface DeliveryParams {
  OssBucketName?: string;
  OssKeyPrefix?: string;
  OssWriteRoleArn?: string;
  SlsProjectArn?: string;
  SlsWriteRoleArn?: string;
  MaxComputeProjectArn?: string;
  MaxComputeWriteRoleArn?: string;
  EventRW?: EventRW;
  TrailRegion?: string;
}

export const DESTINATION_KEYS = [
  'OssBucketName',
  'OssKeyPrefix',
  'OssWriteRoleArn',
  'SlsProjectArn',
  'SlsWriteRoleArn',
  'MaxComputeProjectArn',
  'MaxComputeWriteRoleArn',
] as const;

/** Parses "true"/"false" (any case); undefined when absent; InvalidQueryParameter otherwise. */
export function parseBool(params: Record<string, string>, name: string): boolean | undefined {
  const v = params[name];
  if (v === undefined || v === '') return undefined;
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  throw invalidParam(name);
}

/** Name is required and must match ^[a-z][a-z0-9_-]{5,35}$. */
export function requireName(params: Record<string, string>): string {
  const name = params['Name'];
  if (name === undefined || name === '') throw missingParam('Name');
  if (!NAME_RE.test(name)) throw atError('InvalidTrailNameException');
  return name;
}

/** Reads and checks the formats of every delivery parameter that was sent. */
export function parseDelivery(params: Record<string, string>): DeliveryParams {
  const out: DeliveryParams = {};
  for (const k of DESTINATION_KEYS) if (params[k] !== undefined) out[k] = params[k]!.trim();

  const rw = params['EventRW'];
  if (rw !== undefined && rw !== '') {
    if (rw !== 'Write' && rw !== 'Read' && rw !== 'All') throw invalidParam('EventRW');
    out.EventRW = rw;
  }
  const tr = params['TrailRegion'];
  if (tr !== undefined && tr !== '') {
    if (tr !== 'All' && !tr.split(',').every((r) => REGION_RE.test(r.trim()))) throw invalidParam('TrailRegion');
    out.TrailRegion = tr.split(',').map((r) => r.trim()).join(',');
  }
  if (out.OssBucketName && !BUCKET_RE.test(out.OssBucketName)) throw invalidParam('OssBucketName');
  if (out.OssKeyPrefix && !PREFIX_RE.test(out.OssKeyPrefix)) throw atError('InvalidPrefixException');
  if (out.SlsProjectArn && !SLS_ARN_RE.test(out.SlsProjectArn)) throw invalidParam('SlsProjectArn');
  if (out.MaxComputeProjectArn) {
    const m = ODPS_ARN_RE.exec(out.MaxComputeProjectArn);
    if (!m || !m[3]!.startsWith('actiontrail_')) throw invalidParam('MaxComputeProjectArn');
  }
  for (const k of ['OssWriteRoleArn', 'SlsWriteRoleArn', 'MaxComputeWriteRoleArn'] as const) {
    if (out[k] && !ROLE_ARN_RE.test(out[k]!)) throw invalidParam(k);
  }
  return out;
}

export function hasDestination(d: { OssBucketName?: string; SlsProjectArn?: string; MaxComputeProjectArn?: string }): boolean {
  return Boolean(d.OssBucketName || d.SlsProjectArn || d.MaxComputeProjectArn);
}

export function parseSlsArn(arn: string, callerAccountId: string): ProjectRef {
  const m = SLS_ARN_RE.exec(arn)!;
  return { region: m[1]!, accountId: m[2] || callerAccountId, name: m[3]! };
}

export function parseOdpsArn(arn: string, callerAccountId: string): ProjectRef {
  const m = ODPS_ARN_RE.exec(arn)!;
  return { region: m[1]!, accountId: m[2] || callerAccountId, name: m[3]! };
}

export function parseRoleArn(arn: string): RoleRef {
  const m = ROLE_ARN_RE.exec(arn)!;
  return { accountId: m[1]!, name: m[2]! };
}

/** Times as the 2020-07-06 API writes them: ISO 8601 UTC without milliseconds, e.g. "2021-02-26T09:19:44Z". */
export function apiTime(d: Date = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
