/**
 * Account vending end to end: the FC handler gets EventBridge CloudEvents, assumes the member
 * role with the real STS client, and the trails land (logging) in the member account, all over
 * HTTP against the emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import type { CallLogEntry, SeedFile } from '../emulator/state';
import { staticCredentials } from '../shared/cloud/credentials';
import { ProvisionError } from '../shared/core/errors';
import { createLogger } from '../shared/platform/log';
import { createHandler } from '../functions/vending';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { ACCOUNT_VENDED_TYPE, RD_API_CALL_TYPE, RD_SOURCE, parseCloudEvents, toVendingRequest } from '../functions/vending/event';
import { isRetryableFailure } from '../shared/core/errors';
import { vendAccount, type VendingResult } from '../shared/triggers/vending';
import { loadConfig } from '../shared/platform/config';

const REGION = 'cn-hangzhou';
const MGMT = '1100000000000001';
const A = '2100000000000001';
const B = '2100000000000002';
const C = '2100000000000003';
/** A member only the concurrency test uses (it creates 5 trails, the per-region limit). */
const D = '2100000000000004';
const key = (id: string) => ({ accessKeyId: `LTAIvend${id}`, accessKeySecret: `vend-secret-${id}-0123456789` });

function member(id: string): SeedFile['accounts'][number] {
  return {
    id,
    rdRole: 'member',
    roles: [
      { name: 'ResourceDirectoryAccountAccessRole', trustedServices: [], trustedAccounts: [MGMT], grants: ['*'] },
      { name: 'actiontrail-writer', trustedServices: ['actiontrail.aliyuncs.com'], trustedAccounts: [], grants: ['*'] },
    ],
    buckets: [{ name: `vend-audit-${id}`, region: REGION }],
    slsProjects: [{ name: `vend-audit-${id}`, region: REGION, logstores: [], createTime: '2026-01-01T00:00:00Z' }],
  };
}

const BASELINE_OSS = { Name: 'oss-baseline', OssBucketName: 'vend-central-audit', OssKeyPrefix: 'from-oss', EventRW: 'Write' };

function ossObject(name: string, text: string) {
  const body = Buffer.from(text);
  return {
    key: name,
    bodyBase64: body.toString('base64'),
    contentType: 'application/json',
    etag: `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`,
    lastModified: '2026-01-01T00:00:00Z',
  };
}

const seed: SeedFile = {
  defaultRegion: REGION,
  accounts: [
    {
      id: MGMT,
      rdRole: 'management',
      accessKeys: [key(MGMT)],
      buckets: [
        { name: 'vend-central-audit', region: REGION, writers: [A, B, C] },
        { name: 'vend-config', region: REGION, objects: [ossObject('baseline.json', JSON.stringify([{ ...BASELINE_OSS }]))] },
      ],
    },
    member(A),
    member(B),
    member(C),
    member(D),
  ],
};

const BASELINE = [{ Name: 'baseline-trail', OssBucketName: 'vend-central-audit', OssKeyPrefix: 'actiontrail', EventRW: 'All' }];

let emu: Emulator;
let env: NodeJS.ProcessEnv;
const logs: string[] = [];
const logger = createLogger({ test: 'vending' }, { write: (l) => logs.push(l) });

beforeAll(async () => {
  emu = await createEmulator({ seed });
  // Most tests read the returned results: failures that retrying cannot fix do not throw here.
  env = { TRAIL_EMULATOR_URL: emu.url, TRAIL_REGION: REGION, TRAIL_BASELINE: JSON.stringify(BASELINE), TRAIL_CONCURRENCY: '4', TRAIL_VENDING_FAIL_ON: 'retryable' };
});
afterAll(async () => {
  await emu.close();
});

const fcContext = (id = 'req-1') => ({ requestId: id, region: REGION, accountId: MGMT, credentials: key(MGMT), function: { name: 'vending', timeout: 60 } });
const event = (e: unknown) => Buffer.from(JSON.stringify(e));
const customEvent = (data: unknown) => ({
  id: 'evt-1',
  source: 'acs.custom.account-vending',
  type: ACCOUNT_VENDED_TYPE,
  specversion: '1.0',
  subject: 'account-vending',
  time: '2026-01-01T00:00:00Z',
  data,
});
const trailsOf = (id: string) => emu.world.accounts.get(id)!.trails;
const writesSince = (from: number) =>
  emu.world.calls.slice(from).filter((c) => c.service === 'actiontrail' && /Create|Update|Start|Stop|Delete/.test(c.action));

