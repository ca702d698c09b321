/**
 * Tamper response for data event selectors, through the real event path: an independent client's
 * PutDataEventSelector / DeleteDataEventSelector (signed with the account's own keys) → the
 * emulator publishes the ActionTrail CloudEvent → the EventBridge rule delivers it to the tamper
 * function → the function puts the baseline's selectors back over the SDK clients, reads them back
 * (GetDataEventSelector) and verifies the trail logs. A member's event takes the route our code
 * made in it (member bus → management bus → the tamper trigger's rule), as in test/tamper.test.ts.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import RPCClient from '@alicloud/pop-core';
import type { Emulator } from '../emulator/server';
import { createWebhookReceiver, type WebhookReceiver } from '../emulator/webhook';
import { toTamperEvent } from '../functions/tamper/event';
import { ensureTrail } from '../shared/core/provisioner';
import { DEFAULT_TAMPER_TYPES } from '../shared/platform/tamper-config';
import type { DataEventSelector, TrailSpec } from '../shared/core/spec';
import { MEMBER_A, MGMT, REGION, cloudFor, keyFor, startWorld } from './helpers/world';
import { baselineInPlace, tamperOutcomes, tamperSeed, wireTamper } from './helpers/tamper-world';

const SELECTORS: DataEventSelector[] = [{ ServiceName: 'Oss', ReadWriteType: 'All', EventName: { Equals: ['GetObject', 'PutObject', 'DeleteObject'] } }];
const BASELINE: TrailSpec[] = [
  { Name: 'baseline-trail', OssBucketName: `audit-${MGMT}`, OssKeyPrefix: 'baseline-prefix', EventRW: 'All', DataEventSelectors: SELECTORS },
  // Protected (a baseline trail) but silent on selectors: its selectors are left alone.
  { Name: 'plain-trail', OssBucketName: `audit-${MGMT}`, OssKeyPrefix: 'plain-prefix', EventRW: 'All' },
];
const WEAK = JSON.stringify([{ ServiceName: 'Oss', ReadWriteType: 'Read' }]);

let emu: Emulator;
let hook: WebhookReceiver;

const seed = tamperSeed;
/** The tamper function behind the rule its trigger deploys (test/helpers/tamper-world.ts). */
const wire = (env: NodeJS.ProcessEnv = {}) => wireTamper(emu, BASELINE, hook.url, env);
const outcomes = (from: number) => tamperOutcomes(emu, from);

/** An independent client: @alicloud/pop-core with the account's own AccessKey (not the product's client). */
function popFor(account: string): RPCClient {
  return new RPCClient({ endpoint: emu.url, apiVersion: '2020-07-06', ...keyFor(account) });
}

