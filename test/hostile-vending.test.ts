/**
 * Vending as anyone who may put events on the vending bus would try it: account ids that change
 * on the way (JSON numbers), ids that are not strings, accounts outside the Resource Directory,
 * spec lists that fight themselves, and batches built to make the error huge. Every refusal is
 * checked on the emulator's call log: no AssumeRole into the account and no write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import type { SeedFile } from '../emulator/state';
import { sessionNameOf } from '../emulator/services/sts';
import { staticCredentials } from '../shared/cloud/credentials';
import { ProvisionError } from '../shared/core/errors';
import { createLogger } from '../shared/platform/log';
import { createHandler } from '../functions/vending';
import { ACCOUNT_VENDED_TYPE } from '../functions/vending/event';

const REGION = 'cn-hangzhou';
const MGMT = '1500000000000001';
const MEMBER = '2500000000000001';
/** Trusts the management account's role, but is not in its Resource Directory. */
const OUTSIDER = '2500000000000009';
/** What 9999999999999999 becomes when an event carries it as a JSON number. */
const ROUNDED = '10000000000000000';
const key = { accessKeyId: 'LTAIhostilevend1', accessKeySecret: 'hostile-vend-secret-0123456789' };

const role = { name: 'ResourceDirectoryAccountAccessRole', trustedServices: [], trustedAccounts: [MGMT], grants: ['*'] };
const seed: SeedFile = {
  defaultRegion: REGION,
  accounts: [
    { id: MGMT, rdRole: 'management', accessKeys: [key], buckets: [{ name: 'hostile-vend-audit', region: REGION, writers: [MEMBER, OUTSIDER, ROUNDED] }] },
    { id: MEMBER, rdRole: 'member', roles: [role] },
    { id: OUTSIDER, roles: [role] },
    { id: ROUNDED, rdRole: 'member', roles: [role] },
  ],
};

const BASELINE = [{ Name: 'baseline-trail', OssBucketName: 'hostile-vend-audit', OssKeyPrefix: 'actiontrail', EventRW: 'All' }];

let emu: Emulator;
let env: NodeJS.ProcessEnv;
const logger = createLogger({}, { write: () => {} });
const context = (id: string) => ({ requestId: id, region: REGION, accountId: MGMT, function: { name: 'vending', timeout: 60 } });
const custom = (data: unknown) => ({ id: 'evt-hostile', source: 'acs.custom.account-vending', type: ACCOUNT_VENDED_TYPE, specversion: '1.0', data });

beforeAll(async () => {
  emu = await createEmulator({ seed });
  env = { TRAIL_EMULATOR_URL: emu.url, TRAIL_REGION: REGION, TRAIL_BASELINE: JSON.stringify(BASELINE), TRAIL_VENDING_FAIL_ON: 'retryable' };
});
afterAll(async () => {
  await emu.close();
});

/** Runs the handler on raw event text; returns its results and every cloud call it made. */
async function vend(text: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const handler = createHandler({ env: { ...env, ...extraEnv }, logger, credentials: staticCredentials(key) });
  const from = emu.world.calls.length;
  const results = await handler(Buffer.from(text), context('hostile'));
  const calls = emu.world.calls.slice(from);
  return { results, calls, writes: calls.filter((c) => c.service === 'actiontrail' && /^(Create|Update|Start|Stop|Delete)/.test(c.action)), assumed: calls.filter((c) => c.action === 'AssumeRole') };
}

