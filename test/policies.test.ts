/**
 * Least privilege: each function's RAM policy allows exactly what its code path calls.
 *
 * Runs every flow of each function against the emulator, reads emu.world.calls, maps each call
 * to its RAM action (and, where the call identifies it, the resource ARN) and checks it against
 * the policy of the principal that made it: calls in the management account are the function
 * role's; calls in member accounts are the member access role's (policies/member-role.json).
 * Then the converse: every action a policy lists is exercised by some flow, or documented in
 * policies/README.md as needed on a path the emulator does not reach; and no "*" action anywhere.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import type { CallLogEntry } from '../emulator/state';
import { createLogger } from '../shared/platform/log';
import { createCloud } from '../shared/cloud';
import { staticCredentials } from '../shared/cloud/credentials';
import { createHandler as createTamper } from '../functions/tamper';
import { waitForEventDeliveries } from '../emulator/services/eventbridge';
import { FN_MEMBERS, FN_MGMT, FN_REGION, WORKER, fnKey, fullSpec, functionsEnv, functionsSeed, invokeHttp, invokeRemediation, invokeVending } from './helpers/functions-world';

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
}
interface PolicyDoc {
  Version: string;
  Statement: Statement[];
}

const policyDir = path.resolve(__dirname, '../policies');
const load = (name: string) => JSON.parse(readFileSync(path.join(policyDir, `${name}.json`), 'utf8')) as PolicyDoc;
const FUNCTIONS = ['vending', 'selfservice', 'remediation', 'tamper'] as const;
type Principal = (typeof FUNCTIONS)[number] | 'member-role';

/** RAM wildcard match: "*" any run, "?" one character; case-sensitive as RAM is on ARNs. */
function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value);
}

function allows(doc: PolicyDoc, action: string, resource: string): boolean {
  const hit = (s: Statement) => s.Action.some((a) => wildcard(a, action)) && s.Resource.some((r) => wildcard(r, resource));
  return doc.Statement.some((s) => s.Effect === 'Allow' && hit(s)) && !doc.Statement.some((s) => s.Effect === 'Deny' && hit(s));
}

/** Call log entry → RAM action and the resource it is authorised on (as precise as the log allows). */
function ramAction(c: CallLogEntry): { action: string; resource: string } | undefined {
  const acct = c.accountId ?? '*';
  switch (c.service) {
    case 'actiontrail':
      return { action: `actiontrail:${c.action}`, resource: `acs:actiontrail:${FN_REGION}:${acct}:trail/x` };
    case 'ram':
      return { action: `ram:${c.action}`, resource: `acs:ram::${acct}:role/actiontrail-writer` };
    case 'sts':
      if (c.action === 'GetCallerIdentity') return undefined; // no grant needed (policies/README.md)
      return { action: `sts:${c.action}`, resource: `acs:ram::${FN_MEMBERS[0]}:role/resourcedirectoryaccountaccessrole` };
    case 'resourcemanager':
      return { action: `resourcemanager:${c.action}`, resource: '*' };
    case 'fc':
      return { action: `fc:${c.action}`, resource: `acs:fc:${FN_REGION}:${acct}:functions/${WORKER}` };
    case 'maxcompute':
      return { action: `odps:${c.action}`, resource: `acs:odps:${FN_REGION}:${acct}:projects/x` };
    case 'sls':
      if (c.action === 'GET /') return { action: 'log:GetProject', resource: `acs:log:${FN_REGION}:${acct}:project/x` };
      return { action: `log:${c.action}`, resource: '?' };
    case 'oss':
      if (c.action === 'GET /') return { action: 'oss:GetBucketInfo', resource: `acs:oss:*:${acct}:bucket` };
      if (/^GET \/.+/.test(c.action)) return { action: 'oss:GetObject', resource: `acs:oss:*:${acct}:bucket/${c.action.slice(5)}` };
      return { action: `oss:${c.action}`, resource: '?' };
    default:
      return { action: `${c.service}:${c.action}`, resource: '?' };
  }
}

let emu: Emulator;
const logger = createLogger({}, { write: () => {} });
/** Which principal made which RAM actions, across every flow. */
const exercised = new Map<Principal, Map<string, string[]>>();
const problems: string[] = [];

