/**
 * The member event routes and the tamper response as a hostile world would try them: vending
 * events and remediation payloads naming an account outside the Resource Directory (whose owner
 * made its member role trust us), receiver-role trust policies shaped by someone with RAM rights,
 * forged tamper events routed from a member but claiming another account, forged StopLogging
 * events spent against the fight limit, notification text written by the event's sender, and data
 * event selector fields built to break the API parameters. Every refusal is checked on the
 * emulator's call log: no write.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import type { SeedFile } from '../emulator/state';
import { createHandler as createTamper, type TamperInvocationResult } from '../functions/tamper';
import { toTamperEvent } from '../functions/tamper/event';
import { ownCause } from '../shared/triggers/tamper';
import { createHandler as createRemediation } from '../functions/remediation';
import { loadConfig } from '../shared/platform/config';
import { remediateAccounts } from '../shared/triggers/remediation';
import { staticCredentials } from '../shared/cloud/credentials';
import { DEFAULT_POLICY } from '../shared/core/guardrails';
import { ensureTrail } from '../shared/core/provisioner';
import { createCloud } from '../shared/cloud';
import { createLogger } from '../shared/platform/log';
import { loadEventRouteConfig, withServicePrincipal } from '../shared/platform/event-route';
import { webhookRequest } from '../shared/platform/notify';
import { DEFAULT_TAMPER_TYPES } from '../shared/platform/tamper-config';
import type { Report } from '../shared/triggers/report';
import type { VendingResult } from '../shared/triggers/vending';
import { putObject } from './helpers/oss-objects';
import { BASELINE, EVENT_ROUTE_ROLE, FN_MEMBERS, FN_MGMT, FN_REGION, WORKER, fnKey, functionsEnv, functionsSeed, invokeHttp, invokeVending } from './helpers/functions-world';

const [A, B] = FN_MEMBERS as [string, string];
/** Not in the Resource Directory, but its owner made its member role trust the management account. */
const OUTSIDER = '2400000000000009';
const ROUTE_ENV = { TRAIL_EVENT_ROUTE_ROLE: EVENT_ROUTE_ROLE, TRAIL_EVENT_ROUTE_ACCOUNT: FN_MGMT };
const logger = createLogger({}, { write: () => {} });
let emu: Emulator;

function seed(): SeedFile {
  const s = functionsSeed();
  s.accounts.push({
    id: OUTSIDER,
    roles: [{ name: 'ResourceDirectoryAccountAccessRole', trustedServices: [], trustedAccounts: [FN_MGMT], grants: ['*'] }],
  });
  const central = s.accounts.find((a) => a.id === FN_MGMT)!.buckets!.find((b) => b.name === BASELINE.OssBucketName)!;
  central.writers = [...(central.writers ?? []), OUTSIDER];
  return s;
}

/** Writes (RAM UpdateRole, EventBridge control-plane writes, ActionTrail writes) since call `from`. */
const writes = (from: number) =>
  emu.world.calls
    .slice(from)
    .filter((c) => (c.service === 'eventbridge' && !/^(Get|Check)/.test(c.action)) || (c.service === 'ram' && c.action === 'UpdateRole') || (c.service === 'actiontrail' && /^(Create|Update|Delete|Start|Stop|Put)/.test(c.action)))
    .map((c) => `${c.accountId}:${c.service}:${c.action}`);
const receiver = () => emu.world.accounts.get(FN_MGMT)!.roles.find((r) => r.name === EVENT_ROUTE_ROLE)!;
const trailOf = (account: string, name = BASELINE.Name) => emu.world.accounts.get(account)!.trails.find((t) => t.Name === name);
const ctx = (requestId: string, name: string) => ({ requestId, region: FN_REGION, accountId: FN_MGMT, credentials: fnKey(FN_MGMT), function: { name, timeout: 120 } });

beforeEach(async () => {
  emu = await createEmulator({ seed: seed() });
});
afterEach(async () => {
  await emu.close();
});

