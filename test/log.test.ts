/**
 * Log redaction: registered secrets are masked wherever they occur, whatever their number (a
 * remediation batch registers two per assumed role), with the same result as masking each secret
 * in turn; secret-looking keys are masked whatever their value.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../emulator/faults';
import { createLogger, redact, registerSecret } from '../shared/log';

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
