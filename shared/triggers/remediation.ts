/**
 * Scheduled compliance remediation: the baseline specs must hold in every covered account and
 * region. Per account × region × spec, ensureValidTrail observes (DescribeTrails, and
 * GetTrailStatus for a trail that says it logs), classifies (compliant / missing / not-logging /
 * drifted, via the planner) and fixes (or, dryRun, reports); trails that log but do not deliver
 * are reported. A trail names one trail per account: in a region it covers without being homed
 * there (a shadow trail) it is checked and fixed at its home region, so several regions converge
 * on one trail, created in the first region that needs it (TRAIL_REGIONS order).
 *
 * Reports: each is returned and logged; with TRAIL_REPORT_OSS also written to OSS, and the last
 * batch of a fan-out run to finish merges every batch report into summary.json (and logs it).
 *
 * Time: no account is started after the deadline (the function's timeout less the margin); those
 * left are reported as DeadlineExceeded, so the report is always written.
 *
 * Scale: accounts come from Resource Directory ListAccounts (every page) or a configured list;
 * they are worked on with bounded concurrency. Beyond TRAIL_FANOUT_THRESHOLD accounts one
 * invocation would not finish in time, so the timer run only dispatches batches of accounts to
 * the worker function asynchronously (FC async invocations, retried by FC) and reports the
 * dispatch; each batch invocation remediates its accounts and reports them.
 */
import { randomUUID } from 'node:crypto';
import { createCloud } from '../cloud';
import { createFcClient } from '../cloud/fc';
import { createOssClient } from '../cloud/oss';
import { createResourceManagerClient } from '../cloud/resourcemanager';
import { createStsClient } from '../cloud/sts';
import { chunk, mapSettled } from '../core/concurrency';
import { loadBaseline, loadPolicy, type Config } from '../platform/config';
import { ProvisionError, errorSummary, isRetryableFailure } from '../core/errors';
import { silentLogger, type Logger } from '../platform/log';
import { ensureValidTrail, homeRegionOf, type EnsureResult } from '../core/provisioner';
import { retrier } from '../core/retry';
import { buildReport, deliveryProblem, formatReport, mergeDeliveries, mergeReports, type AccountRegionResult, type DispatchedBatch, type Report, type TrailOutcome } from './report';
import { memberCredentials, roleSessionName } from '../platform/accounts';
import { auditSink } from '../platform/audit';
import { policyError, type GuardrailPolicy } from '../core/guardrails';
import { cisChecks } from './cis';
import { createPacer, type Pacer } from '../core/pacing';
import { reportHtml } from './report-html';
import { reportCsv } from './report-csv';
import { latestKey, latestPointer } from './report-store';
import { ensureMemberEventRoute, type EventRouteOutcome } from '../platform/event-route';
import { routeEventTypes } from '../platform/tamper-config';
import type { CredentialsProvider } from '../cloud/types';
import type { TrailSpec } from '../core/spec';

/** The async payload one worker invocation receives. */
export interface BatchPayload {
  kind: 'remediation-batch';
  runId: string;
  accounts: string[];
  regions: string[];
  dryRun: boolean;
  /** This batch's place in the run (0-based) and the run's number of batches: the summary is written when all have reported. */
  batchIndex?: number;
  batchCount?: number;
}

export interface RemediationDeps {
  config: Config;
  /** The management account's credentials (ListAccounts, AssumeRole base, FC invoke). */
  credentials: CredentialsProvider;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Retry deadline, epoch ms. */
  deadline?: number;
  /** The account the function runs in (FC context.accountId); asked from STS when absent. */
  selfAccountId?: string;
  /** The function's own name (default fan-out target). */
  functionName?: string;
  baseDir?: string;
  /** Run the CIS destination checks on every trail (TRAIL_CIS_CHECKS; report only). */
  cisChecks?: boolean;
  /** Paces the run's calls to the APIs' rate limits (default: one pacer per run from TRAIL_RATE_LIMITS). */
  pacer?: Pacer;
}

