/**
 * The member event route of the tamper response (shared/platform/event-route.ts), over the wire:
 * vending and the sweep make it with the real EventBridge / RAM / STS clients against the
 * emulator, whose EventBridge models the two hops (member bus → route rule → management bus →
 * the tamper trigger's rule → the function). A member's tamper event reaches the function only
 * when our code set the route up; every refusal leaves no write in the call log.
 */
import RPCClient from '@alicloud/pop-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import { createEmulator } from '../emulator/server';
import { fcTriggerRule, matchPattern, waitForEventDeliveries } from '../emulator/services/eventbridge';
import { createHandler as createTamper, type TamperInvocationResult } from '../functions/tamper';
import { createHandler as createVending } from '../functions/vending';
import { ACCOUNT_VENDED_TYPE } from '../functions/vending/event';
import { createEventBridgeClient } from '../shared/cloud/eventbridge';
import { staticCredentials } from '../shared/cloud/credentials';
import { createLogger } from '../shared/platform/log';
import { ensureMemberEventRoute, loadEventRouteConfig, routePattern, withServicePrincipal } from '../shared/platform/event-route';
import { DEFAULT_TAMPER_TYPES, tamperEventPattern } from '../shared/platform/tamper-config';
import type { VendingResult } from '../shared/triggers/vending';
import { formatReport, type Report } from '../shared/triggers/report';
import { reportHtml } from '../shared/triggers/report-html';
import { EVENT_ROUTE_ROLE, FN_MEMBERS, FN_MGMT, FN_REGION, fnKey, functionsEnv, functionsSeed, invokeRemediation, invokeVending } from './helpers/functions-world';

const [A, B] = FN_MEMBERS as [string, string];
const OTHER_REGION = 'cn-shanghai';
const RULE = 'trail-provisioner-tamper-route';
const ROUTE_ENV = { TRAIL_EVENT_ROUTE_ROLE: EVENT_ROUTE_ROLE, TRAIL_EVENT_ROUTE_ACCOUNT: FN_MGMT };
const logger = createLogger({}, { write: () => {} });
let emu: Emulator;
/** Every CloudEvent the tamper function received. */
let received: Array<Record<string, unknown>>;

const writes = (from: number) =>
  emu.world.calls
    .slice(from)
    .filter((c) => (c.service === 'eventbridge' && !/^(Get|Check)/.test(c.action)) || (c.service === 'ram' && c.action === 'UpdateRole'))
    .map((c) => `${c.accountId}:${c.service}:${c.action}`);
const receiver = () => emu.world.accounts.get(FN_MGMT)!.roles.find((r) => r.name === EVENT_ROUTE_ROLE)!;
const ruleOf = (account: string) => emu.world.eventRules.find((r) => r.accountId === account && r.ruleName === RULE);
const baselineOf = (account: string) => emu.world.accounts.get(account)!.trails.find((t) => t.Name === 'baseline-trail');

/** The member's own AccessKey, for an independent client (@alicloud/pop-core) that tampers. */
function tamperer(account: string): RPCClient {
  emu.world.accessKeys.set(fnKey(account).accessKeyId, { ...fnKey(account), accountId: account });
  return new RPCClient({ endpoint: emu.url, apiVersion: '2020-07-06', ...fnKey(account) });
}

