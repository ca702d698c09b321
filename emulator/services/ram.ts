/**
 * RAM 2015-05-01 (POP RPC, host ram.aliyuncs.com), the part the project reads:
 *
 * - GetRole(RoleName) in the caller's account → Role {RoleId, RoleName, Arn, Description,
 *   AssumeRolePolicyDocument, CreateDate, UpdateDate, MaxSessionDuration}. The trust policy is a
 *   JSON string as RAM stores it: Statement[].Principal.Service lists the trusted services and
 *   Principal.RAM the trusted accounts ("acs:ram::<id>:root"). Missing role → 404
 *   EntityNotExist.Role; missing RoleName → 400 MissingRoleName.
 *
 * Role ids are stable digests of account and name (real ids are opaque 19-digit numbers).
 */
import { createHash } from 'node:crypto';
import { roleArn, type EmuRole, type World } from '../state';
import { EmuError, type EmuRequest, type EmuResponse, type ServiceHandler } from '../types';

const JSON_HEADERS = { 'content-type': 'application/json;charset=utf-8' };
const DEFAULT_MAX_SESSION = 3600;

/** A role's 19-digit id, stable for an account and (case-insensitive) role name. */
export function roleId(accountId: string, roleName: string): string {
  const h = createHash('sha256').update(`${accountId}/${roleName.toLowerCase()}`).digest();
  return (3n * 10n ** 18n + (h.readBigUInt64BE(0) % (10n ** 18n))).toString();
}

/** The role's MaxSessionDuration (seconds): a seed may set maxSessionDuration, else RAM's default 3600. */
export function maxSessionDuration(role: EmuRole): number {
  const v = (role as EmuRole & { maxSessionDuration?: number }).maxSessionDuration;
  return typeof v === 'number' && v >= 3600 && v <= 43200 ? v : DEFAULT_MAX_SESSION;
}

/** The trust policy as RAM returns it (a JSON document in a string). */
export function trustPolicy(role: EmuRole): string {
  const principal: Record<string, string[]> = {};
  if (role.trustedAccounts.length > 0) principal['RAM'] = role.trustedAccounts.map((a) => `acs:ram::${a}:root`);
  if (role.trustedServices.length > 0) principal['Service'] = [...role.trustedServices];
  const doc = { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: principal }], Version: '1' };
  return JSON.stringify(doc, null, 2);
}

const created = new WeakMap<EmuRole, string>();

/** Creation time, fixed the first time the role is read (ISO 8601 without milliseconds, as RAM). */
function createDate(role: EmuRole): string {
  let t = created.get(role);
  if (!t) {
    t = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    created.set(role, t);
  }
  return t;
}

function getRole(req: EmuRequest, world: World): EmuResponse {
  const name = req.params['RoleName'];
  if (!name) throw new EmuError(400, 'MissingRoleName', 'RoleName is mandatory for this action.');
  const account = world.accounts.get(req.caller.accountId);
  const role = account?.roles.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (!account || !role) throw new EmuError(404, 'EntityNotExist.Role', `The role not exists: ${name}.`);
  const date = createDate(role);
  const body = {
    RequestId: req.requestId,
    Role: {
      RoleId: roleId(account.id, role.name),
      RoleName: role.name,
      Arn: roleArn(account.id, role.name),
      Description: '',
      AssumeRolePolicyDocument: trustPolicy(role),
      CreateDate: date,
      UpdateDate: date,
      MaxSessionDuration: maxSessionDuration(role),
    },
  };
  return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

export const ramService: ServiceHandler = (req, world) => {
  switch (req.action) {
    case 'GetRole':
      return getRole(req, world);
    default:
      throw new EmuError(404, 'InvalidAction.NotFound', `Specified api is not found, please check your url and method.`);
  }
};
