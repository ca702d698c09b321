/**
 * Small helpers shared by the signature schemes: the POP/OSS percent-encoding, HMAC, hashing,
 * and a constant-time comparison (so a wrong signature takes as long as a right one).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** RFC 3986 encoding as the Alibaba Cloud signers do it (encodeURIComponent plus !'()*). */
export function popEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function hmac(algorithm: string, key: string | Buffer, data: string | Buffer): Buffer {
  return createHmac(algorithm, key).update(data).digest();
}

export function hashHex(algorithm: string, data: string | Buffer): string {
  return createHash(algorithm).update(data).digest('hex');
}

/** Constant-time string equality (false when lengths differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Query keys sorted by code point, as every signer here sorts them. */
export function sortedKeys(o: Record<string, string>): string[] {
  return Object.keys(o).sort();
}
