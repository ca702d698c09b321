/**
 * Flow control: per-API QPS limits enforced with token buckets, answered with the real
 * throttling codes (docs/conformance.md, rows throttle.*, cites each).
 *
 * A rule names the calls it limits ("<service>", "<service>:<Action>" or "*", as fault rules do)
 * and its scope:
 * - "account": one bucket per calling account (the account a key or STS session belongs to).
 *   Over the limit, POP services answer 400 Throttling.User "Request was denied due to user flow
 *   control." (what Alibaba Cloud returns when one account calls an API too often, e.g. STS
 *   AssumeRole's 100 requests per second per account).
 * - "api": one bucket for every caller of the API. Over the limit: 400 Throttling.Api "Request
 *   was denied due to api flow control."
 * OSS and SLS have no POP codes; there the rule answers as their own throttling does (OSS 503
 * SlowDown, SLS 403 ReadQuotaExceed / WriteQuotaExceed, see faults.ts); EventBridge answers 429
 * TooManyRequests, the code of its "Error codes" page.
 *
 * Each bucket holds `burst` tokens (default: one second's worth, `qps`), refills continuously at
 * `qps` tokens per second, and every call it admits takes one token. A throttled call takes none,
 * so a caller that keeps retrying does not starve itself further. A call limited by several rules
 * must pass all of them; the first it fails names the code.
 *
 * Defaults (DEFAULT_RATE_LIMITS) are the published limits: STS AssumeRole, 100 per second per
 * account. A seed's `rateLimits` replaces them ([] turns flow control off); setRateLimits()
 * changes them at run time and empties the buckets' history.
 */
import type { RateLimitRule, World } from './state';
import { EmuError, type EmuRequest } from './types';
import { familyOf } from './signature/errors';
import { ruleMatches, throttleError } from './faults';

/** The limits the real cloud publishes (docs/conformance.md, row sts.AssumeRole.rate-limit). */
export const DEFAULT_RATE_LIMITS: readonly RateLimitRule[] = Object.freeze([{ match: 'sts:AssumeRole', qps: 100, scope: 'account' as const }]);

interface Bucket {
  tokens: number;
  at: number;
}

interface LimiterState {
  rules: readonly RateLimitRule[];
  buckets: Map<string, Bucket>;
}

const states = new WeakMap<World, LimiterState>();

/** Calls each world has refused for flow control, by code (what a bench reports beside the call log). */
const refused = new WeakMap<World, Map<string, number>>();

function stateFor(world: World): LimiterState {
  let s = states.get(world);
  if (!s || s.rules !== world.rateLimits) {
    s = { rules: world.rateLimits, buckets: new Map() };
    states.set(world, s);
  }
  return s;
}

/** Replaces the flow-control rules (and forgets every bucket). */
export function setRateLimits(world: World, rules: readonly RateLimitRule[]): void {
  world.rateLimits = rules;
  states.delete(world);
}

/** How many calls were refused per throttling code since the world was created. */
export function throttledCalls(world: World): Record<string, number> {
  return Object.fromEntries(refused.get(world) ?? []);
}

function throttling(req: EmuRequest, scope: RateLimitRule['scope']): EmuError {
  if (familyOf(req.service) !== 'pop' || req.service === 'eventbridge') return throttleError(req);
  return scope === 'api'
    ? new EmuError(400, 'Throttling.Api', 'Request was denied due to api flow control.')
    : new EmuError(400, 'Throttling.User', 'Request was denied due to user flow control.');
}

/** Throws the service's throttling error when a rule's bucket for this call is empty; else takes a token from each. */
export function enforceRateLimits(req: EmuRequest, world: World, now = performance.now()): void {
  const { rules, buckets } = stateFor(world);
  if (rules.length === 0) return;
  const taken: Bucket[] = [];
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (!(rule.qps > 0) || !ruleMatches(rule.match, req)) continue;
    const key = `${i}|${rule.scope === 'api' ? '*' : req.caller.accountId}`;
    const burst = Math.max(1, rule.burst ?? rule.qps);
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = { tokens: burst, at: now }));
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rule.qps);
    b.at = now;
    if (b.tokens < 1) {
      // Give back what earlier rules took for this call: it was not admitted.
      for (const t of taken) t.tokens += 1;
      const err = throttling(req, rule.scope);
      let counts = refused.get(world);
      if (!counts) refused.set(world, (counts = new Map()));
      counts.set(err.code, (counts.get(err.code) ?? 0) + 1);
      throw err;
    }
    b.tokens -= 1;
    taken.push(b);
  }
}