const trailOf = (account: string, name = 'baseline-trail') => emu.world.accounts.get(account)!.trails.find((t) => t.Name === name);
const selectorsOf = (account: string, name?: string) => JSON.parse(trailOf(account, name)!.DataEventSelectors || '[]') as unknown;
const writesSince = (from: number) =>
  emu.world.calls
    .slice(from)
    .filter((c) => c.service === 'actiontrail' && !/^(Describe|Get)/.test(c.action))
    .map((c) => `${c.accountId ?? '?'}:${c.action}`);

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
])('data event selectors tampered with in the %s are put back', (_label, account) => {
  it('a foreign PutDataEventSelector weakening them → PutDataEventSelector back, read back, logging', async () => {
    expect(selectorsOf(account)).toEqual(SELECTORS);
    wire();
    const from = emu.world.eventDeliveries.length;
    const calls = emu.world.calls.length;
    await popFor(account).request('PutDataEventSelector', { TrailName: 'baseline-trail', EventSelectors: WEAK, IsTrailAllRegion: 'true' }, { method: 'POST' });
    expect(selectorsOf(account)).toEqual(JSON.parse(WEAK));
    const out = await outcomes(from);
    const restored = out.filter((o) => o.action === 'restored');
    expect(restored).toEqual([expect.objectContaining({ eventName: 'PutDataEventSelector', accountId: account, trail: 'baseline-trail', done: ['PutDataEventSelector'], isLogging: true })]);
    expect(selectorsOf(account)).toEqual(SELECTORS);
    expect(trailOf(account)!.DataEventAllRegion).toBe(true);
    // The call log: the foreign Put, then ours (and our own Put's event came back and was ignored as ours).
    expect(writesSince(calls)).toEqual([`${account}:PutDataEventSelector`, `${account}:PutDataEventSelector`]);
    const afterPut = emu.world.calls.slice(calls).map((c) => c.action);
    expect(afterPut.slice(afterPut.lastIndexOf('PutDataEventSelector'))).toEqual(['PutDataEventSelector', 'GetDataEventSelector', 'GetTrailStatus']);
    expect(out.filter((o) => o.action === 'ignored').map((o) => o.eventName)).toEqual(['PutDataEventSelector']);
    expect(hook.deliveries.map((d) => (d.body as { kind: string }).kind)).toEqual(['tamper-detected', 'tamper-restored']);
  });

  it('a foreign DeleteDataEventSelector → PutDataEventSelector back', async () => {
    wire();
    const from = emu.world.eventDeliveries.length;
    await popFor(account).request('DeleteDataEventSelector', { TrailName: 'baseline-trail' }, { method: 'POST' });
    expect(trailOf(account)!.DataEventSelectors).toBeUndefined();
    const out = await outcomes(from);
    expect(out.filter((o) => o.action === 'restored')).toEqual([expect.objectContaining({ eventName: 'DeleteDataEventSelector', done: ['PutDataEventSelector'], isLogging: true })]);
    expect(selectorsOf(account)).toEqual(SELECTORS);
  });
});

it('a deleted trail comes back with its selectors (CreateTrail, PutDataEventSelector, StartLogging)', async () => {
  wire();
  const from = emu.world.eventDeliveries.length;
  await popFor(MEMBER_A).request('DeleteTrail', { Name: 'baseline-trail' }, { method: 'POST' });
  const out = await outcomes(from);
  expect(out.filter((o) => o.action === 'restored')).toEqual([expect.objectContaining({ eventName: 'DeleteTrail', done: ['CreateTrail', 'PutDataEventSelector', 'StartLogging'], isLogging: true })]);
  expect(selectorsOf(MEMBER_A)).toEqual(SELECTORS);
});

it('selector events on a trail whose baseline sets no selectors, or on an unprotected trail, cause no write', async () => {
  await ensureTrail({ Name: 'team-trail', OssBucketName: `audit-${MGMT}`, OssKeyPrefix: 'team-prefix' }, cloudFor(emu, MGMT));
  wire();
  const from = emu.world.eventDeliveries.length;
  const calls = emu.world.calls.length;
  await popFor(MGMT).request('PutDataEventSelector', { TrailName: 'team-trail', EventSelectors: WEAK, IsTrailAllRegion: 'true' }, { method: 'POST' });
  await popFor(MGMT).request('PutDataEventSelector', { TrailName: 'plain-trail', EventSelectors: WEAK, IsTrailAllRegion: 'true' }, { method: 'POST' });
  const out = await outcomes(from);
  expect(out.map((o) => [o.trail, o.action])).toEqual([
    ['team-trail', 'ignored'],
    ['plain-trail', 'ignored'],
  ]);
  expect(out.every((o) => /no baseline spec sets DataEventSelectors/.test(o.reason ?? ''))).toBe(true);
  // Only the two foreign Puts: nothing written by the function.
  expect(writesSince(calls)).toEqual([`${MGMT}:PutDataEventSelector`, `${MGMT}:PutDataEventSelector`]);
  expect(selectorsOf(MGMT, 'plain-trail')).toEqual(JSON.parse(WEAK));
  expect(hook.deliveries).toEqual([]);
});

