/**
 * Fleet under the cloud's rate limits: remediation of a 1,000-member Resource Directory (the same
 * world as bench/fleet.ts) against an emulator that enforces flow control — STS AssumeRole limited
 * per calling account (the management account makes every AssumeRole: one caller, one limit) and
 * ActionTrail limited per account — with the run pacing itself to the same limits
 * (TRAIL_RATE_LIMITS, shared/core/pacing.ts).
 *
 * What bounds such a run is not CPU but the limits: the floor is, for each limited API, its
 * calls ÷ its QPS (per scope: AssumeRole has one caller, so all 1,000 calls share one limit;
 * ActionTrail's limit is each member's own, so its floor is the busiest member's calls ÷ QPS),
 * the largest wins. efficiency = floor / wall. Also the share of calls refused with a throttling
 * code (each one a wasted round trip and a retry).
 *
 * The limits are AssumeRole 20 QPS and ActionTrail 10 QPS per account: a 50 s floor for
 * 1,000 accounts, the default. BENCH_RATE_SCALE multiplies the limits on both sides, the
 * emulator's and the pacer's (2: 40 and 20 QPS, a 25 s floor): the ratio floor / wall is the same
 * measure at any scale as long as the run stays bound by the limits and not by CPU (on this
 * shared 2-core machine a scale of 2 is already CPU-bound; the bench prints the floor it used).
 */
import { staticCredentials } from '../shared/cloud/credentials';
import { loadConfig } from '../shared/platform/config';
import { createLogger } from '../shared/platform/log';
import { remediateAccounts } from '../shared/triggers/remediation';
import { createPacer } from '../shared/core/pacing';
import type { RateLimitRule } from '../emulator/state';
import { startRemoteEmulator } from './emulator-process';
import { since } from './stats';
import { BASELINE, fleetSeed, KEY, memberId, MGMT, REGION } from './world';

export interface RateLimitResult {
  accounts: number;
  latencyMs: number;
  concurrency: number;
  assumeRoleQps: number;
  actionTrailQps: number;
  calls: number;
  throttled: number;
  throttledShare: number;
  floorMs: number;
  /** Which API sets the floor, and each API's own floor. */
  floors: Record<string, number>;
  wallMs: number;
  efficiency: number;
  failed: number;
  fixed: number;
  pacerWaited: number;
}

export async function rateLimited(accounts: number, latencyMs: number, concurrency: number, scale: number, log: (line: string) => void): Promise<RateLimitResult> {
  const assumeRoleQps = 20 * scale;
  const actionTrailQps = 10 * scale;
  const seed = fleetSeed(accounts);
  const rules: RateLimitRule[] = [
    { match: 'sts:AssumeRole', qps: assumeRoleQps, scope: 'account' },
    { match: 'actiontrail', qps: actionTrailQps, scope: 'account' },
  ];
  seed.rateLimits = rules;
  const emu = await startRemoteEmulator(seed);
  try {
    const env: NodeJS.ProcessEnv = {
      TRAIL_EMULATOR_URL: emu.url,
      TRAIL_REGION: REGION,
      TRAIL_BASELINE: JSON.stringify([BASELINE]),
      TRAIL_CONCURRENCY: String(concurrency),
      TRAIL_RATE_LIMITS: `sts:AssumeRole=${assumeRoleQps},actiontrail=${actionTrailQps}`,
    };
    const config = loadConfig(env);
    const ids = Array.from({ length: accounts }, (_, i) => memberId(i));
    const started = process.hrtime.bigint();
    const step = Math.max(1, Math.round(accounts / 5));
    const logger = createLogger({ fn: 'bench-ratelimit' }, {
      write: (line) => {
        if (!line.includes('"msg":"progress"')) return;
        const p = JSON.parse(line) as { accountsDone: number; accountsTotal: number };
        if (p.accountsDone % step === 0) log(`rate-limit: ${String(p.accountsDone).padStart(5)}/${p.accountsTotal} accounts  ${(since(started) / 1000).toFixed(1)} s`);
      },
    });
    await emu.setLatency(latencyMs);
    const from = (await emu.calls(0)).total;
    const pacer = createPacer(config.rateLimits);
    const t = process.hrtime.bigint();
    const report = await remediateAccounts(ids, [REGION], [BASELINE], { config, credentials: staticCredentials(KEY), env, logger, selfAccountId: MGMT, pacer }, { runId: 'bench-rl', dryRun: false, mode: 'batch' });
    const wallMs = since(t);
    const { actions, codes, callers } = await emu.calls(from);
    const throttled = codes.filter((c) => c !== null && c.startsWith('Throttling')).length;
    // Admitted calls per limited API and scope (a refused call takes no token, so it does not count toward the floor).
    const assumeRoles = actions.filter((a, i) => a === 'sts:AssumeRole' && codes[i] === null).length;
    // ActionTrail's limit is per calling account: its floor is the busiest account's calls ÷ QPS.
    const atCalls = new Map<string, number>();
    actions.forEach((a, i) => {
      if (a.startsWith('actiontrail:') && codes[i] === null) atCalls.set(callers[i] ?? '', (atCalls.get(callers[i] ?? '') ?? 0) + 1);
    });
    const perAccountAt = Math.max(0, ...atCalls.values());
    const floors: Record<string, number> = {
      'sts:AssumeRole': (assumeRoles / assumeRoleQps) * 1000,
      'actiontrail (per account)': (perAccountAt / actionTrailQps) * 1000,
    };
    const floorMs = Math.max(...Object.values(floors));
    return {
      accounts,
      latencyMs,
      concurrency,
      assumeRoleQps,
      actionTrailQps,
      calls: actions.length,
      throttled,
      throttledShare: throttled / actions.length,
      floorMs,
      floors,
      wallMs,
      efficiency: floorMs / wallMs,
      failed: report.failed.length,
      fixed: report.fixed,
      pacerWaited: pacer.stats().waited,
    };
  } finally {
    await emu.close();
  }
}
