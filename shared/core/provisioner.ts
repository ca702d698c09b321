/**
 * ensureTrail(): validate → guardrails → observe → guardrails (against the trail) → plan →
 * preflight → apply → verify, for one trail spec in one account and region. A spec the guardrail
 * policy refuses (shared/core/guardrails.ts) throws 403 PolicyViolation / 409 ProtectedTrail before
 * any write (a dry run returns the violations instead); every write is audited (who, before, after).
 *
 * Idempotent: a compliant trail costs a DescribeTrails and a GetTrailStatus call (Status=Enable
 * alone says nothing of delivery) and changes nothing. A trail homed in another region (its
 * HomeRegion, or else the region in its ARN, is not the region called) is managed at its home
 * region's endpoint. Safe under
 * races: a CreateTrail that loses to a concurrent creator (TrailAlreadyExistsException) re-reads
 * the trail and continues from what it finds. Never half-done silently: a trail created whose
 * StartLogging failed is reported as such, and the next run of any trigger finishes it
 * (it classifies as not-logging).
 */
import { ProvisionError, publicMessage } from './errors';
import { DEFAULT_GUARD, evaluateDestinations, evaluateExisting, evaluateSpec, policyError, type Guard, type Violation } from './guardrails';
import { silentLogger, type Logger } from '../platform/log';
import { dataEventDrift, dataEventPut, plan as makePlan, updateRequest, type Action, type Classification, type FieldDrift, type Plan } from './planner';
import { preflight, type DestinationCheck } from './preflight';
import { retrier, type RetryPolicy } from './retry';
import { validateSpec } from './schema';
import type { Cloud, DataEventSelectorState } from '../cloud/types';
import type { TrailLoggingStatus, TrailRecord, TrailSpec } from './spec';

export interface EnsureOptions {
  /** Return the plan without writing anything. */
  dryRun?: boolean;
  /** Retry policy overrides; `deadline` should leave room inside the function's timeout. */
  retry?: Partial<RetryPolicy>;
  logger?: Logger;
  /** Called at each step (for progress output). */
  onStep?: (step: { name: string; step: 'observe' | 'preflight' | Action | 'verify'; detail?: string }) => void;
  /** How long to wait for GetTrailStatus to report IsLogging after StartLogging, ms. */
  verifyTimeoutMs?: number;
  /**
   * The trail turned out to be homed in `homeRegion` (a shadow trail here): the caller may answer
   * with that trail's result from earlier in the same run (remediation over several regions);
   * undefined means "go and ensure it there".
   */
  ensuredAtHome?: (homeRegion: string) => EnsureResult | undefined;
  /**
   * The region's trail listing (DescribeTrails with shadow and organization trails, no name
   * filter), shared by every spec of one account and region: remediation reads it once and also
   * looks for Fresh trails in it. Used for the first look only; re-reads after a write call anew.
   */
  listing?: () => Promise<TrailRecord[]>;
  /**
   * The guardrail policy, the baseline and who asks (shared/core/guardrails.ts). Evaluated for every
   * spec before any plan or write; absent → the safe defaults (DEFAULT_GUARD).
   */
  guard?: Guard;
  /** Receives the audit record of every write (after it succeeded); it is logged either way. */
  audit?: AuditSink;
}

/** One write, who asked for it, and the values of each field it changed. */
export interface AuditRecord {
  time: string;
  caller: string;
  callerKind: string;
  accountId?: string;
  region: string;
  trail: string;
  action: Action;
  requestId?: string;
  /** The changed fields' values before the write ("" = unset) and after it. */
  before: Record<string, string>;
  after: Record<string, string>;
}
export type AuditSink = (record: AuditRecord) => void | Promise<void>;

export interface EnsureResult {
  name: string;
  region: string;
  accountId?: string;
  /** How the trail stood before this run. */
  classification: Classification;
  dryRun: boolean;
  /** What the plan called for, and what was done (equal unless dryRun). */
  planned: Action[];
  done: Action[];
  drift: FieldDrift[];
  destinations: DestinationCheck[];
  /** The trail: CreateTrail/UpdateTrail response elements (with RequestId) or the described trail. */
  trail?: TrailRecord & { RequestId?: string };
  /** The logging status and delivery health (GetTrailStatus); absent for a dryRun of a trail that needs changes. */
  status?: Pick<TrailLoggingStatus, 'IsLogging'> & Partial<TrailLoggingStatus>;
  /** Request ids of every write call, in order. */
  requestIds: string[];
  /** Guardrail violations (a dry run reports them; a real run refuses the spec with them instead). */
  violations?: Violation[];
}

