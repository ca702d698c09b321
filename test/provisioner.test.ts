/**
 * ensureTrail end to end: the real SDK clients over HTTP against the emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import { ensureTrail } from '../shared/core/provisioner';
import { ProvisionError } from '../shared/core/errors';
import { MEMBER_A, MEMBER_B, MGMT, REGION, callsSince, cloudFor, startWorld } from './helpers/world';

let emu: Emulator;
beforeAll(async () => {
  emu = await startWorld();
});
afterAll(async () => {
  await emu.close();
});

const fast = { retry: { baseMs: 5, capMs: 20, consistencyWindowMs: 0 } };
/** Organization trails are protected by default (guardrails); these tests are about ActionTrail's own rules for them. */
const orgAllowed = { ...fast, guard: { policy: { protectedTrails: { baseline: false, organizationTrails: false } }, baseline: [], caller: { kind: 'cli' as const, name: 'test' } } };
const writer = (acct: string) => `acs:ram::${acct}:role/actiontrail-writer`;
const trailOf = (acct: string, name: string) => emu.world.accounts.get(acct)!.trails.find((t) => t.Name === name);
const writes = (calls: string[]) => calls.filter((c) => /CreateTrail|UpdateTrail|StartLogging|StopLogging|DeleteTrail/.test(c));

async function expectCode(p: Promise<unknown>, code: string, status: number): Promise<ProvisionError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProvisionError);
  expect((err as ProvisionError).code).toBe(code);
  expect((err as ProvisionError).status).toBe(status);
  return err as ProvisionError;
}

