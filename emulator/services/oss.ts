/**
 * OSS, as far as the project and the clients it uses need it: bucket info / location, and the
 * common object calls (put, get, head, delete, list) for a config object and for ali-oss.
 *
 * Requests arrive virtual-hosted ("<bucket>.oss-<region>.aliyuncs.com[.localhost]", req.bucket
 * from the Host name, key = whole path) or path-style on a bare IP ("/<bucket>/<key>", req.bucket
 * from the path). Bodies and errors are OSS's own XML; errors carry the same extra elements OSS
 * sends (BucketName, Key, Endpoint) through OssError.details.
 *
 * Access: a bucket is readable by its owner, by accounts in `readers` and, with a public ACL, by
 * anyone; objects are writable by the owner, by `writers` and with public-read-write. Everyone
 * else gets OSS's 403 AccessDenied. A bucket called on another region's endpoint gets OSS's 403
 * AccessDenied "must be addressed using the specified endpoint" (with Endpoint), except
 * GetBucketLocation, which only the owner may call and which answers on any endpoint.
 */
import { createHash } from 'node:crypto';
import type { EmuAccount, EmuBucket, EmuObject, World } from '../state';
import { EmuError, type EmuRequest, type EmuResponse, type ServiceHandler } from '../types';

/** An OSS error with the extra XML elements OSS puts next to Code/Message. */
export class OssError extends EmuError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly details: Record<string, string> = {},
  ) {
    super(status, code, message);
  }
}

const STARTED = new Date().toISOString();

function xml(s: string | number | boolean): string {
  return String(s).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

function xmlDoc(body: string): EmuResponse {
  return { status: 200, headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}\n` };
}

/** Buckets are named globally; finds one and its owner. */
function findBucket(world: World, name: string): { owner: EmuAccount; bucket: EmuBucket } | undefined {
  for (const owner of world.accounts.values()) {
    const bucket = owner.buckets.find((b) => b.name === name);
    if (bucket) return { owner, bucket };
  }
  return undefined;
}

function canRead(req: EmuRequest, owner: EmuAccount, bucket: EmuBucket): boolean {
  const id = req.caller.accountId;
  return id === owner.id || (bucket.readers ?? []).includes(id) || bucket.acl === 'public-read' || bucket.acl === 'public-read-write';
}

function canWrite(req: EmuRequest, owner: EmuAccount, bucket: EmuBucket): boolean {
  const id = req.caller.accountId;
  return id === owner.id || (bucket.writers ?? []).includes(id) || bucket.acl === 'public-read-write';
}

const hostName = (req: EmuRequest): string => req.host.replace(/:\d+$/, '').toLowerCase().replace(/\.localhost$/, '');

/** Object key: the whole path when virtual-hosted, the path after "/<bucket>/" when path-style. */
function objectKey(req: EmuRequest, bucket: string): string {
  const virtualHosted = hostName(req).startsWith(`${bucket}.`);
  if (virtualHosted) return req.path.replace(/^\//, '');
  return req.path.replace(/^\/[^/]+\/?/, '');
}

/** The OSS region named by the Host, when the Host is an OSS endpoint (not a bare IP). */
function endpointRegion(req: EmuRequest): string | undefined {
  return /(?:^|\.)oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/.exec(hostName(req))?.[1];
}

function requireBucket(req: EmuRequest, world: World): { owner: EmuAccount; bucket: EmuBucket } {
  const name = req.bucket!;
  const found = findBucket(world, name);
  if (!found) throw new OssError(404, 'NoSuchBucket', 'The specified bucket does not exist.', { BucketName: name });
  const region = endpointRegion(req);
  // GetBucketLocation is how clients find the right endpoint, so it answers on any endpoint
  // (an assumption: OSS's docs do not say; S3 behaves this way and OSS tools rely on it).
  if (region && region !== found.bucket.region && !has(req, 'location')) {
    if (world.ossWrongRegionAnswer === 'signature' && /^OSS4-HMAC-SHA256 /.test(req.headers['authorization'] ?? '')) {
      // Status and Code are not on the EC page: this emulator's choice (unverified).
      throw new OssError(400, 'InvalidArgument', `The region in the V4 signature (${region}) does not match the bucket's region.`, {
        EC: '0002-00000228',
        RecommendDoc: 'https://api.aliyun.com/troubleshoot?q=0002-00000228',
      });
    }
    throw new OssError(
      403,
      'AccessDenied',
      'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
      { Bucket: name, Endpoint: `oss-${found.bucket.region}.aliyuncs.com` },
    );
  }
  return found;
}

function denied(): OssError {
  return new OssError(403, 'AccessDenied', 'You have no right to access this object because of bucket acl.');
}

function has(req: EmuRequest, sub: string): boolean {
  return Object.prototype.hasOwnProperty.call(req.query, sub);
}