export async function ensureTrail(input: unknown, cloud: Cloud, opts: EnsureOptions = {}): Promise<EnsureResult> {
  const spec = validateSpec(input);
  return ensureValidTrail(spec, cloud, opts);
}

/** ensureTrail for a spec already validated (batch callers validate everything first). */
export async function ensureValidTrail(spec: TrailSpec, cloud: Cloud, opts: EnsureOptions = {}): Promise<EnsureResult> {
  return ensureAt(spec, cloud, opts, false);
}

/**
 * `retargeted`: this call follows a shadow trail to its home region; a second hop (the listings
 * disagree, e.g. the trail was recreated elsewhere mid-run) is an error rather than a loop.
 */
async function ensureAt(spec: TrailSpec, cloud: Cloud, opts: EnsureOptions, retargeted: boolean): Promise<EnsureResult> {
  const log = (opts.logger ?? silentLogger).child({ trail: spec.Name, region: cloud.region, accountId: cloud.accountId });
  const { policy, call } = retrier(opts.retry, log);
  const step = (s: Parameters<NonNullable<EnsureOptions['onStep']>>[0]['step'], detail?: string) => opts.onStep?.({ name: spec.Name, step: s, detail });

  let shared = retargeted ? undefined : opts.listing;
  const observe = async (): Promise<{ trail?: TrailRecord; homeRegion?: string }> => {
    step('observe');
    const listing = shared;
    shared = undefined;
    // Organization trails are always included: names are unique per account whatever the kind,
    // so a spec that disagrees with an existing trail's kind must see that trail to say so.
    // Shadow trails too: the account's trail of this name may be homed in another region.
    const list = listing
      ? await listing()
      : await call('actiontrail:DescribeTrails', () => cloud.actiontrail.describeTrails({ names: [spec.Name], includeOrganizationTrail: true, includeShadowTrails: true }));
    // Own trail or a copy of one homed elsewhere: decided by its home region (HomeRegion, else the
    // region in its ARN) against the region called. DescribeTrails' documented fields carry no
    // shadow flag (the 2020-07-06 SDK models list none), so nothing here depends on one.
    const mine = list.filter((t) => t.Name === spec.Name && ownTrail(t, cloud));
    const own = mine.find((t) => (homeRegionOf(t) ?? cloud.region) === cloud.region);
    if (own) return { trail: own };
    return { homeRegion: mine.map(homeRegionOf).find((r) => r !== undefined && r !== cloud.region) };
  };
  const readStatus = async (name: string, isOrg: boolean) => {
    const { RequestId: _r, ...status } = await call('actiontrail:GetTrailStatus', () => cloud.actiontrail.getTrailStatus(name, isOrg));
    return status;
  };

  /**
   * RepeatOssBucket: another trail of the account delivers to this bucket (and prefix). Name it,
   * so a person can see who holds the destination; the code stays the documented one. Best effort:
   * if the listing fails, the original error stands.
   */
  const squatted = async (e: ProvisionError): Promise<ProvisionError> => {
    const trails = await cloud.actiontrail.describeTrails({ includeOrganizationTrail: true, includeShadowTrails: true }).catch(() => []);
    const others = trails.filter((t) => t.Name !== spec.Name && t.OssBucketName === spec.OssBucketName);
    const holder = others.find((t) => (t.OssKeyPrefix ?? '') === (spec.OssKeyPrefix ?? '')) ?? others[0];
    if (!holder) return e;
    const destination = `oss://${holder.OssBucketName}/${holder.OssKeyPrefix ?? ''}`;
    return new ProvisionError({
      code: e.code,
      status: e.status,
      requestId: e.requestId,
      message: `${e.message} The destination ${destination} is already used by trail "${holder.Name}".`,
      fields: [{ pointer: '/OssBucketName', rule: 'squatted', message: `/OssBucketName: ${destination} is the destination of trail "${holder.Name}"` }],
      detail: { squatter: holder.Name, destination },
      cause: e,
    });
  };

  /**
   * CreateTrail given up on (timeouts, 5xx until the deadline): the cloud may have carried it out
   * anyway. One more look: a trail that stands now is reported as half-done (created, not
   * logging; the next run starts it), not with the last attempt's error as if nothing happened.
   */
  const landedAnyway = async (e: ProvisionError): Promise<ProvisionError> => {
    const now = await cloud.actiontrail.describeTrails({ names: [spec.Name], includeOrganizationTrail: true, includeShadowTrails: true }).catch(() => undefined);
    if (!now?.some((t) => t.Name === spec.Name)) return e;
    return new ProvisionError({
      code: e.code,
      status: e.status,
      requestId: e.requestId,
      retryable: true,
      message: `Trail "${spec.Name}" was created although CreateTrail was given up on (${e.message}); it is not logging yet. The next run will start it.`,
      cause: e,
    });
  };

  const retarget = async (homeRegion: string): Promise<EnsureResult> => {
    const earlier = opts.ensuredAtHome?.(homeRegion);
    if (earlier) return earlier;
    if (retargeted) {
      throw new ProvisionError({
        code: 'InternalError',
        status: 503,
        retryable: true,
        message: `Trail "${spec.Name}": the regions disagree on its home region (now ${homeRegion}); it is being moved, try again.`,
      });
    }
    log.info('trail is homed in another region; managing it there', { homeRegion });
    return ensureAt(spec, cloud.forRegion(homeRegion), opts, true);
  };

  // Guardrails: the spec alone first (no cloud call when it is refused), then against the trail.
  const guard = opts.guard ?? DEFAULT_GUARD;
  const violations: Violation[] = evaluateSpec(spec, guard, cloud.accountId);
  const refuse = () => {
    log.warn('refused by the guardrail policy', { caller: guard.caller.name, violations });
    return policyError(spec.Name, violations);
  };
  if (violations.length > 0 && !opts.dryRun) throw refuse();
  const seen = await observe();
  if (seen.homeRegion) return retarget(seen.homeRegion);
  let existing = seen.trail;
  if (existing) violations.push(...evaluateExisting(spec, existing, guard));
  if (violations.length > 0 && !opts.dryRun) throw refuse();
  if (violations.length > 0) {
    // A dry run shows what the spec would be refused for, and the plan as far as it goes.
    let planned: Action[] = [];
    let classification: Classification = existing ? 'drifted' : 'missing';
    let drift: FieldDrift[] = [];
    try {
      const p = makePlan(spec, existing);
      ({ actions: planned, classification, drift } = p);
    } catch {
      /* a spec the planner refuses too: the violations say enough */
    }
    log.info('planned (refused by the guardrail policy)', { violations });
    return { name: spec.Name, region: cloud.region, accountId: cloud.accountId, classification, dryRun: true, planned, done: [], drift, destinations: [], trail: existing, requestIds: [], violations };
  }
  const audit = async (action: Action, requestId: string | undefined, before: Record<string, string>, after: Record<string, string>) => {
    const record: AuditRecord = {
      time: new Date().toISOString(),
      caller: guard.caller.name,
      callerKind: guard.caller.kind,
      accountId: cloud.accountId,
      region: cloud.region,
      trail: spec.Name,
      action,
      requestId,
      before,
      after,
    };
    log.info('audit', { audit: record });
    try {
      await opts.audit?.(record);
    } catch (e) {
      log.error('audit record not stored', { action, error: e instanceof ProvisionError ? { code: e.code, message: e.message } : String(e) });
    }
  };
  /** GetDataEventSelector's answer for the existing trail, when the spec sets selectors. */
  let currentSelectors: DataEventSelectorState = { DataEventSelectors: '' };
  const getSelectors = () => call('actiontrail:GetDataEventSelector', () => cloud.actiontrail.getDataEventSelector(spec.Name));
  /**
   * The spec's DataEventSelectors / DataEventRegions (not CreateTrail parameters):
   * PutDataEventSelector, planned before StartLogging, when a new trail gets a non-empty list or
   * GetDataEventSelector of the existing trail differs (dataEventDrift: the selectors as a set,
   * and the all-regions flag).
   */
  const withSelectors = async (p: Plan, trail: TrailRecord | undefined): Promise<Plan> => {
    const want = spec.DataEventSelectors;
    if (want === undefined) return p;
    let differ = want.length > 0;
    if (trail) {
      currentSelectors = await getSelectors();
      const why = dataEventDrift(spec, currentSelectors);
      if (why.length > 0) log.info('data event selectors differ', { differ: why });
      differ = why.length > 0;
    }
    if (!differ) return p;
    const actions = [...p.actions];
    const at = actions.indexOf('StartLogging');
    actions.splice(at < 0 ? actions.length : at, 0, 'PutDataEventSelector');
    return { ...p, actions, classification: p.classification === 'compliant' ? 'drifted' : p.classification };
  };
  let plan: Plan = makePlan(spec, existing);
  let compliantStatus: EnsureResult['status'];
  if (existing && plan.actions.length === 0) {
    // Status=Enable: confirm with GetTrailStatus that it logs, and learn how delivery goes.
    const status = await readStatus(existing.Name, Boolean(existing.IsOrganizationTrail));
    plan = makePlan(spec, existing, status);
    if (plan.actions.length === 0) compliantStatus = status;
  }
  plan = await withSelectors(plan, existing);
  if (plan.actions.length > 0) compliantStatus = undefined;
  const result: EnsureResult = {
    name: spec.Name,
    region: cloud.region,
    accountId: cloud.accountId,
    classification: plan.classification,
    dryRun: Boolean(opts.dryRun),
    planned: [...plan.actions],
    done: [],
    drift: plan.drift,
    destinations: [],
    trail: existing,
    status: compliantStatus,
    requestIds: [],
  };
  log.info('planned', { classification: plan.classification, actions: plan.actions, drift: plan.drift });
  if (opts.dryRun || plan.actions.length === 0) return result;

  if (plan.actions.includes('CreateTrail') || plan.actions.includes('UpdateTrail')) {
    step('preflight');
    result.destinations = await preflight(plan.desired, cloud, call);
    violations.push(...evaluateDestinations(spec, result.destinations, guard, cloud.accountId));
    if (violations.length > 0) throw refuse();
  }

  if (plan.actions.includes('CreateTrail')) {
    step('CreateTrail');
    try {
      const created = await call('actiontrail:CreateTrail', () => cloud.actiontrail.createTrail(plan.desired));
      result.trail = created;
      result.requestIds.push(created.RequestId);
      result.done.push('CreateTrail');
      log.info('created', { requestId: created.RequestId });
      const after = Object.fromEntries(
        Object.entries(plan.desired)
          .filter(([k, v]) => v !== undefined && v !== '' && k !== 'DataEventSelectors' && k !== 'DataEventRegions')
          .map(([k, v]) => [k, String(v)]),
      );
      await audit('CreateTrail', created.RequestId, {}, after);
    } catch (e) {
      if (e instanceof ProvisionError && e.code === 'RepeatOssBucket') throw await squatted(e);
      if (e instanceof ProvisionError && e.retryable) throw await landedAnyway(e);
      if (!(e instanceof ProvisionError) || e.code !== 'TrailAlreadyExistsException') throw e;
      // Another invocation created it first: continue from what it made.
      const again = await observe();
      if (again.homeRegion) return retarget(again.homeRegion);
      if (!again.trail) {
        throw new ProvisionError({
          code: e.code,
          status: e.status,
          requestId: e.requestId,
          message: `A trail named "${spec.Name}" already exists in this account, homed in another region and not covering ${cloud.region}; change its TrailRegion there or use another name.`,
        });
      }
      existing = again.trail;
      // The trail another invocation made is judged like any existing trail before it is changed.
      violations.push(...evaluateExisting(spec, existing, guard));
      if (violations.length > 0) throw refuse();
      plan = await withSelectors(makePlan(spec, existing), existing);
      result.trail = existing;
      log.info('created concurrently; continuing', { actions: plan.actions });
    }
  }

  if (plan.actions.includes('UpdateTrail')) {
    step('UpdateTrail', plan.drift.map((d) => d.field).join(','));
    const update = updateRequest(spec, existing!);
    const updated = await call('actiontrail:UpdateTrail', () => cloud.actiontrail.updateTrail(update)).catch(async (e: unknown) => {
      throw e instanceof ProvisionError && e.code === 'RepeatOssBucket' ? await squatted(e) : e;
    });
    result.trail = updated;
    result.requestIds.push(updated.RequestId);
    result.done.push('UpdateTrail');
    await audit(
      'UpdateTrail',
      updated.RequestId,
      Object.fromEntries(plan.drift.map((d) => [d.field, d.have])),
      Object.fromEntries(plan.drift.map((d) => [d.field, d.want])),
    );
  }

  if (plan.actions.includes('PutDataEventSelector')) {
    step('PutDataEventSelector');
    const put = dataEventPut(spec);
    try {
      const done = await call('actiontrail:PutDataEventSelector', () => cloud.actiontrail.putDataEventSelector(spec.Name, put));
      result.requestIds.push(done.RequestId);
      result.done.push('PutDataEventSelector');
      await audit(
        'PutDataEventSelector',
        done.RequestId,
        { DataEventSelectors: currentSelectors.DataEventSelectors, IsTrailAllRegion: String(currentSelectors.IsTrailAllRegion ?? '') },
        { DataEventSelectors: put.EventSelectors, IsTrailAllRegion: String(put.IsTrailAllRegion), ...(put.TrailRegionIds ? { TrailRegionIds: put.TrailRegionIds } : {}) },
      );
      // Read back: what GetDataEventSelector answers is what the trail delivers.
      const until = Math.min(Date.now() + (opts.verifyTimeoutMs ?? 10_000), policy.deadline);
      await verifySelectors(spec, getSelectors, until);
    } catch (e) {
      throw result.done.length > 0 ? halfDone(spec.Name, result.done, 'PutDataEventSelector', e) : e;
    }
  }

  if (plan.actions.includes('StartLogging')) {
    step('StartLogging');
    try {
      const started = await call('actiontrail:StartLogging', () => cloud.actiontrail.startLogging(spec.Name));
      result.requestIds.push(started.RequestId);
      result.done.push('StartLogging');
      await audit('StartLogging', started.RequestId, { Status: result.trail?.Status ?? existing?.Status ?? 'Fresh' }, { Status: 'Enable' });
    } catch (e) {
      throw halfDone(spec.Name, result.done, 'StartLogging', e);
    }
  }

  step('verify');
  try {
    // Polling stops at the retry deadline too, so the function still has time to answer.
    const until = Math.min(Date.now() + (opts.verifyTimeoutMs ?? 10_000), policy.deadline);
    result.status = await verifyLogging(() => readStatus(spec.Name, Boolean(spec.IsOrganizationTrail)), spec.Name, until);
  } catch (e) {
    throw halfDone(spec.Name, result.done, 'verify', e);
  }
  log.info('ensured', { done: result.done, isLogging: result.status.IsLogging });
  return result;
}

