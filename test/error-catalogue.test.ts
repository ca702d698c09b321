/**
 * Both error catalogues against the seed CreateTrail API doc: the product's (DOCUMENTED_ERRORS in
 * shared/core/errors.ts) and the emulator's own copy (AT_ERRORS in
 * emulator/services/actiontrail-errors.ts, written separately: the emulator never imports the
 * product's tables). Every row of the doc's "Error codes" table is in each catalogue with the same
 * HTTP status and message, and neither has a code the docs do not list, so a mistake in one copy
 * shows up here instead of being agreed with by construction.
 *
 * The doc lives beside the checkout (../shared/seed/CreateTrail-api.txt); a clone without it
 * skips these tests and says why.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { DOCUMENTED_ERRORS } from '../shared/core/errors';
import { atError } from '../emulator/services/actiontrail-params';
import { AT_ERRORS, type AtCode } from '../emulator/services/actiontrail-errors';

const DOC = path.resolve(__dirname, '../../shared/seed/CreateTrail-api.txt');
const haveDoc = existsSync(DOC);
/** Appended to the name of each test that needs the doc, so a skip says why. */
const needsDoc = haveDoc ? '' : ` [skipped: ${DOC} not found; the doc sits beside the checkout in CI]`;

interface DocRow {
  status: number;
  code: string;
  message: string;
}

/** The rows `<status> | <Code> | <Message> | <Description> |` of the doc's "Error codes" table. */
function parseErrorTable(text: string): DocRow[] {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /Error codes\s*$/.test(l));
  if (start < 0) return [];
  const rows: DocRow[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^HTTP status code\s*\|/i.test(line)) continue; // the header row
    const m = /^\s*(\d{3})\s*\|\s*([A-Za-z][\w.]*)\s*\|\s*([^|]*?)\s*(\||$)/.exec(line);
    if (!m) break; // the table ends at the first line that is not a row
    rows.push({ status: Number(m[1]), code: m[2]!, message: m[3]! });
  }
  return rows;
}

/** Catalogued codes that other ActionTrail API docs (UpdateTrail, StartLogging, …) document, not CreateTrail's. */
const FROM_OTHER_DOCS = new Set<string>(['TrailNotFoundException']);

describe('error catalogue vs the CreateTrail API doc', () => {
  const rows = haveDoc ? parseErrorTable(readFileSync(DOC, 'utf8')) : [];

  it('parses the error table rows', () => {
    expect(parseErrorTable('Error codes\nHTTP status code | Error code | Error message | Description |\n400 | A | Msg one. | |\n404 | B | Msg two. |\nSee more')).toEqual([
      { status: 400, code: 'A', message: 'Msg one.' },
      { status: 404, code: 'B', message: 'Msg two.' },
    ]);
  });

  it.skipIf(!haveDoc)(`every error code of the doc is catalogued with its HTTP status and message${needsDoc}`, () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
    const catalogue = DOCUMENTED_ERRORS as Record<string, { status: number; message: string }>;
    for (const row of rows) {
      expect(catalogue[row.code], `${row.code} is in the doc but not in DOCUMENTED_ERRORS`).toBeDefined();
      expect({ code: row.code, status: catalogue[row.code]!.status, message: catalogue[row.code]!.message }).toEqual(row);
    }
  });

  it.skipIf(!haveDoc)(`the catalogue has no CreateTrail code the doc does not list (a typo or an invented code)${needsDoc}`, () => {
    const docCodes = new Set(rows.map((r) => r.code));
    const extra = Object.keys(DOCUMENTED_ERRORS).filter((c) => !docCodes.has(c) && !FROM_OTHER_DOCS.has(c));
    expect(extra).toEqual([]);
  });

  it.skipIf(!haveDoc)(`the emulator answers each doc code with the doc status and message${needsDoc}`, () => {
    for (const row of rows) {
      const e = atError(row.code as AtCode);
      expect({ code: e.code, status: e.status, message: e.message }).toEqual(row);
    }
  });

  it.skipIf(!haveDoc)(`the emulator's own catalogue has no CreateTrail code the doc does not list${needsDoc}`, () => {
    const docCodes = new Set(rows.map((r) => r.code));
    expect(Object.keys(AT_ERRORS).filter((c) => !docCodes.has(c) && !FROM_OTHER_DOCS.has(c))).toEqual([]);
  });

  it('codes documented by the other ActionTrail API docs agree between the two copies', () => {
    for (const code of FROM_OTHER_DOCS) {
      const product = (DOCUMENTED_ERRORS as Record<string, { status: number; message: string }>)[code];
      const emu = (AT_ERRORS as Record<string, readonly [number, string]>)[code];
      expect(product, `${code} missing in shared/core/errors.ts`).toBeDefined();
      expect(emu, `${code} missing in the emulator's catalogue`).toBeDefined();
      expect([product!.status, product!.message]).toEqual([...emu!]);
    }
  });
});

describe('the emulator is independent of the product', () => {
  const root = path.resolve(__dirname, '../emulator');
  const files = (function walk(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? walk(path.join(dir, d.name)) : /\.(ts|js|mjs|cjs)$/.test(d.name) ? [path.join(dir, d.name)] : [],
    );
  })(root);

  it('no file in emulator/ imports from shared/ (the product) or functions/ or cli/', () => {
    expect(files.length).toBeGreaterThan(10);
    const offenders: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        if (!spec.startsWith('.')) continue;
        const target = path.resolve(path.dirname(f), spec);
        if (!target.startsWith(root + path.sep)) offenders.push(`${path.relative(root, f)} -> ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
