/**
 * Fan-out as it runs on FC, end to end, for a 10,000-member Resource Directory:
 *
 *   timer invocation (the remediation handler, here in the bench process)
 *     → Resource Directory ListAccounts (every page) → FC InvokeFunction async, one per batch
 *     → the emulator runs each batch in an instance process of the function's pool
 *       (emulator/fc-workers.ts: functions/remediation/index.ts, one invocation per instance at a
 *       time, as FC instances run), each remediating its accounts against the emulator and writing
 *       batch-<n>.json to OSS
 *     → the last batch to finish merges every batch report into summary.json.
 *
 * Measured: wall time from the timer invocation to the last batch finished, against the ideal:
 * the timer's ListAccounts pages one after another and its InvokeFunction calls TRAIL_CONCURRENCY
 * at once, then every other call of the run (the emulator's call log) × latency ÷ (instances ×
 * TRAIL_CONCURRENCY), i.e. every instance's every worker always waiting on a call. Also each
 * instance's peak RSS, batches dispatched / run again (FC async retries), and the summary's counts
 * against the seeded truth (a quarter each missing / stopped / drifted / compliant).
 *
 * The emulator runs in its own process and the instances are its children: the provisioner's CPU
 * is neither the cloud's nor another instance's. Latency per call is 100 ms by default (a cloud
 * API round trip from FC is tens of ms; more keeps the run bound by latency rather than by this
 * 2-core machine's CPU, which ~45,000 signed calls, both sides, would otherwise saturate).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildAll } from '../scripts/build';
import { staticCredentials } from '../shared/cloud/credentials';
import { createOssClient } from '../shared/cloud/oss';
import { silentLogger } from '../shared/platform/log';
import { createHandler } from '../functions/remediation';
import type { Report } from '../shared/triggers/report';
import { startRemoteEmulator, type AsyncDigest } from './emulator-process';
import { since } from './stats';
import { BASELINE, BUCKET, fleetSeed, fleetState, KEY, MGMT, REGION } from './world';

export interface FanoutResult {
  accounts: number;
  latencyMs: number;
  instances: number;
  concurrency: number;
  batchSize: number;
  batches: number;
  runs: number;
  retried: number;
  failedBatches: number;
  calls: number;
  callsByService: Record<string, number>;
  wallMs: number;
  idealMs: number;
  efficiency: number;
  peakRssPerInstance: number[];
  /** CPU used by the instances, ms (beside wall × cores: how CPU-bound the run was). */
  instanceCpuMs: number;
  summary: { counts: Record<string, number>; fixed: number; failed: number; accounts: number } | undefined;
  truth: Record<string, number>;
  matchesTruth: boolean;
}

const FUNCTION = 'remediation';
const PREFIX = 'bench-reports';

