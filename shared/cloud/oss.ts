/**
 * OSS client module over ali-oss, signing every request with OSS V4 (OSS4-HMAC-SHA256).
 *
 * Why it looks like this:
 * - Signature: OSS stopped accepting V1 for new accounts (2025-03-01) and new buckets
 *   (2025-09-01); a V1 request gets 403 with EC 0002-00000080 ("Guidelines for upgrading V1
 *   signatures to V4 signatures" and the 0002-00000080 page of the OSS docs). @alicloud/oss-client
 *   1.1.4 signs V1 or V2 only, so this module uses ali-oss (the official Node.js OSS SDK, V4 since
 *   6.20.0) with `authorizationV4: true`. ali-oss derives the V4 scope region from `region`
 *   ("oss-<region>" with the "oss-" prefix stripped: lib/client.js authorizationV4,
 *   getStandardRegion), so region and endpoint name the same region.
 * - Endpoint: ali-oss takes the full URL ("https://oss-<region>.aliyuncs.com", or the
 *   ".localhost:PORT" form over http in emulator mode: endpoints.ts) and puts the bucket in front
 *   of the host (virtual-hosted style, lib/common/client/getReqUrl.js), as OSS expects.
 * - Credentials: STS tokens go out as x-oss-security-token, which V4 signs (an x-oss-* header).
 *   A client is cheap (options parsing; the keep-alive agents are ali-oss's shared ones), so each
 *   call builds one with the provider's current credentials: a refreshed token is used at once.
 * - One attempt per call (retryMax 0): retrying is the core's job (it knows deadlines).
 * - Errors: ali-oss gives {status, code, requestId, ecCode}; network failures have status -1 and
 *   timeouts -2, which are mapped to the retryable ECONNRESET / ETIMEDOUT. The thrown error never
 *   carries ali-oss's request params (they hold the Authorization header).
 * - A refused signature or key is never "the bucket exists but is denied": only OSS's AccessDenied
 *   (other than the V1-refused one) is 'denied'; SignatureDoesNotMatch, InvalidAccessKeyId, token
 *   problems and the like throw, naming the code.
 */
import { DEFAULT_TIMEOUTS, type ClientOptions } from './options';
import { endpointFor } from './endpoints';
import { fromSdkError } from './sdk-error';
import { loadAliOss, type AliOssClient } from './sdks';
import type { CloudCredentials, Existence, OssApi } from './types';
import { ProvisionError } from '../core/errors';

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

const WRONG_ENDPOINT = /must be addressed using the specified endpoint/i;

/** OSS EC of "V1 signatures are no longer accepted" (403; OSS docs page 0002-00000080). */
export const EC_V1_REFUSED = '0002-00000080';
/** OSS EC of "the V4 signature's region is not the bucket's region" (OSS docs page 0002-00000228). */
export const EC_WRONG_REGION = '0002-00000228';

/**
 * OSS codes that say the request's credentials or signature were refused, not that the caller
 * lacks access to an existing bucket (OSS docs "HTTP 403 errors" and the 0002-* EC pages).
 */
const AUTH_FAILURES = new Set([
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'InvalidSecurityToken',
  'SecurityTokenExpired',
  'AccessKeyIdAndSecurityTokenNotMatch',
  'RequestTimeTooSkewed',
  'InvalidArgument',
  'InvalidRequest',
]);

interface AliOssError {
  name?: string;
  message?: string;
  status?: number;
  code?: string;
  requestId?: string;
  ecCode?: string;
  params?: unknown;
  res?: unknown;
}

/** An ali-oss failure as a ProvisionError (code, status, request id, whether retrying helps). */
function toProvisionError(e: unknown): ProvisionError {
  if (e instanceof ProvisionError) return e;
  const err = (e ?? {}) as AliOssError;
  if (typeof err === 'object') {
    // Drop what holds request headers (Authorization, security token) before it travels further.
    delete err.params;
    delete err.res;
  }
  if (err.status === -1 || err.status === -2 || /Timeout/.test(err.name ?? '')) {
    const code = err.status === -2 || /Timeout/.test(err.name ?? '') ? 'ETIMEDOUT' : 'ECONNRESET';
    return new ProvisionError({ code, status: 503, retryable: true, message: `OSS could not be reached (${code}).` });
  }
  const base = fromSdkError({ code: err.code || (err.status === 404 ? 'NotFound' : `Http${err.status ?? 500}`), status: err.status, message: err.message, requestId: err.requestId });
  if (!err.ecCode) return base;
  return new ProvisionError({ code: base.code, status: base.status, message: `${base.message} (EC ${err.ecCode})`, requestId: base.requestId, retryable: base.retryable });
}