function record(fn: (typeof FUNCTIONS)[number], calls: CallLogEntry[]) {
  for (const c of calls) {
    const mapped = ramAction(c);
    if (!mapped) continue;
    const principal: Principal = c.accountId === FN_MGMT ? fn : 'member-role';
    const byAction = exercised.get(principal) ?? new Map<string, string[]>();
    exercised.set(principal, byAction);
    byAction.set(mapped.action, [...(byAction.get(mapped.action) ?? []), mapped.resource]);
    if (!allows(load(principal), mapped.action, mapped.resource)) problems.push(`${principal} (${fn} flow) lacks ${mapped.action} on ${mapped.resource}`);
  }
}

async function flow(fn: (typeof FUNCTIONS)[number], run: () => Promise<unknown>) {
  const from = emu.world.calls.length;
  await run();
  // Async FC invocations (the fan-out worker) finish in the background: wait for them.
  for (let i = 0; i < 200 && emu.world.asyncInvocations.some((a) => a.status === 'Running'); i++) await new Promise((r) => setTimeout(r, 25));
  record(fn, emu.world.calls.slice(from));
}

beforeAll(async () => {
  emu = await createEmulator({ seed: functionsSeed() });
  const [A, B] = FN_MEMBERS as [string, string];
  // Vending: explicit specs with every destination and write role, then the OSS baseline.
  await flow('vending', () => invokeVending(emu, logger, A, [fullSpec(A, 'vended-full')]));
  await flow('vending', () => invokeVending(emu, logger, A, [fullSpec(A, 'vended-full', 'changed-prefix')]));
  await flow('vending', () => invokeVending(emu, logger, B));
  // Self-service: every route in its own account (create, drift → update, stop → start), and a member account.
  await flow('selfservice', async () => {
    await invokeHttp(emu, logger, { method: 'POST', path: '/trails', body: fullSpec(FN_MGMT, 'self-full') });
    await invokeHttp(emu, logger, { method: 'POST', path: '/trails', body: fullSpec(FN_MGMT, 'self-full', 'changed-prefix') });
    await invokeHttp(emu, logger, { path: '/trails' });
    await invokeHttp(emu, logger, { path: '/trails/self-full' });
    await invokeHttp(emu, logger, { method: 'POST', path: '/trails/self-full/logging' });
    await invokeHttp(emu, logger, { method: 'POST', path: '/trails', body: fullSpec(B, 'self-member'), accountId: B });
  });
  // Remediation: RD listing, own account and members inline; a full-destination baseline with drift; fan-out to the worker.
  await flow('remediation', () => invokeRemediation(emu, logger, {}, 'timer-1', { selfAccountKnown: false }));
  const inline = (prefix: string) => ({ TRAIL_BASELINE_OSS: '', TRAIL_BASELINE: JSON.stringify([fullSpec(FN_MGMT, 'remediate-full', prefix)]), TRAIL_ACCOUNTS: FN_MGMT });
  await flow('remediation', () => invokeRemediation(emu, logger, inline('first-prefix'), 'timer-2'));
  await flow('remediation', () => invokeRemediation(emu, logger, inline('second-prefix'), 'timer-3'));
  await flow('remediation', () => invokeRemediation(emu, logger, { TRAIL_FANOUT_THRESHOLD: '1', TRAIL_FANOUT_BATCH: '2' }, 'timer-4'));
  // Tamper: the baseline trail deleted in the management account, stopped and weakened in members;
  // the function runs as an EventBridge target (its calls only are recorded, not the tamperer's).
  const tamper = createTamper({ env: functionsEnv(emu), logger });
  emu.registerFunction(FN_MGMT, FN_REGION, 'trail-tamper', (event, ctx) => tamper(event, ctx));
  emu.world.functions.find((f) => f.name === 'trail-tamper')!.roleArn = `acs:ram::${FN_MGMT}:role/trail-provisioner-fc`;
  emu.world.eventRules.push({ sourceAccounts: '*', eventNames: ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'CreateTrail'], target: { accountId: FN_MGMT, region: FN_REGION, functionName: 'trail-tamper' }, delayMs: 50 });
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
  emu.world.eventRules.splice(0);
}, 60_000);
afterAll(async () => {
  await emu.close();
});

