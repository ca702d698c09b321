/**
 * Soak: 1,000 trail specs (50 accounts × 4 regions × 5 specs) through ensureTrail with bounded
 * concurrency, the real SDK clients over HTTP against the emulator, while the emulator injects
 * 10% throttling, 10% server errors, 10% dropped connections and 10% hung calls (seeded): the hung
 * calls answer only after the attempt timeout, so each is a client-side timeout while the emulator
 * still carries the call out (a CreateTrail that timed out may have created the trail).
 *
 * Every spec must end logging or with a clear terminal ProvisionError, and the failures must be
 * exactly the deliberately bad specs (each with the code it deserves). Five specs per account and
 * region keeps the 5-trails-per-region limit valid; names are unique per account because
 * ActionTrail trail names are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import { faultTally, setFaults } from '../emulator/faults';
import type { SeedFile } from '../emulator/state';
import { createCloud } from '../shared/cloud';
import { staticCredentials } from '../shared/cloud/credentials';
import { mapSettled } from '../shared/core/concurrency';
import { DOCUMENTED_ERRORS, PROJECT_ERRORS, ProvisionError } from '../shared/core/errors';
import { ensureTrail } from '../shared/core/provisioner';
import { CONSISTENCY_CODES } from '../shared/core/retry';

const REGIONS = ['cn-hangzhou', 'cn-shanghai', 'cn-beijing', 'cn-shenzhen'];
const ACCOUNTS = Array.from({ length: 50 }, (_, i) => `3${String(i + 1).padStart(15, '0')}`);
const SPECS_PER_REGION = 5;
const CONCURRENCY = 16;
/** An attempt is abandoned after ATTEMPT_TIMEOUT_MS; a 'latency' fault holds the call for HUNG_MS, longer. */
const ATTEMPT_TIMEOUT_MS = 200;
const HUNG_MS = 400;
const SEED = 20260711;

const key = (id: string) => ({ accessKeyId: `LTAIsoak${id}`, accessKeySecret: `soak-secret-${id}-0123456789abcdef` });
const writer = (acct: string) => `acs:ram::${acct}:role/actiontrail-writer`;
const bucket = (acct: string, region: string) => `soak-${acct}-${region}`;
const slsArn = (acct: string, region: string, project = `soak-${acct}`) => `acs:log:${region}:${acct}:project/${project}`;

const seed: SeedFile = {
  defaultRegion: REGIONS[0],
  accounts: ACCOUNTS.map((id) => ({
    id,
    rdRole: 'member' as const,
    accessKeys: [key(id)],
    roles: [
      { name: 'actiontrail-writer', trustedServices: ['actiontrail.aliyuncs.com'], trustedAccounts: [], grants: ['*'] },
      { name: 'no-trust', trustedServices: [], trustedAccounts: [], grants: ['*'] },
    ],
    buckets: REGIONS.map((region) => ({ name: bucket(id, region), region })),
    slsProjects: REGIONS.map((region) => ({ name: `soak-${id}`, region, logstores: [], createTime: '2026-01-01T00:00:00Z' })),
  })),
};

interface Case {
  accountId: string;
  region: string;
  spec: Record<string, unknown>;
  /** The terminal code a deliberately bad spec must end with; undefined for good specs. */
  bad?: string;
}

/** A bad spec for slot (account i, region j); one in three account-regions get one. */
function badSpec(acct: string, region: string, name: string, kind: number): { spec: Record<string, unknown>; code: string } {
  switch (kind % 6) {
    case 0:
      return { spec: { Name: name, OssBucketName: `soak-missing-${acct}`, OssKeyPrefix: 'missing-bucket' }, code: 'BucketDoesNotExistException' };
    case 1:
      return { spec: { Name: `Bad Name ${name}`, OssBucketName: bucket(acct, region) }, code: 'InvalidTrailNameException' };
    case 2:
      return { spec: { Name: name, SlsProjectArn: slsArn(acct, region, 'soak-no-such-project'), SlsWriteRoleArn: writer(acct) }, code: 'SlsProjectDoesNotExistException' };
    case 3:
      return {
        spec: { Name: name, OssBucketName: bucket(acct, region), OssKeyPrefix: 'untrusted-role', OssWriteRoleArn: `acs:ram::${acct}:role/no-trust` },
        code: 'InsufficientBucketPolicyException',
      };
    case 4:
      return {
        spec: { Name: name, MaxComputeProjectArn: `acs:odps:${region}:${acct}:project/actiontrail_elsewhere`, MaxComputeWriteRoleArn: writer(acct) },
        code: 'MaxComputeProjectDoesNotExistException',
      };
    default:
      return { spec: { Name: name, EventRW: 'Write' }, code: 'InvalidDeliveryConfigurationException' };
  }
}

