/**
 * Secrets never leak: run the main flows (vending with AssumeRole, HTTP with a bearer token and a
 * failed auth, remediation, error paths carrying SDK errors) and capture everything written: the
 * loggers' lines, process stdout/stderr, the returned results and responses, thrown errors
 * (JSON, String(err), err.stack). None may contain an AccessKey secret, an STS AccessKeySecret or
 * SecurityToken issued by the emulator, or the HTTP bearer token. Log lines are JSON, each with
 * a request id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import { createLogger } from '../shared/platform/log';
import { fcContextCredentials } from '../shared/cloud/credentials';
import { BASELINE, FN_MEMBERS, FN_MGMT, HTTP_TOKEN, fullSpec, functionsSeed, invokeHttp, invokeRemediation, invokeVending } from './helpers/functions-world';

let emu: Emulator;
const lines: string[] = [];
const captured: string[] = [];
const logger = createLogger({}, { write: (l) => lines.push(l) });

/** Everything an error exposes. */
function exposeError(e: unknown): string {
  const err = e as Error & { cause?: unknown };
  return [JSON.stringify(e), String(e), err?.stack ?? '', JSON.stringify((e as { data?: unknown })?.data ?? null)].join('\n');
}

async function capture(run: () => Promise<unknown>): Promise<unknown> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const grab = (chunk: unknown) => {
    captured.push(String(chunk));
    return true;
  };
  process.stdout.write = grab as typeof process.stdout.write;
  process.stderr.write = grab as typeof process.stderr.write;
  try {
    const value = await run();
    captured.push(JSON.stringify(value));
    return value;
  } catch (e) {
    captured.push(exposeError(e));
    return e;
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

beforeAll(async () => {
  emu = await createEmulator({ seed: functionsSeed() });
  const [A, B] = FN_MEMBERS as [string, string];
  // Vending with AssumeRole: success, then an SDK error from a member call (missing bucket), then an AssumeRole failure.
  await capture(() => invokeVending(emu, logger, A, [fullSpec(A, 'vended-full')], 'req-vend-1'));
  await capture(() => invokeVending(emu, logger, B, [{ ...fullSpec(B, 'vended-bad'), OssBucketName: 'no-such-bucket-here' }], 'req-vend-2'));
  await capture(() => invokeVending(emu, logger, '2999999999999999', undefined, 'req-vend-3'));
  // HTTP: authorised create, member account via AssumeRole, failed auth (a near-miss token), an SDK error (missing trail).
  await capture(() => invokeHttp(emu, logger, { method: 'POST', path: '/trails', body: fullSpec(FN_MGMT, 'http-full') }, 'req-http-1'));
  await capture(() => invokeHttp(emu, logger, { method: 'POST', path: '/trails', body: fullSpec(B, 'http-member'), accountId: B }, 'req-http-2'));
  await capture(() => invokeHttp(emu, logger, { path: '/trails', token: `${HTTP_TOKEN}-wrong` }, 'req-http-3'));
  await capture(() => invokeHttp(emu, logger, { path: '/trails/no-such-trail' }, 'req-http-4'));
  await capture(() => invokeHttp(emu, logger, { method: 'POST', path: '/trails/no-such-trail/logging', accountId: A }, 'req-http-5'));
  // Remediation over the whole RD (own account, members via AssumeRole), and fan-out.
  await capture(() => invokeRemediation(emu, logger, {}, 'req-rem-1'));
  await capture(() => invokeRemediation(emu, logger, { TRAIL_FANOUT_THRESHOLD: '1', TRAIL_FANOUT_BATCH: '1' }, 'req-rem-2'));
  for (let i = 0; i < 200 && emu.world.asyncInvocations.some((a) => a.status === 'Running'); i++) await new Promise((r) => setTimeout(r, 25));
  for (const a of emu.world.asyncInvocations) captured.push(JSON.stringify(a.result ?? null), String(a.error ?? ''));
}, 60_000);
afterAll(async () => {
  await emu.close();
});

describe('secrets never leak', () => {
  it('the flows really ran: STS sessions were issued, trails log, errors happened', () => {
    const sts = [...emu.world.accessKeys.values()].filter((k) => k.securityToken);
    expect(sts.length).toBeGreaterThan(2);
    expect(emu.world.accounts.get(FN_MEMBERS[0]!)!.trails.find((t) => t.Name === 'vended-full')?.Status).toBe('Enable');
    expect(emu.world.accounts.get(FN_MEMBERS[0]!)!.trails.find((t) => t.Name === BASELINE.Name)?.Status).toBe('Enable');
    const all = captured.join('\n') + lines.join('\n');
    for (const code of ['BucketDoesNotExistException', 'Unauthorized', 'TrailNotFoundException']) expect(all).toContain(code);
    expect(lines.length).toBeGreaterThan(20);
  });

  it('no AccessKey secret, STS secret, security token or bearer token appears anywhere', () => {
    const secrets = new Set<string>([HTTP_TOKEN]);
    for (const k of emu.world.accessKeys.values()) {
      secrets.add(k.accessKeySecret);
      if (k.securityToken) secrets.add(k.securityToken);
    }
    const haystacks = [...lines, ...captured];
    const leaks: string[] = [];
    for (const s of secrets) for (const h of haystacks) if (h.includes(s)) leaks.push(`${s.slice(0, 6)}… in ${h.slice(0, 160)}`);
    expect(secrets.size).toBeGreaterThan(5);
    expect(leaks).toEqual([]);
  });

  it('log lines are JSON, each with a request id', () => {
    for (const l of lines) {
      const rec = JSON.parse(l) as Record<string, unknown>;
      expect(typeof rec['requestId'], l.slice(0, 200)).toBe('string');
      expect(rec['requestId']).not.toBe('');
      expect(typeof rec['level']).toBe('string');
      expect(typeof rec['msg']).toBe('string');
    }
  });
});

describe('FC context credentials', () => {
  it('their secret and security token are masked by value in log lines once the function takes them', async () => {
    // STS-shaped values FC would pass in context.credentials, seen nowhere else in this run.
    const ctx = { accessKeyId: 'STS.NTk4fcContextKeyId01', accessKeySecret: 'fcCtxSecret7Qx2LmN9pR4tV8wZ', securityToken: 'CAIS-fc-context-token-9f8e7d6c5b4a' };
    const out: string[] = [];
    const log = createLogger({ requestId: 'req-fc-ctx' }, { write: (l) => out.push(l) });
    const provider = fcContextCredentials({ credentials: ctx });
    expect(await provider!()).toMatchObject(ctx);
    // Under keys that do not look secret, so only masking by value can hide them.
    log.error('signing failed', { detail: `AK ${ctx.accessKeyId} with ${ctx.accessKeySecret}`, header: `x-acs-security-token: ${ctx.securityToken}`, err: new Error(`bad ${ctx.accessKeySecret}`) });
    expect(out).toHaveLength(1);
    expect(out[0]).not.toContain(ctx.accessKeySecret);
    expect(out[0]).not.toContain(ctx.securityToken);
    expect(JSON.parse(out[0]!)).toMatchObject({
      detail: `AK ${ctx.accessKeyId} with [REDACTED]`,
      header: 'x-acs-security-token: [REDACTED]',
      err: { message: 'bad [REDACTED]' },
    });
  });
});
