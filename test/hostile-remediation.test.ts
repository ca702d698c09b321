/**
 * Remediation as a hostile world would try it: forged and repeated fan-out batches, oversized
 * batches, a destination squatted by another trail, trails left Fresh by someone else, a batch
 * that cannot be dispatched, a CreateTrail that lands after it was given up on, and one fault at a
 * time on every call the run depends on (the 15 single-fault cases: throttle, 5xx and a dropped
 * connection on the baseline's OSS GET, ListAccounts, AssumeRole, DescribeTrails and the fan-out
 * InvokeFunction). Each ends in a report; none stops the run.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import { seedTrail, type EmuTrail, type FaultRule, type SeedFile } from '../emulator/state';
import { faultTally, setFaults, clearFaults } from '../emulator/faults';
import { waitForAsyncInvocations } from '../emulator/services/fc';
import { createCloud } from '../shared/cloud';
import { staticCredentials } from '../shared/cloud/credentials';
import { ProvisionError } from '../shared/core/errors';
import { ensureValidTrail } from '../shared/core/provisioner';
import { createLogger } from '../shared/platform/log';
import { formatReport, type Report } from '../shared/triggers/report';
import { createHandler } from '../functions/remediation';
import { parseRemediationEvent } from '../functions/remediation/event';
import { keys, putManifest, putObject, readJson } from './helpers/oss-objects';

const REGION = 'cn-hangzhou';
const MGMT = '1600000000000001';
const MEMBERS = ['2600000000000001', '2600000000000002', '2600000000000003'];
const ALL = [MGMT, ...MEMBERS];
const WORKER = 'trail-remediation';
const AUDIT = 'hostile-rem-audit';
const CONFIG = 'hostile-rem-config';
const REPORTS = 'hostile-rem-reports';
const key = { accessKeyId: 'LTAIhostilerem01', accessKeySecret: 'hostile-rem-secret-0123456789abcdef' };
const BASELINE = { Name: 'baseline-trail', OssBucketName: AUDIT, OssKeyPrefix: 'actiontrail', EventRW: 'All' as const };
const role = { name: 'ResourceDirectoryAccountAccessRole', trustedServices: [], trustedAccounts: [MGMT], grants: ['*'] };

const seed: SeedFile = {
  defaultRegion: REGION,
  resourceDirectoryId: 'rd-hostile',
  accounts: [
    {
      id: MGMT,
      rdRole: 'management',
      accessKeys: [key],
      buckets: [
        { name: AUDIT, region: REGION, writers: MEMBERS },
        { name: CONFIG, region: REGION, objects: [] },
        { name: REPORTS, region: REGION, objects: [] },
      ],
    },
    ...MEMBERS.map((id) => ({ id, rdRole: 'member' as const, roles: [role] })),
  ],
};

const WRITES = /^(CreateTrail|UpdateTrail|StartLogging|StopLogging|DeleteTrail)$/;
const logger = createLogger({}, { write: () => {} });
let emu: Emulator;
let env: NodeJS.ProcessEnv;
const sweep = Buffer.from(JSON.stringify({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 'sweep', payload: '' }));
const context = (timeout = 60) => ({ requestId: 'timer-hostile', region: REGION, accountId: MGMT, credentials: key, function: { name: WORKER, timeout } });

function trail(accountId: string, over: Partial<EmuTrail>): EmuTrail {
  return seedTrail(accountId, REGION, { Name: 'x', ...over });
}

const baselineOf = (id: string) => emu.world.accounts.get(id)!.trails.find((t) => t.Name === BASELINE.Name);
const resetTrails = () => {
  for (const id of ALL) emu.world.accounts.get(id)!.trails = [];
};

/** One timer run with fan-out (2 accounts a batch), waiting for its batches; the run's summary. */
async function fanoutRun(extra: NodeJS.ProcessEnv = {}, timeout = 60): Promise<{ report: Report; summary?: Report }> {
  const handler = createHandler({ env: { ...env, ...extra }, logger });
  emu.registerFunction(MGMT, REGION, WORKER, (event, ctx) => handler(event, ctx));
  const report = await handler(sweep, context(timeout));
  await waitForAsyncInvocations(emu.world, 30_000);
  return { report, summary: readJson<Report>(emu, MGMT, REPORTS, `runs/${report.runId}/summary.json`) };
}

