/**
 * Function Compute 3.0 (API 2023-03-30, ROA) InvokeFunction, as @alicloud/fc20230330 calls it:
 * POST /2023-03-30/functions/{functionName}/invocations on <accountId>.<region>.fc.aliyuncs.com,
 * event bytes as the body, headers x-fc-invocation-type (Sync|Async) and x-fc-log-type
 * (None|Tail), query qualifier.
 *
 * The function's code is an in-process handler registered with emulator.registerFunction(); it
 * gets (event Buffer, context) where context is shaped like FC's Node.js context: requestId,
 * region, accountId, function, logger, and credentials — a temporary key of the owner account
 * (a session of the function's role when it has one) registered in world.accessKeys, so calls
 * the function makes with it verify like STS credentials do.
 *
 * - Sync: runs the handler and answers 200 with its result (string/Buffer as is, anything else
 *   as JSON). A handler that throws still gives 200, with x-fc-error-type:
 *   UnhandledInvocationError and {errorMessage, errorType, stackTrace} as the body, as FC does.
 * - Async: answers 202 at once; the invocation is recorded in world.asyncInvocations and run in
 *   the background, at most MAX_ASYNC_CONCURRENCY at a time (the rest wait in a queue). There are
 *   no retries of failed async invocations here (FC retries by its async config).
 *   waitForAsyncInvocations() lets tests and the start script wait for them.
 * - Errors: 403 AccessDenied when the caller is not the function's account, 404 FunctionNotFound
 *   ("function '<name>' does not exist."), VersionNotFound/AliasNotFound for unknown qualifiers,
 *   400 EntityTooLarge for async events over 128 KB, 400 PathNotSupported for other operations.
 */
import { randomBytes } from 'node:crypto';
import { routeByHost } from '../hosts';
import type { EmuAccessKey, EmuAsyncInvocation, EmuFunction, World } from '../state';
import { WorkerPool, type InstanceStats } from '../fc-workers';
import { EmuError, type EmuRequest, type EmuResponse, type ServiceHandler } from '../types';

/** How many async invocations run at once per emulator; more wait in a queue. */
export const MAX_ASYNC_CONCURRENCY = 16;
/** FC's payload limit for async invocations. */
export const MAX_ASYNC_PAYLOAD_BYTES = 128 * 1024;
/** Lifetime of the temporary credentials given to functions, and how early they are renewed. */
const CREDENTIAL_TTL_MS = 60 * 60 * 1000;
const CREDENTIAL_RENEW_MS = 5 * 60 * 1000;
/** Bytes of log tail returned in x-fc-log-result (FC returns the last 4 KB). */
const LOG_TAIL_BYTES = 4 * 1024;

const INVOKE_PATH = /^\/2023-03-30\/functions\/([^/]+)\/invocations\/?$/;

// ---------------------------------------------------------------------------------------------
// Function credentials

const functionKeys = new WeakMap<World, Map<string, EmuAccessKey>>();

