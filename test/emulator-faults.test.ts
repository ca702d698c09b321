/**
 * Fault injection seen through real clients: throttling and 5xx in each service family's own
 * codes, the `times` budget, dropped connections, stale reads (thrown, or a lagging answer),
 * repeatable seeded runs, and faults applying only after the signature has been verified.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import SlsClient from '@alicloud/sls20201230';
// @ts-expect-error ali-oss ships no type declarations; the call used is typed below.
import AliOssModule from 'ali-oss';
import { createEmulator, type Emulator } from '../emulator/server';
import { clearFaults, mulberry32, setFaults } from '../emulator/faults';
import type { SeedFile } from '../emulator/state';
import { staticCredentials } from '../shared/cloud/credentials';
import { akCredential } from './helpers/world';
import { endpointFor } from '../shared/cloud/endpoints';
import { createStsClient } from '../shared/cloud/sts';
import { createActionTrailClient } from '../shared/cloud/actiontrail';
import { ProvisionError } from '../shared/core/errors';
import { retryPolicy, withRetry } from '../shared/core/retry';

const ACCOUNT = '1000000000000001';
const KEY = { accessKeyId: 'LTAI-faults-0001', accessKeySecret: 'faults-secret-0123456789abcdef' };
const REGION = 'cn-hangzhou';
const seed: SeedFile = {
  defaultRegion: REGION,
  accounts: [
    {
      id: ACCOUNT,
      accessKeys: [KEY],
      buckets: [{ name: 'faults-bucket', region: REGION }],
      slsProjects: [{ name: 'faults-project', region: REGION, logstores: [], createTime: '2026-01-01T00:00:00Z' }],
    },
  ],
};

interface AliOss {
  getBucketInfo(name: string): Promise<unknown>;
}
const AliOss = AliOssModule as new (options: Record<string, unknown>) => AliOss;

let emu: Emulator;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  emu = await createEmulator({ seed });
  env = { TRAIL_EMULATOR_URL: emu.url };
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => clearFaults(emu.world));

const sts = (secret = KEY.accessKeySecret) =>
  createStsClient({ region: REGION, credentials: staticCredentials({ ...KEY, accessKeySecret: secret }), env });

/** 'ok', or the ProvisionError code the client module raised. */
async function attempt(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(ProvisionError);
    return `${(e as ProvisionError).code}/${(e as ProvisionError).status}`;
  }
}

describe('fault rules', () => {
  it('a throttle rule with rate 1 and times 2 fails exactly two calls, then calls pass', async () => {
    emu.world.faults = { rules: [{ match: 'sts:GetCallerIdentity', kind: 'throttle', rate: 1, times: 2 }] };
    const client = sts();
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await attempt(client.getCallerIdentity()));
    expect(results).toEqual(['Throttling.User/400', 'Throttling.User/400', 'ok', 'ok']);
  });

  it('matches by service and action only', async () => {
    emu.world.faults = { rules: [{ match: 'sts:AssumeRole', kind: 'throttle', rate: 1 }, { match: 'oss', kind: 'throttle', rate: 1 }] };
    expect(await attempt(sts().getCallerIdentity())).toBe('ok');
    emu.world.faults = { rules: [{ match: '*', kind: 'throttle', rate: 1, times: 1 }] };
    expect(await attempt(sts().getCallerIdentity())).toBe('Throttling.User/400');
  });

  it('error5xx gives the POP 503 ServiceUnavailable or 500 InternalError', async () => {
    emu.world.faults = { seed: 7, rules: [{ match: 'sts', kind: 'error5xx', rate: 1, times: 6 }] };
    const client = sts();
    for (let i = 0; i < 6; i++) {
      expect(['ServiceUnavailable/503', 'InternalError/500']).toContain(await attempt(client.getCallerIdentity()));
    }
    expect(await attempt(client.getCallerIdentity())).toBe('ok');
  });

  it('drop makes the client see a connection error, then the service answers again', async () => {
    emu.world.faults = { rules: [{ match: 'sts', kind: 'drop', rate: 1, times: 1 }] };
    const client = sts();
    const dropped = await attempt(client.getCallerIdentity());
    expect(dropped).toMatch(/^(ECONNRESET|ETIMEDOUT|ECONNABORTED|EPIPE)\//);
    expect(await attempt(client.getCallerIdentity())).toBe('ok');
    expect(emu.world.calls.some((c) => c.code === 'Dropped')).toBe(true);
  });

  it('faults apply after the signature check: a bad signature is still SignatureDoesNotMatch', async () => {
    emu.world.faults = { rules: [{ match: '*', kind: 'throttle', rate: 1 }] };
    expect(await attempt(sts('wrong-secret-wrong-secret-000000').getCallerIdentity())).toBe('SignatureDoesNotMatch/400');
  });

  it('latency rules delay without failing calls', async () => {
    emu.world.faults = { latencyMs: 5, rules: [{ match: 'sts', kind: 'latency', rate: 1, ms: 5 }] };
    expect(await attempt(sts().getCallerIdentity())).toBe('ok');
  });
});

