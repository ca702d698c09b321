/**
 * The compliance remediation report: machine-readable JSON (counts per classification, what was
 * fixed, what failed with its Code/Message, per-account details) and a short text summary for
 * humans (logs, notifications). Pure: built from per-account results, no I/O.
 */
import type { Action, Classification } from '../core/planner';
import type { CisResult } from './cis';
import type { TrailLoggingStatus, TrailSpec } from '../core/spec';
import type { EventRouteOutcome } from '../platform/event-route';

/** One trail spec in one account and region. */
export interface TrailOutcome {
  name: string;
  /** How the trail stood before the run; undefined when the check itself failed. */
  classification?: Classification;
  /** Writes done (empty when compliant or dryRun). */
  done: Action[];
  /** Writes planned (what dryRun would do). */
  planned: Action[];
  ok: boolean;
  error?: { Code: string; Message: string; RequestId?: string };
  /** On failure: whether another run may succeed (throttling, 5xx, deadline) rather than fail the same way. */
  retryable?: boolean;
  /** Why the trail, logging, does not deliver (GetTrailStatus), when it does not. */
  deliveryProblem?: string;
  /** RepeatOssBucket: the trail of this account that holds the destination the spec names. */
  squattedBy?: { name: string; destination: string };
  /** CIS checks of the trail and its destinations (TRAIL_CIS_CHECKS). */
  cis?: CisResult[];
}

export interface AccountRegionResult {
  accountId: string;
  region: string;
  /** Set when the account could not be worked on at all (e.g. AssumeRole refused). */
  error?: { Code: string; Message: string; RequestId?: string };
  retryable?: boolean;
  trails: TrailOutcome[];
  /** Trails homed here that were created but never started (Status Fresh), whoever created them. */
  freshTrails?: string[];
}

export interface DispatchedBatch {
  index: number;
  accounts: number;
  /** pending: in the manifest, not yet sent; accepted: FC took the async invocation; failed: it could not be sent (retries exhausted). */
  status: 'pending' | 'accepted' | 'failed';
  ok: boolean;
  /** The batch's accounts, in order: a batch invocation must carry exactly these (the manifest check). */
  accountIds: string[];
  requestId?: string;
  error?: { Code: string; Message: string };
}

export interface Report {
  runId: string;
  /** inline: one invocation did it all; fanout: the timer's dispatch; batch: one worker; summary: every batch of a fan-out run merged. */
  mode: 'inline' | 'batch' | 'fanout' | 'summary';
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  /** Accounts covered (for fanout: accounts dispatched). */
  accounts: number;
  regions: string[];
  specs: string[];
  /** Trails per classification before the run; "error" when the check failed. */
  counts: Record<Classification | 'error', number>;
  /** Trails changed by this run. */
  fixed: number;
  /** Trails that need a change (dryRun: what would be fixed). */
  nonCompliant: number;
  failed: Array<{ accountId: string; region: string; name?: string; Code: string; Message: string; retryable?: boolean }>;
  /** Trails that log but whose delivery fails (a destination gone or unwritable): for a person to look at. */
  deliveryProblems: Array<{ accountId: string; region: string; name: string; problem: string }>;
  /** Specs that could not be applied because another trail holds their OSS destination (RepeatOssBucket), naming that trail. */
  squatted: Array<{ accountId: string; region: string; name: string; squatter: string; destination: string }>;
  /** Trails created but never started (Status Fresh), whatever created them: an interrupted request, or someone else. */
  freshTrails: Array<{ accountId: string; region: string; name: string }>;
  /** Things about the run itself a person should know (e.g. fan-out off for want of TRAIL_REPORT_OSS). */
  warnings?: string[];
  details: AccountRegionResult[];
  /** With TRAIL_CIS_CHECKS: every CIS check that did not pass (fail or unknown), once per trail. */
  cisFindings?: Array<{ accountId: string; region: string; name: string } & CisResult>;
  /**
   * The member event route of the tamper response, per member account (TRAIL_EVENT_ROUTE_ROLE set):
   * compliant, fixed (done), planned (dry run) or failed. Reported beside the trails, never counted
   * as a trail failure.
   */
  eventRoutes?: EventRouteOutcome[];
  /** Fan-out only: the async invocations sent. */
  batches?: DispatchedBatch[];
}

export function emptyCounts(): Report['counts'] {
  return { compliant: 0, missing: 0, 'not-logging': 0, drifted: 0, error: 0 };
}

/**
 * Why a logging trail does not deliver, from GetTrailStatus: a destination the trail has reported
 * unavailable, or its latest delivery error; undefined when delivery looks healthy (or was not
 * asked). A destination the trail does not have is not looked at (its status says nothing).
 */
