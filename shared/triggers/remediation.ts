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
import { loadBaseline, type Config } from '../platform/config';
import { ProvisionError, errorSummary, isRetryableFailure } from '../core/errors';
import { silentLogger, type Logger } from '../platform/log';
import { ensureValidTrail, type EnsureResult } from '../core/provisioner';
import { retrier } from '../core/retry';
import { buildReport, deliveryProblem, formatReport, mergeReports, type AccountRegionResult, type DispatchedBatch, type Report, type TrailOutcome } from './report';
import { reportHtml } from './report-html';
import { reportCsv } from './report-csv';
import { latestKey, latestPointer } from './report-store';
import { memberCredentials } from '../platform/accounts';
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

/** The accounts to cover: the configured list, or every Resource Directory account (all pages). */
export async function targetAccounts(deps: RemediationDeps): Promise<string[]> {
  const { config } = deps;
  if (config.accounts.kind === 'list') return config.accounts.ids;
  const log = deps.logger ?? silentLogger;
  const rm = createResourceManagerClient({ region: config.region, credentials: deps.credentials, env: deps.env });
  const accounts = await rm.listAccounts({ onPage: (page, total) => log.debug('listing accounts', { page, total }) });
  return accounts.map((a) => a.accountId);
}

/** Remediates `accounts` × `regions` for `specs`; returns the report (never throws per account). */
export async function remediateAccounts(
  accounts: readonly string[],
  regions: readonly string[],
  specs: readonly TrailSpec[],
  deps: RemediationDeps,
  opts: { runId: string; dryRun: boolean; mode: 'inline' | 'batch' },
): Promise<Report> {
  const startedAt = new Date().toISOString();
  const { config } = deps;
  const log = (deps.logger ?? silentLogger).child({ runId: opts.runId, mode: opts.mode });
  const self = await selfAccount(deps);
  let done = 0;
  const total = accounts.length;

  const perAccount = await mapSettled(accounts, config.concurrency, async (accountId): Promise<AccountRegionResult[]> => {
    // One credentials provider per account, shared by its regions (one AssumeRole per account).
    const credentials = accountId === self ? deps.credentials : memberCredentials(config, deps.credentials, accountId, deps.env);
    const out: AccountRegionResult[] = [];
    // Trails ensured at their home region in this run, by "<name>@<region>": another region that
    // sees one as a shadow trail is covered by it, without checking it at home again.
    const ensured = new Map<string, EnsureResult>();
    for (const region of regions) {
      const cloud = createCloud({ region, credentials, env: deps.env, accountId });
      const trails: TrailOutcome[] = [];
      for (const spec of specs) {
        if (deps.deadline !== undefined && Date.now() >= deps.deadline) {
          trails.push({ name: spec.Name, done: [], planned: [], ok: false, error: { Code: 'DeadlineExceeded', Message: 'Not checked: the invocation ran out of time (the next run covers it).' }, retryable: true });
          continue;
        }
        try {
          const r = await ensureValidTrail(spec, cloud, {
            dryRun: opts.dryRun,
            logger: log,
            retry: deps.deadline ? { deadline: deps.deadline } : undefined,
            ensuredAtHome: (home) => {
              const earlier = ensured.get(`${spec.Name}@${home}`);
              return earlier && { ...earlier, classification: 'compliant', planned: [], done: [], drift: [], destinations: [], requestIds: [] };
            },
          });
          if (r.done.length > 0 || r.classification === 'compliant') ensured.set(`${spec.Name}@${r.region}`, r);
          const problem = deliveryProblem(r.status, r.trail);
          trails.push({ name: spec.Name, classification: r.classification, done: r.done, planned: r.planned, ok: true, ...(problem ? { deliveryProblem: problem } : {}) });
        } catch (e) {
          trails.push({ name: spec.Name, done: [], planned: [], ok: false, error: errorSummary(e), retryable: isRetryableFailure(e) });
        }
      }
      out.push({ accountId, region, trails });
    }
    done++;
    log.info('progress', { accountsDone: done, accountsTotal: total, accountId });
    return out;
  });

  const details = perAccount.flatMap((s, i) =>
    s.ok ? s.value : regions.map((region) => ({ accountId: accounts[i]!, region, error: errorSummary(s.error), retryable: isRetryableFailure(s.error), trails: [] })),
  );
  const report = buildReport(
    { runId: opts.runId, mode: opts.mode, dryRun: opts.dryRun, startedAt, regions: [...regions], specs: specs.map((s) => s.Name), accounts: accounts.length },
    details,
  );
  log.info('remediation finished', { counts: report.counts, fixed: report.fixed, failed: report.failed.length });
  return report;
}

/** The timer run: inline when few accounts, else fan out batches to the worker function. */
export async function runRemediation(run: RunOptions, deps: RemediationDeps): Promise<Report> {
  const { config } = deps;
  const runId = run.runId ?? randomUUID();
  const dryRun = run.dryRun ?? config.dryRun;
  const regions = run.regions ?? config.regions;
  const log = (deps.logger ?? silentLogger).child({ runId });
  const specs = await loadBaseline(config, { region: config.region, credentials: deps.credentials, env: deps.env }, deps.baseDir);
  if (specs.length === 0) throw new ProvisionError({ code: 'InvalidConfiguration', status: 500, message: 'No baseline trail specs are configured (TRAIL_BASELINE, TRAIL_BASELINE_FILE or TRAIL_BASELINE_OSS).' });
  const accounts = run.accounts ?? (await targetAccounts(deps));
  log.info('remediation started', { accounts: accounts.length, regions, specs: specs.map((s) => s.Name), dryRun });

  const report =
    accounts.length <= config.fanoutThreshold
      ? await remediateAccounts(accounts, regions, specs, deps, { runId, dryRun, mode: 'inline' })
      : await dispatchBatches(accounts, regions, specs, deps, { runId, dryRun });
  const store = reportStore(deps);
  if (store && (await store.save(runId, report.mode === 'inline' ? 'report.json' : 'dispatch.json', report)) && report.mode === 'inline') await store.saveReadable(runId, report);
  return report;
}

