/**
 * Seeded fuzzing of validateSpec / validateSpecs against an independent oracle.
 *
 * A small PRNG (mulberry32, fixed seeds, so failures reproduce) builds valid specs and mutates
 * them: wrong types, boundary lengths, stray characters, unknown and hostile keys ("__proto__",
 * "constructor"), huge strings, non-objects. The oracle re-states the CreateTrail rules with its
 * own simple regexes and predicts, for every input, whether it is valid, which pointers fail and
 * which documented code wins; the validator must agree exactly, and nothing but a ProvisionError
 * (status 400, a documented code, at least one field pointer) may ever escape.
 */
import { describe, expect, it } from 'vitest';
import { ProvisionError } from '../shared/core/errors';
import { validateSpec, validateSpecs } from '../shared/core/schema';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly rnd: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.rnd() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.rnd() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)];
  }
  str(chars: string, min: number, max: number): string {
    let s = '';
    const n = this.int(min, max);
    for (let i = 0; i < n; i++) s += chars[this.int(0, chars.length - 1)];
    return s;
  }
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';
const NASTY = `${UPPER}${LOWER}${DIGITS} -_./:,~\\"'\t\n\u0000éü中🙂*?$^()[]{}|+`;
const REGIONS = ['cn-hangzhou', 'cn-shanghai', 'ap-southeast-1', 'us-west-1', 'eu-central-1', 'cn-shanghai-finance-1', 'cn-north-2-gov-1'];

const KNOWN = ['Name', 'OssBucketName', 'OssKeyPrefix', 'OssWriteRoleArn', 'SlsProjectArn', 'SlsWriteRoleArn', 'EventRW',
  'TrailRegion', 'IsOrganizationTrail', 'MaxComputeProjectArn', 'MaxComputeWriteRoleArn'] as const;
type Known = (typeof KNOWN)[number];
const DESTINATIONS: Known[] = ['OssBucketName', 'SlsProjectArn', 'MaxComputeProjectArn'];
const NEEDS: Partial<Record<Known, Known>> = {
  OssKeyPrefix: 'OssBucketName',
  OssWriteRoleArn: 'OssBucketName',
  SlsWriteRoleArn: 'SlsProjectArn',
  MaxComputeWriteRoleArn: 'MaxComputeProjectArn',
};
const CODES = ['InvalidTrailNameException', 'InvalidPrefixException', 'InvalidDeliveryConfigurationException', 'InvalidQueryParameter'];

// ---- valid values (and, with slack 1, lengths one past each bound) --------------------------

function region(g: Gen, s: number): string {
  if (g.chance(0.5)) return g.pick(REGIONS);
  let r = g.str(LOWER, 2 - s, 8 + s);
  for (let i = g.int(1 - s, 4 + s); i > 0; i--) r += `-${g.str(LOWER + DIGITS, 1 - s, 12 + s)}`;
  return r;
}
function account(g: Gen, s: number): string {
  return g.str(DIGITS, 1 - s, 20 + s);
}
function dnsName(g: Gen, min: number, max: number): string {
  const n = g.int(min, max);
  if (n < 2) return g.str(LOWER + DIGITS, n, n);
  return g.str(LOWER + DIGITS, 1, 1) + g.str(`${LOWER}${DIGITS}-`, n - 2, n - 2) + g.str(LOWER + DIGITS, 1, 1);
}
function roleArn(g: Gen, s: number): string {
  return `acs:ram::${account(g, s)}:role/${g.str(`${LOWER}${UPPER}${DIGITS}._-`, 1 - s, 64 + s)}`;
}

