/**
 * AccessKey lookup and STS security-token checks, common to every scheme. What differs per
 * service is only how a failure is reported (see errors.ts), so the checks return a reason.
 */
import type { EmuAccessKey, World } from '../state';

export type KeyProblem = 'unknownKey' | 'missingToken' | 'tokenMismatch' | 'tokenExpired' | 'unexpectedToken';

export type KeyCheck = { ok: true; key: EmuAccessKey } | { ok: false; problem: KeyProblem };

/**
 * Finds the key and checks the security token that came with it: STS keys need their own token
 * and must not be expired; permanent keys must not carry one (the cloud then treats the call as
 * an STS call and cannot find the session).
 */
export function checkKey(world: World, accessKeyId: string | undefined, token: string | undefined): KeyCheck {
  const key = accessKeyId ? world.accessKeys.get(accessKeyId) : undefined;
  if (!key) return { ok: false, problem: 'unknownKey' };
  if (key.securityToken === undefined) {
    return token ? { ok: false, problem: 'unexpectedToken' } : { ok: true, key };
  }
  if (!token) return { ok: false, problem: 'missingToken' };
  if (token !== key.securityToken) return { ok: false, problem: 'tokenMismatch' };
  if (key.expiration && Date.parse(key.expiration) <= Date.now()) return { ok: false, problem: 'tokenExpired' };
  return { ok: true, key };
}
