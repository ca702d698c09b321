/**
 * Retries with exponential backoff and full jitter, bounded by a deadline.
 *
 * Two classes of retryable failure:
 * - transient: throttling, 5xx, timeouts, dropped connections (ProvisionError.retryable);
 * - eventual consistency: codes real users hit right after creating a role or SLS project
 *   (InsufficientBucketPolicyException, InsufficientSlsPolicyException, SlsProjectDoesNotExistException,
 *   and preflight's InsufficientMaxComputePolicyException),
 *   retried only within `consistencyWindowMs` of the first attempt, then final.
 * Documented validation errors are never retried.
 */
import { ProvisionError } from './errors';
import { fromSdkError } from '../cloud/sdk-error';
import type { Logger } from '../platform/log';
import type { CallPacer } from './pacing';

export const CONSISTENCY_CODES: ReadonlySet<string> = new Set([
  'InsufficientBucketPolicyException',
  'InsufficientSlsPolicyException',
  'SlsProjectDoesNotExistException',
  // Preflight's own code for a MaxCompute write role (missing or untrusting): RAM is as slow to agree.
  'InsufficientMaxComputePolicyException',
]);

export interface RetryPolicy {
  /** Absolute time (ms since epoch) after which no new attempt starts. */
  deadline: number;
  /** First backoff, ms. */
  baseMs: number;
  /** Largest backoff, ms. */
  capMs: number;
  /** Attempts at most, the first included. */
  maxAttempts: number;
  /** How long eventual-consistency codes keep being retried after the first attempt, ms. */
  consistencyWindowMs: number;
  /**
   * Longest one attempt may take, ms: then it is abandoned as a retryable ETIMEDOUT. The SDKs'
   * own read timeout (httpx, under @darabonba/typescript) does not always fire on a reused
   * keep-alive socket: measured against the emulator, most 300 ms answers got through a 150 ms
   * readTimeout. An abandoned write may still be carried out; the provisioner re-reads before
   * deciding (TrailAlreadyExistsException is handled), as for any timeout.
   */
  attemptTimeoutMs: number;
  /** Called before each wait (for logs and progress). */
  onRetry?: (info: { label: string; attempt: number; waitMs: number; error: ProvisionError }) => void;
  /** Paces each attempt to the API's rate limit and learns from its throttling answers (shared/core/pacing.ts). */
  pacer?: CallPacer;
  /** Random source in [0,1) (tests and benchmarks may seed it). */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The deadline is the real bound (the function's timeout less TRAIL_DEADLINE_MARGIN_MS, as
 * Terraform bounds its CreateTrail retries by a timeout): 30 attempts at up to 5 s apart are
 * about 2.5 minutes of persistent throttling.
 */
export const DEFAULT_RETRY: Omit<RetryPolicy, 'deadline'> = {
  baseMs: 200,
  capMs: 5_000,
  maxAttempts: 30,
  consistencyWindowMs: 30_000,
  // The SDK clients' connect (5 s) and read (15 s) timeouts, end to end.
  attemptTimeoutMs: 20_000,
};

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY, deadline: Date.now() + 120_000, ...overrides };
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs one cloud call (named by `label`, e.g. "actiontrail:DescribeTrails") under a retry policy. */
export type Call = <T>(label: string, fn: () => Promise<T>) => Promise<T>;

/** One policy for a piece of work, and its `call`; each retry is logged as a warning (and passed to overrides.onRetry). */
export function retrier(overrides: Partial<RetryPolicy> = {}, logger?: Logger): { policy: RetryPolicy; call: Call } {
  const policy = retryPolicy({
    ...overrides,
    onRetry: (i) => {
      logger?.warn('retrying', { call: i.label, attempt: i.attempt, waitMs: i.waitMs, code: i.error.code });
      overrides.onRetry?.(i);
    },
  });
  return { policy, call: (label, fn) => withRetry(label, fn, policy) };
}

/** fn(), or a retryable ETIMEDOUT once `ms` have passed (the abandoned attempt's outcome is ignored). */
async function bounded<T>(label: string, fn: () => Promise<T>, ms: number): Promise<T> {
  const attempt = fn();
  attempt.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProvisionError({ code: 'ETIMEDOUT', status: 504, message: `${label} did not answer within ${ms} ms.`, retryable: true })), ms);
  });
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function withRetry<T>(label: string, fn: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const started = Date.now();
  const random = policy.random ?? Math.random;
  const sleep = policy.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      await policy.pacer?.acquire(label);
      // Past the deadline an attempt still gets a second (the function keeps a margin to answer).
      const value = await bounded(label, fn, Math.min(policy.attemptTimeoutMs, Math.max(1_000, policy.deadline - Date.now())));
      policy.pacer?.done(label);
      return value;
    } catch (e) {
      const err = fromSdkError(e);
      policy.pacer?.done(label, err.code);
      const consistency = CONSISTENCY_CODES.has(err.code) && Date.now() - started < policy.consistencyWindowMs;
      if (!(err.retryable || consistency) || attempt >= policy.maxAttempts) throw err;
      const exp = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
      const waitMs = Math.round(exp / 2 + (random() * exp) / 2);
      if (Date.now() + waitMs >= policy.deadline) {
        throw new ProvisionError({
          code: err.code,
          status: err.status,
          message: `${err.message} (gave up on ${label} after ${attempt} attempts: the deadline is near)`,
          requestId: err.requestId,
          retryable: err.retryable,
          cause: err,
        });
      }
      policy.onRetry?.({ label, attempt, waitMs, error: err });
      await sleep(waitMs);
    }
  }
}