/** GetDataEventSelector until it answers the spec's selectors, with growing pauses, until `until` (epoch ms). */
async function verifySelectors(spec: TrailSpec, read: () => Promise<DataEventSelectorState>, until: number): Promise<void> {
  for (let wait = 100; ; wait = Math.min(wait * 2, 2_000)) {
    const why = dataEventDrift(spec, await read());
    if (why.length === 0) return;
    if (Date.now() + wait > until) {
      throw new ProvisionError({
        code: 'DataEventSelectorNotApplied',
        message: `Trail "${spec.Name}": PutDataEventSelector succeeded but GetDataEventSelector still answers other ${why.join(' and ')}.`,
      });
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** GetTrailStatus until IsLogging, with growing pauses, until `until` (epoch ms). */
async function verifyLogging(read: () => Promise<TrailLoggingStatus>, name: string, until: number): Promise<TrailLoggingStatus> {
  for (let wait = 100; ; wait = Math.min(wait * 2, 2_000)) {
    const status = await read();
    if (status.IsLogging) return status;
    if (Date.now() + wait > until) {
      throw new ProvisionError({ code: 'TrailNotLoggingException', message: `Trail "${name}" was started but GetTrailStatus still reports IsLogging=false.` });
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** A trail's home region: HomeRegion, else the region in its ARN (acs:actiontrail:<region>:<account>:trail/<name>). */
export function homeRegionOf(t: TrailRecord): string | undefined {
  return t.HomeRegion || /^acs:actiontrail:([^:]+):/.exec(t.TrailArn ?? '')?.[1] || undefined;
}

/**
 * Whether a listed trail is this account's own, not the Resource Directory management account's
 * organization trail that members see: the account in its ARN. An organization trail must show
 * the caller's account; a single-account trail is the caller's unless its ARN names another.
 */
function ownTrail(t: TrailRecord, cloud: Cloud): boolean {
  const account = /^acs:actiontrail:[^:]*:(\d+):/.exec(t.TrailArn ?? '')?.[1];
  if (t.IsOrganizationTrail) return account !== undefined && account === cloud.accountId;
  return account === undefined || cloud.accountId === undefined || account === cloud.accountId;
}

/** A failure after some writes succeeded: say exactly what stands, keeping the cause's code. */
function halfDone(name: string, done: Action[], failedAt: string, e: unknown): ProvisionError {
  const err = e instanceof ProvisionError ? e : new ProvisionError({ code: 'InternalError', cause: e });
  if (done.length === 0 && failedAt === 'StartLogging') {
    return new ProvisionError({
      code: err.code,
      status: err.status,
      message: `Trail "${name}" exists but is not logging: StartLogging failed (${publicMessage(err)}). The next run will start it.`,
      requestId: err.requestId,
      retryable: err.retryable,
      cause: err,
      fromService: false,
    });
  }
  return new ProvisionError({
    code: err.code,
    status: err.status,
    message: `Trail "${name}": ${done.join(', ')} succeeded, then ${failedAt} failed (${publicMessage(err)}). The trail is not logging yet; the next run will finish it.`,
    requestId: err.requestId,
    retryable: err.retryable,
    cause: err,
    fromService: false,
  });
}
