/**
 * The member event route of the tamper response: EventBridge cross-account routing from a member
 * account's default bus to the management account's receiving bus, where the tamper function's
 * trigger rule listens (docs/deploy.md, "The tamper response"; EventBridge "Route events across
 * Alibaba Cloud accounts").
 *
 * ensureMemberEventRoute() makes it so, idempotently, and writes nothing when it already is:
 * 1. receiver side (management account credentials): the receiver role (TRAIL_EVENT_ROUTE_ROLE)
 *    must exist, and its trust policy must name the Service principal
 *    "<member>@eventbridge.aliyuncs.com"; a missing principal is added with RAM UpdateRole (one
 *    role only, the rest of the document kept). A document that would pass
 *    TRAIL_EVENT_ROUTE_TRUST_MAX_CHARS is refused before any write (TrustPolicyTooLong);
 * 2. member side (the member role's credentials): EventBridge's service-linked role for ActionTrail
 *    events (AliyunServiceRoleForEventBridgeSourceActionTrail), made if CheckServiceLinkedRoleForProduct
 *    says it is missing; then rule TRAIL_EVENT_ROUTE_RULE on the member's
 *    default bus, with the tamper pattern (the tamper trigger's types and event names) and exactly
 *    one acs.eventbridge target (EventBridge "Event target parameters": RegionId, AccountType
 *    AnotherAccount, AccountId, EventBusName, RAMRoleName, Body ORIGINAL) pointing at the receiving
 *    bus. Missing → CreateRule; another pattern → UpdateRule; other targets → PutTargets (ours)
 *    then DeleteTargets (the others); DISABLE → EnableRule.
 * The receiver side goes first, so a rule never routes to a role that does not trust it yet.
 *
 * Unconfigured (no TRAIL_EVENT_ROUTE_ROLE), it does nothing and says "not-configured"; it never
 * throws: a failure is in the outcome, for the caller to report beside the trail work (which it
 * never undoes). Trust-policy updates of one role are serialised within an instance (read, add,
 * write under one lock); two instances racing may lose a principal, which the next sweep adds back.
 */
import { ProvisionError, errorSummary, isRetryableFailure } from '../core/errors';
import { retrier } from '../core/retry';
import { ACCOUNT_ID } from '../core/arn';
import { createEventBridgeClient, type EventRule, type EventTarget } from '../cloud/eventbridge';
import { createRamClient } from '../cloud/ram';
import { createResourceManagerClient } from '../cloud/resourcemanager';
import { createStsClient } from '../cloud/sts';
import { invalidConfig } from './config';
import { silentLogger, type Logger } from './log';
import { tamperEventPattern } from './tamper-config';
import type { CredentialsProvider } from '../cloud/types';

/** RAM's documented size limit for a custom policy (RAM "Limits"); no separate figure is documented for a trust policy. */
export const DEFAULT_TRUST_MAX_CHARS = 6144;
export const DEFAULT_ROUTE_RULE = 'trail-provisioner-tamper-route';
/** The Id of the route's one target on the member rule. */
export const ROUTE_TARGET_ID = 'trail-provisioner-tamper-route';
/**
 * The service-linked role EventBridge takes ActionTrail events in with (EventBridge "Service-linked
 * roles": "EventBridge can automatically create" it; when is not said). Made in each member before
 * its rule, as Alibaba's own member-setup sample does, so routing never waits on it.
 */
export const ACTIONTRAIL_SOURCE_SLR = 'AliyunServiceRoleForEventBridgeSourceActionTrail';

