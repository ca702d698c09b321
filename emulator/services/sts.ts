/**
 * STS 2015-04-01 (POP RPC, host sts[.<region>].aliyuncs.com):
 *
 * - AssumeRole(RoleArn, RoleSessionName, DurationSeconds 900..role max, default 3600): the
 *   caller's account must be the role's own account or one the role trusts (trustedAccounts).
 *   Issues a temporary key "STS.<id>" with a secret and SecurityToken, registered in
 *   world.accessKeys for the role's account (signature verification then accepts it only with
 *   its token, until Expiration). Errors as the real STS: MissingRoleArn, MissingRoleSessionName,
 *   InvalidParameter.RoleArn / .RoleSessionName / .DurationSeconds (400), EntityNotExist.Role
 *   (404), NoPermission (403).
 *   Not modelled: the real STS refuses root-account keys ("Roles may not be assumed by root
 *   accounts"); seed keys stand for an administrator RAM user here, so they may assume roles.
 * - GetCallerIdentity: IdentityType Account (seed keys) or AssumedRoleUser (STS keys), with
 *   AccountId, Arn, PrincipalId and UserId / RoleId as the real API returns them.
 */
import { randomBytes } from 'node:crypto';
import { findRole, type EmuAccessKey, type World } from '../state';
import { EmuError, type EmuRequest, type EmuResponse, type ServiceHandler } from '../types';
import { maxSessionDuration, roleId } from './ram';

const JSON_HEADERS = { 'content-type': 'application/json;charset=utf-8' };
const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** Session name of each temporary key (the World has no field for it). */
const sessions = new WeakMap<EmuAccessKey, string>();

function randomText(len: number): string {
  const bytes = randomBytes(len);
  let s = '';
  for (const b of bytes) s += ALNUM[b % ALNUM.length];
  return s;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function bad(code: string, message: string): EmuError {
  return new EmuError(400, code, message);
}

function assumeRole(req: EmuRequest, world: World): EmuResponse {
  const p = req.params;
  const arn = p['RoleArn'];
  const session = p['RoleSessionName'];
  if (!arn) throw bad('MissingRoleArn', 'RoleArn is mandatory for this action.');
  if (!session) throw bad('MissingRoleSessionName', 'RoleSessionName is mandatory for this action.');
  if (!/^acs:ram::\d+:role\/[^/]+$/.test(arn)) throw bad('InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed.');
  if (!/^[a-zA-Z0-9.@_-]{2,64}$/.test(session)) throw bad('InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.');
  const found = findRole(world, arn);
  if (!found) throw new EmuError(404, 'EntityNotExist.Role', 'The specified Role not exists.');
  const { account, role } = found;
  const max = maxSessionDuration(role);
  const duration = p['DurationSeconds'] === undefined ? Math.min(3600, max) : Number(p['DurationSeconds']);
  if (!Number.isInteger(duration) || duration < 900 || duration > max) {
    throw bad('InvalidParameter.DurationSeconds', `The Min/Max value of DurationSeconds is 15min/${max / 3600}hr.`);
  }
  const caller = req.caller.accountId;
  if (caller !== account.id && !role.trustedAccounts.includes(caller)) {
    throw new EmuError(403, 'NoPermission', 'You are not authorized to do this action. You should be authorized by RAM.');
  }
  const key: EmuAccessKey = {
    accessKeyId: `STS.${randomText(24)}`,
    accessKeySecret: randomText(44),
    securityToken: `CAIS${randomBytes(96).toString('base64')}`,
    accountId: account.id,
    assumedRoleArn: arn.replace(/role\/(.+)$/, (_m, n: string) => `role/${n.toLowerCase()}`),
    expiration: isoSeconds(Date.now() + duration * 1000),
    sessionName: session,
  };
  world.accessKeys.set(key.accessKeyId, key);
  sessions.set(key, session);
  const body = {
    RequestId: req.requestId,
    AssumedRoleUser: {
      AssumedRoleId: `${roleId(account.id, role.name)}:${session}`,
      Arn: `${key.assumedRoleArn}/${session}`,
    },
    Credentials: {
      SecurityToken: key.securityToken,
      Expiration: key.expiration,
      AccessKeySecret: key.accessKeySecret,
      AccessKeyId: key.accessKeyId,
    },
  };
  return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

function getCallerIdentity(req: EmuRequest, world: World): EmuResponse {
  const { accountId, accessKeyId, assumedRoleArn } = req.caller;
  const key = world.accessKeys.get(accessKeyId);
  let identity: Record<string, string>;
  if (assumedRoleArn && key) {
    const roleName = findRole(world, assumedRoleArn)?.role.name ?? assumedRoleArn.replace(/^.*role\//, '');
    const session = sessions.get(key) ?? 'session';
    const id = roleId(accountId, roleName);
    identity = {
      IdentityType: 'AssumedRoleUser',
      AccountId: accountId,
      Arn: `acs:ram::${accountId}:assumed-role/${roleName}/${session}`,
      RoleId: id,
      PrincipalId: `${id}:${session}`,
    };
  } else {
    identity = { IdentityType: 'Account', AccountId: accountId, Arn: `acs:ram::${accountId}:root`, UserId: accountId, PrincipalId: accountId };
  }
  return { status: 200, headers: JSON_HEADERS, body: JSON.stringify({ RequestId: req.requestId, ...identity }) };
}

export const stsService: ServiceHandler = (req, world) => {
  switch (req.action) {
    case 'AssumeRole':
      return assumeRole(req, world);
    case 'GetCallerIdentity':
      return getCallerIdentity(req, world);
    default:
      throw new EmuError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
  }
};
