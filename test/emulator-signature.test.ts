/**
 * Signature verification against real, independent signers: every scheme accepts a correctly
 * signed call and rejects an unknown AccessKey and a wrong secret with the service's real code.
 *
 * Clients: sts20150401 (ACS3, RPC), openapi-core callApi ROA (ACS3 over a path, query and JSON
 * body), @alicloud/pop-core (RPC HMAC-SHA1 "Signature" parameter, GET and POST), @alicloud/oss-client
 * (OSS2 and OSS V1), ali-oss (V1 and V4), @alicloud/sls20201230 (LOG v1 and SLS4 v4).
 * "Accepted" means the call got past signature verification: either it succeeded, or the service
 * answered with a non-authentication error (e.g. NoSuchBucket); the emulator's call log must then
 * show the caller's account resolved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenApi, { $OpenApiUtil } from '@alicloud/openapi-core';
import StsClient from '@alicloud/sts20150401';
import SlsClient from '@alicloud/sls20201230';
import OssClient, { Config as OssConfig, GetBucketInfoRequest } from '@alicloud/oss-client';
import PopCore from '@alicloud/pop-core';
// @ts-expect-error ali-oss ships no type declarations; the call used is typed below.
import AliOssModule from 'ali-oss';
import http from 'node:http';
import { createEmulator, type Emulator } from '../emulator/server';
import type { SeedFile } from '../emulator/state';
import { akCredential } from './helpers/world';
import { endpointFor } from '../shared/cloud/endpoints';

const ACCOUNT = '1000000000000001';
const GOOD = { accessKeyId: 'LTAI-sig-test-0001', accessKeySecret: 'sig-test-secret-0123456789abcdef' };
const UNKNOWN = { accessKeyId: 'LTAI-nobody-here', accessKeySecret: GOOD.accessKeySecret };
const WRONG = { accessKeyId: GOOD.accessKeyId, accessKeySecret: 'not-the-right-secret-0123456789' };
type Key = typeof GOOD;

const seed: SeedFile = {
  defaultRegion: 'cn-hangzhou',
  accounts: [
    {
      id: ACCOUNT,
      accessKeys: [GOOD],
      // sig-bucket is an "old" bucket that still takes V1/V2 (so those schemes are verified too);
      // new-bucket has the default of accounts and buckets created since 2025: V4 only.
      buckets: [
        { name: 'sig-bucket', region: 'cn-hangzhou', ossV1Allowed: true },
        { name: 'new-bucket', region: 'cn-hangzhou' },
      ],
      slsProjects: [{ name: 'sig-project', region: 'cn-hangzhou', logstores: [], createTime: '2026-01-01T00:00:00Z' }],
    },
  ],
};

interface AliOss {
  getBucketInfo(name: string): Promise<unknown>;
  signatureUrl(name: string, options?: { expires?: number }): string;
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

/** Runs a call and returns its error's code and status ('ok' when it succeeded). */
async function outcome(call: () => Promise<unknown>): Promise<{ code: string; status?: number }> {
  try {
    await call();
    return { code: 'ok' };
  } catch (e) {
    const err = e as { code?: string; name?: string; statusCode?: number; status?: number; data?: { Code?: string; statusCode?: number; httpCode?: number } };
    return { code: err.code ?? err.data?.Code ?? err.name ?? 'unknown', status: err.statusCode ?? err.status ?? err.data?.statusCode ?? err.data?.httpCode };
  }
}

const AUTH_CODES = new Set(['InvalidAccessKeyId.NotFound', 'SignatureDoesNotMatch', 'IncompleteSignature', 'InvalidAccessKeyId', 'Unauthorized', 'SignatureNotMatch', 'AccessDenied']);

/** Asserts the call passed signature verification and the emulator resolved the caller's account. */
async function expectAccepted(call: () => Promise<unknown>): Promise<void> {
  const before = emu.world.calls.length;
  const r = await outcome(call);
  expect(AUTH_CODES.has(r.code), `rejected with ${r.code}`).toBe(false);
  const logged = emu.world.calls.slice(before);
  expect(logged.length).toBeGreaterThan(0);
  expect(logged.every((c) => c.accountId === ACCOUNT)).toBe(true);
}

function sts(key: Key): StsClient {
  const { endpoint, protocol } = endpointFor('sts', 'cn-hangzhou', { env });
  return new StsClient(new $OpenApiUtil.Config({ credential: akCredential(key), endpoint, protocol }));
}