/** Per-run overrides (timer payload JSON, or a manual invocation). */
export interface RunOptions {
  runId?: string;
  dryRun?: boolean;
  accounts?: string[];
  regions?: string[];
}

async function selfAccount(deps: RemediationDeps): Promise<string> {
  if (deps.selfAccountId) return deps.selfAccountId;
  const id = await createStsClient({ region: deps.config.region, credentials: deps.credentials, env: deps.env }).getCallerIdentity();
  return (deps.selfAccountId = id.accountId);
}

/** The accounts to cover: the configured list, or every Resource Directory account (all pages, retried as one walk). */
export async function targetAccounts(deps: RemediationDeps): Promise<string[]> {
  const { config } = deps;
  if (config.accounts.kind === 'list') return config.accounts.ids;
  const log = deps.logger ?? silentLogger;
  const rm = createResourceManagerClient({ region: config.region, credentials: deps.credentials, env: deps.env });
  const accounts = await callOf(deps).call('resourcemanager:ListAccounts', () => rm.listAccounts({ onPage: (page, total) => log.debug('listing accounts', { page, total }) }));
  return accounts.map((a) => a.accountId);
}

/** The run's retrier: every cloud call of the run is retried the same way, up to the deadline. */
function callOf(deps: RemediationDeps) {
  return retrier(deps.deadline ? { deadline: deps.deadline } : {}, deps.logger);
}

/** The baseline, with the OSS GET retried (TRAIL_BASELINE_OSS). */
function baseline(deps: RemediationDeps): Promise<TrailSpec[]> {
  return loadBaseline(deps.config, { region: deps.config.region, credentials: deps.credentials, env: deps.env }, deps.baseDir, callOf(deps).call);
}

