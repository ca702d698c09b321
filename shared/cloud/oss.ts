/**
 * OSS client module over @alicloud/oss-client.
 *
 * Why it looks like this:
 * - oss-client takes the AccessKey pair in its Config (it builds its own Credential and has no
 *   option to accept one), so one SDK client is kept per region and rebuilt only when the
 *   provider hands out different credentials (e.g. a refreshed STS token).
 * - Signature: oss-client signs V1 ("OSS <ak>:<sig>", HMAC-SHA1) or V2 ("OSS2 ...", HMAC-SHA256);
 *   it has no V4. V1 is used: it is what OSS and the emulator verify everywhere, and what ali-oss
 *   sends by default.
 * - Host model: the default virtual-hosted "<bucket>.<endpoint>" (endpointFor gives the real
 *   "oss-<region>.aliyuncs.com", or its ".localhost:PORT" form in emulator mode).
 * - oss-client errors carry the HTTP status as data.httpCode; it is copied where fromSdkError
 *   looks, so 4xx errors are not mistaken for retryable 5xx.
 */
import type OSSClient from '@alicloud/oss-client';
import { Readable } from 'node:stream';
import { DEFAULT_TIMEOUTS, type ClientOptions } from './options';
import { endpointFor } from './endpoints';
import { fromSdkError } from './sdk-error';
import { loadOss } from './sdks';
import type { CloudCredentials, Existence, OssApi } from './types';
import type { ProvisionError } from '../core/errors';

export interface OssClient extends OssApi {
  /** GetObject as UTF-8 text; undefined when the object (NoSuchKey) does not exist. */
  getObjectText(bucket: string, key: string, region?: string): Promise<string | undefined>;
  /** PutObject (a single PUT; fine for config objects, not for large uploads). */
  putObject(bucket: string, key: string, body: string | Buffer, contentType?: string, region?: string): Promise<{ requestId: string }>;
  /** GetBucketLocation: the bucket's region id (e.g. "cn-hangzhou"). */
  bucketRegion(bucket: string, region?: string): Promise<string>;
  /** ListObjects (GetBucket), every page: the keys under `prefix`. */
  listKeys(bucket: string, prefix: string, region?: string): Promise<string[]>;
}

interface Cached {
  fingerprint: string;
  client: OSSClient;
}

const WRONG_ENDPOINT = /must be addressed using the specified endpoint/i;

/** Copies oss-client's data.httpCode and bare message to where fromSdkError reads them. */
function toProvisionError(e: unknown): ProvisionError {
  const err = e as { code?: string; message?: string; statusCode?: number; data?: Record<string, unknown> } | undefined;
  if (err && typeof err === 'object' && err.data && typeof err.data['httpCode'] === 'number') {
    err.statusCode ??= err.data['httpCode'] as number;
    if (!err.code) err.code = err.statusCode === 404 ? 'NotFound' : err.statusCode === 403 ? 'AccessDenied' : `Http${err.statusCode}`;
    const msg = String(err.message ?? '').replace(/^[^:]*: /, '');
    err.data = { ...err.data, Message: msg, RequestId: err.data['requestId'] };
  }
  return fromSdkError(e);
}

