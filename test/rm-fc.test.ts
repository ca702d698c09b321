/**
 * Resource Manager (Resource Directory accounts) and FC 3.0 InvokeFunction, end to end: the real
 * @alicloud/resourcemanager20200331 and @alicloud/fc20230330 clients over HTTP against the
 * emulator, signed with the seed's key pairs.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import RmClient, { GetAccountRequest, ListAccountsRequest } from '@alicloud/resourcemanager20200331';
import FcClient, { InvokeFunctionHeaders, InvokeFunctionRequest } from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { createEmulator, type Emulator } from '../emulator/server';
import type { SeedFile } from '../emulator/state';
import { waitForAsyncInvocations } from '../emulator/services/fc';
import { createResourceManagerClient } from '../shared/cloud/resourcemanager';
import { createFcClient } from '../shared/cloud/fc';
import { staticCredentials, fcContextCredentials } from '../shared/cloud/credentials';
import { akCredential } from './helpers/world';
import { endpointFor } from '../shared/cloud/endpoints';
import { ProvisionError } from '../shared/core/errors';
import type { CredentialsProvider } from '../shared/cloud/types';

const REGION = 'cn-hangzhou';
const MGMT = '1000000000000001';
const OUTSIDER = '3000000000000001';
const MEMBERS = Array.from({ length: 199 }, (_, i) => String(2000000000000000 + i + 1));
const KEYS = {
  mgmt: { accessKeyId: 'LTAImgmt000000000001', accessKeySecret: 'mgmt-secret-0000000000000000001' },
  member: { accessKeyId: 'LTAImember0000000001', accessKeySecret: 'member-secret-000000000000000001' },
  outsider: { accessKeyId: 'LTAIoutsider00000001', accessKeySecret: 'outsider-secret-0000000000000001' },
};

const seed: SeedFile = {
  defaultRegion: REGION,
  resourceDirectoryId: 'rd-Test01',
  accounts: [
    { id: MGMT, displayName: 'management', rdRole: 'management', accessKeys: [KEYS.mgmt] },
    ...MEMBERS.map((id, i) => ({ id, displayName: `member-${i + 1}`, rdRole: 'member' as const, accessKeys: i === 0 ? [KEYS.member] : [] })),
    { id: OUTSIDER, displayName: 'outsider', accessKeys: [KEYS.outsider] },
  ],
};

let emu: Emulator;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  emu = await createEmulator({ seed });
  env = { TRAIL_EMULATOR_URL: emu.url };
});
afterAll(async () => {
  await emu?.close();
});

function rm(key: { accessKeyId: string; accessKeySecret: string } | CredentialsProvider) {
  const credentials = typeof key === 'function' ? key : staticCredentials(key);
  return createResourceManagerClient({ region: REGION, credentials, env });
}

function fc(key: { accessKeyId: string; accessKeySecret: string }, accountId = MGMT) {
  return createFcClient({ region: REGION, accountId, credentials: staticCredentials(key), env });
}

/** The official clients themselves, for checks below the client modules (wire shapes, limits). */
function rawConfig(service: 'resourcemanager' | 'fc', key: { accessKeyId: string; accessKeySecret: string }) {
  const { endpoint, protocol } = endpointFor(service, REGION, { env, accountId: MGMT });
  return new $OpenApiUtil.Config({ credential: akCredential(key), endpoint, protocol, regionId: REGION });
}

async function rejection(p: Promise<unknown>): Promise<ProvisionError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProvisionError);
  return e as ProvisionError;
}

