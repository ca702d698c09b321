/**
 * `npm start` (scripts/start.ts --once) runs the whole job on the embedded emulator: a spec
 * provisioned over the HTTP API, a vending event, a compliance run, the tamper loop.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');

it('npm start provisions, vends and remediates on the emulator, then exits with --once', async () => {
  const { stdout } = await run(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts', '--once', '--quiet', '--port', '0'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '' },
    timeout: 60_000,
  });
  expect(stdout).toMatch(/← 201 missing → CreateTrail → StartLogging; IsLogging=true; HomeRegion=cn-hangzhou/);
  expect(stdout).toMatch(/again ← 200 compliant → no change/);
  expect(stdout).toMatch(/GET \/trails\/demo-trail ← Status Enable, IsLogging true/);
  expect(stdout).toMatch(/a bad spec ← 400 InvalidTrailNameException: \/Name \(pattern\)/);
  expect(stdout).toMatch(/a weakening \(EventRW All → Read\) ← 403 PolicyViolation: \/EventRW \(floor-event-rw\); 0 writes/);
  expect(stdout).toMatch(/2000000000000001 vended-trail: ok \(CreateTrail → StartLogging\)/);
  expect(stdout).toMatch(/fixed 3, failed 0/);
  // The tamper loop: an independent client's StopLogging is undone within 10 s, and notified.
  // The member's route was made by vending (and the other member's by the sweep), and the event took it.
  expect(stdout).toMatch(/2000000000000001 event route → tamper function: fixed \(UpdateRole → CreateServiceLinkedRoleForProduct → CreateRule\)/);
  expect(stdout).toMatch(/EVENT ROUTE 2000000000000002: .*→ CreateRule/);
  expect(stdout).toMatch(/routed by 2000000000000001\/default\/trail-provisioner-tamper-route to bus 1000000000000001\/default: Succeeded/);
  expect(stdout).toMatch(/StopLogging on baseline-trail in 2000000000000001 → restored \(StartLogging; IsLogging=true\)/);
  const ms = Number(/IsLogging=true again (\d+) ms after the StopLogging/.exec(stdout)?.[1]);
  expect(ms).toBeLessThan(10_000);
  expect(stdout).toMatch(/webhook notifications: tamper-detected, tamper-restored/);
  // The console, signed in by the token in the URL fragment (never sent to the server).
  expect(stdout).toMatch(/▶ console: http:\/\/127\.0\.0\.1:\d+\/#token=demo-[0-9a-f]{24}\n/);
}, 90_000);
