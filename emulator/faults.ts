/**
 * Fault injection, applied after signature verification (so a rejected signature is never
 * masked by a fault): a base latency on every call, then each rule of world.faults whose match
 * fits the call ("*", "<service>", or "<service>:<Action>"; OSS/SLS calls have no POP action and
 * match "<service>:<HTTP method>"). A seeded PRNG (mulberry32 from faults.seed) draws once per
 * matching rule per call, so a run with the same seed and the same calls fails the same calls.
 *
 * Kinds: throttle and error5xx throw the service's own error (POP, OSS, SLS codes below);
 * latency sleeps rule.ms; drop returns 'drop' (the server destroys the socket); stale answers as
 * the cloud does for a moment after a resource was created or changed (eventual consistency):
 * where that moment fails the call it throws (staleError); where it answers with an old view
 * (lagsWhenStale: ActionTrail GetTrailStatus still IsLogging=false right after StartLogging) it
 * returns 'stale', the server sets req.stale and the service renders the lagging view. A stale
 * rule on a call with neither never fires. A rule with `times` applies at most that many times.
 *
 * Tests may assign world.faults directly: a new FaultConfig object (or a new seed) resets the PRNG
 * and the `times` budgets. setFaults() does the same explicitly.
 */
import type { FaultConfig, FaultRule, World } from './state';
import { EmuError, type EmuRequest } from './types';
import { familyOf } from './signature/errors';
import { atError } from './services/actiontrail-params';

interface FaultState {
  config: FaultConfig;
  seed: number;
  next: () => number;
  used: WeakMap<FaultRule, number>;
}

const states = new WeakMap<World, FaultState>();

/** Faults injected so far per world, by kind (latency is invisible in the call log; soak tests report it). */
const tallies = new WeakMap<World, Record<FaultRule['kind'], number>>();

/** How many faults of each kind this world has injected since it was created. */
export function faultTally(world: World): Record<FaultRule['kind'], number> {
  let t = tallies.get(world);
  if (!t) tallies.set(world, (t = { throttle: 0, error5xx: 0, latency: 0, drop: 0, stale: 0 }));
  return t;
}

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG; floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function stateFor(world: World): FaultState {
  const config = world.faults;
  const seed = config.seed ?? 1;
  let s = states.get(world);
  if (!s || s.config !== config || s.seed !== seed) {
    s = { config, seed, next: mulberry32(seed), used: new WeakMap() };
    states.set(world, s);
  }
  return s;
}

/** Replaces the fault configuration at runtime (also resets the PRNG and the `times` budgets). */
export function setFaults(world: World, faults: FaultConfig): void {
  world.faults = faults;
  states.delete(world);
}

/** Removes every fault. */
export function clearFaults(world: World): void {
  setFaults(world, { rules: [] });
}

export function ruleMatches(match: string, req: EmuRequest): boolean {
  if (match === '*' || match === req.service) return true;
  const i = match.indexOf(':');
  if (i < 0 || match.slice(0, i) !== req.service) return false;
  return match.slice(i + 1) === (req.action ?? req.method);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The service's throttling error, as each family reports it. */
export function throttleError(req: EmuRequest): EmuError {
  switch (familyOf(req.service)) {
    case 'oss':
      return new EmuError(503, 'SlowDown', 'Please reduce your request rate.');
    case 'sls':
      return req.method === 'GET'
        ? new EmuError(403, 'ReadQuotaExceed', 'Read quota is exceeded.')
        : new EmuError(403, 'WriteQuotaExceed', 'Write quota is exceeded.');
    default:
      // EventBridge's own flow limiter (EventBridge "Error codes" page: 429 TooManyRequests).
      if (req.service === 'eventbridge') return new EmuError(429, 'TooManyRequests', 'The request is denied by flow limiter for too many requests.');
      return new EmuError(400, 'Throttling.User', 'Request was denied due to user flow control.');
  }
}

/** A server-side failure: 503 (unavailable) or 500 (internal), chosen by the seeded PRNG. */
export function serverError(req: EmuRequest, unavailable: boolean): EmuError {
  switch (familyOf(req.service)) {
    case 'oss':
      return unavailable
        ? new EmuError(503, 'ServiceUnavailable', 'Service is temporarily unavailable, please try again later.')
        : new EmuError(500, 'InternalError', 'We encountered an internal error. Please try again.');
    case 'sls':
      return unavailable
        ? new EmuError(503, 'ServerBusy', 'The server is busy, please try again later.')
        : new EmuError(500, 'InternalServerError', 'Internal server error.');
    default:
      return unavailable
        ? new EmuError(503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.')
        : new EmuError(500, 'InternalError', 'The request processing has failed due to some unknown error.');
  }
}

/**
 * What a call sees right after the resource it needs was created, before the cloud is consistent:
 * SLS does not find a new project yet, RAM a new role, and ActionTrail cannot yet assume a new
 * write role (the case Terraform retries CreateTrail for). Other services have no such answer.
 */
export function staleError(req: EmuRequest): EmuError | undefined {
  switch (req.service) {
    case 'sls':
      return new EmuError(404, 'ProjectNotExist', 'The Project does not exist : (not yet visible)');
    case 'ram':
      return new EmuError(404, 'EntityNotExist.Role', 'The role not exists: (not yet visible).');
    case 'actiontrail':
      return req.action === 'CreateTrail' || req.action === 'UpdateTrail' ? atError('InsufficientBucketPolicyException') : undefined;
    default:
      return undefined;
  }
}

/**
 * Calls that, for a moment after a change, answer normally but with the previous state instead of
 * failing: GetTrailStatus reports IsLogging=false right after StartLogging (the status lags).
 * The service reads req.stale.
 */
export function lagsWhenStale(req: EmuRequest): boolean {
  return req.service === 'actiontrail' && req.action === 'GetTrailStatus';
}

/** What the server must do beyond calling the service: drop the connection, or answer a lagging view (req.stale). */
export type FaultOutcome = 'drop' | 'stale' | undefined;

export async function applyFaults(req: EmuRequest, world: World): Promise<FaultOutcome> {
  const config = world.faults;
  if (config.latencyMs) await sleep(config.latencyMs);
  if (config.rules.length === 0) return undefined;
  const s = stateFor(world);
  let lagging = false;
  for (const rule of config.rules) {
    if (!ruleMatches(rule.match, req)) continue;
    const stale = rule.kind === 'stale' ? staleError(req) : undefined;
    if (rule.kind === 'stale' && !stale && !lagsWhenStale(req)) continue;
    const roll = s.next();
    if (roll >= rule.rate) continue;
    const used = s.used.get(rule) ?? 0;
    if (rule.times !== undefined && used >= rule.times) continue;
    s.used.set(rule, used + 1);
    faultTally(world)[rule.kind]++;
    switch (rule.kind) {
      case 'latency':
        await sleep(rule.ms ?? 0);
        break;
      case 'drop':
        return 'drop';
      case 'throttle':
        throw throttleError(req);
      case 'error5xx':
        throw serverError(req, s.next() < 0.5);
      case 'stale':
        if (stale) throw stale;
        lagging = true;
        break;
    }
  }
  return lagging ? 'stale' : undefined;
}