/** Whether an OSS error refuses the request's credentials or signature (not a bucket permission). */
export function isAuthFailure(err: ProvisionError): boolean {
  return AUTH_FAILURES.has(err.code) || err.message.includes(EC_V1_REFUSED);
}

export function createOssClient(opts: ClientOptions): OssClient {
  const timeout = [opts.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectTimeoutMs, opts.readTimeoutMs ?? DEFAULT_TIMEOUTS.readTimeoutMs] as const;

  async function clientFor(region: string, bucket?: string): Promise<AliOssClient> {
    const c: CloudCredentials = await opts.credentials();
    const { endpoint, protocol } = endpointFor('oss', region, { env: opts.env, accountId: opts.accountId });
    const OSS = await loadAliOss();
    return new OSS({
      accessKeyId: c.accessKeyId,
      accessKeySecret: c.accessKeySecret,
      ...(c.securityToken
        ? {
            stsToken: c.securityToken,
            // ali-oss asks for a refresher whenever a token is given; the provider is the refresher.
            refreshSTSToken: async () => {
              const n = await opts.credentials();
              return { accessKeyId: n.accessKeyId, accessKeySecret: n.accessKeySecret, stsToken: n.securityToken ?? '' };
            },
          }
        : {}),
      region: `oss-${region}`,
      authorizationV4: true,
      endpoint: `${protocol}://${endpoint}`,
      secure: protocol === 'https',
      ...(bucket ? { bucket } : {}),
      timeout: timeout[1],
      retryMax: 0,
    });
  }

  /** Per-request options: connect and response timeouts (urllib takes the pair). */
  const call = () => ({ timeout: [...timeout] });

  async function bucketRegion(bucket: string, region = opts.region): Promise<string> {
    try {
      const res = await (await clientFor(region)).getBucketLocation(bucket, call());
      return String(res.location ?? '').replace(/^oss-/, '');
    } catch (e) {
      throw toProvisionError(e);
    }
  }

  async function bucketExists(bucket: string, region = opts.region): Promise<Existence> {
    try {
      await (await clientFor(region)).getBucketInfo(bucket, call());
      return 'exists';
    } catch (e) {
      const err = toProvisionError(e);
      if (err.code === 'NoSuchBucket') return 'missing';
      // The bucket lives in another region. OSS says so with the wrong-endpoint AccessDenied, or
      // (V4) by refusing the signature's region (EC 0002-00000228); which one is unverified.
      const elsewhere = (err.code === 'AccessDenied' && WRONG_ENDPOINT.test(err.message)) || err.message.includes(EC_WRONG_REGION);
      if (elsewhere) {
        // Ask where (owner only), then check it on its own endpoint. A non-owner cannot learn the
        // region, and is told 'denied' (pass the region).
        const actual = await bucketRegion(bucket, region).catch(() => undefined);
        if (actual && actual !== region) return bucketExists(bucket, actual);
        if (err.code !== 'AccessDenied') return 'denied';
      }
      if (isAuthFailure(err)) {
        throw new ProvisionError({
          code: err.code,
          status: err.status,
          requestId: err.requestId,
          message: `OSS refused the credentials or signature of GetBucketInfo on "${bucket}" (${err.code}: ${err.message}); whether the bucket exists is not known.`,
        });
      }
      // AccessDenied: the bucket exists in another account; ActionTrail's write role decides access.
      if (err.code === 'AccessDenied') return 'denied';
      throw err;
    }
  }

  return {
    bucketExists,

    bucketRegion,

    async getObjectText(bucket, key, region = opts.region) {
      try {
        const res = await (await clientFor(region, bucket)).get(key, call());
        return Buffer.from(res.content ?? '').toString('utf8');
      } catch (e) {
        const err = toProvisionError(e);
        if (err.code === 'NoSuchKey') return undefined;
        throw err;
      }
    },

    async listKeys(bucket, prefix, region = opts.region) {
      const keys: string[] = [];
      try {
        const client = await clientFor(region, bucket);
        for (let marker = ''; ; ) {
          const res = await client.list({ prefix, ...(marker ? { marker } : {}), 'max-keys': 1000 }, call());
          const objects = res.objects ?? [];
          for (const o of objects) if (o.name) keys.push(o.name);
          const last = objects.at(-1)?.name;
          if (!res.isTruncated || !last) break;
          marker = res.nextMarker || last;
        }
      } catch (e) {
        throw toProvisionError(e);
      }
      return keys;
    },

    async putObject(bucket, key, body, contentType = 'application/octet-stream', region = opts.region) {
      try {
        const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
        const res = await (await clientFor(region, bucket)).put(key, bytes, { ...call(), mime: contentType, headers: { 'Content-Type': contentType } });
        return { requestId: String(res.res?.headers?.['x-oss-request-id'] ?? '') };
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
