/**
 * Tamper response through the real event path: a signed ActionTrail write call made with an
 * account's own keys → the emulator publishes the ActionTrail CloudEvent on that account's default
 * bus → (a member: the route rule our code created there sends it to the management account's bus,
 * through the receiver role) → the tamper trigger's rule delivers it to the tamper function (the FC handler, run in-process with its FC context and
 * role credentials) → the function restores the trail over the SDK clients and verifies it.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import { createWebhookReceiver, type WebhookReceiver } from '../emulator/webhook';
import { createHandler } from '../functions/tamper';
import { toTamperEvent } from '../functions/tamper/event';
import { ensureTrail } from '../shared/core/provisioner';
import { DEFAULT_POLICY } from '../shared/core/guardrails';
import { silentLogger } from '../shared/platform/log';
import { DEFAULT_TAMPER_TYPES } from '../shared/platform/tamper-config';
import { ownCause } from '../shared/triggers/tamper';
import { MEMBER_A, MGMT, REGION, cloudFor, emuEnv, startWorld } from './helpers/world';
import { baselineInPlace, tamperOutcomes, tamperSeed, wireTamper } from './helpers/tamper-world';

const BASELINE = [{ Name: 'baseline-trail', OssBucketName: `audit-${MGMT}`, OssKeyPrefix: 'baseline-prefix', EventRW: 'All' as const }];

let emu: Emulator;
let hook: WebhookReceiver;

const seed = tamperSeed;
/** The tamper function behind the rule its trigger deploys (test/helpers/tamper-world.ts). */
const wire = (env: NodeJS.ProcessEnv = {}) => wireTamper(emu, BASELINE, hook.url, env);
const outcomes = (from: number) => tamperOutcomes(emu, from);

function trailOf(account: string) {
  return emu.world.accounts.get(account)!.trails.find((t) => t.Name === 'baseline-trail');
}

beforeAll(async () => {
  hook = await createWebhookReceiver();
});
afterAll(async () => {
  await hook.close();
});

beforeEach(async () => {
  emu = await startWorld(seed());
  await baselineInPlace(emu, BASELINE);
  hook.deliveries.splice(0);
});
afterEach(async () => {
  await emu.close();
});