function goodSpec(acct: string, region: string, name: string, slot: number): Record<string, unknown> {
  const prefix = `soak-prefix-${slot}`;
  switch (slot % 4) {
    case 0:
      return { Name: name, OssBucketName: bucket(acct, region), OssKeyPrefix: prefix, EventRW: 'All' };
    case 1:
      return { Name: name, OssBucketName: bucket(acct, region), OssKeyPrefix: prefix, SlsProjectArn: slsArn(acct, region), SlsWriteRoleArn: writer(acct) };
    case 2:
      return { Name: name, SlsProjectArn: slsArn(acct, region), EventRW: 'Write' };
    default:
      return { Name: name, OssBucketName: bucket(acct, region), OssKeyPrefix: prefix, OssWriteRoleArn: writer(acct), TrailRegion: region };
  }
}

function buildCases(): Case[] {
  const cases: Case[] = [];
  let badKind = 0;
  ACCOUNTS.forEach((acct, i) =>
    REGIONS.forEach((region, j) => {
      for (let slot = 0; slot < SPECS_PER_REGION; slot++) {
        const name = `soak-r${j}-s${slot}`;
        if (slot === SPECS_PER_REGION - 1 && (i + j) % 3 === 0) {
          const { spec, code } = badSpec(acct, region, name, badKind++);
          cases.push({ accountId: acct, region, spec, bad: code });
        } else {
          cases.push({ accountId: acct, region, spec: goodSpec(acct, region, name, slot) });
        }
      }
    }),
  );
  return cases;
}

let emu: Emulator;
beforeAll(async () => {
  emu = await createEmulator({ seed });
});
afterAll(async () => {
  await emu.close();
});