/** Remediates `accounts` × `regions` for `specs`; returns the report (never throws per account). */
export async function remediateAccounts(
  accounts: readonly string[],
  regions: readonly string[],
  specs: readonly TrailSpec[],
  deps: RemediationDeps,
  opts: { runId: string; dryRun: boolean; mode: 'inline' | 'batch'; policy?: GuardrailPolicy; members?: ReadonlySet<string>; refused?: readonly string[] },
): Promise<Report> {
  const startedAt = new Date().toISOString();
  const { config } = deps;
  const log = (deps.logger ?? silentLogger).child({ runId: opts.runId, mode: opts.mode, caller: 'remediation' });
  const self = await selfAccount(deps);
  const names = new Set(specs.map((s) => s.Name));
  // The baseline is the remediation's spec list: its specs are the baseline's own (guardrails).
  const policy = opts.policy ?? (await loadPolicy(config, { region: config.region, credentials: deps.credentials, env: deps.env }, deps.baseDir, callOf(deps).call));
  const guard = { policy, baseline: specs, caller: { kind: 'remediation' as const, name: 'remediation' } };
  const audit = auditSink(config, { credentials: deps.credentials, env: deps.env, logger: log, deadline: deps.deadline });
  // One pacer for every worker of the run: each API's limit is the run's, not a worker's.
  const pacer = deps.pacer ?? createPacer(config.rateLimits);
  let done = 0;
  const total = accounts.length;

  const env = deps.env ?? process.env;
  const tamperTypes = routeEventTypes(env, log);
  const routes: EventRouteOutcome[] = [];
  const perAccount = await mapSettled(accounts, config.concurrency, async (accountId): Promise<AccountRegionResult[]> => {
    // One credentials provider per account, shared by its regions (one AssumeRole per account).
    const credentials = accountId === self ? deps.credentials : memberCredentials(config, deps.credentials, accountId, deps.env, roleSessionName('remediation'), pacer.forCaller(self));
    const out: AccountRegionResult[] = [];
    // Trails ensured at their home region in this run, by "<name>@<region>": another region that
    // sees one as a shadow trail is covered by it, without checking it at home again.
    const ensured = new Map<string, EnsureResult>();
    for (const region of regions) {
      const cloud = createCloud({ region, credentials, env: deps.env, accountId });
      const trails: TrailOutcome[] = [];
      // One DescribeTrails for the region: every spec's first look, and the Fresh trails of any origin.
      const { call } = retrier({ ...(deps.deadline ? { deadline: deps.deadline } : {}), pacer: pacer.forCaller(accountId) }, deps.logger);
      const listing = onceAsync(() => call('actiontrail:DescribeTrails', () => cloud.actiontrail.describeTrails({ includeOrganizationTrail: true, includeShadowTrails: true })));
      for (const spec of specs) {
        if (deps.deadline !== undefined && Date.now() >= deps.deadline) {
          trails.push({ name: spec.Name, done: [], planned: [], ok: false, error: { Code: 'DeadlineExceeded', Message: 'Not checked: the invocation ran out of time (the next run covers it).' }, retryable: true });
          continue;
        }
        try {
          const r = await ensureValidTrail(spec, cloud, {
            dryRun: opts.dryRun,
            logger: log,
            retry: { ...(deps.deadline ? { deadline: deps.deadline } : {}), pacer: pacer.forCaller(accountId) },
            listing,
            guard,
            audit,
            ensuredAtHome: (home) => {
              const earlier = ensured.get(`${spec.Name}@${home}`);
              return earlier && { ...earlier, classification: 'compliant', planned: [], done: [], drift: [], destinations: [], requestIds: [] };
            },
          });
          if (r.violations && r.violations.length > 0) {
            // A dry run the policy would refuse (e.g. an absolute floor the baseline itself breaks).
            const refusal = policyError(spec.Name, r.violations);
            trails.push({ name: spec.Name, done: [], planned: r.planned, ok: false, error: errorSummary(refusal), retryable: false });
            continue;
          }
          if (r.done.length > 0 || r.classification === 'compliant') ensured.set(`${spec.Name}@${r.region}`, r);
          const problem = deliveryProblem(r.status, r.trail);
          // CIS checks read the destinations with the trail account's credentials, then the management account's.
          const cis =
            deps.cisChecks && r.trail
              ? await cisChecks(r.trail, [{ region, credentials, env: deps.env, accountId }, ...(accountId === self ? [] : [{ region, credentials: deps.credentials, env: deps.env, accountId: self }])])
              : undefined;
          trails.push({ name: spec.Name, classification: r.classification, done: r.done, planned: r.planned, ok: true, ...(problem ? { deliveryProblem: problem } : {}), ...(cis ? { cis } : {}) });
        } catch (e) {
          const squatter = e instanceof ProvisionError ? e.detail : undefined;
          trails.push({
            name: spec.Name,
            done: [],
            planned: [],
            ok: false,
            error: errorSummary(e),
            retryable: isRetryableFailure(e),
            ...(squatter?.['squatter'] ? { squattedBy: { name: squatter['squatter'], destination: squatter['destination'] ?? '' } } : {}),
          });
          if (squatter?.['squatter']) log.error('destination squatted', { trail: spec.Name, squatter: squatter['squatter'], destination: squatter['destination'], accountId, region });
        }
      }
      const fresh = await listing.peek();
      const freshTrails = (fresh ?? []).filter((t) => t.Status === 'Fresh' && !names.has(t.Name) && (homeRegionOf(t) ?? region) === region).map((t) => t.Name);
      if (freshTrails.length > 0) log.warn('trails never started', { accountId, region, trails: freshTrails });
      out.push({ accountId, region, trails, ...(freshTrails.length > 0 ? { freshTrails } : {}) });
    }
    // The member event route of the tamper response (checked, repaired; a dry run only reports), beside the trails.
    if (accountId !== self) {
      const route = await ensureMemberEventRoute(accountId, {
        region: config.region,
        managementCredentials: deps.credentials,
        memberCredentials: credentials,
        eventTypes: tamperTypes,
        selfAccountId: self,
        memberVerified: config.accounts.kind === 'list' ? config.accounts.ids.includes(accountId) : (opts.members?.has(accountId) ?? false),
        env,
        dryRun: opts.dryRun,
        logger: log,
        deadline: deps.deadline,
      });
      if (route.status !== 'not-configured') routes.push(route);
    }
    done++;
    log.info('progress', { accountsDone: done, accountsTotal: total, accountId });
    return out;
  });

  const details = perAccount.flatMap((s, i) =>
    s.ok ? s.value : regions.map((region) => ({ accountId: accounts[i]!, region, error: errorSummary(s.error), retryable: isRetryableFailure(s.error), trails: [] })),
  );
  for (const accountId of opts.refused ?? []) {
    const error = notCovered(accountId, config);
    details.push(...regions.map((region) => ({ accountId, region, error, retryable: false, trails: [] })));
  }
  const report = buildReport(
    { runId: opts.runId, mode: opts.mode, dryRun: opts.dryRun, startedAt, regions: [...regions], specs: specs.map((s) => s.Name), accounts: accounts.length },
    details,
  );
  if (routes.length > 0) report.eventRoutes = routes.sort((a, b) => a.accountId.localeCompare(b.accountId));
  log.info('remediation finished', { counts: report.counts, fixed: report.fixed, failed: report.failed.length, ...(routes.length > 0 ? { eventRoutes: routeCounts(routes) } : {}) });
  return report;
}