describe('only members of the directory get a route (the receiver role trusts their EventBridge)', () => {
  it('a vending event for an outside account under TRAIL_VENDING_ACCOUNTS=* vends its trails, but the route is refused: no UpdateRole, no rule', async () => {
    const from = emu.world.calls.length;
    const [r] = (await invokeVending(emu, logger, OUTSIDER, undefined, 'outsider', { ...ROUTE_ENV, TRAIL_VENDING_ACCOUNTS: '*' })) as VendingResult[];
    expect(r!.ok).toBe(true);
    expect(trailOf(OUTSIDER)?.Status).toBe('Enable');
    expect(r!.eventRoute).toMatchObject({ status: 'failed', retryable: false, done: [], error: { Code: 'AccountNotAllowed' } });
    expect(writes(from).filter((w) => !w.includes(':actiontrail:'))).toEqual([]);
    expect(receiver().trustedServices).toEqual([]);
    expect(emu.world.eventRules.filter((x) => x.accountId === OUTSIDER)).toEqual([]);
    // A member under the same setting is asked about and routed.
    const [m] = (await invokeVending(emu, logger, A, undefined, 'member', { ...ROUTE_ENV, TRAIL_VENDING_ACCOUNTS: '*' })) as VendingResult[];
    expect(m!.eventRoute).toMatchObject({ status: 'fixed' });
    expect(receiver().trustedServices).toEqual([`${A}@eventbridge.aliyuncs.com`]);
  });

  it('a remediation invocation naming an outside account (payload accounts) is refused for it before any AssumeRole: no trail, no route; the listed member is done', async () => {
    const handler = createRemediation({ env: functionsEnv(emu, { ...ROUTE_ENV, TRAIL_ACCOUNTS: 'rd', TRAIL_WORKER_FUNCTION: WORKER }), logger });
    const from = emu.world.calls.length;
    const report = (await handler(Buffer.from(JSON.stringify({ accounts: [OUTSIDER, B] })), ctx('manual', WORKER))) as Report;
    expect(report.failed).toEqual([expect.objectContaining({ accountId: OUTSIDER, Code: 'AccountNotAllowed', retryable: false })]);
    expect((report.eventRoutes ?? []).map((r) => [r.accountId, r.status])).toEqual([[B, 'fixed']]);
    expect(writes(from).filter((w) => w.startsWith(OUTSIDER))).toEqual([]);
    expect(emu.world.calls.slice(from).filter((c) => c.accountId === OUTSIDER || (c.action === 'AssumeRole' && String(c.request?.params['RoleArn']).includes(OUTSIDER)))).toEqual([]);
    expect(trailOf(OUTSIDER)).toBeUndefined();
    expect(receiver().trustedServices).toEqual([`${B}@eventbridge.aliyuncs.com`]);
    // Under a TRAIL_ACCOUNTS list, the payload may only name listed accounts.
    const listed = createRemediation({ env: functionsEnv(emu, { ...ROUTE_ENV, TRAIL_ACCOUNTS: A, TRAIL_WORKER_FUNCTION: WORKER }), logger });
    const r2 = (await listed(Buffer.from(JSON.stringify({ accounts: [B] })), ctx('manual-2', WORKER))) as Report;
    expect(r2.failed).toEqual([expect.objectContaining({ accountId: B, Code: 'AccountNotAllowed' })]);
  });

  it('a batch of accounts not listed in this invocation (a fan-out worker) asks the directory before a route: an outsider gets AccountNotAllowed, no UpdateRole', async () => {
    const deps = { config: loadConfig(functionsEnv(emu, { ...ROUTE_ENV, TRAIL_WORKER_FUNCTION: WORKER })), credentials: staticCredentials(fnKey(FN_MGMT)), env: functionsEnv(emu, ROUTE_ENV), selfAccountId: FN_MGMT, logger };
    const from = emu.world.calls.length;
    const report = await remediateAccounts([OUTSIDER, A], [FN_REGION], [BASELINE as never], deps, { runId: 'batch-like', dryRun: false, mode: 'batch' });
    const routes = Object.fromEntries((report.eventRoutes ?? []).map((r) => [r.accountId, r]));
    expect(routes[OUTSIDER]).toMatchObject({ status: 'failed', error: { Code: 'AccountNotAllowed' }, done: [] });
    expect(routes[A]).toMatchObject({ status: 'fixed' });
    expect(writes(from).filter((w) => w.startsWith(`${OUTSIDER}:eventbridge`) || w.includes(':ram:'))).toEqual([`${FN_MGMT}:ram:UpdateRole`]);
    expect(receiver().trustedServices).toEqual([`${A}@eventbridge.aliyuncs.com`]);
    expect(emu.world.calls.slice(from).filter((c) => c.action === 'GetAccount').map((c) => c.status).sort()).toEqual([200, 404]);
  });

  it('a sweep over ListAccounts asks no GetAccount (its accounts are the directory)', async () => {
    const handler = createRemediation({ env: functionsEnv(emu, { ...ROUTE_ENV, TRAIL_ACCOUNTS: 'rd', TRAIL_WORKER_FUNCTION: WORKER }), logger });
    const from = emu.world.calls.length;
    const report = (await handler(Buffer.from(JSON.stringify({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 'sweep', payload: '' })), ctx('sweep', WORKER))) as Report;
    expect(report.eventRoutes?.map((r) => r.status)).toEqual(['fixed', 'fixed']);
    expect(emu.world.calls.slice(from).filter((c) => c.action === 'GetAccount')).toEqual([]);
  });
});