beforeAll(async () => {
  emu = await createEmulator({ seed });
  putObject(emu, MGMT, REGION, CONFIG, 'baseline.json', [BASELINE]);
  env = {
    TRAIL_EMULATOR_URL: emu.url,
    TRAIL_REGION: REGION,
    TRAIL_BASELINE_OSS: `oss://${CONFIG}/baseline.json`,
    TRAIL_REPORT_OSS: `oss://${REPORTS}/runs`,
    TRAIL_FANOUT_THRESHOLD: '2',
    TRAIL_FANOUT_BATCH: '2',
    TRAIL_CONCURRENCY: '2',
  };
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  clearFaults(emu.world);
});

describe('fan-out batches are checked against the run manifest', () => {
  it('a real run writes the manifest first, every batch checks itself against it, and the summary counts every account', async () => {
    resetTrails();
    const { report, summary } = await fanoutRun();
    expect(report.mode).toBe('fanout');
    expect(report.batches?.map((b) => [b.status, b.accountIds])).toEqual([
      ['accepted', [MGMT, MEMBERS[0]]],
      ['accepted', [MEMBERS[1], MEMBERS[2]]],
    ]);
    expect(summary).toMatchObject({ mode: 'summary', accounts: 4, fixed: 4, failed: [] });
    for (const id of ALL) expect(baselineOf(id)?.Status).toBe('Enable');
  });

  it('accounts a manual fan-out run names outside TRAIL_ACCOUNTS are in no batch, and named AccountNotAllowed in the dispatch report and the summary: no call into them', async () => {
    resetTrails();
    const OUTSIDER = '9999999999999999';
    const handler = createHandler({ env, logger });
    emu.registerFunction(MGMT, REGION, WORKER, (event, ctx) => handler(event, ctx));
    const from = emu.world.calls.length;
    const report = (await handler(Buffer.from(JSON.stringify({ accounts: [OUTSIDER, ...ALL] })), context())) as Report;
    await waitForAsyncInvocations(emu.world, 30_000);
    expect(report.mode).toBe('fanout');
    expect(report.batches?.flatMap((b) => b.accountIds)).not.toContain(OUTSIDER);
    expect(report.failed).toEqual([expect.objectContaining({ accountId: OUTSIDER, region: REGION, Code: 'AccountNotAllowed', retryable: false })]);
    const summary = readJson<Report>(emu, MGMT, REPORTS, `runs/${report.runId}/summary.json`);
    expect(summary).toMatchObject({ mode: 'summary', fixed: ALL.length });
    expect(summary!.failed).toEqual([expect.objectContaining({ accountId: OUTSIDER, Code: 'AccountNotAllowed' })]);
    const calls = emu.world.calls.slice(from);
    expect(calls.filter((c) => c.accountId === OUTSIDER || String(c.request?.params['RoleArn'] ?? '').includes(OUTSIDER))).toEqual([]);
  });

  it.each([
    ['a run with no manifest', { runId: 'forged-run', batchIndex: 0, batchCount: 1 }],
    ['accounts other than the ones dispatched', { batchIndex: 0, batchCount: 1, accounts: [MEMBERS[2]] }],
    ['an index not in the manifest', { batchIndex: 1, batchCount: 2 }],
    ['a dry run flag flipped', { batchIndex: 0, batchCount: 1, dryRun: true }],
    ['another region', { batchIndex: 0, batchCount: 1, regions: ['cn-shanghai'] }],
    ['no batch index', {}],
  ])('a batch with %s is refused (403 BatchNotDispatched) with no call into any member account', async (_label, over) => {
    putManifest(emu, MGMT, REGION, REPORTS, 'runs/real-run', [[MEMBERS[0]!, MEMBERS[1]!]], [REGION]);
    const payload = { kind: 'remediation-batch', runId: 'real-run', accounts: [MEMBERS[0], MEMBERS[1]], regions: [REGION], dryRun: false, ...over };
    const handler = createHandler({ env, logger });
    const from = emu.world.calls.length;
    const err = await handler(Buffer.from(JSON.stringify(payload)), context()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProvisionError);
    expect(err).toMatchObject({ code: 'BatchNotDispatched', status: 403, retryable: false });
    const calls = emu.world.calls.slice(from);
    expect(calls.filter((c) => c.accountId !== MGMT || c.service !== 'oss')).toEqual([]);
    expect(keys(emu, MGMT, REPORTS, 'runs/real-run/')).toEqual(['runs/real-run/dispatch.json']);
  });

  it('a batch without TRAIL_REPORT_OSS (no manifest anywhere) is refused, and a large fleet then runs inline with a warning', async () => {
    const noStore = { ...env, TRAIL_REPORT_OSS: '' };
    const handler = createHandler({ env: noStore, logger });
    const payload = { kind: 'remediation-batch', runId: 'r', accounts: [MEMBERS[0]], regions: [REGION], dryRun: false, batchIndex: 0, batchCount: 1 };
    await expect(handler(Buffer.from(JSON.stringify(payload)), context())).rejects.toMatchObject({ code: 'BatchNotDispatched' });
    const from = emu.world.calls.length;
    const report = await handler(sweep, context());
    expect(report.mode).toBe('inline');
    expect(report.accounts).toBe(4);
    expect(report.warnings?.[0]).toMatch(/fan-out needs TRAIL_REPORT_OSS/);
    expect(formatReport(report)).toMatch(/WARNING/);
    expect(emu.world.calls.slice(from).some((c) => c.service === 'fc')).toBe(false);
  });

  it('a batch delivered twice merges: the second delivery cannot erase what the first fixed', async () => {
    resetTrails();
    const { report, summary } = await fanoutRun();
    expect(summary?.fixed).toBe(4);
    const batch0 = readJson<Report>(emu, MGMT, REPORTS, `runs/${report.runId}/batch-0.json`)!;
    expect(batch0.fixed).toBe(2);
    // FC delivers the same async event again (at-least-once): everything is compliant by now.
    const again = { kind: 'remediation-batch', runId: report.runId, accounts: report.batches![0]!.accountIds, regions: [REGION], dryRun: false, batchIndex: 0, batchCount: 2 };
    const second = await createHandler({ env, logger })(Buffer.from(JSON.stringify(again)), context());
    expect(second.fixed).toBe(2);
    expect(readJson<Report>(emu, MGMT, REPORTS, `runs/${report.runId}/batch-0.json`)).toMatchObject({ fixed: 2, counts: { missing: 2, compliant: 0 } });
    expect(readJson<Report>(emu, MGMT, REPORTS, `runs/${report.runId}/summary.json`)).toMatchObject({ fixed: 4, accounts: 4 });
  });

  it('a batch over the cap is refused at parse time, before its items are looked at', () => {
    const accounts = Array.from({ length: 1_001 }, (_, i) => String(2600000000001000 + i));
    expect(() => parseRemediationEvent(JSON.stringify({ kind: 'remediation-batch', runId: 'r', accounts, regions: [REGION], dryRun: false }))).toThrow(/at most 1000 accounts/);
  });

  it('batches that cannot be dispatched still end in a summary that names them', async () => {
    resetTrails();
    setFaults(emu.world, { rules: [{ match: 'fc:InvokeFunction', kind: 'error5xx', rate: 1 }] });
    const { report, summary } = await fanoutRun({ TRAIL_DEADLINE_MARGIN_MS: '0' }, 3);
    expect(report.batches?.map((b) => b.status)).toEqual(['failed', 'failed']);
    expect(summary).toBeDefined();
    expect(summary!.failed.map((f) => f.name)).toEqual(['batch-0', 'batch-1']);
    expect(summary!.failed[0]!.Message).toMatch(/Not dispatched \(2 accounts not checked\)/);
    expect(formatReport(summary!)).toMatch(/FAILED .*batch-1/);
  });
});

