/**
 * A hostile but authenticated self-service caller (issue 10, the self-service bullets), on the
 * emulator through the real FC handler: each attack is reproduced as the issue describes it and
 * shown refused (or absorbed), with the emulator's call log showing ZERO writes (ActionTrail
 * Create/Update/Start/Stop/DeleteTrail, OSS/SLS writes) for every refused request. Also: who asked
 * is on every log line, in the STS session name and in the audit record of each write.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import { staticCredentials } from '../shared/cloud/credentials';
import { createLogger } from '../shared/platform/log';
import { loadConfig } from '../shared/platform/config';
import { roleSessionName } from '../shared/platform/accounts';
import { createHandler as createSelfService } from '../functions/selfservice';
import { BASELINE, FN_MEMBERS, FN_MGMT, FN_REGION, fnKey, functionsEnv, functionsSeed, invokeRemediation, invokeVending, writerArn } from './helpers/functions-world';

const [MEMBER] = FN_MEMBERS as [string];
const STRANGER = '9900000000000009';
const ALICE = 'alice-token-0123456789abcdef';
const MALLORY = 'mallory-token-0123456789abcdef';

let emu: Emulator;
let lines: string[] = [];
const logger = createLogger({}, { write: (l) => lines.push(l) });

/** Writes seen since call-log index `from`: trail writes and any write to OSS or SLS. */
function writesSince(from: number): string[] {
  return emu.world.calls
    .slice(from)
    .map((c) => `${c.service}:${c.action}`)
    .filter((c) => /^actiontrail:(CreateTrail|UpdateTrail|StartLogging|StopLogging|DeleteTrail)$/.test(c) || /^(oss|sls):.*(Put|Post|Delete|Create|Update)/i.test(c));
}

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return functionsEnv(emu, { TRAIL_HTTP_TOKENS: `alice:${ALICE},mallory:${MALLORY}`, ...extra });
}

interface Req {
  method?: string;
  path: string;
  body?: unknown;
  token?: string;
  accountId?: string;
  query?: Record<string, string>;
  rawBody?: string;
}