export function createOssClient(opts: ClientOptions): OssClient {
  const clients = new Map<string, Cached>();
  const timeouts = {
    readTimeout: opts.readTimeoutMs ?? DEFAULT_TIMEOUTS.readTimeoutMs,
    connectTimeout: opts.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectTimeoutMs,
  };

  async function clientFor(region: string): Promise<OSSClient> {
    const c: CloudCredentials = await opts.credentials();
    const fingerprint = `${c.accessKeyId}\u0000${c.accessKeySecret}\u0000${c.securityToken ?? ''}`;
    const cached = clients.get(region);
    if (cached && cached.fingerprint === fingerprint) return cached.client;
    const { endpoint, protocol } = endpointFor('oss', region, { env: opts.env, accountId: opts.accountId });
    const { default: OSSClient, Config } = await loadOss();
    const client = new OSSClient(
      new Config({
        type: c.securityToken ? 'sts' : 'access_key',
        accessKeyId: c.accessKeyId,
        accessKeySecret: c.accessKeySecret,
        securityToken: c.securityToken,
        endpoint,
        protocol,
        regionId: region,
        signatureVersion: 'V1',
        readTimeout: timeouts.readTimeout,
        connectTimeout: timeouts.connectTimeout,
      }),
    );
    clients.set(region, { fingerprint, client });
    return client;
  }

  type Runtime = Parameters<OSSClient['getObject']>[1];
  /** Single attempt per call: retrying is the core's job (it knows deadlines and idempotency). */
  const runtime = (): Runtime => ({ ...timeouts }) as Runtime;

  async function bucketRegion(bucket: string, region = opts.region): Promise<string> {
    try {
      const [client, { GetBucketLocationRequest }] = await Promise.all([clientFor(region), loadOss()]);
      const res = await client.getBucketLocation(new GetBucketLocationRequest({ bucketName: bucket }), runtime());
      return String(res.locationConstraint ?? '').replace(/^oss-/, '');
    } catch (e) {
      throw toProvisionError(e);
    }
  }

  async function getBucketInfo(bucket: string, region: string): Promise<Existence> {
    const [client, { GetBucketInfoRequest }] = await Promise.all([clientFor(region), loadOss()]);
    await client.getBucketInfo(new GetBucketInfoRequest({ bucketName: bucket }), runtime());
    return 'exists';
  }

  async function bucketExists(bucket: string, region = opts.region): Promise<Existence> {
    try {
      return await getBucketInfo(bucket, region);
    } catch (e) {
      const err = toProvisionError(e);
      if (err.code === 'NoSuchBucket') return 'missing';
      if (err.code === 'AccessDenied' && WRONG_ENDPOINT.test(err.message)) {
        // The bucket lives in another region: ask where (owner only), then check it on its own
        // endpoint. A non-owner cannot learn the region, and is told 'denied' (pass the region).
        const actual = await bucketRegion(bucket, region).catch(() => undefined);
        if (actual && actual !== region) return bucketExists(bucket, actual);
      }
      if (err.code === 'AccessDenied' || err.status === 403) return 'denied';
      throw err;
    }
  }

  return {
    bucketExists,

    bucketRegion,

    async getObjectText(bucket, key, region = opts.region) {
      try {
        const [client, { GetObjectRequest }] = await Promise.all([clientFor(region), loadOss()]);
        const res = await client.getObject(new GetObjectRequest({ bucketName: bucket, objectName: key }), runtime());
        const chunks: Buffer[] = [];
        for await (const chunk of res.body as Readable) chunks.push(Buffer.from(chunk as Buffer));
        return Buffer.concat(chunks).toString('utf8');
      } catch (e) {
        const err = toProvisionError(e);
        if (err.code === 'NoSuchKey') return undefined;
        throw err;
      }
    },

    async listKeys(bucket, prefix, region = opts.region) {
      const keys: string[] = [];
      try {
        const [client, { GetBucketRequest, GetBucketRequestFilter }] = await Promise.all([clientFor(region), loadOss()]);
        for (let marker = ''; ; ) {
          const res = await client.getBucket(new GetBucketRequest({ bucketName: bucket, filter: new GetBucketRequestFilter({ prefix, marker, maxKeys: '1000' }) }), runtime());
          // The SDK's XML reader gives one <Contents> as an object, several as a list.
          const contents = ([] as Array<{ key?: string }>).concat(res.listBucketResult?.contents ?? []);
          for (const c of contents) if (c.key) keys.push(c.key);
          const last = contents.at(-1)?.key;
          if (String(res.listBucketResult?.isTruncated) !== 'true' || !last) break;
          marker = last;
        }
      } catch (e) {
        throw toProvisionError(e);
      }
      return keys;
    },

    async putObject(bucket, key, body, contentType = 'application/octet-stream', region = opts.region) {
      try {
        const [client, { PutObjectRequest, PutObjectRequestHeader }] = await Promise.all([clientFor(region), loadOss()]);
        const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
        const res = await client.putObject(
          new PutObjectRequest({
            bucketName: bucket,
            objectName: key,
            body: Readable.from([bytes]),
            header: new PutObjectRequestHeader({ contentType, contentLength: String(bytes.length) }),
          }),
          runtime(),
        );
        return { requestId: res.requestId };
      } catch (e) {
        throw toProvisionError(e);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Bucket access settings (CIS 2.2): GetBucketAcl and GetBucketPolicy over ali-oss, V4-signed.
// @alicloud/oss-client has no GetBucketPolicy and signs V1/V2 only; ali-oss (the official OSS
// Node.js SDK) has both calls and signs V4 (authorizationV4). Kept apart from createOssClient so
// that switching the whole module to ali-oss is one merge.

/** A bucket's ACL and bucket policy, as OSS returns them. */
export interface BucketAccess {
  /** GetBucketAcl Grant: private | public-read | public-read-write. */
  acl: string;
  /** GetBucketPolicy: the policy document; undefined when the bucket has none (404 NoSuchBucketPolicy). */
  policy?: { Version?: string; Statement?: Array<{ Effect?: string; Principal?: unknown; Action?: unknown; Resource?: unknown; Condition?: unknown }> };
}

interface AliOssAccess {
  getBucketACL(name: string): Promise<{ acl: string }>;
  getBucketPolicy(name: string): Promise<{ policy: BucketAccess['policy'] | null }>;
}

/** Reads a bucket's ACL and policy with `opts`' credentials (ali-oss, V4 signature). */
export async function readBucketAccess(opts: ClientOptions, bucket: string, region = opts.region): Promise<BucketAccess> {
  const c = await opts.credentials();
  const env = opts.env ?? process.env;
  // Emulator mode: the IP endpoint, bucket in the Host header (how ali-oss addresses an IP endpoint).
  const emulator = env['ALIBABA_CLOUD_ENDPOINT_OSS'] ? undefined : env['TRAIL_EMULATOR_URL'];
  const { endpoint, protocol } = endpointFor('oss', region, { env });
  // @ts-expect-error ali-oss ships no type declarations; the two calls used are typed above.
  const mod = (await import('ali-oss')) as { default: new (o: Record<string, unknown>) => AliOssAccess };
  const OSS = mod.default;
  const client = new OSS({
    endpoint: emulator ?? `${protocol}://${endpoint}`,
    region: `oss-${region}`,
    accessKeyId: c.accessKeyId,
    accessKeySecret: c.accessKeySecret,
    ...(c.securityToken ? { stsToken: c.securityToken } : {}),
    authorizationV4: true,
    timeout: opts.readTimeoutMs ?? DEFAULT_TIMEOUTS.readTimeoutMs,
  });
  const aliError = (e: unknown) => {
    const err = e as { code?: string; status?: number; requestId?: string; message?: string };
    return fromSdkError({ code: err.code, statusCode: err.status, message: err.message, data: { Code: err.code, Message: err.message, RequestId: err.requestId } });
  };
  let acl: string;
  try {
    acl = (await client.getBucketACL(bucket)).acl;
  } catch (e) {
    throw aliError(e);
  }
  try {
    const { policy } = await client.getBucketPolicy(bucket);
    return { acl, ...(policy ? { policy } : {}) };
  } catch (e) {
    if ((e as { code?: string }).code === 'NoSuchBucketPolicy') return { acl };
    throw aliError(e);
  }
}