/** The refusal of an account a run names that TRAIL_ACCOUNTS does not cover. */
function notCovered(accountId: string, config: RemediationDeps['config']): { Code: string; Message: string } {
  return { Code: 'AccountNotAllowed', Message: `Account ${accountId} is not covered by TRAIL_ACCOUNTS (${config.accounts.kind === 'rd' ? 'members of the Resource Directory' : 'the configured list'}): not checked, nothing written.` };
}

function routeCounts(routes: readonly EventRouteOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of routes) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

/**
 * fn() at most once, its promise shared; `peek()` is its value when it was called and succeeded
 * (undefined otherwise), without calling it.
 */
function onceAsync<T>(fn: () => Promise<T>): (() => Promise<T>) & { peek: () => Promise<T | undefined> } {
  let p: Promise<T> | undefined;
  const get = () => (p ??= fn());
  return Object.assign(get, { peek: async () => (p ? p.catch(() => undefined) : undefined) });
}

/** The timer run: inline when few accounts, else fan out batches to the worker function. */
export async function runRemediation(run: RunOptions, deps: RemediationDeps): Promise<Report> {
  const { config } = deps;
  const runId = run.runId ?? randomUUID();
  const dryRun = run.dryRun ?? config.dryRun;
  const regions = run.regions ?? config.regions;
  const log = (deps.logger ?? silentLogger).child({ runId });
  const specs = await baseline(deps);
  if (specs.length === 0) throw new ProvisionError({ code: 'InvalidConfiguration', status: 500, message: 'No baseline trail specs are configured (TRAIL_BASELINE, TRAIL_BASELINE_FILE or TRAIL_BASELINE_OSS).' });
  let accounts: string[];
  let members: Set<string> | undefined;
  let refused: string[] = [];
  if (run.accounts === undefined) {
    accounts = await targetAccounts(deps);
    // Accounts Resource Manager listed in this invocation are members (no GetAccount for their routes).
    members = config.accounts.kind === 'rd' ? new Set(accounts) : undefined;
  } else {
    // An invocation's own list (anyone who may invoke the function can send one) is held to
    // TRAIL_ACCOUNTS: its list, or the directory's members; others are refused before any AssumeRole.
    const scope = new Set(await targetAccounts(deps));
    scope.add(await selfAccount(deps));
    accounts = run.accounts.filter((a) => scope.has(a));
    refused = run.accounts.filter((a) => !scope.has(a));
    members = config.accounts.kind === 'rd' ? scope : undefined;
    if (refused.length > 0) log.warn('accounts refused (not covered by TRAIL_ACCOUNTS)', { refused: refused.slice(0, 20), count: refused.length });
  }
  log.info('remediation started', { accounts: accounts.length, regions, specs: specs.map((s) => s.Name), dryRun });

  const store = reportStore(deps);
  const warnings: string[] = [];
  if (accounts.length > config.fanoutThreshold && !store) {
    // Batches are checked against the run's manifest in OSS; without one, no batch could be trusted.
    warnings.push(`${accounts.length} accounts exceed TRAIL_FANOUT_THRESHOLD (${config.fanoutThreshold}), but fan-out needs TRAIL_REPORT_OSS (the run's batch manifest): ran inline instead; accounts not reached before the deadline are reported DeadlineExceeded.`);
    log.warn('fan-out needs TRAIL_REPORT_OSS; running inline', { accounts: accounts.length });
  }
  if (accounts.length > config.fanoutThreshold && store) return dispatchBatches(store, accounts, regions, specs, deps, { runId, dryRun, refused });
  const report = await remediateAccounts(accounts, regions, specs, deps, { runId, dryRun, mode: 'inline', members, refused });
  if (warnings.length > 0) report.warnings = warnings;
  if (store && (await store.save(runId, 'report.json', report))) await store.saveReadable(runId, report);
  return report;
}