export async function fanout(
  accounts: number,
  opts: { latencyMs: number; instances: number; concurrency: number; batchSize: number },
  log: (line: string) => void,
): Promise<FanoutResult> {
  // The instances run the deployed artifact: the remediation bundle, as FC loads it.
  const dir = mkdtempSync(path.join(tmpdir(), 'trail-fanout-'));
  const [bundle] = await buildAll({ outDir: path.join(dir, 'dist'), functions: [FUNCTION] });
  const emu = await startRemoteEmulator({ ...fleetSeed(accounts), rateLimits: [] });
  try {
    // The function's configuration, as s.yaml would set it.
    const fnEnv: Record<string, string> = {
      TRAIL_EMULATOR_URL: emu.url,
      TRAIL_REGION: REGION,
      TRAIL_BASELINE: JSON.stringify([BASELINE]),
      TRAIL_CONCURRENCY: String(opts.concurrency),
      TRAIL_FANOUT_BATCH: String(opts.batchSize),
      TRAIL_FANOUT_THRESHOLD: '50',
      TRAIL_REPORT_OSS: `oss://${BUCKET}/${PREFIX}`,
      TRAIL_RATE_LIMITS: 'none',
      TRAIL_LOG_LEVEL: 'error',
    };
    await emu.addFunction({
      name: FUNCTION,
      accountId: MGMT,
      region: REGION,
      worker: { module: bundle!.file, instances: opts.instances, env: fnEnv },
      // s.yaml: timeout 600, asyncInvokeConfig.maxAsyncRetryAttempts 2.
      timeout: 600,
      maxAsyncRetryAttempts: 2,
    });
    await emu.setLatency(opts.latencyMs);
    const from = (await emu.calls(0)).total;

    const timer = createHandler({ env: fnEnv, credentials: staticCredentials(KEY), logger: silentLogger });
    const event = Buffer.from(JSON.stringify({ triggerTime: new Date().toISOString(), triggerName: 'bench-sweep', payload: '' }));
    const t = process.hrtime.bigint();
    const dispatch = await timer(event, { requestId: 'bench-timer', region: REGION, accountId: MGMT, function: { name: FUNCTION, timeout: 600 } });
    log(`fanout: timer dispatched ${dispatch.batches?.length ?? 0} batches in ${(since(t) / 1000).toFixed(1)} s; waiting for the instances…`);
    const progress = setInterval(() => log(`fanout: ${(since(t) / 1000).toFixed(0)} s…`), 15_000);
    let digest: AsyncDigest;
    try {
      digest = await emu.waitAsync(30 * 60_000);
    } finally {
      clearInterval(progress);
    }
    const wallMs = since(t);

    const { actions } = await emu.calls(from);
    const callsByService: Record<string, number> = {};
    for (const a of actions) {
      const svc = a.split(':')[0]!;
      callsByService[svc] = (callsByService[svc] ?? 0) + 1;
    }
    // The timer's part is serial (ListAccounts pages one after another) then its dispatch
    // (InvokeFunction, TRAIL_CONCURRENCY at once); the batches' part runs on every instance.
    const rmCalls = callsByService['resourcemanager'] ?? 0;
    const fcCalls = callsByService['fc'] ?? 0;
    const batchCalls = actions.length - rmCalls - fcCalls;
    const idealMs = rmCalls * opts.latencyMs + (fcCalls * opts.latencyMs) / opts.concurrency + (batchCalls * opts.latencyMs) / (opts.instances * opts.concurrency);

    const oss = createOssClient({ region: REGION, credentials: staticCredentials(KEY), env: { TRAIL_EMULATOR_URL: emu.url } });
    await emu.setLatency(0);
    const text = await oss.getObjectText(BUCKET, `${PREFIX}/${dispatch.runId}/summary.json`);
    const s = text ? (JSON.parse(text) as Report) : undefined;
    const summary = s && { counts: s.counts as Record<string, number>, fixed: s.fixed, failed: s.failed.length, accounts: s.accounts };

    // The seeded truth, in the report's classifications (a stopped trail is "not-logging"); the
    // Resource Directory also lists the management account, which has no baseline trail.
    const truth: Record<string, number> = { missing: 1 };
    for (let i = 0; i < accounts; i++) {
      const c = fleetState(i) === 'stopped' ? 'not-logging' : fleetState(i);
      truth[c] = (truth[c] ?? 0) + 1;
    }
    const matchesTruth =
      !!summary && summary.accounts === accounts + 1 && summary.failed === 0 && summary.fixed === accounts + 1 - (truth['compliant'] ?? 0) && Object.entries(truth).every(([k, v]) => summary.counts[k] === v);

    const instances = Object.values(digest.instances).flat();
    return {
      accounts,
      latencyMs: opts.latencyMs,
      instances: opts.instances,
      concurrency: opts.concurrency,
      batchSize: opts.batchSize,
      batches: digest.invocations.length,
      runs: digest.invocations.reduce((n, i) => n + i.attempts, 0),
      retried: digest.invocations.filter((i) => i.attempts > 1).length,
      failedBatches: digest.invocations.filter((i) => i.status !== 'Succeeded').length,
      calls: actions.length,
      callsByService,
      wallMs,
      idealMs,
      efficiency: idealMs / wallMs,
      peakRssPerInstance: instances.map((i) => Math.max(i.peakRss, i.maxRss)),
      instanceCpuMs: instances.reduce((n, i) => n + i.cpuMs, 0),
      summary,
      truth,
      matchesTruth,
    };
  } finally {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