const VALID: Record<Known, (g: Gen, slack: number) => unknown> = {
  Name: (g, s) => g.str(LOWER, 1, 1) + g.str(`${LOWER}${DIGITS}_-`, 5 - s, 35 + s),
  OssBucketName: (g, s) => dnsName(g, 3 - s, 63 + s),
  OssKeyPrefix: (g, s) => g.str(LOWER + UPPER, 1, 1) + g.str(`${LOWER}${UPPER}${DIGITS}_/-`, 5 - s, 31 + s),
  OssWriteRoleArn: roleArn,
  SlsProjectArn: (g, s) => `acs:log:${region(g, s)}:${account(g, s)}:project/${dnsName(g, 3 - s, 63 + s)}`,
  SlsWriteRoleArn: roleArn,
  EventRW: (g) => g.pick(['Write', 'Read', 'All']),
  TrailRegion: (g, s) => (g.chance(0.3) ? 'All' : region(g, s)),
  IsOrganizationTrail: (g) => g.chance(0.5),
  MaxComputeProjectArn: (g, s) => `acs:odps:${region(g, s)}:${account(g, s)}:project/actiontrail_${g.str(LOWER + DIGITS + '_', 1 - s, 16 + s)}`,
  MaxComputeWriteRoleArn: roleArn,
};

// ---- mutations ----------------------------------------------------------------------------

function junk(g: Gen, depth = 0): unknown {
  switch (g.int(0, 11)) {
    case 0: return g.int(-1e6, 1e6);
    case 1: return g.pick([NaN, Infinity, -0, 1.5, Number.MAX_SAFE_INTEGER]);
    case 2: return g.chance(0.5);
    case 3: return null;
    case 4: return undefined;
    case 5: return depth < 3 ? [junk(g, depth + 1)] : [];
    case 6: return depth < 3 ? { value: junk(g, depth + 1) } : {};
    case 7: return g.str(NASTY, 0, 80);
    case 8: return g.pick(['', ' ', 'true', 'false', 'null', 'All', 'Write', 'acs:ram::1:role/x']);
    case 9: return 'x'.repeat(g.pick([1025, 5000, 200_000]));
    case 10: return new Date(0);
    default: return g.str(`${LOWER}${UPPER}${DIGITS}-_/:`, 0, 70);
  }
}

function mutateString(g: Gen, s: string): string {
  switch (g.int(0, 6)) {
    case 0: { // replace one character
      const i = g.int(0, Math.max(0, s.length - 1));
      return s.slice(0, i) + g.str(NASTY, 1, 1) + s.slice(i + 1);
    }
    case 1: return s.slice(0, g.int(0, s.length)); // truncate
    case 2: return s + g.str(`${LOWER}${DIGITS}-_/`, 1, 40); // extend past limits
    case 3: return s.toUpperCase();
    case 4: return ` ${s}`;
    case 5: return s.replace(/:/g, g.pick(['::', ':', '/', '']));
    default: return g.str(NASTY, 1, 1) + s;
  }
}

function fieldValue(g: Gen, field: Known): unknown {
  const valid = VALID[field](g, 0);
  const r = g.rnd();
  if (r < 0.45) return valid;
  if (r < 0.65) return VALID[field](g, 1);
  if (r < 0.85 && typeof valid === 'string') return mutateString(g, valid);
  return junk(g);
}

const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'name', 'status', 'Status',
  'HomeRegion', 'RequestId', '', 'a/b', '~0', 'Name ', 'NAME', '$schema'];

