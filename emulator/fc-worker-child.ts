/**
 * One FC function instance (a child of emulator/fc-workers.ts): imports the function's module on
 * its first invocation, then runs each invocation it is sent and answers with the outcome, the
 * log lines written through context.logger, and its memory (rss now, maxRSS so far).
 */
import { pathToFileURL } from 'node:url';

type Handler = (event: Buffer, context: Record<string, unknown>) => Promise<unknown>;
type Invoke = { kind: 'invoke'; id: number; module: string; exportName: string; event: string; context: Record<string, unknown> };

const modules = new Map<string, Promise<Record<string, unknown>>>();

function toErrorBody(e: unknown) {
  if (e instanceof Error) {
    const stack = (e.stack ?? '').split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
    return { errorMessage: e.message, errorType: e.name || 'Error', stackTrace: stack };
  }
  return { errorMessage: typeof e === 'string' ? e : (JSON.stringify(e) ?? String(e)), errorType: 'Error', stackTrace: [] as string[] };
}

process.on('message', async (m: Invoke) => {
  if (m.kind !== 'invoke') return;
  const logs: string[] = [];
  const requestId = String(m.context['requestId'] ?? '');
  const line = (level: string) => (...args: unknown[]) => {
    logs.push(`${new Date().toISOString()} ${requestId} [${level}] ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`);
  };
  const context = { ...m.context, logger: { debug: line('DEBUG'), info: line('INFO'), log: line('INFO'), warn: line('WARN'), error: line('ERROR') } };
  const started = Date.now();
  let out: { ok: boolean; result?: unknown; error?: ReturnType<typeof toErrorBody> };
  try {
    let mod = modules.get(m.module);
    if (!mod) modules.set(m.module, (mod = import(pathToFileURL(m.module).href) as Promise<Record<string, unknown>>));
    const ns = await mod;
    const fn = (ns[m.exportName] ?? (ns['default'] as Record<string, unknown> | undefined)?.[m.exportName]) as Handler | undefined;
    if (typeof fn !== 'function') throw new Error(`The module exports no function "${m.exportName}".`);
    const result = await fn(Buffer.from(m.event, 'base64'), context);
    // What crosses IPC must be plain JSON, as FC serialises a result.
    out = { ok: true, result: result === undefined ? undefined : JSON.parse(JSON.stringify(result)) };
  } catch (e) {
    out = { ok: false, error: toErrorBody(e) };
  }
  process.send!({ kind: 'done', id: m.id, ...out, logs, durationMs: Date.now() - started, rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 });
});
