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
import type { SeedFile } from '../emulator/state';

type ToChild = { kind: 'start'; seed: SeedFile } | { kind: 'latency'; ms: number } | { kind: 'calls'; from: number } | { kind: 'close' };
type FromChild = { kind: 'started'; url: string } | { kind: 'ok' } | { kind: 'calls'; total: number; actions: string[]; codes: Array<string | null>; callers: Array<string | null> };

export interface RemoteEmulator {
  url: string;
  setLatency(ms: number): Promise<void>;
  /** "service:Action" of every call since `from` (an index into the call log), its error code (null when it succeeded), the calling account, and the log length. */
  calls(from: number): Promise<{ total: number; actions: string[]; codes: Array<string | null>; callers: Array<string | null> }>;
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
    } else if (m.kind === 'close') {
      await emu?.close();
      reply({ kind: 'ok' });
      process.disconnect();
    }
  });
}