describe('what remediation reports instead of failing silently', () => {
  it('a destination squatted by another trail is reported naming that trail, as its own kind', async () => {
    resetTrails();
    const victim = MEMBERS[0]!;
    emu.world.accounts.get(victim)!.trails = [trail(victim, { Name: 'squatter-trail', OssBucketName: AUDIT, OssKeyPrefix: 'actiontrail' })];
    const report = await createHandler({ env: { ...env, TRAIL_ACCOUNTS: victim }, logger, credentials: staticCredentials(key) })(sweep, context());
    expect(report.squatted).toEqual([{ accountId: victim, region: REGION, name: 'baseline-trail', squatter: 'squatter-trail', destination: `oss://${AUDIT}/actiontrail` }]);
    expect(report.failed).toEqual([expect.objectContaining({ accountId: victim, name: 'baseline-trail', Code: 'RepeatOssBucket', Message: expect.stringContaining('"squatter-trail"') })]);
    expect(formatReport(report)).toContain(`SQUATTED ${victim}/${REGION}/baseline-trail: oss://${AUDIT}/actiontrail is held by trail "squatter-trail"`);
  });

  it('trails left Fresh, whoever created them, are reported (one DescribeTrails per account and region serves the specs and the scan)', async () => {
    resetTrails();
    const id = MEMBERS[1]!;
    emu.world.accounts.get(id)!.trails = [trail(id, { Name: 'interrupted-trail', OssBucketName: AUDIT, OssKeyPrefix: 'elsewhere', Status: 'Fresh' })];
    const from = emu.world.calls.length;
    const report = await createHandler({ env: { ...env, TRAIL_ACCOUNTS: id }, logger, credentials: staticCredentials(key) })(sweep, context());
    expect(report.freshTrails).toEqual([{ accountId: id, region: REGION, name: 'interrupted-trail' }]);
    expect(formatReport(report)).toContain(`NEVER STARTED ${id}/${REGION}/interrupted-trail`);
    expect(emu.world.calls.slice(from).filter((c) => c.action === 'DescribeTrails')).toHaveLength(1);
    // Reported, not touched: it is not a baseline trail.
    expect(emu.world.accounts.get(id)!.trails.find((t) => t.Name === 'interrupted-trail')?.Status).toBe('Fresh');
  });

  it('a CreateTrail given up on that lands anyway is reported as created but not logging, and the next run starts it', async () => {
    resetTrails();
    const cloud = createCloud({ region: REGION, credentials: staticCredentials(key), env, accountId: MGMT });
    const err = await ensureValidTrail({ ...BASELINE, Name: 'late-trail', OssKeyPrefix: 'late-prefix' }, cloud, {
      retry: { maxAttempts: 1, attemptTimeoutMs: 1_000 },
      // From CreateTrail on, the cloud is slow: CreateTrail lands after 1.8 s (given up on at 1 s); DescribeTrails answers after 1.5 s.
      onStep: ({ step }) => {
        if (step === 'CreateTrail') setFaults(emu.world, { rules: [{ match: 'actiontrail:CreateTrail', kind: 'latency', rate: 1, ms: 1_800, times: 1 }, { match: 'actiontrail:DescribeTrails', kind: 'latency', rate: 1, ms: 1_500 }] });
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ETIMEDOUT', retryable: true, message: expect.stringMatching(/was created although CreateTrail was given up on .*not logging yet/) });
    expect(emu.world.accounts.get(MGMT)!.trails.find((t) => t.Name === 'late-trail')?.Status).toBe('Fresh');
    clearFaults(emu.world);
    const next = await ensureValidTrail({ ...BASELINE, Name: 'late-trail', OssKeyPrefix: 'late-prefix' }, cloud);
    expect(next).toMatchObject({ classification: 'not-logging', done: ['StartLogging'] });
  });
});

describe('no single fault stops a run', () => {
  const targets: Array<[string, string]> = [
    ['the baseline OSS GET', 'oss:GET'],
    ['ListAccounts', 'resourcemanager:ListAccounts'],
    ['AssumeRole', 'sts:AssumeRole'],
    ['DescribeTrails', 'actiontrail:DescribeTrails'],
    ['the fan-out InvokeFunction', 'fc:InvokeFunction'],
  ];
  const kinds: Array<FaultRule['kind']> = ['throttle', 'error5xx', 'drop'];
  const cases = targets.flatMap(([label, match]) => kinds.map((kind) => [`${kind} on ${label}`, match, kind] as const));

  it.each(cases)('%s: the run ends with its summary, nothing failed, every account compliant', async (_label, match, kind) => {
    resetTrails();
    setFaults(emu.world, { seed: 7, rules: [{ match, kind, rate: 1, times: 1 }] });
    const before = faultTally(emu.world)[kind];
    const from = emu.world.calls.length;
    const { report, summary } = await fanoutRun();
    expect(faultTally(emu.world)[kind], 'the fault was injected').toBe(before + 1);
    expect(report.failed).toEqual([]);
    expect(summary).toMatchObject({ mode: 'summary', accounts: 4, fixed: 4, failed: [] });
    for (const id of ALL) expect(baselineOf(id)?.Status, id).toBe('Enable');
    expect(emu.world.calls.slice(from).filter((c) => WRITES.test(c.action) && c.status >= 400)).toEqual([]);
  });
});
