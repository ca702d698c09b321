/**
 * Tamper response: a protected trail that someone stops, deletes, weakens (UpdateTrail, or a
 * PutDataEventSelector / DeleteDataEventSelector changing the data event selectors its baseline
 * spec sets) or squats (a CreateTrail taking its name or its destination) is restored from its baseline spec
 * within seconds of the ActionTrail event, and the result is verified (GetTrailStatus
 * IsLogging=true) and notified.
 *
 * Input: TamperEvents (functions/tamper/event.ts turns the EventBridge CloudEvents into them).
 * For each:
 * 1. ignored when caused by this project (a role session named "trail-…", or the function's own
 *    role in its own account): our own restores emit events too, and must not count as tampering;
 *    a selector event is also ignored when the baseline spec sets no DataEventSelectors;
 * 2. ignored when the trail is not protected (shared/core/protection.ts decides);
 * 3. refused (an alert instead of a restore) once the trail was restored TRAIL_TAMPER_MAX_RESTORES
 *    times in TRAIL_TAMPER_WINDOW_SECONDS: someone is fighting the control, people must look;
 * 4. restored with ensureValidTrail (the same validate → plan → apply → verify core every trigger
 *    uses: StartLogging, CreateTrail, UpdateTrail, PutDataEventSelector back, each verified by a
 *    read: GetDataEventSelector, GetTrailStatus), in the event's account (AssumeRole of the
 *    member role for members) at the home region;
 * 5. notified: detected, then restored / failed / fight; a squatted destination is notified
 *    naming the squatting trail (which is never deleted: that is for people to decide).
 *
 * Never throws: each event's outcome is returned and logged.
 */
import { createCloud } from '../cloud';
import { createStsClient } from '../cloud/sts';
import { ProvisionError, errorSummary, isRetryableFailure } from '../core/errors';
import { ensureValidTrail } from '../core/provisioner';
import { baselineSpecFor, protectedTrail, squattedSpec } from '../core/protection';
import { retrier } from '../core/retry';
import { DEFAULT_MEMBER_ROLE, memberCredentials } from '../platform/accounts';
import { loadBaseline, loadPolicy, type Config } from '../platform/config';
import { DEFAULT_POLICY, type GuardrailPolicy } from '../core/guardrails';
import { roleSessionName } from '../platform/accounts';
import { silentLogger, type Logger } from '../platform/log';
import { noopNotifier, type Notifier } from '../platform/notify';
import type { RestoreLedger } from '../platform/restore-ledger';
import type { TamperConfig } from '../platform/tamper-config';
import type { Action } from '../core/planner';
import type { CredentialsProvider } from '../cloud/types';
import type { TrailSpec } from '../core/spec';

/**
 * The ActionTrail write calls that change a trail's data event selectors (PutDataEventSelector,
 * DeleteDataEventSelector: SDK models, TrailName names the trail). Restored only where the
 * baseline spec sets DataEventSelectors: elsewhere the product leaves selectors alone.
 */
export const SELECTOR_EVENT_NAMES: ReadonlySet<string> = new Set(['PutDataEventSelector', 'DeleteDataEventSelector']);

/** The ActionTrail write calls that can tamper with a trail. */
export const TAMPER_EVENT_NAMES: ReadonlySet<string> = new Set(['StopLogging', 'DeleteTrail', 'UpdateTrail', 'CreateTrail', ...SELECTOR_EVENT_NAMES]);

/** Session names of this project's own role sessions start with this (trail-provisioner-vending, trail-vending, trail-remediation, trail-selfservice-<caller>). */
export const OWN_SESSION_PREFIX = 'trail-';

export interface TamperActor {
  type?: string;
  principalId?: string;
  accountId?: string;
  userName?: string;
}

/** One ActionTrail event about a trail, as the core needs it. */
export interface TamperEvent {
  eventId?: string;
  eventName: string;
  /** requestParameters.Name */
  trailName: string;
  /** The account the call was made in (whose trail it is). */
  accountId: string;
  /** acsRegion: the endpoint region called. */
  region?: string;
  actor: TamperActor;
  /** CreateTrail / UpdateTrail request parameters (delivery fields), for squat detection. */
  delivery?: Partial<TrailSpec>;
  eventTime?: string;
}

