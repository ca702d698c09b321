/**
 * Documentation kept in step with the code: every environment variable the functions read is in
 * the README's configuration table, and the table names no variable the code does not read.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');

/** TRAIL_* names in the functions' code: read as env['TRAIL_X'] / env.TRAIL_X, or passed by name ('TRAIL_X'). */
function variablesRead(): Set<string> {
  const files = ['shared/core', 'shared/platform', 'shared/triggers', 'shared/cloud', 'functions/vending', 'functions/selfservice', 'functions/remediation', 'functions/tamper'].flatMap((dir) =>
    readdirSync(path.join(ROOT, dir))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(ROOT, dir, f)),
  );
  const names = new Set<string>();
  for (const file of files) for (const m of readFileSync(file, 'utf8').matchAll(/['"`](TRAIL_[A-Z_]+)['"`]|\.(TRAIL_[A-Z_]+)\b/g)) names.add(m[1] ?? m[2]!);
  return names;
}

describe('README configuration table', () => {
  it('documents every TRAIL_* variable the functions read, and only those', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.split('## Configuration (environment variables of the functions)')[1]!.split('\n## ')[0]!;
    // A row's first cell names one variable, or several sharing the row (`TRAIL_BASELINE` / `TRAIL_BASELINE_FILE` / …).
    const documented = new Set<string>();
    for (const row of section.matchAll(/^\| (`TRAIL_[A-Z_]+`(?: \/ `TRAIL_[A-Z_]+`)*) \|/gm)) {
      for (const v of row[1]!.matchAll(/`(TRAIL_[A-Z_]+)`/g)) documented.add(v[1]!);
    }
    const read = variablesRead();
    expect(read.size).toBeGreaterThan(15);
    expect([...read].filter((v) => !documented.has(v)).sort(), 'read but not documented').toEqual([]);
    expect([...documented].filter((v) => !read.has(v)).sort(), 'documented but not read').toEqual([]);
  });
});
