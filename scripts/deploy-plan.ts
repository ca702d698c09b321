/**
 * What `s deploy` would do with s.yaml, checked before it does it (`npm run deploy:check`,
 * scripts/deploy-check.ts; test/deploy-config.test.ts and test/policies.test.ts).
 *
 * - render: s.yaml as the real Serverless Devs CLI renders it (`s preview`, offline: it resolves
 *   ${vars.*}, ${env(...)} and ${config('AccountID')} without calling the cloud or downloading the
 *   fc3 component).
 * - checkSchema: every fc3 resource's props against the fc3 component's own schema
 *   (test/fixtures/fc3-schema.json, vendored from devsapp/fc3 src/schema.json), as `s verify`
 *   validates them; then strictly per trigger type, because fc3's schema accepts any object as a
 *   trigger config (its anyOf includes IOtsConfig, `{type: object}`): each triggerConfig against the
 *   definition its triggerType names, with no property that definition does not declare.
 * - generatePolicies: the RAM policy of each function's own role (and of the member role), made
 *   from the names the rendering holds (function names, TRAIL_WORKER_FUNCTION, log project and
 *   store, failure queue, member role, the write roles the baseline names, baseline and report OSS
 *   objects). policies/*.json are this function's output for the default s.yaml; checkDeployment
 *   says when they differ.
 * - checkDeployment: all of the above plus the cross-checks a deploy cannot make (one role per
 *   function, fan-out to itself, EventBridge patterns the vending code accepts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { loadConfig, type Config } from '../shared/platform/config';
import { cisChecksEnabled, loadTamperConfig, tamperEventPattern } from '../shared/platform/tamper-config';
import { loadEventRouteConfig, type EventRouteConfig } from '../shared/platform/event-route';
import { TAMPER_EVENT_NAMES } from '../shared/triggers/tamper';
import { ACCOUNT_VENDED_TYPE, RD_ACCOUNT_CREATED_EVENTS, RD_API_CALL_TYPES } from '../functions/vending/event';

export const ROOT = path.resolve(__dirname, '..');
export const FC3_SCHEMA_FILE = path.join(ROOT, 'test', 'fixtures', 'fc3-schema.json');

export type Props = Record<string, any>;
export interface Template {
  edition: string;
  name: string;
  vars: Record<string, any>;
  actions?: Record<string, { run?: string; path?: string }[]>;
  resources: Record<string, { component: string; props: Props }>;
}

export interface RenderOptions {
  /** s.yaml to render (default <root>/s.yaml). */
  file?: string;
  /**
   * Render for this account id without any credentials: a throw-away HOME and a fake access key in
   * the environment (`s preview` calls no cloud API). Without it, `s preview` uses the caller's
   * access (`s config add`, or AccessKeyID/AccessKeySecret/AccountID in the environment).
   */
  accountId?: string;
  /** Environment for ${env(...)} (default process.env; with accountId, only its TRAIL_* entries). */
  env?: NodeJS.ProcessEnv;
}

/** s.yaml as `s preview` renders it. Throws with s's own message when it cannot. */
export function render(opts: RenderOptions = {}): Template {
  const file = opts.file ?? path.join(ROOT, 's.yaml');
  const sBin = path.join(ROOT, 'node_modules', '@serverless-devs', 's', 'bin', 's');
  const source = opts.env ?? process.env;
  let home: string | undefined;
  let env: NodeJS.ProcessEnv = source;
  if (opts.accountId) {
    home = mkdtempSync(path.join(os.tmpdir(), 's-home-'));
    const trail = Object.fromEntries(Object.entries(source).filter(([k]) => k.startsWith('TRAIL_')));
    env = { PATH: process.env['PATH'], HOME: home, USERPROFILE: home, AccessKeyID: 'LTAI5tOfflinePreviewOnly', AccessKeySecret: 'offline-preview-only-0000000000', AccountID: opts.accountId, ...trail };
  }
  try {
    const result = spawnSync(process.execPath, [sBin, 'preview', '-t', file, '-o', 'json', '--silent'], { cwd: path.dirname(file), encoding: 'utf8', timeout: 60_000, env });
    if (result.status !== 0) throw new Error(`s preview failed: ${(result.stderr || result.stdout || String(result.error)).trim()}`);
    return JSON.parse(result.stdout) as Template;
  } finally {
    if (home) rmSync(home, { recursive: true, force: true });
  }
}