type ReportStore = NonNullable<ReturnType<typeof reportStore>>;

/**
 * Where reports go when TRAIL_REPORT_OSS is set: <prefix>/<runId>/<name>. Every call is retried;
 * a report that still cannot be written is logged (it is in the function's log anyway), never a
 * reason to fail the run.
 */
function reportStore(deps: RemediationDeps) {
  const target = deps.config.reportOss;
  if (!target) return undefined;
  const oss = createOssClient({ region: deps.config.region, credentials: deps.credentials, env: deps.env });
  const log = deps.logger ?? silentLogger;
  const { call } = callOf(deps);
  const dir = (runId: string) => [target.prefix, runId].filter(Boolean).join('/') + '/';
  return {
    async save(runId: string, name: string, report: unknown): Promise<boolean> {
      const key = dir(runId) + name;
      try {
        await call('oss:PutObject', () => oss.putObject(target.bucket, key, JSON.stringify(report, null, 2), 'application/json'));
        log.info('report written', { report: `oss://${target.bucket}/${key}` });
        return true;
      } catch (e) {
        log.error('report not written', { report: `oss://${target.bucket}/${key}`, error: errorSummary(e) });
        return false;
      }
    },
    /**
     * report.html and report.csv beside report.json / summary.json, then <prefix>/latest.json naming
     * this run (what GET /reports/latest reads). Each is best effort, as save.
     */
    async saveReadable(runId: string, report: Report): Promise<void> {
      const files: Array<[string, string, string]> = [
        [dir(runId) + 'report.html', reportHtml(report), 'text/html; charset=utf-8'],
        [dir(runId) + 'report.csv', reportCsv(report), 'text/csv; charset=utf-8'],
        [latestKey(target.prefix), JSON.stringify(latestPointer(runId, report)), 'application/json'],
      ];
      for (const [key, body, type] of files) {
        try {
          await call('oss:PutObject', () => oss.putObject(target.bucket, key, body, type));
        } catch (e) {
          log.error('report not written', { report: `oss://${target.bucket}/${key}`, error: errorSummary(e) });
        }
      }
    },
    /** The names of the run's objects that start with `prefix`. */
    async names(runId: string, prefix: string): Promise<Set<string>> {
      const keys = await call('oss:ListObjects', () => oss.listKeys(target.bucket, dir(runId) + prefix));
      return new Set(keys.map((k) => k.slice(dir(runId).length)));
    },
    /** A report of the run, or undefined when there is none. */
    async read<T = Report>(runId: string, name: string): Promise<T | undefined> {
      const text = await call('oss:GetObject', () => oss.getObjectText(target.bucket, dir(runId) + name));
      return text === undefined ? undefined : (JSON.parse(text) as T);
    },
  };
}

/** The accounts of one async batch at most: FC 3.0 takes async payloads of a few hundred KiB at most, and a batch must end within one function timeout. */
export const MAX_BATCH_ACCOUNTS = 1_000;