describe('vending refuses what it cannot trust', () => {
  it('a JSON-number account id (9999999999999999 parses as 10000000000000000, another account) is refused before any call', async () => {
    const { results, calls } = await vend(`{"id":"e","source":"acs.custom.account-vending","type":"${ACCOUNT_VENDED_TYPE}","data":{"accountId":9999999999999999}}`);
    expect(results[0]).toMatchObject({ ok: false, error: { Code: 'InvalidQueryParameter', Errors: [{ pointer: '/data/accountId', rule: 'type' }] } });
    expect(calls).toEqual([]);
    expect(emu.world.accounts.get(ROUNDED)!.trails).toEqual([]);
  });

  it.each([
    ['an array holding an id', ['2500000000000001']],
    ['a short id', '123'],
    ['an id with a suffix', '2500000000000001 '],
    ['an object', { id: MEMBER }],
  ])('%s is refused before any call', async (_label, accountId) => {
    const { results, calls } = await vend(JSON.stringify(custom({ accountId })));
    expect(results[0]).toMatchObject({ ok: false, retryable: false, error: { Code: 'InvalidQueryParameter', Errors: [{ pointer: '/data/accountId' }] } });
    expect(calls).toEqual([]);
  });

  it('an account outside the Resource Directory is refused (403 AccountNotAllowed) after one GetAccount: no AssumeRole, no write', async () => {
    const { results, calls, assumed, writes } = await vend(JSON.stringify(custom({ accountId: OUTSIDER })));
    expect(results[0]).toMatchObject({ ok: false, retryable: false, error: { Code: 'AccountNotAllowed', Errors: [{ pointer: '/accountId' }] } });
    expect(calls.map((c) => `${c.service}:${c.action}:${c.status}`)).toEqual(['resourcemanager:GetAccount:404']);
    expect(assumed).toEqual([]);
    expect(writes).toEqual([]);
    expect(emu.world.accounts.get(OUTSIDER)!.trails).toEqual([]);
  });

  it('TRAIL_VENDING_ACCOUNTS widens (*) or narrows (a list) the accounts, with no GetAccount', async () => {
    const listed = await vend(JSON.stringify(custom({ accountId: MEMBER })), { TRAIL_VENDING_ACCOUNTS: OUTSIDER });
    expect(listed.results[0]).toMatchObject({ ok: false, error: { Code: 'AccountNotAllowed' } });
    expect(listed.calls).toEqual([]);
    const any = await vend(JSON.stringify(custom({ accountId: OUTSIDER })), { TRAIL_VENDING_ACCOUNTS: '*' });
    expect(any.results[0]).toMatchObject({ ok: true });
    expect(any.calls.some((c) => c.action === 'GetAccount')).toBe(false);
    expect(emu.world.accounts.get(OUTSIDER)!.trails.map((t) => t.Name)).toEqual(['baseline-trail']);
    await expect(createHandler({ env: { ...env, TRAIL_VENDING_ACCOUNTS: '12345' } })(Buffer.from('{}'), context('bad-config'))).rejects.toMatchObject({
      code: 'InvalidConfiguration',
      fields: [{ pointer: '/TRAIL_VENDING_ACCOUNTS' }],
    });
  });

  it('a member of the directory is vended, and its AssumeRole session names the trigger', async () => {
    const { results, assumed } = await vend(JSON.stringify(custom({ accountId: MEMBER })));
    expect(results[0]).toMatchObject({ ok: true });
    expect(assumed).toHaveLength(1);
    expect(emu.world.accounts.get(MEMBER)!.trails.find((t) => t.Name === 'baseline-trail')?.Status).toBe('Enable');
    const memberKeys = [...emu.world.accessKeys.values()].filter((k) => k.accountId === MEMBER && k.assumedRoleArn);
    expect(memberKeys.map((k) => sessionNameOf(k))).toEqual(['trail-vending']);
  });

  it('a spec list naming one trail twice is refused with both pointers, before any call', async () => {
    const specs = [
      { Name: 'dup-trail', OssBucketName: 'hostile-vend-audit', OssKeyPrefix: 'actiontrail', EventRW: 'All' },
      { Name: 'dup-trail', OssBucketName: 'hostile-vend-audit', OssKeyPrefix: 'actiontrail', EventRW: 'Read' },
    ];
    const { results, calls } = await vend(JSON.stringify(custom({ accountId: MEMBER, specs })));
    expect(results[0]).toMatchObject({ ok: false, error: { Code: 'InvalidTrailNameException', Errors: [{ pointer: '/1/Name', rule: 'uniqueName' }] } });
    expect(calls.filter((c) => c.service !== 'resourcemanager')).toEqual([]);
  });

  it('a 20,000-event batch fails the invocation with a bounded message (first 20 failures and a count)', async () => {
    const events = Array.from({ length: 20_000 }, (_, i) => custom({ accountId: String(i) }));
    const handler = createHandler({ env: { ...env, TRAIL_VENDING_FAIL_ON: 'any' }, logger, credentials: staticCredentials(key) });
    const from = emu.world.calls.length;
    const err = await handler(Buffer.from(JSON.stringify(events)), context('huge')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProvisionError);
    const message = (err as ProvisionError).message;
    expect(message.length).toBeLessThan(8_000);
    expect(message).toMatch(/^20000 vending failure\(s\)/);
    expect(message).toMatch(/and 19980 more/);
    expect(emu.world.calls.slice(from)).toEqual([]);
  });
});