describe('stale (eventual consistency)', () => {
  it('on GetTrailStatus answers normally but lags: IsLogging=false right after StartLogging, then the real status', async () => {
    const at = createActionTrailClient({ region: REGION, credentials: staticCredentials(KEY), env });
    await at.createTrail({ Name: 'stale-status', OssBucketName: 'faults-bucket' });
    await at.startLogging('stale-status');
    emu.world.faults = { rules: [{ match: 'actiontrail:GetTrailStatus', kind: 'stale', rate: 1, times: 1 }] };
    const lagging = await at.getTrailStatus('stale-status', false);
    expect(lagging.IsLogging).toBe(false);
    expect(lagging.StartLoggingTime ?? '').toBe('');
    expect(lagging.LatestDeliveryError ?? '').toBe('');
    const now = await at.getTrailStatus('stale-status', false);
    expect(now.IsLogging).toBe(true);
    expect(now.StartLoggingTime).toBeTruthy();
    expect(emu.world.calls.slice(-2).map((c) => c.status)).toEqual([200, 200]);
  });

  it('keeps throwing where the cloud fails the call (SLS ProjectNotExist), and never fires on calls without a stale answer', async () => {
    emu.world.faults = { rules: [{ match: 'sls', kind: 'stale', rate: 1, times: 1 }, { match: 'sts', kind: 'stale', rate: 1 }] };
    const { endpoint, protocol } = endpointFor('sls', REGION, { env });
    const client = new SlsClient(new $OpenApiUtil.Config({ credential: akCredential(KEY), endpoint, protocol, regionId: REGION }));
    await expect(client.getProject('faults-project')).rejects.toMatchObject({ code: 'ProjectNotExist', statusCode: 404 });
    await expect(client.getProject('faults-project')).resolves.toBeTruthy();
    expect(await attempt(sts().getCallerIdentity())).toBe('ok');
  });
});

describe('service-specific fault codes', () => {
  it('OSS throttling is 503 SlowDown (ali-oss)', async () => {
    emu.world.faults = { rules: [{ match: 'oss', kind: 'throttle', rate: 1, times: 1 }] };
    const { endpoint } = endpointFor('oss', REGION, { env });
    const oss = new AliOss({ ...KEY, endpoint: `http://${endpoint}`, region: `oss-${REGION}`, authorizationV4: true, retryMax: 0 });
    await expect(oss.getBucketInfo('faults-bucket')).rejects.toMatchObject({ code: 'SlowDown', status: 503 });
  });

  it('SLS throttling of a read is 403 ReadQuotaExceed (sls20201230)', async () => {
    emu.world.faults = { rules: [{ match: 'sls', kind: 'throttle', rate: 1, times: 1 }] };
    const { endpoint, protocol } = endpointFor('sls', REGION, { env });
    const client = new SlsClient(
      new $OpenApiUtil.Config({ credential: akCredential(KEY), endpoint, protocol, regionId: REGION }),
    );
    await expect(client.getProject('faults-project')).rejects.toMatchObject({ code: 'ReadQuotaExceed', statusCode: 403 });
  });
});

describe('seeded runs', () => {
  async function run(faultSeed: number): Promise<string[]> {
    setFaults(emu.world, { seed: faultSeed, rules: [{ match: 'sts', kind: 'throttle', rate: 0.5 }] });
    const client = sts();
    const out: string[] = [];
    for (let i = 0; i < 16; i++) out.push(await attempt(client.getCallerIdentity()));
    return out;
  }

  it('repeat exactly with the same seed, and differ with another', async () => {
    const first = await run(42);
    expect(first).toContain('ok');
    expect(first).toContain('Throttling.User/400');
    expect(await run(42)).toEqual(first);
    expect(await run(43)).not.toEqual(first);
  });

  it('mulberry32 is deterministic and spreads over [0, 1)', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const low = xs.filter((x) => x < 0.5).length;
    expect(low).toBeGreaterThan(400);
    expect(low).toBeLessThan(600);
  });
});

describe('timeouts', () => {
  it('a call slower than the read timeout fails as a retryable ETIMEDOUT, and withRetry gets through once it is fast again', async () => {
    emu.world.faults = { rules: [{ match: 'sts:GetCallerIdentity', kind: 'latency', ms: 600, rate: 1, times: 1 }] };
    const client = createStsClient({ region: REGION, credentials: staticCredentials(KEY), env, readTimeoutMs: 150 });
    const err = await client.getCallerIdentity().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ETIMEDOUT', retryable: true });
    emu.world.faults = { rules: [{ match: 'sts:GetCallerIdentity', kind: 'latency', ms: 600, rate: 1, times: 1 }] };
    const codes: string[] = [];
    const id = await withRetry('sts:GetCallerIdentity', () => client.getCallerIdentity(), retryPolicy({ baseMs: 5, capMs: 10, onRetry: (i) => codes.push(i.error.code) }));
    expect(id.accountId).toBe(ACCOUNT);
    expect(codes).toEqual(['ETIMEDOUT']);
  });
});
