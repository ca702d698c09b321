/**
 * Request signature verification: finds the scheme the request is signed with (among those the
 * service accepts), looks up the AccessKey, checks an STS session's security token, recomputes
 * the signature with the key's secret and compares. Failures carry the service's own codes
 * (errors.ts). Each scheme lives in its own module, checked against the real signer code in
 * node_modules; the work per request is a few HMACs and hashes.
 */
import type { World } from '../state';
import type { Caller, EmuRequest } from '../types';
import { authError, familyOf, ossRegionMismatch, ossV1Refused, type Family } from './errors';
import { checkKey } from './keys';
import type { Scheme } from './scheme';
import { acs3 } from './acs3';
import { rpcV2 } from './rpc-v2';
import { roaV2 } from './roa-v2';
import { ossV1, ossV1Url, ossV2, ossV4 } from './oss';
import { slsV1, slsV4 } from './sls';

/**
 * OSS signatures older than V4 (V1 header, V1 presigned URL, V2 header). OSS no longer accepts
 * V1 for accounts created from 2025-03-01 and buckets created from 2025-09-01 (OSS docs,
 * "Guidelines for upgrading V1 signatures to V4 signatures"); such requests get 403 with EC
 * 0002-00000080 (OSS docs page 0002-00000080). V2 is treated like V1 (the current docs name only
 * V1 and V4; unverified). Seed `ossV1Allowed` (world-wide, or per bucket) models an old account
 * or bucket that still takes them; the default is the new-customer behaviour: refused.
 */
const OSS_LEGACY = new Set<Scheme>([ossV2, ossV1, ossV1Url]);

/** Whether OSS still accepts pre-V4 signatures for this request's bucket (or, without one, world-wide). */
function ossV1Allowed(req: EmuRequest, world: World): boolean {
  if (req.bucket) {
    for (const a of world.accounts.values()) {
      const b = a.buckets.find((x) => x.name === req.bucket);
      if (b && b.ossV1Allowed !== undefined) return b.ossV1Allowed;
    }
  }
  return world.ossV1Allowed ?? false;
}

const SCHEMES: Record<Family, Scheme[]> = {
  pop: [acs3, roaV2, rpcV2],
  oss: [ossV4, ossV2, ossV1, ossV1Url],
  sls: [slsV4, slsV1],
};

export function verifyRequest(req: EmuRequest, world: World): Caller {
  let signed: ReturnType<Scheme> = undefined;
  for (const scheme of SCHEMES[familyOf(req.service)]) {
    signed = scheme(req);
    if (signed) {
      if (OSS_LEGACY.has(scheme) && !ossV1Allowed(req, world)) throw ossV1Refused();
      break;
    }
  }
  if (!signed || signed === 'malformed') throw authError(req.service, 'incomplete');
  if (signed.scopeRegion !== undefined) {
    // OSS V4: the region of the credential scope must be the one the Host names (0002-00000226).
    const hostRegion = /(?:^|\.)oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com(?:\.localhost)?(?::\d+)?$/.exec(req.host.toLowerCase())?.[1];
    if (hostRegion && hostRegion !== signed.scopeRegion) throw ossRegionMismatch(signed.scopeRegion, hostRegion);
  }
  const check = checkKey(world, signed.accessKeyId, signed.securityToken);
  if (!check.ok) throw authError(req.service, check.problem);
  if (!signed.verify(check.key.accessKeySecret)) throw authError(req.service, 'badSignature');
  return { accountId: check.key.accountId, accessKeyId: check.key.accessKeyId, assumedRoleArn: check.key.assumedRoleArn };
}
