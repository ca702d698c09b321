/**
 * Where the latest remediation report is, and reading it back (GET /reports/latest).
 *
 * Remediation writes <prefix>/<runId>/report.json (inline run) or summary.json (fan-out, merged by
 * the last batch), with report.html and report.csv beside it, then <prefix>/latest.json naming that
 * run. Run ids are random, so the pointer is what makes "latest" findable with one GetObject. A
 * summary keeps no per-account details; reading it back adds the details of its batch reports.
 */
import type { OssClient } from '../cloud/oss';
import type { Call } from '../core/retry';
import type { Report } from './report';

export interface LatestPointer {
  runId: string;
  /** report.json or summary.json, under <prefix>/<runId>/. */
  report: string;
  finishedAt: string;
}

export function latestKey(prefix: string): string {
  return [prefix, 'latest.json'].filter(Boolean).join('/');
}

export function latestPointer(runId: string, report: Report): LatestPointer {
  return { runId, report: report.mode === 'summary' ? 'summary.json' : 'report.json', finishedAt: report.finishedAt };
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The latest report with per-account details, or undefined when none was written yet. */
export async function readLatestReport(oss: OssClient, target: { bucket: string; prefix: string }, call: Call): Promise<Report | undefined> {
  const text = await call('oss:GetObject', () => oss.getObjectText(target.bucket, latestKey(target.prefix)));
  if (text === undefined) return undefined;
  const pointer = JSON.parse(text) as Partial<LatestPointer>;
  // The pointer names an object in the same prefix only (a tampered pointer reads nothing else).
  if (typeof pointer.runId !== 'string' || !RUN_ID.test(pointer.runId) || (pointer.report !== 'report.json' && pointer.report !== 'summary.json')) return undefined;
  const dir = [target.prefix, pointer.runId].filter(Boolean).join('/') + '/';
  const body = await call('oss:GetObject', () => oss.getObjectText(target.bucket, dir + pointer.report));
  if (body === undefined) return undefined;
  const report = JSON.parse(body) as Report;
  if (report.mode === 'summary' && report.details.length === 0) {
    const keys = await call('oss:ListObjects', () => oss.listKeys(target.bucket, `${dir}batch-`));
    const batches = await Promise.all(keys.map((k) => call('oss:GetObject', () => oss.getObjectText(target.bucket, k))));
    for (const b of batches) if (b) report.details.push(...(JSON.parse(b) as Report).details);
  }
  return report;
}
