/**
 * Account vending: make a newly vended member account's trails exist and log.
 *
 * Input is one account id with its specs (or none: then the configured baseline applies). The
 * work happens in the member account through STS AssumeRole into the configured member role,
 * using the function role's credentials as the base. Every spec is validated before anything is
 * written (one bad spec rejects the whole event with every failing field listed); valid specs
 * are then ensured concurrently, with a bound, and each outcome is reported on its own. A partial
 * failure keeps what succeeded (ensureTrail is idempotent).
 *
 * `vendAccount` never throws: failures are in the result, each marked `retryable` when running the
 * event again may help (throttling, 5xx, unexpected errors). `assertVended` throws when a failure
 * should fail the invocation, so FC's async retry and dead-letter destination take over: any
 * failure (TRAIL_VENDING_FAIL_ON=any, the default), or only retryable ones (=retryable; an invalid
 * spec or a missing bucket fails the same way on every retry).
 */
import { memberCredentials, roleSessionName } from '../platform/accounts';
import { auditSink } from '../platform/audit';
import type { Guard } from '../core/guardrails';
import { createCloud } from '../cloud';
import { createResourceManagerClient } from '../cloud/resourcemanager';
import { ACCOUNT_ID } from '../core/arn';
import { retrier } from '../core/retry';
import { mapSettled } from '../core/concurrency';
import { REGION, loadGuardSources, type Config } from '../platform/config';
import { ProvisionError, errorSummary, isRetryableFailure, type FieldError } from '../core/errors';
import { silentLogger, type Logger } from '../platform/log';
import { ensureValidTrail, type EnsureResult } from '../core/provisioner';
import { validateSpecs } from '../core/schema';
import { ensureMemberEventRoute, type EventRouteOutcome } from '../platform/event-route';
import { routeEventTypes } from '../platform/tamper-config';
import type { ClientOptions } from '../cloud/options';
import type { CredentialsProvider } from '../cloud/types';
import type { TrailSpec } from '../core/spec';

export interface VendingRequest {
  /** The member account to provision. */
  accountId: string;
  /** Specs to apply; absent → the configured baseline. Unvalidated input. */
  specs?: unknown;
  /** Home region (ActionTrail endpoint) override; default the configured home region. */
  region?: string;
  /** Where the request came from, for the logs ("custom" event, "resource-directory" event, ...). */
  origin: string;
  /** The triggering event id, for the logs. */
  eventId?: string;
}

export interface VendingDeps {
  config: Config;
  /** Base credentials (the function role's); used to assume the member role. */
  credentials: CredentialsProvider;
  /** Environment for endpoint resolution (emulator mode, overrides). */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Retry deadline, epoch ms. */
  deadline?: number;
  /** Overrides config.dryRun. */
  dryRun?: boolean;
  /** Directory TRAIL_BASELINE_FILE is relative to. */
  baseDir?: string;
}

/** The outcome of one spec: the ensure result, or the error as the API envelope fields. */
export interface SpecOutcome {
  name: string;
  ok: boolean;
  result?: EnsureResult;
  error?: { Code: string; Message: string; RequestId?: string };
  /** On failure: true when running the event again may help (see isRetryableFailure). */
  retryable?: boolean;
}

/** Why a vending request was rejected before any spec ran, with every failing field. */
export interface VendingError {
  Code: string;
  Message: string;
  RequestId?: string;
  Errors?: FieldError[];
}

export interface VendingResult {
  accountId: string;
  region: string;
  origin: string;
  eventId?: string;
  dryRun: boolean;
  ok: boolean;
  outcomes: SpecOutcome[];
  /** Set when the request was rejected before any spec ran (malformed event, bad account id, region or specs, no baseline). */
  error?: VendingError;
  /** True when some failure here is retryable (running the event again may help). */
  retryable: boolean;
  /**
   * The member event route of the tamper response (shared/platform/event-route.ts), ensured after
   * every spec succeeded. Its failure never fails the vending (the trails stay; the sweep retries it).
   */
  eventRoute?: EventRouteOutcome;
}

/** The result for a request rejected before any spec ran. */
export function rejectedVending(
  req: { accountId: string; origin: string; eventId?: string },
  region: string,
  dryRun: boolean,
  e: unknown,
): VendingResult {
  const fields = e instanceof ProvisionError && e.fields.length > 0 ? { Errors: e.fields } : {};
  return {
    accountId: req.accountId,
    region,
    origin: req.origin,
    eventId: req.eventId,
    dryRun,
    ok: false,
    outcomes: [],
    error: { ...errorSummary(e), ...fields },
    retryable: isRetryableFailure(e),
  };
}

