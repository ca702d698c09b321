/**
 * Resource Manager 2020-03-31 (POP RPC, host resourcemanager.aliyuncs.com): the Resource Directory
 * calls the project needs to find the accounts an organization trail covers.
 *
 * - ListAccounts: PageNumber (default 1), PageSize (default 10, 1..100); every account of the
 *   directory, the management account included (the real API lists it too, as a CloudAccount).
 * - GetAccount: one account of the directory.
 *
 * Only the management account may call them. An account outside any Resource Directory gets
 * EntityNotExists.ResourceDirectory (404, the documented code and message); a member gets
 * 403 NoPermission (the real API also refuses members; the exact code it uses is not documented).
 */
import { createHash } from 'node:crypto';
import type { EmuAccount, World } from '../state';
import { EmuError, type EmuRequest, type EmuResponse, type ServiceHandler } from '../types';

const JSON_HEADERS = { 'content-type': 'application/json;charset=utf-8' };

/** What a Resource Directory looks like from the world: its id, root folder and accounts in join order. */
interface Directory {
  id: string;
  rootFolderId: string;
  management: EmuAccount;
  accounts: EmuAccount[];
}

/** Join time per account, fixed the first time the account is listed (stable across pages and calls). */
const joinTimes = new WeakMap<EmuAccount, string>();

function joinTime(account: EmuAccount): string {
  let t = joinTimes.get(account);
  if (!t) {
    t = new Date().toISOString();
    joinTimes.set(account, t);
  }
  return t;
}

function shortHash(s: string, len: number): string {
  return createHash('sha256').update(s).digest('base64url').replace(/[-_]/g, 'x').slice(0, len);
}

/** The directory, or undefined when no account manages one (RD not enabled). */
export function resourceDirectory(world: World): Directory | undefined {
  const all = [...world.accounts.values()];
  const management = all.find((a) => a.rdRole === 'management');
  if (!management) return undefined;
  const id = world.resourceDirectoryId ?? `rd-${shortHash(management.id, 6)}`;
  return {
    id,
    rootFolderId: `r-${shortHash(id, 6)}`,
    management,
    // Management account first, then members in the order they joined (the world's insertion order).
    accounts: [management, ...all.filter((a) => a.rdRole === 'member')],
  };
}

/** The directory the caller manages; refuses accounts outside a directory and members. */
function callersDirectory(req: EmuRequest, world: World): Directory {
  const dir = resourceDirectory(world);
  const caller = world.accounts.get(req.caller.accountId);
  if (!dir || !caller?.rdRole) {
    throw new EmuError(
      404,
      'EntityNotExists.ResourceDirectory',
      'The resource directory for the account is not enabled. We recommend that you first enable the resource directory for the account.',
    );
  }
  if (caller.id !== dir.management.id) {
    throw new EmuError(403, 'NoPermission', 'Only the management account of the resource directory can perform this operation.');
  }
  return dir;
}

function accountView(dir: Directory, a: EmuAccount): Record<string, string> {
  const isManagement = a.id === dir.management.id;
  const t = joinTime(a);
  return {
    AccountId: a.id,
    DisplayName: a.displayName,
    AccountName: `${a.displayName.toLowerCase().replace(/[^a-z0-9-]/g, '-')}@${dir.id}.aliyunid.com`,
    Type: isManagement ? 'CloudAccount' : 'ResourceAccount',
    Status: isManagement ? 'InviteSuccess' : 'CreateSuccess',
    JoinMethod: isManagement ? 'invited' : 'created',
    FolderId: dir.rootFolderId,
    ResourceDirectoryId: dir.id,
    ResourceDirectoryPath: `${dir.id}/${dir.rootFolderId}/${a.id}`,
    JoinTime: t,
    ModifyTime: t,
  };
}

/** A positive integer parameter within [min, max], or the default; InvalidParameter otherwise. */
function intParam(params: Record<string, string>, name: string, def: number, min: number, max: number): number {
  const raw = params[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new EmuError(400, 'InvalidParameter', `The specified parameter "${name}" is not valid.`);
  }
  return n;
}

function listAccounts(req: EmuRequest, world: World): EmuResponse {
  const dir = callersDirectory(req, world);
  const pageNumber = intParam(req.params, 'PageNumber', 1, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = intParam(req.params, 'PageSize', 10, 1, 100);
  const start = (pageNumber - 1) * pageSize;
  const page = dir.accounts.slice(start, start + pageSize).map((a) => accountView(dir, a));
  return {
    status: 200,
    headers: JSON_HEADERS,
    body: JSON.stringify({
      RequestId: req.requestId,
      TotalCount: dir.accounts.length,
      PageNumber: pageNumber,
      PageSize: pageSize,
      Accounts: { Account: page },
    }),
  };
}

function getAccount(req: EmuRequest, world: World): EmuResponse {
  const dir = callersDirectory(req, world);
  const id = req.params['AccountId'];
  if (!id) throw new EmuError(400, 'MissingParameter', 'The input parameter "AccountId" that is mandatory for processing this request is not supplied.');
  const account = dir.accounts.find((a) => a.id === id);
  if (!account) throw new EmuError(404, 'EntityNotExists.Account', 'This resource directory account does not exist.');
  return { status: 200, headers: JSON_HEADERS, body: JSON.stringify({ RequestId: req.requestId, Account: accountView(dir, account) }) };
}

const ACTIONS: Record<string, (req: EmuRequest, world: World) => EmuResponse> = {
  ListAccounts: listAccounts,
  GetAccount: getAccount,
};

export const resourcemanagerService: ServiceHandler = (req, world) => {
  const action = req.action ? ACTIONS[req.action] : undefined;
  if (!action) {
    throw new EmuError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
  }
  return action(req, world);
};