export interface EventRouteConfig {
  /** TRAIL_EVENT_ROUTE_ROLE: the receiver role in the management account (unset: the route step is off). */
  role: string;
  /** TRAIL_EVENT_ROUTE_ACCOUNT: the receiving (management) account id; default the function's own account. */
  account?: string;
  /** TRAIL_EVENT_ROUTE_BUS (default "default"): the receiving bus, where the tamper trigger's rule is. */
  bus: string;
  /** TRAIL_EVENT_ROUTE_RULE (default trail-provisioner-tamper-route): the rule's name in each member. */
  rule: string;
  /** TRAIL_EVENT_ROUTE_TRUST_MAX_CHARS (default 6144, 512..65536): longest trust policy the code writes. */
  trustMaxChars: number;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The route's configuration, or undefined when TRAIL_EVENT_ROUTE_ROLE is unset (the route step is off). */
export function loadEventRouteConfig(env: NodeJS.ProcessEnv = process.env): EventRouteConfig | undefined {
  const role = env['TRAIL_EVENT_ROUTE_ROLE']?.trim();
  if (!role) return undefined;
  if (!NAME.test(role)) throw invalidConfig('TRAIL_EVENT_ROUTE_ROLE', 'is not a RAM role name');
  const account = env['TRAIL_EVENT_ROUTE_ACCOUNT']?.trim() || undefined;
  if (account !== undefined && !ACCOUNT_ID.test(account)) throw invalidConfig('TRAIL_EVENT_ROUTE_ACCOUNT', 'must be a 16-digit account id');
  const bus = env['TRAIL_EVENT_ROUTE_BUS']?.trim() || 'default';
  if (!/^[A-Za-z0-9_-]{1,127}$/.test(bus)) throw invalidConfig('TRAIL_EVENT_ROUTE_BUS', 'is not an event bus name');
  const rule = env['TRAIL_EVENT_ROUTE_RULE']?.trim() || DEFAULT_ROUTE_RULE;
  if (!NAME.test(rule)) throw invalidConfig('TRAIL_EVENT_ROUTE_RULE', 'is not an event rule name');
  const rawMax = env['TRAIL_EVENT_ROUTE_TRUST_MAX_CHARS']?.trim();
  const trustMaxChars = rawMax ? Number(rawMax) : DEFAULT_TRUST_MAX_CHARS;
  if (!/^\d+$/.test(rawMax ?? '0') || trustMaxChars < 512 || trustMaxChars > 65536) throw invalidConfig('TRAIL_EVENT_ROUTE_TRUST_MAX_CHARS', 'must be an integer from 512 to 65536');
  return { role, account, bus, rule, trustMaxChars };
}

/** Writes the route step may make, by name (as in the reports). */
export type RouteAction = 'UpdateRole' | 'CreateServiceLinkedRoleForProduct' | 'CreateRule' | 'UpdateRule' | 'PutTargets' | 'DeleteTargets' | 'EnableRule';

export interface EventRouteOutcome {
  accountId: string;
  /** not-configured: no TRAIL_EVENT_ROUTE_ROLE; receiver: the account is the receiving one (its events are on its bus already). */
  status: 'not-configured' | 'receiver' | 'compliant' | 'fixed' | 'planned' | 'failed';
  rule?: string;
  /** What was not as it should be (before any fix). */
  drift: string[];
  done: RouteAction[];
  planned: RouteAction[];
  error?: { Code: string; Message: string; RequestId?: string };
  retryable?: boolean;
}

export interface EventRouteDeps {
  /** The route's configuration; absent: read from `env` (loadEventRouteConfig). */
  route?: EventRouteConfig;
  /** Region of the member bus and of the receiving bus (cross-account routing is same-region only). */
  region: string;
  /** Management account credentials (RAM on the receiver role; STS GetCallerIdentity when no account is configured). */
  managementCredentials: CredentialsProvider;
  /** The member role's credentials in the member account. */
  memberCredentials: CredentialsProvider;
  /** The event types the tamper trigger matches (the pattern is tamperEventPattern() of them). */
  eventTypes: readonly string[];
  /** The management account id when known (the function's own account). */
  selfAccountId?: string;
  /**
   * True when the caller knows the account is a Resource Directory member (Resource Manager said
   * so in this invocation) or one the configuration names. Otherwise GetAccount is asked first: an
   * account outside the directory is refused (AccountNotAllowed) before any write, so no event or
   * payload naming a foreign account can get its EventBridge into the receiver role's trust.
   */
  memberVerified?: boolean;
  env?: NodeJS.ProcessEnv;
  dryRun?: boolean;
  logger?: Logger;
  deadline?: number;
}

/** The rule's pattern: the tamper trigger's, as s.yaml deploys it (tamperEventPattern). */
export function routePattern(eventTypes: readonly string[]): string {
  return JSON.stringify(tamperEventPattern(eventTypes));
}

/** The one target: the receiving bus of the management account, through the receiver role. */
export function routeTarget(region: string, account: string, route: EventRouteConfig): EventTarget {
  return {
    Id: ROUTE_TARGET_ID,
    Type: 'acs.eventbridge',
    Endpoint: `acs:eventbridge:${region}:${account}:eventbus/${route.bus}`,
    PushRetryStrategy: 'BACKOFF_RETRY',
    ParamList: [
      { ResourceKey: 'RegionId', Form: 'CONSTANT', Value: region },
      { ResourceKey: 'AccountType', Form: 'CONSTANT', Value: 'AnotherAccount' },
      { ResourceKey: 'AccountId', Form: 'CONSTANT', Value: account },
      { ResourceKey: 'EventBusName', Form: 'CONSTANT', Value: route.bus },
      { ResourceKey: 'RAMRoleName', Form: 'CONSTANT', Value: route.role },
      { ResourceKey: 'Body', Form: 'ORIGINAL' },
    ],
  };
}

/**
 * JSON with object keys sorted and value lists sorted (entries compared as canonical JSON, so
 * condition objects such as {"suffix": "Trail"} sort too): two patterns that mean the same compare
 * equal. A `numeric` list keeps its order (operator, value, operator, value).
 */
function canonical(v: unknown): string {
  const norm = (x: unknown, key?: string): unknown => {
    if (Array.isArray(x)) {
      const items = x.map((i) => norm(i));
      if (key === 'numeric') return items;
      return items.map((i) => [JSON.stringify(i), i] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, i]) => i);
    }
    if (x && typeof x === 'object') return Object.fromEntries(Object.keys(x as object).sort().map((k) => [k, norm((x as Record<string, unknown>)[k], k)]));
    return x;
  };
  return JSON.stringify(norm(v));
}

