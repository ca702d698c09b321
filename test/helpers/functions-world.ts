/**
 * A Resource Directory world for running the three FC functions' real handlers end to end
 * (secrets, policies and race tests): a management account that runs the functions, two members
 * with the member access role, destinations of every kind, a baseline in OSS, and helpers that
 * invoke each handler the way FC does.
 */
import { createHash } from 'node:crypto';
import type { Emulator } from '../../emulator/server';
import type { SeedFile } from '../../emulator/state';
import { staticCredentials } from '../../shared/cloud/credentials';
import type { Logger } from '../../shared/platform/log';
import { createHandler as createVending } from '../../functions/vending';
import { createHandler as createSelfService } from '../../functions/selfservice';
import { createHandler as createRemediation } from '../../functions/remediation';
import { ACCOUNT_VENDED_TYPE } from '../../functions/vending/event';

export const FN_REGION = 'cn-hangzhou';
export const FN_MGMT = '1400000000000001';
export const FN_MEMBERS = ['2400000000000001', '2400000000000002'];
/** The remediation function's name as s.yaml renders it (<prefix>-remediation; test/policies.test.ts checks), also its fan-out worker. */
export const WORKER = 'trail-provisioner-remediation';
export const EVENT_ROUTE_ROLE = 'trail-provisioner-event-route';
export const HTTP_TOKEN = 'tok-flows-0123456789abcdef-secret';
export const fnKey = (id: string) => ({ accessKeyId: `LTAIflow${id}`, accessKeySecret: `flow-secret-${id}-0123456789abcdef` });
export const writerArn = (id: string) => `acs:ram::${id}:role/actiontrail-writer`;
export const BASELINE = { Name: 'baseline-trail', OssBucketName: 'flows-central-audit', OssKeyPrefix: 'baseline-logs', EventRW: 'All' };

/** Every destination kind in `id`, with the roles ActionTrail and the management account use. */
export function fullSpec(id: string, name: string, prefix = 'full-logs'): Record<string, unknown> {
  return {
    Name: name,
    OssBucketName: `flows-audit-${id}`,
    OssKeyPrefix: prefix,
    OssWriteRoleArn: writerArn(id),
    SlsProjectArn: `acs:log:${FN_REGION}:${id}:project/flows-audit-${id}`,
    SlsWriteRoleArn: writerArn(id),
    MaxComputeProjectArn: `acs:odps:${FN_REGION}:${id}:project/actiontrail_${id}`,
    MaxComputeWriteRoleArn: writerArn(id),
    EventRW: 'All',
  };
}

function object(key: string, text: string) {
  const body = Buffer.from(text);
  return { key, bodyBase64: body.toString('base64'), contentType: 'application/json', etag: `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`, lastModified: '2026-01-01T00:00:00Z' };
}

function account(id: string, rdRole: 'management' | 'member'): SeedFile['accounts'][number] {
  return {
    id,
    rdRole,
    accessKeys: rdRole === 'management' ? [fnKey(id)] : [],
    roles: [
      { name: 'actiontrail-writer', trustedServices: ['actiontrail.aliyuncs.com'], trustedAccounts: [], grants: ['*'] },
      ...(rdRole === 'member' ? [{ name: 'ResourceDirectoryAccountAccessRole', trustedServices: [], trustedAccounts: [FN_MGMT], grants: ['*'] }] : []),
      ...(rdRole === 'management' ? [{ name: WORKER, trustedServices: ['fc.aliyuncs.com'], trustedAccounts: [], grants: ['*'] }] : []),
      // The receiver role of the member event route (s.yaml vars.eventRouteRole), trusting no member yet.
      ...(rdRole === 'management' ? [{ name: EVENT_ROUTE_ROLE, trustedServices: [], trustedAccounts: [], grants: [], policies: ['AliyunEventBridgePutEventsPolicy'] }] : []),
    ],
    buckets: [
      { name: `flows-audit-${id}`, region: FN_REGION },
      ...(rdRole === 'management'
        ? [
            { name: BASELINE.OssBucketName, region: FN_REGION, writers: FN_MEMBERS },
            { name: 'flows-config', region: FN_REGION, objects: [object('baseline.json', JSON.stringify([BASELINE]))] },
          ]
        : []),
    ],
    slsProjects: [{ name: `flows-audit-${id}`, region: FN_REGION, logstores: [], createTime: '2026-01-01T00:00:00Z' }],
  };
}