describe('ACS3-HMAC-SHA256 (openapi-core clients)', () => {
  it('sts20150401 RPC: accepts a signed call and returns the caller', async () => {
    const res = await sts(GOOD).getCallerIdentity();
    expect(res.body?.accountId).toBe(ACCOUNT);
    expect(res.body?.identityType).toBe('Account');
  });

  it('sts20150401 RPC: unknown AccessKey is 404 InvalidAccessKeyId.NotFound', async () => {
    expect(await outcome(() => sts(UNKNOWN).getCallerIdentity())).toEqual({ code: 'InvalidAccessKeyId.NotFound', status: 404 });
  });

  it('sts20150401 RPC: wrong secret is 400 SignatureDoesNotMatch', async () => {
    expect(await outcome(() => sts(WRONG).getCallerIdentity())).toEqual({ code: 'SignatureDoesNotMatch', status: 400 });
  });

  /** A ROA call with a path, an awkward query and a JSON body (so the payload hash counts). */
  function roaCall(key: Key): () => Promise<unknown> {
    const { endpoint, protocol } = endpointFor('sts', 'cn-hangzhou', { env });
    const client = new OpenApi(new $OpenApiUtil.Config({ credential: akCredential(key), endpoint, protocol }));
    const params = new $OpenApiUtil.Params({
      action: 'GetCallerIdentity',
      version: '2015-04-01',
      protocol: 'HTTPS',
      pathname: '/2015-04-01/identity/caller',
      method: 'POST',
      authType: 'AK',
      style: 'ROA',
      reqBodyType: 'json',
      bodyType: 'json',
    });
    const request = new $OpenApiUtil.OpenApiRequest({ query: { filter: "a b*c!'()~", 'x.y': '1' }, body: { hello: 'wörld', n: 1 } });
    return () => client.callApi(params, request, {} as Parameters<OpenApi['callApi']>[2]);
  }

  it('callApi ROA: accepts a signed call over path, query and body', async () => {
    const res = (await roaCall(GOOD)()) as { body?: { AccountId?: string } };
    expect(res.body?.AccountId).toBe(ACCOUNT);
  });

  it('callApi ROA: rejects an unknown key and a wrong secret', async () => {
    expect(await outcome(roaCall(UNKNOWN))).toEqual({ code: 'InvalidAccessKeyId.NotFound', status: 404 });
    expect(await outcome(roaCall(WRONG))).toEqual({ code: 'SignatureDoesNotMatch', status: 400 });
  });
});

describe('RPC HMAC-SHA1 (@alicloud/pop-core)', () => {
  function pop(key: Key): PopCore {
    const { endpoint } = endpointFor('sts', 'cn-hangzhou', { env });
    return new PopCore({ ...key, endpoint: `http://${endpoint}`, apiVersion: '2015-04-01' });
  }

  it('accepts GET and POST signed calls', async () => {
    const get = await pop(GOOD).request<{ AccountId: string }>('GetCallerIdentity', {});
    expect(get.AccountId).toBe(ACCOUNT);
    const post = await pop(GOOD).request<{ AccountId: string }>('GetCallerIdentity', { Note: 'spaces & symbols *~' }, { method: 'POST' });
    expect(post.AccountId).toBe(ACCOUNT);
  });

  it('rejects an unknown key (404) and a wrong secret (400)', async () => {
    expect((await outcome(() => pop(UNKNOWN).request('GetCallerIdentity', {}))).code).toBe('InvalidAccessKeyId.NotFound');
    expect((await outcome(() => pop(WRONG).request('GetCallerIdentity', {}))).code).toBe('SignatureDoesNotMatch');
  });
});