/** The fc3 resources of a template: resource name → props. */
export function functionsOf(t: Template): [string, Props][] {
  return Object.entries(t.resources)
    .filter(([, r]) => r.component === 'fc3')
    .map(([name, r]) => [name, r.props]);
}

// ---------------------------------------------------------------------------------------------
// Schema

/** The definition of fc3's schema each trigger type's config must match. */
export const TRIGGER_DEFINITIONS: Record<string, string> = {
  eventbridge: 'IEventBridge',
  http: 'IHttpTriggerConfig',
  timer: 'ITimerTriggerConfig',
  oss: 'IOssTriggerConfig',
  log: 'ILogTriggerConfig',
  mns_topic: 'IMnsTriggerConfig',
  cdn_events: 'ICdnTriggerConfig',
  tablestore: 'IOtsConfig',
};

let compiled: { props: (data: unknown) => boolean; triggers: Record<string, (data: unknown) => boolean>; ajv: Ajv } | undefined;

function validators() {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(FC3_SCHEMA_FILE, 'utf8')) as { definitions: Record<string, Record<string, unknown>> };
  // strict off: fc3's schema uses annotation keywords (default) and shapes ajv's strict mode rejects.
  const ajv = new Ajv({ allErrors: true, strict: false });
  const props = ajv.compile(schema);
  const triggers: Record<string, (data: unknown) => boolean> = {};
  for (const [type, def] of Object.entries(TRIGGER_DEFINITIONS)) {
    const definition = schema.definitions[def];
    if (!definition) throw new Error(`fc3 schema has no definition ${def} for trigger type ${type}`);
    // Strict: the named definition only, and no property it does not declare (typos, fields of another type).
    triggers[type] = ajv.compile({ definitions: schema.definitions, ...definition, additionalProperties: false });
  }
  compiled = { props, triggers, ajv };
  return compiled;
}

