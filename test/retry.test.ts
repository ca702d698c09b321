/**
 * withRetry unit tests: backoff growth and jitter, which failures are retried, the consistency
 * window, the deadline and maxAttempts. Sleep, random and the clock are injected/faked, so the
 * tests are exact and take no real time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProvisionError } from '../shared/core/errors';
import { CONSISTENCY_CODES, retryPolicy, withRetry, type RetryPolicy } from '../shared/core/retry';

/** A policy whose sleeps advance the (faked) clock and are recorded. */
function harness(overrides: Partial<RetryPolicy> = {}, random: () => number = () => 0.5) {
  const waits: number[] = [];
  const retried: Array<{ attempt: number; code: string }> = [];
  const policy = retryPolicy({
    baseMs: 100,
    capMs: 1_000,
    maxAttempts: 8,
    consistencyWindowMs: 5_000,
    deadline: Date.now() + 600_000,
    random,
    sleep: async (ms) => {
      waits.push(ms);
      vi.setSystemTime(Date.now() + ms);
    },
    onRetry: (i) => retried.push({ attempt: i.attempt, code: i.error.code }),
    ...overrides,
  });
  return { policy, waits, retried };
}

/** A function failing with `errors` in turn, then returning "ok"; counts its calls. */
function failing(...errors: unknown[]) {
  let calls = 0;
  const fn = async () => {
    const e = errors[calls++];
    if (e !== undefined) throw e;
    return 'ok';
  };
  return { fn, calls: () => calls };
}

const perr = (code: string, retryable = false, status?: number) => new ProvisionError({ code, retryable, status });
/** What the SDKs throw (converted by fromSdkError inside withRetry). */
const sdkErr = (code: string, statusCode: number) => Object.assign(new Error(`code: ${statusCode}, ${code} happened request id: X`), { code, statusCode, data: { Code: code } });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-07-01T00:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('withRetry backoff', () => {
  it('grows exponentially from baseMs and is capped at capMs (random 1 → the full exponential)', async () => {
    const { policy, waits } = harness({ maxAttempts: 8 }, () => 0.999999);
    const f = failing(...Array.from({ length: 7 }, () => perr('Throttling.User', true)));
    await expect(withRetry('t', f.fn, policy)).resolves.toBe('ok');
    expect(waits).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
    expect(f.calls()).toBe(8);
  });

  it('jitter stays in [exp/2, exp] for every random draw', async () => {
    for (const r of [0, 0.1, 0.37, 0.5, 0.9, 0.999999]) {
      const { policy, waits } = harness({ maxAttempts: 7 }, () => r);
      const f = failing(...Array.from({ length: 6 }, () => perr('ServiceUnavailable', true, 503)));
      await withRetry('t', f.fn, policy);
      const exps = [100, 200, 400, 800, 1_000, 1_000];
      waits.forEach((w, i) => {
        expect(w).toBeGreaterThanOrEqual(exps[i]! / 2);
        expect(w).toBeLessThanOrEqual(exps[i]!);
      });
      expect(waits[0]).toBe(Math.round(50 + r * 50));
    }
  });

  it('reports every retry through onRetry with the attempt number and code', async () => {
    const { policy, retried } = harness();
    const f = failing(perr('Throttling.User', true), perr('InternalError', true, 500));
    await withRetry('t', f.fn, policy);
    expect(retried).toEqual([
      { attempt: 1, code: 'Throttling.User' },
      { attempt: 2, code: 'InternalError' },
    ]);
  });
});

