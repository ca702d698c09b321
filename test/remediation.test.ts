/**
 * Compliance remediation end to end: a 200-account Resource Directory (ListAccounts paging),
 * trails seeded missing / stopped / Fresh / drifted / compliant, fixed through the real SDK
 * clients against the emulator; then the fan-out path through FC async InvokeFunction.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import { seedTrail, type EmuTrail, type SeedFile } from '../emulator/state';
import { waitForAsyncInvocations } from '../emulator/services/fc';
import { staticCredentials } from '../shared/cloud/credentials';
import { createLogger } from '../shared/platform/log';
import { formatReport } from '../shared/triggers/report';
import { createHandler } from '../functions/remediation';
import { parseRemediationEvent } from '../functions/remediation/event';
import { putManifest } from './helpers/oss-objects';

const REGION = 'cn-hangzhou';
const MGMT = '1300000000000000';
const BUCKET = 'remediate-central-audit';
const key = { accessKeyId: 'LTAIremediate01', accessKeySecret: 'remediate-secret-0123456789abcdef' };
const BASELINE = { Name: 'baseline-trail', OssBucketName: BUCKET, OssKeyPrefix: 'actiontrail', EventRW: 'All' as const };

const memberId = (i: number) => String(2300000000000000 + i);

function trail(accountId: string, over: Partial<EmuTrail>): EmuTrail {
  return seedTrail(accountId, REGION, { Name: BASELINE.Name, OssBucketName: BUCKET, OssKeyPrefix: 'actiontrail', ...over });
}

/**
 * Members 0..n-1. Trail state by index: [0,missing) none, then stopped (Disable), Fresh, drifted
 * (wrong prefix and EventRW), and the rest compliant.
 */
function rdSeed(members: number, layout: { missing: number; stopped: number; fresh: number; drifted: number }): SeedFile {
  const ids = Array.from({ length: members }, (_, i) => memberId(i));
  const a = layout.missing;
  const b = a + layout.stopped;
  const c = b + layout.fresh;
  const d = c + layout.drifted;
  return {
    defaultRegion: REGION,
    resourceDirectoryId: 'rd-remediate',
    accounts: [
      { id: MGMT, rdRole: 'management', accessKeys: [key], buckets: [{ name: BUCKET, region: REGION, writers: ids }] },
      ...ids.map((id, i) => ({
        id,
        rdRole: 'member' as const,
        roles: [{ name: 'ResourceDirectoryAccountAccessRole', trustedServices: [], trustedAccounts: [MGMT], grants: ['*'] }],
        trails:
          i < a ? [] : i < b ? [trail(id, { Status: 'Disable' })] : i < c ? [trail(id, { Status: 'Fresh' })] : i < d ? [trail(id, { OssKeyPrefix: 'old-prefix', EventRW: 'Write' })] : [trail(id, {})],
      })),
    ],
  };
}

const WRITES = /^(CreateTrail|UpdateTrail|StartLogging|StopLogging|DeleteTrail)$/;

const isCompliant = (t: EmuTrail | undefined) =>
  t?.Status === 'Enable' && t.OssBucketName === BUCKET && t.OssKeyPrefix === 'actiontrail' && t.EventRW === 'All' && t.TrailRegion === 'All';

