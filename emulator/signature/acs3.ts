/**
 * ACS3-HMAC-SHA256 (the V3 signature), used by every @alicloud/openapi-core client through
 * callApi → doRequest, RPC and ROA alike: sts20150401, resourcemanager20200331, fc20230330, and
 * the generic clients for ActionTrail, MaxCompute and RAM.
 *
 * Mirrors @alicloud/openapi-core utils getAuthorization:
 *   canonicalRequest = METHOD \n URI \n sortedQuery(k=enc(v)) \n headers(k:v\n...) \n signedHeaders \n payloadHash
 *   stringToSign     = ALGORITHM \n hex(hash(canonicalRequest))
 *   Authorization    = ALGORITHM Credential=AK,SignedHeaders=a;b,Signature=hex(hmac(secret, stringToSign))
 * The payload hash is recomputed from the body received, so a body changed in flight fails too.
 */
import { hashHex, hmac, popEncode, safeEqual, sortedKeys } from './util';
import { parseFields, type Scheme } from './scheme';

const ALGORITHMS: Record<string, string> = { 'ACS3-HMAC-SHA256': 'sha256', 'ACS3-HMAC-SM3': 'sm3' };

export const acs3: Scheme = (req) => {
  const auth = req.headers['authorization'] ?? '';
  const m = /^(ACS3-[A-Z0-9-]+) (.*)$/.exec(auth);
  if (!m) return undefined;
  const algorithm = m[1]!;
  const hash = ALGORITHMS[algorithm];
  const f = parseFields(m[2]!, '=');
  if (!hash || !f['Credential'] || !f['Signature'] || f['SignedHeaders'] === undefined) return 'malformed';
  const signedHeaders = f['SignedHeaders'] ? f['SignedHeaders'].split(';') : [];
  return {
    accessKeyId: f['Credential'],
    securityToken: req.headers['x-acs-security-token'],
    verify(secret) {
      const uri = req.rawPath.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
      const query = sortedKeys(req.query)
        .map((k) => `${k}=${popEncode(req.query[k]!)}`)
        .join('&');
      const headers = signedHeaders.map((h) => `${h}:${(req.headers[h] ?? '').trim()}\n`).join('');
      const declared = req.headers['x-acs-content-sha256'];
      const payload = declared === 'UNSIGNED-PAYLOAD' ? declared : hashHex(hash, req.body);
      const canonical = `${req.method}\n${uri}\n${query}\n${headers}\n${signedHeaders.join(';')}\n${payload}`;
      const stringToSign = `${algorithm}\n${hashHex(hash, canonical)}`;
      return safeEqual(hmac(hash, secret, stringToSign).toString('hex'), f['Signature']!);
    },
  };
};