export type TamperAction = 'ignored' | 'restored' | 'compliant' | 'limited' | 'failed';

export interface TamperOutcome {
  eventId?: string;
  eventName: string;
  accountId: string;
  trail: string;
  action: TamperAction;
  /** Why an event was ignored or limited, or what was squatted. */
  reason?: string;
  /** The trail restored (the protected one; differs from `trail` for a squatted destination). */
  restored?: string;
  done?: Action[];
  isLogging?: boolean;
  error?: { Code: string; Message: string; RequestId?: string };
  retryable?: boolean;
  /** ms from the start of handling to the verified restore. */
  tookMs?: number;
}

export interface TamperDeps {
  config: Config;
  tamper: TamperConfig;
  /** The function role's credentials (own account; base of AssumeRole into members). */
  credentials: CredentialsProvider;
  ledger: RestoreLedger;
  notifier?: Notifier;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Retry deadline, epoch ms. */
  deadline?: number;
  /** The function's own account (FC context.accountId); asked from STS when absent. */
  selfAccountId?: string;
  /** The guardrail policy (TRAIL_POLICY*); loaded with the baseline when absent. */
  policy?: GuardrailPolicy;
  /** The function's own role name, when it runs as a role (learned from STS GetCallerIdentity when absent). */
  selfRoleName?: string;
  baseDir?: string;
  now?: () => number;
}

interface Self {
  accountId: string;
  roleName?: string;
}

/**
 * Who the function is: its account, and its role when it runs as one (GetCallerIdentity, once
 * per instance and account: a function's role does not change while an instance lives).
 */
const selves = new Map<string, Promise<Self>>();
function whoAmI(deps: TamperDeps): Promise<Self> {
  const cacheKey = `${deps.selfAccountId ?? '?'}/${deps.env?.['TRAIL_EMULATOR_URL'] ?? ''}`;
  let p = selves.get(cacheKey);
  if (!p) {
    p = (async () => {
      if (deps.selfAccountId && deps.selfRoleName !== undefined) return { accountId: deps.selfAccountId, roleName: deps.selfRoleName || undefined };
      const { call } = retrier(deps.deadline ? { deadline: deps.deadline } : {}, deps.logger);
      let id: { accountId: string; arn: string };
      try {
        id = await call('sts:GetCallerIdentity', () => createStsClient({ region: deps.config.region, credentials: deps.credentials, env: deps.env }).getCallerIdentity());
      } catch (e) {
        // Not knowing our own role must not stop a restore: only trail-… sessions are then recognised (asked again next time).
        if (!deps.selfAccountId) throw e;
        deps.logger?.warn('own identity unknown; only trail-… sessions are recognised as ours', { error: errorSummary(e) });
        selves.delete(cacheKey);
        return { accountId: deps.selfAccountId };
      }
      const roleName = /:assumed-role\/([^/]+)\//.exec(id.arn)?.[1];
      return { accountId: deps.selfAccountId ?? id.accountId, roleName: deps.selfRoleName ?? roleName };
    })();
    p.catch(() => selves.delete(cacheKey));
    selves.set(cacheKey, p);
  }
  return p;
}

/** The role session name of an assumed-role actor ("<roleId>:<session>" / "<roleName>:<session>"). */
function sessionName(actor: TamperActor): string | undefined {
  for (const v of [actor.principalId, actor.userName]) {
    const i = v?.indexOf(':') ?? -1;
    if (v && i >= 0) return v.slice(i + 1);
  }
  return undefined;
}

/**
 * Why an event was caused by this project (then it is ignored), or undefined: a session named
 * "trail-…" of the member role (TRAIL_MEMBER_ROLE) in a member account, or of the function's own
 * role in its own account. The role and account are checked too, since anyone may pick a session
 * name, and a member's admin may make a role of any name: "trail-x" on another role is not ours.
 */
