/**
 * Where the tamper response counts its restores of each trail (the fight limit). FC instances
 * are stateless and several may run at once, so a counter in memory sees only its own instance's
 * restores: with TRAIL_TAMPER_STATE_OSS the ledger is one small OSS object per trail
 * (<prefix>/tamper/<account>/<trail>.json: {"restores": [epoch ms, ...]}), read and rewritten on
 * each restore. Two instances restoring the same trail at the same moment may each miss the
 * other's entry (OSS PutObject has no compare-and-swap): the limit can be exceeded by the number
 * of concurrent instances, never ignored for long.
 */
import { createOssClient } from '../cloud/oss';
import type { ClientOptions } from '../cloud/options';

export interface RestoreLedger {
  /** Restore times (epoch ms) of `key` not older than `sinceMs`. */
  recent(key: string, sinceMs: number): Promise<number[]>;
  /** Records a restore of `key` at `at`, forgetting entries older than `sinceMs`. */
  record(key: string, at: number, sinceMs: number): Promise<void>;
}

export function memoryLedger(): RestoreLedger {
  const entries = new Map<string, number[]>();
  return {
    async recent(key, since) {
      return (entries.get(key) ?? []).filter((t) => t >= since);
    },
    async record(key, at, since) {
      entries.set(key, [...(entries.get(key) ?? []).filter((t) => t >= since), at]);
    },
  };
}

export function ossLedger(opts: ClientOptions, bucket: string, prefix: string): RestoreLedger {
  const oss = createOssClient(opts);
  const objectKey = (key: string) => `${prefix ? `${prefix}/` : ''}tamper/${key}.json`;
  const read = async (key: string): Promise<number[]> => {
    const text = await oss.getObjectText(bucket, objectKey(key));
    if (!text) return [];
    try {
      const parsed = JSON.parse(text) as { restores?: unknown };
      return Array.isArray(parsed.restores) ? parsed.restores.filter((t): t is number => typeof t === 'number') : [];
    } catch {
      return [];
    }
  };
  return {
    async recent(key, since) {
      return (await read(key)).filter((t) => t >= since);
    },
    async record(key, at, since) {
      const restores = [...(await read(key)).filter((t) => t >= since), at];
      await oss.putObject(bucket, objectKey(key), JSON.stringify({ restores }), 'application/json');
    },
  };
}
