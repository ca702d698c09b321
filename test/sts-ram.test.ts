/**
 * STS and RAM through the project's client modules (real sts20150401 and openapi-core clients,
 * real signatures) against the emulator: cross-account AssumeRole, the temporary credentials
 * working (and only with their own token), GetCallerIdentity for both kinds of caller, and
 * GetRole's trust policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error ali-oss ships no type declarations; the call used is typed below.
import AliOssModule from 'ali-oss';
import path from 'node:path';
import { loadSeed, parseArgs } from '../emulator/cli';
import PopCore from '@alicloud/pop-core';
import { createEmulator, type Emulator } from '../emulator/server';
import type { SeedFile } from '../emulator/state';
import { staticCredentials } from '../shared/cloud/credentials';
import { endpointFor } from '../shared/cloud/endpoints';
import { createRamClient, trustedServicesOf } from '../shared/cloud/ram';
import { createStsClient } from '../shared/cloud/sts';
import type { CloudCredentials } from '../shared/cloud/types';
import { ProvisionError } from '../shared/core/errors';

const MGMT = '1000000000000001';
const MEMBER_A = '2000000000000001';
const MEMBER_B = '2000000000000002';
const REGION = 'cn-hangzhou';
const key = (id: string) => ({ accessKeyId: `LTAI-stsram-${id}`, accessKeySecret: `stsram-secret-${id}-0123456789` });
const RD_ROLE = 'ResourceDirectoryAccountAccessRole';

function member(id: string): SeedFile['accounts'][number] {
  return {
    id,
    rdRole: 'member',
    accessKeys: [key(id)],
    roles: [
      { name: RD_ROLE, trustedServices: [], trustedAccounts: [MGMT], grants: ['*'] },
      { name: 'actiontrail-writer', trustedServices: ['actiontrail.aliyuncs.com'], trustedAccounts: [], grants: ['*'] },
    ],
    buckets: [{ name: `bucket-${id}`, region: REGION }],
  };
}

const seed: SeedFile = {
  defaultRegion: REGION,
  accounts: [
    { id: MGMT, rdRole: 'management', accessKeys: [key(MGMT)], roles: [{ name: RD_ROLE, trustedServices: [], trustedAccounts: [MGMT], grants: ['*'] }] },
    member(MEMBER_A),
    member(MEMBER_B),
  ],
};

interface AliOss {
  getBucketInfo(name: string): Promise<{ bucket: { Name: string } }>;
}
const AliOss = AliOssModule as new (options: Record<string, unknown>) => AliOss;

let emu: Emulator;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  emu = await createEmulator({ seed });
  env = { TRAIL_EMULATOR_URL: emu.url };
});
afterAll(async () => {
  await emu.close();
});

const sts = (c: CloudCredentials) => createStsClient({ region: REGION, credentials: staticCredentials(c), env });
const ram = (c: CloudCredentials) => createRamClient({ region: REGION, credentials: staticCredentials(c), env });
const arnOf = (account: string, role: string) => `acs:ram::${account}:role/${role}`;

async function failure(p: Promise<unknown>): Promise<ProvisionError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ProvisionError);
    return e as ProvisionError;
  }
  throw new Error('expected the call to fail');
}

describe('STS AssumeRole and GetCallerIdentity', () => {
  it('reports a seed key as the account itself', async () => {
    expect(await sts(key(MGMT)).getCallerIdentity()).toEqual({ accountId: MGMT, arn: `acs:ram::${MGMT}:root`, identityType: 'Account' });
  });

  it('assumes a member role cross-account; the temporary credentials act as that member', async () => {
    const creds = await sts(key(MGMT)).assumeRole(arnOf(MEMBER_A, RD_ROLE), 'provisioner', 1800);
    expect(creds.accessKeyId).toMatch(/^STS\./);
    expect(creds.securityToken).toBeTruthy();
    const expiresIn = Date.parse(creds.expiration) - Date.now();
    expect(expiresIn).toBeGreaterThan(1700_000);
    expect(expiresIn).toBeLessThanOrEqual(1800_000);

    const who = await sts(creds).getCallerIdentity();
    expect(who).toEqual({
      accountId: MEMBER_A,
      arn: `acs:ram::${MEMBER_A}:assumed-role/${RD_ROLE}/provisioner`,
      identityType: 'AssumedRoleUser',
    });
  });

  it('lets the temporary credentials call OSS as the member (ali-oss with stsToken)', async () => {
    const creds = await sts(key(MGMT)).assumeRole(arnOf(MEMBER_A, RD_ROLE), 'oss-check');
    const { endpoint } = endpointFor('oss', REGION, { env });
    const oss = new AliOss({ ...creds, stsToken: creds.securityToken, endpoint: `http://${endpoint}`, region: `oss-${REGION}`, authorizationV4: true, retryMax: 0 });
    const before = emu.world.calls.length;
    await oss.getBucketInfo(`bucket-${MEMBER_A}`).catch(() => undefined);
    const call = emu.world.calls.slice(before).find((c) => c.service === 'oss');
    expect(call?.accountId).toBe(MEMBER_A);
    expect(['InvalidSecurityToken', 'InvalidAccessKeyId', 'SignatureDoesNotMatch']).not.toContain(call?.code);

    const forged = new AliOss({ ...creds, stsToken: 'CAISforged', endpoint: `http://${endpoint}`, region: `oss-${REGION}`, authorizationV4: true, retryMax: 0 });
    await expect(forged.getBucketInfo(`bucket-${MEMBER_A}`)).rejects.toMatchObject({ code: 'InvalidSecurityToken', status: 403 });
  });

  it('rejects a token that does not belong to the temporary key, a missing token, and an expired one', async () => {
    const a = await sts(key(MGMT)).assumeRole(arnOf(MEMBER_A, RD_ROLE), 'one');
    const b = await sts(key(MGMT)).assumeRole(arnOf(MEMBER_B, RD_ROLE), 'two');

    const mismatch = await failure(sts({ ...a, securityToken: b.securityToken }).getCallerIdentity());
    expect([mismatch.code, mismatch.status]).toEqual(['InvalidSecurityToken.MismatchWithAccessKey', 400]);

    const missing = await failure(sts({ accessKeyId: a.accessKeyId, accessKeySecret: a.accessKeySecret }).getCallerIdentity());
    expect(missing.code).toBe('MissingSecurityToken');

    emu.world.accessKeys.get(a.accessKeyId)!.expiration = new Date(Date.now() - 1000).toISOString();
    const expired = await failure(sts(a).getCallerIdentity());
    expect(expired.code).toBe('InvalidSecurityToken.Expired');
    // The other session is unaffected.
    expect((await sts(b).getCallerIdentity()).accountId).toBe(MEMBER_B);
  });

  it('accepts the temporary credentials from an independent RPC signer (pop-core SecurityToken parameter)', async () => {
    const c = await sts(key(MGMT)).assumeRole(arnOf(MEMBER_B, RD_ROLE), 'pop-core');
    const endpoint = `http://${endpointFor('sts', REGION, { env }).endpoint}`;
    const pop = (token: string) =>
      new PopCore({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: token, endpoint, apiVersion: '2015-04-01' });
    const who = await pop(c.securityToken!).request<{ AccountId: string; IdentityType: string }>('GetCallerIdentity', {});
    expect([who.AccountId, who.IdentityType]).toEqual([MEMBER_B, 'AssumedRoleUser']);
    await expect(pop('CAISwrong').request('GetCallerIdentity', {})).rejects.toMatchObject({ code: 'InvalidSecurityToken.MismatchWithAccessKey' });
  });

  it('refuses a role that does not trust the caller, a missing role, and bad parameters', async () => {
    const untrusted = await failure(sts(key(MEMBER_A)).assumeRole(arnOf(MEMBER_B, RD_ROLE), 'sneaky'));
    expect([untrusted.code, untrusted.status]).toEqual(['NoPermission', 403]);

    const missing = await failure(sts(key(MGMT)).assumeRole(arnOf(MEMBER_A, 'no-such-role'), 'x1'));
    expect([missing.code, missing.status]).toEqual(['EntityNotExist.Role', 404]);

    expect((await failure(sts(key(MGMT)).assumeRole(arnOf(MEMBER_A, RD_ROLE), 'bad name!'))).code).toBe('InvalidParameter.RoleSessionName');
    expect((await failure(sts(key(MGMT)).assumeRole(arnOf(MEMBER_A, RD_ROLE), 'ok-name', 60))).code).toBe('InvalidParameter.DurationSeconds');
    expect((await failure(sts(key(MGMT)).assumeRole(arnOf(MEMBER_A, RD_ROLE), 'ok-name', 7200))).code).toBe('InvalidParameter.DurationSeconds');
    expect((await failure(sts(key(MGMT)).assumeRole('not-an-arn', 'ok-name'))).code).toBe('InvalidParameter.RoleArn');
  });

  it('lets an account assume its own role', async () => {
    const creds = await sts(key(MEMBER_A)).assumeRole(arnOf(MEMBER_A, 'actiontrail-writer'), 'self');
    expect((await sts(creds).getCallerIdentity()).accountId).toBe(MEMBER_A);
  });
});

describe('RAM GetRole', () => {
  it('returns the ARN and trusted services of a role in the caller account', async () => {
    const writer = await ram(key(MEMBER_A)).getRole('actiontrail-writer');
    expect(writer).toEqual({
      arn: `acs:ram::${MEMBER_A}:role/actiontrail-writer`,
      trustedServices: ['actiontrail.aliyuncs.com'],
      trustPolicy: expect.any(String),
    });
    // The trust policy document as RAM stores it (what the member event route extends).
    expect(JSON.parse(writer!.trustPolicy).Statement[0].Principal.Service).toEqual(['actiontrail.aliyuncs.com']);
    // Names compare case-insensitively, and the ARN is lower-case, as RAM does.
    expect(await ram(key(MEMBER_A)).getRole(RD_ROLE.toUpperCase())).toMatchObject({ arn: `acs:ram::${MEMBER_A}:role/${RD_ROLE.toLowerCase()}`, trustedServices: [] });
  });

  it('gives undefined for a role that does not exist', async () => {
    expect(await ram(key(MEMBER_A)).getRole('nope')).toBeUndefined();
  });

  it('reads the member account through assumed-role credentials', async () => {
    const creds = await sts(key(MGMT)).assumeRole(arnOf(MEMBER_B, RD_ROLE), 'ram-read');
    expect((await ram(creds).getRole('actiontrail-writer'))?.arn).toBe(`acs:ram::${MEMBER_B}:role/actiontrail-writer`);
    expect(await ram(key(MGMT)).getRole('actiontrail-writer')).toBeUndefined();
  });

  it('parses trust policies with a single service string, several statements, and Deny', () => {
    const doc = JSON.stringify({
      Version: '1',
      Statement: [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'actiontrail.aliyuncs.com' } },
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: ['fc.aliyuncs.com'], RAM: ['acs:ram::1:root'] } },
        { Action: 'sts:AssumeRole', Effect: 'Deny', Principal: { Service: ['ecs.aliyuncs.com'] } },
      ],
    });
    expect(trustedServicesOf(doc)).toEqual(['actiontrail.aliyuncs.com', 'fc.aliyuncs.com']);
    expect(trustedServicesOf('not json')).toEqual([]);
  });
});

describe('the demo seed (emulator/seed.example.json, npm run emulator)', () => {
  it('lets the management key assume each member\'s ResourceDirectoryAccountAccessRole', async () => {
    const demoSeed = loadSeed(path.join(__dirname, '../emulator/seed.example.json'));
    const demo = await createEmulator({ seed: demoSeed });
    try {
      const demoEnv = { TRAIL_EMULATOR_URL: demo.url };
      const mgmt = demoSeed.accounts.find((a) => a.rdRole === 'management')!;
      const members = demoSeed.accounts.filter((a) => a.rdRole === 'member');
      expect(members.length).toBe(2);
      const mgmtSts = createStsClient({ region: REGION, credentials: staticCredentials(mgmt.accessKeys![0]!), env: demoEnv });
      for (const m of members) {
        const creds = await mgmtSts.assumeRole(arnOf(m.id, RD_ROLE), 'demo');
        const who = await createStsClient({ region: REGION, credentials: staticCredentials(creds), env: demoEnv }).getCallerIdentity();
        expect(who.accountId).toBe(m.id);
        const writer = await createRamClient({ region: REGION, credentials: staticCredentials(creds), env: demoEnv }).getRole('actiontrail-writer');
        expect(writer?.trustedServices).toEqual(['actiontrail.aliyuncs.com']);
      }
    } finally {
      await demo.close();
    }
  });

  it('parses the CLI options', () => {
    expect(parseArgs(['--port', '4567', '--seed=x.json', '--dump'])).toMatchObject({ port: 4567, seedPath: path.resolve('x.json'), dump: true });
    expect(() => parseArgs(['--port', 'abc'])).toThrow(/--port/);
    expect(() => parseArgs(['--bogus'])).toThrow(/unknown option/);
  });
});
