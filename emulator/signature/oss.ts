/**
 * OSS request signatures, as the OSS server checks them:
 *
 * - V1 "OSS AK:sig" (ali-oss default, @alicloud/oss-util getSignatureV1): base64 hmac-sha1 over
 *   METHOD \n Content-MD5 \n Content-Type \n Date \n x-oss-* headers \n /bucket/object?subresources
 *   (Date is x-oss-date when sent: ali-oss signs that instead of Date). Only OSS sub-resources are
 *   part of the resource; ordinary query parameters (prefix, max-keys...) are not signed.
 * - V1 presigned URL (OSSAccessKeyId, Expires, Signature query): same string, Expires for Date.
 * - V2 "OSS2 AccessKeyId:AK,AdditionalHeaders:..,Signature:sig" (@alicloud/oss-client default):
 *   base64 hmac-sha256; resource = uriEncode("/bucket/object") + "?" + every query parameter.
 * - V4 "OSS4-HMAC-SHA256 Credential=AK/date/region/oss/aliyun_v4_request,..." (ali-oss
 *   authorizationV4, lib/common/signUtils.js authorizationV4): hex hmac-sha256 with a derived key
 *   over a canonical request. The only scheme OSS accepts from new accounts and for new buckets;
 *   the older ones are refused unless the seed allows them (signature/index.ts, ossV1Allowed).
 */
import { routeByHost } from '../hosts';
import type { EmuRequest } from '../types';
import { hashHex, hmac, popEncode, safeEqual, sortedKeys } from './util';
import { parseFields, type Scheme } from './scheme';

/** Query parameters OSS treats as sub-resources (part of the V1 canonical resource). */
const SUBRESOURCES = new Set([
  'acl', 'append', 'bucketInfo', 'callback', 'callback-var', 'cname', 'comp', 'continuation-token', 'cors', 'delete',
  'encryption', 'endTime', 'img', 'inventory', 'inventoryId', 'lifecycle', 'live', 'location', 'logging', 'metaQuery',
  'objectMeta', 'partNumber', 'policy', 'position', 'qos', 'qosInfo', 'referer', 'replication', 'replicationLocation',
  'replicationProgress', 'requestPayment', 'resourceGroup', 'response-cache-control', 'response-content-disposition',
  'response-content-encoding', 'response-content-language', 'response-content-type', 'response-expires', 'restore',
  'security-token', 'sequential', 'startTime', 'stat', 'status', 'style', 'styleName', 'symlink', 'tagging',
  'transferAcceleration', 'udf', 'udfApplication', 'udfApplicationLog', 'udfId', 'udfImage', 'udfImageDesc', 'udfName',
  'uploadId', 'uploads', 'versionId', 'versioning', 'versions', 'vod', 'website', 'worm', 'wormExtend', 'wormId',
  'x-oss-process', 'x-oss-traffic-limit',
]);

