/**
 * Least privilege, with the names the deployment really has: each function's RAM policy allows
 * every call its code path makes, and nothing beyond.
 *
 * The policies are generated from s.yaml as `s preview` renders it (scripts/deploy-plan.ts), and
 * policies/*.json must be exactly that output. The flows run against the emulator as that
 * deployment, with the world's differences from the default s.yaml made explicit (baseline read
 * from OSS, the HTTP API opened to member accounts, remediation reports to OSS): the policies for
 * those differences are generated the same way. Each call in emu.world.calls is mapped to the RAM
 * action and resource ARN it is authorized on (from what the request named: role ARN, function,
 * bucket and key, project) and checked against the policy of the principal that made it: calls in
 * the management account are the function's own role's; calls in member accounts are the member
 * access role's (policies/member-role.json). Then the converse: every statement's action and
 * resource is used by some call, or is documented in policies/README.md as needed on a path the
 * emulator does not reach; "*" only for actions without resource-level authorization.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import type { CallLogEntry } from '../emulator/state';
import { createLogger } from '../shared/platform/log';
import { formatPolicy, functionsOf, generatePolicies, NO_RESOURCE_LEVEL, render, type PolicyDoc, type Statement, type Template } from '../scripts/deploy-plan';
import { createCloud } from '../shared/cloud';
import { staticCredentials } from '../shared/cloud/credentials';
import { createHandler as createTamper } from '../functions/tamper';
import { fcTriggerRule, waitForEventDeliveries } from '../emulator/services/eventbridge';
import { BASELINE, EVENT_ROUTE_ROLE, FN_MEMBERS, FN_MGMT, FN_REGION, WORKER, fnKey, fullSpec, functionsEnv, functionsSeed, invokeHttp, invokeRemediation, invokeVending } from './helpers/functions-world';

const FUNCTIONS = ['vending', 'selfservice', 'remediation', 'tamper'] as const;
type Fn = (typeof FUNCTIONS)[number];
type Principal = Fn | 'member-role';
const REPORT_OSS = 'oss://flows-config/reports';

/** RAM wildcard match: "*" any run, "?" one character. */
function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value);
}
const hit = (s: Statement, action: string, resource: string) => s.Action.some((a) => wildcard(a, action)) && s.Resource.some((r) => wildcard(r, resource));
const allows = (doc: PolicyDoc, action: string, resource: string) => doc.Statement.some((s) => hit(s, action, resource));

/** Call log entry → RAM action and the resource ARN it is authorized on (from what the request named). */
function ramAction(c: CallLogEntry): { action: string; resource: string } {
  const acct = c.accountId ?? '*';
  const r = c.request!;
  const p = r.params;
  switch (c.service) {
    case 'actiontrail':
      return { action: `actiontrail:${c.action}`, resource: `acs:actiontrail:${r.region}:${acct}:trail/${p['Name'] ?? '*'}` };
    case 'ram':
      return { action: `ram:${c.action}`, resource: `acs:ram::${acct}:role/${String(p['RoleName']).toLowerCase()}` };
    case 'sts':
      return { action: `sts:${c.action}`, resource: String(p['RoleArn']).replace(/:role\/(.*)$/, (_, name: string) => `:role/${name.toLowerCase()}`) };
    case 'resourcemanager':
      return { action: `resourcemanager:${c.action}`, resource: '*' };
    case 'eventbridge':
      return { action: `eventbridge:${c.action}`, resource: `acs:eventbridge:${r.region}:${acct}:eventbus/${p['EventBusName']}/rule/${p['RuleName']}` };
    case 'fc': {
      const fn = /^\/2023-03-30\/functions\/([^/]+)\/invocations$/.exec(r.path);
      return { action: 'fc:InvokeFunction', resource: `acs:fc:${r.region}:${acct}:functions/${fn ? decodeURIComponent(fn[1]!) : '?'}` };
    }
    case 'maxcompute':
      return { action: `odps:${c.action}`, resource: `acs:odps:${r.region}:${acct}:projects/${r.path.split('/').filter(Boolean).pop() ?? '?'}` };
    case 'sls':
      if (r.method === 'GET' && r.path === '/') return { action: 'log:GetProject', resource: `acs:log:${r.region}:${acct}:project/${r.project}` };
      return { action: `log:${r.method} ${r.path}`, resource: '?' };
    case 'oss': {
      const bucket = `acs:oss:*:${acct}:${r.bucket}`;
      if (r.path === '/' && r.method === 'GET') {
        if (r.query.includes('bucketInfo')) return { action: 'oss:GetBucketInfo', resource: bucket };
        if (r.query.includes('location')) return { action: 'oss:GetBucketLocation', resource: bucket };
        return { action: 'oss:ListObjects', resource: bucket };
      }
      const object = `${bucket}${r.path}`;
      if (r.method === 'GET' || r.method === 'HEAD') return { action: 'oss:GetObject', resource: object };
      if (r.method === 'PUT') return { action: 'oss:PutObject', resource: object };
      return { action: `oss:${r.method}`, resource: object };
    }
    default:
      return { action: `${c.service}:${c.action}`, resource: '?' };
  }
}

