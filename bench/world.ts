/**
 * Seeded worlds for the benchmarks: one account for per-spec measures, and a Resource Directory
 * of N members with a mix of missing / stopped / drifted / compliant baseline trails for the
 * fleet run (the same shapes test/remediation.test.ts uses).
 */
import { seedTrail, type EmuTrail, type SeedFile } from '../emulator/state';
import type { TrailSpec } from '../shared/core/spec';

export const REGION = 'cn-hangzhou';
export const MGMT = '1500000000000000';
export const BUCKET = 'bench-central-audit';
export const KEY = { accessKeyId: 'LTAIbench0000001', accessKeySecret: 'bench-secret-0123456789abcdef' };
export const BASELINE: TrailSpec = { Name: 'baseline-trail', OssBucketName: BUCKET, OssKeyPrefix: 'actiontrail', EventRW: 'All' };

export const memberId = (i: number): string => String(2500000000000000 + i);

export function baselineTrail(accountId: string, over: Partial<EmuTrail> = {}): EmuTrail {
  return seedTrail(accountId, REGION, { Name: BASELINE.Name, OssBucketName: BUCKET, OssKeyPrefix: 'actiontrail', ...over });
}

/** One account with a key and the bucket: enough for ensureTrail with an OSS destination. */
export function singleAccountSeed(): SeedFile {
  return { defaultRegion: REGION, accounts: [{ id: MGMT, rdRole: 'management', accessKeys: [KEY], buckets: [{ name: BUCKET, region: REGION }] }] };
}

export type FleetState = 'missing' | 'stopped' | 'drifted' | 'compliant';

/** Member i's starting state: a repeating quarter mix, so any prefix of the fleet is mixed too. */
export function fleetState(i: number): FleetState {
  return (['missing', 'stopped', 'drifted', 'compliant'] as const)[i % 4]!;
}

export function fleetSeed(members: number): SeedFile {
  const ids = Array.from({ length: members }, (_, i) => memberId(i));
  return {
    defaultRegion: REGION,
    resourceDirectoryId: 'rd-bench',
    accounts: [
      { id: MGMT, rdRole: 'management', accessKeys: [KEY], buckets: [{ name: BUCKET, region: REGION, writers: ids }] },
      ...ids.map((id, i) => {
        const state = fleetState(i);
        const trails =
          state === 'missing'
            ? []
            : state === 'stopped'
              ? [baselineTrail(id, { Status: 'Disable' })]
              : state === 'drifted'
                ? [baselineTrail(id, { OssKeyPrefix: 'old-prefix', EventRW: 'Write' })]
                : [baselineTrail(id)];
        return {
          id,
          rdRole: 'member' as const,
          roles: [{ name: 'ResourceDirectoryAccountAccessRole', trustedServices: [], trustedAccounts: [MGMT], grants: ['*'] }],
          trails,
        };
      }),
    ],
  };
}
