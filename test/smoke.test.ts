/**
 * `npm run smoke` (scripts/smoke.ts) against the emulator: the whole pipeline on a throwaway
 * trail and its clean-up, the refusals (no --yes, no credentials, a name it did not create),
 * and once as a child process, as `npm run smoke` runs it.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import { clearFaults, setFaults } from '../emulator/faults';
import { seedTrail } from '../emulator/state';
import { smoke, type SmokeIo } from '../scripts/smoke';
import { callsSince, keyFor, MGMT, REGION, startWorld } from './helpers/world';

const ROOT = path.resolve(__dirname, '..');
const BUCKET = `audit-${MGMT}`;
const WRITES = /^actiontrail:(CreateTrail|UpdateTrail|StartLogging|StopLogging|DeleteTrail)$/;

let emu: Emulator;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  emu = await startWorld();
  const key = keyFor(MGMT);
  env = { TRAIL_EMULATOR_URL: emu.url, ALIBABA_CLOUD_ACCESS_KEY_ID: key.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: key.accessKeySecret };
});
afterAll(() => emu.close());

async function run(argv: string[], e: NodeJS.ProcessEnv = env): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: SmokeIo = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: e };
  const code = await smoke(argv, io);
  return { code, stdout, stderr };
}

const mgmtTrails = () => emu.world.accounts.get(MGMT)!.trails.map((t) => t.Name);

describe('npm run smoke against the emulator', () => {
  it('runs preflight, create, start, verify, a no-op re-run, then StopLogging and DeleteTrail, printing each call and its RequestId', async () => {
    const from = emu.world.calls.length;
    const r = await run(['--yes', '--bucket', BUCKET, '--sls-project', `audit-${MGMT}`, '--region', REGION]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const name = /trail "(trail-smoke-[0-9a-f]{8})"/.exec(r.stdout)?.[1];
    expect(name, r.stdout).toBeDefined();
    // Each call, with a RequestId read off the wire.
    for (const action of ['GetCallerIdentity', 'DescribeTrails', 'CreateTrail', 'StartLogging', 'GetTrailStatus', 'StopLogging', 'DeleteTrail']) {
      expect(r.stdout).toMatch(new RegExp(`:${action} -> 200 RequestId [0-9A-F-]{36}`));
    }
    expect(r.stdout).toMatch(/oss:GET \/\?bucketInfo -> 200 RequestId|oss:GET \/[^ ]*\?bucketInfo -> 200 RequestId/);
    expect(r.stdout).toMatch(/ok: compliant, nothing written/);
    expect(r.stdout).toMatch(/Smoke test passed/);
    // The writes, in order, and exactly one of each: the re-run wrote nothing.
    expect(callsSince(emu, from).filter((c) => WRITES.test(c))).toEqual([
      'actiontrail:CreateTrail',
      'actiontrail:StartLogging',
      'actiontrail:StopLogging',
      'actiontrail:DeleteTrail',
    ]);
    // The emulator ends with no smoke trail.
    expect(mgmtTrails().filter((n) => n.startsWith('trail-smoke-'))).toEqual([]);
  });

  it('refuses to run without --yes (exit 2), explaining what it would do, and calls nothing', async () => {
    const from = emu.world.calls.length;
    const r = await run(['--bucket', BUCKET]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to run without --yes/);
    expect(r.stderr).toMatch(/StopLogging and DeleteTrail/);
    expect(emu.world.calls.length).toBe(from);
  });

  it('without credentials explains what it needs and exits 2, calling nothing', async () => {
    const from = emu.world.calls.length;
    const r = await run(['--yes', '--bucket', BUCKET], { TRAIL_EMULATOR_URL: emu.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET/);
    expect(emu.world.calls.length).toBe(from);
  });

  it('needs a destination (exit 2)', async () => {
    const r = await run(['--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--bucket .*--sls-project/);
  });

  it('refuses a name that already exists (exit 2) and never writes to that trail', async () => {
    emu.world.accounts.get(MGMT)!.trails.push(seedTrail(MGMT, REGION, { Name: 'someone-elses-trail', EventRW: 'Write', OssBucketName: BUCKET }));
    const from = emu.world.calls.length;
    const r = await run(['--yes', '--bucket', BUCKET, '--name', 'someone-elses-trail']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already exists .* only touches trails it creates/);
    expect(callsSince(emu, from).filter((c) => WRITES.test(c))).toEqual([]);
    expect(mgmtTrails()).toContain('someone-elses-trail');
    expect(emu.world.accounts.get(MGMT)!.trails.find((t) => t.Name === 'someone-elses-trail')!.Status).toBe('Enable');
  });

  it('a run that fails before CreateTrail (missing bucket) writes nothing, has nothing to clean up and exits 1', async () => {
    // A destination that does not exist: preflight refuses before CreateTrail, so nothing to clean.
    const from = emu.world.calls.length;
    const r = await run(['--yes', '--bucket', 'no-such-bucket-anywhere']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAILED: BucketDoesNotExistException/);
    expect(callsSince(emu, from).filter((c) => WRITES.test(c))).toEqual([]);
    expect(mgmtTrails().filter((n) => n.startsWith('trail-smoke-'))).toEqual([]);
  });

  it('a run that fails after CreateTrail (never logging) still stops and deletes its trail, and exits 1', async () => {
    // GetTrailStatus keeps answering IsLogging=false (a 'stale' fault): verify gives up after 1 s.
    setFaults(emu.world, { rules: [{ match: 'actiontrail:GetTrailStatus', kind: 'stale', rate: 1 }] });
    try {
      const from = emu.world.calls.length;
      const r = await run(['--yes', '--bucket', BUCKET, '--prefix', 'smoke-fail', '--name', 'trail-smoke-fails', '--verify-timeout', '1']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/FAILED: TrailNotLoggingException/);
      expect(r.stdout).toMatch(/clean up: StopLogging, DeleteTrail/);
      expect(r.stdout).toMatch(/ok: trail "trail-smoke-fails" deleted/);
      expect(callsSince(emu, from).filter((c) => WRITES.test(c))).toEqual([
        'actiontrail:CreateTrail',
        'actiontrail:StartLogging',
        'actiontrail:StopLogging',
        'actiontrail:DeleteTrail',
      ]);
      expect(mgmtTrails()).not.toContain('trail-smoke-fails');
    } finally {
      clearFaults(emu.world);
    }
  });

  it('refuses a bad --verify-timeout (exit 2)', async () => {
    const r = await run(['--yes', '--bucket', BUCKET, '--verify-timeout', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--verify-timeout must be a number of seconds/);
  });

  it('runs as `npm run smoke` does (tsx scripts/smoke.ts in a child process)', async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/smoke.ts', '--yes', '--bucket', BUCKET, '--prefix', 'smoke-child', '--name', 'trail-smoke-child'],
        { cwd: ROOT, env: { PATH: process.env['PATH'], ...env }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/actiontrail:DeleteTrail -> 200 RequestId/);
    expect(mgmtTrails()).not.toContain('trail-smoke-child');
  }, 60_000);
});