describe('soak under injected faults', () => {
  it('1,000 specs across 50 accounts × 4 regions all end logging or with the terminal error they deserve', async () => {
    const cases = buildCases();
    expect(cases.length).toBeGreaterThanOrEqual(1_000);
    const badCount = cases.filter((c) => c.bad).length;
    expect(badCount).toBeGreaterThan(50);

    setFaults(emu.world, {
      seed: SEED,
      rules: [
        { match: '*', kind: 'throttle', rate: 0.1 },
        { match: '*', kind: 'error5xx', rate: 0.1 },
        { match: '*', kind: 'drop', rate: 0.1 },
        { match: '*', kind: 'latency', rate: 0.1, ms: HUNG_MS },
      ],
    });

    const clouds = new Map<string, ReturnType<typeof createCloud>>();
    const cloudOf = (acct: string, region: string) => {
      const k = `${acct}/${region}`;
      let c = clouds.get(k);
      if (!c) clouds.set(k, (c = createCloud({ region, accountId: acct, credentials: staticCredentials(key(acct)), env: { TRAIL_EMULATOR_URL: emu.url } })));
      return c;
    };
    let retries = 0;
    const retriedCodes: Record<string, number> = {};
    const settled = await mapSettled(cases, CONCURRENCY, (c) =>
      ensureTrail(c.spec, cloudOf(c.accountId, c.region), {
        verifyTimeoutMs: 5_000,
        // The functions' retry policy (DEFAULT_RETRY: attempts, codes), its waits scaled down 100-200x.
        retry: {
          baseMs: 2,
          capMs: 25,
          consistencyWindowMs: 300,
          attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
          deadline: Date.now() + 120_000,
          onRetry: ({ error }) => {
            retries++;
            retriedCodes[error.code] = (retriedCodes[error.code] ?? 0) + 1;
          },
        },
      }),
    );
    setFaults(emu.world, { rules: [] });

    const failedByCode: Record<string, number> = {};
    const unexpected: string[] = [];
    settled.forEach((s, i) => {
      const c = cases[i]!;
      const where = `${c.accountId}/${c.region}/${String(c.spec['Name'])}`;
      if (s.ok) {
        if (c.bad) unexpected.push(`${where}: bad spec (${c.bad}) succeeded`);
        const trail = emu.world.accounts.get(c.accountId)!.trails.find((t) => t.Name === c.spec['Name']);
        if (trail?.Status !== 'Enable' || trail.HomeRegion !== c.region) unexpected.push(`${where}: reported ok but the trail is ${trail?.Status ?? 'absent'}`);
        if (s.value.status?.IsLogging !== true) unexpected.push(`${where}: reported ok without IsLogging`);
        return;
      }
      const err = s.error;
      if (!(err instanceof ProvisionError)) {
        unexpected.push(`${where}: not a ProvisionError: ${String(err)}`);
        return;
      }
      failedByCode[err.code] = (failedByCode[err.code] ?? 0) + 1;
      const documented = err.code in DOCUMENTED_ERRORS || err.code in PROJECT_ERRORS;
      if (!documented) unexpected.push(`${where}: undocumented code ${err.code}`);
      if (!err.message || err.message.length < 10) unexpected.push(`${where}: unclear message "${err.message}"`);
      if (err.code !== c.bad) unexpected.push(`${where}: failed with ${err.code} (${err.message}); expected ${c.bad ?? 'success'}`);
    });

    // One trail per name per account, every trail logging, and only good specs made trails.
    const goodKeys = new Set(cases.filter((c) => !c.bad).map((c) => `${c.accountId}/${String(c.spec['Name'])}`));
    let trails = 0;
    for (const acct of ACCOUNTS) {
      const names = emu.world.accounts.get(acct)!.trails.map((t) => t.Name);
      expect(new Set(names).size, `duplicate trail names in ${acct}`).toBe(names.length);
      for (const t of emu.world.accounts.get(acct)!.trails) {
        trails++;
        if (t.Status !== 'Enable') unexpected.push(`${acct}/${t.Name}: left ${t.Status}`);
        if (!goodKeys.has(`${acct}/${t.Name}`)) unexpected.push(`${acct}/${t.Name}: a trail for a bad spec`);
      }
      for (const region of REGIONS) expect(emu.world.accounts.get(acct)!.trails.filter((t) => t.HomeRegion === region).length).toBeLessThanOrEqual(5);
    }

    const calls = emu.world.calls;
    const byStatus: Record<string, number> = {};
    for (const c of calls) byStatus[c.code ?? String(c.status)] = (byStatus[c.code ?? String(c.status)] ?? 0) + 1;
    const tally = {
      specs: cases.length,
      logging: settled.filter((s) => s.ok).length,
      failed: settled.filter((s) => !s.ok).length,
      failedByCode,
      trailsInWorld: trails,
      totalCalls: calls.length,
      injectedFaults: { ...faultTally(emu.world) },
      retries,
      retriedCodes,
      callOutcomes: byStatus,
    };
    console.log(`[soak] ${JSON.stringify(tally, null, 2)}`);

    expect(unexpected).toEqual([]);
    expect(tally.logging).toBe(cases.length - badCount);
    expect(tally.failed).toBe(badCount);
    expect(trails).toBe(cases.length - badCount);
    // The faults really happened, in every injected way (latency: hung calls), and were retried through.
    for (const kind of ['throttle', 'error5xx', 'drop', 'latency'] as const) expect(tally.injectedFaults[kind]).toBeGreaterThan(200);
    // Every failing fault was retried (none exhausted the budget); the only other retries are the
    // bad destinations' eventual-consistency codes, inside their (scaled) window, before they failed.
    const consistencyRetries = Object.entries(retriedCodes).filter(([code]) => CONSISTENCY_CODES.has(code)).reduce((n, [, k]) => n + k, 0);
    const timeouts = retriedCodes['ETIMEDOUT'] ?? 0;
    const failing = tally.injectedFaults.throttle + tally.injectedFaults.error5xx + tally.injectedFaults.drop;
    const otherRetries = retries - consistencyRetries - timeouts;
    // Every hung call was abandoned and retried; a few more attempts may time out on a busy machine
    // (retried too), and a fault on such an abandoned attempt's call is then not retried on its own.
    const spuriousTimeouts = timeouts - tally.injectedFaults.latency;
    expect(spuriousTimeouts).toBeGreaterThanOrEqual(0);
    expect(otherRetries).toBeLessThanOrEqual(failing);
    expect(failing - otherRetries).toBeLessThanOrEqual(spuriousTimeouts);
    // Some abandoned CreateTrail calls were carried out after all: the retry met TrailAlreadyExistsException and went on.
    expect(byStatus['TrailAlreadyExistsException'] ?? 0).toBeGreaterThan(0);
    // Preflight caught every bad destination: CreateTrail only ever failed by injection, or as the
    // retry of an abandoned (hung) CreateTrail that the emulator carried out after all.
    const injectedCodes = new Set(['Throttling.User', 'ServiceUnavailable', 'InternalError', 'Dropped', 'TrailAlreadyExistsException']);
    expect(calls.filter((c) => c.action === 'CreateTrail' && c.status !== 200 && !injectedCodes.has(c.code ?? ''))).toEqual([]);
  }, 90_000);
});