let emu: Emulator;
let rendered: Template;
/** The deployment the flows run as: the rendered s.yaml plus the world's differences. */
let world: Template;
let policies: Record<string, PolicyDoc>;
const logger = createLogger({}, { write: () => {} });
/** Per principal: action → resources it was called on. */
const exercised = new Map<Principal, Map<string, string[]>>();
const problems: string[] = [];

function record(fn: Fn, calls: CallLogEntry[]) {
  for (const c of calls) {
    if (c.service === 'sts' && c.action === 'GetCallerIdentity') continue; // no grant needed (policies/README.md)
    // EventBridge's service-linked role calls: "No authorization for this operation" (their API pages; policies/README.md).
    if (c.service === 'eventbridge' && /^(Check|Create)ServiceLinkedRoleForProduct$/.test(c.action)) continue;
    const mapped = ramAction(c);
    const principal: Principal = c.accountId === FN_MGMT ? fn : 'member-role';
    const byAction = exercised.get(principal) ?? new Map<string, string[]>();
    exercised.set(principal, byAction);
    byAction.set(mapped.action, [...(byAction.get(mapped.action) ?? []), mapped.resource]);
    if (!allows(policies[principal]!, mapped.action, mapped.resource)) problems.push(`${principal} (${fn} flow) lacks ${mapped.action} on ${mapped.resource}`);
  }
}

async function flow(fn: Fn, run: () => Promise<unknown>) {
  const from = emu.world.calls.length;
  await run();
  // Async FC invocations (the fan-out worker) finish in the background: wait for them.
  for (let i = 0; i < 200 && emu.world.asyncInvocations.some((a) => a.status === 'Running'); i++) await new Promise((r) => setTimeout(r, 25));
  record(fn, emu.world.calls.slice(from));
}

/** The world's deployment: each function's rendered environment with the flows' differences. */
function worldDeployment(t: Template): Template {
  const copy = JSON.parse(JSON.stringify(t)) as Template;
  const env0 = functionsEnv({ url: 'http://unused' } as Emulator);
  for (const [name, props] of functionsOf(copy)) {
    const env = props['environmentVariables'] as Record<string, string>;
    if (env['TRAIL_BASELINE'] !== undefined) {
      delete env['TRAIL_BASELINE'];
      env['TRAIL_BASELINE_OSS'] = env0['TRAIL_BASELINE_OSS']!;
    }
    if (name === 'selfservice') env['TRAIL_HTTP_ACCOUNTS'] = env0['TRAIL_HTTP_ACCOUNTS']!;
    if (name === 'remediation') env['TRAIL_REPORT_OSS'] = REPORT_OSS;
  }
  return copy;
}