export function ownCause(actor: TamperActor, self: Self, accountId: string, memberRole = DEFAULT_MEMBER_ROLE): string | undefined {
  const session = sessionName(actor);
  const role = actor.userName?.includes(':') ? actor.userName.split(':')[0]!.toLowerCase() : undefined;
  // Which roles are ours depends on the account: the member role in members, the function's own
  // role in its own account. Anyone who can make a role in a member may name it like our function's
  // role (or, in the management account, like the member role) and call a session "trail-…".
  const ourRoles = accountId === self.accountId ? (self.roleName ? [self.roleName.toLowerCase()] : []) : [memberRole.toLowerCase()];
  if (session?.startsWith(OWN_SESSION_PREFIX) && role && ourRoles.includes(role)) return `own role session ${session}`;
  if (self.roleName && accountId === self.accountId && (actor.accountId ?? accountId) === self.accountId) {
    const role = actor.userName?.split(':')[0];
    if (role && role.toLowerCase() === self.roleName.toLowerCase()) return `the function's own role ${self.roleName}`;
  }
  return undefined;
}

/** Handles tamper events one after another (events of one trail must not race); never throws. */
export async function respondToTamper(events: readonly TamperEvent[], deps: TamperDeps): Promise<TamperOutcome[]> {
  const log = (deps.logger ?? silentLogger).child({ trigger: 'tamper' });
  const notifier = deps.notifier ?? noopNotifier;
  const out: TamperOutcome[] = [];
  let baseline: TrailSpec[] | undefined;
  let policy: GuardrailPolicy | undefined;
  for (const ev of events) {
    const started = Date.now();
    const base = { eventId: ev.eventId, eventName: ev.eventName, accountId: ev.accountId, trail: ev.trailName };
    let outcome: TamperOutcome;
    try {
      const home = { region: deps.config.region, credentials: deps.credentials, env: deps.env };
      const { call } = retrier(deps.deadline ? { deadline: deps.deadline } : {}, log);
      baseline ??= await loadBaseline(deps.config, home, deps.baseDir, call);
      policy ??= deps.policy ?? (await loadPolicy(deps.config, home, deps.baseDir, call));
      outcome = await handleOne(ev, baseline, { ...deps, policy }, notifier, log);
    } catch (e) {
      outcome = { ...base, action: 'failed', error: errorSummary(e), retryable: isRetryableFailure(e) };
      notifier.notify({ kind: 'tamper-failed', title: `Trail ${ev.trailName} in ${ev.accountId}: restore failed`, accountId: ev.accountId, trail: ev.trailName, detail: { event: ev.eventName, error: outcome.error } });
    }
    if (outcome.action === 'restored') outcome.tookMs = Date.now() - started;
    const level = outcome.action === 'failed' || outcome.action === 'limited' ? 'error' : 'info';
    log[level](`tamper ${outcome.action}`, { ...outcome });
    out.push(outcome);
  }
  return out;
}

