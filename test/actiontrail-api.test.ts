/**
 * ActionTrail 2020-07-06 end to end: shared/cloud/actiontrail.ts (openapi-core callApi, ACS3
 * signature) over HTTP against the emulator. Every error code of the CreateTrail doc's table is
 * produced and asserted with its HTTP status, plus TrailNotFoundException, the trail lifecycle,
 * DescribeTrails filters, the per-HomeRegion limit, destinations and organization trail rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import { addAccount, type SeedFile } from '../emulator/state';
import { createActionTrailClient } from '../shared/cloud/actiontrail';
import { staticCredentials } from '../shared/cloud/credentials';
import type { ActionTrailApi } from '../shared/cloud/types';
import { DOCUMENTED_ERRORS, ProvisionError } from '../shared/core/errors';
import type { TrailSpec } from '../shared/core/spec';

const HZ = 'cn-hangzhou';
const SH = 'cn-shanghai';
const B = '1100000000000002'; // another account owning a bucket / projects a test account may be granted
const MGMT = '1100000000000003'; // Resource Directory management account
const MEMBER = '1100000000000004'; // Resource Directory member
const OUTSIDE = '1100000000000005'; // account outside the Resource Directory
const NOORG = '1100000000000006'; // management account that ActionTrail refuses org trails to

const key = (id: string) => ({ accessKeyId: `LTAI5t${id}`, accessKeySecret: `sk-${id}-abcdefghijklmnop` });
const writer = (acct: string) => `acs:ram::${acct}:role/at-writer`;
const slsArn = (acct: string, project: string, region = HZ) => `acs:log:${region}:${acct}:project/${project}`;
const odpsArn = (acct: string, project: string, region = HZ) => `acs:odps:${region}:${acct}:project/${project}`;

const seed: SeedFile = {
  defaultRegion: HZ,
  resourceDirectoryId: 'rd-at-test',
  accounts: [
    {
      id: B,
      accessKeys: [key(B)],
      buckets: [{ name: 'b-bucket', region: HZ }],
      slsProjects: [{ name: 'b-logs', region: HZ, logstores: [], createTime: '2026-01-01T00:00:00Z' }],
      mcProjects: [{ name: 'actiontrail_b', region: HZ, createTime: '2026-01-01T00:00:00Z' }],
    },
    { id: MGMT, rdRole: 'management', accessKeys: [key(MGMT)], buckets: [{ name: 'org-bucket', region: HZ }, { name: 'org-bucket-2', region: HZ }] },
    { id: MEMBER, rdRole: 'member', accessKeys: [key(MEMBER)], buckets: [{ name: 'member-bucket', region: HZ }] },
    { id: OUTSIDE, accessKeys: [key(OUTSIDE)], buckets: [{ name: 'outside-bucket', region: HZ }] },
    { id: NOORG, rdRole: 'management', allowOrganizationTrail: false, accessKeys: [key(NOORG)], buckets: [{ name: 'noorg-bucket', region: HZ }] },
  ],
};

let emu: Emulator;
const client = (acct: string, region = HZ): ActionTrailApi =>
  createActionTrailClient({ region, credentials: staticCredentials(key(acct)), env: { TRAIL_EMULATOR_URL: emu.url } });

let seq = 0;
/**
 * A new account for one test (trail limits and names are per account, so tests stay apart):
 * buckets bkt-<n> and bkt-<n>-2, SLS project logs-<n>, and three roles: at-writer (trusts
 * ActionTrail, may write B's bucket, SLS project and MaxCompute project), ecs-role (trusts ECS
 * only) and narrow (trusts ActionTrail, grants an unrelated bucket).
 */
