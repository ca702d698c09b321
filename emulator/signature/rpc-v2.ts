/**
 * The RPC V2 signature: HMAC-SHA1 over the sorted, encoded parameters, sent as the "Signature"
 * parameter (query string for GET, form body for POST). Used by @alicloud/pop-core RPCClient and
 * by openapi-core's doRPCRequest (signatureAlgorithm "v2").
 *
 *   stringToSign = METHOD & enc("/") & enc(sorted k=v joined by &, each enc()'d)
 *   Signature    = base64(hmac-sha1(secret + "&", stringToSign))
 */
import { hmac, popEncode, safeEqual, sortedKeys } from './util';
import type { Scheme } from './scheme';

export const rpcV2: Scheme = (req) => {
  const p = req.params;
  if (p['Signature'] === undefined && p['SignatureMethod'] === undefined) return undefined;
  if (!p['AccessKeyId'] || !p['Signature'] || (p['SignatureMethod'] ?? 'HMAC-SHA1') !== 'HMAC-SHA1') return 'malformed';
  const signature = p['Signature'];
  return {
    accessKeyId: p['AccessKeyId'],
    securityToken: p['SecurityToken'],
    verify(secret) {
      const canonical = sortedKeys(p)
        .filter((k) => k !== 'Signature')
        .map((k) => `${popEncode(k)}=${popEncode(p[k]!)}`)
        .join('&');
      const stringToSign = `${req.method}&${popEncode('/')}&${popEncode(canonical)}`;
      return safeEqual(hmac('sha1', `${secret}&`, stringToSign).toString('base64'), signature);
    },
  };
};