describe("a member's admin reshapes the route", () => {
  it('our rule made to match everything, with an extra target to a foreign bus: the sweep puts back exactly our rule; the member\'s other rules (ours by name on another bus too) are untouched', async () => {
    await invokeVending(emu, logger, A, undefined, 'v1', ROUTE_ENV);
    const rule = emu.world.eventRules.find((x) => x.accountId === A && x.ruleName === 'trail-provisioner-tamper-route')!;
    const exfil = { ...rule.targets[0]!, Id: 'exfil', Endpoint: `acs:eventbridge:${FN_REGION}:${OUTSIDER}:eventbus/default`, ParamList: rule.targets[0]!.ParamList.map((p) => (p.ResourceKey === 'AccountId' ? { ...p, Value: OUTSIDER } : p)) };
    Object.assign(rule, { filterPattern: '{}', targets: [rule.targets[0]!, exfil] });
    emu.world.eventBuses.push({ accountId: A, region: FN_REGION, name: 'custom' } as never);
    const others = [
      { ...rule, ruleName: 'their-own', targets: [exfil], filterPattern: '{"source":["acs.ecs"]}' },
      { ...rule, eventBusName: 'custom', targets: [exfil], filterPattern: '{}' },
    ];
    emu.world.eventRules.push(...others.map((o) => JSON.parse(JSON.stringify(o)) as typeof rule));
    const before = JSON.stringify(emu.world.eventRules.filter((x) => x !== rule && x.accountId === A));
    const handler = createRemediation({ env: functionsEnv(emu, { ...ROUTE_ENV, TRAIL_ACCOUNTS: 'rd', TRAIL_WORKER_FUNCTION: WORKER }), logger });
    const from = emu.world.calls.length;
    const report = (await handler(Buffer.from(JSON.stringify({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 'sweep', payload: '' })), ctx('sweep', WORKER))) as Report;
    expect(report.eventRoutes?.find((x) => x.accountId === A)).toMatchObject({ status: 'fixed', drift: ['FilterPattern', 'Targets'], done: ['UpdateRule', 'PutTargets', 'DeleteTargets'] });
    expect(rule.targets.map((t) => t.Id)).toEqual(['trail-provisioner-tamper-route']);
    expect(JSON.parse(rule.filterPattern)).toMatchObject({ type: DEFAULT_TAMPER_TYPES });
    expect(JSON.stringify(emu.world.eventRules.filter((x) => x !== rule && x.accountId === A))).toBe(before);
    expect(emu.world.calls.slice(from).filter((c) => c.service === 'eventbridge' && /Delete/.test(c.action)).map((c) => `${c.action} ${c.request?.params['RuleName']} ${c.request?.params['EventBusName']} ${c.request?.params['TargetIds']}`)).toEqual([
      'DeleteTargets trail-provisioner-tamper-route default ["exfil"]',
    ]);
  });
});