function samePattern(a: string, b: string): boolean {
  try {
    return canonical(JSON.parse(a)) === canonical(JSON.parse(b));
  } catch {
    return false;
  }
}

/** Whether a target is ours as it should be: type, endpoint and each of our params (extra defaults the service adds are tolerated). */
function sameTarget(have: EventTarget, want: EventTarget): boolean {
  if (have.Type !== want.Type || have.Endpoint !== want.Endpoint) return false;
  return want.ParamList.every((w) => have.ParamList.some((h) => h.ResourceKey === w.ResourceKey && h.Form === w.Form && (w.Value === undefined || h.Value === w.Value)));
}

/** What differs between the rule and what it should be (empty: nothing). */
export function ruleDrift(rule: EventRule, pattern: string, target: EventTarget): string[] {
  const drift: string[] = [];
  if (!samePattern(rule.FilterPattern, pattern)) drift.push('FilterPattern');
  if (rule.Targets.length !== 1 || !sameTarget(rule.Targets[0]!, target)) drift.push('Targets');
  if (rule.Status.toUpperCase() !== 'ENABLE') drift.push('Status');
  return drift;
}

interface TrustStatement {
  Effect?: string;
  Action?: string | string[];
  Principal?: { Service?: string | string[]; RAM?: string | string[]; [k: string]: unknown };
  Condition?: unknown;
  [k: string]: unknown;
}

/**
 * The trust policy with `principal` added as a Service principal: to the Allow sts:AssumeRole
 * statement (without a Condition) that already trusts EventBridge principals, else to the first
 * such statement with Service principals, else in a statement of its own. The rest is kept.
 */
export function withServicePrincipal(document: string, principal: string): string {
  const refuse = (why: string) => new ProvisionError({ code: 'InvalidConfiguration', status: 500, message: `The receiver role trust policy ${why}; it is left as is.` });
  let doc: { Version?: string; Statement?: TrustStatement[]; [k: string]: unknown };
  // Rewritten only when every part of it is understood: a document read wrong would be written
  // back without what was not understood (another principal, a statement), or malformed.
  if (!document.trim()) throw refuse('was not returned (empty)');
  try {
    doc = JSON.parse(document) as typeof doc;
  } catch {
    throw refuse('is not JSON');
  }
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(doc) || !Array.isArray(doc.Statement)) throw refuse('is not a policy document with a Statement list');
  if (!numbersSurvive(document)) throw refuse('holds a number JSON cannot carry exactly (it would change when written back)');
  const strings = (v: unknown) => v === undefined || typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
  if (!doc.Statement.every((s) => isObject(s) && strings(s.Action) && strings(s.Effect) && (s.Principal === undefined || typeof s.Principal === 'string' || (isObject(s.Principal) && strings(s.Principal.Service))))) {
    throw refuse('has a statement of an unexpected form');
  }
  doc.Version ??= '1';
  const statements = doc.Statement;
  const assumes = (s: TrustStatement) => s.Effect === 'Allow' && ([] as string[]).concat(s.Action ?? []).includes('sts:AssumeRole') && s.Condition === undefined;
  const services = (s: TrustStatement) => ([] as string[]).concat(s.Principal?.Service ?? []);
  const target =
    statements.find((s) => assumes(s) && services(s).some((x) => x.endsWith('@eventbridge.aliyuncs.com'))) ??
    statements.find((s) => assumes(s) && services(s).length > 0);
  if (target) target.Principal = { ...target.Principal, Service: [...services(target), principal] };
  else statements.push({ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: [principal] } });
  return JSON.stringify(doc);
}

