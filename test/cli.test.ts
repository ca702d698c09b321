/**
 * The trail-provisioner CLI against an in-process emulator, through the real SDK clients:
 * in-process via main(argv, io) for most cases, and once as a child process through the
 * package's bin shim (what `npx trail-provisioner` runs).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import { main, type CliIo } from '../cli/main';
import { HELP } from '../cli/args';
import { baseSeed, callsSince, keyFor, MEMBER_A, MEMBER_B, MGMT, REGION, startWorld } from './helpers/world';

const ROOT = path.resolve(__dirname, '..');
const BUCKET = `audit-${MGMT}`;
const WRITES = /^actiontrail:(CreateTrail|UpdateTrail|StartLogging|StopLogging|DeleteTrail)$/;

let emu: Emulator;
let dir: string;
let env: NodeJS.ProcessEnv;

function specFile(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], opts: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s), isTTY: opts.tty ?? false },
    env: opts.env ?? env,
    cwd: dir,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

function trailOf(accountId: string, name: string) {
  return emu.world.accounts.get(accountId)?.trails.find((t) => t.Name === name);
}

beforeAll(async () => {
  const seed = baseSeed();
  // The central bucket accepts deliveries from the members (as a real bucket policy would).
  seed.accounts[0]!.buckets![0]!.writers = [MEMBER_A, MEMBER_B];
  emu = await startWorld(seed);
  dir = mkdtempSync(path.join(tmpdir(), 'trail-cli-'));
  const k = keyFor(MGMT);
  env = {
    TRAIL_EMULATOR_URL: emu.url,
    TRAIL_REGION: REGION,
    ALIBABA_CLOUD_ACCESS_KEY_ID: k.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: k.accessKeySecret,
    // The members deliver to the management account's bucket: a destination in another account
    // needs the guardrail policy's say-so.
    TRAIL_POLICY: JSON.stringify({ destinations: { oss: [BUCKET] } }),
  };
});

afterAll(async () => {
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('trail-provisioner CLI', () => {
  it('--help documents every option and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(HELP);
    for (const opt of ['apply', 'plan', 'status', '--account ID', '--accounts rd', '--region R', '--role NAME', '--concurrency N', '--json', '--help', 'TRAIL_EMULATOR_URL', 'Exit codes']) {
      expect(r.stdout, opt).toContain(opt);
    }
  });

  it('apply creates and starts a trail; a second apply is a no-op', async () => {
    const file = specFile('one.json', { Name: 'cli-trail-one', OssBucketName: BUCKET, OssKeyPrefix: 'clitrail' });
    const from = emu.world.calls.length;
    const r = await run(['apply', 'one.json']);
    expect(r.stderr).toContain('[1/1] 1000000000000001/cli-trail-one: created, started');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1000000000000001\s+cn-hangzhou\s+cli-trail-one\s+missing\s+created, started\s+yes/);
    expect(r.stdout).toContain('1 trail(s): 1 ok, 0 failed.');
    expect(callsSince(emu, from).filter((c) => WRITES.test(c))).toEqual(['actiontrail:CreateTrail', 'actiontrail:StartLogging']);
    const trail = trailOf(MGMT, 'cli-trail-one');
    expect(trail?.Status).toBe('Enable');
    expect(trail?.OssKeyPrefix).toBe('clitrail');

    const again = emu.world.calls.length;
    const second = await run(['apply', file, '--json']);
    expect(second.code).toBe(0);
    const doc = JSON.parse(second.stdout);
    expect(doc.results).toHaveLength(1);
    expect(doc.results[0]).toMatchObject({ accountId: MGMT, name: 'cli-trail-one', ok: true, classification: 'compliant', done: [], planned: [] });
    expect(callsSince(emu, again).filter((c) => WRITES.test(c))).toEqual([]);
  });

  it('plan reports what apply would do and writes nothing', async () => {
    specFile('plan.json', [{ Name: 'cli-trail-plan', OssBucketName: BUCKET }]);
    const from = emu.world.calls.length;
    const r = await run(['plan', 'plan.json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cli-trail-plan\s+missing\s+would create, start/);
    expect(callsSince(emu, from).filter((c) => WRITES.test(c))).toEqual([]);
    expect(trailOf(MGMT, 'cli-trail-plan')).toBeUndefined();
  });

  it('status shows the trail logging, and a missing trail as missing', async () => {
    specFile('status.json', [
      { Name: 'cli-trail-one', OssBucketName: BUCKET, OssKeyPrefix: 'clitrail' },
      { Name: 'cli-trail-none', OssBucketName: BUCKET },
    ]);
    const from = emu.world.calls.length;
    const r = await run(['status', 'status.json', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.results.map((x: { name: string }) => x.name)).toEqual(['cli-trail-one', 'cli-trail-none']);
    expect(doc.results[0]).toMatchObject({ classification: 'compliant', trailStatus: 'Enable', isLogging: true });
    expect(doc.results[1]).toMatchObject({ classification: 'missing', ok: true });
    expect(callsSince(emu, from).filter((c) => c.startsWith('actiontrail:'))).toEqual([
      'actiontrail:DescribeTrails',
      'actiontrail:GetTrailStatus',
      'actiontrail:DescribeTrails',
    ]);

    // Stopped out of band: status says so (table form).
    trailOf(MGMT, 'cli-trail-one')!.Status = 'Disable';
    const table = await run(['status', 'status.json']);
    expect(table.stdout).toMatch(/cli-trail-one\s+not-logging\s+Disable, not logging \(not-logging\)\s+no/);
    trailOf(MGMT, 'cli-trail-one')!.Status = 'Enable';
  });

  it('an invalid spec exits 2 naming each failing field by JSON pointer, with no cloud call', async () => {
    specFile('bad.json', [{ Name: 'cli-trail-good', OssBucketName: BUCKET }, { Name: 'Bad Name!', OssBucketName: BUCKET }]);
    const from = emu.world.calls.length;
    const r = await run(['apply', 'bad.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('InvalidTrailNameException');
    expect(r.stderr).toMatch(/^\s+\/1\/Name: /m);
    expect(r.stdout).toBe('');
    expect(emu.world.calls.length).toBe(from);

    specFile('notjson.json', '{"Name": ');
    expect((await run(['apply', 'notjson.json'])).code).toBe(2);
    expect((await run(['apply', 'missing-file.json'])).stderr).toContain('Cannot read spec file');
  });

  it('bad usage exits 2 with a pointer to --help', async () => {
    for (const argv of [[], ['deploy', 'x.json'], ['apply'], ['apply', 'one.json', '--bogus'], ['apply', 'one.json', '--concurrency', '0'], ['apply', 'one.json', '--account', 'abc'], ['apply', 'one.json', '--accounts', 'all'], ['apply', 'one.json', '--account', MEMBER_A, '--accounts', 'rd']]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain('--help');
    }
  });

  it('multi-account apply assumes the member role in each account and prints progress lines', async () => {
    specFile('multi.json', [{ Name: 'cli-trail-multi', OssBucketName: BUCKET, OssKeyPrefix: 'member-trails' }]);
    const from = emu.world.calls.length;
    const r = await run(['apply', 'multi.json', '--account', MEMBER_A, '--account', MEMBER_B, '--concurrency', '2']);
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => l.replace(/^\[\d\/2\] /, '')).sort()).toEqual([`${MEMBER_A}/cli-trail-multi: created, started`, `${MEMBER_B}/cli-trail-multi: created, started`]);
    expect(lines.map((l) => l.slice(0, 5)).sort()).toEqual(['[1/2]', '[2/2]']);
    const calls = emu.world.calls.slice(from);
    expect(calls.filter((c) => c.service === 'sts' && c.action === 'AssumeRole')).toHaveLength(2);
    // The writes were made by the members (their assumed-role sessions), not the caller.
    expect(new Set(calls.filter((c) => c.action === 'CreateTrail').map((c) => c.accountId))).toEqual(new Set([MEMBER_A, MEMBER_B]));
    for (const id of [MEMBER_A, MEMBER_B]) expect(trailOf(id, 'cli-trail-multi')?.Status).toBe('Enable');
  });

  it('on a terminal, progress is one line rewritten in place', async () => {
    specFile('tty.json', [{ Name: 'cli-trail-tty', OssBucketName: BUCKET }]);
    const r = await run(['plan', 'tty.json', '--account', MEMBER_A, '--account', MEMBER_B], { tty: true });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('\n');
    expect(r.stderr).toContain('\r\x1b[2K[2/2] ');
    expect(r.stderr.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('exits 1 when some accounts fail, listing each failure with its code', async () => {
    specFile('partial.json', [{ Name: 'cli-trail-partial', OssBucketName: BUCKET }]);
    const r = await run(['apply', 'partial.json', '--account', MEMBER_A, '--account', '2999999999999999', '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.counts).toEqual({ total: 2, ok: 1, failed: 1 });
    const failed = doc.results.find((x: { ok: boolean }) => !x.ok);
    expect(failed.accountId).toBe('2999999999999999');
    expect(failed.error.Code).toMatch(/\S/);
    expect(trailOf(MEMBER_A, 'cli-trail-partial')?.Status).toBe('Enable');
  });

  it('runs as a child process through the bin shim (npx trail-provisioner)', async () => {
    specFile('child.json', { Name: 'cli-trail-child', OssBucketName: BUCKET });
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      // Asynchronous on purpose: the emulator answering the child runs in this process.
      execFile(process.execPath, [path.join(ROOT, 'bin', 'trail-provisioner.js'), 'apply', 'child.json', '--json'], { cwd: dir, env: { ...env, PATH: process.env['PATH'] } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(result.stderr).toContain('[1/1] 1000000000000001/cli-trail-child: created, started');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).results[0]).toMatchObject({ name: 'cli-trail-child', ok: true, done: ['CreateTrail', 'StartLogging'], isLogging: true });
    expect(trailOf(MGMT, 'cli-trail-child')?.Status).toBe('Enable');
  });
  it('the guardrail policy holds for the CLI: plan shows the violations, apply refuses them with no write', async () => {
    const spec = { Name: 'cli-guarded', OssBucketName: BUCKET, OssKeyPrefix: 'guarded', EventRW: 'All' };
    expect((await run(['apply', specFile('guarded.json', spec), '--json'])).code).toBe(0);
    const weaker = specFile('weaker.json', { ...spec, EventRW: 'Read' });
    const from = emu.world.calls.length;
    const plan = await run(['plan', weaker]);
    expect(plan.code).toBe(1);
    expect(plan.stdout).toMatch(/FAILED PolicyViolation/);
    expect(plan.stdout).toContain('no-lowering-event-rw');
    const apply = await run(['apply', weaker]);
    expect(apply.code).toBe(1);
    expect(apply.stdout).toMatch(/PolicyViolation/);
    // The baseline's names are protected from the CLI too; a policy floor applies as well.
    const baseline = JSON.stringify([{ ...spec, Name: 'cli-baseline' }]);
    const squat = await run(['apply', specFile('squat.json', { ...spec, Name: 'cli-baseline', OssKeyPrefix: 'other-prefix' })], { env: { ...env, TRAIL_BASELINE: baseline } });
    expect(squat.stdout).toMatch(/ProtectedTrail/);
    const floor = await run(['apply', specFile('floor.json', { ...spec, Name: 'cli-floor', EventRW: 'Write' })], { env: { ...env, TRAIL_POLICY: '{"floors":{"EventRW":"All"}}' } });
    expect(floor.stdout).toMatch(/PolicyViolation/);
    // Without the policy listing it, the management account's bucket is refused in a member.
    const { TRAIL_POLICY: _listed, ...unlisted } = env;
    const cross = await run(['apply', specFile('cross.json', { ...spec, Name: 'cli-cross' }), '--account', MEMBER_A], { env: unlisted });
    expect(cross.code).toBe(1);
    expect(cross.stdout).toMatch(/PolicyViolation.*cross-account-destination/);
    expect(callsSince(emu, from).filter((c) => WRITES.test(c))).toEqual([]);
    expect(trailOf(MGMT, 'cli-guarded')).toMatchObject({ EventRW: 'All' });
    expect(trailOf(MEMBER_A, 'cli-cross')).toBeUndefined();
  });
});