describe('remediation over a 200-account Resource Directory', () => {
  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  const logs: string[] = [];
  const logger = createLogger({ test: 'remediation' }, { write: (l) => logs.push(l) });
  const context = { requestId: 'timer-1', region: REGION, accountId: MGMT, function: { name: 'remediation', timeout: 120 } };

  beforeAll(async () => {
    emu = await createEmulator({ seed: rdSeed(199, { missing: 40, stopped: 30, fresh: 30, drifted: 20 }) });
    env = {
      TRAIL_EMULATOR_URL: emu.url,
      TRAIL_REGION: REGION,
      TRAIL_BASELINE: JSON.stringify([BASELINE]),
      TRAIL_ACCOUNTS: 'rd',
      TRAIL_CONCURRENCY: '16',
      TRAIL_FANOUT_THRESHOLD: '1000',
    };
  });
  afterAll(async () => {
    await emu.close();
  });

  it('dry run classifies every account and writes nothing', async () => {
    const handler = createHandler({ env, logger, credentials: staticCredentials(key) });
    const from = emu.world.calls.length;
    const report = await handler(Buffer.from(JSON.stringify({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 'sweep', payload: '{"dryRun":true}' })), context);
    expect(report).toMatchObject({ mode: 'inline', dryRun: true, accounts: 200, fixed: 0, nonCompliant: 121 });
    expect(report.counts).toEqual({ missing: 41, 'not-logging': 60, drifted: 20, compliant: 79, error: 0 });
    expect(emu.world.calls.slice(from).filter((c) => WRITES.test(c.action))).toHaveLength(0);
    expect(formatReport(report)).toContain('would fix 121');
  });

  it('fixes missing, stopped, Fresh and drifted trails, reading every ListAccounts page', async () => {
    const handler = createHandler({ env, logger, credentials: staticCredentials(key) });
    const from = emu.world.calls.length;
    logs.length = 0;
    const report = await handler(Buffer.from(JSON.stringify({ triggerTime: '2026-01-01T01:00:00Z', triggerName: 'sweep', payload: '' })), context);
    const calls = emu.world.calls.slice(from);
    expect(calls.filter((c) => c.action === 'ListAccounts').map((c) => c.status)).toEqual([200, 200]);
    expect(report).toMatchObject({ mode: 'inline', dryRun: false, accounts: 200, fixed: 121, failed: [] });
    expect(report.counts).toEqual({ missing: 41, 'not-logging': 60, drifted: 20, compliant: 79, error: 0 });
    expect(report.details).toHaveLength(200);
    const writes = calls.filter((c) => WRITES.test(c.action));
    expect(writes.filter((c) => c.action === 'CreateTrail')).toHaveLength(41);
    expect(writes.filter((c) => c.action === 'UpdateTrail')).toHaveLength(20);
    expect(writes.filter((c) => c.action === 'StartLogging')).toHaveLength(41 + 60);
    // Each write happened in its own account, never in the management account for a member's trail.
    expect(new Set(writes.map((c) => c.accountId)).size).toBe(121);
    for (const acct of emu.world.accounts.values()) expect(isCompliant(acct.trails.find((t) => t.Name === BASELINE.Name))).toBe(true);
    const progress = logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'progress');
    expect(progress).toHaveLength(200);
    expect(progress.at(-1)).toMatchObject({ accountsDone: 200, accountsTotal: 200 });
    expect(formatReport(report)).toMatch(/missing 41, not logging 60, drifted 20/);
  });

  it('a re-run finds everything compliant and writes nothing', async () => {
    const handler = createHandler({ env, logger, credentials: staticCredentials(key) });
    const from = emu.world.calls.length;
    const report = await handler(Buffer.from('{}'), context);
    expect(report.counts).toEqual({ missing: 0, 'not-logging': 0, drifted: 0, compliant: 200, error: 0 });
    expect(report.fixed).toBe(0);
    expect(emu.world.calls.slice(from).filter((c) => WRITES.test(c.action))).toHaveLength(0);
  });

  it('reports an account it cannot enter, with Code and Message, and still covers the others', async () => {
    const victim = memberId(5);
    emu.world.accounts.get(victim)!.roles = [];
    emu.world.accounts.get(memberId(6))!.trails = [];
    const handler = createHandler({ env: { ...env, TRAIL_ACCOUNTS: `${victim},${memberId(6)}` }, logger, credentials: staticCredentials(key) });
    const report = await handler(Buffer.from('{}'), context);
    expect(report.failed).toEqual([expect.objectContaining({ accountId: victim, name: 'baseline-trail', Code: 'EntityNotExist.Role' })]);
    expect(report.counts).toMatchObject({ missing: 1, error: 1 });
    expect(report.fixed).toBe(1);
    expect(formatReport(report)).toContain(`FAILED ${victim}/${REGION}/baseline-trail: EntityNotExist.Role`);
  });
});