/**
 * The specs a request applies, validated, and the guard they are applied under (the policy, the
 * baseline: a custom event's spec may not override a baseline trail); throws (400, every failing
 * field) before any write.
 */
async function requestedSpecs(req: VendingRequest, deps: VendingDeps): Promise<{ specs: TrailSpec[]; guard: Guard }> {
  if (!ACCOUNT_ID.test(req.accountId)) {
    throw new ProvisionError({
      code: 'InvalidQueryParameter',
      message: 'The vending event has no valid member account id.',
      fields: [{ pointer: '/accountId', rule: 'pattern', message: '/accountId must be a 16-digit account id string' }],
    });
  }
  // The region goes into the endpoint host name (the event adapter checks it too, as /data/region).
  if (req.region !== undefined && !REGION.test(req.region)) {
    throw new ProvisionError({
      code: 'InvalidQueryParameter',
      message: 'The vending request region is not a region id.',
      fields: [{ pointer: '/region', rule: 'pattern', message: '/region must be a region id such as cn-hangzhou' }],
    });
  }
  const homeOpts: ClientOptions = { region: deps.config.region, credentials: deps.credentials, env: deps.env };
  const { call } = retrier(deps.deadline ? { deadline: deps.deadline } : {}, deps.logger);
  const custom = req.specs === undefined ? undefined : validateSpecs(req.specs);
  const { baseline, policy } = await loadGuardSources(deps.config, homeOpts, deps.baseDir, call);
  const specs: TrailSpec[] = custom ?? baseline;
  if (specs.length === 0) {
    throw new ProvisionError({ code: 'InvalidQueryParameter', message: 'No trail specs to apply: the event has none and no baseline is configured.' });
  }
  return { specs, guard: { policy, baseline, caller: { kind: 'vending', name: 'vending' } } };
}

/**
 * Refuses (403 AccountNotAllowed, before any AssumeRole or write) an account that
 * TRAIL_VENDING_ACCOUNTS does not cover: by default one that is not a member of this Resource
 * Directory, as Resource Manager GetAccount (called with the management account's credentials)
 * tells. The same answer whatever the reason, so the event learns nothing about the account.
 */
async function assertVendable(accountId: string, deps: VendingDeps): Promise<void> {
  const scope = deps.config.vendingAccounts;
  let allowed: boolean;
  if (scope.kind === 'any') allowed = true;
  else if (scope.kind === 'list') allowed = scope.ids.includes(accountId);
  else {
    const rm = createResourceManagerClient({ region: deps.config.region, credentials: deps.credentials, env: deps.env });
    const { call } = retrier(deps.deadline ? { deadline: deps.deadline } : {}, deps.logger);
    allowed = (await call('resourcemanager:GetAccount', () => rm.getAccount(accountId))) !== undefined;
  }
  if (!allowed) {
    throw new ProvisionError({
      code: 'AccountNotAllowed',
      message: `Account ${accountId} is not one this deployment vends trails for (TRAIL_VENDING_ACCOUNTS: ${scope.kind === 'rd' ? 'members of the Resource Directory' : scope.kind}).`,
      fields: [{ pointer: '/accountId', rule: 'vendingAccounts', message: '/accountId is not an account this deployment may vend for' }],
    });
  }
}