describe.each([
  ['own account', MGMT],
  ['member account', MEMBER_A],
])('tamper in the %s is undone', (_label, account) => {
  it('StopLogging → StartLogging, verified', async () => {
    wire();
    const from = emu.world.eventDeliveries.length;
    await cloudFor(emu, account).actiontrail.stopLogging('baseline-trail');
    const out = await outcomes(from);
    const restored = out.filter((o) => o.action === 'restored');
    expect(restored).toHaveLength(1);
    expect(restored[0]).toMatchObject({ eventName: 'StopLogging', accountId: account, trail: 'baseline-trail', done: ['StartLogging'], isLogging: true });
    expect(out).toHaveLength(1);
    expect(trailOf(account)!.Status).toBe('Enable');
    const kinds = hook.deliveries.map((d) => (d.body as { kind: string }).kind);
    expect(kinds).toEqual(['tamper-detected', 'tamper-restored']);
  });

  it('DeleteTrail → CreateTrail + StartLogging', async () => {
    wire();
    const from = emu.world.eventDeliveries.length;
    await cloudFor(emu, account).actiontrail.deleteTrail('baseline-trail');
    const out = await outcomes(from);
    expect(out.filter((o) => o.action === 'restored')).toEqual([expect.objectContaining({ eventName: 'DeleteTrail', done: ['CreateTrail', 'StartLogging'], isLogging: true })]);
    expect(trailOf(account)).toMatchObject({ Status: 'Enable', OssBucketName: `audit-${MGMT}`, OssKeyPrefix: 'baseline-prefix', EventRW: 'All' });
    // The restore's own CreateTrail came back as an event, and was ignored as ours.
    const ignored = out.filter((o) => o.action === 'ignored');
    expect(ignored.map((o) => o.eventName)).toEqual(['CreateTrail']);
    expect(ignored[0]!.reason).toMatch(account === MGMT ? /the function's own role trail-tamper-fn/ : /own role session trail-tamper/);
  });

  it('UpdateTrail (weakened) → UpdateTrail back', async () => {
    wire();
    const from = emu.world.eventDeliveries.length;
    await cloudFor(emu, account).actiontrail.updateTrail({ Name: 'baseline-trail', OssBucketName: `audit-${MGMT}`, OssKeyPrefix: 'baseline-prefix', EventRW: 'Read' });
    expect(trailOf(account)!.EventRW).toBe('Read');
    const out = await outcomes(from);
    expect(out.filter((o) => o.action === 'restored')).toEqual([expect.objectContaining({ eventName: 'UpdateTrail', done: ['UpdateTrail'], isLogging: true })]);
    expect(trailOf(account)!.EventRW).toBe('All');
  });

  it('a name squat (deleted, then re-created by someone else elsewhere) → back to the baseline', async () => {
    wire();
    emu.world.eventDelayMs = 150; // both calls land before the first event is delivered
    const from = emu.world.eventDeliveries.length;
    const cloud = cloudFor(emu, account);
    await cloud.actiontrail.deleteTrail('baseline-trail');
    await cloud.actiontrail.createTrail({ Name: 'baseline-trail', OssBucketName: `audit-${account}`, OssKeyPrefix: 'mine-prefix', EventRW: 'Read' });
    const out = await outcomes(from);
    // Both events (DeleteTrail, CreateTrail) may run at once, as FC runs them: either restores, both converge.
    expect(out.filter((o) => o.action === 'restored').length).toBeGreaterThanOrEqual(1);
    expect(out.filter((o) => o.action === 'restored')[0]!.done).toEqual(['UpdateTrail', 'StartLogging']);
    expect(out.filter((o) => o.action === 'failed')).toEqual([]);
    expect(trailOf(account)).toMatchObject({ Status: 'Enable', OssBucketName: `audit-${MGMT}`, OssKeyPrefix: 'baseline-prefix', EventRW: 'All' });
  });
});

it('a destination squat is reported and notified, naming the squatting trail (never deleted)', async () => {
  wire();
  emu.world.eventDelayMs = 150;
  const from = emu.world.eventDeliveries.length;
  const cloud = cloudFor(emu, MGMT);
  await cloud.actiontrail.deleteTrail('baseline-trail');
  await cloud.actiontrail.createTrail({ Name: 'squatter-trail', OssBucketName: `audit-${MGMT}`, OssKeyPrefix: 'baseline-prefix' });
  const out = await outcomes(from);
  const create = out.find((o) => o.eventName === 'CreateTrail')!;
  expect(create).toMatchObject({ action: 'failed', trail: 'squatter-trail', error: { Code: 'RepeatOssBucket' } });
  const squat = hook.deliveries.map((d) => d.body as { kind: string; detail?: { squatter?: string } }).find((b) => b.kind === 'squatted-destination');
  expect(squat?.detail?.squatter).toBe('squatter-trail');
  expect(emu.world.accounts.get(MGMT)!.trails.map((t) => t.Name)).toEqual(['squatter-trail']);
});

it('stops restoring after TRAIL_TAMPER_MAX_RESTORES in the window, and alerts that someone is fighting', async () => {
  wire({ TRAIL_TAMPER_MAX_RESTORES: '2' });
  const cloud = cloudFor(emu, MEMBER_A);
  const actions: string[] = [];
  for (let i = 0; i < 3; i++) {
    const from = emu.world.eventDeliveries.length;
    await cloud.actiontrail.stopLogging('baseline-trail');
    actions.push(...(await outcomes(from)).filter((o) => o.eventName === 'StopLogging').map((o) => o.action));
  }
  expect(actions).toEqual(['restored', 'restored', 'limited']);
  expect(trailOf(MEMBER_A)!.Status).toBe('Disable');
  const fight = hook.deliveries.map((d) => d.body as { kind: string; detail?: Record<string, unknown> }).filter((b) => b.kind === 'tamper-fight');
  expect(fight).toHaveLength(1);
  expect(fight[0]!.detail).toMatchObject({ restores: 2, windowSeconds: 3600 });
});

it('ignores calls on trails that are not protected, and writes nothing', async () => {
  await ensureTrail({ Name: 'team-trail', OssBucketName: `audit-${MGMT}`, OssKeyPrefix: 'team-prefix' }, cloudFor(emu, MGMT));
  wire();
  const from = emu.world.eventDeliveries.length;
  const calls = emu.world.calls.length;
  await cloudFor(emu, MGMT).actiontrail.stopLogging('team-trail');
  const out = await outcomes(from);
  expect(out).toEqual([expect.objectContaining({ action: 'ignored', reason: expect.stringMatching(/not a protected trail/) })]);
  const writes = emu.world.calls.slice(calls + 1).filter((c) => c.service === 'actiontrail' && !/^(Describe|Get)/.test(c.action));
  expect(writes).toEqual([]);
});

describe('event parsing', () => {
  const ev = (data: Record<string, unknown>, type = 'actiontrail:ActionTrail:ApiCall') => ({ id: 'e1', type, source: 'acs.actiontrail', data });
  const identity = { type: 'root-account', principalId: MGMT, accountId: MGMT };
  it('takes trail write calls of the configured types only', () => {
    expect(toTamperEvent(ev({ eventName: 'StopLogging', requestParameters: { Name: 'baseline-trail' }, userIdentity: identity, acsRegion: REGION }), DEFAULT_TAMPER_TYPES)).toMatchObject({
      eventName: 'StopLogging',
      trailName: 'baseline-trail',
      accountId: MGMT,
      region: REGION,
    });
    expect(toTamperEvent(ev({ eventName: 'DescribeTrails', requestParameters: {} }), DEFAULT_TAMPER_TYPES)).toBeUndefined();
    expect(toTamperEvent(ev({ eventName: 'StopLogging' }, 'ecs:ActionTrail:ApiCall'), DEFAULT_TAMPER_TYPES)).toBeUndefined();
    expect(toTamperEvent(ev({ eventName: 'StopLogging', requestParameters: { Name: 'baseline-trail' }, userIdentity: identity }, 'custom:Type'), ['custom:Type'])).toBeDefined();
  });
  it('refuses malformed trail names and account ids', () => {
    expect(() => toTamperEvent(ev({ eventName: 'StopLogging', requestParameters: { Name: '../x' }, userIdentity: identity }), DEFAULT_TAMPER_TYPES)).toThrow(/requestParameters.Name/);
    expect(() => toTamperEvent(ev({ eventName: 'StopLogging', requestParameters: { Name: 'baseline-trail' }, recipientAccountId: '9999999999999999999' }), DEFAULT_TAMPER_TYPES)).toThrow(/16-digit/);
  });
});

it('with TRAIL_TAMPER_STATE_OSS the restore count is shared by every instance (an OSS object per trail)', async () => {
  const env = { TRAIL_TAMPER_MAX_RESTORES: '1', TRAIL_TAMPER_STATE_OSS: `oss://audit-${MGMT}/state` };
  const cloud = cloudFor(emu, MEMBER_A);
  wire(env); // instance 1
  let from = emu.world.eventDeliveries.length;
  await cloud.actiontrail.stopLogging('baseline-trail');
  expect((await outcomes(from)).map((o) => o.action)).toEqual(['restored']);
  const object = emu.world.accounts.get(MGMT)!.buckets[0]!.objects!.find((o) => o.key === `state/tamper/${MEMBER_A}/baseline-trail.json`);
  expect(JSON.parse(Buffer.from(object!.bodyBase64, 'base64').toString()).restores).toHaveLength(1);
  wire(env); // a fresh instance: its memory is empty, the ledger is not
  from = emu.world.eventDeliveries.length;
  await cloud.actiontrail.stopLogging('baseline-trail');
  expect((await outcomes(from)).map((o) => o.action)).toEqual(['limited']);
});

describe('organization trails outside the baseline are protected too', () => {
  it('a StopLogging is undone; a DeleteTrail is reported as not restorable (no spec to restore from)', async () => {
    const org = { Name: 'org-trail', OssBucketName: `audit-${MGMT}`, OssKeyPrefix: 'org-prefix', IsOrganizationTrail: true, EventRW: 'All' as const };
    // Set up as an operator would (the default guard protects organization trails from every other caller).
    await ensureTrail(org, cloudFor(emu, MGMT), { guard: { policy: DEFAULT_POLICY, baseline: [org], caller: { kind: 'cli', name: 'test-setup' } } });
    wire();
    let from = emu.world.eventDeliveries.length;
    await cloudFor(emu, MGMT).actiontrail.stopLogging('org-trail');
    expect(await outcomes(from)).toEqual([expect.objectContaining({ action: 'restored', trail: 'org-trail', done: ['StartLogging'], isLogging: true })]);
    expect(emu.world.accounts.get(MGMT)!.trails.find((t) => t.Name === 'org-trail')!.Status).toBe('Enable');
    from = emu.world.eventDeliveries.length;
    await cloudFor(emu, MGMT).actiontrail.deleteTrail('org-trail');
    expect(await outcomes(from)).toEqual([expect.objectContaining({ action: 'failed', error: expect.objectContaining({ Code: 'NoBaselineSpec' }) })]);
    expect(hook.deliveries.map((d) => (d.body as { kind: string }).kind)).toContain('tamper-failed');
  });
});

describe('own sessions', () => {
  const self = { accountId: MGMT, roleName: 'trail-provisioner-fc' };
  it.each(['trail-provisioner-vending', 'trail-vending', 'trail-remediation', 'trail-selfservice-alice'])('session %s is ours, in any account', (session) => {
    expect(ownCause({ type: 'assumed-role', principalId: `300000000000001:${session}`, accountId: MEMBER_A, userName: `ResourceDirectoryAccountAccessRole:${session}` }, self, MEMBER_A)).toBe(`own role session ${session}`);
  });
  it("the function's own role is ours in its own account only; people and other roles are not", () => {
    expect(ownCause({ type: 'assumed-role', accountId: MGMT, userName: 'trail-provisioner-fc:abc' }, self, MGMT)).toMatch(/own role/);
    expect(ownCause({ type: 'assumed-role', accountId: MEMBER_A, userName: 'trail-provisioner-fc:abc' }, self, MEMBER_A)).toBeUndefined();
    expect(ownCause({ type: 'root-account', principalId: MGMT, accountId: MGMT }, self, MGMT)).toBeUndefined();
    expect(ownCause({ type: 'assumed-role', accountId: MGMT, userName: 'admin-role:trail' }, self, MGMT)).toBeUndefined();
    expect(ownCause({ type: 'ram-user', accountId: MGMT, userName: 'trail-admin' }, self, MGMT)).toBeUndefined();
    // Anyone may name a session "trail-…": on a role that is not ours it is not ours.
    expect(ownCause({ type: 'assumed-role', principalId: '399:trail-vending', accountId: MEMBER_A, userName: 'admin-role:trail-vending' }, self, MEMBER_A)).toBeUndefined();
    expect(ownCause({ type: 'assumed-role', principalId: '399:trail-vending', accountId: MEMBER_A }, self, MEMBER_A)).toBeUndefined();
  });
});

it('examples/events/tamper-stoplogging.json is an event the function acts on (handler invoked directly, as FC would)', async () => {
  const { readFileSync } = await import('node:fs');
  const { staticCredentials } = await import('../shared/cloud/credentials');
  const { keyFor } = await import('./helpers/world');
  const raw = readFileSync('examples/events/tamper-stoplogging.json');
  const [ev] = JSON.parse(`[${raw.toString()}]`) as [Parameters<typeof toTamperEvent>[0]];
  expect(toTamperEvent(ev, DEFAULT_TAMPER_TYPES)).toMatchObject({ eventName: 'StopLogging', trailName: 'baseline-trail', accountId: MEMBER_A });
  await cloudFor(emu, MEMBER_A).actiontrail.stopLogging('baseline-trail');
  const handler = createHandler({ env: { ...emuEnv(emu), TRAIL_REGION: REGION, TRAIL_BASELINE: JSON.stringify(BASELINE) }, credentials: staticCredentials(keyFor(MGMT)), logger: silentLogger });
  const result = await handler(raw, { accountId: MGMT, requestId: 'example' });
  expect(result.outcomes).toEqual([expect.objectContaining({ action: 'restored', accountId: MEMBER_A, done: ['StartLogging'], isLogging: true })]);
});