describe('remediation fan-out through FC async invocations', () => {
  let emu: Emulator;
  const WORKER = 'trail-remediation';
  const REPORTS = 'remediate-reports';

  beforeAll(async () => {
    emu = await createEmulator({ seed: rdSeed(59, { missing: 20, stopped: 10, fresh: 10, drifted: 9 }) });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('dispatches one async invocation per batch to the worker, every account ends compliant, and the last batch writes the run summary', async () => {
    const env = {
      TRAIL_EMULATOR_URL: emu.url,
      TRAIL_REGION: REGION,
      TRAIL_BASELINE: JSON.stringify([BASELINE]),
      TRAIL_FANOUT_THRESHOLD: '10',
      TRAIL_FANOUT_BATCH: '16',
      TRAIL_REPORT_OSS: `oss://${REPORTS}/compliance`,
    };
    emu.world.accounts.get(MGMT)!.buckets.push({ name: REPORTS, region: REGION, objects: [] });
    const logger = createLogger({}, { write: () => {} });
    // The worker is the same function: it runs with the credentials FC puts in its context.
    const handler = createHandler({ env, logger });
    emu.registerFunction(MGMT, REGION, WORKER, (event, ctx) => handler(event, ctx));

    const report = await handler(Buffer.from(JSON.stringify({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 'sweep', payload: '' })), {
      requestId: 'timer-fanout',
      region: REGION,
      accountId: MGMT,
      credentials: key,
      function: { name: WORKER, timeout: 120 },
    });
    expect(report.mode).toBe('fanout');
    expect(report.accounts).toBe(60);
    expect(report.batches?.map((b) => [b.accounts, b.ok])).toEqual([
      [16, true],
      [16, true],
      [16, true],
      [12, true],
    ]);
    expect(formatReport(report)).toContain('fanned out to 4 async batches (4 accepted)');

    const invocations = await waitForAsyncInvocations(emu.world, 20_000);
    expect(invocations.filter((i) => i.functionName === WORKER).map((i) => i.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    const batchReports = invocations.map((i) => i.result as { runId: string; mode: string; fixed: number; accounts: number });
    expect(new Set(batchReports.map((r) => r.runId))).toEqual(new Set([report.runId]));
    expect(batchReports.every((r) => r.mode === 'batch')).toBe(true);
    expect(batchReports.reduce((n, r) => n + r.accounts, 0)).toBe(60);
    expect(batchReports.reduce((n, r) => n + r.fixed, 0)).toBe(50);
    for (const acct of emu.world.accounts.values()) expect(isCompliant(acct.trails.find((t) => t.Name === BASELINE.Name))).toBe(true);

    // The reports in OSS: the dispatch, one per batch, and the summary the last batch merged (with
    // its report.html and report.csv), and latest.json naming the run.
    const objects = emu.world.accounts.get(MGMT)!.buckets.find((b) => b.name === REPORTS)!.objects ?? [];
    const dir = `compliance/${report.runId}/`;
    expect(objects.map((o) => o.key).sort()).toEqual(
      [0, 1, 2, 3].map((i) => `${dir}batch-${i}.json`).concat(`${dir}dispatch.json`, `${dir}summary.json`, `${dir}report.html`, `${dir}report.csv`, 'compliance/latest.json').sort(),
    );
    expect(JSON.parse(Buffer.from(objects.find((o) => o.key === 'compliance/latest.json')!.bodyBase64, 'base64').toString('utf8'))).toMatchObject({ runId: report.runId, report: 'summary.json' });
    const read = (key: string) => JSON.parse(Buffer.from(objects.find((o) => o.key === key)!.bodyBase64, 'base64').toString('utf8'));
    expect(read(`${dir}dispatch.json`)).toMatchObject({ mode: 'fanout', runId: report.runId });
    const summary = read(`${dir}summary.json`);
    expect(summary).toMatchObject({ mode: 'summary', runId: report.runId, accounts: 60, fixed: 50, failed: [], deliveryProblems: [] });
    expect(summary.counts).toEqual({ missing: 20 + 1, 'not-logging': 20, drifted: 9, compliant: 10, error: 0 });
    expect(formatReport(summary)).toMatch(/\(all batches\): 60 accounts/);
  });
});

describe('remediation across regions, delivery problems and the deadline', () => {
  let emu: Emulator;
  const SH = 'cn-shanghai';
  const logger = createLogger({}, { write: () => {} });
  const context = (timeout = 120) => ({ requestId: 'timer-regions', region: REGION, accountId: MGMT, function: { name: 'remediation', timeout } });
  const sweep = Buffer.from(JSON.stringify({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 'sweep', payload: '' }));
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    emu = await createEmulator({ seed: rdSeed(3, { missing: 2, stopped: 0, fresh: 0, drifted: 0 }) });
    env = { TRAIL_EMULATOR_URL: emu.url, TRAIL_REGION: REGION, TRAIL_BASELINE: JSON.stringify([BASELINE]), TRAIL_ACCOUNTS: 'rd' };
  });
  afterAll(async () => {
    await emu.close();
  });

  it('two regions converge on one trail per account, homed in the first region, and a re-run writes nothing', async () => {
    const handler = createHandler({ env: { ...env, TRAIL_REGIONS: `${REGION},${SH}` }, logger, credentials: staticCredentials(key) });
    const first = await handler(sweep, context());
    expect(first.failed).toEqual([]);
    expect(first.regions).toEqual([REGION, SH]);
    // Two members and the management account lacked the trail: created once each, in the first region.
    expect(first.counts).toMatchObject({ missing: 3, error: 0 });
    for (const acct of emu.world.accounts.values()) {
      expect(acct.trails.filter((t) => t.Name === BASELINE.Name).map((t) => t.HomeRegion), acct.id).toEqual([REGION]);
    }
    const from = emu.world.calls.length;
    const again = await handler(sweep, context());
    expect(again.failed).toEqual([]);
    expect(again.counts).toEqual({ missing: 0, 'not-logging': 0, drifted: 0, compliant: 8, error: 0 });
    expect(emu.world.calls.slice(from).filter((c) => WRITES.test(c.action))).toHaveLength(0);
    // Per account: DescribeTrails and GetTrailStatus at home, then one DescribeTrails in the other
    // region, whose shadow trail is the one just checked (not checked at home a second time).
    const trailCalls = emu.world.calls.slice(from).filter((c) => c.service === 'actiontrail');
    expect(trailCalls.map((c) => c.action).sort()).toEqual([...Array(8).fill('DescribeTrails'), ...Array(4).fill('GetTrailStatus')]);
  });

  it("writes an inline run's report to TRAIL_REPORT_OSS, and rejects a malformed value naming the variable", async () => {
    emu.world.accounts.get(MGMT)!.buckets.push({ name: 'inline-reports', region: REGION, objects: [] });
    const report = await createHandler({ env: { ...env, TRAIL_REPORT_OSS: 'oss://inline-reports' }, logger, credentials: staticCredentials(key) })(sweep, context());
    const objects = emu.world.accounts.get(MGMT)!.buckets.find((b) => b.name === 'inline-reports')!.objects!;
    expect(objects.map((o) => o.key)).toEqual([`${report.runId}/report.json`, `${report.runId}/report.html`, `${report.runId}/report.csv`, 'latest.json']);
    expect(objects.map((o) => o.contentType)).toEqual(['application/json', 'text/html; charset=utf-8', 'text/csv; charset=utf-8', 'application/json']);
    expect(JSON.parse(Buffer.from(objects[0]!.bodyBase64, 'base64').toString('utf8'))).toMatchObject({ mode: 'inline', counts: report.counts, accounts: 4 });
    for (const bad of ['https://inline-reports/x', 'oss://Bad_Bucket/x', 'oss://inline-reports/../x']) {
      await expect(createHandler({ env: { ...env, TRAIL_REPORT_OSS: bad }, logger, credentials: staticCredentials(key) })(sweep, context())).rejects.toMatchObject({
        code: 'InvalidConfiguration',
        fields: [{ pointer: '/TRAIL_REPORT_OSS' }],
      });
    }
  });

  it('reports trails that log but do not deliver (their bucket is gone), and changes nothing', async () => {
    const mgmt = emu.world.accounts.get(MGMT)!;
    const saved = mgmt.buckets;
    mgmt.buckets = saved.filter((b) => b.name !== BUCKET);
    try {
      // Two regions: each trail is seen twice (at home and as a shadow) but reported once.
      const report = await createHandler({ env: { ...env, TRAIL_REGIONS: `${REGION},${SH}` }, logger, credentials: staticCredentials(key) })(sweep, context());
      expect(report.counts).toMatchObject({ compliant: 8, error: 0 });
      expect(report.deliveryProblems).toHaveLength(4);
      expect(new Set(report.deliveryProblems.map((p) => p.accountId)).size).toBe(4);
      expect(report.deliveryProblems[0]!.problem).toMatch(/OSS bucket unavailable/);
      expect(formatReport(report)).toMatch(/NOT DELIVERING \d+\/cn-hangzhou\/baseline-trail: OSS bucket unavailable/);
    } finally {
      mgmt.buckets = saved;
    }
  });

  it('a batch invocation fails (so FC retries and dead-letters it) on a retryable failure only', async () => {
    const handler = createHandler({ env: { ...env, TRAIL_DEADLINE_MARGIN_MS: '0', TRAIL_REPORT_OSS: 'oss://batch-reports' }, logger, credentials: staticCredentials(key) });
    const victim = memberId(0);
    putManifest(emu, MGMT, REGION, 'batch-reports', 'run-batch', [[victim]], [REGION]);
    const batch = (accounts: string[]) => Buffer.from(JSON.stringify({ kind: 'remediation-batch', runId: 'run-batch', accounts, regions: [REGION], dryRun: false, batchIndex: 0, batchCount: 1 }));
    const roles = emu.world.accounts.get(victim)!.roles;
    // A refused AssumeRole (the role is gone) fails the same way on every retry: reported, not thrown.
    emu.world.accounts.get(victim)!.roles = [];
    try {
      const report = await handler(batch([victim]), context(2));
      expect(report.failed).toEqual([expect.objectContaining({ accountId: victim, Code: 'EntityNotExist.Role', retryable: false })]);
    } finally {
      emu.world.accounts.get(victim)!.roles = roles;
    }
    // STS failing with 5xx until the deadline is worth another invocation: the batch throws.
    emu.world.faults = { rules: [{ match: 'sts', kind: 'error5xx', rate: 1 }] };
    try {
      await expect(handler(batch([victim]), context(2))).rejects.toMatchObject({ retryable: true, message: expect.stringMatching(/retryable failure.*FC retries the batch/) });
    } finally {
      emu.world.faults = { rules: [] };
    }
  });

  it('starts no account after the deadline: those left are reported DeadlineExceeded and the report is still returned', async () => {
    emu.world.faults = { latencyMs: 150, rules: [] };
    try {
      const handler = createHandler({ env: { ...env, TRAIL_CONCURRENCY: '1', TRAIL_DEADLINE_MARGIN_MS: '0' }, logger, credentials: staticCredentials(key) });
      const started = Date.now();
      const report = await handler(sweep, context(1));
      const late = report.failed.filter((f) => f.Code === 'DeadlineExceeded');
      expect(late.length).toBeGreaterThan(0);
      expect(late.length).toBeLessThan(4);
      expect(late[0]!.Message).toMatch(/ran out of time/);
      // Nothing new was started after the 1 s deadline: only calls already under way finish.
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      emu.world.faults = { rules: [] };
    }
  });
});

describe('remediation event parsing', () => {
  it('reads timer payload overrides, batches and manual runs, and rejects malformed ones', () => {
    expect(parseRemediationEvent(Buffer.from(JSON.stringify({ triggerTime: 't', triggerName: 'n', payload: '{"dryRun":true,"regions":["cn-shanghai"]}' })))).toEqual({
      kind: 'run',
      trigger: 'n',
      run: { dryRun: true, regions: ['cn-shanghai'], accounts: undefined },
    });
    expect(parseRemediationEvent(Buffer.from(JSON.stringify({ triggerTime: 't', triggerName: 'n', payload: 'nightly' })))).toEqual({ kind: 'run', trigger: 'n', run: {} });
    expect(parseRemediationEvent(Buffer.alloc(0))).toEqual({ kind: 'run', run: {} });
    expect(parseRemediationEvent(JSON.stringify({ kind: 'remediation-batch', runId: 'r', accounts: ['1000000000000001'], regions: [REGION], dryRun: false })).kind).toBe('batch');
    expect(() => parseRemediationEvent(JSON.stringify({ kind: 'remediation-batch', runId: 'r', accounts: [], regions: [REGION], dryRun: false }))).toThrow();
    expect(() => parseRemediationEvent(JSON.stringify({ triggerTime: 't', payload: '{"dryRun":"yes"}' }))).toThrow(/dryRun/);
    expect(() => parseRemediationEvent('{nope')).toThrow(/JSON/);
    // The run id names report objects: no path tricks; batch positions must be consistent.
    const batch = { kind: 'remediation-batch', runId: 'r-1', accounts: ['1000000000000001'], regions: [REGION], dryRun: false };
    expect(() => parseRemediationEvent(JSON.stringify({ ...batch, runId: '../../x' }))).toThrow(/runId/);
    expect(parseRemediationEvent(JSON.stringify({ ...batch, batchIndex: 2, batchCount: 3 }))).toMatchObject({ kind: 'batch', batch: { batchIndex: 2, batchCount: 3 } });
    for (const pos of [{ batchIndex: 3, batchCount: 3 }, { batchIndex: 0 }, { batchIndex: -1, batchCount: 2 }, { batchIndex: 0, batchCount: 1.5 }]) {
      expect(() => parseRemediationEvent(JSON.stringify({ ...batch, ...pos })), JSON.stringify(pos)).toThrow(/batchIndex/);
    }
  });

  it('the example timer and batch events parse', () => {
    expect(parseRemediationEvent(readFileSync('examples/events/timer.json'))).toEqual({ kind: 'run', trigger: 'compliance-sweep', run: { dryRun: false, accounts: undefined, regions: undefined } });
    expect(parseRemediationEvent(readFileSync('examples/events/remediation-batch.json'))).toMatchObject({ kind: 'batch', batch: { accounts: expect.any(Array), regions: ['cn-hangzhou'] } });
  });
});