/** Bucket and object key of the request, whether virtual-hosted or path-style. */
function bucketAndKey(req: EmuRequest): { bucket?: string; key: string } {
  const hostBucket = routeByHost(req.host)?.bucket;
  if (hostBucket) return { bucket: hostBucket, key: req.path.replace(/^\//, '') };
  const m = /^\/([^/]+)\/?(.*)$/.exec(req.path);
  return m ? { bucket: m[1], key: m[2]! } : { key: '' };
}

function ossHeaders(req: EmuRequest): string {
  return Object.keys(req.headers)
    .filter((k) => k.startsWith('x-oss-'))
    .sort()
    .map((k) => `${k}:${req.headers[k]!.trim()}\n`)
    .join('');
}

function v1StringToSign(req: EmuRequest, dateLine: string, skipQuery: Set<string>): string {
  const { bucket, key } = bucketAndKey(req);
  let resource = bucket ? `/${bucket}/${key}` : '/';
  const subs = sortedKeys(req.query).filter((k) => SUBRESOURCES.has(k) && !skipQuery.has(k));
  if (subs.length > 0) resource += '?' + subs.map((k) => (req.query[k] ? `${k}=${req.query[k]}` : k)).join('&');
  const h = req.headers;
  return `${req.method}\n${h['content-md5'] ?? ''}\n${h['content-type'] ?? ''}\n${dateLine}\n${ossHeaders(req)}${resource}`;
}

const NONE = new Set<string>();

export const ossV1: Scheme = (req) => {
  const m = /^OSS ([^:]+):(.+)$/.exec(req.headers['authorization'] ?? '');
  if (!m) return undefined;
  return {
    accessKeyId: m[1]!,
    securityToken: req.headers['x-oss-security-token'] ?? req.query['security-token'],
    verify(secret) {
      const dateLine = req.headers['x-oss-date'] ?? req.headers['date'] ?? '';
      return safeEqual(hmac('sha1', secret, v1StringToSign(req, dateLine, NONE)).toString('base64'), m[2]!);
    },
  };
};

export const ossV1Url: Scheme = (req) => {
  const q = req.query;
  if (q['OSSAccessKeyId'] === undefined) return undefined;
  if (!q['Signature'] || !q['Expires']) return 'malformed';
  return {
    accessKeyId: q['OSSAccessKeyId'],
    securityToken: q['security-token'],
    verify(secret) {
      if (Number(q['Expires']) * 1000 < Date.now()) return false;
      const s = v1StringToSign(req, q['Expires']!, NONE);
      return safeEqual(hmac('sha1', secret, s).toString('base64'), q['Signature']!);
    },
  };
};

export const ossV2: Scheme = (req) => {
  const m = /^OSS2 (.*)$/.exec(req.headers['authorization'] ?? '');
  if (!m) return undefined;
  const f = parseFields(m[1]!, ':');
  if (!f['AccessKeyId'] || !f['Signature']) return 'malformed';
  const additional = f['AdditionalHeaders'] ? f['AdditionalHeaders'].split(';').map((s) => s.toLowerCase()) : [];
  return {
    accessKeyId: f['AccessKeyId'],
    securityToken: req.headers['x-oss-security-token'] ?? req.query['security-token'],
    verify(secret) {
      const { bucket, key } = bucketAndKey(req);
      let resource = encodeURIComponent(bucket ? `/${bucket}/${key}` : '/');
      const keys = sortedKeys(req.query);
      if (keys.length > 0) {
        resource += '?' + keys.map((k) => (req.query[k] ? `${encodeURIComponent(k)}=${encodeURIComponent(req.query[k]!)}` : encodeURIComponent(k))).join('&');
      }
      const h = req.headers;
      const names = [...new Set([...additional, ...Object.keys(h).filter((k) => k.startsWith('x-oss-'))])].sort();
      const headers = names.map((k) => `${k}:${h[k] ?? ''}\n`).join('');
      const s = `${req.method}\n${h['content-md5'] ?? ''}\n${h['content-type'] ?? ''}\n${h['date'] ?? ''}\n${headers}${additional.join(';')}\n${resource}`;
      return safeEqual(hmac('sha256', secret, s).toString('base64'), f['Signature']!);
    },
  };
};

export const ossV4: Scheme = (req) => {
  const m = /^OSS4-HMAC-SHA256 (.*)$/.exec(req.headers['authorization'] ?? '');
  if (!m) return undefined;
  const f = parseFields(m[1]!, '=');
  const cred = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aliyun_v4_request$/.exec(f['Credential'] ?? '');
  const date = req.headers['x-oss-date'];
  if (!cred || !f['Signature'] || !date) return 'malformed';
  const [, accessKeyId, day, region, product] = cred as unknown as [string, string, string, string, string];
  const additional = f['AdditionalHeaders'] ? f['AdditionalHeaders'].split(';').map((s) => s.toLowerCase()) : [];
  return {
    accessKeyId,
    securityToken: req.headers['x-oss-security-token'] ?? req.query['security-token'],
    scopeRegion: region,
    verify(secret) {
      if (!date.startsWith(day)) return false;
      const { bucket, key } = bucketAndKey(req);
      const uri = popEncode(`/${bucket ? `${bucket}/` : ''}${key}`).replace(/%2F/g, '/');
      // A parameter with an empty value signs as its bare name ("?bucketInfo" and "?bucketInfo="
      // alike: ali-oss puts "bucketInfo=" in the URL and signs "bucketInfo").
      const query = sortedKeys(req.query)
        .map((k) => (req.query[k] ? `${popEncode(k)}=${popEncode(req.query[k]!)}` : popEncode(k)))
        .join('&');
      const h = req.headers;
      const names = new Set(additional);
      for (const k of Object.keys(h)) if (k === 'content-type' || k === 'content-md5' || k.startsWith('x-oss-')) names.add(k);
      const headers = [...names]
        .sort()
        .map((k) => `${k}:${(h[k] ?? '').trim()}\n`)
        .join('');
      const payload = h['x-oss-content-sha256'] ?? 'UNSIGNED-PAYLOAD';
      const canonical = `${req.method}\n${uri}\n${query}\n${headers}\n${additional.join(';')}\n${payload}`;
      const scope = `${day}/${region}/${product}/aliyun_v4_request`;
      const stringToSign = `OSS4-HMAC-SHA256\n${date}\n${scope}\n${hashHex('sha256', canonical)}`;
      let k = hmac('sha256', `aliyun_v4${secret}`, day);
      for (const part of [region, product, 'aliyun_v4_request']) k = hmac('sha256', k, part);
      return safeEqual(hmac('sha256', k, stringToSign).toString('hex'), f['Signature']!);
    },
  };
};
