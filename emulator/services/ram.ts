/**
 * RAM 2015-05-01 (POP RPC, host ram.aliyuncs.com), the part the project reads:
 *
 * - GetRole(RoleName) in the caller's account → Role {RoleId, RoleName, Arn, Description,
 *   AssumeRolePolicyDocument, CreateDate, UpdateDate, MaxSessionDuration}. The trust policy is a
 *   JSON string as RAM stores it: Statement[].Principal.Service lists the trusted services and
 *   Principal.RAM the trusted accounts ("acs:ram::<id>:root"). Missing role → 404
 *   EntityNotExist.Role; missing RoleName → 400 MissingRoleName.
 *
 * - UpdateRole(RoleName, NewAssumeRolePolicyDocument) replaces the trust policy (RAM 2015-05-01
 *   UpdateRoleRequest model: NewAssumeRolePolicyDocument, NewDescription, NewMaxSessionDuration)
 *   and answers the role as GetRole does. The document is kept as sent and answered back by GetRole
 *   (statements the emulator does not model, e.g. a Condition or a Deny, are not lost); what it
 *   models for STS and EventBridge are the Service and RAM principals of Allow sts:AssumeRole
 *   statements (a Condition is not evaluated). A document that is not a JSON
 *   policy → 400 MalformedPolicyDocument (code unverified). RAM documents no length limit for a
 *   trust policy (limits page: custom policies 6,144 characters; an older version of the same page,
 *   help doc-detail/28753, says 2,048), so none is enforced here.
 *
 * Role ids are stable digests of account and name (real ids are opaque 19-digit numbers).
 */
import { createHash } from 'node:crypto';
import { roleArn, type EmuAccount, type EmuRole, type World } from '../state';
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

/**
 * Trust policies as UpdateRole stored them, with the principals read from them then. RAM keeps the
 * whole document (Deny statements, Conditions, other principals: GetRoleResponseBodyRole /
 * UpdateRoleResponseBodyRole AssumeRolePolicyDocument is "the trust policy"), so GetRole answers
 * it as sent, as long as the role's modelled principals have not been changed since (tests and
 * seeds change trustedServices / trustedAccounts directly; the document is then rebuilt from them).
 * A role seeded with `trustDocument` answers that document verbatim, and UpdateRole replaces it.
 */
const storedTrust = new WeakMap<EmuRole, { document: string; services: string; accounts: string }>();
const principalKey = (list: string[]) => JSON.stringify([...list].sort());

/** The trust policy as RAM returns it (a JSON document in a string). */
export function trustPolicy(role: EmuRole): string {
  if (role.trustDocument !== undefined) return role.trustDocument;
  const stored = storedTrust.get(role);
  if (stored && stored.services === principalKey(role.trustedServices) && stored.accounts === principalKey(role.trustedAccounts)) return stored.document;
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

function callersRole(req: EmuRequest, world: World): { account: EmuAccount; role: EmuRole } {
  const name = req.params['RoleName'];
  if (!name) throw new EmuError(400, 'MissingRoleName', 'RoleName is mandatory for this action.');
  const account = world.accounts.get(req.caller.accountId);
  const role = account?.roles.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (!account || !role) throw new EmuError(404, 'EntityNotExist.Role', `The role not exists: ${name}.`);
  return { account, role };
}

function roleAnswer(req: EmuRequest, account: EmuAccount, role: EmuRole): EmuResponse {
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

function getRole(req: EmuRequest, world: World): EmuResponse {
  const { account, role } = callersRole(req, world);
  return roleAnswer(req, account, role);
}

interface TrustStatement {
  Effect?: unknown;
  Action?: unknown;
  Principal?: { Service?: unknown; RAM?: unknown };
}

function updateRole(req: EmuRequest, world: World): EmuResponse {
  const { account, role } = callersRole(req, world);
  const raw = req.params['NewAssumeRolePolicyDocument'];
  if (raw !== undefined) {
    let doc: { Statement?: unknown };
    try {
      doc = JSON.parse(raw) as { Statement?: unknown };
    } catch {
      throw new EmuError(400, 'MalformedPolicyDocument', 'The policy document is malformed.');
    }
    if (!doc || typeof doc !== 'object' || !Array.isArray(doc.Statement)) throw new EmuError(400, 'MalformedPolicyDocument', 'The policy document is malformed.');
    const services = new Set<string>();
    const accounts = new Set<string>();
    const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
    for (const st of doc.Statement as TrustStatement[]) {
      if (st.Effect !== 'Allow' || !list(st.Action).includes('sts:AssumeRole')) continue;
      for (const s of list(st.Principal?.Service)) services.add(s);
      for (const r of list(st.Principal?.RAM)) {
        const m = /^acs:ram::(\d+):root$/.exec(r) ?? /^(\d+)$/.exec(r);
        if (m) accounts.add(m[1]!);
      }
    }
    role.trustedServices = [...services];
    role.trustedAccounts = [...accounts];
    if (role.trustDocument !== undefined) role.trustDocument = raw;
    else storedTrust.set(role, { document: raw, services: principalKey(role.trustedServices), accounts: principalKey(role.trustedAccounts) });
  }
  return roleAnswer(req, account, role);
}

export const ramService: ServiceHandler = (req, world) => {
  switch (req.action) {
    case 'GetRole':
      return getRole(req, world);
    case 'UpdateRole':
      return updateRole(req, world);
    default:
      throw new EmuError(404, 'InvalidAction.NotFound', `Specified api is not found, please check your url and method.`);
  }
};
