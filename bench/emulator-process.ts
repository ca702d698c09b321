/**
 * The emulator in its own process, driven over IPC, for the fleet bench.
 *
 * Why: in the real cloud, the service's CPU is not the provisioner's. In one process the
 * emulator's request handling and signature checks would queue on the same event loop as the
 * provisioner and show up as provisioner inefficiency. The child is the same createEmulator().
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createEmulator } from '../emulator/server';
import { setFaults } from '../emulator/faults';
import type { EmuFunction, SeedFile } from '../emulator/state';
import { waitForAsyncInvocations, workerStats } from '../emulator/services/fc';
import type { InstanceStats } from '../emulator/fc-workers';

/** What became of the async invocations: per invocation its status and runs; per worker function its instances. */
export interface AsyncDigest {
  invocations: Array<{ status: string; attempts: number; errors: string[] }>;
  instances: Record<string, InstanceStats[]>;
}

type ToChild =
  | { kind: 'start'; seed: SeedFile }
  | { kind: 'latency'; ms: number }
  | { kind: 'calls'; from: number }
  | { kind: 'function'; fn: Omit<EmuFunction, 'handler'> }
  | { kind: 'wait'; timeoutMs: number }
  | { kind: 'close' };
type FromChild = { kind: 'started'; url: string } | { kind: 'ok' } | { kind: 'async'; digest: AsyncDigest } | { kind: 'calls'; total: number; actions: string[]; codes: Array<string | null>; callers: Array<string | null> };

export interface RemoteEmulator {
  url: string;
  setLatency(ms: number): Promise<void>;
  /** "service:Action" of every call since `from` (an index into the call log), its error code (null when it succeeded), the calling account, and the log length. */
  calls(from: number): Promise<{ total: number; actions: string[]; codes: Array<string | null>; callers: Array<string | null> }>;
  /** Adds (or replaces) an FC function whose code runs in the emulator's instance processes. */
  addFunction(fn: Omit<EmuFunction, 'handler'>): Promise<void>;
  /** Waits until no async invocation is queued or running. */
  waitAsync(timeoutMs: number): Promise<AsyncDigest>;
  close(): Promise<void>;
}

function request(child: ChildProcess, msg: ToChild): Promise<FromChild> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as FromChild));
    child.once('error', reject);
    child.send(msg);
  });
}

export async function startRemoteEmulator(seed: SeedFile): Promise<RemoteEmulator> {
  const child = fork(__filename, ['--child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const started = (await request(child, { kind: 'start', seed })) as Extract<FromChild, { kind: 'started' }>;
  return {
    url: started.url,
    setLatency: async (ms) => void (await request(child, { kind: 'latency', ms })),
    calls: async (from) => {
      const r = (await request(child, { kind: 'calls', from })) as Extract<FromChild, { kind: 'calls' }>;
      return { total: r.total, actions: r.actions, codes: r.codes, callers: r.callers };
    },
    addFunction: async (fn) => void (await request(child, { kind: 'function', fn })),
    waitAsync: async (timeoutMs) => ((await request(child, { kind: 'wait', timeoutMs })) as Extract<FromChild, { kind: 'async' }>).digest,
    close: async () => {
      await request(child, { kind: 'close' });
      child.disconnect();
    },
  };
}

if (process.argv.includes('--child') && process.send) {
  let emu: Awaited<ReturnType<typeof createEmulator>> | undefined;
  process.on('message', async (m: ToChild) => {
    const reply = (r: FromChild) => process.send!(r);
    if (m.kind === 'start') {
      emu = await createEmulator({ seed: m.seed });
      reply({ kind: 'started', url: emu.url });
    } else if (m.kind === 'latency') {
      setFaults(emu!.world, { latencyMs: m.ms, rules: [] });
      reply({ kind: 'ok' });
    } else if (m.kind === 'calls') {
      const calls = emu!.world.calls;
      const range = calls.slice(m.from);
      reply({
        kind: 'calls',
        total: calls.length,
        actions: range.map((c) => (c.service === 'oss' && c.action === 'GET /' ? 'oss:GetBucketInfo' : `${c.service}:${c.action}`)),
        codes: range.map((c) => c.code ?? null),
        callers: range.map((c) => c.accountId ?? null),
      });
    } else if (m.kind === 'function') {
      const world = emu!.world;
      world.functions = world.functions.filter((f) => !(f.accountId === m.fn.accountId && f.region === m.fn.region && f.name === m.fn.name));
      world.functions.push({ ...m.fn });
      reply({ kind: 'ok' });
    } else if (m.kind === 'wait') {
      const records = await waitForAsyncInvocations(emu!.world, m.timeoutMs);
      reply({
        kind: 'async',
        digest: { invocations: records.map((r) => ({ status: r.status, attempts: r.attempts ?? 1, errors: r.errors ?? [] })), instances: workerStats(emu!.world) },
      });
    } else if (m.kind === 'close') {
      await emu?.close();
      reply({ kind: 'ok' });
      process.disconnect();
    }
  });
}
