/** What every signature scheme module gives the verifier. */
import type { EmuRequest } from '../types';

export interface SignedRequest {
  accessKeyId: string;
  /** STS security token as the scheme carries it (header or parameter). */
  securityToken?: string;
  /** OSS V4: the region of the credential scope (checked against the endpoint's region). */
  scopeRegion?: string;
  /** Recomputes the signature with the key's secret and compares it in constant time. */
  verify(secret: string): boolean;
}

/**
 * Claims a request whose credentials are in this scheme's form: undefined when the request is
 * not in this form, 'malformed' when it is but the credential fields cannot be parsed.
 */
export type Scheme = (req: EmuRequest) => SignedRequest | 'malformed' | undefined;

/** "k1=v1,k2=v2" (or with ':' as the separator, OSS2 style) into a map. */
export function parseFields(s: string, sep: '=' | ':'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(',')) {
    const i = part.indexOf(sep);
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}