async function http(r: Req, extraEnv: NodeJS.ProcessEnv = {}) {
  const handler = createSelfService({ env: env(extraEnv), credentials: staticCredentials(fnKey(FN_MGMT)), logger });
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${r.token ?? MALLORY}` };
  if (r.accountId) headers['x-trail-account-id'] = r.accountId;
  const requestId = `hostile-${Math.random().toString(16).slice(2)}`;
  const ev = {
    version: 'v1',
    rawPath: r.path,
    body: r.rawBody ?? (r.body === undefined ? '' : JSON.stringify(r.body)),
    isBase64Encoded: false,
    headers,
    queryParameters: r.query ?? {},
    requestContext: { accountId: FN_MGMT, requestId, http: { method: r.method ?? 'POST', path: r.path } },
  };
  const res = await handler(Buffer.from(JSON.stringify(ev)), { requestId, region: FN_REGION, accountId: FN_MGMT });
  return { status: res.statusCode, headers: res.headers, text: res.body, body: JSON.parse(res.body || '{}') as Record<string, any> };
}

/** Sends a request and checks it was refused with `status`/`code` and wrote nothing. */
async function refused(r: Req, status: number, code: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const from = emu.world.calls.length;
  const res = await http(r, extraEnv);
  expect({ status: res.status, code: res.body.Code }, res.text).toEqual({ status, code });
  expect(writesSince(from), 'no write for a refused request').toEqual([]);
  return res;
}

const trail = (account: string, name: string) => emu.world.accounts.get(account)!.trails.find((t) => t.Name === name);
const ruleIds = (body: Record<string, any>) => (body.Errors as Array<{ ruleId: string }>).map((e) => e.ruleId);

beforeAll(async () => {
  const seed = functionsSeed();
  // The function's own account may create organization trails (as a real management account can).
  for (const a of seed.accounts) if (a.id === FN_MGMT) a.allowOrganizationTrail = true;
  emu = await createEmulator({ seed });
  // The baseline exists everywhere, as after a vending run and a compliance sweep.
  await invokeVending(emu, logger, MEMBER);
  await invokeRemediation(emu, logger, { TRAIL_ACCOUNTS: FN_MGMT });
  expect(trail(FN_MGMT, BASELINE.Name)).toMatchObject({ EventRW: 'All', Status: 'Enable' });
});
afterAll(async () => {
  await emu?.close();
});

describe('a hostile self-service caller cannot weaken a trail', () => {
  it('the baseline trail by name: EventRW Read, another prefix, or the exact same spec → 409 ProtectedTrail, no write', async () => {
    for (const spec of [
      { ...BASELINE, EventRW: 'Read' },
      { ...BASELINE, OssKeyPrefix: 'squatted-logs' },
      { Name: BASELINE.Name, SlsProjectArn: `acs:log:${FN_REGION}:${FN_MGMT}:project/flows-audit-${FN_MGMT}`, EventRW: 'All' },
    ]) {
      const res = await refused({ path: '/trails', body: spec }, 409, 'ProtectedTrail');
      expect(res.body.Errors).toContainEqual(expect.objectContaining({ ruleId: 'protected-trail', pointer: '/Name' }));
    }
    // In a member account too (through AssumeRole).
    await refused({ path: '/trails', body: { ...BASELINE, EventRW: 'Read' }, accountId: MEMBER }, 409, 'ProtectedTrail');
    expect(trail(FN_MGMT, BASELINE.Name)).toMatchObject({ EventRW: 'All', OssKeyPrefix: BASELINE.OssKeyPrefix, Status: 'Enable' });
    expect(trail(MEMBER, BASELINE.Name)).toMatchObject({ EventRW: 'All', OssKeyPrefix: BASELINE.OssKeyPrefix });
  });

  it('GET /trails and GET /trails/{name} say which trails are protected (the console badge), as the policy decides', async () => {
    const mine = { Name: 'unprotected-trail', OssBucketName: `flows-audit-${FN_MGMT}`, OssKeyPrefix: 'unprotected-logs', EventRW: 'All' };
    expect((await http({ path: '/trails', body: mine })).status).toBe(201);
    const list = await http({ method: 'GET', path: '/trails' });
    const flags = Object.fromEntries((list.body.TrailList as Array<{ Name: string; Protected: boolean }>).map((t) => [t.Name, t.Protected]));
    expect(flags).toMatchObject({ [BASELINE.Name]: true, 'unprotected-trail': false });
    expect((await http({ method: 'GET', path: `/trails/${BASELINE.Name}` })).body.Trail).toMatchObject({ Name: BASELINE.Name, Protected: true });
    expect((await http({ method: 'GET', path: '/trails/unprotected-trail' })).body.Trail).toMatchObject({ Protected: false });
  });

  it('a spec with only SLS over a trail that delivers to OSS would remove OSS delivery → 403 PolicyViolation (no-destination-removal)', async () => {
    const mine = { Name: 'team-trail', OssBucketName: `flows-audit-${FN_MGMT}`, OssKeyPrefix: 'team-logs', EventRW: 'All' };
    expect((await http({ path: '/trails', body: mine })).status).toBe(201);
    const res = await refused({ path: '/trails', body: { Name: 'team-trail', SlsProjectArn: `acs:log:${FN_REGION}:${FN_MGMT}:project/flows-audit-${FN_MGMT}`, EventRW: 'All' } }, 403, 'PolicyViolation');
    expect(res.body.Errors).toEqual([expect.objectContaining({ ruleId: 'no-destination-removal', pointer: '/OssBucketName' })]);
    // Lowering what it records or where: refused on the observed trail.
    const lower = await refused({ path: '/trails', body: { ...mine, EventRW: 'Read', TrailRegion: FN_REGION } }, 403, 'PolicyViolation');
    expect(ruleIds(lower.body).sort()).toEqual(['no-lowering-event-rw', 'no-lowering-trail-region']);
    // EventRW left out keeps the trail's All (UpdateTrail re-sends it, planner.updateRequest): nothing lowered, nothing written.
    const from = emu.world.calls.length;
    const unset = await http({ path: '/trails', body: { Name: 'team-trail', OssBucketName: mine.OssBucketName, OssKeyPrefix: 'team-logs' } });
    expect([unset.status, unset.body.classification, unset.body.done]).toEqual([200, 'compliant', []]);
    expect(emu.world.calls.slice(from).filter((c) => /^(Create|Update|Start|Stop|Delete)/.test(c.action))).toEqual([]);
    expect(trail(FN_MGMT, 'team-trail')).toMatchObject({ EventRW: 'All', TrailRegion: 'All', OssBucketName: mine.OssBucketName });
    // Raising is fine: adding SLS to the OSS trail.
    const more = await http({ path: '/trails', body: { ...mine, SlsProjectArn: `acs:log:${FN_REGION}:${FN_MGMT}:project/flows-audit-${FN_MGMT}` } });
    expect([more.status, more.body.done]).toEqual([200, ['UpdateTrail']]);
  });

  it('the squat that made the weakening permanent (a second trail on the baseline bucket and prefix) cannot be set up: the baseline keeps its prefix', async () => {
    await refused({ path: '/trails', body: { ...BASELINE, OssKeyPrefix: 'moved-away' } }, 409, 'ProtectedTrail');
    // Nor squatted ahead of time under another name, in an account the baseline has not reached yet.
    const from = emu.world.calls.length;
    const squat = await refused({ path: '/trails', body: { Name: 'squatter-trail', OssBucketName: BASELINE.OssBucketName, OssKeyPrefix: BASELINE.OssKeyPrefix, EventRW: 'All' }, accountId: FN_MEMBERS[1] }, 409, 'ProtectedTrail');
    expect(squat.body.Errors).toEqual([expect.objectContaining({ ruleId: 'protected-destination', pointer: '/OssKeyPrefix' })]);
    expect(emu.world.calls.slice(from).filter((c) => c.service === 'actiontrail')).toEqual([]);
    // With the baseline untouched, remediation stays green run after run.
    const report = await invokeRemediation(emu, logger, { TRAIL_ACCOUNTS: FN_MGMT });
    expect(report.failed).toEqual([]);
  });

  it('organization trails: self-service can neither create one nor rewrite the existing one', async () => {
    // The baseline may hold an organization trail; here it is made by an operator (remediation of an org baseline).
    const orgBaseline = [{ Name: 'org-audit-trail', OssBucketName: BASELINE.OssBucketName, OssKeyPrefix: 'org-logs', EventRW: 'All', IsOrganizationTrail: true }];
    const report = await invokeRemediation(emu, logger, { TRAIL_ACCOUNTS: FN_MGMT, TRAIL_BASELINE_OSS: '', TRAIL_BASELINE: JSON.stringify(orgBaseline) });
    expect(report.failed).toEqual([]);
    expect(trail(FN_MGMT, 'org-audit-trail')).toMatchObject({ IsOrganizationTrail: true, Status: 'Enable' });

    const create = await refused({ path: '/trails', body: { Name: 'rogue-org-trail', OssBucketName: `flows-audit-${FN_MGMT}`, EventRW: 'All', IsOrganizationTrail: true } }, 409, 'ProtectedTrail');
    expect(ruleIds(create.body).sort()).toEqual(['organization-trail-self-service', 'protected-trail']);
    await refused({ path: '/trails', body: { ...orgBaseline[0], EventRW: 'Read' } }, 409, 'ProtectedTrail');
    // Even with organization trails unprotected by the policy, self-service still needs organizationTrails.selfService.
    const policy = JSON.stringify({ protectedTrails: { organizationTrails: false } });
    const still = await refused({ path: '/trails', body: { Name: 'rogue-org-trail', OssBucketName: `flows-audit-${FN_MGMT}`, EventRW: 'All', IsOrganizationTrail: true } }, 403, 'PolicyViolation', { TRAIL_POLICY: policy });
    expect(ruleIds(still.body)).toEqual(['organization-trail-self-service']);
    expect(trail(FN_MGMT, 'rogue-org-trail')).toBeUndefined();
    expect(trail(FN_MGMT, 'org-audit-trail')).toMatchObject({ EventRW: 'All', OssKeyPrefix: 'org-logs' });
  });

  it('write roles and destinations in other accounts are refused unless the policy lists them', async () => {
    const base = { Name: 'cross-trail', OssBucketName: `flows-audit-${FN_MGMT}`, EventRW: 'All' };
    const role = await refused({ path: '/trails', body: { ...base, OssWriteRoleArn: writerArn(MEMBER) } }, 403, 'PolicyViolation');
    expect(role.body.Errors).toEqual([expect.objectContaining({ ruleId: 'allowed-write-roles', pointer: '/OssWriteRoleArn' })]);
    const sls = await refused({ path: '/trails', body: { ...base, SlsProjectArn: `acs:log:${FN_REGION}:${MEMBER}:project/flows-audit-${MEMBER}` } }, 403, 'PolicyViolation');
    expect(sls.body.Errors).toEqual([expect.objectContaining({ ruleId: 'cross-account-destination', pointer: '/SlsProjectArn' })]);
    // Another account's OSS bucket (the member cannot read it): refused after the read-only preflight, before any write.
    const oss = await refused({ path: '/trails', body: { ...base, OssBucketName: BASELINE.OssBucketName }, accountId: MEMBER }, 403, 'PolicyViolation');
    expect(oss.body.Errors).toEqual([expect.objectContaining({ ruleId: 'cross-account-destination', pointer: '/OssBucketName' })]);
    expect(trail(MEMBER, 'cross-trail')).toBeUndefined();
    // Allowed destinations by pattern.
    const policy = JSON.stringify({ destinations: { oss: ['flows-audit-*'] } });
    const bucket = await refused({ path: '/trails', body: { ...base, OssBucketName: BASELINE.OssBucketName } }, 403, 'PolicyViolation', { TRAIL_POLICY: policy });
    expect(bucket.body.Errors).toEqual([expect.objectContaining({ ruleId: 'allowed-destinations', pointer: '/OssBucketName' })]);
    // Listed: the same cross-account role is accepted.
    const listed = await http({ path: '/trails', body: { ...base, OssWriteRoleArn: writerArn(MEMBER) } }, { TRAIL_POLICY: JSON.stringify({ writeRoles: { allowed: [`acs:ram::${MEMBER}:role/actiontrail-*`] } }) });
    expect(listed.status, listed.text).toBe(201);
  });

  it('a role in another account answers the same whether it exists or not (no role oracle)', async () => {
    const spec = (r: string) => ({ Name: 'oracle-trail', OssBucketName: `flows-audit-${FN_MGMT}`, EventRW: 'All', OssWriteRoleArn: `acs:ram::${MEMBER}:role/${r}` });
    const real = await refused({ path: '/trails', body: spec('actiontrail-writer') }, 403, 'PolicyViolation');
    const fake = await refused({ path: '/trails', body: spec('no-such-role-here') }, 403, 'PolicyViolation');
    const strip = (b: Record<string, any>) => ({ ...b, RequestId: undefined });
    expect(strip(real.body)).toEqual(strip(fake.body));
    // In the caller's own account: a missing role and one that does not trust ActionTrail get one message.
    const own = (r: string) => ({ Name: 'oracle-trail', OssBucketName: `flows-audit-${FN_MGMT}`, EventRW: 'All', OssWriteRoleArn: `acs:ram::${FN_MGMT}:role/${r}` });
    // (A short deadline: "does not exist" is retried for eventual consistency until it runs out.)
    const short = { TRAIL_DEADLINE_MARGIN_MS: '119000' };
    const missing = await refused({ path: '/trails', body: own('no-such-role-here') }, 403, 'InsufficientBucketPolicyException', short);
    const untrusted = await refused({ path: '/trails', body: own('trail-provisioner-fc') }, 403, 'InsufficientBucketPolicyException', short);
    const words = (m: string, role: string) => m.replace(role, 'R').replace(/ \(gave up .*\)$/, '');
    expect(words(missing.body.Message, 'no-such-role-here')).toBe(words(untrusted.body.Message, 'trail-provisioner-fc'));
  });

  it('an account the caller may not use answers the same whether its member role exists or not, and carries no SDK internals', async () => {
    const only = { TRAIL_HTTP_ACCOUNTS: MEMBER };
    const gate = await refused({ method: 'GET', path: '/trails', accountId: STRANGER }, 403, 'AccountNotAllowed', only);
    // "*" lets the request reach AssumeRole, where the stranger has no such role (EntityNotExist.Role).
    const from = emu.world.calls.length;
    const sts = await refused({ method: 'GET', path: '/trails', accountId: STRANGER }, 403, 'AccountNotAllowed', { TRAIL_HTTP_ACCOUNTS: '*' });
    expect(emu.world.calls.slice(from).map((c) => `${c.service}:${c.action}:${c.code ?? ''}`)).toContain('sts:AssumeRole:EntityNotExist.Role');
    expect({ ...sts.body, RequestId: '' }).toEqual({ ...gate.body, RequestId: '' });
    for (const r of [gate, sts]) expect(r.text).not.toMatch(/acs:ram|https?:\/\/|sts\.|RoleArn|RoleSessionName|EntityNotExist/);
  });

  it('a cloud error message never reaches the caller: service text is replaced by the documented message', async () => {
    // ActionTrail's own refusal carries the service's message; the answer carries the catalogue's.
    emu.world.faults = { rules: [{ match: 'actiontrail:DescribeTrails', kind: 'error5xx', rate: 1 }] };
    try {
      const res = await http({ method: 'GET', path: '/trails' }, { TRAIL_DEADLINE_MARGIN_MS: '119500' });
      expect(res.status).toBe(503);
      expect(res.body.Code).toBe('ServiceUnavailable');
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(res.text).not.toMatch(/https?:\/\/|aliyuncs|localhost/);
    } finally {
      emu.world.faults = { rules: [] };
    }
  });

  it('throttling that outlasts the retries answers 429 Throttling with Retry-After, not 400, and writes nothing', async () => {
    emu.world.faults = { rules: [{ match: 'actiontrail', kind: 'throttle', rate: 1 }] };
    try {
      const res = await refused(
        { path: '/trails', body: { Name: 'throttled-trail', OssBucketName: `flows-audit-${FN_MGMT}`, EventRW: 'All' } },
        429,
        'Throttling',
        { TRAIL_DEADLINE_MARGIN_MS: '119500' },
      );
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
    } finally {
      emu.world.faults = { rules: [] };
    }
  });

  it('?dryrun=true and ?DryRun=true (unknown parameters) → 400 InvalidQueryParameter naming them, before any cloud call', async () => {
    const spec = { Name: 'typo-trail', OssBucketName: `flows-audit-${FN_MGMT}`, EventRW: 'All' };
    for (const q of ['dryrun', 'DryRun', 'dry_run']) {
      const from = emu.world.calls.length;
      const res = await refused({ path: '/trails', body: spec, query: { [q]: 'true' } }, 400, 'InvalidQueryParameter');
      expect(res.body.Message).toContain(q);
      expect(res.body.Errors).toEqual([expect.objectContaining({ pointer: `/query/${q}`, rule: 'unknownQueryParameter' })]);
      expect(emu.world.calls.length).toBe(from);
    }
    await refused({ method: 'GET', path: '/trails', query: { names: 'x' } }, 400, 'InvalidQueryParameter');
    expect(trail(FN_MGMT, 'typo-trail')).toBeUndefined();
    // The real parameter still plans without writing.
    const from = emu.world.calls.length;
    const plan = await http({ path: '/trails', body: spec, query: { dryRun: 'true' } });
    expect([plan.status, plan.body.planned]).toEqual([200, ['CreateTrail', 'StartLogging']]);
    expect(writesSince(from)).toEqual([]);
  });

  it('a dry run shows the violations the real run would be refused for, with the plan', async () => {
    const res = await refused({ path: '/trails', body: { ...BASELINE, EventRW: 'Read' }, query: { dryRun: 'true' } }, 409, 'ProtectedTrail');
    expect(res.body.Plan).toMatchObject({ dryRun: true, name: BASELINE.Name, planned: ['UpdateTrail'], done: [] });
    expect(ruleIds(res.body).sort()).toEqual(['no-lowering-event-rw', 'protected-trail']);
    expect(res.body.Plan.violations).toEqual(res.body.Errors.map(({ rule: _r, ...v }: Record<string, unknown>) => v));
  });

  it('64 KiB of unknown keys: Errors capped at 20 with ErrorCount, a small answer', async () => {
    const body: Record<string, string> = { Name: 'big-trail', OssBucketName: `flows-audit-${FN_MGMT}` };
    for (let i = 0; JSON.stringify(body).length < 60_000; i++) body[`unknown_key_${i}`] = 'x';
    const res = await refused({ path: '/trails', body }, 400, 'InvalidQueryParameter');
    expect(res.body.Errors).toHaveLength(20);
    expect(res.body.ErrorCount).toBeGreaterThan(2_000);
    // Each of the 20 errors names the allowed spec fields (13 with the data event fields): about 9 KB for a 60 KB body.
    expect(res.text.length).toBeLessThan(9_000);
    expect(JSON.stringify(body).length).toBeGreaterThan(55_000);
  });
});

describe('vending cannot override the baseline with a custom event', () => {
  it('a custom spec for the baseline trail name (EventRW Read) is refused ProtectedTrail, no write', async () => {
    const from = emu.world.calls.length;
    await expect(invokeVending(emu, logger, MEMBER, [{ ...BASELINE, EventRW: 'Read' }], 'vend-override')).rejects.toThrow(/ProtectedTrail/);
    expect(writesSince(from)).toEqual([]);
    expect(trail(MEMBER, BASELINE.Name)).toMatchObject({ EventRW: 'All' });
  });
});

describe('who asked is recorded', () => {
  it('named tokens: the caller on every log line, in the STS session name and in an audit record per write (to OSS)', async () => {
    lines = [];
    const keysBefore = new Set(emu.world.accessKeys.keys());
    const spec = { Name: 'alice-trail', OssBucketName: `flows-audit-${MEMBER}`, OssKeyPrefix: 'alice-logs', EventRW: 'Write' };
    const audit = { TRAIL_AUDIT_OSS: 'oss://flows-config/audit' };
    const res = await http({ path: '/trails', body: spec, token: ALICE, accountId: MEMBER }, audit);
    expect(res.status, res.text).toBe(201);
    const raised = await http({ path: '/trails', body: { ...spec, EventRW: 'All' }, token: ALICE, accountId: MEMBER }, audit);
    expect(raised.body.done).toEqual(['UpdateTrail']);

    const records = lines.map((l) => JSON.parse(l) as Record<string, any>).filter((r) => r.requestId?.startsWith('hostile-'));
    expect(records.length).toBeGreaterThan(4);
    for (const r of records) expect(r.caller, JSON.stringify(r)).toBe('alice');
    const sessions = [...emu.world.accessKeys.entries()].filter(([k]) => !keysBefore.has(k)).map(([, v]) => v.sessionName);
    expect(sessions.length).toBeGreaterThan(0);
    expect(new Set(sessions)).toEqual(new Set(['trail-selfservice-alice']));

    const audits = records.filter((r) => r.msg === 'audit').map((r) => r.audit as Record<string, any>);
    expect(audits.map((a) => a.action)).toEqual(['CreateTrail', 'StartLogging', 'UpdateTrail']);
    expect(audits[2]).toMatchObject({ caller: 'alice', callerKind: 'selfservice', accountId: MEMBER, trail: 'alice-trail', before: { EventRW: 'Write' }, after: { EventRW: 'All' } });
    const stored = emu.world.accounts.get(FN_MGMT)!.buckets.find((b) => b.name === 'flows-config')!.objects!.filter((o) => o.key.startsWith('audit/'));
    expect(stored).toHaveLength(3);
    const texts = stored.map((o) => JSON.parse(Buffer.from(o.bodyBase64!, 'base64').toString('utf8')) as Record<string, any>);
    expect(texts.map((t) => t.action).sort()).toEqual(['CreateTrail', 'StartLogging', 'UpdateTrail']);
    expect(texts.every((t) => t.caller === 'alice')).toBe(true);
  });

  it('vending and remediation assume member roles as trail-vending / trail-remediation', async () => {
    const keysBefore = new Set(emu.world.accessKeys.keys());
    await invokeVending(emu, logger, FN_MEMBERS[1]!, undefined, 'vend-session');
    await invokeRemediation(emu, logger, { TRAIL_ACCOUNTS: FN_MEMBERS[1]! });
    const sessions = [...emu.world.accessKeys.entries()].filter(([k]) => !keysBefore.has(k)).map(([, v]) => v.sessionName);
    expect(new Set(sessions)).toEqual(new Set(['trail-vending', 'trail-remediation']));
  });

  it('session names are sanitised to what STS accepts (2-64 of letters, digits, . @ - _)', () => {
    expect(roleSessionName('selfservice', 'al ice/x')).toBe('trail-selfservice-al_ice_x');
    expect(roleSessionName('selfservice', 'x'.repeat(80))).toHaveLength(64);
    for (const k of ['vending', 'remediation', 'cli'] as const) expect(roleSessionName(k)).toMatch(/^[A-Za-z0-9.@_-]{2,64}$/);
  });

  it('tokens: name:token, bare tokens named token-<n>, and a digest file of name:sha256hex lines', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tokens-'));
    const file = path.join(dir, 'tokens.txt');
    writeFileSync(file, `# callers\nbob:${createHash('sha256').update('bob-token-0123456789abcdef').digest('hex')}\n`);
    const c = loadConfig({ TRAIL_HTTP_TOKENS: `alice:${ALICE},bare-token-0123456789abcdef`, TRAIL_HTTP_TOKENS_FILE: file });
    expect(c.http.tokens.map((t) => t.name)).toEqual(['alice', 'token-2', 'bob']);
    expect(JSON.stringify(c)).not.toContain(ALICE.slice(0, 10));
    expect(() => loadConfig({ TRAIL_HTTP_TOKENS: `alice:${ALICE},alice:${MALLORY}` })).toThrow(/alice/);
    writeFileSync(file, 'bob:not-hex\n');
    expect(() => loadConfig({ TRAIL_HTTP_TOKENS_FILE: file })).toThrow(/TRAIL_HTTP_TOKENS_FILE/);
  });
});