export function functionsSeed(): SeedFile {
  return {
    defaultRegion: FN_REGION,
    resourceDirectoryId: 'rd-flows',
    accounts: [account(FN_MGMT, 'management'), ...FN_MEMBERS.map((id) => account(id, 'member'))],
    functions: [{ name: WORKER, accountId: FN_MGMT, region: FN_REGION, roleArn: `acs:ram::${FN_MGMT}:role/${WORKER}` }],
  };
}

export function functionsEnv(emu: Emulator, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    TRAIL_EMULATOR_URL: emu.url,
    TRAIL_REGION: FN_REGION,
    TRAIL_BASELINE_OSS: 'oss://flows-config/baseline.json',
    TRAIL_HTTP_TOKENS: HTTP_TOKEN,
    // The flows reach the members through the HTTP API too (x-trail-account-id).
    TRAIL_HTTP_ACCOUNTS: '*',
    TRAIL_CONCURRENCY: '4',
    ...extra,
  };
}

const fnContext = (requestId: string, name: string) => ({ requestId, region: FN_REGION, accountId: FN_MGMT, credentials: fnKey(FN_MGMT), function: { name, timeout: 120 } });

/** One vending event (custom account-vending source) for `accountId`; specs absent → baseline. */
export async function invokeVending(emu: Emulator, logger: Logger, accountId: string, specs?: unknown[], requestId = 'vending-req', extraEnv: NodeJS.ProcessEnv = {}) {
  const handler = createVending({ env: functionsEnv(emu, extraEnv), logger });
  const event = { id: `evt-${requestId}`, source: 'acs.custom.account-vending', type: ACCOUNT_VENDED_TYPE, specversion: '1.0', subject: 'vending', time: '2026-01-01T00:00:00Z', data: { accountId, ...(specs ? { specs } : {}) } };
  return handler(Buffer.from(JSON.stringify(event)), fnContext(requestId, 'trail-vending'));
}

/** One HTTP request through the self-service function, as an FC HTTP trigger event. */
export async function invokeHttp(
  emu: Emulator,
  logger: Logger,
  r: { method?: string; path: string; body?: unknown; token?: string | null; accountId?: string; query?: Record<string, string> },
  requestId = 'http-req',
) {
  const handler = createSelfService({ env: functionsEnv(emu), credentials: staticCredentials(fnKey(FN_MGMT)), logger });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (r.token !== null) headers['authorization'] = `Bearer ${r.token ?? HTTP_TOKEN}`;
  if (r.accountId) headers['x-trail-account-id'] = r.accountId;
  const ev = {
    version: 'v1',
    rawPath: r.path,
    body: r.body === undefined ? '' : JSON.stringify(r.body),
    isBase64Encoded: false,
    headers,
    queryParameters: r.query ?? {},
    requestContext: { accountId: FN_MGMT, requestId, http: { method: r.method ?? 'GET', path: r.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } },
  };
  return handler(Buffer.from(JSON.stringify(ev)), { requestId, region: FN_REGION, accountId: FN_MGMT });
}

/** One timer run of the remediation function (registers itself as its fan-out worker). */
export async function invokeRemediation(emu: Emulator, logger: Logger, extraEnv: NodeJS.ProcessEnv = {}, requestId = 'timer-req', opts: { selfAccountKnown?: boolean } = {}) {
  const handler = createRemediation({ env: functionsEnv(emu, { TRAIL_ACCOUNTS: 'rd', TRAIL_WORKER_FUNCTION: WORKER, ...extraEnv }), logger });
  emu.registerFunction(FN_MGMT, FN_REGION, WORKER, (event, ctx) => handler(event, ctx));
  const ctx = { ...fnContext(requestId, WORKER), ...(opts.selfAccountKnown === false ? { accountId: undefined } : {}) };
  return handler(Buffer.from(JSON.stringify({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 'sweep', payload: '' })), ctx);
}