describe('OSS signatures', () => {
  /** oss-client reads its runtime argument's fields; an empty object means the defaults. */
  const NO_RUNTIME = {} as Parameters<OssClient['getBucketInfo']>[1];
  function ossClient(key: Key, signatureVersion?: string): OssClient {
    const { endpoint, protocol } = endpointFor('oss', 'cn-hangzhou', { env });
    return new OssClient(new OssConfig({ ...key, endpoint, protocol, regionId: 'cn-hangzhou', signatureVersion }));
  }
  function aliOss(key: Key, v4: boolean): AliOss {
    const { endpoint } = endpointFor('oss', 'cn-hangzhou', { env });
    return new AliOss({ ...key, endpoint: `http://${endpoint}`, region: 'oss-cn-hangzhou', authorizationV4: v4, retryMax: 0 });
  }
  const variants: Array<[string, (k: Key, bucket?: string) => () => Promise<unknown>, 'legacy' | 'v4']> = [
    ['oss-client OSS2 (default)', (k, b = 'sig-bucket') => () => ossClient(k).getBucketInfo(new GetBucketInfoRequest({ bucketName: b }), NO_RUNTIME), 'legacy'],
    ['oss-client OSS V1', (k, b = 'sig-bucket') => () => ossClient(k, 'V1').getBucketInfo(new GetBucketInfoRequest({ bucketName: b }), NO_RUNTIME), 'legacy'],
    ['ali-oss V1', (k, b = 'sig-bucket') => () => aliOss(k, false).getBucketInfo(b), 'legacy'],
    ['ali-oss V4', (k, b = 'sig-bucket') => () => aliOss(k, true).getBucketInfo(b), 'v4'],
  ];

  /** GETs a URL on the emulator with the URL's own Host header; resolves to [status, OSS error code]. */
  function fetchViaLoopback(url: string): Promise<[number, string]> {
    const u = new URL(url);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: emu.port, path: u.pathname + u.search, headers: { host: u.host } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve([res.statusCode ?? 0, /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? '']));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('presigned V1 URL (ali-oss signatureUrl): accepted when signed with the key, rejected otherwise', async () => {
    const url = (k: Key) => new AliOss({ ...k, bucket: 'sig-bucket', endpoint: `http://${endpointFor('oss', 'cn-hangzhou', { env }).endpoint}`, region: 'oss-cn-hangzhou' }).signatureUrl('no/such key.txt', { expires: 300 });
    const [status, code] = await fetchViaLoopback(url(GOOD));
    expect(code).not.toMatch(/SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied/);
    expect(status).not.toBe(403);
    expect(await fetchViaLoopback(url(WRONG))).toEqual([403, 'SignatureDoesNotMatch']);
    expect(await fetchViaLoopback(url(UNKNOWN))).toEqual([403, 'InvalidAccessKeyId']);
  });

  for (const [name, call, kind] of variants) {
    it(`${name}: accepts a signed call, rejects unknown key and wrong secret with 403`, async () => {
      await expectAccepted(call(GOOD));
      expect(await outcome(call(UNKNOWN))).toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
      expect(await outcome(call(WRONG))).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
    });
    it(`${name}: on a bucket of the V4-only era, ${kind === 'v4' ? 'accepted' : 'refused with 403 and EC 0002-00000080, even with the right key'}`, async () => {
      if (kind === 'v4') return expectAccepted(call(GOOD, 'new-bucket'));
      expect(await outcome(call(GOOD, 'new-bucket'))).toMatchObject({ code: 'AccessDenied', status: 403 });
    });
  }

  it('a V1 refusal carries OSS\'s EC and troubleshooting link in the XML body', async () => {
    const url = new AliOss({ ...GOOD, bucket: 'new-bucket', endpoint: `http://${endpointFor('oss', 'cn-hangzhou', { env }).endpoint}`, region: 'oss-cn-hangzhou' }).signatureUrl('k.txt', { expires: 300 });
    const u = new URL(url);
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: emu.port, path: u.pathname + u.search, headers: { host: u.host } }, (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${b}`));
        })
        .on('error', reject);
    });
    expect(body).toMatch(/^403 /);
    expect(body).toContain('<Code>AccessDenied</Code>');
    expect(body).toContain('<EC>0002-00000080</EC>');
    expect(body).toContain('<RecommendDoc>https://api.aliyun.com/troubleshoot?q=0002-00000080</RecommendDoc>');
  });

  it('V4 with a credential scope naming another region than the endpoint is refused (EC 0002-00000226)', async () => {
    const { endpoint } = endpointFor('oss', 'cn-hangzhou', { env });
    // Endpoint in cn-hangzhou, signing region cn-shanghai.
    const oss = new AliOss({ ...GOOD, endpoint: `http://${endpoint}`, region: 'oss-cn-shanghai', authorizationV4: true, retryMax: 0 });
    expect(await outcome(() => oss.getBucketInfo('new-bucket'))).toMatchObject({ code: 'InvalidArgument', status: 400 });
  });
});

describe('SLS signatures (@alicloud/sls20201230)', () => {
  function sls(key: Key, signatureVersion?: string): SlsClient {
    const { endpoint, protocol } = endpointFor('sls', 'cn-hangzhou', { env });
    return new SlsClient(
      new $OpenApiUtil.Config({ credential: akCredential(key), endpoint, protocol, regionId: 'cn-hangzhou', signatureVersion }),
    );
  }

  for (const version of [undefined, 'v4']) {
    it(`${version ?? 'v1 (LOG)'}: accepts a signed call, rejects unknown key and wrong secret with 401`, async () => {
      await expectAccepted(() => sls(GOOD, version).getProject('sig-project'));
      expect(await outcome(() => sls(UNKNOWN, version).getProject('sig-project'))).toEqual({ code: 'Unauthorized', status: 401 });
      expect(await outcome(() => sls(WRONG, version).getProject('sig-project'))).toEqual({ code: 'SignatureNotMatch', status: 401 });
    });
  }
});