async function dispatchBatches(
  store: ReportStore,
  accounts: string[],
  regions: string[],
  specs: TrailSpec[],
  deps: RemediationDeps,
  opts: { runId: string; dryRun: boolean; refused?: readonly string[] },
): Promise<Report> {
  const { config } = deps;
  const startedAt = new Date().toISOString();
  const worker = config.workerFunction ?? deps.functionName;
  if (!worker) throw new ProvisionError({ code: 'InvalidConfiguration', status: 500, message: 'Fan-out needs TRAIL_WORKER_FUNCTION (or the function name from the FC context).' });
  const fc = createFcClient({ region: config.region, credentials: deps.credentials, env: deps.env, accountId: await selfAccount(deps) });
  const groups = chunk(accounts, Math.min(config.fanoutBatch, MAX_BATCH_ACCOUNTS));
  const log = (deps.logger ?? silentLogger).child({ runId: opts.runId, mode: 'fanout' });
  const report = buildReport({ runId: opts.runId, mode: 'fanout', dryRun: opts.dryRun, startedAt, regions, specs: specs.map((s) => s.Name), accounts: accounts.length }, []);
  report.batches = groups.map((ids, index) => ({ index, accounts: ids.length, accountIds: ids, status: 'pending', ok: false }));
  // Accounts the run named that TRAIL_ACCOUNTS does not cover: in no batch, named in the dispatch report and the summary.
  for (const accountId of opts.refused ?? []) for (const region of regions) report.failed.push({ accountId, region, name: '', ...notCovered(accountId, config), retryable: false });
  // The manifest first: a batch may start (and check itself against it) before the dispatch ends.
  if (!(await store.save(opts.runId, 'dispatch.json', report))) {
    throw new ProvisionError({ code: 'InternalError', status: 503, retryable: true, message: 'The run manifest (dispatch.json) could not be written to TRAIL_REPORT_OSS; no batch was sent.' });
  }
  const { call } = callOf(deps);
  const sent = await mapSettled(groups, config.concurrency, async (ids, batchIndex) => {
    const payload: BatchPayload = { kind: 'remediation-batch', runId: opts.runId, accounts: ids, regions, dryRun: opts.dryRun, batchIndex, batchCount: groups.length };
    return call('fc:InvokeFunction', () => fc.invoke(worker, payload, 'async'));
  });
  report.batches = sent.map((s, index) => {
    const base = { index, accounts: groups[index]!.length, accountIds: groups[index]! };
    return s.ok ? { ...base, status: 'accepted' as const, ok: true, requestId: s.value.requestId } : { ...base, status: 'failed' as const, ok: false, error: errorSummary(s.error) };
  });
  for (const b of report.batches) if (b.status === 'failed') report.failed.push(undispatched(b, config.region));
  report.finishedAt = new Date().toISOString();
  log.info('fanned out', { batches: report.batches.length, accepted: report.batches.filter((b) => b.ok).length, accounts: accounts.length });
  await store.save(opts.runId, 'dispatch.json', report);
  // Batches that finished before the manifest was final, or none sent at all: the summary is due now.
  await summarise(store, opts.runId, deps);
  return report;
}

/**
 * One worker invocation: remediate the batch's accounts. The batch must be in its run's manifest
 * (dispatch.json), exactly as dispatched: anything else is refused before any cloud call to the
 * accounts (403 BatchNotDispatched). The function fails the invocation when a failure here is
 * retryable (see functions/remediation), so FC retries the batch (idempotent) and dead-letters it
 * when retries run out. A batch delivered again merges with its earlier report (mergeDeliveries).
 */
export async function runBatch(payload: BatchPayload, deps: RemediationDeps): Promise<Report> {
  const store = reportStore(deps);
  await assertDispatched(store, payload);
  const specs = await baseline(deps);
  let report = await remediateAccounts(payload.accounts, payload.regions, specs, deps, { runId: payload.runId, dryRun: payload.dryRun, mode: 'batch' });
  const name = `batch-${payload.batchIndex}.json`;
  const earlier = await store!.read(payload.runId, name).catch(() => undefined);
  if (earlier) {
    report = mergeDeliveries(earlier, report);
    (deps.logger ?? silentLogger).warn('batch delivered again; merged with its earlier report', { runId: payload.runId, batch: payload.batchIndex, fixed: report.fixed });
  }
  if (await store!.save(payload.runId, name, report)) await summarise(store!, payload.runId, deps);
  return report;
}