export function deliveryProblem(
  status: Partial<TrailLoggingStatus> | undefined,
  trail: Pick<TrailSpec, 'OssBucketName' | 'SlsProjectArn'> | undefined,
): string | undefined {
  if (!status || !trail) return undefined;
  const problems: string[] = [];
  if (trail.OssBucketName && status.OssBucketStatus === false) problems.push('OSS bucket unavailable');
  if (trail.SlsProjectArn && status.SlsLogStoreStatus === false) problems.push('SLS Logstore unavailable');
  if (trail.OssBucketName && status.LatestDeliveryError) problems.push(`OSS: ${status.LatestDeliveryError}`);
  if (trail.SlsProjectArn && status.LatestDeliveryLogServiceError) problems.push(`SLS: ${status.LatestDeliveryLogServiceError}`);
  return problems.length > 0 ? problems.join('; ') : undefined;
}

export function buildReport(base: Pick<Report, 'runId' | 'mode' | 'dryRun' | 'startedAt' | 'regions' | 'specs' | 'accounts'>, details: AccountRegionResult[]): Report {
  const counts = emptyCounts();
  const failed: Report['failed'] = [];
  const deliveryProblems: Report['deliveryProblems'] = [];
  const squatted: Report['squatted'] = [];
  const freshTrails: Report['freshTrails'] = [];
  const notDelivering = new Set<string>();
  const cisSeen = new Set<string>();
  let cisFindings: Report['cisFindings'];
  let fixed = 0;
  let nonCompliant = 0;
  for (const d of details) {
    if (d.error) failed.push({ accountId: d.accountId, region: d.region, ...d.error, retryable: d.retryable });
    for (const name of d.freshTrails ?? []) freshTrails.push({ accountId: d.accountId, region: d.region, name });
    for (const t of d.trails) {
      if (t.squattedBy) squatted.push({ accountId: d.accountId, region: d.region, name: t.name, squatter: t.squattedBy.name, destination: t.squattedBy.destination });
      counts[t.classification ?? 'error']++;
      if (t.classification && t.classification !== 'compliant') nonCompliant++;
      if (t.done.length > 0) fixed++;
      if (!t.ok && t.error) failed.push({ accountId: d.accountId, region: d.region, name: t.name, Code: t.error.Code, Message: t.error.Message, retryable: t.retryable });
      // A trail names one trail per account: seen from several regions, it is reported once.
      if (t.deliveryProblem && !notDelivering.has(`${d.accountId}/${t.name}`)) {
        notDelivering.add(`${d.accountId}/${t.name}`);
        deliveryProblems.push({ accountId: d.accountId, region: d.region, name: t.name, problem: t.deliveryProblem });
      }
      if (t.cis && !cisSeen.has(`${d.accountId}/${t.name}`)) {
        cisSeen.add(`${d.accountId}/${t.name}`);
        cisFindings ??= [];
        for (const c of t.cis) if (c.status === 'fail' || c.status === 'unknown') cisFindings.push({ accountId: d.accountId, region: d.region, name: t.name, ...c });
      }
    }
  }
  return { ...base, finishedAt: new Date().toISOString(), counts, fixed, nonCompliant, failed, deliveryProblems, squatted, freshTrails, ...(cisFindings ? { cisFindings } : {}), details };
}

/**
 * One batch delivered twice (FC async delivery is at least once; a retry after a lost answer):
 * one report that keeps what either delivery did. Per account, region and trail, an outcome with
 * writes wins (the first delivery fixed it; the second found it compliant), then a success over
 * a failure, then the later one. So a repeat can add fixes but never erase them.
 */
export function mergeDeliveries(earlier: Report, later: Report): Report {
  const pick = (a: TrailOutcome | undefined, b: TrailOutcome): TrailOutcome => {
    if (!a) return b;
    if (a.done.length > 0) return a;
    if (b.done.length > 0) return b;
    return b.ok || !a.ok ? b : a;
  };
  const byKey = new Map<string, AccountRegionResult>();
  for (const d of earlier.details) byKey.set(`${d.accountId}/${d.region}`, d);
  for (const d of later.details) {
    const k = `${d.accountId}/${d.region}`;
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, d);
      continue;
    }
    const trails = new Map(prev.trails.map((t) => [t.name, t]));
    for (const t of d.trails) trails.set(t.name, pick(trails.get(t.name), t));
    const error = d.error && prev.error ? d.error : undefined;
    byKey.set(k, { accountId: d.accountId, region: d.region, trails: [...trails.values()], freshTrails: d.freshTrails ?? prev.freshTrails, ...(error ? { error, retryable: d.retryable } : {}) });
  }
  const base = { runId: earlier.runId, mode: earlier.mode, dryRun: earlier.dryRun, startedAt: earlier.startedAt, regions: earlier.regions, specs: earlier.specs, accounts: earlier.accounts };
  const merged = buildReport(base, [...byKey.values()]);
  // Event routes: per account, one with writes wins, then the later one (as for trails).
  const routes = new Map<string, EventRouteOutcome>();
  for (const r of [...(earlier.eventRoutes ?? []), ...(later.eventRoutes ?? [])]) {
    const prev = routes.get(r.accountId);
    routes.set(r.accountId, prev && prev.done.length > 0 && r.done.length === 0 ? prev : r);
  }
  if (routes.size > 0) merged.eventRoutes = [...routes.values()];
  return merged;
}