function fresh(): { id: string; n: number; at: ActionTrailApi } {
  const n = ++seq;
  const id = String(1200000000000000 + n);
  addAccount(emu.world, {
    id,
    buckets: [
      { name: `bkt-${n}`, region: HZ },
      { name: `bkt-${n}-2`, region: HZ },
    ],
    slsProjects: [{ name: `logs-${n}`, region: HZ, logstores: [], createTime: '2026-01-01T00:00:00Z' }],
    roles: [
      { name: 'at-writer', trustedServices: ['actiontrail.aliyuncs.com'], trustedAccounts: [], grants: ['oss:b-bucket', 'sls:b-logs', 'odps:actiontrail_b'] },
      { name: 'ecs-role', trustedServices: ['ecs.aliyuncs.com'], trustedAccounts: [], grants: ['*'] },
      { name: 'narrow', trustedServices: ['actiontrail.aliyuncs.com'], trustedAccounts: [], grants: ['oss:something-else'] },
    ],
  });
  emu.world.accessKeys.set(key(id).accessKeyId, { ...key(id), accountId: id });
  return { id, n, at: client(id) };
}

/** The ProvisionError a call rejects with (fails the test if it resolves). */
async function failure(p: Promise<unknown>): Promise<ProvisionError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ProvisionError);
    return e as ProvisionError;
  }
  throw new Error('expected the call to fail');
}

async function expectCode(p: Promise<unknown>, code: string, status: number): Promise<ProvisionError> {
  const e = await failure(p);
  expect({ code: e.code, status: e.status }).toEqual({ code, status });
  expect(e.requestId).toMatch(/^[0-9A-F-]{36}$/);
  return e;
}

beforeAll(async () => {
  emu = await createEmulator({ seed });
});
afterAll(async () => {
  await emu?.close();
});

