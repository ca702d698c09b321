/**
 * Function instances as processes: a pool of child processes per FC function, each running one
 * invocation at a time, as FC 3.0 runs a function's instances (instance concurrency 1). Used for
 * async invocations of functions whose code is a module (EmuFunction.worker) rather than an
 * in-process handler, so a fan-out's batches run in parallel on their own event loops and heaps,
 * and an instance that dies takes only its own invocation with it.
 *
 * Each child (emulator/fc-worker-child.ts) imports the function's module once (a cold start),
 * then answers invocations over IPC: the event bytes and an FC-shaped context in, the result or
 * the thrown error, the log lines and the process's memory out. A child that exits while running
 * an invocation fails that invocation (errorType InstanceExited) and is replaced by a fresh one;
 * retrying the invocation is the async runner's business (maxAsyncRetryAttempts, services/fc.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface WorkerSpec {
  /** Path of the function's module (TypeScript through tsx, or a built .js bundle). */
  module: string;
  /** Export called as the handler (default "handler"). */
  exportName?: string;
  /** The function's environment variables (FC sets them per function); the child sees only these and PATH. */
  env?: Record<string, string>;
  /** Instances (processes) at most (default 4). */
  instances?: number;
}

export interface WorkerOutcome {
  ok: boolean;
  result?: unknown;
  error?: { errorMessage: string; errorType: string; stackTrace: string[] };
  logs: string[];
  durationMs: number;
  /** Which instance ran it. */
  instance: number;
}

export interface InstanceStats {
  instance: number;
  pid: number | undefined;
  invocations: number;
  /** Largest rss seen after an invocation, and the process's maxRSS (bytes). */
  peakRss: number;
  maxRss: number;
  /** CPU time the process has used (user + system), ms. */
  cpuMs: number;
  exited: boolean;
}

type ToChild = { kind: 'invoke'; id: number; module: string; exportName: string; event: string; context: Record<string, unknown> };
type FromChild =
  | { kind: 'done'; id: number; ok: boolean; result?: unknown; error?: WorkerOutcome['error']; logs: string[]; durationMs: number; rss: number; maxRss: number; cpuMs: number };

interface Instance {
  stats: InstanceStats;
  child: ChildProcess;
  busy?: { id: number; resolve: (o: WorkerOutcome) => void; started: number };
}

const CHILD = path.join(__dirname, 'fc-worker-child.ts');

export class WorkerPool {
  private readonly instances: Instance[] = [];
  private readonly queue: Array<{ event: Buffer; context: Record<string, unknown>; resolve: (o: WorkerOutcome) => void }> = [];
  private readonly size: number;
  private nextId = 1;
  private nextInstance = 0;
  private closed = false;
  /** Every instance ever started (replaced ones included). */
  readonly history: InstanceStats[] = [];

  constructor(private readonly spec: WorkerSpec) {
    this.size = Math.max(1, spec.instances ?? 4);
  }

  /** Runs one invocation on a free instance (starting one if fewer than `instances` run), else queues it. */
  run(event: Buffer, context: Record<string, unknown>): Promise<WorkerOutcome> {
    if (this.closed) return Promise.resolve({ ok: false, error: { errorMessage: 'The emulator is closing.', errorType: 'InstanceExited', stackTrace: [] }, logs: [], durationMs: 0, instance: -1 });
    return new Promise((resolve) => {
      this.queue.push({ event, context, resolve });
      this.pump();
    });
  }

  stats(): InstanceStats[] {
    return this.history.map((s) => ({ ...s }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.resolve({ ok: false, error: { errorMessage: 'The emulator is closing.', errorType: 'InstanceExited', stackTrace: [] }, logs: [], durationMs: 0, instance: -1 });
    await Promise.all(
      this.instances.map(
        (i) =>
          new Promise<void>((resolve) => {
            if (i.child.exitCode !== null || i.child.signalCode !== null) return resolve();
            i.child.once('exit', () => resolve());
            i.child.kill();
          }),
      ),
    );
  }

  private spawn(): Instance {
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], ...this.spec.env };
    const child = fork(CHILD, [], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const stats: InstanceStats = { instance: this.nextInstance++, pid: child.pid, invocations: 0, peakRss: 0, maxRss: 0, cpuMs: 0, exited: false };
    const inst: Instance = { stats, child };
    this.history.push(stats);
    child.on('message', (m: FromChild) => {
      if (m.kind !== 'done' || !inst.busy || inst.busy.id !== m.id) return;
      const { resolve } = inst.busy;
      inst.busy = undefined;
      stats.invocations++;
      stats.peakRss = Math.max(stats.peakRss, m.rss);
      stats.maxRss = Math.max(stats.maxRss, m.maxRss);
      stats.cpuMs = m.cpuMs;
      resolve({ ok: m.ok, result: m.result, error: m.error, logs: m.logs, durationMs: m.durationMs, instance: stats.instance });
      this.pump();
    });
    child.on('exit', (code, signal) => {
      stats.exited = true;
      const i = this.instances.indexOf(inst);
      if (i >= 0) this.instances.splice(i, 1);
      if (inst.busy) {
        const { resolve, started } = inst.busy;
        inst.busy = undefined;
        resolve({
          ok: false,
          error: { errorMessage: `The function instance exited during the invocation (${signal ? `signal ${signal}` : `exit code ${code}`}).`, errorType: 'InstanceExited', stackTrace: [] },
          logs: [],
          durationMs: Date.now() - started,
          instance: stats.instance,
        });
      }
      if (!this.closed) this.pump();
    });
    this.instances.push(inst);
    return inst;
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let inst = this.instances.find((i) => !i.busy);
      if (!inst && this.instances.length < this.size) inst = this.spawn();
      if (!inst) return;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      inst.busy = { id, resolve: job.resolve, started: Date.now() };
      const msg: ToChild = { kind: 'invoke', id, module: this.spec.module, exportName: this.spec.exportName ?? 'handler', event: job.event.toString('base64'), context: job.context };
      inst.child.send(msg);
    }
  }
}
