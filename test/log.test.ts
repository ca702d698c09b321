/**
 * Log redaction: registered secrets are masked wherever they occur, whatever their number (a
 * remediation batch registers two per assumed role), with the same result as masking each secret
 * in turn; secret-looking keys are masked whatever their value.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mulberry32 } from '../emulator/faults';
import { createLogger, redact, registerSecret, registeredSecretCount, SECRET_GRACE_MS } from '../shared/platform/log';

/** The plain reading of the rule: each secret (8+ chars) in registration order, split and joined. */
function naiveMask(s: string, secrets: readonly string[]): string {
  for (const secret of secrets) if (secret.length >= 8) s = s.split(secret).join('[REDACTED]');
  return s;
}

describe('redact', () => {
  it('masks like the one-secret-at-a-time rule on random strings with overlapping secrets', () => {
    const random = mulberry32(7);
    const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    let masked = 0;
    for (let round = 0; round < 2_000; round++) {
      // A tiny alphabet makes secrets share prefixes and overlap each other in the text.
      const secrets = Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick('ab', 6 + Math.floor(random() * 6)));
      const text = pick('ab ', 40 + Math.floor(random() * 60)) + (random() < 0.5 ? secrets[0] : '');
      const got = redact({ text }, secrets) as { text: string };
      const want = naiveMask(text, secrets);
      expect(got.text, JSON.stringify({ text, secrets })).toBe(want);
      if (want !== text) masked++;
    }
    // The cases above really exercise masking, not only pass-through.
    expect(masked).toBeGreaterThan(500);
  });

  it('masks secret-looking keys, nested values and error messages; leaves short values alone', () => {
    const secret = 'sts-secret-0123456789';
    const out = redact({ accessKeySecret: 'x', nested: { list: [`a ${secret} b`] }, err: new Error(`bad ${secret}`), short: 'abc' }, [secret, 'abc']);
    expect(out).toEqual({ accessKeySecret: '[REDACTED]', nested: { list: ['a [REDACTED] b'] }, err: { name: 'Error', message: 'bad [REDACTED]', code: undefined }, short: 'abc' });
  });
});

describe('createLogger', () => {
  it('masks every registered secret in JSON lines, with thousands registered', () => {
    const secrets = Array.from({ length: 3_000 }, (_, i) => `STS.token-${i.toString(36).padStart(4, '0')}-${'x'.repeat(i % 7)}-secret`);
    for (const s of secrets) registerSecret(s);
    const lines: string[] = [];
    const log = createLogger({ fn: 'test' }, { write: (l) => lines.push(l) });
    log.info('assumed', { note: `got ${secrets[0]} and ${secrets[2_999]}`, other: secrets.slice(100, 103) });
    expect(lines).toHaveLength(1);
    for (const s of [secrets[0]!, secrets[2_999]!, ...secrets.slice(100, 103)]) expect(lines[0]).not.toContain(s);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', msg: 'assumed', fn: 'test', note: 'got [REDACTED] and [REDACTED]', other: ['[REDACTED]', '[REDACTED]', '[REDACTED]'] });
  });
});

describe('registered secrets over time', () => {
  afterEach(() => vi.useRealTimers());

  it('forgets temporary credentials an hour after they expire, keeps permanent ones, and masks both until then', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // Later than any real clock: the module's sweep schedule, set at real time by other tests, is due.
    vi.setSystemTime(new Date('2099-07-01T00:00:00Z'));
    const lines: string[] = [];
    const log = createLogger({}, { write: (l) => lines.push(l) });
    const temporary = 'STS.temporary-secret-expiring';
    const permanent = 'permanent-function-secret-0001';
    const before = registeredSecretCount();
    registerSecret(permanent);
    registerSecret(temporary, Date.now() + 60 * 60_000);
    expect(registeredSecretCount()).toBe(before + 2);

    // Expired, but within the grace period: still masked.
    vi.setSystemTime(Date.now() + 60 * 60_000 + SECRET_GRACE_MS - 1_000);
    registerSecret('another-secret-to-trigger-a-sweep', Date.now() + 60_000);
    log.info('x', { a: temporary, b: permanent });
    expect(lines.at(-1)).not.toContain(temporary);

    // Past the grace period: forgotten at the next registration (sweeps run at most once a minute).
    vi.setSystemTime(Date.now() + 2 * 60_000);
    registerSecret('yet-another-secret-0000000', Date.now() + 60 * 60_000);
    log.info('y', { a: temporary, b: permanent });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ a: temporary, b: '[REDACTED]' });
    // Only the expired one went: the permanent one and both newer temporary ones stay.
    expect(registeredSecretCount()).toBe(before + 3);
  });
});
