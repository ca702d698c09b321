/**
 * An FC function module for the worker-pool tests (emulator/fc-workers.ts): run in its own
 * instance process, it answers with that process's pid. With `crashOnce`, the first run for an
 * id exits the process mid-invocation (a marker file in `dir` remembers it across instances).
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export async function handler(event: Buffer, context: { requestId?: string; credentials?: { accessKeyId?: string } }) {
  const e = JSON.parse(event.toString('utf8')) as { id: string; dir?: string; crashOnce?: boolean; crashAlways?: boolean; sleepMs?: number };
  if (e.crashAlways) process.exit(3);
  if (e.crashOnce && e.dir) {
    const marker = path.join(e.dir, `crashed-${e.id}`);
    if (!existsSync(marker)) {
      writeFileSync(marker, '');
      process.exit(3);
    }
  }
  if (e.sleepMs) await new Promise((r) => setTimeout(r, e.sleepMs));
  return { id: e.id, pid: process.pid, requestId: context.requestId, credentials: !!context.credentials?.accessKeyId, env: process.env['FN_MARK'] ?? null };
}