async function settle(): Promise<void> {
  let n = -1;
  while (n !== emu.world.eventDeliveries.length) {
    n = emu.world.eventDeliveries.length;
    await waitForEventDeliveries(emu.world);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(async () => {
  emu = await createEmulator({ seed: functionsSeed() });
  received = [];
  // The tamper function and the rule its trigger deploys on the management account's default bus.
  const tamper = createTamper({ env: functionsEnv(emu), logger });
  emu.registerFunction(FN_MGMT, FN_REGION, 'tamper', (event, ctx) => {
    received.push(JSON.parse(event.toString()) as Record<string, unknown>);
    return tamper(event, ctx);
  });
  emu.world.eventRules.push(fcTriggerRule({ accountId: FN_MGMT, region: FN_REGION, functionName: 'tamper', filterPattern: tamperEventPattern(DEFAULT_TAMPER_TYPES) }));
});
afterEach(async () => {
  await emu.close();
});

describe('vending makes the route, and a member tamper is restored through both hops', () => {
  it('CreateRule in the member, UpdateRole on the receiver role; then an independent StopLogging is undone', async () => {
    const from = emu.world.calls.length;
    const [result] = (await invokeVending(emu, logger, A, undefined, 'v1', ROUTE_ENV)) as VendingResult[];
    expect(result!.ok).toBe(true);
    expect(result!.eventRoute).toMatchObject({ status: 'fixed', done: ['UpdateRole', 'CreateServiceLinkedRoleForProduct', 'CreateRule'], drift: ['TrustPolicy', 'ServiceLinkedRole', 'Rule'] });
    expect(writes(from)).toEqual([`${FN_MGMT}:ram:UpdateRole`, `${A}:eventbridge:CreateServiceLinkedRoleForProduct`, `${A}:eventbridge:CreateRule`]);
    // EventBridge's service-linked role for ActionTrail events, in the member, trusting its service.
    expect(emu.world.accounts.get(A)!.roles.find((r) => r.name === 'AliyunServiceRoleForEventBridgeSourceActionTrail')?.trustedServices).toEqual(['source-actiontrail.eventbridge.aliyuncs.com']);
    expect(receiver().trustedServices).toEqual([`${A}@eventbridge.aliyuncs.com`]);
    const rule = ruleOf(A)!;
    expect(JSON.parse(rule.filterPattern)).toEqual(tamperEventPattern(DEFAULT_TAMPER_TYPES));
    expect(rule.targets).toEqual([
      expect.objectContaining({
        Type: 'acs.eventbridge',
        Endpoint: `acs:eventbridge:${FN_REGION}:${FN_MGMT}:eventbus/default`,
        ParamList: expect.arrayContaining([{ ResourceKey: 'RAMRoleName', Form: 'CONSTANT', Value: EVENT_ROUTE_ROLE }, { ResourceKey: 'AccountType', Form: 'CONSTANT', Value: 'AnotherAccount' }]),
      }),
    ]);
    await settle();

    const deliveries = emu.world.eventDeliveries.length;
    await tamperer(A).request('StopLogging', { Name: 'baseline-trail' });
    expect(baselineOf(A)!.Status).toBe('Disable');
    await settle();
    const hops = emu.world.eventDeliveries.slice(deliveries).filter((d) => d.eventName === 'StopLogging');
    expect(hops.map((d) => [d.rule, d.targetType, d.status])).toEqual([
      [`${A}/default/${RULE}`, 'acs.eventbridge', 'Succeeded'],
      [`${FN_MGMT}/default/tamper-trigger`, 'acs.fc.function', 'Succeeded'],
    ]);
    expect((hops[1]!.result as TamperInvocationResult).outcomes).toEqual([expect.objectContaining({ action: 'restored', accountId: A, done: ['StartLogging'], isLogging: true })]);
    expect(baselineOf(A)!.Status).toBe('Enable');
    // On the management account's bus, the routed event names where it came from.
    const event = received.find((e) => (e['data'] as { eventName?: string }).eventName === 'StopLogging')!;
    expect(event).toMatchObject({ aliyunaccountid: FN_MGMT, aliyunoriginalaccountid: A, aliyuneventbusname: 'default' });
  });

  it("vending a member's trails into another region still makes its route in the deployment's region (where the tamper trigger listens)", async () => {
    const handler = createVending({ env: functionsEnv(emu, ROUTE_ENV), logger });
    const event = { id: 'evt-other-region', source: 'acs.custom.account-vending', type: ACCOUNT_VENDED_TYPE, specversion: '1.0', subject: 'vending', time: '2026-01-01T00:00:00Z', data: { accountId: A, region: OTHER_REGION } };
    const ctx = { requestId: 'other-region', region: FN_REGION, accountId: FN_MGMT, credentials: fnKey(FN_MGMT), function: { name: 'trail-vending', timeout: 120 } };
    const [result] = (await handler(Buffer.from(JSON.stringify(event)), ctx)) as VendingResult[];
    expect(result).toMatchObject({ ok: true, region: OTHER_REGION });
    expect(emu.world.accounts.get(A)!.trails.find((t) => t.Name === 'baseline-trail')?.HomeRegion).toBe(OTHER_REGION);
    expect(result!.eventRoute).toMatchObject({ status: 'fixed' });
    expect(emu.world.eventRules.filter((r) => r.accountId === A).map((r) => [r.region, r.ruleName])).toEqual([[FN_REGION, RULE]]);
    expect(ruleOf(A)!.targets[0]!.Endpoint).toBe(`acs:eventbridge:${FN_REGION}:${FN_MGMT}:eventbus/default`);
  });

  it('a malformed TRAIL_TAMPER_EVENT_TYPES in vending: the route takes the default types, and a warning names the variable', async () => {
    const lines: string[] = [];
    const capture = createLogger({}, { write: (l) => lines.push(l) });
    const [result] = (await invokeVending(emu, capture, A, undefined, 'v1', { ...ROUTE_ENV, TRAIL_TAMPER_EVENT_TYPES: 'not a type' })) as VendingResult[];
    expect(result!.eventRoute).toMatchObject({ status: 'fixed' });
    expect(JSON.parse(ruleOf(A)!.filterPattern)).toEqual(tamperEventPattern(DEFAULT_TAMPER_TYPES));
    const warning = lines.map((l) => JSON.parse(l) as { level: string; msg: string; error?: { Message: string } }).find((l) => l.msg.startsWith('tamper settings refused'));
    expect(warning).toMatchObject({ level: 'warn', error: { Message: expect.stringContaining('TRAIL_TAMPER_EVENT_TYPES') } });
  });

  it('vending again writes nothing (idempotent)', async () => {
    await invokeVending(emu, logger, A, undefined, 'v1', ROUTE_ENV);
    const from = emu.world.calls.length;
    const [again] = (await invokeVending(emu, logger, A, undefined, 'v2', ROUTE_ENV)) as VendingResult[];
    expect(again!.eventRoute).toMatchObject({ status: 'compliant', done: [], planned: [], drift: [] });
    expect(writes(from)).toEqual([]);
    expect(emu.world.calls.slice(from).filter((c) => c.service === 'eventbridge' || c.service === 'ram').map((c) => c.action)).toEqual(['GetRole', 'CheckServiceLinkedRoleForProduct', 'GetRule']);
  });
});

describe('no route, no delivery; the sweep repairs', () => {
  it("a member vended without the route gets no delivery; the sweep makes the route and the member's event then arrives", async () => {
    await invokeVending(emu, logger, B, undefined, 'v1'); // route not configured
    expect(ruleOf(B)).toBeUndefined();
    await settle();
    let from = emu.world.eventDeliveries.length;
    await tamperer(B).request('StopLogging', { Name: 'baseline-trail' });
    await settle();
    expect(emu.world.eventDeliveries.slice(from)).toEqual([]);
    expect(baselineOf(B)!.Status).toBe('Disable');

    // A dry-run sweep only reports.
    const calls = emu.world.calls.length;
    const dry = (await invokeRemediation(emu, logger, { ...ROUTE_ENV, TRAIL_DRY_RUN: 'true' }, 'dry')) as Report;
    expect(dry.eventRoutes?.find((r) => r.accountId === B)).toMatchObject({ status: 'planned', planned: ['UpdateRole', 'CreateServiceLinkedRoleForProduct', 'CreateRule'], done: [] });
    expect(writes(calls)).toEqual([]);

    // The sweep: the trail and the route.
    const report = (await invokeRemediation(emu, logger, ROUTE_ENV, 'sweep')) as Report;
    expect(report.eventRoutes?.find((r) => r.accountId === B)).toMatchObject({ status: 'fixed', done: ['UpdateRole', 'CreateServiceLinkedRoleForProduct', 'CreateRule'] });
    // Both members were added to the one trust policy by concurrent account workers: neither addition lost.
    expect(report.eventRoutes?.map((r) => r.status)).toEqual(['fixed', 'fixed']);
    expect([...receiver().trustedServices].sort()).toEqual([`${A}@eventbridge.aliyuncs.com`, `${B}@eventbridge.aliyuncs.com`]);
    expect(baselineOf(B)!.Status).toBe('Enable');
    expect(formatReport(report)).toMatch(new RegExp(`EVENT ROUTE ${B}: TrustPolicy, ServiceLinkedRole, Rule → UpdateRole → CreateServiceLinkedRoleForProduct → CreateRule`));
    expect(reportHtml(report)).toContain('Member event routes');
    await settle();
    from = emu.world.eventDeliveries.length;
    await tamperer(B).request('StopLogging', { Name: 'baseline-trail' });
    await settle();
    const fn = emu.world.eventDeliveries.slice(from).filter((d) => d.functionName && d.eventName === 'StopLogging');
    expect((fn[0]!.result as TamperInvocationResult).outcomes).toEqual([expect.objectContaining({ action: 'restored', accountId: B })]);
    expect(baselineOf(B)!.Status).toBe('Enable');
  });

  it('a route naming a role that does not exist gets no delivery; the sweep puts the right target back and the event arrives', async () => {
    await invokeVending(emu, logger, A, undefined, 'v1', ROUTE_ENV);
    const target = ruleOf(A)!.targets[0]!;
    target.ParamList = target.ParamList.map((p) => (p.ResourceKey === 'RAMRoleName' ? { ...p, Value: 'ghost-role' } : p));
    await settle();
    let from = emu.world.eventDeliveries.length;
    await tamperer(A).request('StopLogging', { Name: 'baseline-trail' });
    await settle();
    expect(emu.world.eventDeliveries.slice(from)).toEqual([expect.objectContaining({ targetType: 'acs.eventbridge', status: 'Failed', error: expect.stringMatching(/role ghost-role does not exist/) })]);
    const calls = emu.world.calls.length;
    const report = (await invokeRemediation(emu, logger, ROUTE_ENV, 'sweep')) as Report;
    expect(report.eventRoutes?.find((r) => r.accountId === A)).toMatchObject({ status: 'fixed', drift: ['Targets'], done: ['PutTargets'] });
    expect(writes(calls)).toContain(`${A}:eventbridge:PutTargets`);
    await settle();
    from = emu.world.eventDeliveries.length;
    await tamperer(A).request('StopLogging', { Name: 'baseline-trail' });
    await settle();
    const fn = emu.world.eventDeliveries.slice(from).find((d) => d.functionName && d.eventName === 'StopLogging');
    expect((fn!.result as TamperInvocationResult).outcomes).toEqual([expect.objectContaining({ action: 'restored', accountId: A })]);
  });

  it('a route whose receiver role is gone, does not trust the member, or may not put events: the hop is recorded Failed, the function never runs', async () => {
    await invokeVending(emu, logger, A, undefined, 'v1', ROUTE_ENV);
    await settle();
    const cases: Array<[string, () => void, RegExp]> = [
      ['no PutEvents policy', () => (receiver().policies = []), /may not put events/],
      ['trust removed', () => (receiver().trustedServices = []), /does not trust/],
      ['role deleted', () => emu.world.accounts.get(FN_MGMT)!.roles.splice(emu.world.accounts.get(FN_MGMT)!.roles.indexOf(receiver()), 1), /does not exist/],
    ];
    for (const [label, breakIt, why] of cases) {
      breakIt();
      const from = emu.world.eventDeliveries.length;
      await tamperer(A).request('StopLogging', { Name: 'baseline-trail' });
      await settle();
      const hops = emu.world.eventDeliveries.slice(from);
      expect(hops, label).toHaveLength(1);
      expect(hops[0], label).toMatchObject({ targetType: 'acs.eventbridge', status: 'Failed', error: expect.stringMatching(why) });
      expect(baselineOf(A)!.Status, label).toBe('Disable');
      await tamperer(A).request('StartLogging', { Name: 'baseline-trail' });
      await settle();
    }
  });
});

describe('drift is repaired', () => {
  it('a disabled rule with its pattern, a foreign pattern and a stray target: fixed with the fewest writes', async () => {
    await invokeVending(emu, logger, A, undefined, 'v1', ROUTE_ENV);
    const rule = ruleOf(A)!;
    // Disabled only: EnableRule.
    rule.status = 'DISABLE';
    let from = emu.world.calls.length;
    let [r] = (await invokeVending(emu, logger, A, undefined, 'v2', ROUTE_ENV)) as VendingResult[];
    expect(r!.eventRoute).toMatchObject({ status: 'fixed', drift: ['Status'], done: ['EnableRule'] });
    expect(writes(from)).toEqual([`${A}:eventbridge:EnableRule`]);
    expect(rule.status).toBe('ENABLE');
    // Pattern, status and targets drifted: UpdateRule (enabling), PutTargets, DeleteTargets of the stray one.
    Object.assign(rule, { filterPattern: '{"source":["acs.ecs"]}', status: 'DISABLE', targets: [{ ...rule.targets[0]!, Id: 'stray', Endpoint: `acs:eventbridge:${FN_REGION}:${B}:eventbus/default` }] });
    from = emu.world.calls.length;
    [r] = (await invokeVending(emu, logger, A, undefined, 'v3', ROUTE_ENV)) as VendingResult[];
    expect(r!.eventRoute).toMatchObject({ status: 'fixed', drift: ['FilterPattern', 'Targets', 'Status'], done: ['UpdateRule', 'PutTargets', 'DeleteTargets'] });
    expect(writes(from)).toEqual([`${A}:eventbridge:UpdateRule`, `${A}:eventbridge:PutTargets`, `${A}:eventbridge:DeleteTargets`]);
    expect(rule.status).toBe('ENABLE');
    expect(rule.targets.map((t) => t.Id)).toEqual(['trail-provisioner-tamper-route']);
    expect(JSON.parse(rule.filterPattern)).toEqual(JSON.parse(routePattern(DEFAULT_TAMPER_TYPES)));
    // And it is right again.
    from = emu.world.calls.length;
    [r] = (await invokeVending(emu, logger, A, undefined, 'v4', ROUTE_ENV)) as VendingResult[];
    expect(r!.eventRoute?.status).toBe('compliant');
    expect(writes(from)).toEqual([]);
  });
});

describe('refusals and switches', () => {
  it('not configured: no EventBridge call and no RAM write, reported not-configured', async () => {
    const from = emu.world.calls.length;
    const [r] = (await invokeVending(emu, logger, A, undefined, 'v1')) as VendingResult[];
    expect(r!.ok).toBe(true);
    expect(r!.eventRoute).toMatchObject({ status: 'not-configured' });
    expect(emu.world.calls.slice(from).filter((c) => c.service === 'eventbridge' || (c.service === 'ram' && c.action === 'UpdateRole'))).toEqual([]);
    const report = (await invokeRemediation(emu, logger, {}, 'sweep')) as Report;
    expect(report.eventRoutes).toBeUndefined();
    expect(emu.world.calls.filter((c) => c.service === 'eventbridge')).toEqual([]);
  });

  it('a trust policy that would pass the limit is refused clearly: no UpdateRole, no rule, the trail kept', async () => {
    receiver().trustedServices = Array.from({ length: 20 }, (_, i) => `${String(3000000000000000 + i)}@eventbridge.aliyuncs.com`);
    const from = emu.world.calls.length;
    const [r] = (await invokeVending(emu, logger, A, undefined, 'v1', { ...ROUTE_ENV, TRAIL_EVENT_ROUTE_TRUST_MAX_CHARS: '900' })) as VendingResult[];
    expect(r!.ok).toBe(true);
    expect(baselineOf(A)!.Status).toBe('Enable');
    expect(r!.eventRoute).toMatchObject({ status: 'failed', done: [], error: { Code: 'TrustPolicyTooLong', Message: expect.stringMatching(/over the 900 allowed.*nothing was written/) } });
    expect(writes(from)).toEqual([]);
    expect(ruleOf(A)).toBeUndefined();
  });

  it('a missing receiver role is a configuration error: nothing written in the member', async () => {
    const from = emu.world.calls.length;
    const [r] = (await invokeVending(emu, logger, A, undefined, 'v1', { ...ROUTE_ENV, TRAIL_EVENT_ROUTE_ROLE: 'no-such-role' })) as VendingResult[];
    expect(r!.ok).toBe(true);
    expect(r!.eventRoute).toMatchObject({ status: 'failed', error: { Code: 'InvalidConfiguration', Message: expect.stringMatching(/no-such-role/) } });
    expect(writes(from)).toEqual([]);
  });

  it('bad route settings fail the route step only, naming the variable', () => {
    expect(() => loadEventRouteConfig({ TRAIL_EVENT_ROUTE_ROLE: 'bad role!' })).toThrow(/TRAIL_EVENT_ROUTE_ROLE/);
    expect(() => loadEventRouteConfig({ TRAIL_EVENT_ROUTE_ROLE: 'r', TRAIL_EVENT_ROUTE_ACCOUNT: '12' })).toThrow(/TRAIL_EVENT_ROUTE_ACCOUNT/);
    expect(() => loadEventRouteConfig({ TRAIL_EVENT_ROUTE_ROLE: 'r', TRAIL_EVENT_ROUTE_TRUST_MAX_CHARS: '10' })).toThrow(/TRAIL_EVENT_ROUTE_TRUST_MAX_CHARS/);
    expect(loadEventRouteConfig({})).toBeUndefined();
  });

  it('the receiving account itself needs no route', async () => {
    const env = { ...functionsEnv(emu), ...ROUTE_ENV };
    const creds = staticCredentials(fnKey(FN_MGMT));
    const r = await ensureMemberEventRoute(FN_MGMT, { region: FN_REGION, managementCredentials: creds, memberCredentials: creds, eventTypes: DEFAULT_TAMPER_TYPES, env });
    expect(r.status).toBe('receiver');
  });
});

describe('pieces', () => {
  it('the trust policy keeps what it had and adds the member beside the other EventBridge principals', () => {
    const doc = JSON.stringify({
      Version: '1',
      Statement: [
        { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: ['acs:ram::1:root'] }, Condition: { StringEquals: { 'sts:ExternalId': 'x' } } },
        { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'a@eventbridge.aliyuncs.com' } },
      ],
    });
    const out = JSON.parse(withServicePrincipal(doc, 'b@eventbridge.aliyuncs.com')) as { Statement: Array<{ Principal: Record<string, unknown>; Condition?: unknown }> };
    expect(out.Statement[0]).toEqual(JSON.parse(doc).Statement[0]);
    expect(out.Statement[1]!.Principal['Service']).toEqual(['a@eventbridge.aliyuncs.com', 'b@eventbridge.aliyuncs.com']);
    expect(JSON.parse(withServicePrincipal('{"Version":"1","Statement":[]}', 'c@eventbridge.aliyuncs.com')).Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: ['c@eventbridge.aliyuncs.com'] } }]);
  });

  it('emulated event patterns: values, prefix, suffix, anything-but, exists, nested data', () => {
    const ev = { type: 'actiontrail:ActionTrail:ApiCall', source: 'acs.actiontrail', data: { eventName: 'StopLogging', acsRegion: 'cn-hangzhou' } };
    expect(matchPattern({ type: ['actiontrail:ActionTrail:ApiCall'], data: { eventName: ['StopLogging', 'DeleteTrail'] } }, ev)).toBe(true);
    expect(matchPattern({ data: { eventName: ['DeleteTrail'] } }, ev)).toBe(false);
    expect(matchPattern({ source: [{ prefix: 'acs.' }], type: [{ suffix: ':ApiCall' }] }, ev)).toBe(true);
    expect(matchPattern({ data: { eventName: [{ 'anything-but': ['StartLogging'] }] } }, ev)).toBe(true);
    expect(matchPattern({ data: { eventName: [{ 'anything-but': 'StopLogging' }] } }, ev)).toBe(false);
    expect(matchPattern({ data: { userIdentity: [{ exists: false }] } }, ev)).toBe(true);
    expect(matchPattern({ data: { eventName: [{ numeric: ['>', 0] }] } }, ev)).toBe(false);
  });

  it('EventBridge control plane over the wire: a missing rule reads as undefined, a missing bus is EventBusNotExist', async () => {
    emu.world.accessKeys.set(fnKey(A).accessKeyId, { ...fnKey(A), accountId: A });
    const eb = createEventBridgeClient({ region: FN_REGION, credentials: staticCredentials(fnKey(A)), env: functionsEnv(emu), accountId: A });
    expect(await eb.getRule('default', 'nope')).toBeUndefined();
    await expect(eb.getRule('no-such-bus', 'nope')).rejects.toMatchObject({ code: 'EventBusNotExist' });
    await expect(eb.enableRule('default', 'nope')).rejects.toMatchObject({ code: 'EventRuleNotExisted' });
  });
});