/** Whether every number in the JSON text keeps its value through JSON.parse (a 20-digit Condition value would not). */
function numbersSurvive(text: string): boolean {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '-' || (c >= '0' && c <= '9')) {
      const token = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))?.[0] ?? c;
      // Up to 15 significant digits, a decimal reads back as the same value (written maybe as 3e+21 for 3e21).
      const digits = token.replace(/^-/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
      if (digits.length > 15 && !(/^-?\d+$/.test(token) && Number.isSafeInteger(Number(token)))) return false;
      i += token.length - 1;
    }
  }
  return true;
}

/** Whether a Deny statement of the trust policy covers sts:AssumeRole by `principal` (a document that is not understood denies nothing here: it is refused later). */
export function deniesService(document: string, principal: string): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(document);
  } catch {
    return false;
  }
  const statements = doc && typeof doc === 'object' && Array.isArray((doc as { Statement?: unknown }).Statement) ? ((doc as { Statement: unknown[] }).Statement as TrustStatement[]) : [];
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
  return statements.some(
    (s) =>
      s !== null &&
      typeof s === 'object' &&
      s.Effect === 'Deny' &&
      list(s.Action).some((a) => a === 'sts:AssumeRole' || a === 'sts:*' || a === '*') &&
      ((s.Principal as unknown) === '*' || (typeof s.Principal === 'object' && s.Principal !== null && list(s.Principal.Service).some((x) => x === principal || x === '*'))),
  );
}

/** One lock per receiver role and instance: its trust policy is read, extended and written by one caller at a time. */
const trustLocks = new Map<string, Promise<unknown>>();
function underLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = trustLocks.get(key) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => undefined);
  trustLocks.set(key, tail);
  void tail.then(() => {
    if (trustLocks.get(key) === tail) trustLocks.delete(key);
  });
  return run;
}

/** The receiving account: configured, else the function's own (known, or asked from STS once). */
async function receivingAccount(deps: EventRouteDeps, route: EventRouteConfig): Promise<string> {
  if (route.account) return route.account;
  if (deps.selfAccountId) return deps.selfAccountId;
  const me = await createStsClient({ region: deps.region, credentials: deps.managementCredentials, env: deps.env }).getCallerIdentity();
  return me.accountId;
}