describe('a receiver role trust policy someone shaped', () => {
  const P = (id: string) => `${id}@eventbridge.aliyuncs.com`;
  const shaped = {
    Version: '1',
    Statement: [
      { Effect: 'Deny', Action: 'sts:AssumeRole', Principal: { Service: [P(B)] } },
      { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: ['acs:ram::1400000000000002:root'] }, Condition: { StringEquals: { 'sts:ExternalId': 'abc' } } },
      { Effect: 'Allow', Action: ['sts:AssumeRole'], Principal: { Service: 'fc.aliyuncs.com' } },
    ],
  };

  it('keeps every statement (Deny, Condition, a string Service) as it was and adds the member beside the existing Service principal', async () => {
    Object.assign(receiver(), { trustDocument: JSON.stringify(shaped), trustedServices: ['fc.aliyuncs.com'] });
    const from = emu.world.calls.length;
    const [r] = (await invokeVending(emu, logger, A, undefined, 'shaped', ROUTE_ENV)) as VendingResult[];
    expect(r!.eventRoute).toMatchObject({ status: 'fixed' });
    expect(writes(from)).toContain(`${FN_MGMT}:ram:UpdateRole`);
    const doc = JSON.parse(receiver().trustDocument!) as typeof shaped;
    expect(doc.Statement[0]).toEqual(shaped.Statement[0]);
    expect(doc.Statement[1]).toEqual(shaped.Statement[1]);
    expect(doc.Statement[2]).toEqual({ ...shaped.Statement[2], Principal: { Service: ['fc.aliyuncs.com', P(A)] } });
    expect(doc.Statement).toHaveLength(3);
  });

  it.each([
    ['a Statement that is one object, not a list', JSON.stringify({ Version: '1', Statement: { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['fc.aliyuncs.com'] } } })],
    ['a document that is a JSON list', JSON.stringify([{ Effect: 'Allow' }])],
    ['a Service principal that is not a string', JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: [{ x: 1 }] } }] })],
    ['a statement that is not an object', JSON.stringify({ Version: '1', Statement: ['sts:AssumeRole'] })],
    ['a number JSON cannot carry exactly', '{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["fc.aliyuncs.com"]},"Condition":{"NumericEquals":{"acs:x":12345678901234567891}}},{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["fc.aliyuncs.com"]}}]}'],
  ])('%s is refused (InvalidConfiguration): no UpdateRole, no rule in the member', async (_label, document) => {
    Object.assign(receiver(), { trustDocument: document, trustedServices: ['fc.aliyuncs.com'] });
    const from = emu.world.calls.length;
    const [r] = (await invokeVending(emu, logger, A, undefined, 'odd', ROUTE_ENV)) as VendingResult[];
    expect(r!.ok).toBe(true);
    expect(r!.eventRoute).toMatchObject({ status: 'failed', done: [], error: { Code: 'InvalidConfiguration', Message: expect.stringMatching(/left as is/) } });
    expect(writes(from).filter((w) => !w.includes(':actiontrail:'))).toEqual([]);
    expect(receiver().trustDocument).toBe(document);
  });

  it('a Deny on the member\'s EventBridge is left in place and reported, not hidden by an Allow beside it: no UpdateRole, no rule', async () => {
    const document = JSON.stringify({ ...shaped, Statement: [{ Effect: 'Deny', Action: 'sts:AssumeRole', Principal: { Service: [P(A)] } }, shaped.Statement[2]] });
    Object.assign(receiver(), { trustDocument: document, trustedServices: ['fc.aliyuncs.com'] });
    const from = emu.world.calls.length;
    const [r] = (await invokeVending(emu, logger, A, undefined, 'denied', ROUTE_ENV)) as VendingResult[];
    expect(r!.eventRoute).toMatchObject({ status: 'failed', done: [], error: { Code: 'InvalidConfiguration', Message: expect.stringMatching(/denies 2400000000000001@eventbridge/) } });
    expect(writes(from).filter((w) => !w.includes(':actiontrail:'))).toEqual([]);
    expect(receiver().trustDocument).toBe(document);
    // A Deny of another member changes nothing for this one.
    Object.assign(receiver(), { trustDocument: JSON.stringify(shaped) });
    const [ok] = (await invokeVending(emu, logger, A, undefined, 'other-denied', ROUTE_ENV)) as VendingResult[];
    expect(ok!.eventRoute).toMatchObject({ status: 'fixed' });
  });

  it('numbers that survive, and digits inside strings, do not stop the rewrite', () => {
    const doc = '{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":["fc.aliyuncs.com"]},"Condition":{"NumericLessThan":{"acs:n":-12.5,"acs:m":3e21,"acs:id":1400000000000001}},"Sid":"12345678901234567891 \\" 9"}]}';
    expect(() => withServicePrincipal(doc, P(A))).not.toThrow();
  });

  it('an empty document is not replaced by one trusting only the member', () => {
    expect(() => withServicePrincipal('', P(A))).toThrow(/left as is/);
    expect(() => withServicePrincipal('null', P(A))).toThrow(/left as is/);
  });

  it('a receiving account that is not the function\'s own is refused naming TRAIL_EVENT_ROUTE_ACCOUNT: its own role of that name is not widened, no rule points elsewhere', async () => {
    const from = emu.world.calls.length;
    const [r] = (await invokeVending(emu, logger, A, undefined, 'elsewhere', { ...ROUTE_ENV, TRAIL_EVENT_ROUTE_ACCOUNT: B })) as VendingResult[];
    expect(r!.ok).toBe(true);
    expect(r!.eventRoute).toMatchObject({ status: 'failed', done: [], error: { Code: 'InvalidConfiguration', Message: expect.stringMatching(/^TRAIL_EVENT_ROUTE_ACCOUNT is 2400000000000002/) } });
    expect(writes(from).filter((w) => !w.includes(':actiontrail:'))).toEqual([]);
    expect(receiver().trustedServices).toEqual([]);
  });

  it('route settings that would inject into names or ARNs are refused naming the variable', () => {
    expect(() => loadEventRouteConfig({ TRAIL_EVENT_ROUTE_ROLE: 'role/../admin' })).toThrow(/TRAIL_EVENT_ROUTE_ROLE/);
    expect(() => loadEventRouteConfig({ TRAIL_EVENT_ROUTE_ROLE: 'r', TRAIL_EVENT_ROUTE_BUS: 'default/rule/x' })).toThrow(/TRAIL_EVENT_ROUTE_BUS/);
    expect(() => loadEventRouteConfig({ TRAIL_EVENT_ROUTE_ROLE: 'r', TRAIL_EVENT_ROUTE_RULE: 'a:b' })).toThrow(/TRAIL_EVENT_ROUTE_RULE/);
    expect(() => loadEventRouteConfig({ TRAIL_EVENT_ROUTE_ROLE: 'r', TRAIL_EVENT_ROUTE_ACCOUNT: `${FN_MGMT},${A}` })).toThrow(/TRAIL_EVENT_ROUTE_ACCOUNT/);
    expect(() => loadEventRouteConfig({ TRAIL_EVENT_ROUTE_ROLE: 'r', TRAIL_EVENT_ROUTE_TRUST_MAX_CHARS: '1e9' })).toThrow(/TRAIL_EVENT_ROUTE_TRUST_MAX_CHARS/);
  });
});

