/** Objects in an emulated OSS bucket, for tests that seed or read reports and manifests directly. */
import type { Emulator } from '../../emulator/server';

export function putObject(emu: Emulator, accountId: string, region: string, bucket: string, key: string, value: unknown): void {
  const owner = emu.world.accounts.get(accountId)!;
  let b = owner.buckets.find((x) => x.name === bucket);
  if (!b) owner.buckets.push((b = { name: bucket, region, objects: [] }));
  const body = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  b.objects = (b.objects ?? []).filter((o) => o.key !== key);
  b.objects.push({ key, bodyBase64: body.toString('base64'), contentType: 'application/json', etag: '"0"', lastModified: '2026-01-01T00:00:00Z' });
}

export function readJson<T = Record<string, unknown>>(emu: Emulator, accountId: string, bucket: string, key: string): T | undefined {
  const o = emu.world.accounts.get(accountId)!.buckets.find((b) => b.name === bucket)?.objects?.find((x) => x.key === key);
  return o ? (JSON.parse(Buffer.from(o.bodyBase64, 'base64').toString('utf8')) as T) : undefined;
}

export function keys(emu: Emulator, accountId: string, bucket: string, prefix = ''): string[] {
  return (emu.world.accounts.get(accountId)!.buckets.find((b) => b.name === bucket)?.objects ?? []).map((o) => o.key).filter((k) => k.startsWith(prefix)).sort();
}

/** A run manifest (dispatch.json) as the timer run writes it before dispatching. */
export function putManifest(emu: Emulator, accountId: string, region: string, bucket: string, runId: string, batches: string[][], regions: string[], dryRun = false): void {
  putObject(emu, accountId, region, bucket, `${runId}/dispatch.json`, {
    runId,
    mode: 'fanout',
    dryRun,
    regions,
    batches: batches.map((ids, index) => ({ index, accounts: ids.length, accountIds: ids, status: 'accepted', ok: true })),
  });
}