describe('withRetry: what is retried', () => {
  it.each([
    ['POP throttling', sdkErr('Throttling.User', 400)],
    ['POP 503', sdkErr('ServiceUnavailable', 503)],
    ['POP 500', sdkErr('InternalError', 500)],
    ['OSS SlowDown', sdkErr('SlowDown', 503)],
    ['SLS ReadQuotaExceed', sdkErr('ReadQuotaExceed', 403)],
    ['SLS ServerBusy', sdkErr('ServerBusy', 503)],
    ['connection reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['timeout', Object.assign(new Error('ReadTimeout(5000). GET http://x failed.'), { name: 'RequestTimeoutError' })],
  ])('retries %s', async (_label, error) => {
    const { policy, retried } = harness();
    const f = failing(error, error);
    await expect(withRetry('t', f.fn, policy)).resolves.toBe('ok');
    expect(f.calls()).toBe(3);
    expect(retried).toHaveLength(2);
  });

  it.each([
    'InvalidTrailNameException',
    'InvalidDeliveryConfigurationException',
    'InvalidPrefixException',
    'InvalidQueryParameter',
    'TrailAlreadyExistsException',
    'RepeatOssBucket',
    'BucketDoesNotExistException',
    'MaximumNumberOfTrailsExceededException',
    'NotAllowCreateOrganizationTrail',
    'TrailNotFoundException',
  ])('never retries the documented %s', async (code) => {
    const { policy, waits } = harness();
    const f = failing(sdkErr(code, 400));
    const err = await withRetry('t', f.fn, policy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProvisionError);
    expect((err as ProvisionError).code).toBe(code);
    expect(f.calls()).toBe(1);
    expect(waits).toEqual([]);
  });

  it('an unclassified thrown value is an InternalError (treated as a 500: retried within maxAttempts, then final)', async () => {
    const { policy, waits } = harness({ maxAttempts: 3 });
    const f = failing(new Error('odd'), new Error('odd'), new Error('odd'));
    const err = await withRetry('t', f.fn, policy).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProvisionError);
    expect((err as ProvisionError).code).toBe('InternalError');
    expect(f.calls()).toBe(3);
    expect(waits).toHaveLength(2);
  });

  it('a TypeError (a bug, not a cloud failure) is an InternalError that is never retried', async () => {
    const { policy, waits } = harness({ maxAttempts: 3 });
    const f = failing(new TypeError('x is not a function'), new TypeError('x is not a function'));
    const err = await withRetry('t', f.fn, policy).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'InternalError', retryable: false });
    expect(f.calls()).toBe(1);
    expect(waits).toEqual([]);
  });
});