async function handleOne(ev: TamperEvent, baseline: TrailSpec[], deps: TamperDeps, notifier: Notifier, log: Logger): Promise<TamperOutcome> {
  const base = { eventId: ev.eventId, eventName: ev.eventName, accountId: ev.accountId, trail: ev.trailName };
  if (!TAMPER_EVENT_NAMES.has(ev.eventName)) return { ...base, action: 'ignored', reason: `${ev.eventName} cannot tamper with a trail` };
  const self = await whoAmI(deps);
  const own = ownCause(ev.actor, self, ev.accountId, deps.config.memberRole);
  if (own) return { ...base, action: 'ignored', reason: own };

  // What is protected here: the trail itself, or (a CreateTrail of another name) the baseline trail whose destination it takes.
  let spec = baselineSpecFor(baseline, ev.trailName);
  if (SELECTOR_EVENT_NAMES.has(ev.eventName) && !spec?.DataEventSelectors) {
    // Selectors are restored from a baseline spec that sets them; without one there is nothing to put back.
    return { ...base, action: 'ignored', reason: 'no baseline spec sets DataEventSelectors for this trail' };
  }
  let squatted: string | undefined;
  if (ev.eventName === 'CreateTrail' && !spec && ev.delivery) {
    const victim = squattedSpec(baseline, ev.trailName, ev.delivery);
    if (victim) {
      spec = victim;
      squatted = `trail ${ev.trailName} took the destination of protected trail ${victim.Name}`;
    }
  }
  const detail = { event: ev.eventName, by: ev.actor.userName ?? ev.actor.principalId ?? ev.actor.type ?? 'unknown', region: ev.region, eventTime: ev.eventTime };
  if (!spec) {
    // Not a baseline trail: protected all the same when it is an organization trail (in this, the management account).
    if (ev.eventName === 'CreateTrail' || ev.accountId !== self.accountId) return { ...base, action: 'ignored', reason: 'not a protected trail (no baseline spec names it)' };
    return organizationTrail(ev, baseline, deps, notifier, log, detail);
  }
  const isOrg = Boolean(spec.IsOrganizationTrail);
  if (!protectedTrail(baseline, spec.Name, isOrg, deps.policy)) return { ...base, action: 'ignored', reason: 'not a protected trail' };
  if (squatted) {
    notifier.notify({ kind: 'squatted-destination', title: `Destination of ${spec.Name} squatted in ${ev.accountId}`, accountId: ev.accountId, trail: spec.Name, detail: { ...detail, squatter: ev.trailName } });
  }
  notifier.notify({ kind: 'tamper-detected', title: `${ev.eventName} on protected trail ${ev.trailName} in ${ev.accountId}`, accountId: ev.accountId, trail: ev.trailName, detail });

  // The fight limit.
  const now = (deps.now ?? Date.now)();
  const since = now - deps.tamper.windowSeconds * 1000;
  const key = `${ev.accountId}/${spec.Name}`;
  const recent = await deps.ledger.recent(key, since);
  if (recent.length >= deps.tamper.maxRestores) {
    const reason = `restored ${recent.length} times in the last ${deps.tamper.windowSeconds} s (TRAIL_TAMPER_MAX_RESTORES=${deps.tamper.maxRestores}): someone is fighting the control; not restoring until the window passes`;
    notifier.notify({ kind: 'tamper-fight', title: `Trail ${spec.Name} in ${ev.accountId} keeps being tampered with`, accountId: ev.accountId, trail: spec.Name, detail: { ...detail, restores: recent.length, windowSeconds: deps.tamper.windowSeconds } });
    return { ...base, action: 'limited', reason, restored: spec.Name };
  }

  const credentials = ev.accountId === self.accountId ? deps.credentials : memberCredentials(deps.config, deps.credentials, ev.accountId, deps.env, roleSessionName('tamper'));
  const cloud = createCloud({ region: deps.config.region, credentials, env: deps.env, accountId: ev.accountId });
  // The baseline's own spec, under the policy: the guardrails let it restore (the absolute floors still hold).
  const guard = { policy: deps.policy ?? DEFAULT_POLICY, baseline, caller: { kind: 'remediation' as const, name: 'tamper' } };
  const r = await ensureValidTrail(spec, cloud, { logger: log, retry: deps.deadline ? { deadline: deps.deadline } : undefined, verifyTimeoutMs: 10_000, guard });
  if (r.done.length === 0) {
    return { ...base, action: 'compliant', restored: spec.Name, done: [], isLogging: r.status?.IsLogging, ...(squatted ? { reason: squatted } : {}) };
  }
  await deps.ledger.record(key, now, since).catch((e: unknown) => log.warn('restore not counted (ledger write failed)', { error: errorSummary(e) }));
  notifier.notify({
    kind: 'tamper-restored',
    title: `Trail ${spec.Name} in ${ev.accountId} restored (${r.done.join(' → ')})`,
    accountId: ev.accountId,
    trail: spec.Name,
    detail: { ...detail, done: r.done, isLogging: r.status?.IsLogging, restoresInWindow: recent.length + 1 },
  });
  return { ...base, action: 'restored', restored: spec.Name, done: r.done, isLogging: r.status?.IsLogging, ...(squatted ? { reason: squatted } : {}) };
}

/**
 * A protected organization trail outside the baseline (the management account's): a StopLogging is
 * undone with StartLogging (verified); a DeleteTrail or UpdateTrail cannot be undone without a spec
 * to restore from, so it is notified as a failed restore naming what to add to the baseline.
 */