/** Defines keys with defineProperty, so "__proto__" is an own property as JSON.parse makes it. */
function objectOf(entries: Array<[string, unknown]>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

function spec(g: Gen): unknown {
  if (g.chance(0.03)) return junk(g); // not an object at all
  const entries: Array<[string, unknown]> = [];
  const mostlyValid = g.chance(0.35);
  for (const f of KNOWN) {
    const p = f === 'Name' ? 0.93 : DESTINATIONS.includes(f) ? 0.45 : 0.4;
    if (!g.chance(p)) continue;
    entries.push([f, mostlyValid && g.chance(0.95) ? VALID[f](g, 0) : fieldValue(g, f)]);
  }
  if (!mostlyValid && g.chance(0.15)) {
    for (let i = g.int(1, 3); i > 0; i--) entries.push([g.chance(0.7) ? g.pick(HOSTILE_KEYS) : g.str(NASTY, 1, 12), junk(g)]);
  }
  // shuffle so key order never matters
  for (let i = entries.length - 1; i > 0; i--) {
    const j = g.int(0, i);
    [entries[i], entries[j]] = [entries[j], entries[i]];
  }
  return objectOf(entries);
}

// ---- the oracle ---------------------------------------------------------------------------

function regionOk(r: string): boolean {
  const parts = r.split('-');
  return parts.length >= 2 && parts.length <= 5 && /^[a-z]{2,8}$/.test(parts[0]) && parts.slice(1).every((p) => /^[a-z0-9]{1,12}$/.test(p));
}
function dnsOk(s: string): boolean {
  return s.length >= 3 && s.length <= 63 && /^[a-z0-9-]+$/.test(s) && !s.startsWith('-') && !s.endsWith('-');
}
function roleOk(s: string): boolean {
  const m = /^acs:ram::(\d+):role\/([\w.-]+)$/.exec(s);
  return m !== null && m[1].length <= 20 && m[2].length <= 64;
}
function slsOk(s: string): boolean {
  // The account id may be empty (the caller's account: the CreateTrail doc's request example).
  const m = /^acs:log:([^:]*):(\d*):project\/(.*)$/.exec(s);
  return m !== null && regionOk(m[1]) && m[2].length <= 20 && dnsOk(m[3]);
}
function odpsOk(s: string): boolean {
  const m = /^acs:odps:([^:]*):(\d+):project\/actiontrail_([a-z0-9_]+)$/.exec(s);
  return m !== null && regionOk(m[1]) && m[2].length <= 20 && m[3].length <= 16;
}

const RULES: Record<Known, (v: unknown) => boolean> = {
  Name: (v) => typeof v === 'string' && /^[a-z][a-z0-9_-]*$/.test(v) && v.length >= 6 && v.length <= 36,
  OssBucketName: (v) => typeof v === 'string' && dnsOk(v),
  OssKeyPrefix: (v) => typeof v === 'string' && /^[A-Za-z][\w/-]*$/.test(v) && v.length >= 6 && v.length <= 32,
  OssWriteRoleArn: (v) => typeof v === 'string' && roleOk(v),
  SlsProjectArn: (v) => typeof v === 'string' && slsOk(v),
  SlsWriteRoleArn: (v) => typeof v === 'string' && roleOk(v),
  EventRW: (v) => v === 'Write' || v === 'Read' || v === 'All',
  TrailRegion: (v) => typeof v === 'string' && (v === 'All' || regionOk(v)),
  IsOrganizationTrail: (v) => typeof v === 'boolean',
  MaxComputeProjectArn: (v) => typeof v === 'string' && odpsOk(v),
  MaxComputeWriteRoleArn: (v) => typeof v === 'string' && roleOk(v),
};

const escapeToken = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

/** Expected failing pointers (relative to the spec) and the code that must win; none if valid. */
function oracle(input: unknown): { pointers: string[]; code?: string } {
  const proto = input !== null && typeof input === 'object' && !Array.isArray(input) ? Object.getPrototypeOf(input) : undefined;
  if (proto !== Object.prototype && proto !== null) return { pointers: [''], code: 'InvalidQueryParameter' };
  const o = input as Record<string, unknown>;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined;
  const bad = new Set<string>();
  for (const k of Object.keys(o)) if (!(KNOWN as readonly string[]).includes(k)) bad.add(`/${escapeToken(k)}`);
  for (const f of KNOWN) {
    if (f === 'Name' && !has(f)) bad.add('/Name');
    if (has(f) && !RULES[f](o[f])) bad.add(`/${f}`);
    const needs = NEEDS[f];
    if (needs && has(f) && !has(needs)) bad.add(`/${f}`);
  }
  if (!DESTINATIONS.some(has)) bad.add('');
  if (bad.size === 0) return { pointers: [] };
  const code = bad.has('/Name') ? CODES[0] : bad.has('/OssKeyPrefix') ? CODES[1] : bad.has('') ? CODES[2] : CODES[3];
  return { pointers: [...bad].sort(), code };
}

/** Expected return value: the known parameters with defined values. */
function expectedSpec(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of KNOWN) if (Object.prototype.hasOwnProperty.call(o, f) && o[f] !== undefined) out[f] = o[f];
  return out;
}

