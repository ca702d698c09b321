/**
 * What ActionTrail fills in by itself is not drift: a spec that leaves a write role, TrailRegion
 * or EventRW unset is compliant with the trail ActionTrail made from it, whether DescribeTrails
 * reports the service-linked role or nothing (the emulator's actiontrailDefaultRoles seed picks),
 * TrailRegion "All" or "", EventRW Write or All. And an UpdateTrail for one field re-sends the
 * trail's server-filled values instead of blanking them. Over the wire, through ensureTrail.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import type { EmuTrail, SeedFile } from '../emulator/state';
import { ensureTrail } from '../shared/core/provisioner';
import { MEMBER_A, REGION, baseSeed, callsSince, cloudFor, startWorld } from './helpers/world';

const SLR = `acs:ram::${MEMBER_A}:role/aliyunserviceroleforactiontrail`;
const SLS = `acs:log:${REGION}:${MEMBER_A}:project/audit-${MEMBER_A}`;
const ODPS = `acs:odps:${REGION}:${MEMBER_A}:project/actiontrail_${MEMBER_A}`;

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

function seed(defaultRoles?: SeedFile['actiontrailDefaultRoles']): SeedFile {
  return { ...baseSeed(), ...(defaultRoles ? { actiontrailDefaultRoles: defaultRoles } : {}) };
}

function trailOf(name: string): EmuTrail {
  return emu!.world.accounts.get(MEMBER_A)!.trails.find((t) => t.Name === name)!;
}

/** A trail as another tool left it, straight in the emulated state. */
function seedTrail(t: Partial<EmuTrail> & { Name: string }): void {
  const now = '2026-01-01T00:00:00Z';
  emu!.world.accounts.get(MEMBER_A)!.trails.push({
    AccountId: MEMBER_A, HomeRegion: REGION, TrailRegion: 'All', EventRW: 'Write',
    OssBucketName: '', OssKeyPrefix: '', OssWriteRoleArn: '', SlsProjectArn: '', SlsWriteRoleArn: '',
    MaxComputeProjectArn: '', MaxComputeWriteRoleArn: '', IsOrganizationTrail: false, Status: 'Enable',
    CreateTime: now, UpdateTime: now, StartLoggingTime: now,
    ...t,
  });
}

describe('server-filled defaults are not drift', () => {
  for (const [label, roles] of [
    ['DescribeTrails reports the service-linked role for SLS (the default, as Terraform models it)', undefined],
    ['DescribeTrails reports the service-linked role for every destination', ['oss', 'sls', 'maxcompute']],
    ['DescribeTrails reports no role at all', []],
  ] as const) {
    it(`${label}: a re-run of a spec without write roles is compliant`, async () => {
      emu = await startWorld(seed(roles ? [...roles] : undefined));
      const cloud = cloudFor(emu, MEMBER_A);
      const spec = { Name: 'defaults-trail', OssBucketName: `audit-${MEMBER_A}`, SlsProjectArn: SLS, MaxComputeProjectArn: ODPS };
      const first = await ensureTrail(spec, cloud);
      expect(first.done).toEqual(['CreateTrail', 'StartLogging']);
      const stored = trailOf('defaults-trail');
      expect(stored.SlsWriteRoleArn).toBe(roles === undefined || roles.length > 0 ? SLR : '');
      expect(stored.TrailRegion).toBe('All');
      for (let i = 0; i < 2; i++) {
        const from = emu.world.calls.length;
        const again = await ensureTrail(spec, cloud);
        expect(again.classification, JSON.stringify(again.drift)).toBe('compliant');
        expect(callsSince(emu, from)).toEqual(['actiontrail:DescribeTrails', 'actiontrail:GetTrailStatus']);
      }
    });
  }

  it('TrailRegion reported empty, EventRW All, the service-linked role named in the spec or by the server: compliant', async () => {
    emu = await startWorld(seed());
    seedTrail({ Name: 'other-tool-trail', TrailRegion: '', EventRW: 'All', SlsProjectArn: SLS, SlsWriteRoleArn: `acs:ram::${MEMBER_A}:role/AliyunServiceRoleForActionTrail`, OssBucketName: `audit-${MEMBER_A}` });
    const cloud = cloudFor(emu, MEMBER_A);
    for (const spec of [
      { Name: 'other-tool-trail', OssBucketName: `audit-${MEMBER_A}`, SlsProjectArn: SLS },
      { Name: 'other-tool-trail', OssBucketName: `audit-${MEMBER_A}`, SlsProjectArn: SLS, SlsWriteRoleArn: SLR, OssWriteRoleArn: SLR },
      // The doc's form of the SLS ARN: the account id left empty means the trail owner's.
      { Name: 'other-tool-trail', OssBucketName: `audit-${MEMBER_A}`, SlsProjectArn: `acs:log:${REGION}::project/audit-${MEMBER_A}` },
    ]) {
      const r = await ensureTrail(spec, cloud);
      expect(r.classification, JSON.stringify(r.drift)).toBe('compliant');
    }
    // What the spec does set is still compared: EventRW Read is drift, and so is a narrower region.
    seedTrail({ Name: 'read-only-trail', EventRW: 'Read', TrailRegion: REGION, OssBucketName: `audit-${MEMBER_A}`, OssKeyPrefix: 'readonly' });
    const drifted = await ensureTrail({ Name: 'read-only-trail', OssBucketName: `audit-${MEMBER_A}`, OssKeyPrefix: 'readonly' }, cloud, { dryRun: true });
    expect(drifted.drift.map((d) => d.field)).toEqual(['EventRW', 'TrailRegion']);
  });

  it('an UpdateTrail for one field keeps the trail\'s server-filled role and EventRW, and replaces a custom role the spec does not name by the default', async () => {
    emu = await startWorld(seed([]));
    seedTrail({ Name: 'update-keeps', EventRW: 'All', OssBucketName: `audit-${MEMBER_A}`, OssKeyPrefix: 'oldprefix', SlsProjectArn: SLS, SlsWriteRoleArn: SLR, MaxComputeProjectArn: ODPS, MaxComputeWriteRoleArn: `acs:ram::${MEMBER_A}:role/actiontrail-writer` });
    const cloud = cloudFor(emu, MEMBER_A);
    const r = await ensureTrail({ Name: 'update-keeps', OssBucketName: `audit-${MEMBER_A}`, OssKeyPrefix: 'newprefix', SlsProjectArn: SLS, MaxComputeProjectArn: ODPS }, cloud);
    expect(r.done).toEqual(['UpdateTrail']);
    expect(r.drift.map((d) => d.field).sort()).toEqual(['MaxComputeWriteRoleArn', 'OssKeyPrefix']);
    const t = trailOf('update-keeps');
    expect(t).toMatchObject({ OssKeyPrefix: 'newprefix', EventRW: 'All', SlsWriteRoleArn: SLR, MaxComputeWriteRoleArn: SLR, OssWriteRoleArn: '' });
    expect((await ensureTrail({ Name: 'update-keeps', OssBucketName: `audit-${MEMBER_A}`, OssKeyPrefix: 'newprefix', SlsProjectArn: SLS, MaxComputeProjectArn: ODPS }, cloud)).classification).toBe('compliant');
  });
});