function bucketInfo(owner: EmuAccount, b: EmuBucket): EmuResponse {
  return xmlDoc(
    `<BucketInfo>\n  <Bucket>\n` +
      `    <AccessMonitor>Disabled</AccessMonitor>\n` +
      `    <CreationDate>${xml(b.createTime ?? STARTED)}</CreationDate>\n` +
      `    <ExtranetEndpoint>oss-${xml(b.region)}.aliyuncs.com</ExtranetEndpoint>\n` +
      `    <IntranetEndpoint>oss-${xml(b.region)}-internal.aliyuncs.com</IntranetEndpoint>\n` +
      `    <Location>oss-${xml(b.region)}</Location>\n` +
      `    <StorageClass>${xml(b.storageClass ?? 'Standard')}</StorageClass>\n` +
      `    <TransferAcceleration>Disabled</TransferAcceleration>\n` +
      `    <CrossRegionReplication>Disabled</CrossRegionReplication>\n` +
      `    <DataRedundancyType>LRS</DataRedundancyType>\n` +
      `    <Name>${xml(b.name)}</Name>\n` +
      `    <Owner>\n      <DisplayName>${xml(owner.id)}</DisplayName>\n      <ID>${xml(owner.id)}</ID>\n    </Owner>\n` +
      `    <AccessControlList>\n      <Grant>${xml(b.acl ?? 'private')}</Grant>\n    </AccessControlList>\n` +
      `    <Comment></Comment>\n` +
      `  </Bucket>\n</BucketInfo>`,
  );
}

function objectHeaders(o: EmuObject): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': o.contentType,
    etag: o.etag,
    'last-modified': new Date(o.lastModified).toUTCString(),
    'x-oss-object-type': 'Normal',
    'x-oss-storage-class': 'Standard',
  };
  for (const [k, v] of Object.entries(o.meta ?? {})) headers[`x-oss-meta-${k}`] = v;
  return headers;
}

function listObjects(req: EmuRequest, owner: EmuAccount, b: EmuBucket): EmuResponse {
  const v2 = req.query['list-type'] === '2';
  const prefix = req.query['prefix'] ?? '';
  const delimiter = req.query['delimiter'] ?? '';
  const start = (v2 ? (req.query['continuation-token'] ?? req.query['start-after']) : req.query['marker']) ?? '';
  const maxKeys = Math.min(Math.max(Number(req.query['max-keys'] ?? 100) || 100, 1), 1000);
  const keys = (b.objects ?? [])
    .filter((o) => o.key.startsWith(prefix) && o.key > start)
    .sort((x, y) => (x.key < y.key ? -1 : 1));
  const contents: EmuObject[] = [];
  const prefixes = new Set<string>();
  let truncated = false;
  let last = '';
  for (const o of keys) {
    if (contents.length + prefixes.size >= maxKeys) {
      truncated = true;
      break;
    }
    const rest = o.key.slice(prefix.length);
    const cut = delimiter ? rest.indexOf(delimiter) : -1;
    if (cut >= 0) prefixes.add(prefix + rest.slice(0, cut + delimiter.length));
    else contents.push(o);
    last = o.key;
  }
  const entries = contents
    .map(
      (o) =>
        `  <Contents>\n    <Key>${xml(o.key)}</Key>\n    <LastModified>${xml(o.lastModified)}</LastModified>\n` +
        `    <ETag>${xml(o.etag)}</ETag>\n    <Type>Normal</Type>\n    <Size>${Buffer.from(o.bodyBase64, 'base64').length}</Size>\n` +
        `    <StorageClass>Standard</StorageClass>\n` +
        `    <Owner>\n      <ID>${xml(owner.id)}</ID>\n      <DisplayName>${xml(owner.id)}</DisplayName>\n    </Owner>\n  </Contents>\n`,
    )
    .join('');
  const common = [...prefixes].map((p) => `  <CommonPrefixes>\n    <Prefix>${xml(p)}</Prefix>\n  </CommonPrefixes>\n`).join('');
  const paging = v2
    ? `  <KeyCount>${contents.length + prefixes.size}</KeyCount>\n` + (truncated ? `  <NextContinuationToken>${xml(last)}</NextContinuationToken>\n` : '')
    : `  <Marker>${xml(start)}</Marker>\n` + (truncated ? `  <NextMarker>${xml(last)}</NextMarker>\n` : '');
  return xmlDoc(
    `<ListBucketResult>\n  <Name>${xml(b.name)}</Name>\n  <Prefix>${xml(prefix)}</Prefix>\n${paging}` +
      `  <MaxKeys>${maxKeys}</MaxKeys>\n  <Delimiter>${xml(delimiter)}</Delimiter>\n  <IsTruncated>${truncated}</IsTruncated>\n` +
      `${entries}${common}</ListBucketResult>`,
  );
}

function putObject(req: EmuRequest, b: EmuBucket, key: string): EmuResponse {
  const md5 = createHash('md5').update(req.body).digest();
  const sent = req.headers['content-md5'];
  if (sent && sent !== md5.toString('base64')) throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.');
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-oss-meta-')) meta[k.slice('x-oss-meta-'.length)] = v;
  const obj: EmuObject = {
    key,
    bodyBase64: req.body.toString('base64'),
    contentType: req.headers['content-type'] || 'application/octet-stream',
    etag: `"${md5.toString('hex').toUpperCase()}"`,
    lastModified: new Date().toISOString(),
    ...(Object.keys(meta).length > 0 ? { meta } : {}),
  };
  b.objects = [...(b.objects ?? []).filter((o) => o.key !== key), obj];
  return { status: 200, headers: { etag: obj.etag, 'content-md5': md5.toString('base64') }, body: '' };
}

