/**
 * The ROA V2 signature "acs AK:base64(hmac-sha1)" (openapi-core doROARequest, signatureAlgorithm
 * "v2"), mirroring openapi-core utils getStringToSign:
 *   METHOD \n accept \n content-md5 \n content-type \n date \n x-acs-* headers (sorted) \n resource
 * where resource = path + "?" + sorted k=v (raw values).
 */
import { hmac, safeEqual, sortedKeys } from './util';
import type { Scheme } from './scheme';

export const roaV2: Scheme = (req) => {
  const auth = req.headers['authorization'] ?? '';
  const m = /^acs ([^:]+):(.+)$/.exec(auth);
  if (!m) return undefined;
  return {
    accessKeyId: m[1]!,
    securityToken: req.headers['x-acs-security-token'],
    verify(secret) {
      const h = req.headers;
      const acs = Object.keys(h)
        .filter((k) => k.startsWith('x-acs-'))
        .sort()
        .map((k) => `${k}:${h[k]!.replace(/[\t\n\r\f]/g, ' ').trim()}\n`)
        .join('');
      const keys = sortedKeys(req.query);
      const resource = keys.length === 0 ? req.path : `${req.path}?${keys.map((k) => `${k}=${req.query[k]}`).join('&')}`;
      const stringToSign = `${req.method}\n${h['accept'] ?? ''}\n${h['content-md5'] ?? ''}\n${h['content-type'] ?? ''}\n${h['date'] ?? ''}\n${acs}${resource}`;
      return safeEqual(hmac('sha1', secret, stringToSign).toString('base64'), m[2]!);
    },
  };
};
