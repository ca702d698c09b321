/**
 * A small seeded world for tests: a Resource Directory management account and two members,
 * each with an AccessKey pair, an ActionTrail write role, an OSS bucket, an SLS project and a
 * MaxCompute project; plus helpers to build a Cloud for an account against the emulator.
 */
import Credential, { Config as CredentialConfig } from '@alicloud/credentials';
import { createEmulator, type Emulator } from '../../emulator/server';
import type { SeedFile } from '../../emulator/state';
import { createCloud } from '../../shared/cloud';
import { staticCredentials } from '../../shared/cloud/credentials';
import type { Cloud } from '../../shared/cloud/types';

export const MGMT = '1000000000000001';
export const MEMBER_A = '2000000000000001';
export const MEMBER_B = '2000000000000002';
export const REGION = 'cn-hangzhou';

export function keyFor(accountId: string): { accessKeyId: string; accessKeySecret: string } {
  return { accessKeyId: `LTAItest${accountId}`, accessKeySecret: `secret-${accountId}-0123456789abcdef` };
}

/** An AccessKey credential from @alicloud/credentials alone, for tests that drive the raw SDK clients. */
export function akCredential(key: { accessKeyId: string; accessKeySecret: string }): Credential {
  return new Credential(new CredentialConfig({ type: 'access_key', ...key }));
}

function account(id: string, rdRole: 'management' | 'member', extra: Partial<SeedFile['accounts'][number]> = {}): SeedFile['accounts'][number] {
  return {
    id,
    rdRole,
    displayName: `acct-${id}`,
    allowOrganizationTrail: rdRole === 'management',
    accessKeys: [keyFor(id)],
    roles: [
      { name: 'actiontrail-writer', trustedServices: ['actiontrail.aliyuncs.com'], trustedAccounts: [], grants: ['*'] },
      { name: 'ResourceDirectoryAccountAccessRole', trustedServices: [], trustedAccounts: [MGMT], grants: ['*'] },
      { name: 'no-trust', trustedServices: [], trustedAccounts: [], grants: ['*'] },
    ],
    buckets: [{ name: `audit-${id}`, region: REGION }],
    slsProjects: [{ name: `audit-${id}`, region: REGION, logstores: [], createTime: '2026-01-01T00:00:00Z' }],
    mcProjects: [],
    trails: [],
    ...extra,
  };
}

export function baseSeed(): SeedFile {
  return {
    defaultRegion: REGION,
    resourceDirectoryId: 'rd-test',
    accounts: [account(MGMT, 'management'), account(MEMBER_A, 'member'), account(MEMBER_B, 'member')],
  };
}

export async function startWorld(seed: SeedFile = baseSeed()): Promise<Emulator> {
  return createEmulator({ seed });
}

/** Endpoint environment that points every client at the emulator. */
export function emuEnv(emu: Emulator): NodeJS.ProcessEnv {
  return { TRAIL_EMULATOR_URL: emu.url };
}

export function cloudFor(emu: Emulator, accountId: string, region = REGION): Cloud {
  return createCloud({ region, accountId, credentials: staticCredentials(keyFor(accountId)), env: emuEnv(emu) });
}

/** Calls the emulator saw since `from`, as "service:Action" strings. */
export function callsSince(emu: Emulator, from: number): string[] {
  return emu.world.calls.slice(from).map((c) => `${c.service}:${c.action}`);
}