describe('Resource Manager ListAccounts', () => {
  it('lists a 200-account Resource Directory completely, 2 pages of 100, management account included', async () => {
    const pages: Array<[number, number]> = [];
    const accounts = await rm(KEYS.mgmt).listAccounts({ onPage: (page, total) => pages.push([page, total]) });
    expect(pages).toEqual([
      [1, 200],
      [2, 200],
    ]);
    expect(accounts.map((a) => a.accountId)).toEqual([MGMT, ...MEMBERS]);
    expect(accounts[0]).toMatchObject({ displayName: 'management', type: 'CloudAccount' });
    expect(accounts[1]).toEqual({ accountId: MEMBERS[0], displayName: 'member-1', status: 'CreateSuccess', type: 'ResourceAccount' });
    expect(accounts.some((a) => a.accountId === OUTSIDER)).toBe(false);
  });

  it('gives the same stable list with a smaller page size', async () => {
    const pages: number[] = [];
    const accounts = await rm(KEYS.mgmt).listAccounts({ pageSize: 30, onPage: (p) => pages.push(p) });
    expect(pages).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(accounts.map((a) => a.accountId)).toEqual([MGMT, ...MEMBERS]);
  });

  it('answers in the documented shape: default PageSize 10, Accounts.Account[] with directory fields', async () => {
    const res = await new RmClient(rawConfig('resourcemanager', KEYS.mgmt)).listAccounts(new ListAccountsRequest({ pageNumber: 3 }));
    expect(res.body?.totalCount).toBe(200);
    expect(res.body?.pageNumber).toBe(3);
    expect(res.body?.pageSize).toBe(10);
    const page = res.body?.accounts?.account ?? [];
    expect(page.map((a) => a.accountId)).toEqual(MEMBERS.slice(19, 29));
    expect(page[0]).toMatchObject({ resourceDirectoryId: 'rd-Test01', joinMethod: 'created', status: 'CreateSuccess', type: 'ResourceAccount' });
    expect(page[0]?.folderId).toMatch(/^r-/);
    expect(Date.parse(page[0]?.joinTime ?? '')).not.toBeNaN();
  });

  it('rejects PageSize above 100 with InvalidParameter', async () => {
    const client = new RmClient(rawConfig('resourcemanager', KEYS.mgmt));
    const e = (await client.listAccounts(new ListAccountsRequest({ pageSize: 101 })).catch((err: unknown) => err)) as { code?: string; statusCode?: number };
    expect(e.code).toBe('InvalidParameter');
    expect(e.statusCode).toBe(400);
  });

  it('GetAccount returns one account of the directory, EntityNotExists.Account for others', async () => {
    const client = new RmClient(rawConfig('resourcemanager', KEYS.mgmt));
    const res = await client.getAccount(new GetAccountRequest({ accountId: MEMBERS[41] }));
    expect(res.body?.account).toMatchObject({ accountId: MEMBERS[41], displayName: 'member-42', type: 'ResourceAccount', resourceDirectoryId: 'rd-Test01' });
    const e = (await client.getAccount(new GetAccountRequest({ accountId: OUTSIDER })).catch((err: unknown) => err)) as { code?: string; statusCode?: number };
    expect(e.code).toBe('EntityNotExists.Account');
    expect(e.statusCode).toBe(404);
  });

  it('refuses a member account', async () => {
    const e = await rejection(rm(KEYS.member).listAccounts());
    expect(e.code).toBe('NoPermission');
    expect(e.status).toBe(403);
    expect(e.requestId).toBeTruthy();
  });

  it('refuses an account outside any Resource Directory with EntityNotExists.ResourceDirectory', async () => {
    const e = await rejection(rm(KEYS.outsider).listAccounts());
    expect(e.code).toBe('EntityNotExists.ResourceDirectory');
    expect(e.status).toBe(404);
  });
});

