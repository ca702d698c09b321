/**
 * Destination checks through the real SDK clients (ali-oss V4, sls20201230, openapi-core) over
 * HTTP against the emulator: exists / missing / denied for OSS buckets, SLS projects and
 * MaxCompute projects, SLS logstore listing, an OSS object round trip, and cross-account reads
 * that work only once the owner grants them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import type { SeedFile } from '../emulator/state';
import { staticCredentials } from '../shared/cloud/credentials';
import { createOssClient } from '../shared/cloud/oss';
import { createSlsClient } from '../shared/cloud/sls';
import { createMaxComputeClient } from '../shared/cloud/maxcompute';
import type { ClientOptions } from '../shared/cloud/options';
import { ProvisionError } from '../shared/core/errors';

const A = { id: '1000000000000001', ak: 'LTAIdestOwnerA00001', secret: 'secretA-0000000000000000000001' };
const B = { id: '1000000000000002', ak: 'LTAIdestOtherB00002', secret: 'secretB-0000000000000000000002' };
const T0 = '2024-03-01T08:00:00.000Z';

const seed: SeedFile = {
  accounts: [
    {
      id: A.id,
      accessKeys: [{ accessKeyId: A.ak, accessKeySecret: A.secret }],
      buckets: [
        { name: 'trail-logs-a', region: 'cn-hangzhou' },
        { name: 'trail-logs-shared', region: 'cn-hangzhou', readers: [B.id], writers: [B.id] },
        { name: 'trail-logs-beijing', region: 'cn-beijing' },
      ],
      slsProjects: [
        { name: 'audit-a', region: 'cn-hangzhou', logstores: ['actiontrail_alpha', 'app-log', 'actiontrail_beta'], createTime: T0 },
        { name: 'audit-shared', region: 'cn-hangzhou', logstores: ['actiontrail_shared'], createTime: T0, readers: [B.id] },
      ],
      mcProjects: [
        { name: `actiontrail_${A.id}`, region: 'cn-hangzhou', createTime: T0 },
        { name: 'mc_shared', region: 'cn-hangzhou', createTime: T0, readers: [B.id] },
      ],
    },
    { id: B.id, accessKeys: [{ accessKeyId: B.ak, accessKeySecret: B.secret }] },
  ],
};

let emu: Emulator;

function opts(who: { ak: string; secret: string }, region = 'cn-hangzhou'): ClientOptions {
  return {
    region,
    credentials: staticCredentials({ accessKeyId: who.ak, accessKeySecret: who.secret }),
    env: { TRAIL_EMULATOR_URL: emu.url },
    readTimeoutMs: 5_000,
    connectTimeoutMs: 2_000,
  };
}

beforeAll(async () => {
  emu = await createEmulator({ seed });
});

afterAll(async () => {
  await emu?.close();
});

describe('OSS through ali-oss, V4-signed', () => {
  it('makes every OSS call the product uses on an emulator that refuses V1 (the default, as OSS for new accounts)', async () => {
    expect(emu.world.ossV1Allowed).toBeUndefined();
    const a = createOssClient(opts(A));
    const before = emu.world.calls.length;
    expect(await a.bucketExists('trail-logs-a')).toBe('exists');
    expect(await a.bucketRegion('trail-logs-a')).toBe('cn-hangzhou');
    await a.putObject('trail-logs-a', 'v4/one.json', '{"n":1}', 'application/json');
    await a.putObject('trail-logs-a', 'v4/two.json', '{"n":2}', 'application/json');
    expect(await a.getObjectText('trail-logs-a', 'v4/one.json')).toBe('{"n":1}');
    expect((await a.listKeys('trail-logs-a', 'v4/')).sort()).toEqual(['v4/one.json', 'v4/two.json']);
    const oss = emu.world.calls.slice(before).filter((c) => c.service === 'oss');
    expect(oss).toHaveLength(6);
    expect(oss.every((c) => c.status === 200 && c.accountId === A.id)).toBe(true);
  });

  it('never reads a refused signature or key as "the bucket exists but is denied"', async () => {
    const wrongSecret = createOssClient(opts({ ak: A.ak, secret: 'not-the-secret-000000000000000' }));
    const err = await wrongSecret.bucketExists('trail-logs-a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProvisionError);
    expect(err).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403, retryable: false });
    expect((err as Error).message).toMatch(/whether the bucket exists is not known/);
    const unknownKey = createOssClient(opts({ ak: 'LTAInobodyHere0000', secret: A.secret }));
    await expect(unknownKey.bucketExists('trail-logs-a')).rejects.toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
  });

  it('a slow answer is a retryable ETIMEDOUT and a dropped connection a retryable ECONNRESET (never a bucket verdict)', async () => {
    const a = createOssClient({ ...opts(A), readTimeoutMs: 150 });
    emu.world.faults = { rules: [{ match: 'oss', kind: 'latency', rate: 1, ms: 600, times: 1 }] };
    try {
      await expect(a.bucketExists('trail-logs-a')).rejects.toMatchObject({ code: 'ETIMEDOUT', status: 503, retryable: true });
      emu.world.faults = { rules: [{ match: 'oss', kind: 'drop', rate: 1, times: 1 }] };
      await expect(a.getObjectText('trail-logs-a', 'any.json')).rejects.toMatchObject({ code: 'ECONNRESET', status: 503, retryable: true });
    } finally {
      emu.world.faults = { rules: [] };
    }
    expect(await a.bucketExists('trail-logs-a')).toBe('exists');
  });

  it('tells an existing, a missing and a denied bucket apart', async () => {
    const a = createOssClient(opts(A));
    const b = createOssClient(opts(B));
    expect(await a.bucketExists('trail-logs-a')).toBe('exists');
    expect(await a.bucketExists('no-such-trail-bucket')).toBe('missing');
    expect(await b.bucketExists('trail-logs-a')).toBe('denied');
    const lastCall = emu.world.calls.filter((c) => c.service === 'oss').at(-1);
    expect(lastCall).toMatchObject({ status: 403, code: 'AccessDenied', accountId: B.id });
  });

  it('finds a bucket in another region through its location', async () => {
    const a = createOssClient(opts(A));
    expect(await a.bucketRegion('trail-logs-beijing')).toBe('cn-beijing');
    expect(await a.bucketExists('trail-logs-beijing')).toBe('exists');
    expect(await a.bucketExists('trail-logs-beijing', 'cn-beijing')).toBe('exists');
  });

  it('finds it too when OSS refuses the V4 signature region instead (EC 0002-00000228), and tells a non-owner denied', async () => {
    emu.world.ossWrongRegionAnswer = 'signature';
    try {
      const from = emu.world.calls.length;
      expect(await createOssClient(opts(A)).bucketExists('trail-logs-beijing')).toBe('exists');
      expect(emu.world.calls.slice(from).map((c) => [c.status, c.code ?? ''])).toEqual([[400, 'InvalidArgument'], [200, ''], [200, '']]);
      expect(await createOssClient(opts(B)).bucketExists('trail-logs-beijing')).toBe('denied');
    } finally {
      emu.world.ossWrongRegionAnswer = undefined;
    }
  });

  it('round-trips an object and reports a missing key as undefined', async () => {
    const a = createOssClient(opts(A));
    const text = JSON.stringify({ Name: 'alpha-trail', at: new Date().toISOString() });
    const put = await a.putObject('trail-logs-a', 'config/trails.json', text, 'application/json');
    expect(put.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(await a.getObjectText('trail-logs-a', 'config/trails.json')).toBe(text);
    const stored = emu.world.accounts.get(A.id)!.buckets[0]!.objects!.find((o) => o.key === 'config/trails.json')!;
    expect(stored.contentType).toBe('application/json');
    expect(Buffer.from(stored.bodyBase64, 'base64').toString('utf8')).toBe(text);
    expect(await a.getObjectText('trail-logs-a', 'config/absent.json')).toBeUndefined();
  });

  it('reads across accounts only where the owner granted it', async () => {
    const a = createOssClient(opts(A));
    const b = createOssClient(opts(B));
    await a.putObject('trail-logs-shared', 'shared.txt', 'from A');
    expect(await b.bucketExists('trail-logs-shared')).toBe('exists');
    expect(await b.getObjectText('trail-logs-shared', 'shared.txt')).toBe('from A');
    const err = await b.getObjectText('trail-logs-a', 'config/trails.json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProvisionError);
    expect(err).toMatchObject({ code: 'AccessDenied', status: 403, retryable: false });
  });

  it('picks up new credentials from the provider', async () => {
    let current = B;
    const c = createOssClient({ ...opts(A), credentials: async () => ({ accessKeyId: current.ak, accessKeySecret: current.secret }) });
    expect(await c.bucketExists('trail-logs-a')).toBe('denied');
    current = A;
    expect(await c.bucketExists('trail-logs-a')).toBe('exists');
  });
});

describe('SLS through @alicloud/sls20201230', () => {
  it('tells an existing, a missing and a denied project apart', async () => {
    const a = createSlsClient(opts(A));
    const b = createSlsClient(opts(B));
    expect(await a.projectExists('audit-a')).toBe('exists');
    expect(await a.projectExists('no-such-project')).toBe('missing');
    expect(await b.projectExists('audit-a')).toBe('denied');
    // Projects are regional: the same name on another region's endpoint does not exist.
    expect(await a.projectExists('audit-a', 'cn-shanghai')).toBe('missing');
    const calls = emu.world.calls.filter((c) => c.service === 'sls').map((c) => c.code);
    expect(calls).toEqual(expect.arrayContaining(['ProjectNotExist', 'Unauthorized']));
  });

  it('lists the logstores of a project', async () => {
    const a = createSlsClient(opts(A));
    expect(await a.listLogstores('audit-a')).toEqual(['actiontrail_alpha', 'actiontrail_beta', 'app-log']);
    emu.world.accounts.get(A.id)!.slsProjects[0]!.logstores.push('actiontrail_gamma');
    expect(await a.listLogstores('audit-a')).toContain('actiontrail_gamma');
  });

  it('lists more than one page of logstores', async () => {
    const names = Array.from({ length: 503 }, (_, i) => `ls-${String(i).padStart(4, '0')}`);
    emu.world.accounts.get(A.id)!.slsProjects.push({ name: 'audit-big', region: 'cn-hangzhou', logstores: names, createTime: T0 });
    expect(await createSlsClient(opts(A)).listLogstores('audit-big')).toEqual(names);
  });

  it('reports a missing project as ProjectNotExist when listing', async () => {
    const err = await createSlsClient(opts(A))
      .listLogstores('no-such-project')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ProjectNotExist', status: 404 });
  });

  it('reads across accounts only where the owner granted it', async () => {
    const b = createSlsClient(opts(B));
    expect(await b.projectExists('audit-shared')).toBe('exists');
    expect(await b.listLogstores('audit-shared')).toEqual(['actiontrail_shared']);
    await expect(b.listLogstores('audit-a')).rejects.toMatchObject({ code: 'Unauthorized', status: 401 });
  });
});

describe('MaxCompute through @alicloud/openapi-core (2022-01-04 ROA)', () => {
  it('tells an existing, a missing and a denied project apart', async () => {
    const a = createMaxComputeClient(opts(A));
    const b = createMaxComputeClient(opts(B));
    expect(await a.projectExists(`actiontrail_${A.id}`)).toBe('exists');
    expect(await a.projectExists('no_such_project')).toBe('missing');
    expect(await b.projectExists(`actiontrail_${A.id}`)).toBe('denied');
    expect(await a.projectExists(`actiontrail_${A.id}`, 'cn-beijing')).toBe('missing');
    const codes = emu.world.calls.filter((c) => c.service === 'maxcompute').map((c) => c.code);
    expect(codes).toEqual(expect.arrayContaining(['OBJECT_NOT_EXIST', 'ODPS-0420095']));
  });

  it('reads across accounts only where the owner granted it', async () => {
    const b = createMaxComputeClient(opts(B));
    expect(await b.projectExists('mc_shared')).toBe('exists');
    emu.world.accounts.get(A.id)!.mcProjects.find((p) => p.name === 'mc_shared')!.readers = [];
    expect(await b.projectExists('mc_shared')).toBe('denied');
  });
});