function shallowState(input: unknown): unknown[] {
  if (input === null || typeof input !== 'object') return [input];
  return Object.keys(input).flatMap((k) => [k, (input as Record<string, unknown>)[k]]);
}

function outcome(fn: () => unknown): { value?: unknown; error?: ProvisionError } {
  try {
    return { value: fn() };
  } catch (e) {
    if (!(e instanceof ProvisionError)) throw new Error(`escaped a non-ProvisionError: ${String(e)}`, { cause: e });
    return { error: e };
  }
}

function checkError(e: ProvisionError): void {
  expect(e.status).toBe(400);
  expect(CODES).toContain(e.code);
  expect(e.fields.length).toBeGreaterThan(0);
  for (const f of e.fields) {
    expect(f.pointer === '' || f.pointer.startsWith('/')).toBe(true);
    expect(typeof f.rule).toBe('string');
    expect(f.message.length).toBeGreaterThan(0);
  }
}

describe('validateSpec fuzz (seeded, oracle-checked)', () => {
  it('agrees with the oracle on 6,000 random and malformed specs', () => {
    const g = new Gen(mulberry32(0x7ea11));
    const seenCodes = new Set<string>();
    let accepted = 0;
    for (let i = 0; i < 6000; i++) {
      const input = spec(g);
      const before = shallowState(input);
      const want = oracle(input);
      const got = outcome(() => validateSpec(input));
      const ctx = `case ${i}: ${String(JSON.stringify(input))?.slice(0, 300)}`;
      if (want.code === undefined) {
        expect(got.error?.fields, ctx).toBeUndefined();
        expect(got.value, ctx).toEqual(expectedSpec(input as Record<string, unknown>));
        expect(got.value, ctx).not.toBe(input);
        accepted++;
      } else {
        expect(got.error, ctx).toBeDefined();
        checkError(got.error!);
        expect(got.error!.code, ctx).toBe(want.code);
        expect(got.error!.fields.map((f) => f.pointer).sort(), ctx).toEqual(want.pointers);
        seenCodes.add(got.error!.code);
      }
      expect(shallowState(input), `${ctx} was mutated`).toEqual(before);
    }
    // the generator really exercises both outcomes and every code
    expect(accepted).toBeGreaterThan(500);
    expect([...seenCodes].sort()).toEqual([...CODES].sort());
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('agrees with the oracle on 600 random batches (pointers prefixed by the index)', () => {
    const g = new Gen(mulberry32(0xba7c4));
    for (let i = 0; i < 600; i++) {
      const list = Array.from({ length: g.int(1, 6) }, () => spec(g));
      const wants = list.map(oracle);
      const pointers = wants.flatMap((w, idx) => w.pointers.map((p) => `/${idx}${p}`)).sort();
      const got = outcome(() => validateSpecs(list));
      const ctx = `batch ${i}`;
      if (pointers.length === 0) {
        expect(got.value, ctx).toEqual(list.map((s) => expectedSpec(s as Record<string, unknown>)));
      } else {
        expect(got.error, ctx).toBeDefined();
        checkError(got.error!);
        expect(got.error!.fields.map((f) => f.pointer).sort(), ctx).toEqual(pointers);
        const codes = new Set(wants.map((w) => w.code));
        expect(got.error!.code, ctx).toBe(CODES.find((c) => codes.has(c)));
      }
    }
  });

  it('throws only ProvisionError for arbitrary JSON-ish values at the root', () => {
    const g = new Gen(mulberry32(0x5eed));
    for (let i = 0; i < 1500; i++) {
      const input = g.chance(0.5) ? junk(g) : objectOf(Array.from({ length: g.int(0, 4) }, () => [g.str(NASTY, 0, 8), junk(g)] as [string, unknown]));
      for (const fn of [validateSpec, validateSpecs]) {
        const got = outcome(() => fn(input));
        if (got.error) checkError(got.error);
      }
    }
  });
});