it('the fight limit applies to selector tampering too', async () => {
  wire({ TRAIL_TAMPER_MAX_RESTORES: '2' });
  const actions: string[] = [];
  for (let i = 0; i < 3; i++) {
    const from = emu.world.eventDeliveries.length;
    await popFor(MEMBER_A).request('PutDataEventSelector', { TrailName: 'baseline-trail', EventSelectors: WEAK, IsTrailAllRegion: 'true' }, { method: 'POST' });
    actions.push(...(await outcomes(from)).filter((o) => o.action !== 'ignored').map((o) => o.action));
  }
  expect(actions).toEqual(['restored', 'restored', 'limited']);
  expect(selectorsOf(MEMBER_A)).toEqual(JSON.parse(WEAK));
  expect(hook.deliveries.map((d) => (d.body as { kind: string }).kind).filter((k) => k === 'tamper-fight')).toHaveLength(1);
});

describe('event parsing', () => {
  const identity = { type: 'root-account', principalId: MGMT, accountId: MGMT };
  const ev = (eventName: string, requestParameters: Record<string, unknown>) => ({ id: 'e1', type: 'actiontrail:ActionTrail:ApiCall', source: 'acs.actiontrail', data: { eventName, requestParameters, userIdentity: identity } });
  it('the selector APIs name the trail TrailName (a Name is taken when TrailName is absent: the recorded key is unverified)', () => {
    expect(toTamperEvent(ev('PutDataEventSelector', { TrailName: 'baseline-trail', EventSelectors: WEAK }), DEFAULT_TAMPER_TYPES)).toMatchObject({ eventName: 'PutDataEventSelector', trailName: 'baseline-trail', accountId: MGMT });
    expect(toTamperEvent(ev('DeleteDataEventSelector', { TrailName: 'baseline-trail' }), DEFAULT_TAMPER_TYPES)).toMatchObject({ trailName: 'baseline-trail' });
    expect(toTamperEvent(ev('PutDataEventSelector', { Name: 'baseline-trail' }), DEFAULT_TAMPER_TYPES)).toMatchObject({ trailName: 'baseline-trail' });
    expect(() => toTamperEvent(ev('PutDataEventSelector', {}), DEFAULT_TAMPER_TYPES)).toThrow(/requestParameters\.Name/);
    expect(() => toTamperEvent(ev('DeleteDataEventSelector', { TrailName: '../x' }), DEFAULT_TAMPER_TYPES)).toThrow(/requestParameters\.TrailName/);
  });
  it('the emulator publishes the selector writes with the trail in the subject', async () => {
    wire();
    // Record the CloudEvents the function is given (the handler wired above still runs).
    const published: Array<Record<string, unknown>> = [];
    const fn = emu.world.functions.find((f) => f.name === 'tamper')!;
    const inner = fn.handler!;
    fn.handler = (event, ctx) => {
      published.push(JSON.parse(event.toString('utf8')) as Record<string, unknown>);
      return inner(event, ctx);
    };
    const from = emu.world.eventDeliveries.length;
    await popFor(MGMT).request('PutDataEventSelector', { TrailName: 'plain-trail', EventSelectors: WEAK, IsTrailAllRegion: 'true' }, { method: 'POST' });
    await popFor(MGMT).request('GetDataEventSelector', { TrailName: 'plain-trail' }, { method: 'POST' });
    await outcomes(from);
    // A read is not published ("EventBridge supports only ActionTrail events of the write type").
    expect(emu.world.eventDeliveries.slice(from).map((d) => [d.eventName, d.trailName])).toEqual([['PutDataEventSelector', 'plain-trail']]);
    // What the function received: the emulator's CloudEvent (subject and source are the emulator's choice: docs/conformance.md eb.actiontrail.subject / .source).
    const sent = published.at(-1)!;
    expect(sent).toMatchObject({ type: 'actiontrail:ActionTrail:ApiCall', subject: `acs:actiontrail:${REGION}:${MGMT}:trail/plain-trail`, data: { eventName: 'PutDataEventSelector', requestParameters: { TrailName: 'plain-trail' } } });
  });
});
