/**
 * report.csv and report.html from hostile report data: RFC 4180 quoting, spreadsheet formula
 * injection defused, every value HTML-escaped, the chart's numbers, a fan-out summary's rows.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, mergeReports, reportRows, type AccountRegionResult } from '../shared/triggers/report';
import { csvField, reportCsv } from '../shared/triggers/report-csv';
import { countsSvg, escapeHtml, reportHtml } from '../shared/triggers/report-html';

const EVIL = '<img src=x onerror=alert(1)>"&\'';
const details: AccountRegionResult[] = [
  {
    accountId: '1000000000000001',
    region: 'cn-hangzhou',
    trails: [
      { name: 'ok-trail', classification: 'compliant', done: [], planned: [], ok: true },
      { name: 'stopped-trail', classification: 'not-logging', done: ['StartLogging'], planned: ['StartLogging'], ok: true },
      { name: '=HYPERLINK("http://evil")', classification: 'missing', done: [], planned: ['CreateTrail', 'StartLogging'], ok: false, error: { Code: 'BucketDoesNotExistException', Message: `-2+3 ${EVIL}` } },
      { name: 'quiet-trail', classification: 'compliant', done: [], planned: [], ok: true, deliveryProblem: `OSS: ${EVIL}` },
    ],
  },
  { accountId: '1000000000000002', region: 'cn-shanghai', error: { Code: 'AccessDenied', Message: '@SUM(A1) "quoted"\nnew line' }, trails: [] },
];
const report = buildReport({ runId: 'run-<1>', mode: 'inline', dryRun: false, startedAt: '2026-01-01T00:00:00Z', regions: ['cn-hangzhou', 'cn-shanghai'], specs: ['baseline'], accounts: 2 }, details);

describe('report.csv', () => {
  it('quotes every field (RFC 4180: quotes doubled, CRLF lines) and defuses formula-like cells', () => {
    expect(csvField('plain')).toBe('"plain"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    for (const lead of ['=', '+', '-', '@', '\t', '\r']) expect(csvField(`${lead}1+1`)).toBe(`"'${lead}1+1"`);
    expect(csvField('a,b\nc')).toBe('"a,b\nc"');

    const csv = reportCsv(report);
    expect(csv.endsWith('\r\n')).toBe(true);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('"Account","Region","Trail","Classification","Fixes","Planned","Failure","Delivery problem","CIS"');
    expect(lines).toContain('"1000000000000001","cn-hangzhou","stopped-trail","not-logging","StartLogging","StartLogging","","","CIS 2.1"');
    // The hostile trail name and message: prefixed, quotes doubled; no cell starts with a formula character.
    expect(csv).toContain(`"'=HYPERLINK(""http://evil"")","missing","","CreateTrail StartLogging","BucketDoesNotExistException: -2+3 <img src=x onerror=alert(1)>""&'"`);
    expect(csv).toContain(`"1000000000000002","cn-shanghai","","error","","","AccessDenied: @SUM(A1) ""quoted""\nnew line","",""`);
    for (const cell of csv.match(/"(?:[^"]|"")*"/g)!) expect(cell.slice(1), cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('a fan-out summary (no details) lists its failures and delivery problems', () => {
    const summary = mergeReports([{ ...report, mode: 'batch' }]);
    expect(summary.details).toEqual([]);
    const rows = reportRows(summary);
    expect(rows.map((r) => [r.trail, r.classification, r.cis])).toEqual([
      ['=HYPERLINK("http://evil")', 'error', ''],
      ['', 'error', ''],
      ['quiet-trail', '', 'CIS 2.1'],
    ]);
    expect(reportCsv(summary).split('\r\n')).toHaveLength(5);
  });
});

describe('report.html', () => {
  it('escapes every value from the report (names, messages, run id)', () => {
    expect(escapeHtml(`a<b>&"'`)).toBe('a&lt;b&gt;&amp;&quot;&#39;');
    const html = reportHtml(report);
    expect(html).not.toContain('<img');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&amp;&#39;');
    expect(html).toContain('<title>Compliance report run-&lt;1&gt;</title>');
    expect(html).toContain('=HYPERLINK(&quot;http://evil&quot;)');
  });

  it('is self-contained: inline style and SVG only, a CSP that forbids anything else, print rules', () => {
    const html = reportHtml(report);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<link|src="http|href="http/);
    expect(html).toContain('@media print');
    expect(html).toMatch(/<svg role="img"[^>]*>/);
    // Tables: failures, not delivering, and one row per account × region × trail.
    expect(html).toContain('<h2>Failures</h2>');
    expect(html).toContain('<td>quiet-trail</td><td>OSS: &lt;img');
    const perTrail = html.slice(html.indexOf('<h2>Trails by account and region</h2>'));
    expect((perTrail.match(/<tr><td>1000000000000001<\/td><td>cn-hangzhou<\/td>/g) ?? []).length).toBe(4);
    expect(perTrail).toContain('<tr><td>1000000000000002</td><td>cn-shanghai</td><td></td><td>error</td>');
  });

  it('draws one bar per classification, longest for the largest count, with a text alternative', () => {
    const svg = countsSvg({ compliant: 4, missing: 2, 'not-logging': 0, drifted: 1, error: 0 });
    expect(svg).toContain('<title id="chart-title">Trails by classification: Compliant 4, Missing 2, Not logging 0, Drifted 1, Check failed 0</title>');
    const widths = [...svg.matchAll(/<rect [^>]*width="(\d+)"/g)].map((m) => Number(m[1]));
    expect(widths).toEqual([300, 150, 0, 75, 0]);
  });

  it('a dry run says "would"', () => {
    const dry = buildReport({ runId: 'dry', mode: 'inline', dryRun: true, startedAt: '2026-01-01T00:00:00Z', regions: ['cn-hangzhou'], specs: ['b'], accounts: 1 }, [details[0]!]);
    const html = reportHtml(dry);
    expect(html).toContain('(dry run)');
    expect(html).toContain('<td>would: StartLogging</td>');
  });
});
