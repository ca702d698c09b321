/**
 * What the CLI prints: progress on stderr and the summary on stdout (a table, or JSON).
 *
 * Why split this way: stdout stays machine-usable (`--json | jq`, or a table to read) while
 * progress, which only matters while the command runs, goes to stderr. On a terminal progress
 * is one line rewritten in place; piped (CI logs) it is one plain line per finished item, so
 * logs stay readable and never hold carriage-return noise.
 */
import type { Action, Classification } from '../shared/core/planner';
import type { TrailStatus } from '../shared/core/spec';
import type { Command } from './args';

/** One trail spec in one account: what was found and what happened. */
export interface ResultRow {
  accountId: string;
  region: string;
  name: string;
  ok: boolean;
  /** How the trail stood before the command (status/plan/apply). */
  classification?: Classification;
  /** Writes the plan called for. */
  planned: Action[];
  /** Writes done (apply only). */
  done: Action[];
  /** Fields that differ from the spec. */
  drift: string[];
  /** DescribeTrails Status (Fresh / Enable / Disable). */
  trailStatus?: TrailStatus;
  /** GetTrailStatus IsLogging (verified after apply; queried by status). */
  isLogging?: boolean;
  latestDeliveryError?: string;
  error?: { Code: string; Message: string; RequestId?: string };
}

export interface Writable {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** Progress display: a single updating line on a TTY, plain lines otherwise. */
export class Progress {
  private live = false;

  constructor(private readonly out: Writable) {}

  /** Transient state (only shown on a TTY: it would flood a log). */
  status(text: string): void {
    if (!this.out.isTTY) return;
    this.out.write(`\r\x1b[2K${text}`);
    this.live = true;
  }

  /** A finished item: the live line on a TTY, its own line otherwise. */
  item(text: string): void {
    if (this.out.isTTY) this.status(text);
    else this.out.write(`${text}\n`);
  }

  /** A message that must stay visible (errors, notes). */
  line(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
  }

  /** Ends the live line so the summary starts on a clean line. */
  clear(): void {
    if (this.live) this.out.write('\r\x1b[2K');
    this.live = false;
  }
}

/** The short outcome of one row, e.g. "created, started" or "FAILED AccessDenied". */
export function outcome(command: Command, r: ResultRow): string {
  if (!r.ok) return `FAILED ${r.error?.Code ?? 'InternalError'}`;
  if (command === 'status') {
    if (r.classification === 'missing') return 'missing';
    return `${r.trailStatus ?? '?'}${r.isLogging ? ', logging' : ', not logging'}${r.classification && r.classification !== 'compliant' ? ` (${r.classification})` : ''}`;
  }
  const actions = command === 'plan' ? r.planned : r.done;
  if (actions.length === 0) return command === 'plan' ? 'no change' : 'unchanged';
  const verbs: Record<Action, string> = { CreateTrail: 'create', UpdateTrail: 'update', PutDataEventSelector: 'set data event selectors', StartLogging: 'start' };
  const past: Record<Action, string> = { CreateTrail: 'created', UpdateTrail: 'updated', PutDataEventSelector: 'data event selectors set', StartLogging: 'started' };
  return command === 'plan' ? `would ${actions.map((a) => verbs[a]).join(', ')}` : actions.map((a) => past[a]).join(', ');
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(headers), ...rows.map(fmt)].join('\n');
}

/** The stdout summary: one row per account × spec, totals, then every failure in full. */
export function formatSummary(command: Command, rows: readonly ResultRow[]): string {
  const headers = ['ACCOUNT', 'REGION', 'TRAIL', 'BEFORE', command === 'status' ? 'STATUS' : command === 'plan' ? 'PLAN' : 'RESULT', 'LOGGING'];
  const body = rows.map((r) => [
    r.accountId || '-',
    r.region,
    r.name,
    r.classification ?? '-',
    outcome(command, r),
    r.isLogging === undefined ? '-' : r.isLogging ? 'yes' : 'no',
  ]);
  const failed = rows.filter((r) => !r.ok);
  const lines = [table(headers, body), ''];
  lines.push(`${rows.length} trail(s): ${rows.length - failed.length} ok, ${failed.length} failed.`);
  for (const r of failed) {
    lines.push(`  ${r.accountId || '-'}/${r.region}/${r.name}: ${r.error?.Code}: ${r.error?.Message}${r.error?.RequestId ? ` (RequestId ${r.error.RequestId})` : ''}`);
  }
  for (const r of rows) {
    if (r.ok && r.drift.length > 0) lines.push(`  ${r.accountId || '-'}/${r.region}/${r.name}: drift in ${r.drift.join(', ')}`);
    if (r.ok && r.latestDeliveryError) lines.push(`  ${r.accountId || '-'}/${r.region}/${r.name}: latest delivery error: ${r.latestDeliveryError}`);
  }
  return lines.join('\n') + '\n';
}

/** The --json document. */
export function formatJson(command: Command, region: string, rows: readonly ResultRow[]): string {
  const failed = rows.filter((r) => !r.ok).length;
  return JSON.stringify({ command, region, ok: failed === 0, counts: { total: rows.length, ok: rows.length - failed, failed }, results: rows }, null, 2) + '\n';
}