/** The function's current temporary key, minted (and registered) when missing or about to expire. */
function functionCredentials(world: World, fn: EmuFunction): EmuAccessKey {
  let keys = functionKeys.get(world);
  if (!keys) functionKeys.set(world, (keys = new Map()));
  const id = `${fn.accountId}/${fn.region}/${fn.name}`;
  const current = keys.get(id);
  if (current && Date.parse(current.expiration ?? '') - Date.now() > CREDENTIAL_RENEW_MS && world.accessKeys.has(current.accessKeyId)) {
    return current;
  }
  const key: EmuAccessKey = {
    accessKeyId: `STS.${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`,
    accessKeySecret: randomBytes(24).toString('base64url'),
    accountId: fn.accountId,
    securityToken: `CAIS${randomBytes(48).toString('base64')}`,
    assumedRoleArn: fn.roleArn,
    expiration: new Date(Date.now() + CREDENTIAL_TTL_MS).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  world.accessKeys.set(key.accessKeyId, key);
  keys.set(id, key);
  return key;
}

// ---------------------------------------------------------------------------------------------
// Running a handler

interface Outcome {
  ok: boolean;
  result?: unknown;
  error?: { errorMessage: string; errorType: string; stackTrace: string[] };
  logs: string[];
  durationMs: number;
}

function toErrorBody(e: unknown): NonNullable<Outcome['error']> {
  if (e instanceof Error) {
    const stack = (e.stack ?? '').split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
    return { errorMessage: e.message, errorType: e.name || 'Error', stackTrace: stack };
  }
  return { errorMessage: typeof e === 'string' ? e : JSON.stringify(e) ?? String(e), errorType: 'Error', stackTrace: [] };
}

// ---------------------------------------------------------------------------------------------
// Worker functions: one pool of instance processes per function

const pools = new WeakMap<World, Map<string, WorkerPool>>();

function poolFor(world: World, fn: EmuFunction): WorkerPool {
  let byFn = pools.get(world);
  if (!byFn) pools.set(world, (byFn = new Map()));
  const id = `${fn.accountId}/${fn.region}/${fn.name}`;
  let pool = byFn.get(id);
  if (!pool) byFn.set(id, (pool = new WorkerPool(fn.worker!)));
  return pool;
}

/** Every instance each worker function has run, by "<account>/<region>/<name>". */
export function workerStats(world: World): Record<string, InstanceStats[]> {
  return Object.fromEntries([...(pools.get(world) ?? [])].map(([id, p]) => [id, p.stats()]));
}

/** Stops every instance process (the emulator's close does this). */
export async function closeWorkerPools(world: World): Promise<void> {
  const byFn = pools.get(world);
  pools.delete(world);
  await Promise.all([...(byFn?.values() ?? [])].map((p) => p.close()));
}

async function runInWorker(world: World, fn: EmuFunction, event: Buffer, requestId: string, qualifier: string): Promise<Outcome & { instance: number }> {
  const key = functionCredentials(world, fn);
  const context: Record<string, unknown> = {
    requestId,
    region: fn.region,
    accountId: fn.accountId,
    credentials: { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, securityToken: key.securityToken },
    function: { name: fn.name, handler: 'index.handler', memory: 512, timeout: fn.timeout ?? 60, qualifier },
  };
  return poolFor(world, fn).run(event, context);
}

async function runHandler(world: World, fn: EmuFunction, event: Buffer, requestId: string, qualifier: string): Promise<Outcome & { instance?: number }> {
  if (!fn.handler && fn.worker) return runInWorker(world, fn, event, requestId, qualifier);
  const logs: string[] = [];
  const line = (level: string) => (...args: unknown[]) => {
    const text = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    logs.push(`${new Date().toISOString()} ${requestId} [${level}] ${text}`);
  };
  const key = functionCredentials(world, fn);
  const context: Record<string, unknown> = {
    requestId,
    region: fn.region,
    accountId: fn.accountId,
    credentials: { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret, securityToken: key.securityToken },
    function: { name: fn.name, handler: 'index.handler', memory: 512, timeout: fn.timeout ?? 60, qualifier },
    logger: { debug: line('DEBUG'), info: line('INFO'), log: line('INFO'), warn: line('WARN'), error: line('ERROR') },
  };
  const started = Date.now();
  try {
    const result = await fn.handler!(event, context);
    return { ok: true, result, logs, durationMs: Date.now() - started };
  } catch (e) {
    return { ok: false, error: toErrorBody(e), logs, durationMs: Date.now() - started };
  }
}

function encodeResult(result: unknown): Buffer {
  if (result === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(result)) return result;
  if (result instanceof Uint8Array) return Buffer.from(result);
  if (typeof result === 'string') return Buffer.from(result, 'utf8');
  return Buffer.from(JSON.stringify(result), 'utf8');
}

function logTail(logs: string[]): string {
  const all = Buffer.from(logs.join('\n'), 'utf8');
  return all.subarray(Math.max(0, all.length - LOG_TAIL_BYTES)).toString('base64');
}

// ---------------------------------------------------------------------------------------------
// Async runner: bounded concurrency per world, with a way to wait until idle

interface Runner {
  active: number;
  queue: Array<() => Promise<void>>;
  idle: Array<() => void>;
}

const runners = new WeakMap<World, Runner>();

function runnerFor(world: World): Runner {
  let r = runners.get(world);
  if (!r) runners.set(world, (r = { active: 0, queue: [], idle: [] }));
  return r;
}

function pump(r: Runner): void {
  while (r.active < MAX_ASYNC_CONCURRENCY && r.queue.length > 0) {
    const task = r.queue.shift()!;
    r.active++;
    void task().finally(() => {
      r.active--;
      pump(r);
      if (r.active === 0 && r.queue.length === 0) for (const notify of r.idle.splice(0)) notify();
    });
  }
}

function enqueue(world: World, task: () => Promise<void>): void {
  const r = runnerFor(world);
  r.queue.push(task);
  // Start after the 202 has been handed back, so acceptance never waits for the function.
  setImmediate(() => pump(r));
}

/**
 * Resolves with every async invocation record once none is queued or running; rejects when some
 * are still pending after timeoutMs. Invocations whose HTTP request has not reached the emulator
 * yet are not waited for.
 */
export function waitForAsyncInvocations(world: World, timeoutMs = 10_000): Promise<EmuAsyncInvocation[]> {
  const r = runnerFor(world);
  const pending = () => r.active + r.queue.length;
  if (pending() === 0) return Promise.resolve(world.asyncInvocations);
  return new Promise((resolve, reject) => {
    const onIdle = () => {
      clearTimeout(timer);
      resolve(world.asyncInvocations);
    };
    const timer = setTimeout(() => {
      const i = r.idle.indexOf(onIdle);
      if (i >= 0) r.idle.splice(i, 1);
      reject(new Error(`${pending()} async FC invocation(s) still pending after ${timeoutMs} ms.`));
    }, timeoutMs);
    timer.unref?.();
    r.idle.push(onIdle);
  });
}

/**
 * Runs `fn` on `event` the way an async invocation runs (same bounded runner, so
 * waitForAsyncInvocations waits for it too), for event sources such as EventBridge rules; resolves
 * when the handler finished. `onStart` is called as the handler starts.
 */
export function runAsEventTarget(
  world: World,
  fn: EmuFunction,
  event: Buffer,
  onStart?: () => void,
): Promise<{ ok: boolean; result?: unknown; error?: string }> {
  return new Promise((resolve) => {
    enqueue(world, async () => {
      onStart?.();
      const out = await runHandler(world, fn, event, randomBytes(16).toString('hex').toUpperCase(), 'LATEST');
      resolve(out.ok ? { ok: true, result: out.result } : { ok: false, error: `${out.error!.errorType}: ${out.error!.errorMessage}` });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// InvokeFunction

function findFunction(world: World, req: EmuRequest, owner: string, name: string, qualifier: string | undefined): EmuFunction {
  const fn = world.functions.find((f) => f.accountId === owner && f.region === req.region && f.name === name);
  if (!fn) throw new EmuError(404, 'FunctionNotFound', `function '${name}' does not exist.`);
  if (qualifier && qualifier !== 'LATEST' && !(fn.qualifiers ?? []).includes(qualifier)) {
    if (/^\d+$/.test(qualifier)) throw new EmuError(404, 'VersionNotFound', `version '${qualifier}' of function '${name}' does not exist`);
    throw new EmuError(404, 'AliasNotFound', `alias '${qualifier}' of function '${name}' does not exist`);
  }
  if (!fn.handler && !fn.worker) {
    throw new EmuError(412, 'CAExited', 'The function either cannot be started or exited. No code is registered for it in the emulator.');
  }
  return fn;
}

async function invokeFunction(req: EmuRequest, world: World, rawName: string): Promise<EmuResponse> {
  let name = rawName;
  try {
    name = decodeURIComponent(rawName);
  } catch {
    /* keep raw */
  }
  const owner = routeByHost(req.host)?.accountId ?? req.caller.accountId;
  if (req.caller.accountId !== owner) {
    throw new EmuError(
      403,
      'AccessDenied',
      `the caller is not authorized to perform 'fc:InvokeFunction' on the resource 'acs:fc:${req.region}:${owner}:functions/${name}'`,
    );
  }
  const invocationType = req.headers['x-fc-invocation-type'] ?? 'Sync';
  if (invocationType !== 'Sync' && invocationType !== 'Async') {
    throw new EmuError(400, 'InvalidArgument', `invalid invocation type '${invocationType}', expected Sync or Async`);
  }
  const qualifier = req.query['qualifier'] || undefined;
  const fn = findFunction(world, req, owner, name, qualifier);
  const effectiveQualifier = qualifier ?? 'LATEST';

  if (invocationType === 'Async') {
    if (req.body.length > MAX_ASYNC_PAYLOAD_BYTES) {
      throw new EmuError(400, 'EntityTooLarge', `payload size exceeds maximum allowed size (${MAX_ASYNC_PAYLOAD_BYTES} bytes)`);
    }
    const record: EmuAsyncInvocation = {
      functionName: fn.name,
      requestId: req.requestId,
      status: 'Running',
      accountId: fn.accountId,
      region: fn.region,
      qualifier: effectiveQualifier,
      taskId: req.headers['x-fc-async-task-id'],
      acceptedAt: Date.now(),
    };
    world.asyncInvocations.push(record);
    const event = Buffer.from(req.body);
    enqueue(world, async () => {
      record.startedAt = Date.now();
      // A failed run is run again up to maxAsyncRetryAttempts times, as FC's async invocation config says.
      const runs = 1 + Math.max(0, fn.maxAsyncRetryAttempts ?? 0);
      for (let attempt = 1; attempt <= runs; attempt++) {
        const out = await runHandler(world, fn, event, req.requestId, effectiveQualifier);
        record.attempts = attempt;
        record.finishedAt = Date.now();
        if (out.instance !== undefined) record.instance = out.instance;
        if (out.ok) {
          record.status = 'Succeeded';
          record.result = out.result;
          delete record.error;
          return;
        }
        record.status = 'Failed';
        record.error = `${out.error!.errorType}: ${out.error!.errorMessage}`;
        (record.errors ??= []).push(record.error);
      }
    });
    const headers: Record<string, string> = {};
    if (record.taskId) headers['x-fc-async-task-id'] = record.taskId;
    return { status: 202, headers, body: '' };
  }

  const out = await runHandler(world, fn, req.body, req.requestId, effectiveQualifier);
  const headers: Record<string, string> = { 'x-fc-invocation-duration': String(out.durationMs) };
  if ((req.headers['x-fc-log-type'] ?? 'None') === 'Tail') headers['x-fc-log-result'] = logTail(out.logs);
  if (!out.ok) {
    headers['x-fc-error-type'] = 'UnhandledInvocationError';
    headers['content-type'] = 'application/json';
    return { status: 200, headers, body: JSON.stringify(out.error) };
  }
  return { status: 200, headers, body: encodeResult(out.result) };
}

export const fcService: ServiceHandler = (req, world) => {
  const rawPath = req.rawPath.split('?')[0]!;
  const m = INVOKE_PATH.exec(rawPath);
  if (!m || req.method !== 'POST') {
    throw new EmuError(400, 'PathNotSupported', `'${req.method}' against '${req.path}' is not supported`);
  }
  return invokeFunction(req, world, m[1]!);
};