describe('withRetry: attempt timeout', () => {
  it('abandons an attempt that does not answer within attemptTimeoutMs as a retryable ETIMEDOUT, and retries', async () => {
    const { policy, retried } = harness({ attemptTimeoutMs: 30 });
    let calls = 0;
    let lateRejection = false;
    const fn = () => {
      calls++;
      // The first attempt hangs, then fails late: that failure must not surface anywhere.
      if (calls === 1) return new Promise<string>((_, reject) => setTimeout(() => ((lateRejection = true), reject(new Error('late'))), 60));
      return Promise.resolve('ok');
    };
    await expect(withRetry('t', fn, policy)).resolves.toBe('ok');
    expect(calls).toBe(2);
    expect(retried).toEqual([{ attempt: 1, code: 'ETIMEDOUT' }]);
    await new Promise((r) => setTimeout(r, 80));
    expect(lateRejection).toBe(true);
  });

  it('an attempt ends by the deadline (at least a second after it), not attemptTimeoutMs later', async () => {
    vi.useRealTimers();
    const started = Date.now();
    const policy = retryPolicy({ deadline: started + 300, attemptTimeoutMs: 20_000, maxAttempts: 1 });
    const err = await withRetry('t', () => new Promise<never>(() => {}), policy).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ETIMEDOUT', message: 't did not answer within 1000 ms.' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a hang on every attempt ends with ETIMEDOUT after maxAttempts', async () => {
    const { policy } = harness({ attemptTimeoutMs: 5, maxAttempts: 2 });
    const err = await withRetry('sts:AssumeRole', () => new Promise<never>(() => {}), policy).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ETIMEDOUT', retryable: true, message: 'sts:AssumeRole did not answer within 5 ms.' });
  });
});

describe('withRetry: eventual consistency window', () => {
  it.each([...CONSISTENCY_CODES])('retries %s while inside the window', async (code) => {
    const { policy } = harness({ consistencyWindowMs: 5_000 });
    const f = failing(sdkErr(code, 403), sdkErr(code, 403), sdkErr(code, 403));
    await expect(withRetry('t', f.fn, policy)).resolves.toBe('ok');
    expect(f.calls()).toBe(4);
  });

  it('stops retrying a consistency code once the window has passed, returning the real code', async () => {
    // Waits 100, 200, 400, 800, 1000, 1000, ...: by the 5th failure 1,500 ms have passed; window 1,200 ms.
    const { policy, waits } = harness({ consistencyWindowMs: 1_200, maxAttempts: 20 }, () => 0.999999);
    const f = failing(...Array.from({ length: 19 }, () => sdkErr('InsufficientBucketPolicyException', 403)));
    const err = await withRetry('t', f.fn, policy).catch((e: unknown) => e);
    expect((err as ProvisionError).code).toBe('InsufficientBucketPolicyException');
    expect((err as ProvisionError).status).toBe(403);
    expect(waits).toEqual([100, 200, 400, 800]);
    expect(f.calls()).toBe(5);
  });

  it('with a zero window a consistency code is final at once', async () => {
    const { policy } = harness({ consistencyWindowMs: 0 });
    const f = failing(sdkErr('SlsProjectDoesNotExistException', 400));
    await expect(withRetry('t', f.fn, policy)).rejects.toMatchObject({ code: 'SlsProjectDoesNotExistException' });
    expect(f.calls()).toBe(1);
  });
});

describe('withRetry: limits', () => {
  it('honours maxAttempts and throws the last error', async () => {
    const { policy, waits } = harness({ maxAttempts: 3 });
    const f = failing(perr('Throttling.User', true), perr('ServiceUnavailable', true, 503), perr('InternalError', true, 500), perr('Throttling.User', true));
    const err = await withRetry('t', f.fn, policy).catch((e: unknown) => e);
    expect(f.calls()).toBe(3);
    expect(waits).toHaveLength(2);
    expect((err as ProvisionError).code).toBe('InternalError');
  });

  it('maxAttempts 1 means no retry at all', async () => {
    const { policy } = harness({ maxAttempts: 1 });
    const f = failing(perr('Throttling.User', true));
    await expect(withRetry('t', f.fn, policy)).rejects.toMatchObject({ code: 'Throttling.User' });
    expect(f.calls()).toBe(1);
  });

  it('stops before the deadline (no wait that would end past it) with a clear message keeping the code', async () => {
    const { policy, waits } = harness({ deadline: Date.now() + 1_000, maxAttempts: 50 }, () => 0.999999);
    const f = failing(...Array.from({ length: 49 }, () => sdkErr('Throttling.User', 400)));
    const err = (await withRetry('actiontrail:CreateTrail', f.fn, policy).catch((e: unknown) => e)) as ProvisionError;
    // 100 + 200 + 400 = 700 ms; the next wait (800) would cross the 1,000 ms deadline.
    expect(waits).toEqual([100, 200, 400]);
    expect(f.calls()).toBe(4);
    expect(err).toBeInstanceOf(ProvisionError);
    expect(err.code).toBe('Throttling.User');
    expect(err.message).toMatch(/gave up on actiontrail:CreateTrail after 4 attempts: the deadline is near/);
    expect(Date.now()).toBeLessThan(policy.deadline);
  });

  it('a success on the first try costs one call and no wait', async () => {
    const { policy, waits } = harness();
    const f = failing();
    await expect(withRetry('t', f.fn, policy)).resolves.toBe('ok');
    expect(f.calls()).toBe(1);
    expect(waits).toEqual([]);
  });
});
