/**
 * What source maps cost a cold start that formats an error (docs/bench.md, "Source maps").
 *
 * A fresh `node` process imports a bundled function (remediation, the one with the most SDK
 * chunks), optionally loads every chunk (as a first request that needs every SDK does), then makes
 * the bundle's own code throw (a handler whose configuration is invalid) and formats the error's
 * stack. Two runtimes side by side, interleaved run by run:
 *
 *   maps:    the .map files beside the code and NODE_OPTIONS=--enable-source-maps (what s.yaml
 *            shipped before this measure): Node reads and parses the map of every module it loads,
 *            and maps each stack frame back to the TypeScript source;
 *   no maps: no flag (whether the maps are shipped apart or dropped, the runtime is the same).
 *
 * Wall time spawn → exit, and in the child performance.now() once the stack is formatted.
 * Run alone with `npx tsx bench/sourcemaps.ts` (BENCH_MAP_RUNS, default 10); `npm run bench` runs it too.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildAll } from '../scripts/build';
import { median, since } from './stats';

export interface SourceMapCase {
  name: string;
  mapsWallMs: number[];
  plainWallMs: number[];
  mapsReadyMs: number[];
  plainReadyMs: number[];
  /** A stack frame of each side, to show what the maps buy. */
  mapsFrame: string;
  plainFrame: string;
}
export interface SourceMapResult {
  runs: number;
  fn: string;
  codeBytes: number;
  mapBytes: number;
  cases: SourceMapCase[];
}

/** The child: import the entry, maybe every chunk, then format an error thrown by the bundle's code. */
const PROBE = `
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
const [entry, allChunks] = [process.argv[2], process.argv[3] === 'all'];
const mod = await import(pathToFileURL(entry).href);
if (allChunks) {
  const dir = path.join(path.dirname(entry), 'chunks');
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) await import(pathToFileURL(path.join(dir, f)).href);
}
let stack = '';
try {
  // An invalid configuration: shared/platform/config.ts throws from inside the bundle.
  await mod.createHandler({ env: { TRAIL_REGION: 'not a region' } })(Buffer.from('{}'), {});
} catch (err) {
  stack = String(err.stack);
}
const frame = (stack.split('\\n').find((l) => /^\\s+at /.test(l)) ?? '').trim();
process.stdout.write(JSON.stringify({ readyMs: performance.now(), frame, lines: stack.split('\\n').length }));
`;

function once(probe: string, entry: string, chunks: 'entry' | 'all', maps: boolean): { wallMs: number; readyMs: number; frame: string } {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], ...(maps ? { NODE_OPTIONS: '--enable-source-maps' } : {}) };
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [probe, entry, chunks], { env, encoding: 'utf8' });
  const wallMs = since(start);
  if (r.status !== 0) throw new Error(`source map probe failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { readyMs: number; frame: string };
  if (!out.frame) throw new Error('the probe formatted no stack frame');
  return { wallMs, readyMs: out.readyMs, frame: out.frame };
}

const bytesUnder = (dir: string, pick: (f: string) => boolean) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(pick)
    .reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);

export async function sourceMapCost(runs: number, log: (line: string) => void): Promise<SourceMapResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'trail-bench-maps-'));
  const fn = 'remediation';
  try {
    log('source maps: building the remediation bundle with its maps beside the code…');
    // keepMapsBeside: the layout s.yaml shipped before (maps inside the uploaded directory).
    await buildAll({ outDir: path.join(dir, 'dist'), functions: [fn], keepMapsBeside: true });
    const codeDir = path.join(dir, 'dist', fn);
    const entry = path.join(codeDir, 'index.js');
    const probe = path.join(dir, 'probe.mjs');
    writeFileSync(probe, PROBE);
    const cases: SourceMapCase[] = [];
    for (const chunks of ['entry', 'all'] as const) {
      const c: SourceMapCase = { name: chunks === 'entry' ? 'entry only (GET /healthz-like)' : 'every SDK chunk loaded', mapsWallMs: [], plainWallMs: [], mapsReadyMs: [], plainReadyMs: [], mapsFrame: '', plainFrame: '' };
      // Warm the file cache on both sides before timing.
      c.mapsFrame = once(probe, entry, chunks, true).frame;
      c.plainFrame = once(probe, entry, chunks, false).frame;
      for (let i = 0; i < runs; i++) {
        const a = once(probe, entry, chunks, true);
        const b = once(probe, entry, chunks, false);
        c.mapsWallMs.push(a.wallMs);
        c.mapsReadyMs.push(a.readyMs);
        c.plainWallMs.push(b.wallMs);
        c.plainReadyMs.push(b.readyMs);
      }
      log(`source maps: ${c.name}: ${runs} runs each done`);
      cases.push(c);
    }
    return { runs, fn, codeBytes: bytesUnder(codeDir, (f) => f.endsWith('.js')), mapBytes: bytesUnder(codeDir, (f) => f.endsWith('.js.map')), cases };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatSourceMapCost(r: SourceMapResult, ms: (x: number) => string, bytes: (x: number) => string): string[] {
  const lines = [`function: ${r.fn}, code ${bytes(r.codeBytes)}, maps ${bytes(r.mapBytes)}; runs: ${r.runs} each, interleaved`];
  for (const c of r.cases) {
    const wall = median(c.mapsWallMs) / median(c.plainWallMs);
    lines.push(
      `  ${c.name.padEnd(32)} wall: maps ${ms(median(c.mapsWallMs))} vs none ${ms(median(c.plainWallMs))} (${wall.toFixed(2)}x, +${ms(median(c.mapsWallMs) - median(c.plainWallMs))})` +
        `   stack formatted at: maps ${ms(median(c.mapsReadyMs))} vs none ${ms(median(c.plainReadyMs))} (+${ms(median(c.mapsReadyMs) - median(c.plainReadyMs))})`,
    );
  }
  const last = r.cases[r.cases.length - 1]!;
  lines.push(`  first frame with maps: ${last.mapsFrame}`, `  first frame without:   ${last.plainFrame}`);
  return lines;
}

if (require.main === module) {
  const v = Number(process.env['BENCH_MAP_RUNS']);
  const runs = Number.isFinite(v) && v > 0 ? v : 10;
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const mb = (x: number) => `${(x / 1024 / 1024).toFixed(2)} MiB`;
  sourceMapCost(runs, (l) => process.stderr.write(`${l}\n`))
    .then((r) => console.log(formatSourceMapCost(r, ms, mb).join('\n')))
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