/**
 * The batch reports of one fan-out run as one report: counts, fixes, failures and delivery
 * problems added up; per-account details stay in the batch reports.
 */
export function mergeReports(batches: readonly Report[]): Report {
  const first = batches[0];
  if (!first) throw new Error('mergeReports needs at least one report.');
  const counts = emptyCounts();
  for (const r of batches) for (const k of Object.keys(counts) as Array<keyof Report['counts']>) counts[k] += r.counts[k];
  const sum = (f: (r: Report) => number) => batches.reduce((n, r) => n + f(r), 0);
  return {
    runId: first.runId,
    mode: 'summary',
    dryRun: first.dryRun,
    startedAt: batches.map((r) => r.startedAt).sort()[0]!,
    finishedAt: batches.map((r) => r.finishedAt).sort().at(-1)!,
    accounts: sum((r) => r.accounts),
    regions: first.regions,
    specs: first.specs,
    counts,
    fixed: sum((r) => r.fixed),
    nonCompliant: sum((r) => r.nonCompliant),
    failed: batches.flatMap((r) => r.failed),
    deliveryProblems: batches.flatMap((r) => r.deliveryProblems),
    squatted: batches.flatMap((r) => r.squatted ?? []),
    freshTrails: batches.flatMap((r) => r.freshTrails ?? []),
    ...(batches.some((r) => r.cisFindings) ? { cisFindings: batches.flatMap((r) => r.cisFindings ?? []) } : {}),
    ...(batches.some((r) => r.eventRoutes) ? { eventRoutes: batches.flatMap((r) => r.eventRoutes ?? []) } : {}),
    details: [],
  };
}

/** A few readable lines: what was checked, how it stood, what changed, what failed. */
export function formatReport(report: Report): string {
  const lines: string[] = [];
  const c = report.counts;
  if (report.mode === 'fanout') {
    const sent = report.batches?.filter((b) => b.ok).length ?? 0;
    lines.push(`Compliance run ${report.runId}: ${report.accounts} accounts × ${report.regions.length} region(s) fanned out to ${report.batches?.length ?? 0} async batches (${sent} accepted).`);
    for (const b of report.batches ?? []) if (!b.ok) lines.push(`  batch ${b.index} (${b.accounts} accounts) not dispatched: ${b.error?.Code}: ${b.error?.Message}`);
    return lines.join('\n');
  }
  lines.push(
    `Compliance run ${report.runId}${report.mode === 'summary' ? ' (all batches)' : ''}${report.dryRun ? ' (dry run)' : ''}: ${report.accounts} accounts × ${report.regions.length} region(s) × ${report.specs.length} spec(s).`,
  );
  lines.push(`  compliant ${c.compliant}, missing ${c.missing}, not logging ${c['not-logging']}, drifted ${c.drifted}, check failed ${c.error}.`);
  lines.push(report.dryRun ? `  would fix ${report.nonCompliant}.` : `  fixed ${report.fixed}, failed ${report.failed.length}.`);
  for (const f of report.failed.slice(0, 20)) lines.push(`  FAILED ${f.accountId}/${f.region}${f.name ? `/${f.name}` : ''}: ${f.Code}: ${f.Message}`);
  if (report.failed.length > 20) lines.push(`  … and ${report.failed.length - 20} more failures.`);
  for (const p of report.deliveryProblems.slice(0, 20)) lines.push(`  NOT DELIVERING ${p.accountId}/${p.region}/${p.name}: ${p.problem}`);
  if (report.deliveryProblems.length > 20) lines.push(`  … and ${report.deliveryProblems.length - 20} more trails not delivering.`);
  for (const s of report.squatted.slice(0, 20)) lines.push(`  SQUATTED ${s.accountId}/${s.region}/${s.name}: ${s.destination} is held by trail "${s.squatter}"`);
  if (report.squatted.length > 20) lines.push(`  … and ${report.squatted.length - 20} more squatted destinations.`);
  for (const f of report.freshTrails.slice(0, 20)) lines.push(`  NEVER STARTED ${f.accountId}/${f.region}/${f.name} (Status Fresh)`);
  if (report.freshTrails.length > 20) lines.push(`  … and ${report.freshTrails.length - 20} more trails never started.`);
  for (const w of report.warnings ?? []) lines.push(`  WARNING ${w}`);
  if (report.eventRoutes && report.eventRoutes.length > 0) {
    const routes = report.eventRoutes;
    const n = (s: string) => routes.filter((r) => r.status === s).length;
    lines.push(`  event routes (member → tamper function): compliant ${n('compliant')}, ${report.dryRun ? `would fix ${n('planned')}` : `fixed ${n('fixed')}`}, failed ${n('failed')}.`);
    for (const r of routes.filter((x) => x.status !== 'compliant' && x.status !== 'receiver').slice(0, 20)) {
      lines.push(
        r.status === 'failed'
          ? `  EVENT ROUTE FAILED ${r.accountId}: ${r.error?.Code}: ${r.error?.Message}`
          : `  EVENT ROUTE ${r.accountId}: ${r.drift.join(', ')} → ${(r.status === 'planned' ? r.planned : r.done).join(' → ')}${r.status === 'planned' ? ' (planned)' : ''}`,
      );
    }
  }
  if (report.cisFindings) {
    lines.push(`  CIS checks: ${report.cisFindings.length === 0 ? 'all passed' : `${report.cisFindings.length} finding(s)`}.`);
    for (const f of report.cisFindings.slice(0, 20)) lines.push(`  ${f.id} ${f.status.toUpperCase()} ${f.accountId}/${f.region}/${f.name}: ${f.detail}`);
    if (report.cisFindings.length > 20) lines.push(`  … and ${report.cisFindings.length - 20} more CIS findings.`);
  }
  return lines.join('\n');
}

