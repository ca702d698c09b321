/**
 * Cold start: the bundled self-service function (dist/selfservice/index.js, an ES module built by
 * buildAll into a temporary directory) imported in a fresh `node` process that answers one
 * GET /healthz through the handler and exits, against a bare `node` process whose tiny handler returns the same
 * response. Runs are interleaved (bundle, bare, bundle, ...) so drift in machine load hits both
 * sides alike. Also the bundle sizes per function: the entry every cold start loads, and the
 * chunks loaded on first use, raw and gzipped (what FC uploads is a zip).
 *
 * Then, for context (no goal): the same bundle's cold start answering a real request, an
 * authenticated GET /trails that loads the ActionTrail SDK chunk and calls DescribeTrails on the
 * emulator (in its own process), next to the /healthz cold start: what the lazily loaded SDKs
 * cost the first request that needs them.
 *
 * Two timings per run: wall time from spawn to exit (what a cold invocation costs the platform)
 * and, inside the child, performance.now() when the answer is ready (time since the process
 * started, without exit and teardown).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildAll, type BundleSize } from '../scripts/build';
import { startRemoteEmulator } from './emulator-process';
import { median, since } from './stats';
import { KEY, singleAccountSeed } from './world';

export interface ColdStartResult {
  runs: number;
  bundleWallMs: number[];
  bareWallMs: number[];
  bundleReadyMs: number[];
  bareReadyMs: number[];
  /** median(bundle wall) / median(bare wall). */
  ratio: number;
  readyRatio: number;
  /** GET /trails (DescribeTrails on the emulator) answered by a fresh process: wall and in-child ready times. */
  realWallMs: number[];
  realReadyMs: number[];
  sizes: Array<BundleSize & { gzipBytes: number }>;
}

const EVENT = {
  version: 'v1',
  rawPath: '/healthz',
  headers: {},
  queryParameters: {},
  body: '',
  isBase64Encoded: false,
  requestContext: { requestId: 'bench-cold', http: { method: 'GET', path: '/healthz' } },
};
const CONTEXT = { requestId: 'bench-cold', region: 'cn-hangzhou', function: { name: 'selfservice', timeout: 60 } };

const TOKEN = 'bench-cold-token-0123456789';
const REAL_EVENT = {
  ...EVENT,
  rawPath: '/trails',
  headers: { authorization: `Bearer ${TOKEN}` },
  requestContext: { requestId: 'bench-cold-real', http: { method: 'GET', path: '/trails' } },
};
const REAL_CONTEXT = { ...CONTEXT, credentials: KEY };

/** The child (an ES module): import the handler module, answer one event (argv[3], else /healthz), print the answer and the ready time. */
const PROBE = `
const mod = await import(process.argv[2]);
const [event, context] = process.argv[3] ? JSON.parse(process.argv[3]) : [${JSON.stringify(EVENT)}, ${JSON.stringify(CONTEXT)}];
mod.handler(Buffer.from(JSON.stringify(event)), context).then((res) => {
  process.stdout.write(JSON.stringify({ readyMs: performance.now(), statusCode: res.statusCode, body: res.body }));
});
`;

/** The bare baseline: the same answer with no code behind it. */
const BARE = `
exports.handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify({ status: 'ok' }),
  isBase64Encoded: false,
});
`;

function once(probe: string, modulePath: string, real?: { emulatorUrl: string }): { wallMs: number; readyMs: number; body: string } {
  const start = process.hrtime.bigint();
  // Minimal environment: the function must start from its own defaults, as on a fresh instance.
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] };
  const args = [probe, modulePath];
  if (real) {
    Object.assign(env, { TRAIL_EMULATOR_URL: real.emulatorUrl, TRAIL_HTTP_TOKENS: TOKEN, TRAIL_LOG_LEVEL: 'error' });
    args.push(JSON.stringify([REAL_EVENT, REAL_CONTEXT]));
  }
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  const wallMs = since(start);
  if (r.status !== 0) throw new Error(`cold start probe failed (${r.status}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { readyMs: number; statusCode: number; body: string };
  if (out.statusCode !== 200) throw new Error(`cold start probe answered ${out.statusCode}: ${out.body}`);
  return { wallMs, readyMs: out.readyMs, body: out.body };
}

export async function coldStart(runs: number, log: (line: string) => void): Promise<ColdStartResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'trail-bench-'));
  try {
    log('cold start: building the bundles…');
    const built = await buildAll({ outDir: path.join(dir, 'dist') });
    const sizes = built.map((s) => ({ ...s, gzipBytes: gzipSync(readFileSync(s.file), { level: 9 }).length }));
    const bundle = built.find((s) => s.name === 'selfservice')!.file;
    const probe = path.join(dir, 'probe.mjs');
    const bare = path.join(dir, 'bare.js');
    writeFileSync(probe, PROBE);
    writeFileSync(bare, BARE);

    // Same answer on both sides, or the comparison means nothing.
    const a = once(probe, bundle);
    const b = once(probe, bare);
    if (a.body !== b.body) throw new Error(`bundle and bare answers differ: ${a.body} vs ${b.body}`);

    const res = { bundleWallMs: [] as number[], bareWallMs: [] as number[], bundleReadyMs: [] as number[], bareReadyMs: [] as number[] };
    for (let i = 0; i < runs; i++) {
      const x = once(probe, bundle);
      const y = once(probe, bare);
      res.bundleWallMs.push(x.wallMs);
      res.bundleReadyMs.push(x.readyMs);
      res.bareWallMs.push(y.wallMs);
      res.bareReadyMs.push(y.readyMs);
    }
    log(`cold start: ${runs} runs each done; first real request…`);

    const emulator = await startRemoteEmulator(singleAccountSeed());
    const realWallMs: number[] = [];
    const realReadyMs: number[] = [];
    try {
      for (let i = 0; i < runs; i++) {
        const x = once(probe, bundle, { emulatorUrl: emulator.url });
        if (!x.body.includes('"TrailList"')) throw new Error(`GET /trails answered ${x.body}`);
        realWallMs.push(x.wallMs);
        realReadyMs.push(x.readyMs);
      }
    } finally {
      await emulator.close();
    }
    return {
      runs,
      ...res,
      realWallMs,
      realReadyMs,
      ratio: median(res.bundleWallMs) / median(res.bareWallMs),
      readyRatio: median(res.bundleReadyMs) / median(res.bareReadyMs),
      sizes,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
