/**
 * Flow control: the emulator's per-API token buckets answer with the real throttling codes
 * through the real SDK clients; the run's pacer spaces calls to the configured limits and learns
 * from throttling. Asserts counts and codes, never durations.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import { DEFAULT_RATE_LIMITS, enforceRateLimits, setRateLimits, throttledCalls } from '../emulator/ratelimits';
import { createWorld } from '../emulator/state';
import type { EmuRequest } from '../emulator/types';
import { createStsClient } from '../shared/cloud/sts';
import { createActionTrailClient } from '../shared/cloud/actiontrail';
import { staticCredentials } from '../shared/cloud/credentials';
import { ProvisionError } from '../shared/core/errors';
import { createPacer, parseRateLimits, unpaced } from '../shared/core/pacing';
import { loadConfig } from '../shared/platform/config';
import { memberRoleArn } from '../shared/platform/accounts';
import { remediateAccounts } from '../shared/triggers/remediation';
import { BASELINE, fleetSeed, KEY, memberId, MGMT, REGION } from '../bench/world';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const envFor = (e: Emulator): NodeJS.ProcessEnv => ({ TRAIL_EMULATOR_URL: e.url, TRAIL_REGION: REGION });

async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: ProvisionError }> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return { ok: false, error: e as ProvisionError };
  }
}

describe('emulator flow control', () => {
  it('defaults to the published STS AssumeRole limit, 100 per second per account; a seed can replace or remove it', () => {
    expect(createWorld().rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    expect(DEFAULT_RATE_LIMITS).toEqual([{ match: 'sts:AssumeRole', qps: 100, scope: 'account' }]);
    expect(createWorld({ accounts: [], rateLimits: [] }).rateLimits).toEqual([]);
  });

  it('answers AssumeRole over the per-account limit with 400 Throttling.User through the STS SDK, and admits calls again as the bucket refills', async () => {
    const seed = fleetSeed(4);
    seed.rateLimits = [{ match: 'sts:AssumeRole', qps: 1, burst: 3, scope: 'account' }];
    emu = await createEmulator({ seed });
    const sts = createStsClient({ region: REGION, credentials: staticCredentials(KEY), env: envFor(emu) });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await settle(sts.assumeRole(memberRoleArn(memberId(i % 4)), 'rl-test', 900)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    const refused = results.filter((r) => !r.ok).map((r) => (r as { error: ProvisionError }).error);
    expect(refused).toHaveLength(2);
    for (const err of refused) {
      expect(err).toBeInstanceOf(ProvisionError);
      expect(err).toMatchObject({ code: 'Throttling.User', status: 400, message: 'Request was denied due to user flow control.', retryable: true });
      expect(err.requestId).toMatch(/^[0-9A-F-]{36}$/);
    }
    // Logged like any refused call, with no STS session created for it.
    const logged = emu.world.calls.filter((c) => c.action === 'AssumeRole');
    expect(logged.map((c) => c.code ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'Throttling.User', 'Throttling.User']);
    expect([...emu.world.accessKeys.values()].filter((k) => k.securityToken)).toHaveLength(3);
    expect(throttledCalls(emu.world)).toEqual({ 'Throttling.User': 2 });
  });

  it('an "api" rule limits every caller together with Throttling.Api; an "account" rule gives each caller its own bucket', () => {
    const world = createWorld(fleetSeed(2));
    const req = (accountId: string, action = 'DescribeTrails'): EmuRequest =>
      ({ service: 'actiontrail', action, method: 'POST', caller: { accountId, accessKeyId: 'k' } }) as unknown as EmuRequest;
    const t0 = 1_000_000;
    setRateLimits(world, [{ match: 'actiontrail', qps: 2, scope: 'account' }]);
    const codes = (calls: Array<[string, number]>) =>
      calls.map(([acct, at]) => {
        try {
          enforceRateLimits(req(acct), world, at);
          return 'ok';
        } catch (e) {
          return (e as { code: string }).code;
        }
      });
    // Two per account at once; a third waits half a second (2 per second).
    expect(codes([['a', t0], ['a', t0], ['a', t0], ['b', t0], ['b', t0], ['a', t0 + 500]])).toEqual(['ok', 'ok', 'Throttling.User', 'ok', 'ok', 'ok']);
    setRateLimits(world, [{ match: 'actiontrail:DescribeTrails', qps: 2, scope: 'api' }]);
    expect(codes([['a', t0], ['b', t0], ['c', t0]])).toEqual(['ok', 'ok', 'Throttling.Api']);
    // Another action is not limited by a DescribeTrails rule.
    expect(() => enforceRateLimits(req('c', 'GetTrailStatus'), world, t0)).not.toThrow();
  });

  it('ActionTrail over its limit throttles through the openapi-core client with Throttling.User, retryable', async () => {
    const seed = fleetSeed(1);
    seed.rateLimits = [{ match: 'actiontrail', qps: 1, burst: 1, scope: 'account' }];
    emu = await createEmulator({ seed });
    const at = createActionTrailClient({ region: REGION, credentials: staticCredentials(KEY), env: envFor(emu) });
    const first = await settle(at.describeTrails({}));
    const second = await settle(at.describeTrails({}));
    expect(first.ok).toBe(true);
    expect(second.ok).toBe(false);
    expect((second as { error: ProvisionError }).error).toMatchObject({ code: 'Throttling.User', status: 400, retryable: true });
  });
});

describe('pacing', () => {
  /** A fake clock: sleeping advances it, so spacing is checked without waiting. */
  function clock() {
    let t = 0;
    const sleeps: number[] = [];
    return {
      now: () => t,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        t += ms;
      },
      advance: (ms: number) => void (t += ms),
      sleeps,
    };
  }

  it('parses TRAIL_RATE_LIMITS and names a bad entry', () => {
    expect(parseRateLimits('sts:AssumeRole=20, actiontrail=10')).toEqual([
      { match: 'sts:AssumeRole', qps: 20 },
      { match: 'actiontrail', qps: 10 },
    ]);
    expect(() => parseRateLimits('sts:AssumeRole=fast')).toThrow(/"sts:AssumeRole=fast"/);
    expect(() => loadConfig({ TRAIL_RATE_LIMITS: 'actiontrail=0' })).toThrow(/TRAIL_RATE_LIMITS/);
    expect(loadConfig({}).rateLimits).toEqual([{ match: 'sts:AssumeRole', qps: 100 }]);
    expect(loadConfig({ TRAIL_RATE_LIMITS: 'none' }).rateLimits).toEqual([]);
  });

  it('spaces one caller\'s calls of a limited API 1/qps apart; other callers and unlimited APIs do not wait', async () => {
    const c = clock();
    const pacer = createPacer(parseRateLimits('sts:AssumeRole=10,actiontrail=5'), c);
    const mgmt = pacer.forCaller('mgmt');
    for (let i = 0; i < 5; i++) await mgmt.acquire('sts:AssumeRole');
    expect(c.sleeps).toEqual([100, 100, 100, 100]);
    expect(c.now()).toBe(400);
    await pacer.forCaller('other').acquire('sts:AssumeRole');
    await mgmt.acquire('oss:GetBucketInfo');
    expect(c.sleeps).toHaveLength(4);
    // "actiontrail" covers every ActionTrail action: one lane.
    await mgmt.acquire('actiontrail:DescribeTrails');
    await mgmt.acquire('actiontrail:GetTrailStatus');
    expect(c.sleeps.at(-1)).toBe(200);
  });

  it('slows down on throttling (multiplicative decrease) and recovers toward the configured limit (additive increase)', async () => {
    const c = clock();
    const pacer = createPacer(parseRateLimits('sts:AssumeRole=10'), c);
    const p = pacer.forCaller('mgmt');
    await p.acquire('sts:AssumeRole');
    p.done('sts:AssumeRole', 'Throttling.User');
    // A burst of refusals within one interval counts once.
    p.done('sts:AssumeRole', 'Throttling.User');
    expect(pacer.stats().rates['sts:AssumeRole@mgmt']).toBe(7);
    expect(pacer.stats().throttled['sts:AssumeRole@mgmt']).toBe(2);
    c.advance(2_000);
    await p.acquire('sts:AssumeRole');
    expect(pacer.stats().rates['sts:AssumeRole@mgmt']).toBe(8);
    c.advance(60_000);
    await p.acquire('sts:AssumeRole');
    expect(pacer.stats().rates['sts:AssumeRole@mgmt']).toBe(10);
    // Errors other than throttling do not slow anything down.
    p.done('sts:AssumeRole', 'NoPermission');
    expect(pacer.stats().rates['sts:AssumeRole@mgmt']).toBe(10);
  });

  it('an API with no configured limit is unpaced until throttled, then paced from the rate it was called at', async () => {
    const c = clock();
    const pacer = createPacer([], c);
    const p = pacer.forCaller('acct');
    for (let i = 0; i < 20; i++) await p.acquire('actiontrail:DescribeTrails');
    expect(c.sleeps).toEqual([]);
    p.done('actiontrail:DescribeTrails', 'Throttling.Api');
    expect(pacer.stats().rates['actiontrail:DescribeTrails@acct']).toBe(14);
    await p.acquire('actiontrail:DescribeTrails');
    await p.acquire('actiontrail:DescribeTrails');
    expect(c.sleeps.length).toBeGreaterThan(0);
  });

  it('a 40-account run under a 10/s AssumeRole limit (burst 3): paced, far fewer calls throttled than unpaced, every account fixed either way', async () => {
    const accounts = Array.from({ length: 40 }, (_, i) => memberId(i));
    const run = async (paced: boolean) => {
      const seed = fleetSeed(accounts.length);
      seed.rateLimits = [{ match: 'sts:AssumeRole', qps: 10, burst: 3, scope: 'account' }];
      const e = await createEmulator({ seed });
      try {
        const env = { ...envFor(e), TRAIL_BASELINE: JSON.stringify([BASELINE]), TRAIL_CONCURRENCY: '16', TRAIL_RATE_LIMITS: 'sts:AssumeRole=10' };
        const config = loadConfig(env);
        const report = await remediateAccounts(accounts, [REGION], [BASELINE], { config, credentials: staticCredentials(KEY), env, selfAccountId: MGMT, ...(paced ? {} : { pacer: unpaced }) }, { runId: 'rl', dryRun: false, mode: 'batch' });
        const assumeRoles = e.world.calls.filter((c) => c.action === 'AssumeRole');
        return { failed: report.failed.length, fixed: report.fixed, throttled: assumeRoles.filter((c) => c.code === 'Throttling.User').length, admitted: assumeRoles.filter((c) => c.status === 200).length };
      } finally {
        await e.close();
      }
    };
    const unpacedRun = await run(false);
    const pacedRun = await run(true);
    for (const r of [unpacedRun, pacedRun]) {
      expect(r.failed).toBe(0);
      expect(r.fixed).toBe(30);
      expect(r.admitted).toBe(40);
    }
    // 16 workers start at once against a bucket of 3: unpaced, at least 13 of the first 16 are
    // refused (and their retries keep colliding); paced, calls arrive at the rate the bucket refills.
    expect(unpacedRun.throttled).toBeGreaterThanOrEqual(13);
    expect(pacedRun.throttled).toBeLessThan(unpacedRun.throttled);
    expect(pacedRun.throttled).toBeLessThanOrEqual(3);
  }, 60_000);
});
