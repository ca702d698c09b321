/**
 * report.html: a remediation report as one self-contained page for people (auditors, owners):
 * the counts as an inline SVG bar chart, what was fixed, what failed, trails not delivering, and a
 * table per account × region × trail. No script, no external resource (its own Content-Security-Policy
 * says so), readable printed (a print stylesheet: black on white, tables unbroken per row).
 *
 * Report data is untrusted (trail names, account ids and error messages come from callers and the
 * cloud): every value goes through escapeHtml, attributes included.
 */
import { reportRows, type Report } from './report';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Bars per classification, in order; colours pass WCAG AA against white for their text labels. */
export const COUNT_BARS: ReadonlyArray<{ key: keyof Report['counts']; label: string; colour: string }> = [
  { key: 'compliant', label: 'Compliant', colour: '#1a7f37' },
  { key: 'missing', label: 'Missing', colour: '#b35900' },
  { key: 'not-logging', label: 'Not logging', colour: '#9a6700' },
  { key: 'drifted', label: 'Drifted', colour: '#8250df' },
  { key: 'error', label: 'Check failed', colour: '#cf222e' },
];

/** A horizontal bar chart of the counts as inline SVG, with a title and text for screen readers. */
export function countsSvg(counts: Report['counts']): string {
  const max = Math.max(1, ...COUNT_BARS.map((b) => counts[b.key] ?? 0));
  const rowH = 28;
  const labelW = 110;
  const barW = 300;
  const height = COUNT_BARS.length * rowH + 8;
  const summary = COUNT_BARS.map((b) => `${b.label} ${counts[b.key] ?? 0}`).join(', ');
  const bars = COUNT_BARS.map((b, i) => {
    const n = counts[b.key] ?? 0;
    const w = Math.round((n / max) * barW);
    const y = 4 + i * rowH;
    return (
      `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${escapeHtml(b.label)}</text>` +
      `<rect x="${labelW}" y="${y + 4}" width="${Math.max(w, n > 0 ? 2 : 0)}" height="18" fill="${b.colour}"/>` +
      `<text x="${labelW + Math.max(w, 0) + 6}" y="${y + 17}">${n}</text>`
    );
  }).join('');
  return (
    `<svg role="img" aria-labelledby="chart-title" viewBox="0 0 ${labelW + barW + 50} ${height}" width="100%" style="max-width:480px" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif" font-size="13" fill="#1f2328">` +
    `<title id="chart-title">Trails by classification: ${escapeHtml(summary)}</title>${bars}</svg>`
  );
}

function table(caption: string, head: readonly string[], rows: ReadonlyArray<readonly string[]>, empty: string): string {
  if (rows.length === 0) return `<h2>${escapeHtml(caption)}</h2><p>${escapeHtml(empty)}</p>`;
  const th = head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<h2>${escapeHtml(caption)}</h2><div class="scroll"><table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#fff;margin:0 auto;padding:16px;max-width:1100px}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.1em;margin:1.4em 0 .4em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}dt{font-weight:600}dd{margin:0}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f6f8fa}.kpi{display:flex;flex-wrap:wrap;gap:8px 24px;margin:.6em 0}.kpi b{font-size:1.3em}
@media print{body{max-width:none;padding:0;font-size:11pt}.scroll{overflow:visible}tr{break-inside:avoid}h2{break-after:avoid}a{color:inherit}}
`;

/** The whole page. Fan-out dispatch reports have no trails: the page says which batches were sent. */
export function reportHtml(report: Report): string {
  const c = report.counts;
  const title = `Compliance report ${report.runId}`;
  const rows = reportRows(report);
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(title)}${report.dryRun ? ' (dry run)' : ''}</h1>`);
  parts.push(
    '<dl>' +
      [
        ['Run', report.runId],
        ['Kind', report.mode],
        ['Started', report.startedAt],
        ['Finished', report.finishedAt],
        ['Accounts', String(report.accounts)],
        ['Regions', report.regions.join(', ')],
        ['Specs', report.specs.join(', ')],
      ]
        .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
        .join('') +
      '</dl>',
  );
  parts.push(
    `<div class="kpi"><span><b>${report.fixed}</b> fixed</span><span><b>${report.nonCompliant}</b> ${report.dryRun ? 'would be fixed' : 'non-compliant before the run'}</span>` +
      `<span><b>${report.failed.length}</b> failed</span><span><b>${report.deliveryProblems.length}</b> not delivering</span></div>`,
  );
  parts.push(`<h2>Trails by classification</h2>${countsSvg(c)}`);
  if (report.batches) {
    parts.push(
      table(
        'Batches',
        ['Batch', 'Accounts', 'Dispatched', 'Request id / error'],
        report.batches.map((b) => [String(b.index), String(b.accounts), b.ok ? 'yes' : 'no', b.ok ? (b.requestId ?? '') : `${b.error?.Code}: ${b.error?.Message}`]),
        'No batches.',
      ),
    );
  }
  parts.push(table('Failures', ['Account', 'Region', 'Trail', 'Code', 'Message', 'Retryable'], report.failed.map((f) => [f.accountId, f.region, f.name ?? '', f.Code, f.Message, f.retryable ? 'yes' : 'no']), 'No failures.'));
  parts.push(table('Trails not delivering', ['Account', 'Region', 'Trail', 'Problem'], report.deliveryProblems.map((p) => [p.accountId, p.region, p.name, p.problem]), 'Every logging trail delivers.'));
  if (report.eventRoutes && report.eventRoutes.length > 0) {
    parts.push(
      table(
        'Member event routes (tamper events to the management account)',
        ['Account', 'Status', 'Drift', report.dryRun ? 'Would write' : 'Written', 'Failure'],
        report.eventRoutes.map((r) => [r.accountId, r.status, r.drift.join(', '), (report.dryRun ? r.planned : r.done).join(' → '), r.error ? `${r.error.Code}: ${r.error.Message}` : '']),
        'No member routes checked.',
      ),
    );
  }
  if (report.mode !== 'fanout') {
    parts.push(
      table(
        'Trails by account and region',
        ['Account', 'Region', 'Trail', 'Classification', 'Fixes', 'Failure', 'Delivery problem', 'CIS'],
        rows.map((r) => [r.accountId, r.region, r.trail, r.classification, report.dryRun ? r.planned && `would: ${r.planned}` : r.fixes, r.failure, r.deliveryProblem, r.cis]),
        'No trails checked.',
      ),
    );
  }
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>\n${parts.join('\n')}\n` +
    `<p><small>CIS 2.1: CIS Alibaba Cloud Foundations Benchmark, "Ensure that ActionTrail is configured to export copies of all Log entries".</small></p>\n</body></html>\n`
  );
}