const readmeActions = (): Set<string> => {
  const text = readFileSync(path.join(policyDir, 'README.md'), 'utf8');
  const section = text.split(/^## Actions the tests do not reach$/m)[1] ?? '';
  return new Set([...section.matchAll(/^- `([a-z]+:[A-Za-z]+)`/gm)].map((m) => m[1]!));
};

describe('RAM policies against the calls each function makes', () => {
  it('the flows really ran (trails logging in the management account and both members, worker invoked)', () => {
    for (const id of [FN_MGMT, ...FN_MEMBERS]) expect(emu.world.accounts.get(id)!.trails.filter((t) => t.Status === 'Enable').length).toBeGreaterThan(0);
    expect(emu.world.asyncInvocations.filter((a) => a.functionName === WORKER).map((a) => a.status)).toContain('Succeeded');
    expect(emu.world.calls.filter((c) => c.status >= 500 || c.code === 'AccessDenied' && c.service !== 'oss')).toEqual([]);
  });

  it("every call is allowed by its principal's policy", () => {
    expect(problems).toEqual([]);
  });

  it.each([...FUNCTIONS, 'member-role' as const])('%s: no "*" action, and every listed action is exercised or documented', (name) => {
    const doc = load(name);
    expect(doc.Version).toBe('1');
    const documented = readmeActions();
    const used = exercised.get(name) ?? new Map();
    for (const s of doc.Statement) {
      expect(s.Effect).toBe('Allow');
      expect(s.Resource.length).toBeGreaterThan(0);
      for (const a of s.Action) {
        expect(a).toMatch(/^[a-z]+:[A-Z][A-Za-z]+$/);
        expect(used.has(a) || documented.has(a), `${name}: ${a} is neither exercised nor documented`).toBe(true);
      }
    }
  });

  it('each function gets exactly what its code path calls (the exercised sets)', () => {
    const actions = (p: Principal) => [...(exercised.get(p)?.keys() ?? [])].sort();
    expect(actions('vending')).toEqual(['oss:GetObject', 'sts:AssumeRole']);
    expect(actions('selfservice')).toEqual(
      [
        'actiontrail:CreateTrail', 'actiontrail:DescribeTrails', 'actiontrail:GetTrailStatus', 'actiontrail:StartLogging', 'actiontrail:UpdateTrail',
        'log:GetProject', 'odps:GetProject', 'oss:GetBucketInfo', 'ram:GetRole', 'sts:AssumeRole',
      ].sort(),
    );
    expect(actions('remediation')).toEqual(
      [
        'actiontrail:CreateTrail', 'actiontrail:DescribeTrails', 'actiontrail:GetTrailStatus', 'actiontrail:StartLogging', 'actiontrail:UpdateTrail',
        'fc:InvokeFunction', 'log:GetProject', 'odps:GetProject', 'oss:GetBucketInfo', 'oss:GetObject', 'ram:GetRole', 'resourcemanager:ListAccounts', 'sts:AssumeRole',
      ].sort(),
    );
    expect(actions('tamper')).toEqual(
      ['actiontrail:CreateTrail', 'actiontrail:DescribeTrails', 'actiontrail:GetTrailStatus', 'actiontrail:StartLogging', 'actiontrail:UpdateTrail', 'oss:GetBucketInfo', 'oss:GetObject', 'sts:AssumeRole'].sort(),
    );
    const restored = emu.world.eventDeliveries.flatMap((d) => (d.result as { outcomes?: Array<{ action: string }> } | undefined)?.outcomes ?? []).filter((o) => o.action === 'restored');
    expect(restored).toHaveLength(4);
    // Member accounts only ever see trail management and destination reads.
    for (const a of actions('member-role')) expect(a).toMatch(/^(actiontrail|oss|log|odps|ram):/);
  });

  it('a policy missing an action is caught (the checker is not vacuous)', () => {
    const doc = load('vending');
    expect(allows(doc, 'sts:AssumeRole', `acs:ram::${FN_MEMBERS[0]}:role/resourcedirectoryaccountaccessrole`)).toBe(true);
    expect(allows(doc, 'sts:AssumeRole', `acs:ram::${FN_MEMBERS[0]}:role/administrator`)).toBe(false);
    expect(allows(doc, 'actiontrail:CreateTrail', `acs:actiontrail:${FN_REGION}:${FN_MGMT}:trail/x`)).toBe(false);
    expect(allows(load('remediation'), 'fc:InvokeFunction', `acs:fc:${FN_REGION}:${FN_MGMT}:functions/other-function`)).toBe(false);
  });
});