describe('CreateTrail', () => {
  it('creates a Fresh trail and answers exactly the documented response elements', async () => {
    const { id, n, at } = fresh();
    const res = await at.createTrail({ Name: 'trail-basic', OssBucketName: `bkt-${n}`, OssKeyPrefix: 'AuditLogs' });
    expect(res).toEqual({
      RequestId: res.RequestId,
      Name: 'trail-basic',
      HomeRegion: HZ,
      TrailRegion: 'All',
      EventRW: 'Write',
      OssBucketName: `bkt-${n}`,
      OssKeyPrefix: 'AuditLogs',
    });
    expect(res.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    const [t] = await at.describeTrails({ names: ['trail-basic'] });
    expect(t).toMatchObject({
      Name: 'trail-basic',
      Status: 'Fresh',
      IsOrganizationTrail: false,
      TrailArn: `acs:actiontrail:${HZ}:${id}:trail/trail-basic`,
    });
    expect(t!.CreateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(t!.StartLoggingTime).toBeUndefined();
  });

  it('keeps the EventRW and TrailRegion given', async () => {
    const { id, n, at } = fresh();
    const res = await at.createTrail({ Name: 'trail-rw-all', SlsProjectArn: slsArn(id, `logs-${n}`), EventRW: 'All', TrailRegion: `${HZ},${SH}` });
    expect(res.EventRW).toBe('All');
    expect(res.TrailRegion).toBe(`${HZ},${SH}`);
  });

  it('InvalidTrailNameException 400 for names outside ^[a-z][a-z0-9_-]{5,35}$', async () => {
    const { n, at } = fresh();
    for (const Name of ['Trail-upper', 'short', '1starts-with-digit', 'x'.repeat(37), 'has.dot.name']) {
      await expectCode(at.createTrail({ Name, OssBucketName: `bkt-${n}` }), 'InvalidTrailNameException', 400);
    }
    await at.createTrail({ Name: 'a'.repeat(36), OssBucketName: `bkt-${n}` });
  });

  it('InvalidPrefixException 400 for a bad OssKeyPrefix', async () => {
    const { n, at } = fresh();
    for (const OssKeyPrefix of ['1digit-first', 'short', 'p'.repeat(33), 'has space!']) {
      await expectCode(at.createTrail({ Name: 'trail-prefix', OssBucketName: `bkt-${n}`, OssKeyPrefix }), 'InvalidPrefixException', 400);
    }
  });

  it('InvalidDeliveryConfigurationException 400 without any destination', async () => {
    const { at } = fresh();
    const e = await expectCode(at.createTrail({ Name: 'trail-nodest' }), 'InvalidDeliveryConfigurationException', 400);
    expect(e.message).toBe('You must specify at least one Log Service project or OSS bucket for a Trail.');
  });

  it('InvalidQueryParameter 400 for bad EventRW, TrailRegion, ARNs and a MaxCompute project not named actiontrail_*', async () => {
    const { id, n, at } = fresh();
    const bad: TrailSpec[] = [
      { Name: 'trail-badq', OssBucketName: `bkt-${n}`, EventRW: 'Sometimes' as TrailSpec['EventRW'] },
      { Name: 'trail-badq', OssBucketName: `bkt-${n}`, TrailRegion: 'moon-base!' },
      { Name: 'trail-badq', SlsProjectArn: 'acs:log:cn-hangzhou:project' },
      { Name: 'trail-badq', OssBucketName: `bkt-${n}`, OssWriteRoleArn: 'role/at-writer' },
      { Name: 'trail-badq', MaxComputeProjectArn: odpsArn(id, 'my_project') },
    ];
    for (const spec of bad) await expectCode(at.createTrail(spec), 'InvalidQueryParameter', 400);
  });

  it('TrailAlreadyExistsException 400 for a name already used in the account (any region)', async () => {
    const { id, n, at } = fresh();
    await at.createTrail({ Name: 'trail-dup', OssBucketName: `bkt-${n}` });
    const e = await expectCode(client(id, SH).createTrail({ Name: 'trail-dup', SlsProjectArn: slsArn(id, `logs-${n}`) }), 'TrailAlreadyExistsException', 400);
    expect(e.message).toBe('The specified Trail name already exists.');
    // Names are per account: another account may use it.
    const other = fresh();
    await other.at.createTrail({ Name: 'trail-dup', OssBucketName: `bkt-${other.n}` });
  });

  it('RepeatOssBucket 400 for the same bucket and prefix as another trail; another prefix is fine', async () => {
    const { n, at } = fresh();
    await at.createTrail({ Name: 'trail-repeat-1', OssBucketName: `bkt-${n}`, OssKeyPrefix: 'RepeatPrefix' });
    await expectCode(at.createTrail({ Name: 'trail-repeat-2', OssBucketName: `bkt-${n}`, OssKeyPrefix: 'RepeatPrefix' }), 'RepeatOssBucket', 400);
    await at.createTrail({ Name: 'trail-repeat-3', OssBucketName: `bkt-${n}`, OssKeyPrefix: 'OtherPrefix' });
  });

  it('BucketDoesNotExistException 404 for a bucket no account has', async () => {
    const { at } = fresh();
    await expectCode(at.createTrail({ Name: 'trail-nobucket', OssBucketName: 'no-such-bucket' }), 'BucketDoesNotExistException', 404);
  });

  it('SlsProjectDoesNotExistException 400 for a missing project, or one in another region', async () => {
    const { id, n, at } = fresh();
    await expectCode(at.createTrail({ Name: 'trail-nosls', SlsProjectArn: slsArn(id, 'nope') }), 'SlsProjectDoesNotExistException', 400);
    await expectCode(at.createTrail({ Name: 'trail-nosls', SlsProjectArn: slsArn(id, `logs-${n}`, SH) }), 'SlsProjectDoesNotExistException', 400);
  });

  it("InsufficientBucketPolicyException 403: another account's bucket without a role, an untrusting, missing or non-granting role", async () => {
    const { id, at } = fresh();
    await expectCode(at.createTrail({ Name: 'trail-xacct', OssBucketName: 'b-bucket' }), 'InsufficientBucketPolicyException', 403);
    for (const role of ['ecs-role', 'narrow', 'missing-role', 'aliyunserviceroleforactiontrail']) {
      await expectCode(
        at.createTrail({ Name: 'trail-xacct', OssBucketName: 'b-bucket', OssWriteRoleArn: `acs:ram::${id}:role/${role}` }),
        'InsufficientBucketPolicyException',
        403,
      );
    }
    const ok = await at.createTrail({ Name: 'trail-xacct', OssBucketName: 'b-bucket', OssWriteRoleArn: writer(id) });
    expect(ok.OssWriteRoleArn).toBe(writer(id));
  });

  it("InsufficientSlsPolicyException 403 for another account's project without a granting role", async () => {
    const { id, at } = fresh();
    await expectCode(at.createTrail({ Name: 'trail-xsls', SlsProjectArn: slsArn(B, 'b-logs') }), 'InsufficientSlsPolicyException', 403);
    await expectCode(
      at.createTrail({ Name: 'trail-xsls', SlsProjectArn: slsArn(B, 'b-logs'), SlsWriteRoleArn: `acs:ram::${id}:role/narrow` }),
      'InsufficientSlsPolicyException',
      403,
    );
    await at.createTrail({ Name: 'trail-xsls', SlsProjectArn: slsArn(B, 'b-logs'), SlsWriteRoleArn: writer(id) });
    expect(emu.world.accounts.get(B)!.slsProjects.find((p) => p.name === 'b-logs')!.logstores).toContain('actiontrail_trail-xsls');
  });

  it('a failed call changes nothing: no trail, no Logstore', async () => {
    const { id, n, at } = fresh();
    await expectCode(
      at.createTrail({ Name: 'trail-atomic', SlsProjectArn: slsArn(id, `logs-${n}`), OssBucketName: 'no-such-bucket' }),
      'BucketDoesNotExistException',
      404,
    );
    expect(await at.describeTrails()).toEqual([]);
    expect(emu.world.accounts.get(id)!.slsProjects[0]!.logstores).toEqual([]);
  });
});

describe('error envelope', () => {
  /** The error body as the SDK read it: openapi-core keeps the parsed JSON body as the error's `data`. */
  const body = (e: ProvisionError) => (e.cause as { data?: Record<string, unknown>; statusCode?: number }).data;

  it('is exactly {RequestId, HostId, Code, Message}, HostId the endpoint host of the region called', async () => {
    const { n, at } = fresh();
    const e = await expectCode(at.createTrail({ Name: 'no-such-bkt', OssBucketName: `missing-${n}` }), 'BucketDoesNotExistException', 404);
    expect((e.cause as { statusCode?: number }).statusCode).toBe(404);
    expect(body(e)).toEqual({
      RequestId: e.requestId,
      HostId: `actiontrail.${HZ}.aliyuncs.com`,
      Code: 'BucketDoesNotExistException',
      Message: DOCUMENTED_ERRORS.BucketDoesNotExistException.message,
    });
    // Another region's endpoint names its own host.
    const sh = client(B, SH);
    const notFound = await expectCode(sh.getTrailStatus('not-a-trail-here'), 'TrailNotFoundException', 404);
    expect(body(notFound)).toEqual({
      RequestId: notFound.requestId,
      HostId: `actiontrail.${SH}.aliyuncs.com`,
      Code: 'TrailNotFoundException',
      Message: DOCUMENTED_ERRORS.TrailNotFoundException.message,
    });
  });
});

describe('destinations', () => {
  it('an SLS destination gets the Logstore actiontrail_<trail name>; the short ARN form means the caller', async () => {
    const { id, n, at } = fresh();
    await at.createTrail({ Name: 'trail-sls', SlsProjectArn: `acs:log:${HZ}::project/logs-${n}` });
    expect(emu.world.accounts.get(id)!.slsProjects[0]!.logstores).toEqual(['actiontrail_trail-sls']);
  });

  it("a missing MaxCompute project of the caller is created by ActionTrail (actiontrail_<account id>)", async () => {
    const { id, at } = fresh();
    const project = `actiontrail_${id}`;
    expect(emu.world.accounts.get(id)!.mcProjects).toEqual([]);
    const res = await at.createTrail({ Name: 'trail-odps', MaxComputeProjectArn: odpsArn(id, project) });
    expect(res.MaxComputeProjectArn).toBe(odpsArn(id, project));
    expect(emu.world.accounts.get(id)!.mcProjects.map((p) => p.name)).toEqual([project]);
  });

  it("another account's MaxCompute project: missing → 404, no grant → 403, granted → trail", async () => {
    const { id, at } = fresh();
    await expectCode(
      at.createTrail({ Name: 'trail-xodps', MaxComputeProjectArn: odpsArn(B, 'actiontrail_none'), MaxComputeWriteRoleArn: writer(id) }),
      'MaxComputeProjectDoesNotExistException',
      404,
    );
    await expectCode(at.createTrail({ Name: 'trail-xodps', MaxComputeProjectArn: odpsArn(B, 'actiontrail_b') }), 'InsufficientMaxComputePolicyException', 403);
    await at.createTrail({ Name: 'trail-xodps', MaxComputeProjectArn: odpsArn(B, 'actiontrail_b'), MaxComputeWriteRoleArn: writer(id) });
  });

  it("an OSS bucket whose policy lets the caller's account write is reachable with the service-linked role", async () => {
    const { id, at } = fresh();
    emu.world.accounts.get(B)!.buckets.push({ name: `shared-${id}`, region: HZ, writers: [id] });
    await at.createTrail({ Name: 'trail-shared', OssBucketName: `shared-${id}` });
  });
});

describe('limits', () => {
  it('MaximumNumberOfTrailsExceededException 403 at the 6th trail of one HomeRegion; other regions count apart', async () => {
    const { id, n, at } = fresh();
    for (let i = 0; i < 5; i++) await at.createTrail({ Name: `limit-trail-${i}`, OssBucketName: `bkt-${n}`, OssKeyPrefix: `Prefix${i}x` });
    const e = await expectCode(
      at.createTrail({ Name: 'limit-trail-5', OssBucketName: `bkt-${n}`, OssKeyPrefix: 'Prefix5x' }),
      'MaximumNumberOfTrailsExceededException',
      403,
    );
    expect(e.message).toBe('The number of Trails in the same region exceeds the upper limit (5).');
    const sh = await client(id, SH).createTrail({ Name: 'limit-trail-sh', OssBucketName: `bkt-${n}-2` });
    expect(sh.HomeRegion).toBe(SH);
    await at.deleteTrail('limit-trail-0');
    await at.createTrail({ Name: 'limit-trail-6', OssBucketName: `bkt-${n}`, OssKeyPrefix: 'Prefix6x' });
  });
});

describe('organization trails', () => {
  it('the RD management account may create one; a second → MaximumNumberOfOrganizationTrailExceeded 400', async () => {
    const at = client(MGMT);
    await at.createTrail({ Name: 'org-trail', OssBucketName: 'org-bucket', IsOrganizationTrail: true });
    await expectCode(
      at.createTrail({ Name: 'org-trail-2', OssBucketName: 'org-bucket-2', IsOrganizationTrail: true }),
      'MaximumNumberOfOrganizationTrailExceeded',
      400,
    );
    // Listed only with IncludeOrganizationTrail.
    expect(await at.describeTrails({ names: ['org-trail'] })).toEqual([]);
    const [t] = await at.describeTrails({ names: ['org-trail'], includeOrganizationTrail: true });
    expect(t).toMatchObject({ IsOrganizationTrail: true, OrganizationId: 'rd-at-test' });
    // A member sees the management account's trail (its ARN names the management account).
    const [m] = await client(MEMBER).describeTrails({ includeOrganizationTrail: true });
    expect(m).toMatchObject({ Name: 'org-trail', IsOrganizationTrail: true, TrailArn: `acs:actiontrail:${HZ}:${MGMT}:trail/org-trail` });
    // Its status is read with IsOrganizationTrail=true.
    await expectCode(at.getTrailStatus('org-trail'), 'TrailNotFoundException', 404);
    expect((await at.getTrailStatus('org-trail', true)).IsLogging).toBe(false);
  });

  it('NotAllowCreateOrganizationTrail 400 for a member, an account outside RD, and a management account ActionTrail refuses', async () => {
    const cases: Array<[string, string]> = [
      [MEMBER, 'member-bucket'],
      [OUTSIDE, 'outside-bucket'],
      [NOORG, 'noorg-bucket'],
    ];
    for (const [acct, bucket] of cases) {
      const e = await expectCode(client(acct).createTrail({ Name: 'org-attempt', OssBucketName: bucket, IsOrganizationTrail: true }), 'NotAllowCreateOrganizationTrail', 400);
      expect(e.message).toMatch(/does not allow you to create organization trail/);
    }
  });
});

describe('lifecycle and status', () => {
  it('Fresh → StartLogging → Enable → StopLogging → Disable, with the times GetTrailStatus reports', async () => {
    const { id, n, at } = fresh();
    await at.createTrail({ Name: 'trail-life', OssBucketName: `bkt-${n}`, SlsProjectArn: slsArn(id, `logs-${n}`) });
    const fresh0 = await at.getTrailStatus('trail-life');
    expect(fresh0).toMatchObject({ IsLogging: false, OssBucketStatus: true, SlsLogStoreStatus: true });
    expect(fresh0.StartLoggingTime).toBeUndefined();
    expect(fresh0.LatestDeliveryTime).toBeUndefined();

    await at.startLogging('trail-life');
    expect((await at.describeTrails({ names: ['trail-life'] }))[0]!.Status).toBe('Enable');
    const on = await at.getTrailStatus('trail-life');
    expect(on.IsLogging).toBe(true);
    expect(on.StartLoggingTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(on.LatestDeliveryTime).toMatch(/Z$/);
    expect(on.LatestDeliveryLogServiceTime).toMatch(/Z$/);
    expect(on.StopLoggingTime).toBeUndefined();
    // Starting again is harmless and keeps the first start time.
    await at.startLogging('trail-life');

    await at.stopLogging('trail-life');
    const [off] = await at.describeTrails({ names: ['trail-life'] });
    expect(off!.Status).toBe('Disable');
    expect(off!.StartLoggingTime).toBe(on.StartLoggingTime);
    const stopped = await at.getTrailStatus('trail-life');
    expect(stopped.IsLogging).toBe(false);
    expect(stopped.StopLoggingTime).toMatch(/Z$/);
  });

  it('a destination removed after creation shows in GetTrailStatus while logging', async () => {
    const { id, n, at } = fresh();
    await at.createTrail({ Name: 'trail-doomed', OssBucketName: `bkt-${n}-2` });
    await at.startLogging('trail-doomed');
    const acct = emu.world.accounts.get(id)!;
    acct.buckets = acct.buckets.filter((b) => b.name !== `bkt-${n}-2`);
    const s = await at.getTrailStatus('trail-doomed');
    expect(s.OssBucketStatus).toBe(false);
    expect(s.LatestDeliveryError).toMatch(/bucket does not exist/);
  });

  it('TrailNotFoundException 404 for Update, Delete, Start, Stop and GetTrailStatus of an unknown name', async () => {
    const { n, at } = fresh();
    await expectCode(at.updateTrail({ Name: 'trail-ghost', OssBucketName: `bkt-${n}` }), 'TrailNotFoundException', 404);
    await expectCode(at.deleteTrail('trail-ghost'), 'TrailNotFoundException', 404);
    await expectCode(at.startLogging('trail-ghost'), 'TrailNotFoundException', 404);
    await expectCode(at.stopLogging('trail-ghost'), 'TrailNotFoundException', 404);
    await expectCode(at.getTrailStatus('trail-ghost'), 'TrailNotFoundException', 404);
  });

  it('DeleteTrail removes it; a second delete is TrailNotFoundException', async () => {
    const { n, at } = fresh();
    await at.createTrail({ Name: 'trail-delete', OssBucketName: `bkt-${n}` });
    await at.deleteTrail('trail-delete');
    expect(await at.describeTrails({ names: ['trail-delete'] })).toEqual([]);
    await expectCode(at.deleteTrail('trail-delete'), 'TrailNotFoundException', 404);
  });
});

describe('DescribeTrails', () => {
  it('unknown names give an empty list, not an error', async () => {
    const { n, at } = fresh();
    await at.createTrail({ Name: 'trail-known', OssBucketName: `bkt-${n}` });
    expect(await at.describeTrails({ names: ['no-such-trail', 'nor-this-one'] })).toEqual([]);
  });

  it("lists the HomeRegion's trails; trails of other home regions only as shadow trails on request", async () => {
    const { id, n } = fresh();
    const sh = client(id, SH);
    await sh.createTrail({ Name: 'trail-sh-home', OssBucketName: `bkt-${n}`, OssKeyPrefix: 'ShanghaiHome' });
    await sh.createTrail({ Name: 'trail-sh-only', OssBucketName: `bkt-${n}-2`, TrailRegion: SH });
    expect(await client(id, HZ).describeTrails()).toEqual([]);
    const shadows = await client(id, HZ).describeTrails({ includeShadowTrails: true });
    // trail-sh-only applies to cn-shanghai only, so it has no shadow in cn-hangzhou.
    // Told apart by HomeRegion and the TrailArn's region only (the SDK models list no shadow flag).
    expect(shadows.map((t) => [t.Name, t.HomeRegion, t.TrailArn])).toEqual([['trail-sh-home', SH, `acs:actiontrail:${SH}:${id}:trail/trail-sh-home`]]);
    const home = await sh.describeTrails({ names: ['trail-sh-home'] });
    expect(home).toEqual([expect.objectContaining({ HomeRegion: SH, OssKeyPrefix: 'ShanghaiHome' })]);
  });

  it('NameList takes several names', async () => {
    const { id, n, at } = fresh();
    await at.createTrail({ Name: 'trail-one', OssBucketName: `bkt-${n}` });
    await at.createTrail({ Name: 'trail-two', SlsProjectArn: slsArn(id, `logs-${n}`) });
    await at.createTrail({ Name: 'trail-three', OssBucketName: `bkt-${n}-2` });
    const names = (await at.describeTrails({ names: ['trail-one', 'trail-two', 'no-such-trail'] })).map((t) => t.Name).sort();
    expect(names).toEqual(['trail-one', 'trail-two']);
  });
});

describe('UpdateTrail', () => {
  it('replaces the delivery configuration with the one sent, validated and checked like CreateTrail', async () => {
    const { id, n, at } = fresh();
    await at.createTrail({ Name: 'trail-upd', OssBucketName: `bkt-${n}`, OssKeyPrefix: 'UpdPrefix' });
    const res = await at.updateTrail({ Name: 'trail-upd', SlsProjectArn: slsArn(id, `logs-${n}`), EventRW: 'Read' });
    // The client re-sends every field: the OSS destination the spec no longer has is cleared.
    expect(res).toMatchObject({ Name: 'trail-upd', EventRW: 'Read', SlsProjectArn: slsArn(id, `logs-${n}`), TrailRegion: 'All' });
    expect(res.OssBucketName).toBeUndefined();
    const [t] = await at.describeTrails({ names: ['trail-upd'] });
    expect(t!.OssBucketName).toBeUndefined();
    expect(t!.Status).toBe('Fresh');
    expect(emu.world.accounts.get(id)!.slsProjects[0]!.logstores).toEqual(['actiontrail_trail-upd']);

    await expectCode(at.updateTrail({ Name: 'trail-upd' }), 'InvalidDeliveryConfigurationException', 400);
    await expectCode(at.updateTrail({ Name: 'trail-upd', OssBucketName: `bkt-${n}`, OssKeyPrefix: '9bad' }), 'InvalidPrefixException', 400);
    await expectCode(at.updateTrail({ Name: 'trail-upd', OssBucketName: 'b-bucket' }), 'InsufficientBucketPolicyException', 403);
    await expectCode(at.updateTrail({ Name: 'trail-upd', OssBucketName: 'gone-bucket' }), 'BucketDoesNotExistException', 404);
    // Its own bucket and prefix are no "repeat" of itself; another trail's are.
    await at.updateTrail({ Name: 'trail-upd', OssBucketName: `bkt-${n}`, OssKeyPrefix: 'UpdPrefix' });
    await at.updateTrail({ Name: 'trail-upd', OssBucketName: `bkt-${n}`, OssKeyPrefix: 'UpdPrefix' });
    await at.createTrail({ Name: 'trail-upd-2', OssBucketName: `bkt-${n}-2` });
    await expectCode(at.updateTrail({ Name: 'trail-upd-2', OssBucketName: `bkt-${n}`, OssKeyPrefix: 'UpdPrefix' }), 'RepeatOssBucket', 400);
  });
});