describe('FC 3.0 InvokeFunction', () => {
  it('sync: returns the handler result for the event sent, with the request id', async () => {
    emu.registerFunction(MGMT, REGION, 'echo', async (event, context) => ({
      got: JSON.parse(event.toString('utf8')),
      requestId: context['requestId'],
      region: context['region'],
      accountId: context['accountId'],
      functionName: (context['function'] as { name: string }).name,
    }));
    const res = await fc(KEYS.mgmt).invoke('echo', { hello: 'world', n: 42 }, 'sync');
    expect(res.status).toBe(200);
    expect(res.requestId).toBeTruthy();
    expect(res.body).toEqual({ got: { hello: 'world', n: 42 }, requestId: res.requestId, region: REGION, accountId: MGMT, functionName: 'echo' });
  });

  it('sync: passes strings and bytes through unchanged', async () => {
    emu.registerFunction(MGMT, REGION, 'upper', async (event) => event.toString('utf8').toUpperCase());
    const res = await fc(KEYS.mgmt).invoke('upper', 'plain text, not json', 'sync');
    expect(res.body).toBe('PLAIN TEXT, NOT JSON');
  });

  it("sync: the handler's context credentials are temporary keys of its account that the emulator accepts", async () => {
    emu.registerFunction(MGMT, REGION, 'lister', async (_event, context) => {
      const credentials = fcContextCredentials(context as { credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string } });
      if (!credentials) throw new Error('no credentials in context');
      const accounts = await rm(credentials).listAccounts();
      return { accessKeyId: (await credentials()).accessKeyId, count: accounts.length };
    });
    const res = await fc(KEYS.mgmt).invoke('lister', {}, 'sync');
    const body = res.body as { accessKeyId: string; count: number };
    expect(body.count).toBe(200);
    const key = emu.world.accessKeys.get(body.accessKeyId);
    expect(key?.accountId).toBe(MGMT);
    expect(key?.securityToken).toBeTruthy();
    expect(Date.parse(key?.expiration ?? '')).toBeGreaterThan(Date.now());
    expect(body.accessKeyId).not.toBe(KEYS.mgmt.accessKeyId);
  });

  it('async: answers 202 while the handler is still running, and waitForAsyncInvocations sees it succeed', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let seen: unknown;
    emu.registerFunction(MGMT, REGION, 'slow', async (event) => {
      seen = JSON.parse(event.toString('utf8'));
      await gate;
      return 'done';
    });
    // If the emulator waited for the handler before answering, this would never resolve.
    const res = await fc(KEYS.mgmt).invoke('slow', { job: 7 }, 'async');
    const record = emu.world.asyncInvocations.find((i) => i.requestId === res.requestId);
    try {
      expect(res.status).toBe(202);
      expect(res.body).toBeUndefined();
      expect(record).toMatchObject({ functionName: 'slow', status: 'Running', accountId: MGMT, region: REGION });
    } finally {
      release();
    }
    await waitForAsyncInvocations(emu.world, 5_000);
    expect(record).toMatchObject({ status: 'Succeeded', result: 'done' });
    expect(seen).toEqual({ job: 7 });
  });

  it('async: runs at most 16 invocations at once and queues the rest', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    emu.registerFunction(MGMT, REGION, 'gated', async (event) => {
      await gate;
      return Number(event.toString('utf8'));
    });
    const client = fc(KEYS.mgmt);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => client.invoke('gated', i, 'async')));
    expect(results.every((r) => r.status === 202)).toBe(true);
    const ids = new Set(results.map((r) => r.requestId));
    const records = () => emu.world.asyncInvocations.filter((i) => ids.has(i.requestId));
    try {
      // Give the background runner every chance to start more than it should.
      await new Promise((r) => setTimeout(r, 50));
      expect(records().filter((i) => i.startedAt !== undefined)).toHaveLength(16);
    } finally {
      release(); // even on failure, so later tests do not wait on these
    }
    await waitForAsyncInvocations(emu.world, 5_000);
    expect(records().map((i) => i.status)).toEqual(Array(40).fill('Succeeded'));
    expect(records().map((i) => i.result).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('async: a handler that throws is recorded as Failed', async () => {
    emu.registerFunction(MGMT, REGION, 'async-boom', async () => {
      throw new TypeError('bad event');
    });
    const res = await fc(KEYS.mgmt).invoke('async-boom', {}, 'async');
    await waitForAsyncInvocations(emu.world, 5_000);
    const record = emu.world.asyncInvocations.find((i) => i.requestId === res.requestId);
    expect(record).toMatchObject({ status: 'Failed', error: 'TypeError: bad event' });
  });

  it('unknown function: 404 FunctionNotFound, as FC 3.0 reports it', async () => {
    const e = await rejection(fc(KEYS.mgmt).invoke('no-such-function', {}, 'sync'));
    expect(e.code).toBe('FunctionNotFound');
    expect(e.status).toBe(404);
    expect(e.message).toBe("function 'no-such-function' does not exist.");
    expect(e.requestId).toBeTruthy();
  });

  it('unknown qualifier: 404 AliasNotFound', async () => {
    emu.registerFunction(MGMT, REGION, 'plain', async () => 'ok');
    expect((await fc(KEYS.mgmt).invoke('plain', {}, 'sync', 'LATEST')).body).toBe('ok');
    const e = await rejection(fc(KEYS.mgmt).invoke('plain', {}, 'sync', 'prod'));
    expect(e.code).toBe('AliasNotFound');
    expect(e.status).toBe(404);
  });

  it('a handler that throws: 200 with x-fc-error-type UnhandledInvocationError on the wire, an error from the client', async () => {
    emu.registerFunction(MGMT, REGION, 'boom', async () => {
      throw new RangeError('out of range: 7');
    });
    const raw = await new FcClient(rawConfig('fc', KEYS.mgmt)).invokeFunctionWithOptions(
      'boom',
      new InvokeFunctionRequest({ body: Readable.from([Buffer.from('{}')]) }),
      new InvokeFunctionHeaders({ xFcInvocationType: 'Sync' }),
      {} as Parameters<FcClient['invokeFunctionWithOptions']>[3],
    );
    expect(raw.statusCode).toBe(200);
    expect(raw.headers?.['x-fc-error-type']).toBe('UnhandledInvocationError');
    const chunks: Buffer[] = [];
    for await (const c of raw.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { errorMessage: string; errorType: string; stackTrace: unknown[] };
    expect(body).toMatchObject({ errorMessage: 'out of range: 7', errorType: 'RangeError' });
    expect(Array.isArray(body.stackTrace)).toBe(true);

    const e = await rejection(fc(KEYS.mgmt).invoke('boom', {}, 'sync'));
    expect(e.code).toBe('UnhandledInvocationError');
    expect(e.message).toContain('RangeError: out of range: 7');
    expect(e.requestId).toBeTruthy();
  });

  it('refuses a caller from another account with 403 AccessDenied', async () => {
    emu.registerFunction(MGMT, REGION, 'private', async () => 'secret');
    const e = await rejection(fc(KEYS.outsider, MGMT).invoke('private', {}, 'sync'));
    expect(e.code).toBe('AccessDenied');
    expect(e.status).toBe(403);
  });
});