/** Problems of the rendered template under fc3's schema ("<resource>: <pointer> <message>"); [] when clean. */
export function checkSchema(t: Template): string[] {
  const v = validators();
  const problems: string[] = [];
  for (const [name, props] of functionsOf(t)) {
    if (!v.props(props)) {
      for (const e of (v.props as unknown as { errors: { instancePath: string; message?: string; params: unknown }[] }).errors) {
        problems.push(`${name}: ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)} (fc3 schema)`);
      }
    }
    (props['triggers'] ?? []).forEach((trigger: Props, i: number) => {
      const check = v.triggers[String(trigger['triggerType'])];
      const at = `${name}: /triggers/${i}/triggerConfig (${String(trigger['triggerName'])}, ${String(trigger['triggerType'])})`;
      if (!check) {
        problems.push(`${at}: unknown trigger type`);
        return;
      }
      if (!check(trigger['triggerConfig'])) {
        for (const e of (check as unknown as { errors: { instancePath: string; message?: string; params: unknown }[] }).errors) {
          problems.push(`${at}${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)} (${TRIGGER_DEFINITIONS[String(trigger['triggerType'])]}, strict)`);
        }
      }
    });
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Policies

export interface Statement {
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string>>;
}
export interface PolicyDoc {
  Version: '1';
  Statement: Statement[];
}

/**
 * What each function does in its own (management) account besides what its environment says. A new
 * function adds its row; checkDeployment refuses a function without one.
 *   trails: creates, updates, starts and verifies trails there (with destination checks and PassRole).
 *   members: always works in member accounts through the member role (others: per their env).
 *   vends: acts on accounts named by events, checked for Resource Directory membership (TRAIL_VENDING_ACCOUNTS=rd).
 */
export const FUNCTION_DUTIES: Record<string, { trails: boolean; members: boolean; vends?: boolean }> = {
  vending: { trails: false, members: true, vends: true },
  selfservice: { trails: true, members: false },
  remediation: { trails: true, members: true },
  tamper: { trails: true, members: true },
};

/** Actions that take no resource-level authorization (RAM doc: "All Resources"), so "*" is their only resource. */
export const NO_RESOURCE_LEVEL = new Set([
  'resourcemanager:ListAccounts',
  // Unverified: taken to authorize like ListAccounts (the directory as a whole); docs/deploy.md lists it.
  'resourcemanager:GetAccount',
  // Scoped by its ram:ServiceName condition instead, as the system policy AliyunActionTrailFullAccess does.
  'ram:CreateServiceLinkedRole',
]);

const TRAIL_ACTIONS = [
  'actiontrail:DescribeTrails',
  'actiontrail:CreateTrail',
  'actiontrail:UpdateTrail',
  'actiontrail:StartLogging',
  'actiontrail:GetTrailStatus',
  // A spec's DataEventSelectors (not a CreateTrail parameter) are read and set after the trail exists.
  'actiontrail:GetDataEventSelector',
  'actiontrail:PutDataEventSelector',
];

/** The role names a template's baseline specs name as *WriteRoleArn, plus vars.writeRole. */
export function writeRolesOf(t: Template): string[] {
  const names = new Set<string>();
  if (typeof t.vars['writeRole'] === 'string') names.add(t.vars['writeRole']);
  for (const [, props] of functionsOf(t)) {
    const raw = props['environmentVariables']?.['TRAIL_BASELINE'];
    if (typeof raw !== 'string') continue;
    for (const spec of JSON.parse(raw) as Record<string, unknown>[]) {
      for (const key of ['OssWriteRoleArn', 'SlsWriteRoleArn', 'MaxComputeWriteRoleArn']) {
        const arn = spec[key];
        if (typeof arn === 'string') names.add(arn.replace(/^acs:ram::\d*:role\//, ''));
      }
    }
  }
  return [...names].sort();
}

const roleArn = (name: string) => `acs:ram::*:role/${name.toLowerCase()}`;

function trailStatements(writeRoles: string[]): Statement[] {
  return [
    { Effect: 'Allow', Action: TRAIL_ACTIONS, Resource: ['acs:actiontrail:*:*:trail/*'] },
    // Destinations are named by the specs (any bucket / project): checked read-only.
    { Effect: 'Allow', Action: ['oss:GetBucketInfo', 'oss:GetBucketLocation'], Resource: ['acs:oss:*:*:*'] },
    { Effect: 'Allow', Action: ['log:GetProject'], Resource: ['acs:log:*:*:project/*'] },
    { Effect: 'Allow', Action: ['odps:GetProject'], Resource: ['acs:odps:*:*:projects/*'] },
    // Only the write roles the deployment names may be checked and handed to ActionTrail.
    { Effect: 'Allow', Action: ['ram:GetRole', 'ram:PassRole'], Resource: writeRoles.map(roleArn) },
    // A spec may name ActionTrail's service-linked role (or no write role): in a new account ActionTrail
    // creates it on CreateTrail, with the caller's permission (policies/README.md).
    { Effect: 'Allow', Action: ['ram:CreateServiceLinkedRole'], Resource: ['*'], Condition: { StringEquals: { 'ram:ServiceName': 'actiontrail.aliyuncs.com' } } },
  ];
}

/** The policy of one function's own role, from its rendered props. */
export function functionPolicy(name: string, props: Props, writeRoles: string[]): PolicyDoc {
  const duties = FUNCTION_DUTIES[name];
  if (!duties) throw new Error(`No policy rules for function resource "${name}": add its row to FUNCTION_DUTIES in scripts/deploy-plan.ts.`);
  const env = (props['environmentVariables'] ?? {}) as NodeJS.ProcessEnv;
  const config: Config = loadConfig(env);
  const region = String(props['region']);
  const s: Statement[] = [];
  if (duties.trails) s.push(...trailStatements(writeRoles));
  // An HTTP API reaches member accounts only when TRAIL_HTTP_ACCOUNTS opens them.
  const http = (props['triggers'] ?? []).some((tr: Props) => tr['triggerType'] === 'http');
  const members = duties.members || (http && config.http.accounts.kind !== 'none');
  if (members) s.push({ Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [roleArn(config.memberRole)] });
  // Resource Directory listing, for a function configured to sweep it (TRAIL_ACCOUNTS=rd).
  if (config.accounts.kind === 'rd' && env['TRAIL_ACCOUNTS'] !== undefined) s.push({ Effect: 'Allow', Action: ['resourcemanager:ListAccounts'], Resource: ['*'] });
  // Vending checks that an event's account is a member of the Resource Directory before acting on it.
  // And the member event route checks an account it cannot vouch for the same way before trusting its EventBridge.
  if ((duties.vends && config.vendingAccounts.kind === 'rd') || loadEventRouteConfig(env)) s.push({ Effect: 'Allow', Action: ['resourcemanager:GetAccount'], Resource: ['*'] });
  if (config.baseline.kind === 'oss') s.push({ Effect: 'Allow', Action: ['oss:GetObject'], Resource: [`acs:oss:*:*:${config.baseline.bucket}/${config.baseline.key}`] });
  if (config.policy.kind === 'oss') s.push({ Effect: 'Allow', Action: ['oss:GetObject'], Resource: [`acs:oss:*:*:${config.policy.bucket}/${config.policy.key}`] });
  // Tamper response's restore ledger (TRAIL_TAMPER_STATE_OSS) and remediation's CIS checks (TRAIL_CIS_CHECKS).
  const tamperState = loadTamperConfig(env).stateOss;
  if (tamperState) s.push({ Effect: 'Allow', Action: ['oss:GetObject', 'oss:PutObject'], Resource: [`acs:oss:*:*:${tamperState.bucket}/${tamperState.prefix ? `${tamperState.prefix}/` : ''}*`] });
  if (cisChecksEnabled(env)) {
    s.push({ Effect: 'Allow', Action: ['oss:GetBucketAcl', 'oss:GetBucketPolicy'], Resource: ['acs:oss:*:*:*'] });
    s.push({ Effect: 'Allow', Action: ['log:GetLogStore'], Resource: ['acs:log:*:*:project/*/logstore/*'] });
  }
  // The member event route of the tamper response (TRAIL_EVENT_ROUTE_ROLE): the receiver role only, read and its trust policy extended.
  const route = loadEventRouteConfig(env);
  if (route) s.push({ Effect: 'Allow', Action: ['ram:GetRole', 'ram:UpdateRole'], Resource: [roleArn(route.role)] });
  if (config.auditOss) s.push({ Effect: 'Allow', Action: ['oss:PutObject'], Resource: [`acs:oss:*:*:${config.auditOss.bucket}/${config.auditOss.prefix ? `${config.auditOss.prefix}/` : ''}*`] });
  if (config.reportOss) {
    // The HTTP API only reads the reports (GET /reports/latest, the console); remediation writes them.
    s.push({ Effect: 'Allow', Action: http ? ['oss:GetObject'] : ['oss:PutObject', 'oss:GetObject'], Resource: [`acs:oss:*:*:${config.reportOss.bucket}/${config.reportOss.prefix ? `${config.reportOss.prefix}/` : ''}*`] });
    s.push({ Effect: 'Allow', Action: ['oss:ListObjects'], Resource: [`acs:oss:*:*:${config.reportOss.bucket}`] });
  }
  if (env['TRAIL_WORKER_FUNCTION']) s.push({ Effect: 'Allow', Action: ['fc:InvokeFunction'], Resource: [`acs:fc:${region}:*:functions/${env['TRAIL_WORKER_FUNCTION']}`] });
  // What FC itself does with the function's role: write its logs, dead-letter failed async invocations.
  const log = props['logConfig'];
  if (log && typeof log === 'object') s.push({ Effect: 'Allow', Action: ['log:PostLogStoreLogs'], Resource: [`acs:log:${region}:*:project/${log.project}/logstore/${log.logstore}`] });
  const dest = props['asyncInvokeConfig']?.destinationConfig?.onFailure?.destination;
  if (typeof dest === 'string') {
    const mns = /^acs:mns:([^:]*):[^:]*:(\/queues\/[^/]+\/messages)$/.exec(dest);
    if (!mns) throw new Error(`${name}: failure destination ${dest} is not an MNS queue ARN; add its permission rule in scripts/deploy-plan.ts.`);
    s.push({ Effect: 'Allow', Action: ['mns:SendMessage'], Resource: [`acs:mns:${mns[1]}:*:${mns[2]}`] });
  }
  return { Version: '1', Statement: s };
}

/** EventBridge actions the member event route needs on its one rule (shared/platform/event-route.ts). */
export const EVENT_ROUTE_ACTIONS = ['eventbridge:GetRule', 'eventbridge:CreateRule', 'eventbridge:UpdateRule', 'eventbridge:PutTargets', 'eventbridge:DeleteTargets', 'eventbridge:EnableRule'];

/** loadEventRouteConfig, undefined when the environment is refused (loadConfig's own check reports it). */
function loadEventRouteConfigSafe(env: NodeJS.ProcessEnv): EventRouteConfig | undefined {
  try {
    return loadEventRouteConfig(env);
  } catch {
    return undefined;
  }
}

/** The member event route any function of the template is configured with (they share one). */
export function eventRouteOf(t: Template): EventRouteConfig | undefined {
  for (const [, props] of functionsOf(t)) {
    const route = loadEventRouteConfig((props['environmentVariables'] ?? {}) as NodeJS.ProcessEnv);
    if (route) return route;
  }
  return undefined;
}

/** The policy of the member role: everything ensureTrail does in a member account, and the member event route's rule. */
export function memberPolicy(writeRoles: string[], route?: EventRouteConfig): PolicyDoc {
  const s = trailStatements(writeRoles);
  // The rule on the member's default bus (RuleARN acs:eventbridge:<region>:<account>:eventbus/default/rule/<name>).
  if (route) {
    s.push({ Effect: 'Allow', Action: EVENT_ROUTE_ACTIONS, Resource: [`acs:eventbridge:*:*:eventbus/default/rule/${route.rule}`] });
    // EventBridge's service-linked role for ActionTrail events (CreateServiceLinkedRoleForProduct documents no RAM action of its own;
    // a service-linked role is made with the caller's ram:CreateServiceLinkedRole for that service, as for ActionTrail's).
    s.push({ Effect: 'Allow', Action: ['ram:CreateServiceLinkedRole'], Resource: ['*'], Condition: { StringEquals: { 'ram:ServiceName': 'source-actiontrail.eventbridge.aliyuncs.com' } } });
  }
  return { Version: '1', Statement: s };
}

/** Every generated policy: policies/<resource>.json for each function, and member-role.json. */
export function generatePolicies(t: Template): Record<string, PolicyDoc> {
  const writeRoles = writeRolesOf(t);
  const out: Record<string, PolicyDoc> = {};
  for (const [name, props] of functionsOf(t)) out[name] = functionPolicy(name, props, writeRoles);
  out['member-role'] = memberPolicy(writeRoles, eventRouteOf(t));
  return out;
}

export function formatPolicy(doc: PolicyDoc): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// Cross-checks and the plan

/** Exact-value EventBridge patterns only: does `pattern` match `event`? (Prefix, suffix, anything-but... are refused.) */
export function patternMatches(pattern: unknown, event: unknown): boolean {
  if (Array.isArray(pattern)) {
    for (const p of pattern) if (p !== null && typeof p === 'object') throw new Error(`pattern operator ${JSON.stringify(p)} is not supported by this check`);
    return pattern.some((p) => p === event);
  }
  if (pattern && typeof pattern === 'object') {
    if (!event || typeof event !== 'object') return false;
    return Object.entries(pattern).every(([k, p]) => patternMatches(p, (event as Record<string, unknown>)[k]));
  }
  throw new Error(`pattern leaf ${JSON.stringify(pattern)} must be an array of values`);
}

export interface Check {
  schema: string[];
  crossChecks: string[];
  /** policies/<file>.json that differ from what this rendering needs (file → generated text). */
  policyDiffs: Record<string, string>;
  policies: Record<string, PolicyDoc>;
  notes: string[];
}

/** Everything deploy:check checks; nothing in it calls the cloud. */
export function checkDeployment(t: Template, policyDir = path.join(ROOT, 'policies')): Check {
  const schema = checkSchema(t);
  const cross: string[] = [];
  const notes: string[] = [];
  const fns = functionsOf(t);
  const roles = (t.vars['roles'] ?? {}) as Record<string, string>;
  for (const [name, props] of fns) {
    if (!FUNCTION_DUTIES[name]) cross.push(`${name}: no policy rules (FUNCTION_DUTIES in scripts/deploy-plan.ts)`);
    if (props['role'] !== roles[name]) cross.push(`${name}: role ${String(props['role'])} is not vars.roles.${name} (${String(roles[name])})`);
    if (fns.some(([other, p]) => other !== name && p['role'] === props['role'])) cross.push(`${name}: shares its role ${String(props['role'])} with another function`);
    const env = (props['environmentVariables'] ?? {}) as Record<string, string>;
    try {
      loadConfig(env);
    } catch (err) {
      cross.push(`${name}: environment refused by shared/platform/config.ts: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (env['TRAIL_WORKER_FUNCTION'] && env['TRAIL_WORKER_FUNCTION'] !== props['functionName']) cross.push(`${name}: TRAIL_WORKER_FUNCTION ${env['TRAIL_WORKER_FUNCTION']} is not the function itself (${String(props['functionName'])})`);
    const ebTriggers = (props['triggers'] ?? []).filter((tr: Props) => tr['triggerType'] === 'eventbridge');
    for (const tr of ebTriggers) {
      let pattern: Record<string, unknown>;
      try {
        pattern = JSON.parse(String(tr['triggerConfig']?.eventRuleFilterPattern));
      } catch {
        cross.push(`${name}/${String(tr['triggerName'])}: eventRuleFilterPattern is not JSON`);
        continue;
      }
      const types = (pattern['type'] ?? []) as string[];
      if (name === 'tamper') {
        // The tamper function handles the types TRAIL_TAMPER_EVENT_TYPES names and the trail write calls it knows.
        const accepted = new Set(loadTamperConfig(env).eventTypes);
        const names = ((pattern['data'] as Record<string, unknown> | undefined)?.['eventName'] ?? []) as unknown[];
        if (types.length === 0 || types.some((x) => !accepted.has(x))) cross.push(`${name}/${String(tr['triggerName'])}: event types ${JSON.stringify(types)} are not the ones the tamper function handles (${[...accepted].join(', ')})`);
        // Either the shipped pattern (tamperEventPattern), or plain names the function handles, at most five (the rule models' limit per field).
        const shipped = JSON.stringify(names) === JSON.stringify(tamperEventPattern(types).data.eventName);
        const plain = names.length > 0 && names.length <= 5 && names.every((x) => typeof x === 'string' && TAMPER_EVENT_NAMES.has(x));
        if (!shipped && !plain) cross.push(`${name}/${String(tr['triggerName'])}: data.eventName ${JSON.stringify(names)} must be ${JSON.stringify(tamperEventPattern(types).data.eventName)}, or at most five of ${[...TAMPER_EVENT_NAMES].join(', ')}`);
      } else if (types.includes(ACCOUNT_VENDED_TYPE)) {
        if (JSON.stringify(pattern['source']) !== JSON.stringify([env['TRAIL_VENDING_SOURCE']])) cross.push(`${name}/${String(tr['triggerName'])}: source ${JSON.stringify(pattern['source'])} is not TRAIL_VENDING_SOURCE ${env['TRAIL_VENDING_SOURCE']}`);
      } else {
        const unknownTypes = types.filter((x) => !RD_API_CALL_TYPES.has(x));
        const names = ((pattern['data'] as Record<string, unknown> | undefined)?.['eventName'] ?? []) as string[];
        if (types.length === 0 || unknownTypes.length > 0) cross.push(`${name}/${String(tr['triggerName'])}: event types ${JSON.stringify(unknownTypes.length ? unknownTypes : types)} are not ones functions/vending/event.ts accepts (${[...RD_API_CALL_TYPES].join(', ')})`);
        if (names.length === 0 || names.some((x) => !RD_ACCOUNT_CREATED_EVENTS.has(x))) cross.push(`${name}/${String(tr['triggerName'])}: data.eventName ${JSON.stringify(names)} must list only ${[...RD_ACCOUNT_CREATED_EVENTS].join(', ')}`);
      }
    }
    if (ebTriggers.length > 1) {
      notes.push(
        `${name}: ${ebTriggers.length} EventBridge triggers. The fc3 component stops deploying triggers at the first unchanged EventBridge trigger ` +
          `(devsapp/fc3 src/subCommands/deploy/impl/trigger.ts, run()); after changing one, deploy it by name: npx s ${name} deploy --trigger <name>.`,
      );
    }
  }
  // The member event routes deliver to one bus; the tamper trigger must listen there, and every function that makes routes must agree.
  const routes = fns.map(([name, props]) => [name, loadEventRouteConfigSafe((props['environmentVariables'] ?? {}) as NodeJS.ProcessEnv)] as const).filter(([, r]) => r);
  const route = routes[0]?.[1];
  if (route) {
    for (const [name, r] of routes) if (JSON.stringify(r) !== JSON.stringify(route)) cross.push(`${name}: its TRAIL_EVENT_ROUTE_* settings differ from ${routes[0]![0]}'s (every function that makes member event routes must make the same route)`);
    const tamper = fns.find(([n]) => n === 'tamper')?.[1];
    const trigger = (tamper?.['triggers'] ?? []).find((tr: Props) => tr['triggerType'] === 'eventbridge');
    const bus = trigger?.['sourceArn'] ? /:eventbus\/([^/]+)/.exec(String(trigger['sourceArn']))?.[1] : 'default';
    if (!trigger) cross.push(`tamper: no EventBridge trigger, but TRAIL_EVENT_ROUTE_ROLE routes the members' tamper events to bus ${route.bus}`);
    else if (bus !== route.bus) cross.push(`tamper/${String(trigger['triggerName'])}: listens on the ${bus} bus, but the member event routes deliver to ${route.bus} (TRAIL_EVENT_ROUTE_BUS)`);
  }
  let policies: Record<string, PolicyDoc> = {};
  const diffs: Record<string, string> = {};
  try {
    policies = generatePolicies(t);
    for (const [file, doc] of Object.entries(policies)) {
      const p = path.join(policyDir, `${file}.json`);
      const text = formatPolicy(doc);
      if (!existsSync(p) || readFileSync(p, 'utf8') !== text) diffs[file] = text;
    }
  } catch (err) {
    cross.push(err instanceof Error ? err.message : String(err));
  }
  for (const [file, doc] of Object.entries(policies)) {
    for (const st of doc.Statement) {
      for (const r of st.Resource) if (r === '*' && !st.Action.every((a) => NO_RESOURCE_LEVEL.has(a))) cross.push(`${file}: ${st.Action.join(', ')} on "*"`);
      if (st.Resource.length === 0) cross.push(`${file}: ${st.Action.join(', ')} on no resource (the baseline names no write role?)`);
    }
  }
  return { schema, crossChecks: cross, policyDiffs: diffs, policies, notes };
}

/** What a deploy would create, one line each. */
export function describePlan(t: Template, policies: Record<string, PolicyDoc>): string[] {
  const lines: string[] = [];
  lines.push('Functions (FC 3.0):');
  for (const [name, p] of functionsOf(t)) lines.push(`  ${p['functionName']}  [${name}] ${p['runtime']}, ${p['memorySize']} MB, timeout ${p['timeout']} s, code ${p['code']}, region ${p['region']}`);
  lines.push('Roles (create before deploying; trust policies/trust-fc.json; attach the policy):');
  for (const [name, p] of functionsOf(t)) {
    const doc = policies[name];
    lines.push(`  ${p['role']}  policy policies/${name}.json: ${doc ? doc.Statement.flatMap((s) => s.Action).join(', ') : '(none)'}`);
  }
  lines.push(`  member role ${String(t.vars['memberRole'])} in each member account: policies/member-role.json`);
  lines.push('Triggers:');
  for (const [, p] of functionsOf(t)) {
    for (const tr of p['triggers'] ?? []) {
      const c = tr['triggerConfig'] ?? {};
      const detail = tr['triggerType'] === 'eventbridge' ? `${tr['sourceArn'] ? `rule ${tr['sourceArn']}` : 'default bus'}, ${c.asyncInvocationType ? 'async' : 'sync'}, pattern ${c.eventRuleFilterPattern}` : tr['triggerType'] === 'timer' ? `cron ${c.cronExpression} (UTC)` : tr['triggerType'] === 'http' ? `auth ${c.authType}, ${(c.methods ?? []).join('/')}` : '';
      lines.push(`  ${p['functionName']}/${tr['triggerName']}  ${tr['triggerType']}: ${detail}`);
    }
  }
  lines.push('Asynchronous invocation:');
  for (const [, p] of functionsOf(t)) {
    const a = p['asyncInvokeConfig'];
    if (a) lines.push(`  ${p['functionName']}  ${a.maxAsyncRetryAttempts} retries, events kept ${a.maxAsyncEventAgeInSeconds} s, on failure ${a.destinationConfig?.onFailure?.destination}`);
  }
  return lines;
}