function getObject(b: EmuBucket, key: string): EmuResponse {
  const o = (b.objects ?? []).find((x) => x.key === key);
  if (!o) throw new OssError(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
  const body = Buffer.from(o.bodyBase64, 'base64');
  // For HEAD too: Node sends no body on HEAD, and Content-Length still describes the object.
  return { status: 200, headers: objectHeaders(o), body };
}

function listBuckets(req: EmuRequest, world: World): EmuResponse {
  const owner = world.accounts.get(req.caller.accountId);
  const buckets = (owner?.buckets ?? [])
    .map(
      (b) =>
        `    <Bucket>\n      <CreationDate>${xml(b.createTime ?? STARTED)}</CreationDate>\n` +
        `      <ExtranetEndpoint>oss-${xml(b.region)}.aliyuncs.com</ExtranetEndpoint>\n` +
        `      <IntranetEndpoint>oss-${xml(b.region)}-internal.aliyuncs.com</IntranetEndpoint>\n` +
        `      <Location>oss-${xml(b.region)}</Location>\n      <Name>${xml(b.name)}</Name>\n` +
        `      <Region>${xml(b.region)}</Region>\n      <StorageClass>${xml(b.storageClass ?? 'Standard')}</StorageClass>\n    </Bucket>\n`,
    )
    .join('');
  return xmlDoc(
    `<ListAllMyBucketsResult>\n  <Owner>\n    <ID>${xml(req.caller.accountId)}</ID>\n    <DisplayName>${xml(req.caller.accountId)}</DisplayName>\n  </Owner>\n` +
      `  <Buckets>\n${buckets}  </Buckets>\n</ListAllMyBucketsResult>`,
  );
}

function notImplemented(req: EmuRequest): OssError {
  return new OssError(501, 'NotImplemented', `The emulator does not implement OSS ${req.method} ${Object.keys(req.query).join('&') || req.path}.`);
}

export const ossService: ServiceHandler = (req, world) => {
  if (!req.bucket) {
    if (req.method === 'GET' && req.path === '/') return listBuckets(req, world);
    throw notImplemented(req);
  }
  const { owner, bucket } = requireBucket(req, world);
  const key = objectKey(req, bucket.name);
  if (key === '') {
    if (req.method !== 'GET') throw notImplemented(req);
    // GetBucketLocation: only the bucket owner may ask (OSS docs).
    if (has(req, 'location')) {
      if (req.caller.accountId !== owner.id) throw denied();
      return xmlDoc(`<LocationConstraint>oss-${xml(bucket.region)}</LocationConstraint>`);
    }
    // GetBucketAcl / GetBucketPolicy: the owner (or an account the bucket lets read, standing in
    // for a policy granting oss:GetBucketAcl) may ask; the ACL as <AccessControlPolicy> XML, the
    // policy as the JSON document that was put, 404 NoSuchBucketPolicy when there is none.
    if (has(req, 'acl')) {
      if (req.caller.accountId !== owner.id && !(bucket.readers ?? []).includes(req.caller.accountId)) throw denied();
      return xmlDoc(
        `<AccessControlPolicy>\n  <Owner>\n    <ID>${xml(owner.id)}</ID>\n    <DisplayName>${xml(owner.id)}</DisplayName>\n  </Owner>\n` +
          `  <AccessControlList>\n    <Grant>${xml(bucket.acl ?? 'private')}</Grant>\n  </AccessControlList>\n</AccessControlPolicy>`,
      );
    }
    if (has(req, 'policy')) {
      if (req.caller.accountId !== owner.id && !(bucket.readers ?? []).includes(req.caller.accountId)) throw denied();
      if (!bucket.policy) throw new OssError(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist.', { BucketName: bucket.name });
      return { status: 200, headers: { 'content-type': 'application/json' }, body: bucket.policy };
    }
    if (!canRead(req, owner, bucket)) throw denied();
    if (has(req, 'bucketInfo')) return bucketInfo(owner, bucket);
    if (Object.keys(req.query).every((k) => ['prefix', 'marker', 'max-keys', 'delimiter', 'encoding-type', 'list-type', 'continuation-token', 'start-after', 'fetch-owner'].includes(k))) {
      return listObjects(req, owner, bucket);
    }
    throw notImplemented(req);
  }
  switch (req.method) {
    case 'PUT':
      if (!canWrite(req, owner, bucket)) throw denied();
      return putObject(req, bucket, key);
    case 'GET':
    case 'HEAD':
      if (!canRead(req, owner, bucket)) throw denied();
      return getObject(bucket, key);
    case 'DELETE':
      if (!canWrite(req, owner, bucket)) throw denied();
      bucket.objects = (bucket.objects ?? []).filter((o) => o.key !== key);
      return { status: 204 };
    default:
      throw notImplemented(req);
  }
};