/** The flows' environment for a function: what the world deployment gives it (names from s.yaml). */
const envOf = (fn: Fn): NodeJS.ProcessEnv => {
  const env = { ...(functionsOf(world).find(([n]) => n === fn)![1]['environmentVariables'] as Record<string, string>) };
  delete env['TRAIL_HTTP_AUTH']; // the flows authenticate with bearer tokens (TRAIL_HTTP_TOKENS), not FC's signature check
  return env;
};

beforeAll(async () => {
  rendered = render({ accountId: FN_MGMT, env: {} });
  world = worldDeployment(rendered);
  policies = generatePolicies(world);
  emu = await createEmulator({ seed: functionsSeed() });
  const [A, B] = FN_MEMBERS as [string, string];
  // Vending: explicit specs with every destination and write role, then the OSS baseline.
  await flow('vending', () => invokeVending(emu, logger, A, [fullSpec(A, 'vended-full')], 'v1', envOf('vending')));
  await flow('vending', () => invokeVending(emu, logger, A, [fullSpec(A, 'vended-full', 'changed-prefix')], 'v2', envOf('vending')));
  await flow('vending', () => invokeVending(emu, logger, B, undefined, 'v3', envOf('vending')));
  // Self-service: every route in its own account (create, drift → update, stop → start), and a member account.
  await flow('selfservice', async () => {
    await invokeHttp(emu, logger, { method: 'POST', path: '/trails', body: fullSpec(FN_MGMT, 'self-full') });
    await invokeHttp(emu, logger, { method: 'POST', path: '/trails', body: fullSpec(FN_MGMT, 'self-full', 'changed-prefix') });
    await invokeHttp(emu, logger, { path: '/trails' });
    await invokeHttp(emu, logger, { path: '/trails/self-full' });
    await invokeHttp(emu, logger, { method: 'POST', path: '/trails/self-full/logging' });
    await invokeHttp(emu, logger, { method: 'POST', path: '/trails', body: fullSpec(B, 'self-member'), accountId: B });
  });
  // The member event route of member B drifted (pattern, disabled, a stray target) and B dropped
  // from the receiver role's trust: the sweep repairs both.
  const ruleB = emu.world.eventRules.find((r) => r.accountId === B && r.ruleName === 'trail-provisioner-tamper-route')!;
  Object.assign(ruleB, { filterPattern: '{"type":["actiontrail:ActionTrail:ApiCall"]}', status: 'DISABLE', targets: [...ruleB.targets, { ...ruleB.targets[0]!, Id: 'stray' }] });
  const receiver = emu.world.accounts.get(FN_MGMT)!.roles.find((r) => r.name === EVENT_ROUTE_ROLE)!;
  receiver.trustedServices = receiver.trustedServices.filter((x) => !x.startsWith(B));
  // Remediation: RD listing, own account and members inline; a full-destination baseline with drift; fan-out to itself with reports.
  const rem = envOf('remediation');
  await flow('remediation', () => invokeRemediation(emu, logger, rem, 'timer-1', { selfAccountKnown: false }));
  const inline = (prefix: string) => ({ ...rem, TRAIL_BASELINE_OSS: '', TRAIL_BASELINE: JSON.stringify([fullSpec(FN_MGMT, 'remediate-full', prefix)]), TRAIL_ACCOUNTS: FN_MGMT });
  await flow('remediation', () => invokeRemediation(emu, logger, inline('first-prefix'), 'timer-2'));
  await flow('remediation', () => invokeRemediation(emu, logger, inline('second-prefix'), 'timer-3'));
  await flow('remediation', () => invokeRemediation(emu, logger, { ...rem, TRAIL_FANOUT_THRESHOLD: '1', TRAIL_FANOUT_BATCH: '2' }, 'timer-4'));
  // Tamper: the baseline trail deleted in the management account, stopped and weakened in members;
  // the function runs as an EventBridge target (its calls only are recorded, not the tamperer's).
  const tamperName = String(functionsOf(rendered).find(([n]) => n === 'tamper')![1]['functionName']);
  const tamper = createTamper({ env: functionsEnv(emu, envOf('tamper')), logger });
  emu.registerFunction(FN_MGMT, FN_REGION, tamperName, (event, ctx) => tamper(event, ctx));
  emu.world.functions.find((f) => f.name === tamperName)!.roleArn = `acs:ram::${FN_MGMT}:role/${WORKER}`;
  // The rule the tamper trigger deploys on the management account's default bus (its s.yaml pattern);
  // the members' events reach that bus over the routes vending and the sweep made above.
  const trigger = (functionsOf(rendered).find(([n]) => n === 'tamper')![1]['triggers'] as Array<Record<string, any>>)[0]!;
  emu.world.eventRules.push(fcTriggerRule({ accountId: FN_MGMT, region: FN_REGION, functionName: tamperName, filterPattern: trigger['triggerConfig'].eventRuleFilterPattern, delayMs: 50 }));
  for (const id of FN_MEMBERS) emu.world.accessKeys.set(fnKey(id).accessKeyId, { ...fnKey(id), accountId: id });
  const tamperer = (id: string) => createCloud({ region: FN_REGION, accountId: id, credentials: staticCredentials(fnKey(id)), env: { TRAIL_EMULATOR_URL: emu.url } }).actiontrail;
  await tamperer(FN_MGMT).deleteTrail('baseline-trail');
  await flow('tamper', () => waitForEventDeliveries(emu.world));
  await tamperer(A).stopLogging('baseline-trail');
  await flow('tamper', () => waitForEventDeliveries(emu.world));
  for (const id of [B, FN_MGMT]) {
    await tamperer(id).updateTrail({ Name: 'baseline-trail', OssBucketName: 'flows-central-audit', OssKeyPrefix: 'baseline-logs', EventRW: 'Read' });
    await flow('tamper', () => waitForEventDeliveries(emu.world));
  }
  // Data event selectors: the baseline object now sets them; someone else's Put in the management
  // account and in a member is undone (GetDataEventSelector, PutDataEventSelector, read back).
  const baselineObject = emu.world.accounts.get(FN_MGMT)!.buckets.find((b) => b.name === 'flows-config')!.objects!.find((o) => o.key === 'baseline.json')!;
  const selectors = [{ ServiceName: 'Oss', ReadWriteType: 'All' as const }];
  baselineObject.bodyBase64 = Buffer.from(JSON.stringify([{ ...BASELINE, DataEventSelectors: selectors }])).toString('base64');
  for (const id of [FN_MGMT, A]) {
    await tamperer(id).putDataEventSelector('baseline-trail', { EventSelectors: '[]', IsTrailAllRegion: true });
    await flow('tamper', () => waitForEventDeliveries(emu.world));
    expect(JSON.parse(emu.world.accounts.get(id)!.trails.find((t) => t.Name === 'baseline-trail')!.DataEventSelectors!)).toEqual(selectors);
  }
  emu.world.eventRules.splice(emu.world.eventRules.findIndex((r) => r.accountId === FN_MGMT), 1);
}, 120_000);
afterAll(async () => {
  await emu?.close();
});

