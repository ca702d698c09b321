/**
 * Pacing: a run's calls to each cloud API spaced to that API's rate limit, shared by every
 * worker of the run, so a throttled API slows down instead of burning retries.
 *
 * Alibaba Cloud limits each API per calling account (Throttling.User) and overall
 * (Throttling.Api). A fleet run makes every member AssumeRole as the management account: one
 * caller, one limit, whatever the concurrency. Retrying with backoff alone keeps the workers
 * colliding with the limit (each collision is a wasted call and a backoff sleep); pacing spaces
 * the calls at the rate the API admits.
 *
 * Per key (API rule × calling account) the pacer hands out start times 1/rate apart (a
 * token bucket with no burst). The rate is adaptive (AIMD): it starts at the configured limit
 * (TRAIL_RATE_LIMITS; unlimited for an API with none), is cut to 70 % on each throttling answer
 * (at most once per spacing interval, so one burst of refusals counts once), and grows back by
 * 5 % of the configured limit (or 1 call/s) per second without throttling, never past the
 * configured limit. An API without a configured limit is unpaced until its first throttling
 * answer; then its rate starts from 70 % of the rate it was being called at.
 *
 * Written here rather than taken from a rate-limiter package: the ones we could use pace to a
 * fixed rate; this one must also learn from the service's throttling answers, per API and caller.
 */

/** One API's limit as the run knows it: calls per second per calling account. */
export interface RateLimit {
  /** "<service>", "<service>:<Action>" (the call labels the retrier uses), or "*". */
  match: string;
  qps: number;
}

/** Throttling codes of every service family (POP, OSS, SLS). */
export function isThrottling(code: string | undefined): boolean {
  return !!code && (/^Throttling/.test(code) || code === 'SlowDown' || code === 'ReadQuotaExceed' || code === 'WriteQuotaExceed');
}

/** What the retrier asks before and tells after each attempt of one call. */
export interface CallPacer {
  /** Resolves when `label` ("service:Action") may start. */
  acquire(label: string): Promise<void>;
  /** The attempt ended: `code` is the error code when it failed. */
  done(label: string, code?: string): void;
}

export interface PacerStats {
  /** Calls that waited for a slot, and the time they waited in total, ms. */
  waited: number;
  waitedMs: number;
  /** Throttling answers seen, per key. */
  throttled: Record<string, number>;
  /** Current rate per key, calls/s (Infinity: unpaced). */
  rates: Record<string, number>;
}

export interface Pacer {
  /** The pacer for calls made as `callerAccountId`. */
  forCaller(callerAccountId: string): CallPacer;
  stats(): PacerStats;
}

interface Lane {
  /** Configured ceiling, calls/s (Infinity when none). */
  limit: number;
  rate: number;
  /** Earliest start of the next call (ms, `now()` clock). */
  next: number;
  /** When the rate was last changed, and the last throttling answer. */
  changedAt: number;
  throttledAt: number;
  /** Start times of recent calls (for the rate an unlimited API was being called at). */
  recent: number[];
}

export interface PacerOptions {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Multiplicative decrease on a throttling answer. */
const DECREASE = 0.7;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Parses TRAIL_RATE_LIMITS: "sts:AssumeRole=100,actiontrail=10" (calls per second per calling account). */
export function parseRateLimits(text: string): RateLimit[] {
  const out: RateLimit[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9*-]+(?::[A-Za-z0-9]+)?)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m || !(Number(m[2]) > 0)) throw new Error(`"${part}" is not <service>[:<Action>]=<calls per second> (a positive number)`);
    out.push({ match: m[1]!, qps: Number(m[2]) });
  }
  return out;
}

function matches(match: string, label: string): boolean {
  if (match === '*' || match === label) return true;
  return !match.includes(':') && label.startsWith(`${match}:`);
}

export function createPacer(limits: readonly RateLimit[], opts: PacerOptions = {}): Pacer {
  const now = opts.now ?? (() => performance.now());
  const sleep = opts.sleep ?? defaultSleep;
  const lanes = new Map<string, Lane>();
  const throttled: Record<string, number> = {};
  let waited = 0;
  let waitedMs = 0;

  // The most specific rule wins: "sts:AssumeRole" over "sts" over "*".
  const specificity = (m: string) => (m === '*' ? 0 : m.includes(':') ? 2 : 1);
  const ruleFor = (label: string): RateLimit | undefined =>
    limits.filter((l) => matches(l.match, label)).sort((a, b) => specificity(b.match) - specificity(a.match))[0];

  const laneFor = (label: string, caller: string): [string, Lane] => {
    const rule = ruleFor(label);
    const key = `${rule?.match ?? label}@${caller}`;
    let lane = lanes.get(key);
    if (!lane) {
      const limit = rule?.qps ?? Infinity;
      lanes.set(key, (lane = { limit, rate: limit, next: 0, changedAt: now(), throttledAt: -Infinity, recent: [] }));
    }
    return [key, lane];
  };

  /** Additive increase: back toward the ceiling for each second since the last change. */
  const recover = (lane: Lane, t: number) => {
    if (lane.rate >= lane.limit) return;
    const seconds = (t - lane.changedAt) / 1000;
    if (seconds < 1) return;
    const step = Number.isFinite(lane.limit) ? lane.limit * 0.05 : 1;
    lane.rate = Math.min(lane.limit, lane.rate + step * Math.floor(seconds));
    lane.changedAt = t;
  };

  return {
    forCaller(caller) {
      return {
        async acquire(label) {
          const [, lane] = laneFor(label, caller);
          const t = now();
          recover(lane, t);
          if (!Number.isFinite(lane.rate)) {
            lane.recent.push(t);
            while (lane.recent.length > 0 && lane.recent[0]! < t - 1000) lane.recent.shift();
            return;
          }
          const start = Math.max(t, lane.next);
          lane.next = start + 1000 / lane.rate;
          if (start > t) {
            waited++;
            waitedMs += start - t;
            await sleep(start - t);
          }
        },
        done(label, code) {
          if (!isThrottling(code)) return;
          const [key, lane] = laneFor(label, caller);
          throttled[key] = (throttled[key] ?? 0) + 1;
          const t = now();
          // Multiplicative decrease, once per spacing interval (a burst of refusals is one signal).
          const interval = Number.isFinite(lane.rate) ? 1000 / lane.rate : 0;
          if (t - lane.throttledAt < interval) return;
          lane.throttledAt = t;
          lane.rate = Number.isFinite(lane.rate) ? Math.max(0.5, lane.rate * DECREASE) : Math.max(1, lane.recent.length * DECREASE);
          lane.changedAt = t;
          lane.next = Math.max(lane.next, t + 1000 / lane.rate);
        },
      };
    },
    stats() {
      return { waited, waitedMs, throttled: { ...throttled }, rates: Object.fromEntries([...lanes].map(([k, l]) => [k, l.rate])) };
    },
  };
}

/** No pacing at all (every call starts at once; throttling is left to retries): the baseline pacing is measured against. */
export const unpaced: Pacer = {
  forCaller: () => ({ acquire: async () => {}, done: () => {} }),
  stats: () => ({ waited: 0, waitedMs: 0, throttled: {}, rates: {} }),
};
