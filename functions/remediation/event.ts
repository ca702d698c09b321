/**
 * Events the remediation function accepts:
 *
 * - FC timer trigger: {triggerTime, triggerName, payload}; `payload` is the string configured on
 *   the trigger and may hold JSON overrides: {"dryRun": true, "regions": [...], "accounts": [...]}.
 * - Fan-out batch (sent by the timer run through async InvokeFunction):
 *   {kind: "remediation-batch", runId, accounts, regions, dryRun, batchIndex?, batchCount?}.
 * - A manual invocation: the overrides object itself, or an empty event.
 * Accounts an override names must be within TRAIL_ACCOUNTS (shared/triggers/remediation.ts refuses the others).
 */
import { REGION } from '../../shared/platform/config';
import { ProvisionError } from '../../shared/core/errors';
import { MAX_BATCH_ACCOUNTS, type BatchPayload, type RunOptions } from '../../shared/triggers/remediation';
import { ACCOUNT_ID } from '../../shared/core/arn';

export interface TimerEvent {
  triggerTime?: string;
  triggerName?: string;
  payload?: string;
}

export type RemediationEvent = { kind: 'run'; run: RunOptions; trigger?: string } | { kind: 'batch'; batch: BatchPayload };

function bad(message: string, pointer: string): ProvisionError {
  return new ProvisionError({ code: 'InvalidQueryParameter', message, fields: [{ pointer, rule: 'event', message }] });
}

const ACCOUNT = ACCOUNT_ID;
/** Run ids name report objects in OSS: no path separators or dots. */
const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

function stringList(v: unknown, pointer: string, pattern: RegExp): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string' || !pattern.test(x))) throw bad(`${pointer} must be a non-empty list of ids.`, pointer);
  return [...new Set(v as string[])];
}

function overrides(o: Record<string, unknown>, prefix: string): RunOptions {
  if (o['dryRun'] !== undefined && typeof o['dryRun'] !== 'boolean') throw bad(`${prefix}/dryRun must be a boolean.`, `${prefix}/dryRun`);
  return {
    dryRun: o['dryRun'] as boolean | undefined,
    accounts: stringList(o['accounts'], `${prefix}/accounts`, ACCOUNT),
    regions: stringList(o['regions'], `${prefix}/regions`, REGION),
  };
}

export function parseRemediationEvent(event: Buffer | string): RemediationEvent {
  const text = (Buffer.isBuffer(event) ? event.toString('utf8') : event).trim();
  if (text === '') return { kind: 'run', run: {} };
  let ev: unknown;
  try {
    ev = JSON.parse(text);
  } catch {
    throw bad('The event is not valid JSON.', '');
  }
  if (!ev || typeof ev !== 'object' || Array.isArray(ev)) throw bad('The event must be a JSON object.', '');
  const o = ev as Record<string, unknown>;
  if (o['kind'] === 'remediation-batch') {
    // Checked before the items: a huge list is refused without visiting it.
    if (Array.isArray(o['accounts']) && o['accounts'].length > MAX_BATCH_ACCOUNTS) throw bad(`/accounts must hold at most ${MAX_BATCH_ACCOUNTS} accounts.`, '/accounts');
    const accounts = stringList(o['accounts'], '/accounts', ACCOUNT);
    const regions = stringList(o['regions'], '/regions', REGION);
    if (!accounts || !regions || typeof o['dryRun'] !== 'boolean') throw bad('Malformed remediation batch.', '');
    if (typeof o['runId'] !== 'string' || !RUN_ID.test(o['runId'])) throw bad('/runId must be 1-64 letters, digits, _ or -.', '/runId');
    const count = o['batchCount'];
    const index = o['batchIndex'];
    const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100_000;
    if ((count !== undefined || index !== undefined) && !(isCount(count) && Number.isInteger(index) && (index as number) >= 0 && (index as number) < count)) {
      throw bad('/batchIndex and /batchCount must be integers with 0 <= batchIndex < batchCount.', '/batchIndex');
    }
    return {
      kind: 'batch',
      batch: { kind: 'remediation-batch', runId: o['runId'], accounts, regions, dryRun: o['dryRun'], ...(isCount(count) ? { batchIndex: index as number, batchCount: count } : {}) },
    };
  }
  if ('triggerTime' in o || 'triggerName' in o) {
    const timer = o as TimerEvent;
    let run: RunOptions = {};
    const payload = typeof timer.payload === 'string' ? timer.payload.trim() : '';
    if (payload.startsWith('{')) {
      let p: unknown;
      try {
        p = JSON.parse(payload);
      } catch {
        throw bad('The timer payload is not valid JSON.', '/payload');
      }
      run = overrides(p as Record<string, unknown>, '/payload');
    }
    return { kind: 'run', run, trigger: timer.triggerName };
  }
  return { kind: 'run', run: overrides(o, '') };
}