const readmeActions = (): Set<string> => {
  const text = readFileSync(path.resolve(__dirname, '../policies/README.md'), 'utf8');
  const section = text.split(/^## Actions the tests do not reach$/m)[1] ?? '';
  return new Set([...section.matchAll(/^- `([a-z]+:[A-Za-z]+)`/gm)].map((m) => m[1]!));
};

describe('RAM policies against the calls each function makes', () => {
  it('policies/*.json are exactly the policies generated from the names s.yaml renders', () => {
    for (const [file, doc] of Object.entries(generatePolicies(rendered))) {
      expect(readFileSync(path.resolve(__dirname, `../policies/${file}.json`), 'utf8'), `policies/${file}.json`).toBe(formatPolicy(doc));
    }
  });

  it('the flows run as the deployment s.yaml describes (names from the rendering)', () => {
    const remediation = functionsOf(rendered).find(([n]) => n === 'remediation')![1];
    expect(remediation['functionName']).toBe(WORKER);
    expect(remediation['environmentVariables'].TRAIL_WORKER_FUNCTION).toBe(WORKER);
    expect(remediation['region']).toBe(FN_REGION);
    expect(envOf('vending')['TRAIL_MEMBER_ROLE']).toBe('ResourceDirectoryAccountAccessRole');
  });

  it('the flows really ran (trails logging in the management account and both members, worker invoked, reports written)', () => {
    for (const id of [FN_MGMT, ...FN_MEMBERS]) expect(emu.world.accounts.get(id)!.trails.filter((t) => t.Status === 'Enable').length).toBeGreaterThan(0);
    expect(emu.world.asyncInvocations.filter((a) => a.functionName === WORKER).map((a) => a.status)).toContain('Succeeded');
    expect(emu.world.calls.filter((c) => c.status >= 500 || (c.code === 'AccessDenied' && c.service !== 'oss'))).toEqual([]);
    expect([...(exercised.get('remediation')?.keys() ?? [])]).toEqual(expect.arrayContaining(['oss:PutObject', 'oss:ListObjects']));
  });

  it("every call is allowed by its principal's policy", () => {
    expect(problems).toEqual([]);
  });

  it.each([...FUNCTIONS, 'member-role' as const])('%s: every statement is used by some call or documented, and "*" only where RAM has no resource level', (name) => {
    const doc = policies[name]!;
    const documented = readmeActions();
    const used = exercised.get(name) ?? new Map<string, string[]>();
    for (const s of doc.Statement) {
      expect(s.Effect).toBe('Allow');
      expect(s.Resource.length, `${name}: ${s.Action.join()} has no resource`).toBeGreaterThan(0);
      for (const r of s.Resource) if (r === '*') expect(s.Action.every((a) => NO_RESOURCE_LEVEL.has(a)), `${name}: ${s.Action.join()} on "*"`).toBe(true);
      for (const a of s.Action) {
        expect(a).toMatch(/^[a-z]+:[A-Z][A-Za-z]+$/);
        if (documented.has(a)) continue;
        const calls = used.get(a) ?? [];
        expect(calls.length, `${name}: ${a} is neither exercised nor documented`).toBeGreaterThan(0);
        for (const r of s.Resource) expect(calls.some((c) => wildcard(r, c)), `${name}: ${a} on ${r} is never used`).toBe(true);
      }
    }
  });

  it('each function gets exactly what its code path calls (the exercised sets)', () => {
    const actions = (p: Principal) => [...(exercised.get(p)?.keys() ?? [])].sort();
    expect(actions('vending')).toEqual(['oss:GetObject', 'ram:GetRole', 'ram:UpdateRole', 'resourcemanager:GetAccount', 'sts:AssumeRole']);
    expect(actions('selfservice')).toEqual(
      [
        'actiontrail:CreateTrail', 'actiontrail:DescribeTrails', 'actiontrail:GetTrailStatus', 'actiontrail:StartLogging', 'actiontrail:UpdateTrail',
        'log:GetProject', 'odps:GetProject', 'oss:GetBucketInfo', 'oss:GetObject', 'ram:GetRole', 'sts:AssumeRole',
      ].sort(),
    );
    expect(actions('remediation')).toEqual(
      [
        'actiontrail:CreateTrail', 'actiontrail:DescribeTrails', 'actiontrail:GetTrailStatus', 'actiontrail:StartLogging', 'actiontrail:UpdateTrail',
        'fc:InvokeFunction', 'log:GetProject', 'odps:GetProject', 'oss:GetBucketInfo', 'oss:GetObject', 'oss:ListObjects', 'oss:PutObject', 'ram:GetRole', 'ram:UpdateRole', 'resourcemanager:GetAccount', 'resourcemanager:ListAccounts', 'sts:AssumeRole',
      ].sort(),
    );
    expect(actions('tamper')).toEqual(
      [
        'actiontrail:CreateTrail', 'actiontrail:DescribeTrails', 'actiontrail:GetDataEventSelector', 'actiontrail:GetTrailStatus', 'actiontrail:PutDataEventSelector', 'actiontrail:StartLogging', 'actiontrail:UpdateTrail',
        'oss:GetBucketInfo', 'oss:GetObject', 'sts:AssumeRole',
      ].sort(),
    );
    expect(actions('member-role')).toEqual(expect.arrayContaining(['actiontrail:GetDataEventSelector', 'actiontrail:PutDataEventSelector']));
    const restored = emu.world.eventDeliveries.flatMap((d) => (d.result as { outcomes?: Array<{ action: string }> } | undefined)?.outcomes ?? []).filter((o) => o.action === 'restored');
    expect(restored).toHaveLength(6);
    // Member accounts only ever see trail management, destination reads and the event route's rule.
    for (const a of actions('member-role')) expect(a).toMatch(/^(actiontrail|oss|log|odps|ram|eventbridge):/);
    expect(actions('member-role').filter((a) => a.startsWith('eventbridge:'))).toEqual(['eventbridge:CreateRule', 'eventbridge:DeleteTargets', 'eventbridge:GetRule', 'eventbridge:PutTargets', 'eventbridge:UpdateRule']);
    // Every member's tamper event reached the function over its route (bus → bus → function).
    const routed = emu.world.eventDeliveries.filter((d) => d.targetType === 'acs.eventbridge' && d.status === 'Succeeded').map((d) => d.sourceAccountId);
    expect(new Set(routed)).toEqual(new Set(FN_MEMBERS));
  });

  it('the default deployment grants the self-service role no AssumeRole (TRAIL_HTTP_ACCOUNTS=none) and FC what it needs', () => {
    const files = generatePolicies(rendered);
    expect(files['selfservice']!.Statement.flatMap((s) => s.Action)).not.toContain('sts:AssumeRole');
    for (const fn of FUNCTIONS) expect(allows(files[fn]!, 'log:PostLogStoreLogs', `acs:log:${FN_REGION}:${FN_MGMT}:project/trail-provisioner-logs/logstore/functions`), fn).toBe(true);
    for (const fn of ['vending', 'remediation']) expect(allows(files[fn]!, 'mns:SendMessage', `acs:mns:${FN_REGION}:${FN_MGMT}:/queues/trail-provisioner-failures/messages`), fn).toBe(true);
    expect(allows(files['selfservice']!, 'mns:SendMessage', `acs:mns:${FN_REGION}:${FN_MGMT}:/queues/trail-provisioner-failures/messages`)).toBe(false);
  });

  it('a policy missing an action or naming another resource is caught (the checker is not vacuous)', () => {
    const doc = policies['vending']!;
    expect(allows(doc, 'sts:AssumeRole', `acs:ram::${FN_MEMBERS[0]}:role/resourcedirectoryaccountaccessrole`)).toBe(true);
    expect(allows(doc, 'sts:AssumeRole', `acs:ram::${FN_MEMBERS[0]}:role/administrator`)).toBe(false);
    expect(allows(doc, 'actiontrail:CreateTrail', `acs:actiontrail:${FN_REGION}:${FN_MGMT}:trail/x`)).toBe(false);
    expect(allows(policies['remediation']!, 'fc:InvokeFunction', `acs:fc:${FN_REGION}:${FN_MGMT}:functions/trail-remediation`)).toBe(false);
    expect(allows(policies['remediation']!, 'ram:PassRole', `acs:ram::${FN_MGMT}:role/administrator`)).toBe(false);
    expect(allows(policies['remediation']!, 'oss:PutObject', `acs:oss:*:${FN_MGMT}:flows-config/baseline.json`)).toBe(false);
  });
});