async function organizationTrail(
  ev: TamperEvent,
  baseline: TrailSpec[],
  deps: TamperDeps,
  notifier: Notifier,
  log: Logger,
  detail: Record<string, unknown>,
): Promise<TamperOutcome> {
  const base = { eventId: ev.eventId, eventName: ev.eventName, accountId: ev.accountId, trail: ev.trailName };
  const { call, policy } = retrier(deps.deadline ? { deadline: deps.deadline } : {}, log);
  const cloud = createCloud({ region: deps.config.region, credentials: deps.credentials, env: deps.env, accountId: ev.accountId });
  const found = (await call('actiontrail:DescribeTrails', () => cloud.actiontrail.describeTrails({ names: [ev.trailName], includeOrganizationTrail: true, includeShadowTrails: true }))).find(
    (t) => t.Name === ev.trailName && t.IsOrganizationTrail,
  );
  const isOrg = ev.eventName === 'DeleteTrail' ? true : Boolean(found);
  if (!protectedTrail(baseline, ev.trailName, isOrg, deps.policy) || (ev.eventName !== 'DeleteTrail' && !found)) {
    return { ...base, action: 'ignored', reason: 'not a protected trail (no baseline spec names it, and it is not an organization trail)' };
  }
  if (ev.eventName === 'DeleteTrail' && found) return { ...base, action: 'ignored', reason: 'an organization trail of this name still exists' };
  notifier.notify({ kind: 'tamper-detected', title: `${ev.eventName} on organization trail ${ev.trailName}`, accountId: ev.accountId, trail: ev.trailName, detail });
  if (ev.eventName !== 'StopLogging') {
    const error = { Code: 'NoBaselineSpec', Message: `Organization trail "${ev.trailName}" is protected but no baseline spec names it: it cannot be restored after ${ev.eventName}. Add it to the baseline.` };
    notifier.notify({ kind: 'tamper-failed', title: `Organization trail ${ev.trailName}: cannot restore after ${ev.eventName}`, accountId: ev.accountId, trail: ev.trailName, detail: { ...detail, error } });
    return { ...base, action: 'failed', error, retryable: false };
  }
  const home = found!.HomeRegion && found!.HomeRegion !== cloud.region ? cloud.forRegion(found!.HomeRegion) : cloud;
  // Logging already (a forged or stale StopLogging event): nothing to restore, and nothing counted
  // against the fight limit, so such events cannot use it up before a real stop.
  if ((await call('actiontrail:GetTrailStatus', () => home.actiontrail.getTrailStatus(ev.trailName, true))).IsLogging) {
    return { ...base, action: 'compliant', restored: ev.trailName, done: [], isLogging: true };
  }
  const now = (deps.now ?? Date.now)();
  const since = now - deps.tamper.windowSeconds * 1000;
  const key = `${ev.accountId}/${ev.trailName}`;
  const recent = await deps.ledger.recent(key, since);
  if (recent.length >= deps.tamper.maxRestores) {
    notifier.notify({ kind: 'tamper-fight', title: `Organization trail ${ev.trailName} keeps being stopped`, accountId: ev.accountId, trail: ev.trailName, detail: { ...detail, restores: recent.length, windowSeconds: deps.tamper.windowSeconds } });
    return { ...base, action: 'limited', restored: ev.trailName, reason: `restored ${recent.length} times in the last ${deps.tamper.windowSeconds} s (TRAIL_TAMPER_MAX_RESTORES=${deps.tamper.maxRestores})` };
  }
  await call('actiontrail:StartLogging', () => home.actiontrail.startLogging(ev.trailName));
  const until = Math.min(Date.now() + 10_000, policy.deadline);
  for (let wait = 100; ; wait = Math.min(wait * 2, 2_000)) {
    const status = await call('actiontrail:GetTrailStatus', () => home.actiontrail.getTrailStatus(ev.trailName, true));
    if (status.IsLogging) break;
    if (Date.now() + wait > until) throw new ProvisionError({ code: 'TrailNotLoggingException', message: `Organization trail "${ev.trailName}" was started but GetTrailStatus still reports IsLogging=false.` });
    await new Promise((r) => setTimeout(r, wait));
  }
  await deps.ledger.record(key, now, since).catch((e: unknown) => log.warn('restore not counted (ledger write failed)', { error: errorSummary(e) }));
  notifier.notify({ kind: 'tamper-restored', title: `Organization trail ${ev.trailName} restored (StartLogging)`, accountId: ev.accountId, trail: ev.trailName, detail: { ...detail, done: ['StartLogging'], isLogging: true } });
  return { ...base, action: 'restored', restored: ev.trailName, done: ['StartLogging'], isLogging: true };
}