describe('ensureTrail', () => {
  it('creates an OSS trail, starts it and verifies it is logging, returning every response element', async () => {
    const cloud = cloudFor(emu, MEMBER_A);
    const from = emu.world.calls.length;
    const r = await ensureTrail({ Name: 'oss-trail', OssBucketName: `audit-${MEMBER_A}`, OssKeyPrefix: 'audit-logs', EventRW: 'All' }, cloud, fast);
    expect(r.classification).toBe('missing');
    expect(r.done).toEqual(['CreateTrail', 'StartLogging']);
    expect(r.status?.IsLogging).toBe(true);
    for (const k of ['EventRW', 'HomeRegion', 'Name', 'OssBucketName', 'OssKeyPrefix', 'RequestId', 'TrailRegion']) expect(r.trail).toHaveProperty(k);
    expect(r.trail).toMatchObject({ Name: 'oss-trail', HomeRegion: REGION, EventRW: 'All', TrailRegion: 'All', OssBucketName: `audit-${MEMBER_A}`, OssKeyPrefix: 'audit-logs' });
    expect(r.requestIds).toHaveLength(2);
    expect(trailOf(MEMBER_A, 'oss-trail')?.Status).toBe('Enable');
    expect(writes(callsSince(emu, from))).toEqual(['actiontrail:CreateTrail', 'actiontrail:StartLogging']);
  });

  it('re-running a compliant spec writes nothing: DescribeTrails, and GetTrailStatus confirms it logs and delivers', async () => {
    const cloud = cloudFor(emu, MEMBER_A);
    const from = emu.world.calls.length;
    const r = await ensureTrail({ Name: 'oss-trail', OssBucketName: `audit-${MEMBER_A}`, OssKeyPrefix: 'audit-logs', EventRW: 'All' }, cloud, fast);
    expect(r.classification).toBe('compliant');
    expect(r.done).toEqual([]);
    expect(r.status).toMatchObject({ IsLogging: true, OssBucketStatus: true });
    expect(r.status?.LatestDeliveryError ?? '').toBe('');
    expect(callsSince(emu, from)).toEqual(['actiontrail:DescribeTrails', 'actiontrail:GetTrailStatus']);
  });

  it('creates an SLS trail and ActionTrail makes the actiontrail_<trail> Logstore', async () => {
    const cloud = cloudFor(emu, MEMBER_A);
    const r = await ensureTrail({ Name: 'sls-trail', SlsProjectArn: `acs:log:${REGION}:${MEMBER_A}:project/audit-${MEMBER_A}`, SlsWriteRoleArn: writer(MEMBER_A) }, cloud, fast);
    expect(r.status?.IsLogging).toBe(true);
    expect(r.trail?.SlsProjectArn).toBe(`acs:log:${REGION}:${MEMBER_A}:project/audit-${MEMBER_A}`);
    const project = emu.world.accounts.get(MEMBER_A)!.slsProjects.find((p) => p.name === `audit-${MEMBER_A}`)!;
    expect(project.logstores).toContain('actiontrail_sls-trail');
  });

  it('creates a MaxCompute trail and the actiontrail_<account> project exists afterwards', async () => {
    const cloud = cloudFor(emu, MEMBER_B);
    const arn = `acs:odps:${REGION}:${MEMBER_B}:project/actiontrail_${MEMBER_B}`;
    const r = await ensureTrail({ Name: 'mc-trail', MaxComputeProjectArn: arn, MaxComputeWriteRoleArn: writer(MEMBER_B) }, cloud, fast);
    expect(r.status?.IsLogging).toBe(true);
    expect(r.trail?.MaxComputeProjectArn).toBe(arn);
    expect(emu.world.accounts.get(MEMBER_B)!.mcProjects.map((p) => p.name)).toContain(`actiontrail_${MEMBER_B}`);
  });

  it('creates a trail delivering to all three destinations at once', async () => {
    const cloud = cloudFor(emu, MGMT);
    const spec = {
      Name: 'all-three',
      OssBucketName: `audit-${MGMT}`,
      OssWriteRoleArn: writer(MGMT),
      SlsProjectArn: `acs:log:${REGION}:${MGMT}:project/audit-${MGMT}`,
      SlsWriteRoleArn: writer(MGMT),
      MaxComputeProjectArn: `acs:odps:${REGION}:${MGMT}:project/actiontrail_${MGMT}`,
      MaxComputeWriteRoleArn: writer(MGMT),
      EventRW: 'Write' as const,
    };
    const r = await ensureTrail(spec, cloud, fast);
    expect(r.status?.IsLogging).toBe(true);
    expect(r.destinations.map((d) => d.kind).sort()).toEqual(['maxcompute', 'oss', 'role', 'role', 'role', 'sls']);
    expect(trailOf(MGMT, 'all-three')).toMatchObject({ Status: 'Enable', OssBucketName: spec.OssBucketName, SlsProjectArn: spec.SlsProjectArn, MaxComputeProjectArn: spec.MaxComputeProjectArn });
  });

  it('fixes drift with UpdateTrail, re-sending every delivery field', async () => {
    const cloud = cloudFor(emu, MEMBER_A);
    const spec = { Name: 'drift-trail', OssBucketName: `audit-${MEMBER_A}`, OssKeyPrefix: 'before-prefix', SlsProjectArn: `acs:log:${REGION}:${MEMBER_A}:project/audit-${MEMBER_A}` };
    await ensureTrail(spec, cloud, fast);
    const r = await ensureTrail({ ...spec, OssKeyPrefix: 'after-prefix' }, cloud, fast);
    expect(r.classification).toBe('drifted');
    expect(r.drift).toEqual([{ field: 'OssKeyPrefix', want: 'after-prefix', have: 'before-prefix' }]);
    expect(r.done).toEqual(['UpdateTrail']);
    expect(trailOf(MEMBER_A, 'drift-trail')).toMatchObject({ OssKeyPrefix: 'after-prefix', SlsProjectArn: spec.SlsProjectArn, Status: 'Enable' });
  });

  it('restarts a stopped trail with StartLogging only', async () => {
    const cloud = cloudFor(emu, MEMBER_A);
    await cloud.actiontrail.stopLogging('oss-trail');
    expect(trailOf(MEMBER_A, 'oss-trail')?.Status).toBe('Disable');
    const r = await ensureTrail({ Name: 'oss-trail', OssBucketName: `audit-${MEMBER_A}`, OssKeyPrefix: 'audit-logs', EventRW: 'All' }, cloud, fast);
    expect(r.classification).toBe('not-logging');
    expect(r.done).toEqual(['StartLogging']);
    expect(trailOf(MEMBER_A, 'oss-trail')?.Status).toBe('Enable');
  });

  it('dryRun returns the plan and writes nothing', async () => {
    const cloud = cloudFor(emu, MEMBER_B);
    const from = emu.world.calls.length;
    const r = await ensureTrail({ Name: 'dry-trail', OssBucketName: `audit-${MEMBER_B}` }, cloud, { ...fast, dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.planned).toEqual(['CreateTrail', 'StartLogging']);
    expect(r.done).toEqual([]);
    expect(writes(callsSince(emu, from))).toEqual([]);
    expect(trailOf(MEMBER_B, 'dry-trail')).toBeUndefined();
  });

  it('a missing bucket fails with BucketDoesNotExistException before any write', async () => {
    const cloud = cloudFor(emu, MEMBER_B);
    const from = emu.world.calls.length;
    await expectCode(ensureTrail({ Name: 'no-bucket', OssBucketName: 'no-such-bucket-here' }, cloud, fast), 'BucketDoesNotExistException', 404);
    expect(writes(callsSince(emu, from))).toEqual([]);
    expect(trailOf(MEMBER_B, 'no-bucket')).toBeUndefined();
  });

  it('a missing SLS project fails with SlsProjectDoesNotExistException before any write', async () => {
    const cloud = cloudFor(emu, MEMBER_B);
    const from = emu.world.calls.length;
    await expectCode(ensureTrail({ Name: 'no-project', SlsProjectArn: `acs:log:${REGION}:${MEMBER_B}:project/nope-project` }, cloud, fast), 'SlsProjectDoesNotExistException', 400);
    expect(writes(callsSince(emu, from))).toEqual([]);
  });

  it('a write role that does not exist or does not trust ActionTrail fails before any write', async () => {
    const cloud = cloudFor(emu, MEMBER_B);
    const from = emu.world.calls.length;
    await expectCode(
      ensureTrail({ Name: 'bad-role', OssBucketName: `audit-${MEMBER_B}`, OssWriteRoleArn: `acs:ram::${MEMBER_B}:role/missing-role` }, cloud, fast),
      'InsufficientBucketPolicyException',
      403,
    );
    await expectCode(
      ensureTrail({ Name: 'bad-role', SlsProjectArn: `acs:log:${REGION}:${MEMBER_B}:project/audit-${MEMBER_B}`, SlsWriteRoleArn: `acs:ram::${MEMBER_B}:role/no-trust` }, cloud, fast),
      'InsufficientSlsPolicyException',
      403,
    );
    expect(writes(callsSince(emu, from))).toEqual([]);
  });

  it('an invalid spec is rejected with every failing field and no cloud call', async () => {
    const cloud = cloudFor(emu, MEMBER_B);
    const from = emu.world.calls.length;
    const err = await expectCode(ensureTrail({ Name: 'Bad Name!', OssKeyPrefix: 'x', Colour: 'red' }, cloud, fast), 'InvalidTrailNameException', 400);
    const pointers = err.fields.map((f) => f.pointer);
    expect(pointers).toContain('/Name');
    expect(pointers).toContain('/OssKeyPrefix');
    expect(callsSince(emu, from)).toEqual([]);
  });

  it('two concurrent ensures of one spec end with one trail, logging, and no error', async () => {
    const spec = { Name: 'race-trail', OssBucketName: `audit-${MEMBER_B}`, OssKeyPrefix: 'race-prefix' };
    const [a, b] = await Promise.all([ensureTrail(spec, cloudFor(emu, MEMBER_B), fast), ensureTrail(spec, cloudFor(emu, MEMBER_B), fast)]);
    expect(a.status?.IsLogging && b.status?.IsLogging).toBe(true);
    expect(emu.world.accounts.get(MEMBER_B)!.trails.filter((t) => t.Name === 'race-trail')).toHaveLength(1);
    expect(trailOf(MEMBER_B, 'race-trail')?.Status).toBe('Enable');
  });

  it('a trail whose StartLogging failed is reported half-done, and the next run finishes it', async () => {
    const cloud = cloudFor(emu, MEMBER_B);
    emu.world.faults = { rules: [{ match: 'actiontrail:StartLogging', kind: 'error5xx', rate: 1, times: 1 }] };
    try {
      const err = await expectCode(
        ensureTrail({ Name: 'half-trail', OssBucketName: `audit-${MEMBER_B}`, OssKeyPrefix: 'half-prefix' }, cloud, { retry: { ...fast.retry, maxAttempts: 1 } }),
        'ServiceUnavailable',
        503,
      );
      expect(err.message).toMatch(/not logging/);
      expect(trailOf(MEMBER_B, 'half-trail')?.Status).toBe('Fresh');
    } finally {
      emu.world.faults = { rules: [] };
    }
    const r = await ensureTrail({ Name: 'half-trail', OssBucketName: `audit-${MEMBER_B}`, OssKeyPrefix: 'half-prefix' }, cloud, fast);
    expect(r.classification).toBe('not-logging');
    expect(r.done).toEqual(['StartLogging']);
    expect(trailOf(MEMBER_B, 'half-trail')?.Status).toBe('Enable');
  });

  it('retries throttling and succeeds', async () => {
    const cloud = cloudFor(emu, MEMBER_A);
    emu.world.faults = { rules: [{ match: 'actiontrail:CreateTrail', kind: 'throttle', rate: 1, times: 2 }] };
    const retries: string[] = [];
    try {
      const r = await ensureTrail({ Name: 'throttled', OssBucketName: `audit-${MEMBER_A}`, OssKeyPrefix: 'throttle-prefix' }, cloud, {
        retry: { ...fast.retry, onRetry: (i) => retries.push(i.error.code) },
      });
      expect(r.status?.IsLogging).toBe(true);
    } finally {
      emu.world.faults = { rules: [] };
    }
    expect(retries).toEqual(['Throttling.User', 'Throttling.User']);
  });

  it('creates an organization trail from the management account, and re-running it is a no-op', async () => {
    const cloud = cloudFor(emu, MGMT);
    const spec = { Name: 'org-trail', IsOrganizationTrail: true, OssBucketName: `audit-${MGMT}`, OssKeyPrefix: 'org-audit' };
    const r = await ensureTrail(spec, cloud, orgAllowed);
    expect(r.done).toEqual(['CreateTrail', 'StartLogging']);
    expect(r.status?.IsLogging).toBe(true);
    expect(trailOf(MGMT, 'org-trail')).toMatchObject({ IsOrganizationTrail: true, Status: 'Enable' });
    const again = await ensureTrail(spec, cloud, orgAllowed);
    expect(again.classification).toBe('compliant');
    // Asking for a single-account trail under the same name cannot be fixed by UpdateTrail: a clear error, no write.
    const from = emu.world.calls.length;
    const err = await expectCode(ensureTrail({ ...spec, IsOrganizationTrail: false }, cloud, orgAllowed), 'InvalidQueryParameter', 400);
    expect(err.fields[0]?.pointer).toBe('/IsOrganizationTrail');
    expect(writes(callsSince(emu, from))).toEqual([]);
  });

  it('with no guard given, the safe defaults apply in the core: an organization trail is protected before any cloud call; a dry run lists the violation', async () => {
    const cloud = cloudFor(emu, MGMT);
    const spec = { Name: 'default-org', IsOrganizationTrail: true, OssBucketName: `audit-${MGMT}` };
    const from = emu.world.calls.length;
    const err = await expectCode(ensureTrail(spec, cloud, fast), 'ProtectedTrail', 409);
    expect(err.fields).toEqual([expect.objectContaining({ ruleId: 'protected-trail', pointer: '/Name' })]);
    expect(callsSince(emu, from)).toEqual([]);
    const plan = await ensureTrail(spec, cloud, { ...fast, dryRun: true });
    expect(plan).toMatchObject({ dryRun: true, classification: 'missing', planned: ['CreateTrail', 'StartLogging'], done: [], violations: [expect.objectContaining({ ruleId: 'protected-trail' })] });
    expect(writes(callsSince(emu, from))).toEqual([]);
  });

  it('a member account cannot create an organization trail (NotAllowCreateOrganizationTrail), and nothing is left behind', async () => {
    const cloud = cloudFor(emu, MEMBER_A);
    await expectCode(ensureTrail({ Name: 'member-org', IsOrganizationTrail: true, OssBucketName: `audit-${MEMBER_A}` }, cloud, orgAllowed), 'NotAllowCreateOrganizationTrail', 400);
    expect(trailOf(MEMBER_A, 'member-org')).toBeUndefined();
  });
});

describe('ensureTrail across regions, delivery health and eventual consistency', () => {
  let world: Emulator;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world.close();
  });
  const SH = 'cn-shanghai';
  const spec = (name: string, extra: Record<string, unknown> = {}) => ({ Name: name, OssBucketName: `audit-${MEMBER_A}`, OssKeyPrefix: `${name.replace(/-/g, '')}x`, ...extra });
  const regionsOf = (acct: string, name: string) => world.world.accounts.get(acct)!.trails.filter((t) => t.Name === name).map((t) => t.HomeRegion);

  it('a trail homed in another region (a shadow trail here) is managed at its home region, never created twice', async () => {
    const home = cloudFor(world, MEMBER_A, SH);
    await ensureTrail(spec('homed-elsewhere'), home, fast);
    const from = world.world.calls.length;
    const r = await ensureTrail(spec('homed-elsewhere', { EventRW: 'All' }), cloudFor(world, MEMBER_A, REGION), fast);
    expect(r).toMatchObject({ region: SH, classification: 'drifted', done: ['UpdateTrail'] });
    expect(regionsOf(MEMBER_A, 'homed-elsewhere')).toEqual([SH]);
    expect(callsSince(world, from)).not.toContain('actiontrail:CreateTrail');
    const again = await ensureTrail(spec('homed-elsewhere', { EventRW: 'All' }), cloudFor(world, MEMBER_A, REGION), fast);
    expect(again).toMatchObject({ region: SH, classification: 'compliant', done: [] });
  });

  it('a trail of the same name homed elsewhere and not covering this region is a clear TrailAlreadyExistsException, nothing created', async () => {
    await ensureTrail(spec('narrow-trail', { TrailRegion: SH }), cloudFor(world, MEMBER_A, SH), fast);
    const err = await expectCode(ensureTrail(spec('narrow-trail'), cloudFor(world, MEMBER_A, REGION), fast), 'TrailAlreadyExistsException', 400);
    expect(err.message).toMatch(/homed in another region and not covering cn-hangzhou/);
    expect(regionsOf(MEMBER_A, 'narrow-trail')).toEqual([SH]);
  });

  it('reports delivery health of a compliant trail whose bucket went away (GetTrailStatus), without writing', async () => {
    const cloud = cloudFor(world, MEMBER_B);
    const bucket = `audit-${MEMBER_B}`;
    await ensureTrail({ Name: 'health-trail', OssBucketName: bucket }, cloud, fast);
    const account = world.world.accounts.get(MEMBER_B)!;
    const saved = account.buckets;
    account.buckets = saved.filter((b) => b.name !== bucket);
    try {
      const from = world.world.calls.length;
      const r = await ensureTrail({ Name: 'health-trail', OssBucketName: bucket }, cloud, fast);
      expect(r.classification).toBe('compliant');
      expect(r.status).toMatchObject({ IsLogging: true, OssBucketStatus: false });
      expect(r.status?.LatestDeliveryError).toBeTruthy();
      expect(writes(callsSince(world, from))).toEqual([]);
    } finally {
      account.buckets = saved;
    }
  });

  it('an SLS project or write role not visible yet (eventual consistency) is retried within the window, then the trail is created', async () => {
    const cloud = cloudFor(world, MEMBER_B);
    const sls = { Name: 'fresh-project', SlsProjectArn: `acs:log:${REGION}:${MEMBER_B}:project/audit-${MEMBER_B}`, SlsWriteRoleArn: writer(MEMBER_B) };
    world.world.faults = { rules: [{ match: 'sls', kind: 'stale', rate: 1, times: 2 }, { match: 'ram', kind: 'stale', rate: 1, times: 1 }, { match: 'actiontrail:CreateTrail', kind: 'stale', rate: 1, times: 1 }] };
    const retried: string[] = [];
    try {
      const r = await ensureTrail(sls, cloud, { retry: { baseMs: 5, capMs: 20, consistencyWindowMs: 10_000, onRetry: (i) => retried.push(i.error.code) } });
      expect(r.done).toEqual(['CreateTrail', 'StartLogging']);
    } finally {
      world.world.faults = { rules: [] };
    }
    expect(retried.sort()).toEqual(['InsufficientBucketPolicyException', 'InsufficientSlsPolicyException', 'SlsProjectDoesNotExistException', 'SlsProjectDoesNotExistException']);
  });

  it('GetTrailStatus lagging right after StartLogging (stale, twice): verify polls until it reports IsLogging', async () => {
    const cloud = cloudFor(world, MEMBER_A);
    world.world.faults = { rules: [{ match: 'actiontrail:GetTrailStatus', kind: 'stale', rate: 1, times: 2 }] };
    const from = world.world.calls.length;
    try {
      const r = await ensureTrail(spec('lagging-status'), cloud, fast);
      expect(r.done).toEqual(['CreateTrail', 'StartLogging']);
      expect(r.status?.IsLogging).toBe(true);
    } finally {
      world.world.faults = { rules: [] };
    }
    // Two lagging answers (IsLogging=false, not errors), then the real status.
    const polls = world.world.calls.slice(from).filter((c) => c.action === 'GetTrailStatus');
    expect(polls.map((c) => c.status)).toEqual([200, 200, 200]);
    expect(world.world.accounts.get(MEMBER_A)!.trails.find((t) => t.Name === 'lagging-status' && t.HomeRegion === REGION)?.Status).toBe('Enable');
  });

  it('a status that never catches up fails verify with TrailNotLoggingException, saying the trail stands and the next run finishes it', async () => {
    const cloud = cloudFor(world, MEMBER_A);
    world.world.faults = { rules: [{ match: 'actiontrail:GetTrailStatus', kind: 'stale', rate: 1 }] };
    const from = world.world.calls.length;
    let err: ProvisionError;
    try {
      err = await expectCode(ensureTrail(spec('never-logging'), cloud, { ...fast, verifyTimeoutMs: 300 }), 'TrailNotLoggingException', 500);
    } finally {
      world.world.faults = { rules: [] };
    }
    expect(err.message).toMatch(/CreateTrail, StartLogging succeeded, then verify failed/);
    expect(err.message).toMatch(/next run will finish it/);
    expect(callsSince(world, from).filter((c) => c === 'actiontrail:GetTrailStatus').length).toBeGreaterThan(1);
    const trail = world.world.accounts.get(MEMBER_A)!.trails.find((t) => t.Name === 'never-logging');
    expect(trail).toMatchObject({ HomeRegion: REGION, Status: 'Enable' });
  });

  it('past the consistency window a missing SLS project is final, and nothing is written', async () => {
    const cloud = cloudFor(world, MEMBER_B);
    world.world.faults = { rules: [{ match: 'sls', kind: 'stale', rate: 1 }] };
    const from = world.world.calls.length;
    try {
      await expectCode(
        ensureTrail({ Name: 'stale-forever', SlsProjectArn: `acs:log:${REGION}:${MEMBER_B}:project/audit-${MEMBER_B}` }, cloud, { retry: { baseMs: 5, capMs: 10, consistencyWindowMs: 100 } }),
        'SlsProjectDoesNotExistException',
        400,
      );
    } finally {
      world.world.faults = { rules: [] };
    }
    const gets = callsSince(world, from).filter((c) => c.startsWith('sls:'));
    expect(gets.length).toBeGreaterThan(1);
    expect(writes(callsSince(world, from))).toEqual([]);
  });
});
