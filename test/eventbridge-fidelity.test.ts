/**
 * Fidelity of the emulated EventBridge against its public sources (docs/conformance.md rows
 * eb.pattern.*, eb.cloudevent.extensions, eb.api.service-errors, eb.api.GetRule.IsBase64Encode):
 *
 * - event patterns as the EventBridge "Event patterns" doc describes them (exact values incl. null,
 *   "" and numbers, prefix, suffix, contains, anything-but with strings, numbers, lists and prefix,
 *   numeric ranges, IPv4 cidr, exists; arrays in the event; several operators in one condition, as
 *   in the CreateRuleRequest example {"prefix": ..., "suffix": ".txt"}); a pattern whose leaf is not
 *   an array is refused at CreateRule;
 * - the CloudEvent extensions every delivered event carries (the public samples: aliyunaccountid,
 *   aliyunoriginalaccountid also on same-account events, aliyunpublishtime, aliyuneventbusname,
 *   aliyunregionid, aliyunpublishaddr);
 * - service errors (EventRuleNotExisted, EventBusNotExist) answered in a 200 body with Code and
 *   Success false, the form Terraform reads (service_alicloud_eventbridge.go checks
 *   response["Code"] after a call without error), and the product's client under both forms.
 */
import RPCClient from '@alicloud/pop-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import { fcTriggerRule, matchPattern, waitForEventDeliveries } from '../emulator/services/eventbridge';
import { createEventBridgeClient } from '../shared/cloud/eventbridge';
import { staticCredentials } from '../shared/cloud/credentials';
import { baseSeed, emuEnv, keyFor, MGMT, REGION, startWorld } from './helpers/world';

describe('event patterns (EventBridge "Event patterns" doc)', () => {
  const ev = {
    type: 'actiontrail:ActionTrail:ApiCall',
    subject: 'acs:oss:cn-hangzhou:1234567:my-movie-bucket/a/b.txt',
    data: { eventName: 'StopLogging', eventVersion: 1, count: 3, sourceIpAddress: '10.0.0.17', responseElements: null, empty: '', tags: ['red', 'blue'], userIdentity: { type: 'root-account' } },
  };

  it('several operators in one condition must all hold (the CreateRuleRequest example: prefix and suffix)', () => {
    expect(matchPattern({ subject: [{ prefix: 'acs:oss:cn-hangzhou:1234567:my-movie-bucket/', suffix: '.txt' }] }, ev)).toBe(true);
    expect(matchPattern({ subject: [{ prefix: 'acs:oss:cn-hangzhou:1234567:my-movie-bucket/', suffix: '.jpg' }] }, ev)).toBe(false);
  });

  it('anything-but with a number, a list of numbers and on a missing field', () => {
    expect(matchPattern({ data: { count: [{ 'anything-but': 123 }] } }, ev)).toBe(true);
    expect(matchPattern({ data: { count: [{ 'anything-but': 3 }] } }, ev)).toBe(false);
    expect(matchPattern({ data: { count: [{ 'anything-but': [100, 200] }] } }, ev)).toBe(true);
    expect(matchPattern({ data: { missing: [{ 'anything-but': 'x' }] } }, ev)).toBe(false);
    expect(matchPattern({ data: { eventName: [{ 'anything-but': { prefix: 'Stop' } }] } }, ev)).toBe(false);
  });

  it('numeric ranges on JSON numbers only', () => {
    expect(matchPattern({ data: { count: [{ numeric: ['>', 0, '<=', 5] }] } }, ev)).toBe(true);
    expect(matchPattern({ data: { count: [{ numeric: ['>', 3] }] } }, ev)).toBe(false);
    expect(matchPattern({ data: { count: [{ numeric: ['=', 3] }] } }, ev)).toBe(true);
    expect(matchPattern({ data: { eventName: [{ numeric: ['>', 0] }] } }, ev)).toBe(false);
  });

  it('cidr (IPv4)', () => {
    expect(matchPattern({ data: { sourceIpAddress: [{ cidr: '10.0.0.0/24' }] } }, ev)).toBe(true);
    expect(matchPattern({ data: { sourceIpAddress: [{ cidr: '10.0.1.0/24' }] } }, ev)).toBe(false);
  });

  it('null, empty string, numbers and exists', () => {
    expect(matchPattern({ data: { responseElements: [null] } }, ev)).toBe(true);
    expect(matchPattern({ data: { empty: [''] } }, ev)).toBe(true);
    expect(matchPattern({ data: { eventVersion: [1] } }, ev)).toBe(true);
    expect(matchPattern({ data: { missing: [null] } }, ev)).toBe(false);
    expect(matchPattern({ data: { eventName: [{ exists: true }], missing: [{ exists: false }] } }, ev)).toBe(true);
    expect(matchPattern({ data: { userIdentity: [{ exists: true }] } }, ev)).toBe(true);
  });

  it('an array in the event matches when any element does, for every operator', () => {
    expect(matchPattern({ data: { tags: ['blue'] } }, ev)).toBe(true);
    expect(matchPattern({ data: { tags: [{ prefix: 'bl' }] } }, ev)).toBe(true);
    expect(matchPattern({ data: { tags: [{ prefix: 'gr' }] } }, ev)).toBe(false);
  });

  it('the empty pattern matches every event; a leaf that is not an array never matches', () => {
    expect(matchPattern({}, ev)).toBe(true);
    expect(matchPattern({ type: 'actiontrail:ActionTrail:ApiCall' }, ev)).toBe(false);
  });
});

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