/**
 * Where reports go when TRAIL_REPORT_OSS is set: <prefix>/<runId>/<name>. A report that cannot be
 * written is logged (it is in the function's log anyway), never a reason to fail the run.
 */
function reportStore(deps: RemediationDeps) {
  const target = deps.config.reportOss;
  if (!target) return undefined;
  const oss = createOssClient({ region: deps.config.region, credentials: deps.credentials, env: deps.env });
  const log = deps.logger ?? silentLogger;
  const { call } = retrier(deps.deadline ? { deadline: deps.deadline } : {}, log);
  const dir = (runId: string) => [target.prefix, runId].filter(Boolean).join('/') + '/';
  return {
    async save(runId: string, name: string, report: Report): Promise<boolean> {
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
    /** The run's batch reports, once there are `count` of them (else undefined, having read none). */
    async batchReports(runId: string, count: number): Promise<Report[] | undefined> {
      const keys = await call('oss:ListObjects', () => oss.listKeys(target.bucket, `${dir(runId)}batch-`));
      if (keys.length < count) return undefined;
      const texts = await Promise.all(keys.map((k) => call('oss:GetObject', () => oss.getObjectText(target.bucket, k))));
      return texts.filter((t): t is string => t !== undefined).map((t) => JSON.parse(t) as Report);
    },
  };
}

async function dispatchBatches(
  accounts: string[],
  regions: string[],
  specs: TrailSpec[],
  deps: RemediationDeps,
  opts: { runId: string; dryRun: boolean },
): Promise<Report> {
  const { config } = deps;
  const startedAt = new Date().toISOString();
  const worker = config.workerFunction ?? deps.functionName;
  if (!worker) throw new ProvisionError({ code: 'InvalidConfiguration', status: 500, message: 'Fan-out needs TRAIL_WORKER_FUNCTION (or the function name from the FC context).' });
  const fc = createFcClient({ region: config.region, credentials: deps.credentials, env: deps.env, accountId: await selfAccount(deps) });
  const batches = chunk(accounts, config.fanoutBatch);
  const log = (deps.logger ?? silentLogger).child({ runId: opts.runId, mode: 'fanout' });
  const sent = await mapSettled(batches, config.concurrency, async (batch, batchIndex) => {
    const payload: BatchPayload = { kind: 'remediation-batch', runId: opts.runId, accounts: batch, regions, dryRun: opts.dryRun, batchIndex, batchCount: batches.length };
    return fc.invoke(worker, payload, 'async');
  });
  const dispatched: DispatchedBatch[] = sent.map((s, index) =>
    s.ok ? { index, accounts: batches[index]!.length, ok: true, requestId: s.value.requestId } : { index, accounts: batches[index]!.length, ok: false, error: errorSummary(s.error) },
  );
  log.info('fanned out', { batches: dispatched.length, accepted: dispatched.filter((b) => b.ok).length, accounts: accounts.length });
  const report = buildReport({ runId: opts.runId, mode: 'fanout', dryRun: opts.dryRun, startedAt, regions, specs: specs.map((s) => s.Name), accounts: accounts.length }, []);
  report.batches = dispatched;
  for (const b of dispatched) if (!b.ok && b.error) report.failed.push({ accountId: '', region: config.region, name: `batch-${b.index}`, ...b.error });
  return report;
}

/**
 * One worker invocation: remediate the batch's accounts. The function fails the invocation when a
 * failure here is retryable (see functions/remediation), so FC retries the batch (idempotent) and
 * dead-letters it when retries run out.
 */
export async function runBatch(payload: BatchPayload, deps: RemediationDeps): Promise<Report> {
  const specs = await loadBaseline(deps.config, { region: deps.config.region, credentials: deps.credentials, env: deps.env }, deps.baseDir);
  const report = await remediateAccounts(payload.accounts, payload.regions, specs, deps, { runId: payload.runId, dryRun: payload.dryRun, mode: 'batch' });
  const store = reportStore(deps);
  if (store && payload.batchIndex !== undefined && payload.batchCount !== undefined) {
    if (await store.save(payload.runId, `batch-${payload.batchIndex}.json`, report)) await summarise(store, payload.runId, payload.batchCount, deps);
  }
  return report;
}

/**
 * When every batch of the run has written its report, merge them into summary.json. Batches that
 * finish together may both see the full set and write the same summary; that is harmless.
 */
async function summarise(store: NonNullable<ReturnType<typeof reportStore>>, runId: string, batchCount: number, deps: RemediationDeps): Promise<void> {
  const log = (deps.logger ?? silentLogger).child({ runId });
  try {
    const reports = await store.batchReports(runId, batchCount);
    if (!reports || reports.length < batchCount) return;
    const summary = mergeReports(reports);
    log.info('run summary', { counts: summary.counts, fixed: summary.fixed, failed: summary.failed.length, text: formatReport(summary) });
    if (await store.save(runId, 'summary.json', summary)) await store.saveReadable(runId, summary);
  } catch (e) {
    log.error('run summary not written', { error: errorSummary(e) });
  }
}
