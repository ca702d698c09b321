/**
 * report.csv: one line per account × region × trail of a remediation report (reportRows), for a
 * spreadsheet. RFC 4180: CRLF line ends, every field quoted, quotes doubled. Report data is
 * untrusted (trail names, error messages from the cloud), so a cell that a spreadsheet would run as
 * a formula (starting with = + - @, or a tab or carriage return before one) is prefixed with a
 * single quote (OWASP "CSV injection").
 */
import { reportRows, type Report, type ReportRow } from './report';

export const CSV_COLUMNS: ReadonlyArray<[keyof ReportRow, string]> = [
  ['accountId', 'Account'],
  ['region', 'Region'],
  ['trail', 'Trail'],
  ['classification', 'Classification'],
  ['fixes', 'Fixes'],
  ['planned', 'Planned'],
  ['failure', 'Failure'],
  ['deliveryProblem', 'Delivery problem'],
  ['cis', 'CIS'],
];

/** One CSV field: formula-like values defused, then quoted (RFC 4180). */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function csvLine(values: readonly string[]): string {
  return values.map(csvField).join(',');
}

export function reportCsv(report: Report): string {
  const lines = [csvLine(CSV_COLUMNS.map(([, title]) => title))];
  for (const row of reportRows(report)) lines.push(csvLine(CSV_COLUMNS.map(([key]) => row[key])));
  return lines.join('\r\n') + '\r\n';
}