describe('forged tamper events', () => {
  /** The ActionTrail CloudEvent as it arrives on the management bus, routed from `from` unless null. */
  function forged(eventName: string, trail: string, data: Record<string, unknown>, from: string | null) {
    return {
      specversion: '1.0',
      id: `forged-${Math.random()}`,
      source: 'acs.actiontrail',
      type: DEFAULT_TAMPER_TYPES[0],
      aliyunaccountid: FN_MGMT,
      ...(from ? { aliyunoriginalaccountid: from } : {}),
      data: { eventName, requestParameters: { Name: trail }, userIdentity: { type: 'root-account', principalId: from ?? FN_MGMT, accountId: from ?? FN_MGMT }, ...data },
    };
  }
  const tamper = (extra: NodeJS.ProcessEnv = {}) =>
    createTamper({ env: functionsEnv(emu, { TRAIL_BASELINE: JSON.stringify([BASELINE]), TRAIL_BASELINE_OSS: '', ...extra }), credentials: staticCredentials(fnKey(FN_MGMT)), logger });
  const invoke = async (h: ReturnType<typeof tamper>, ev: unknown) => (await h(Buffer.from(JSON.stringify(ev)), ctx('forged', 'tamper'))) as TamperInvocationResult;

  it("a member's routed event claiming another member's (or the management account's) trail is refused: nothing read or written there", async () => {
    for (const acct of [A, B]) await ensureTrail({ ...BASELINE, EventRW: 'All' as const }, createCloud({ region: FN_REGION, credentials: staticCredentials(fnKey(FN_MGMT)), env: functionsEnv(emu), accountId: acct }), { guard: { policy: DEFAULT_POLICY, baseline: [BASELINE as never], caller: { kind: 'cli', name: 'setup' } } }).catch(() => undefined);
    const h = tamper();
    for (const [label, data] of [
      ['recipientAccountId', { recipientAccountId: B }],
      ['userIdentity.accountId', { userIdentity: { type: 'root-account', principalId: B, accountId: B } }],
      ['the management account', { recipientAccountId: FN_MGMT }],
    ] as const) {
      const from = emu.world.calls.length;
      const out = await invoke(h, forged('StopLogging', BASELINE.Name, data, A));
      expect(out.outcomes, label).toEqual([]);
      expect(out.skipped, label).toEqual([expect.objectContaining({ reason: expect.stringMatching(/came from account 2400000000000001 but its data names account/) })]);
      expect(emu.world.calls.slice(from).filter((c) => c.service === 'sts' || c.service === 'actiontrail'), label).toEqual([]);
    }
    // The same event about the sending member itself is handled (in that member).
    const from = emu.world.calls.length;
    const ok = await invoke(h, forged('StopLogging', BASELINE.Name, { recipientAccountId: A }, A));
    expect(ok.outcomes).toEqual([expect.objectContaining({ accountId: A })]);
    expect(emu.world.calls.slice(from).filter((c) => c.service === 'actiontrail').every((c) => c.accountId === A)).toBe(true);
  });

  it("a role named like ours in the wrong account, with a session named like ours, is not ours: the event is handled", () => {
    const self = { accountId: FN_MGMT, roleName: 'trail-provisioner-tamper' };
    // A member's admin makes a role named like the tamper function's and stops the trail with session "trail-x".
    expect(ownCause({ type: 'assumed-role', principalId: '3:trail-x', accountId: A, userName: 'trail-provisioner-tamper:trail-x' }, self, A)).toBeUndefined();
    // Someone in the management account makes a role named like the member role.
    expect(ownCause({ type: 'assumed-role', principalId: '3:trail-vending', accountId: FN_MGMT, userName: 'ResourceDirectoryAccountAccessRole:trail-vending' }, self, FN_MGMT)).toBeUndefined();
    // Ours where they are ours.
    expect(ownCause({ type: 'assumed-role', principalId: '3:trail-vending', accountId: A, userName: 'ResourceDirectoryAccountAccessRole:trail-vending' }, self, A)).toMatch(/own role session/);
    expect(ownCause({ type: 'assumed-role', principalId: '3:x', accountId: FN_MGMT, userName: 'trail-provisioner-tamper:x' }, self, FN_MGMT)).toMatch(/own role/);
  });

  it('the account of a routed event is the one EventBridge names (aliyunoriginalaccountid), and a malformed one is refused', () => {
    expect(toTamperEvent(forged('StopLogging', BASELINE.Name, {}, A) as never, DEFAULT_TAMPER_TYPES)?.accountId).toBe(A);
    expect(toTamperEvent(forged('StopLogging', BASELINE.Name, { userIdentity: {} }, A) as never, DEFAULT_TAMPER_TYPES)?.accountId).toBe(A);
    expect(() => toTamperEvent({ ...forged('StopLogging', BASELINE.Name, {}, A), aliyunoriginalaccountid: 'x' } as never, DEFAULT_TAMPER_TYPES)).toThrow(/sending account/);
  });

  it('forged StopLogging events about a logging organization trail write nothing and do not use up the fight limit; a real stop is then restored', async () => {
    const org = { Name: 'org-trail', OssBucketName: BASELINE.OssBucketName, OssKeyPrefix: 'org-prefix', IsOrganizationTrail: true, EventRW: 'All' as const };
    const mgmt = createCloud({ region: FN_REGION, credentials: staticCredentials(fnKey(FN_MGMT)), env: functionsEnv(emu), accountId: FN_MGMT });
    await ensureTrail(org, mgmt, { guard: { policy: DEFAULT_POLICY, baseline: [org], caller: { kind: 'cli', name: 'setup' } } });
    const h = tamper({ TRAIL_TAMPER_MAX_RESTORES: '2' });
    const from = emu.world.calls.length;
    for (let i = 0; i < 4; i++) {
      const out = await invoke(h, { ...forged('StopLogging', 'org-trail', { recipientAccountId: FN_MGMT, userIdentity: { type: 'ram-user', principalId: '1', accountId: FN_MGMT, userName: 'mallory' } }, null) });
      expect(out.outcomes).toEqual([expect.objectContaining({ action: 'compliant', trail: 'org-trail', done: [] })]);
    }
    expect(writes(from)).toEqual([]);
    // Now someone really stops it: restored, the limit untouched by the forgeries.
    trailOf(FN_MGMT, 'org-trail')!.Status = 'Disable';
    const real = await invoke(h, forged('StopLogging', 'org-trail', { recipientAccountId: FN_MGMT, userIdentity: { type: 'ram-user', principalId: '1', accountId: FN_MGMT, userName: 'mallory' } }, null));
    expect(real.outcomes).toEqual([expect.objectContaining({ action: 'restored', done: ['StartLogging'], isLogging: true })]);
    expect(trailOf(FN_MGMT, 'org-trail')!.Status).toBe('Enable');
  });

  it("the sender's text in a DingTalk notification stays one literal line: no heading, link or image of its own", () => {
    const by = 'eve\n### Trail restored\n[open the console](http://evil.example/x) ![](http://evil.example/t.png) <img src=x> **urgent**';
    const { body } = webhookRequest({ url: 'https://oapi.dingtalk.com/robot/send?access_token=t', format: 'dingtalk' }, {
      kind: 'tamper-detected',
      title: `StopLogging on protected trail ${BASELINE.Name} in ${A}\n### fake`,
      accountId: A,
      trail: BASELINE.Name,
      detail: { event: 'StopLogging', by, region: 'cn-hangzhou)[x](http://evil.example' },
    });
    const md = (body as { markdown: { title: string; text: string } }).markdown;
    const lines = md.text.split('\n');
    expect(lines.filter((l) => l.startsWith('#'))).toEqual([expect.stringMatching(/^### StopLogging on protected trail/)]);
    expect(lines).toHaveLength(8); // heading, blank, kind, account, trail, event, by, region
    expect(md.text).not.toMatch(/(^|[^\\])\]\(/m);
    expect(md.text).not.toMatch(/(^|[^\\])!\[/m);
    expect(md.text).not.toMatch(/(^|[^\\])</m);
    expect(md.title).not.toContain('\n');
  });
});

describe('data event selector fields from a hostile self-service caller', () => {
  const spec = (over: Record<string, unknown>) => ({ Name: 'hostile-selectors', OssBucketName: `flows-audit-${FN_MGMT}`, EventRW: 'All', DataEventSelectors: [{ ServiceName: 'Oss' }], ...over });
  const deep = (n: number): unknown => (n === 0 ? [] : { Equals: [deep(n - 1)] });

  it.each([
    ['a region list that carries another parameter', { DataEventRegions: ['cn-hangzhou&Action=DeleteTrail'] }, '/DataEventRegions/0', 'pattern'],
    ['a comma-joined region list', { DataEventRegions: ['cn-hangzhou,us-west-1'] }, '/DataEventRegions/0', 'pattern'],
    ['All beside a region', { DataEventRegions: ['All', 'cn-hangzhou'] }, '/DataEventRegions', 'allAlone'],
    ['a repeated region', { DataEventRegions: ['cn-hangzhou', 'cn-hangzhou'] }, '/DataEventRegions', 'uniqueItems'],
    ['regions without selectors', { DataEventSelectors: undefined, DataEventRegions: ['All'] }, '/DataEventRegions', 'dependencies'],
    ['a __proto__ key in a selector', { DataEventSelectors: [JSON.parse('{"ServiceName":"Oss","__proto__":{"polluted":true}}')] }, '/DataEventSelectors/0/__proto__', 'additionalProperties'],
    ['a constructor key in a condition', { DataEventSelectors: [{ ServiceName: 'Oss', EventName: { constructor: ['x'] } }] }, '/DataEventSelectors/0/EventName/constructor', 'additionalProperties'],
    ['a selector given twice', { DataEventSelectors: [{ ServiceName: 'Oss', ReadWriteType: 'All' }, { ReadWriteType: 'All', ServiceName: 'Oss' }] }, '/DataEventSelectors', 'uniqueItems'],
    ['a number where a name goes', { DataEventSelectors: [{ ServiceName: 7 }] }, '/DataEventSelectors/0/ServiceName', 'type'],
    ['a nested value where a name goes', { DataEventSelectors: [{ ServiceName: 'Oss', EventName: deep(50) }] }, '/DataEventSelectors/0/EventName/Equals/0', 'type'],
    ['21 selectors', { DataEventSelectors: Array.from({ length: 21 }, (_, i) => ({ ServiceName: `S${i}` })) }, '/DataEventSelectors', 'maxItems'],
    ['200 selectors', { DataEventSelectors: Array.from({ length: 200 }, (_, i) => ({ ServiceName: `S${i}` })) }, '/DataEventSelectors', 'maxItems'],
    ['11 condition values', { DataEventSelectors: [{ ServiceName: 'Oss', EventName: { Equals: Array.from({ length: 6 }, (_, i) => `a${i}`), NotEquals: Array.from({ length: 5 }, (_, i) => `b${i}`) } }] }, '/DataEventSelectors/0/EventName', 'maxValues'],
  ])('%s is refused naming the field and rule, with no write', async (_label, over, pointer, rule) => {
    const from = emu.world.calls.length;
    const res = await invokeHttp(emu, logger, { method: 'POST', path: '/trails', body: spec(over) });
    expect(res.statusCode).toBe(400);
    const body = JSON.parse(res.body) as { Errors?: Array<{ pointer: string; rule: string }> };
    expect(body.Errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer, rule })]));
    expect(writes(from)).toEqual([]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('100,000 selectors are refused before they are parsed (413), with no write', async () => {
    const from = emu.world.calls.length;
    const res = await invokeHttp(emu, logger, { method: 'POST', path: '/trails', body: spec({ DataEventSelectors: Array.from({ length: 100_000 }, (_, i) => ({ ServiceName: `S${i}` })) }) });
    expect(res.statusCode).toBe(413);
    expect(writes(from)).toEqual([]);
  });

  it('a self-service caller cannot drop or change the selectors of a protected (baseline) trail', async () => {
    const base = { ...BASELINE, DataEventSelectors: [{ ServiceName: 'Oss', ReadWriteType: 'All' }] };
    putObject(emu, FN_MGMT, FN_REGION, 'flows-config', 'baseline.json', [base]);
    const from = emu.world.calls.length;
    for (const over of [{ DataEventSelectors: undefined }, { DataEventSelectors: [{ ServiceName: 'Oss', ReadWriteType: 'Read' }] }, { DataEventSelectors: [{ ServiceName: 'Oss', ReadWriteType: 'All', ResourceArn: { Equals: ['acs:oss:*:*:nothing'] } }] }]) {
      const res = await invokeHttp(emu, logger, { method: 'POST', path: '/trails', body: { ...base, ...over } });
      expect(res.statusCode).toBe(409);
      expect(JSON.parse(res.body)).toMatchObject({ Code: 'ProtectedTrail' });
    }
    expect(writes(from)).toEqual([]);
  });
});