/** The failure a batch that could not be dispatched stands for, in the dispatch report and the summary. */
function undispatched(b: DispatchedBatch, region: string): Report['failed'][number] {
  return { accountId: '', region, name: `batch-${b.index}`, Code: b.error?.Code ?? 'InternalError', Message: `Not dispatched (${b.accounts} accounts not checked): ${b.error?.Message ?? ''}`, retryable: true };
}

function notDispatched(why: string): ProvisionError {
  return new ProvisionError({ code: 'BatchNotDispatched', message: `Remediation batch refused: ${why}.` });
}

async function assertDispatched(store: ReportStore | undefined, payload: BatchPayload): Promise<void> {
  if (!store) throw notDispatched('batches are checked against the run manifest, which needs TRAIL_REPORT_OSS');
  if (payload.batchIndex === undefined) throw notDispatched('it names no batchIndex');
  if (payload.accounts.length > MAX_BATCH_ACCOUNTS) throw notDispatched(`it holds more than ${MAX_BATCH_ACCOUNTS} accounts`);
  const manifest = await store.read(payload.runId, 'dispatch.json');
  if (!manifest || manifest.mode !== 'fanout') throw notDispatched(`run ${payload.runId} has no dispatch manifest`);
  const entry = manifest.batches?.find((b) => b.index === payload.batchIndex);
  const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (
    !entry ||
    entry.status === 'failed' ||
    !same(entry.accountIds ?? [], payload.accounts) ||
    !same(manifest.regions, payload.regions) ||
    manifest.dryRun !== payload.dryRun ||
    manifest.batches?.length !== payload.batchCount
  ) {
    throw notDispatched(`batch ${payload.batchIndex} of run ${payload.runId} is not in the manifest as sent`);
  }
}

/**
 * Once the manifest is final and every accepted batch has written its report, merge them into
 * summary.json; batches that could not be dispatched are named in it as failures. Whoever
 * finishes last (a batch, or the dispatch itself) writes it; two that finish together write the
 * same summary, which is harmless.
 */
async function summarise(store: ReportStore, runId: string, deps: RemediationDeps): Promise<void> {
  const log = (deps.logger ?? silentLogger).child({ runId });
  try {
    const manifest = await store.read(runId, 'dispatch.json');
    const batches = manifest?.batches ?? [];
    if (!manifest || batches.some((b) => b.status === 'pending')) return;
    const accepted = batches.filter((b) => b.status === 'accepted').map((b) => `batch-${b.index}.json`);
    // One listing per finished batch; the reports are read only by whoever sees them all.
    const present = accepted.length > 0 ? await store.names(runId, 'batch-') : new Set<string>();
    if (accepted.some((n) => !present.has(n))) return;
    const reports: Report[] = [];
    for (const n of accepted) {
      const r = await store.read(runId, n);
      if (!r) return;
      reports.push(r);
    }
    const summary = reports.length > 0 ? mergeReports(reports) : { ...manifest, mode: 'summary' as const, details: [] };
    summary.batches = batches;
    const lost = batches.filter((b) => b.status === 'failed');
    const refused = manifest.failed.filter((f) => f.Code === 'AccountNotAllowed');
    summary.failed = [...summary.failed.filter((f) => !/^batch-\d+$/.test(f.name ?? '')), ...refused, ...lost.map((b) => undispatched(b, deps.config.region))];
    log.info('run summary', { counts: summary.counts, fixed: summary.fixed, failed: summary.failed.length, undispatched: lost.length, text: formatReport(summary) });
    if (await store.save(runId, 'summary.json', summary)) await store.saveReadable(runId, summary);
  } catch (e) {
    log.error('run summary not written', { error: errorSummary(e) });
  }
}
