/**
 * SLS (Log Service) request signatures, mirroring @alicloud/gateway-sls:
 *
 * - v1 "LOG AK:sig": base64 HMAC over
 *     METHOD \n Content-MD5 \n Content-Type \n Date \n x-log- and x-acs- headers (k:v, sorted) \n
 *     path?sorted k=v (raw values)
 *   with HMAC-SHA256 when x-log-signaturemethod is "hmac-sha256" (what gateway-sls sends), else
 *   HMAC-SHA1 (the classic scheme older SDKs use).
 * - v4 "SLS4-HMAC-SHA256 Credential=AK/date/region/sls/aliyun_v4_request,Signature=hex": the
 *   signed headers are every x-log-*, x-acs-*, host and content-type header; the payload hash is
 *   x-log-content-sha256; the key is derived as for OSS V4.
 */
import { hashHex, hmac, safeEqual, sortedKeys } from './util';
import { parseFields, type Scheme } from './scheme';

function encodeV4(s: string): string {
  return encodeURIComponent(s).replace(/\*/g, '%2A');
}

export const slsV1: Scheme = (req) => {
  const m = /^LOG ([^:]+):(.+)$/.exec(req.headers['authorization'] ?? '');
  if (!m) return undefined;
  return {
    accessKeyId: m[1]!,
    securityToken: req.headers['x-acs-security-token'],
    verify(secret) {
      const h = req.headers;
      const algorithm = (h['x-log-signaturemethod'] ?? '').toLowerCase() === 'hmac-sha256' ? 'sha256' : 'sha1';
      const logHeaders = Object.keys(h)
        .filter((k) => k.includes('x-log-') || k.includes('x-acs-'))
        .sort()
        .map((k) => `${k}:${h[k]}\n`)
        .join('');
      const keys = sortedKeys(req.query);
      const resource =
        keys.length === 0 ? req.path : `${req.path}?${keys.map((k) => (req.query[k] ? `${k}=${req.query[k]}` : k)).join('&')}`;
      const s = `${req.method}\n${h['content-md5'] ?? ''}\n${h['content-type'] ?? ''}\n${h['date'] ?? ''}\n${logHeaders}${resource}`;
      return safeEqual(hmac(algorithm, secret, s).toString('base64'), m[2]!);
    },
  };
};

export const slsV4: Scheme = (req) => {
  const m = /^SLS4-HMAC-SHA256 (.*)$/.exec(req.headers['authorization'] ?? '');
  if (!m) return undefined;
  const f = parseFields(m[1]!, '=');
  const cred = /^([^/]+)\/(\d{8})\/([^/]+)\/sls\/aliyun_v4_request$/.exec(f['Credential'] ?? '');
  const date = req.headers['x-log-date'];
  const contentHash = req.headers['x-log-content-sha256'];
  if (!cred || !f['Signature'] || !date || !contentHash) return 'malformed';
  const [, accessKeyId, day, region] = cred as unknown as [string, string, string, string];
  return {
    accessKeyId,
    securityToken: req.headers['x-acs-security-token'],
    verify(secret) {
      if (!date.startsWith(day)) return false;
      if (hashHex('sha256', req.body) !== contentHash) return false;
      const h = req.headers;
      const signed = Object.keys(h)
        .filter((k) => k.startsWith('x-log-') || k.startsWith('x-acs-') || k === 'host' || k === 'content-type')
        .sort();
      const query = sortedKeys(req.query)
        .map((k) => (req.query[k] ? `${k}=${encodeV4(req.query[k]!)}` : k))
        .join('&');
      const headers = signed.map((k) => `${k}:${h[k]!.trim()}\n`).join('');
      const canonical = `${req.method}\n${req.path || '/'}\n${query}\n${headers}\n${signed.join(';')}\n${contentHash}`;
      const scope = `${day}/${region}/sls/aliyun_v4_request`;
      const stringToSign = `SLS4-HMAC-SHA256\n${date}\n${scope}\n${hashHex('sha256', canonical)}`;
      let k = hmac('sha256', `aliyun_v4${secret}`, day);
      for (const part of [region, 'sls', 'aliyun_v4_request']) k = hmac('sha256', k, part);
      return safeEqual(hmac('sha256', k, stringToSign).toString('hex'), f['Signature']!);
    },
  };
};
