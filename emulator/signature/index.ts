/**
 * Request signature verification: finds the scheme the request is signed with (among those the
 * service accepts), looks up the AccessKey, checks an STS session's security token, recomputes
 * the signature with the key's secret and compares. Failures carry the service's own codes
 * (errors.ts). Each scheme lives in its own module, checked against the real signer code in
 * node_modules; the work per request is a few HMACs and hashes.
 */
import type { World } from '../state';
import type { Caller, EmuRequest } from '../types';
import { authError, familyOf, type Family } from './errors';
import { checkKey } from './keys';
import type { Scheme } from './scheme';
import { acs3 } from './acs3';
import { rpcV2 } from './rpc-v2';
import { roaV2 } from './roa-v2';
import { ossV1, ossV1Url, ossV2, ossV4 } from './oss';
import { slsV1, slsV4 } from './sls';

const SCHEMES: Record<Family, Scheme[]> = {
  pop: [acs3, roaV2, rpcV2],
  oss: [ossV4, ossV2, ossV1, ossV1Url],
  sls: [slsV4, slsV1],
};

export function verifyRequest(req: EmuRequest, world: World): Caller {
  let signed: ReturnType<Scheme> = undefined;
  for (const scheme of SCHEMES[familyOf(req.service)]) {
    signed = scheme(req);
    if (signed) break;
  }
  if (!signed || signed === 'malformed') throw authError(req.service, 'incomplete');
  const check = checkKey(world, signed.accessKeyId, signed.securityToken);
  if (!check.ok) throw authError(req.service, check.problem);
  if (!signed.verify(check.key.accessKeySecret)) throw authError(req.service, 'badSignature');
  return { accountId: check.key.accountId, accessKeyId: check.key.accessKeyId, assumedRoleArn: check.key.assumedRoleArn };
}
