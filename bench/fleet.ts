/**
 * Fleet: remediation of a 1,000-member Resource Directory (baseline trail missing / stopped /
 * drifted / compliant, a quarter each) with 20 ms emulated latency on every call, through
 * remediateAccounts (what the remediation function and each fan-out batch run), against the
 * ideal wall time: total calls × latency / concurrency, i.e. every worker always waiting on a
 * call and nothing else. efficiency = ideal / actual.
 *
 * The emulator runs in its own process (bench/emulator-process.ts), as the cloud would: its CPU
 * does not queue on the provisioner's event loop. Memory is the provisioner process's: sampled
 * while it runs (rss, heapUsed) and maxRSS read at the end.
 */
import { startRemoteEmulator } from './emulator-process';
import { staticCredentials } from '../shared/cloud/credentials';
import { loadConfig } from '../shared/platform/config';
import { createLogger } from '../shared/platform/log';
import { remediateAccounts } from '../shared/triggers/remediation';
import { since } from './stats';
import { BASELINE, fleetSeed, KEY, memberId, MGMT, REGION } from './world';

export interface FleetResult {
  accounts: number;
  latencyMs: number;
  concurrency: number;
  calls: number;
  callsByAction: Record<string, number>;
  wallMs: number;
  idealMs: number;
  efficiency: number;
  fixed: number;
  failed: number;
  counts: Record<string, number>;
  peakRss: number;
  peakHeapUsed: number;
  maxRss: number;
}

export async function fleet(accounts: number, latencyMs: number, concurrency: number, log: (line: string) => void): Promise<FleetResult> {
  const emu = await startRemoteEmulator(fleetSeed(accounts));
  let peakRss = 0;
  let peakHeapUsed = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeapUsed = Math.max(peakHeapUsed, m.heapUsed);
  };
  const sampler = setInterval(sample, 100);
  try {
    const env: NodeJS.ProcessEnv = { TRAIL_EMULATOR_URL: emu.url, TRAIL_REGION: REGION, TRAIL_BASELINE: JSON.stringify([BASELINE]), TRAIL_CONCURRENCY: String(concurrency) };
    const config = loadConfig(env);
    const ids = Array.from({ length: accounts }, (_, i) => memberId(i));
    const started = process.hrtime.bigint();
    const step = Math.max(1, Math.round(accounts / 10));
    // The function's real logger (JSON lines with redaction); progress lines become the bench's.
    const logger = createLogger({ fn: 'bench-fleet' }, {
      write: (line) => {
        if (!line.includes('"msg":"progress"')) return;
        const p = JSON.parse(line) as { accountsDone: number; accountsTotal: number };
        if (p.accountsDone % step === 0 || p.accountsDone === p.accountsTotal) {
          const m = process.memoryUsage();
          log(`fleet: ${String(p.accountsDone).padStart(5)}/${p.accountsTotal} accounts  ${(since(started) / 1000).toFixed(1)} s  rss ${(m.rss / 2 ** 20).toFixed(0)} MiB`);
        }
      },
    });

    await emu.setLatency(latencyMs);
    const from = (await emu.calls(0)).total;
    const t = process.hrtime.bigint();
    const report = await remediateAccounts(ids, [REGION], [BASELINE], { config, credentials: staticCredentials(KEY), env, logger, selfAccountId: MGMT }, { runId: 'bench', dryRun: false, mode: 'batch' });
    const wallMs = since(t);
    sample();
    const calls = (await emu.calls(from)).actions;
    const callsByAction: Record<string, number> = {};
    for (const k of calls) callsByAction[k] = (callsByAction[k] ?? 0) + 1;
    const idealMs = (calls.length * latencyMs) / concurrency;
    return {
      accounts,
      latencyMs,
      concurrency,
      calls: calls.length,
      callsByAction,
      wallMs,
      idealMs,
      efficiency: idealMs / wallMs,
      fixed: report.fixed,
      failed: report.failed.length,
      counts: report.counts,
      peakRss,
      peakHeapUsed,
      // resourceUsage().maxRSS is in KiB.
      maxRss: process.resourceUsage().maxRSS * 1024,
    };
  } finally {
    clearInterval(sampler);
    await emu.close();
  }
}
