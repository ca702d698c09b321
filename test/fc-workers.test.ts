/**
 * FC async invocations run in instance processes (emulator/fc-workers.ts): invoked through the
 * real FC 3.0 client, each batch runs in a worker process of the function's pool; an instance that
 * dies mid-invocation fails only that run, is replaced, and the invocation is run again when the
 * function's async config allows retries. Behaviour only (pids, attempts, statuses), no timing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import { waitForAsyncInvocations, workerStats } from '../emulator/services/fc';
import type { EmuFunction } from '../emulator/state';
import { createFcClient } from '../shared/cloud/fc';
import { staticCredentials } from '../shared/cloud/credentials';

const REGION = 'cn-hangzhou';
const OWNER = '1000000000000009';
const KEY = { accessKeyId: 'LTAIworkers00000001', accessKeySecret: 'workers-secret-0000000000000001' };
const MODULE = path.join(__dirname, 'helpers', 'fc-worker-fn.ts');

let dir: string;
let emu: Emulator | undefined;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fc-workers-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(fn: Partial<EmuFunction>): Promise<Emulator> {
  emu = await createEmulator({
    seed: {
      defaultRegion: REGION,
      accounts: [{ id: OWNER, accessKeys: [KEY] }],
      functions: [{ name: 'batch', accountId: OWNER, region: REGION, worker: { module: MODULE, instances: 2, env: { FN_MARK: 'from-function-config' } }, ...fn }],
    },
  });
  return emu;
}

const client = (e: Emulator) => createFcClient({ region: REGION, accountId: OWNER, credentials: staticCredentials(KEY), env: { TRAIL_EMULATOR_URL: e.url } });

describe('FC async invocations in instance processes', () => {
  it('runs each invocation in a worker process of the pool (never more than its instances), with the function context and environment', async () => {
    const e = await start({});
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const accepted = await Promise.all(ids.map((id) => client(e).invoke('batch', { id, sleepMs: 50 }, 'async')));
    expect(accepted.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    const records = await waitForAsyncInvocations(e.world, 60_000);
    expect(records.map((r) => r.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    const results = records.map((r) => r.result as { id: string; pid: number; requestId: string; credentials: boolean; env: string });
    expect(results.map((r) => r.id).sort()).toEqual(ids);
    for (const [i, r] of results.entries()) {
      expect(r.pid).not.toBe(process.pid);
      expect(r.requestId).toBe(records[i]!.requestId);
      expect(r.credentials).toBe(true);
      expect(r.env).toBe('from-function-config');
    }
    const instances = workerStats(e.world)[`${OWNER}/${REGION}/batch`]!;
    expect(instances).toHaveLength(2);
    expect(new Set(results.map((r) => r.pid))).toEqual(new Set(instances.map((i) => i.pid)));
    expect(instances.reduce((n, i) => n + i.invocations, 0)).toBe(5);
    for (const i of instances) expect(i.peakRss).toBeGreaterThan(0);
  }, 90_000);

  it('an instance that dies mid-invocation is replaced and the invocation is retried (maxAsyncRetryAttempts)', async () => {
    const e = await start({ maxAsyncRetryAttempts: 2 });
    await client(e).invoke('batch', { id: 'crashy', dir, crashOnce: true }, 'async');
    await client(e).invoke('batch', { id: 'calm' }, 'async');
    const records = await waitForAsyncInvocations(e.world, 60_000);
    const crashy = records.find((r) => (r.result as { id?: string } | undefined)?.id === 'crashy' || r.errors?.length);
    expect(crashy).toMatchObject({ status: 'Succeeded', attempts: 2 });
    expect(crashy!.errors).toEqual([expect.stringMatching(/^InstanceExited: The function instance exited during the invocation \(exit code 3\)/)]);
    expect(records.filter((r) => r.status === 'Succeeded')).toHaveLength(2);
    const instances = workerStats(e.world)[`${OWNER}/${REGION}/batch`]!;
    expect(instances.filter((i) => i.exited)).toHaveLength(1);
    // The retry ran on a live instance, not the dead one.
    const dead = instances.find((i) => i.exited)!;
    expect((crashy!.result as { pid: number }).pid).not.toBe(dead.pid);
  }, 90_000);

  it('without retries configured, a crashed invocation ends Failed with InstanceExited after one run', async () => {
    const e = await start({});
    await client(e).invoke('batch', { id: 'doomed', crashAlways: true }, 'async');
    const [record] = await waitForAsyncInvocations(e.world, 60_000);
    expect(record).toMatchObject({ status: 'Failed', attempts: 1 });
    expect(record!.error).toMatch(/^InstanceExited: /);
  }, 60_000);
});