/**
 * The CIS Alibaba Cloud Foundations Benchmark control a trail finding falls under: 2.1 "Ensure that
 * ActionTrail is configured to export copies of all Log entries" (a trail missing, stopped,
 * drifted from its spec or not delivering fails it). Compliant trails carry none.
 */
export const CIS_ACTIONTRAIL_EXPORT = 'CIS 2.1';

/** One line per account × region × trail (and per account-level failure): what the report tables and CSV show. */
export interface ReportRow {
  accountId: string;
  region: string;
  /** Empty for an account-level failure (no trail checked). */
  trail: string;
  /** Classification before the run, or "error" when the check failed. */
  classification: string;
  /** Writes done by this run, e.g. "StartLogging". */
  fixes: string;
  /** Writes needed (what a dry run would do). */
  planned: string;
  /** "Code: Message" when the trail (or the account) failed. */
  failure: string;
  deliveryProblem: string;
  cis: string;
}

export function reportRows(report: Report): ReportRow[] {
  const rows: ReportRow[] = [];
  if (report.details.length === 0) {
    // A merged summary keeps no per-account details: its failures and delivery problems, then.
    const blank = { classification: '', fixes: '', planned: '', failure: '', deliveryProblem: '', cis: '' };
    for (const f of report.failed) rows.push({ ...blank, accountId: f.accountId, region: f.region, trail: f.name ?? '', classification: 'error', failure: `${f.Code}: ${f.Message}` });
    for (const p of report.deliveryProblems) rows.push({ ...blank, accountId: p.accountId, region: p.region, trail: p.name, deliveryProblem: p.problem, cis: CIS_ACTIONTRAIL_EXPORT });
    return rows;
  }
  for (const d of report.details) {
    if (d.error) {
      rows.push({ accountId: d.accountId, region: d.region, trail: '', classification: 'error', fixes: '', planned: '', failure: `${d.error.Code}: ${d.error.Message}`, deliveryProblem: '', cis: '' });
    }
    for (const t of d.trails) {
      const classification = t.classification ?? 'error';
      const finding = (t.classification !== undefined && t.classification !== 'compliant') || t.deliveryProblem !== undefined;
      rows.push({
        accountId: d.accountId,
        region: d.region,
        trail: t.name,
        classification,
        fixes: t.done.join(' '),
        planned: t.planned.join(' '),
        failure: !t.ok && t.error ? `${t.error.Code}: ${t.error.Message}` : '',
        deliveryProblem: t.deliveryProblem ?? '',
        cis: finding ? CIS_ACTIONTRAIL_EXPORT : '',
      });
    }
  }
  return rows;
}