/** Ensures the member event route of `accountId` (see the module comment); never throws. */
export async function ensureMemberEventRoute(accountId: string, deps: EventRouteDeps): Promise<EventRouteOutcome> {
  let route: EventRouteConfig | undefined;
  try {
    route = 'route' in deps ? deps.route : loadEventRouteConfig(deps.env);
  } catch (e) {
    return { accountId, status: 'failed', drift: [], done: [], planned: [], error: errorSummary(e), retryable: false };
  }
  if (!route) return { accountId, status: 'not-configured', drift: [], done: [], planned: [] };
  const log = (deps.logger ?? silentLogger).child({ step: 'event-route', accountId });
  const { call } = retrier(deps.deadline ? { deadline: deps.deadline } : {}, deps.logger);
  const out: EventRouteOutcome = { accountId, status: 'compliant', rule: route.rule, drift: [], done: [], planned: [] };
  const act = async (a: RouteAction, fn: () => Promise<unknown>) => {
    out.planned.push(a);
    if (deps.dryRun) return;
    await call(a === 'UpdateRole' ? 'ram:UpdateRole' : `eventbridge:${a}`, fn);
    out.done.push(a);
  };
  try {
    const receiver = await receivingAccount(deps, route);
    if (receiver === accountId) return { accountId, status: 'receiver', rule: route.rule, drift: [], done: [], planned: [] };

    // 0. Only a member of the directory (or a configured account) is routed.
    if (!deps.memberVerified) {
      const rm = createResourceManagerClient({ region: deps.region, credentials: deps.managementCredentials, env: deps.env });
      if ((await call('resourcemanager:GetAccount', () => rm.getAccount(accountId))) === undefined) {
        throw new ProvisionError({
          code: 'AccountNotAllowed',
          status: 403,
          message: `Account ${accountId} is not a member of this Resource Directory: its EventBridge is not given the receiver role ${route.role} (nothing was written).`,
        });
      }
    }

    // 1. The receiver role trusts the member's EventBridge.
    const ram = createRamClient({ region: deps.region, credentials: deps.managementCredentials, env: deps.env });
    const principal = `${accountId}@eventbridge.aliyuncs.com`;
    await underLock(`${receiver}/${route.role.toLowerCase()}`, async () => {
      const role = await call('ram:GetRole', () => ram.getRole(route.role));
      if (!role) throw new ProvisionError({ code: 'InvalidConfiguration', status: 500, message: `The receiver role ${route.role} (TRAIL_EVENT_ROUTE_ROLE) does not exist in account ${receiver}.` });
      // RAM answers for the credentials' own account: a receiving account configured elsewhere
      // would have this account's role of that name widened for a bus it does not own.
      const owner = /^acs:ram::(\d+):role\//.exec(role.arn)?.[1];
      if (owner !== receiver) {
        throw new ProvisionError({
          code: 'InvalidConfiguration',
          status: 500,
          message: `TRAIL_EVENT_ROUTE_ACCOUNT is ${receiver}, but the receiver role ${route.role} read with this function's credentials is in account ${owner ?? '?'}: the receiving account must be the one the function runs in; nothing was written.`,
          fields: [{ pointer: '/TRAIL_EVENT_ROUTE_ACCOUNT', rule: 'ownAccount', message: 'TRAIL_EVENT_ROUTE_ACCOUNT must be the account the function runs in' }],
        });
      }
      // A Deny naming the member's EventBridge was put there by someone: it is not ours to remove,
      // and adding an Allow beside it would report a route that cannot deliver.
      if (deniesService(role.trustPolicy, principal)) {
        throw new ProvisionError({ code: 'InvalidConfiguration', status: 500, message: `The trust policy of ${route.role} (TRAIL_EVENT_ROUTE_ROLE) denies ${principal}; it is left as is, and events of ${accountId} cannot be routed until that statement goes.` });
      }
      if (role.trustedServices.includes(principal)) return;
      out.drift.push('TrustPolicy');
      const document = withServicePrincipal(role.trustPolicy, principal);
      if (document.length > route.trustMaxChars) {
        throw new ProvisionError({
          code: 'TrustPolicyTooLong',
          status: 409,
          message: `Adding ${principal} would make the trust policy of ${route.role} ${document.length} characters, over the ${route.trustMaxChars} allowed (TRAIL_EVENT_ROUTE_TRUST_MAX_CHARS); nothing was written.`,
        });
      }
      await act('UpdateRole', () => ram.updateTrustPolicy(route.role, document));
    });

    // 2. The member's rule routes the tamper events to the receiving bus.
    const eb = createEventBridgeClient({ region: deps.region, credentials: deps.memberCredentials, env: deps.env, accountId });
    const pattern = routePattern(deps.eventTypes);
    const target = routeTarget(deps.region, receiver, route);
    if (!(await call('eventbridge:CheckServiceLinkedRoleForProduct', () => eb.checkServiceLinkedRole(ACTIONTRAIL_SOURCE_SLR)))) {
      out.drift.push('ServiceLinkedRole');
      await act('CreateServiceLinkedRoleForProduct', () => eb.createServiceLinkedRole(ACTIONTRAIL_SOURCE_SLR));
    }
    const rule = await call('eventbridge:GetRule', () => eb.getRule('default', route.rule));
    if (!rule) {
      out.drift.push('Rule');
      await act('CreateRule', () =>
        eb.createRule({ EventBusName: 'default', RuleName: route.rule, FilterPattern: pattern, Targets: [target], Status: 'ENABLE', Description: 'trail-provisioner: ActionTrail trail writes to the tamper function (management account)' }),
      );
    } else {
      const drift = ruleDrift(rule, pattern, target);
      out.drift.push(...drift);
      if (drift.includes('FilterPattern')) await act('UpdateRule', () => eb.updateRule('default', route.rule, pattern, 'ENABLE'));
      else if (drift.includes('Status')) await act('EnableRule', () => eb.enableRule('default', route.rule));
      if (drift.includes('Targets')) {
        await act('PutTargets', () => eb.putTargets('default', route.rule, [target]));
        const others = rule.Targets.map((t) => t.Id).filter((id) => id !== target.Id);
        if (others.length > 0) await act('DeleteTargets', () => eb.deleteTargets('default', route.rule, others));
      }
    }
    out.status = out.planned.length === 0 ? 'compliant' : deps.dryRun ? 'planned' : 'fixed';
    if (out.planned.length > 0) log.info(deps.dryRun ? 'event route would be fixed' : 'event route fixed', { drift: out.drift, actions: deps.dryRun ? out.planned : out.done });
    return out;
  } catch (e) {
    const summary = errorSummary(e);
    log.error('event route failed', { code: summary.Code, message: summary.Message, done: out.done });
    return { ...out, status: 'failed', error: summary, retryable: isRetryableFailure(e) };
  }
}