/** Ensures the request's specs in the member account; never throws (failures are in the result). */
export async function vendAccount(req: VendingRequest, deps: VendingDeps): Promise<VendingResult> {
  const { config } = deps;
  const region = req.region ?? config.region;
  const dryRun = deps.dryRun ?? config.dryRun;
  const log = (deps.logger ?? silentLogger).child({ trigger: 'vending', caller: 'vending', accountId: req.accountId, region, origin: req.origin, eventId: req.eventId });

  // Validate everything first: a bad spec rejects the event before any write.
  let specs: TrailSpec[];
  let guard: Guard;
  try {
    ({ specs, guard } = await requestedSpecs(req, deps));
  } catch (e) {
    return rejectedVending(req, region, dryRun, e);
  }

  // Only accounts the deployment vends for: by default members of this Resource Directory.
  try {
    await assertVendable(req.accountId, deps);
  } catch (e) {
    log.error('vending refused', { code: errorSummary(e).Code });
    return rejectedVending(req, region, dryRun, e);
  }

  const credentials = memberCredentials(config, deps.credentials, req.accountId, deps.env, roleSessionName('vending'));
  const audit = auditSink(config, { credentials: deps.credentials, env: deps.env, logger: log, deadline: deps.deadline });
  const cloud = createCloud({ region, credentials, env: deps.env, accountId: req.accountId });
  log.info('vending', { specs: specs.map((s) => s.Name), dryRun });

  const settled = await mapSettled(specs, config.concurrency, (spec) =>
    ensureValidTrail(spec, cloud, { dryRun, logger: log, retry: deps.deadline ? { deadline: deps.deadline } : undefined, guard, audit }),
  );
  const outcomes: SpecOutcome[] = settled.map((s, i) =>
    s.ok
      ? { name: specs[i]!.Name, ok: true, result: s.value }
      : { name: specs[i]!.Name, ok: false, error: errorSummary(s.error), retryable: isRetryableFailure(s.error) },
  );
  const result: VendingResult = {
    accountId: req.accountId,
    region,
    origin: req.origin,
    eventId: req.eventId,
    dryRun,
    ok: outcomes.every((o) => o.ok),
    outcomes,
    retryable: outcomes.some((o) => o.retryable),
  };
  // The trails first; then the route that brings the member's tamper events to the tamper function.
  if (result.ok) {
    const env = deps.env ?? process.env;
    result.eventRoute = await ensureMemberEventRoute(req.accountId, {
      // The deployment's region, where the tamper trigger listens (routing is same-region only),
      // whatever region the event vends trails in.
      region: config.region,
      managementCredentials: deps.credentials,
      memberCredentials: credentials,
      eventTypes: routeEventTypes(env, log),
      // assertVendable asked the directory (rd) or the account is listed; under "*" the route asks.
      memberVerified: config.vendingAccounts.kind !== 'any',
      env,
      dryRun,
      logger: log,
      deadline: deps.deadline,
    });
    if (result.eventRoute.status === 'failed') log.error('event route not ensured (the sweep retries it)', { code: result.eventRoute.error?.Code, message: result.eventRoute.error?.Message });
  }
  for (const o of outcomes) {
    if (o.ok) log.info('spec ensured', { trail: o.name, classification: o.result?.classification, done: o.result?.done });
    else log.error('spec failed', { trail: o.name, code: o.error?.Code, message: o.error?.Message, retryable: o.retryable });
  }
  return result;
}

/** The tamper trigger's event types (TRAIL_TAMPER_EVENT_TYPES), the defaults when that variable is malformed here. */
/** Failures named in the message assertVended throws (all of them stay in the results and logs). */
const MESSAGE_FAILURES = 20;

/** Whether `results` fail the invocation under TRAIL_VENDING_FAIL_ON (see assertVended). */
export function failsInvocation(results: readonly VendingResult[], failOn: Config['vendingFailOn']): boolean {
  return results.some((r) => (failOn === 'any' ? !r.ok : r.retryable));
}

/**
 * Throws when `results` hold a failure that should fail the invocation, naming every failure, so
 * the async invocation is retried (and lands in the dead-letter destination if it keeps failing):
 * any failure (failOn "any", the default), or only a retryable one (failOn "retryable"; the
 * others, which retrying cannot fix, stay in the results and the logs). Succeeded specs stay.
 */
export function assertVended(results: readonly VendingResult[], failOn: Config['vendingFailOn'] = 'any'): void {
  if (!failsInvocation(results, failOn)) return;
  const failures = results.flatMap((r) => [
    ...(r.error ? [{ accountId: r.accountId, what: 'event', code: r.error.Code, message: r.error.Message, retryable: r.retryable }] : []),
    ...r.outcomes.filter((o) => !o.ok).map((o) => ({ accountId: r.accountId, what: o.name, code: o.error?.Code, message: o.error?.Message, retryable: Boolean(o.retryable) })),
  ]);
  const first = failures.find((f) => f.retryable) ?? failures[0];
  const specs = results.reduce((n, r) => n + r.outcomes.length, 0);
  const succeeded = results.reduce((n, r) => n + r.outcomes.filter((o) => o.ok).length, 0);
  // The message names the first failures only: a huge batch must not throw a megabyte (the results and logs have them all).
  const shown = failures.slice(0, MESSAGE_FAILURES).map((f) => `${f.accountId || '?'} ${f.what}: ${f.code} (${String(f.message).slice(0, 200)})${f.retryable ? ' [retryable]' : ''}`);
  const list = shown.join('; ') + (failures.length > MESSAGE_FAILURES ? `; and ${failures.length - MESSAGE_FAILURES} more` : '');
  throw new ProvisionError({
    code: first?.code ?? 'InternalError',
    status: 500,
    retryable: failures.some((f) => f.retryable),
    message: `${failures.length} vending failure(s) (${list}); the ${succeeded} of ${specs} trail specs that succeeded are kept and a re-run is safe.`,
  });
}