function ebClient(e: Emulator) {
  return createEventBridgeClient({ region: REGION, credentials: staticCredentials(keyFor(MGMT)), env: emuEnv(e), accountId: MGMT });
}

describe('EventBridge over the wire', () => {
  it('a same-account event carries aliyunoriginalaccountid = aliyunaccountid and aliyunpublishaddr, like the public event samples', async () => {
    emu = await startWorld();
    const received: Array<Record<string, unknown>> = [];
    emu.registerFunction(MGMT, REGION, 'sink', (event) => {
      received.push(JSON.parse(event.toString()) as Record<string, unknown>);
      return Promise.resolve({});
    });
    emu.world.eventRules.push(fcTriggerRule({ accountId: MGMT, region: REGION, functionName: 'sink', filterPattern: { type: ['actiontrail:ActionTrail:ApiCall'] } }));
    await new RPCClient({ endpoint: emu.url, apiVersion: '2020-07-06', ...keyFor(MGMT) }).request('CreateTrail', { Name: 'fidelity-trail', OssBucketName: `audit-${MGMT}` });
    await waitForEventDeliveries(emu.world);
    expect(received).toHaveLength(1);
    const event = received[0]!;
    expect(event).toMatchObject({ specversion: '1.0', aliyunaccountid: MGMT, aliyunoriginalaccountid: MGMT, aliyuneventbusname: 'default', aliyunregionid: REGION });
    expect(event['aliyunpublishaddr']).toEqual(expect.any(String));
    expect(String(event['aliyunpublishtime'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('CreateRule refuses a pattern whose field is not an array of conditions (no rule made)', async () => {
    emu = await startWorld();
    await expect(ebClient(emu).createRule({ EventBusName: 'default', RuleName: 'bad', FilterPattern: '{"type":"actiontrail:ActionTrail:ApiCall"}', Targets: [] })).rejects.toMatchObject({ code: 'EventRuleFilterPatternSchemaError' });
    expect(emu.world.eventRules.filter((r) => r.ruleName === 'bad')).toEqual([]);
  });

  it('throttling is 429 TooManyRequests (EventBridge error codes page) and the product marks it retryable', async () => {
    const seed = baseSeed();
    seed.rateLimits = [{ match: 'eventbridge:GetRule', qps: 0.001, burst: 1, scope: 'account' }];
    emu = await startWorld(seed);
    const eb = ebClient(emu);
    expect(await eb.getRule('default', 'nope')).toBeUndefined();
    await expect(eb.getRule('default', 'nope')).rejects.toMatchObject({ code: 'TooManyRequests', status: 429, retryable: true });
  });

  for (const form of ['body', 'http'] as const) {
    it(`the product's client reads service errors answered ${form === 'body' ? 'in a 200 body (Terraform)' : 'as an HTTP error'}`, async () => {
      const seed = baseSeed();
      if (form === 'http') seed.eventbridgeServiceErrors = 'http';
      emu = await startWorld(seed);
      const eb = ebClient(emu);
      expect(await eb.getRule('default', 'nope')).toBeUndefined();
      await expect(eb.getRule('no-such-bus', 'nope')).rejects.toMatchObject({ code: 'EventBusNotExist', status: 404 });
      await expect(eb.enableRule('default', 'nope')).rejects.toMatchObject({ code: 'EventRuleNotExisted' });
      await expect(eb.putTargets('default', 'nope', [])).rejects.toMatchObject({ code: 'EventRuleNotExisted' });
    });
  }
});