/** The JSON log lines at error level of one invocation. */
const errorLogs = (requestId: string) =>
  logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['level'] === 'error' && l['requestId'] === requestId);

async function rejection(p: Promise<unknown>): Promise<ProvisionError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProvisionError);
  return e as ProvisionError;
}

describe('vending handler', () => {
  it('assumes the member role and creates a logging trail in the member account (context credentials)', async () => {
    const handler = createHandler({ env, logger });
    const from = emu.world.calls.length;
    const spec = { Name: 'vended-trail', OssBucketName: `vend-audit-${A}`, OssKeyPrefix: 'audit-logs', EventRW: 'All' };
    const [result] = (await handler(event(customEvent({ accountId: A, specs: [spec] })), fcContext())) as VendingResult[];
    expect(result!.ok).toBe(true);
    expect(result!.outcomes).toHaveLength(1);
    expect(result!.outcomes[0]).toMatchObject({ name: 'vended-trail', ok: true, result: { classification: 'missing', done: ['CreateTrail', 'StartLogging'] } });
    // The trail is in the member account, not in the management account, and it logs.
    expect(trailsOf(A).find((t) => t.Name === 'vended-trail')).toMatchObject({ Status: 'Enable', OssBucketName: `vend-audit-${A}`, HomeRegion: REGION });
    expect(trailsOf(MGMT)).toHaveLength(0);
    const calls = emu.world.calls.slice(from);
    expect(calls.find((c) => c.service === 'sts' && c.action === 'AssumeRole')).toMatchObject({ accountId: MGMT, status: 200 });
    const at = calls.filter((c) => c.service === 'actiontrail');
    expect(at.length).toBeGreaterThan(0);
    expect(at.every((c) => c.accountId === A)).toBe(true);
  });

  it('applies the configured baseline for a Resource Directory CreateResourceAccount event', async () => {
    const handler = createHandler({ env, logger, credentials: staticCredentials(key(MGMT)) });
    const rdEvent = {
      id: 'evt-rd-1',
      source: RD_SOURCE,
      type: RD_API_CALL_TYPE,
      specversion: '1.0',
      subject: `acs:resourcemanager::${MGMT}:account/${B}`,
      time: '2026-01-01T00:00:00Z',
      data: {
        eventName: 'CreateResourceAccount',
        serviceName: 'ResourceManager',
        eventType: 'ApiCall',
        eventRW: 'Write',
        acsRegion: REGION,
        responseElements: { RequestId: 'x', Account: { AccountId: B, DisplayName: 'new member', Type: 'ResourceAccount' } },
      },
    };
    const [result] = await handler(event(rdEvent), fcContext('req-2'));
    expect(result).toMatchObject({ accountId: B, origin: 'resource-directory', ok: true });
    expect(trailsOf(B).map((t) => [t.Name, t.Status, t.OssBucketName, t.OssKeyPrefix, t.EventRW])).toEqual([
      ['baseline-trail', 'Enable', 'vend-central-audit', 'actiontrail', 'All'],
    ]);
  });

  it('processes several specs: one fails with a documented 404, the others are created, the invocation returns (no FC retry), a re-run converges', async () => {
    const handler = createHandler({ env, logger, credentials: staticCredentials(key(MGMT)) });
    const specs = [
      { Name: 'multi-oss', OssBucketName: `vend-audit-${C}`, OssKeyPrefix: 'multi-oss', EventRW: 'Write' },
      { Name: 'multi-missing', OssBucketName: 'vend-not-yet-there', EventRW: 'Write' },
      { Name: 'multi-sls', SlsProjectArn: `acs:log:${REGION}:${C}:project/vend-audit-${C}`, SlsWriteRoleArn: `acs:ram::${C}:role/actiontrail-writer` },
    ];
    const [failed] = await handler(event(customEvent({ accountId: C, specs })), fcContext('req-3'));
    expect(failed).toMatchObject({ accountId: C, ok: false, retryable: false });
    expect(failed!.error).toBeUndefined();
    expect(failed!.outcomes.map((o) => [o.name, o.ok, o.error?.Code, o.retryable])).toEqual([
      ['multi-oss', true, undefined, undefined],
      ['multi-missing', false, 'BucketDoesNotExistException', false],
      ['multi-sls', true, undefined, undefined],
    ]);
    expect(errorLogs('req-3').find((l) => l['msg'] === 'vending failed')).toMatchObject({
      accountId: C,
      ok: false,
      retryable: false,
      outcomes: expect.arrayContaining([{ name: 'multi-missing', ok: false, code: 'BucketDoesNotExistException', retryable: false }]),
    });
    expect(trailsOf(C).map((t) => [t.Name, t.Status]).sort()).toEqual([
      ['multi-oss', 'Enable'],
      ['multi-sls', 'Enable'],
    ]);

    // The bucket appears; the retried event finishes the job and leaves the others alone.
    emu.world.accounts.get(C)!.buckets.push({ name: 'vend-not-yet-there', region: REGION });
    const from = emu.world.calls.length;
    const [result] = await handler(event(customEvent({ accountId: C, specs })), fcContext('req-4'));
    expect(result!.ok).toBe(true);
    expect(result!.outcomes.map((o) => [o.name, o.result?.classification])).toEqual([
      ['multi-oss', 'compliant'],
      ['multi-missing', 'missing'],
      ['multi-sls', 'compliant'],
    ]);
    expect(writesSince(from).map((c) => c.action)).toEqual(['CreateTrail', 'StartLogging']);
    expect(trailsOf(C).every((t) => t.Status === 'Enable')).toBe(true);
  });

  it('by default (TRAIL_VENDING_FAIL_ON=any) any failed spec fails the invocation, naming it, so FC retries and dead-letters it; the others are kept', async () => {
    const { TRAIL_VENDING_FAIL_ON: _f, ...defaults } = env;
    expect(loadConfig(defaults).vendingFailOn).toBe('any');
    expect(() => loadConfig({ ...defaults, TRAIL_VENDING_FAIL_ON: 'never' })).toThrow(/TRAIL_VENDING_FAIL_ON/);
    const handler = createHandler({ env: defaults, logger, credentials: staticCredentials(key(MGMT)) });
    const specs = [
      { Name: 'dlq-kept', OssBucketName: `vend-audit-${B}`, OssKeyPrefix: 'dlq-kept' },
      { Name: 'dlq-missing', OssBucketName: 'vend-never-there' },
    ];
    const err = await rejection(handler(event(customEvent({ accountId: B, specs })), fcContext('req-dlq')));
    expect(err).toMatchObject({ code: 'BucketDoesNotExistException', status: 500, retryable: false });
    expect(err.message).toMatch(/1 vending failure\(s\) \(\d+ dlq-missing: BucketDoesNotExistException.*the 1 of 2 trail specs that succeeded are kept/);
    expect(trailsOf(B).find((t) => t.Name === 'dlq-kept')?.Status).toBe('Enable');
    expect(errorLogs('req-dlq').find((l) => l['msg'] === 'vending failed')).toMatchObject({ invocation: 'fails (FC retries it, then dead-letters it)' });
  });

  it('rejects a bad spec with 400 listing every failing field, before any cloud call, without failing the invocation', async () => {
    const handler = createHandler({ env, logger, credentials: staticCredentials(key(MGMT)) });
    const from = emu.world.calls.length;
    const specs = [
      { Name: 'fine-trail', OssBucketName: `vend-audit-${A}` },
      { Name: 'Bad Name', OssBucketName: `vend-audit-${A}` },
      { Name: 'no-destination' },
    ];
    const [result] = await handler(event(customEvent({ accountId: A, specs })), fcContext('req-5'));
    expect(result).toMatchObject({ accountId: A, origin: 'custom', eventId: 'evt-1', ok: false, retryable: false, outcomes: [] });
    expect(result!.error?.Code).toBe('InvalidTrailNameException');
    const pointers = (result!.error?.Errors ?? []).map((f) => f.pointer);
    expect(pointers.some((p) => p.startsWith('/1/Name'))).toBe(true);
    expect(pointers.some((p) => p.startsWith('/2'))).toBe(true);
    expect(emu.world.calls.length).toBe(from);
    expect(trailsOf(A).find((t) => t.Name === 'fine-trail')).toBeUndefined();
    // Logged at error level with every failing field.
    const [line] = errorLogs('req-5');
    expect(line).toMatchObject({ msg: 'vending failed', accountId: A, retryable: false, error: { Code: 'InvalidTrailNameException' } });
    expect(JSON.stringify(line)).toContain('/1/Name');
  });

  it('answers events it does not handle, malformed events and events without a valid account id with a failed result naming the field (no throw, no cloud call)', async () => {
    const handler = createHandler({ env, logger, credentials: staticCredentials(key(MGMT)) });
    const from = emu.world.calls.length;
    const fieldOf = (r: VendingResult[]) => {
      expect(r).toHaveLength(1);
      expect(r[0]).toMatchObject({ ok: false, retryable: false, outcomes: [], error: { Code: 'InvalidQueryParameter' } });
      return r[0]!.error!.Errors?.[0];
    };
    const other = await handler(event({ id: 'x', source: 'acs.ecs', type: 'ecs:ActionTrail:ApiCall', data: {} }), fcContext('req-bad-1'));
    expect(fieldOf(other)).toMatchObject({ pointer: '/type' });
    expect(other[0]).toMatchObject({ origin: 'unsupported', eventId: 'x' });
    expect(fieldOf(await handler(event(customEvent({ specs: BASELINE })), fcContext('req-bad-2')))).toMatchObject({ pointer: '/data/accountId', rule: 'type' });
    expect(fieldOf(await handler(Buffer.from('{nope'), fcContext('req-bad-3')))).toMatchObject({ pointer: '', rule: 'json' });
    expect(fieldOf(await handler(Buffer.from('[]'), fcContext('req-bad-4')))).toMatchObject({ pointer: '' });
    expect(fieldOf(await handler(event([customEvent({ accountId: A }), 'not an event']), fcContext('req-bad-5')))).toMatchObject({ pointer: '/1', rule: 'type' });
    expect(fieldOf(await handler(event(customEvent('not an object')), fcContext('req-bad-6')))).toMatchObject({ pointer: '/data' });
    expect(fieldOf(await handler(event(customEvent({ accountId: A, region: 7 })), fcContext('req-bad-7')))).toMatchObject({ pointer: '/data/region', rule: 'type' });
    const rd = { id: 'evt-rd-bad', source: RD_SOURCE, type: RD_API_CALL_TYPE, data: { eventName: 'CreateResourceAccount', responseElements: {} } };
    const noRdAccount = await handler(event(rd), fcContext('req-bad-8'));
    expect(fieldOf(noRdAccount)).toMatchObject({ pointer: '/data/responseElements/Account/AccountId' });
    expect(noRdAccount[0]).toMatchObject({ origin: 'resource-directory', eventId: 'evt-rd-bad' });
    expect(emu.world.calls.length).toBe(from);
    for (let i = 1; i <= 8; i++) expect(errorLogs(`req-bad-${i}`).map((l) => l['msg'])).toContain('vending failed');
  });

  it('rejects a data.region that is not a region id (it would go into the endpoint host name), before any cloud call', async () => {
    const handler = createHandler({ env, logger, credentials: staticCredentials(key(MGMT)) });
    const spec = { Name: 'region-trail', OssBucketName: `vend-audit-${A}` };
    const from = emu.world.calls.length;
    for (const region of ['cn-hangzhou.evil.example.com', 'evil.example.com/x', 'CN-HANGZHOU', 'cn-hangzhou:8443', '127.0.0.1', 'cn', '', 'cn-hangzhou\n']) {
      const bad = customEvent({ accountId: A, specs: [spec], region });
      let thrown: unknown;
      try {
        toVendingRequest(bad, 'acs.custom.account-vending');
      } catch (e) {
        thrown = e;
      }
      expect(thrown, region).toBeInstanceOf(ProvisionError);
      expect(thrown).toMatchObject({ code: 'InvalidQueryParameter', status: 400, fields: [{ pointer: '/data/region', rule: 'pattern' }] });
      const [result] = await handler(event(bad), fcContext('req-region'));
      expect(result).toMatchObject({ ok: false, retryable: false, origin: 'custom', error: { Code: 'InvalidQueryParameter', Errors: [{ pointer: '/data/region', rule: 'pattern' }] } });
    }
    expect(emu.world.calls.length).toBe(from);
    expect(trailsOf(A).find((t) => t.Name === 'region-trail')).toBeUndefined();
    // The core refuses it too, for callers other than the event adapter.
    const config = loadConfig(env);
    const direct = await vendAccount({ accountId: A, specs: [spec], region: 'x.evil.example', origin: 'test' }, { config, credentials: staticCredentials(key(MGMT)), env });
    expect(direct.error).toMatchObject({ Code: 'InvalidQueryParameter', Errors: [{ pointer: '/region', rule: 'pattern' }] });
    expect(emu.world.calls.length).toBe(from);
    // A region id passes.
    expect(toVendingRequest(customEvent({ accountId: A, region: 'ap-southeast-1' }), 'acs.custom.account-vending').region).toBe('ap-southeast-1');
  });

  it('fails the invocation (for FC async retry / dead-letter) only when some failure is retryable', async () => {
    // Retries stop one second in: TRAIL_DEADLINE_MARGIN_MS keeps back all but 1 s of a 2 s timeout.
    const handler = createHandler({ env: { ...env, TRAIL_DEADLINE_MARGIN_MS: '1000' }, logger, credentials: staticCredentials(key(MGMT)) });
    const context = { ...fcContext('req-throttled'), function: { name: 'vending', timeout: 2 } };
    const spec = { Name: 'throttled-trail', OssBucketName: `vend-audit-${A}` };
    const invalid = customEvent({ accountId: A, specs: [{ Name: 'Bad Name', OssBucketName: `vend-audit-${A}` }] });
    emu.world.faults = { rules: [{ match: 'actiontrail:DescribeTrails', kind: 'throttle', rate: 1 }] };
    try {
      const err = await rejection(handler(event([invalid, { ...customEvent({ accountId: A, specs: [spec] }), id: 'evt-2' }]), context));
      expect(err).toMatchObject({ status: 500, retryable: true });
      expect(err.code).toMatch(/^Throttling/);
      expect(err.message).toContain('throttled-trail');
      expect(err.message).toContain('InvalidTrailNameException');
      const failed = errorLogs('req-throttled').filter((l) => l['msg'] === 'vending failed');
      expect(failed.map((l) => [l['eventId'], l['retryable']])).toEqual([
        ['evt-1', false],
        ['evt-2', true],
      ]);
    } finally {
      emu.world.faults = { rules: [] };
    }
    expect(trailsOf(A).find((t) => t.Name === 'throttled-trail')).toBeUndefined();
    // What counts as retryable.
    expect(isRetryableFailure(new Error('socket closed'))).toBe(true);
    expect(isRetryableFailure(new ProvisionError({ code: 'Throttling.User', status: 400, retryable: true }))).toBe(true);
    expect(isRetryableFailure(new ProvisionError({ code: 'InvalidConfiguration' }))).toBe(true);
    expect(isRetryableFailure(new ProvisionError({ code: 'BucketDoesNotExistException' }))).toBe(false);
    expect(isRetryableFailure(new ProvisionError({ code: 'InvalidQueryParameter' }))).toBe(false);
  });

  it('works on at most TRAIL_CONCURRENCY specs of one event at once (measured on the emulator side)', async () => {
    /** Most calls in flight at the same time, from the emulator's arrival / answer times (an answer before a same-ms arrival). */
    const maxInFlight = (calls: CallLogEntry[]): number => {
      const edges = calls.flatMap((c) => [
        { t: c.startedAt, d: 1 },
        { t: c.at, d: -1 },
      ]);
      edges.sort((x, y) => x.t - y.t || x.d - y.d);
      let now = 0;
      let max = 0;
      for (const e of edges) max = Math.max(max, (now += e.d));
      return max;
    };
    const specsFor = (id: string, prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ Name: `${prefix}-${i}`, OssBucketName: `vend-audit-${id}`, OssKeyPrefix: `${prefix}-${i}`, EventRW: 'Write' }));
    /** One vending event; the member account's ActionTrail calls it caused (each spec makes its own one after another). */
    const run = async (concurrency: number, id: string, specs: unknown[], dryRun: boolean, requestId: string) => {
      const handler = createHandler({ env: { ...env, TRAIL_CONCURRENCY: String(concurrency), TRAIL_DRY_RUN: String(dryRun) }, logger, credentials: staticCredentials(key(MGMT)) });
      const from = emu.world.calls.length;
      const [result] = await handler(event(customEvent({ accountId: id, specs })), fcContext(requestId));
      expect(result!.outcomes.map((o) => o.ok)).toEqual(specs.map(() => true));
      return emu.world.calls.slice(from).filter((c) => c.service === 'actiontrail' && c.accountId === id);
    };
    // Every emulated call takes 50 ms, so specs worked on together overlap on the emulator.
    emu.world.faults = { latencyMs: 50, rules: [] };
    try {
      // 6 specs, bound 2: 6 DescribeTrails (dry run: one each), never more than 2 at once, and 2 at some point.
      const bounded = await run(2, A, specsFor(A, 'bound', 6), true, 'req-conc-2');
      expect(bounded.map((c) => c.action)).toEqual(Array(6).fill('DescribeTrails'));
      expect(maxInFlight(bounded)).toBe(2);
      // The same event with bound 6: all 6 overlap, so the measurement would catch an ignored bound.
      const unbounded = await run(6, A, specsFor(A, 'bound', 6), true, 'req-conc-6');
      expect(unbounded).toHaveLength(6);
      expect(maxInFlight(unbounded)).toBe(6);
      // Real writes, bound 2: 5 trails created and started (DescribeTrails, CreateTrail, StartLogging,
      // GetTrailStatus per spec), at most 2 specs' calls in flight at any time.
      const writes = await run(2, D, specsFor(D, 'conc', 5), false, 'req-conc-writes');
      expect(writes.filter((c) => c.action === 'CreateTrail' && c.status === 200)).toHaveLength(5);
      expect(maxInFlight(writes)).toBe(2);
      expect(trailsOf(D).map((t) => [t.Name, t.Status])).toEqual(specsFor(D, 'conc', 5).map((s) => [s.Name, 'Enable']));
    } finally {
      emu.world.faults = { rules: [] };
    }
  });

  it('logs JSON lines without any secret', () => {
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toContain(key(MGMT).accessKeySecret);
    }
  });

  it('the example EventBridge events parse into vending requests', () => {
    const [custom] = parseCloudEvents(readFileSync('examples/events/vending-custom.json'));
    expect(toVendingRequest(custom!, 'acs.custom.account-vending')).toMatchObject({ accountId: '2000000000000001', origin: 'custom', region: 'cn-hangzhou' });
    const [rd] = parseCloudEvents(readFileSync('examples/events/vending-rd-account-created.json'));
    expect(toVendingRequest(rd!, 'acs.custom.account-vending')).toEqual({ accountId: '2000000000000002', origin: 'resource-directory', eventId: rd!.id });
  });

  it('reads the baseline from OSS (TRAIL_BASELINE_OSS) with the function credentials', async () => {
    const { TRAIL_BASELINE: _inline, ...rest } = env;
    const handler = createHandler({ env: { ...rest, TRAIL_BASELINE_OSS: 'oss://vend-config/baseline.json' }, logger, credentials: staticCredentials(key(MGMT)) });
    const [result] = await handler(event(customEvent({ accountId: A })), fcContext('req-oss'));
    expect(result!.outcomes.map((o) => [o.name, o.ok])).toEqual([['oss-baseline', true]]);
    expect(trailsOf(A).find((t) => t.Name === 'oss-baseline')).toMatchObject({ Status: 'Enable', OssKeyPrefix: 'from-oss', EventRW: 'Write' });
    const missing = createHandler({ env: { ...rest, TRAIL_BASELINE_OSS: 'oss://vend-config/none.json' }, logger, credentials: staticCredentials(key(MGMT)) });
    const err = await rejection(missing(event(customEvent({ accountId: A })), fcContext('req-oss2')));
    expect(err.message).toContain('TRAIL_BASELINE_OSS');
  });
});
