/**
 * EventBridge (API 2020-04-01, POP RPC on eventbridge-console.<region>.aliyuncs.com): the rules of
 * every account's buses, and the delivery of ActionTrail events through them.
 *
 * Control plane (docs/conformance.md, rows eb.api.*; aliyun/alibabacloud-typescript-sdk
 * eventbridge-20200401 models): CreateRule (EventBusName, RuleName, FilterPattern, EventTargets as
 * a JSON string, Status, Description), GetRule (Data: RuleName, EventBusName, RuleARN,
 * FilterPattern, Status, Description, CreatedTimestamp, Targets[Id, Type, Endpoint,
 * PushRetryStrategy, ParamList]), UpdateRule (FilterPattern, Status, Description), PutTargets
 * (Targets as a JSON string: created or replaced by Id), DeleteTargets (TargetIds as a JSON
 * string), EnableRule, DisableRule, DeleteRule, CheckServiceLinkedRoleForProduct (Data.CheckPass:
 * the caller's account has the role) and CreateServiceLinkedRoleForProduct (the role appears in the
 * account, trusting its service; the emulator does not require it to publish). Answers {RequestId, Code "Success", Success true,
 * Message, Data} (UpdateRule: Data true; GetRule adds the IsBase64Encode = false param Terraform
 * strips on read). Service errors (EventBusNotExist, EventRuleNotExisted: the codes Terraform's
 * provider expects; unverified: EventRuleNameDuplicated, EventRuleFilterPatternSchemaError,
 * InvalidArgument) are answered HTTP 200 with {RequestId, Code, Message, Success false}, the form
 * Terraform reads, or as a 4xx POP envelope with World.eventbridgeServiceErrors 'http'. Throttling
 * is 429 TooManyRequests (faults.ts, ratelimits.ts).
 *
 * Data plane: every successful signed ActionTrail write call (CreateTrail, UpdateTrail,
 * DeleteTrail, StartLogging, StopLogging, PutDataEventSelector, DeleteDataEventSelector), from any client, is published as the CloudEvent
 * ActionTrail puts on the caller account's default bus in the call's region ("EventBridge supports
 * only ActionTrail events of the write type": EventBridge doc, ActionTrail events). Each ENABLE
 * rule of that bus whose FilterPattern matches (matchPattern below) delivers it to each target
 * after the rule's delay:
 * - acs.fc.function (Endpoint acs:fc:<region>:<account>:functions/<name>): the function runs
 *   in-process, like an async invocation (this is also how an FC EventBridge trigger's rule is
 *   modelled: fcTriggerRule());
 * - acs.eventbridge (cross-account routing): the event goes to the bus named by the target's
 *   AccountId / EventBusName params, same region only, and only if the role named by RAMRoleName
 *   exists in that account, trusts "<sender>@eventbridge.aliyuncs.com" and may put events
 *   (system policy AliyunEventBridgePutEventsPolicy attached, or a grant eventbridge:PutEvents);
 *   else the delivery is recorded Failed with the reason. A routed event carries the extension
 *   aliyunoriginalaccountid and is matched again against the receiving bus's rules.
 *
 * The CloudEvent (docs/conformance.md, rows eb.*, cites each field):
 * - type "actiontrail:ActionTrail:ApiCall" (EventBridge "ActionTrail events" doc);
 * - source "acs.actiontrail" (the "acs.<service>" convention of Alibaba Cloud service events;
 *   not shown for ActionTrail itself in the docs found: unverified);
 * - extensions aliyunaccountid (the bus's account), aliyunoriginalaccountid (the sending account,
 *   on every event: = aliyunaccountid until routed to another account; public event samples and
 *   the cross-account routing doc), aliyunpublishtime, aliyuneventbusname, aliyunregionid,
 *   aliyunpublishaddr;
 * - data: the ActionTrail event: eventId, eventVersion 1, eventName, eventType "ApiCall",
 *   eventRW "Write", eventSource, serviceName "Actiontrail", acsRegion, requestId, eventTime,
 *   apiVersion, requestParameters (the call's parameters, Name included), userIdentity
 *   (root-account: {type, principalId, accountId, accessKeyId}; assumed-role: {type
 *   "assumed-role", principalId "<roleId>:<session>", accountId, accessKeyId, userName
 *   "<roleName>:<session>"}: the ActionTrail "query events by assuming a RAM role" example),
 *   recipientAccountId, sourceIpAddress, userAgent.
 */
import { randomUUID } from 'node:crypto';
import { roleId } from './ram';
import { runAsEventTarget } from './fc';
import { findRole, type EmuEventRule, type EmuEventTarget, type EmuEventTargetParam, type World } from '../state';
import { EmuError, type EmuRequest, type EmuResponse, type ServiceHandler } from '../types';

export const ACTIONTRAIL_API_CALL = 'actiontrail:ActionTrail:ApiCall';
export const ACTIONTRAIL_SOURCE = 'acs.actiontrail';
/** The system policy the cross-account routing doc attaches to the receiver's role. */
export const PUT_EVENTS_POLICY = 'AliyunEventBridgePutEventsPolicy';
const WRITE_ACTIONS = new Set(['CreateTrail', 'UpdateTrail', 'DeleteTrail', 'StartLogging', 'StopLogging', 'PutDataEventSelector', 'DeleteDataEventSelector']);
/** Request parameters that are the signature's, not the API's (ActionTrail records the API's). */
const SIGNATURE_PARAMS = /^(Signature|SignatureMethod|SignatureVersion|SignatureNonce|SignatureType|AccessKeyId|SecurityToken|Timestamp|Format|Version|Action)$/;
/** Bus-to-bus hops one event may take (a guard against routing loops; EventBridge's own limit is undocumented). */
const MAX_HOPS = 4;
const JSON_HEADERS = { 'content-type': 'application/json;charset=utf-8' };

type CloudEvent = Record<string, unknown> & { id: string; type: string; data: Record<string, unknown> };

// ---------------------------------------------------------------------------------------------
// Event patterns

/**
 * Whether `pattern` (a parsed FilterPattern) matches `event`, as the EventBridge "Event patterns"
 * doc describes it (alibabacloud.com/help/en/eventbridge/user-guide/event-patterns; older version
 * help doc-detail/181432): each key names an event field (nested objects for data.*), keys are
 * ANDed; a leaf is an array whose entries are ORed: a value (exact match; null and "" included;
 * numbers compared as written), or a condition object {prefix}, {suffix}, {contains},
 * {anything-but: value | values | {prefix}}, {numeric: [op, n, ...]}, {cidr} (IPv4), {exists}.
 * Several operators in one condition object must all hold (the CreateRuleRequest example
 * {"prefix": ..., "suffix": ".txt"}: unverified beyond that example). A field whose value in the
 * event is an array matches when any element does (the doc's array matching). A field the
 * pattern names but the event lacks matches only {exists: false}. {} matches every event.
 */
export function matchPattern(pattern: unknown, event: unknown): boolean {
  if (!pattern || typeof pattern !== 'object' || Array.isArray(pattern)) return false;
  const fields = event && typeof event === 'object' && !Array.isArray(event) ? (event as Record<string, unknown>) : {};
  return Object.entries(pattern as Record<string, unknown>).every(([k, p]) => matchField(p, fields[k]));
}

function matchField(p: unknown, value: unknown): boolean {
  if (Array.isArray(p)) return p.some((entry) => matchEntry(entry, value));
  if (p && typeof p === 'object') return (value === undefined || (value !== null && typeof value === 'object' && !Array.isArray(value))) && matchPattern(p, value ?? {});
  return false;
}

function matchEntry(entry: unknown, value: unknown): boolean {
  if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) {
    const op = entry as Record<string, unknown>;
    if ('exists' in op) return op['exists'] === (value !== undefined);
  }
  if (value === undefined) return false;
  if (Array.isArray(value)) return value.some((v) => matchEntry(entry, v));
  if (entry === null || typeof entry !== 'object') return value === entry;
  const ops = Object.entries(entry as Record<string, unknown>);
  return ops.length > 0 && ops.every(([name, arg]) => matchOperator(name, arg, value));
}

function matchOperator(name: string, arg: unknown, value: unknown): boolean {
  const s = typeof value === 'string' ? value : undefined;
  switch (name) {
    case 'prefix':
      return s !== undefined && typeof arg === 'string' && s.startsWith(arg);
    case 'suffix':
      return s !== undefined && typeof arg === 'string' && s.endsWith(arg);
    case 'contains':
      return s !== undefined && typeof arg === 'string' && s.includes(arg);
    case 'anything-but': {
      if (Array.isArray(arg)) return !arg.includes(value);
      if (arg && typeof arg === 'object') {
        const prefix = (arg as Record<string, unknown>)['prefix'];
        return s !== undefined && typeof prefix === 'string' && !s.startsWith(prefix);
      }
      return value !== arg;
    }
    case 'numeric':
      return typeof value === 'number' && numericMatch(arg, value);
    case 'cidr':
      return s !== undefined && typeof arg === 'string' && inCidr(s, arg);
    default:
      return false;
  }
}

const NUMERIC_OPS: Record<string, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '=': (a, b) => a === b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** {numeric: [op, n, op, n, ...]}: every pair holds. */
function numericMatch(arg: unknown, value: number): boolean {
  if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0) return false;
  for (let i = 0; i < arg.length; i += 2) {
    const cmp = NUMERIC_OPS[String(arg[i])];
    const n = arg[i + 1];
    if (!cmp || typeof n !== 'number' || !cmp(value, n)) return false;
  }
  return true;
}

function ipv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits = '32'] = cidr.split('/');
  const a = ipv4(ip);
  const b = ipv4(base ?? '');
  const n = Number(bits);
  if (a === undefined || b === undefined || !Number.isInteger(n) || n < 0 || n > 32) return false;
  const size = 2 ** (32 - n);
  return Math.floor(a / size) === Math.floor(b / size);
}

/**
 * A FilterPattern the service would refuse: not a JSON object, or a field whose value is neither
 * an array of conditions nor a nested object, or more than MAX_EXPRESSIONS condition objects in one
 * field ("You can specify up to five expressions in the map data structure in each field":
 * CreateRuleRequest / UpdateRuleRequest; read here as condition objects, plain values not counted:
 * unverified). The code EventRuleFilterPatternSchemaError is the UpdateRuleResponseBody Message
 * example; its HTTP form is as for the other service errors (unverified).
 */
const MAX_EXPRESSIONS = 5;
function patternProblem(p: unknown, path = ''): string | undefined {
  if (!p || typeof p !== 'object' || Array.isArray(p)) return `${path || 'the pattern'} must be a JSON object`;
  for (const [k, v] of Object.entries(p as Record<string, unknown>)) {
    const at = path ? `${path}.${k}` : k;
    if (Array.isArray(v)) {
      if (v.length === 0) return `${at} is an empty array`;
      if (v.filter((e) => e !== null && typeof e === 'object').length > MAX_EXPRESSIONS) return `${at} has more than ${MAX_EXPRESSIONS} expressions`;
      continue;
    }
    if (v && typeof v === 'object') {
      const inner = patternProblem(v, at);
      if (inner) return inner;
      continue;
    }
    return `${at} must be an array`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Rules as the rest of the emulator (and seeds) make them

/** The rule an FC 3.0 EventBridge trigger deploys on a bus: one acs.fc.function target, the trigger's pattern. */
export function fcTriggerRule(o: { accountId: string; region: string; functionName: string; filterPattern: unknown; ruleName?: string; eventBusName?: string; delayMs?: number }): EmuEventRule {
  return {
    accountId: o.accountId,
    region: o.region,
    eventBusName: o.eventBusName ?? 'default',
    ruleName: o.ruleName ?? `${o.functionName}-trigger`,
    filterPattern: typeof o.filterPattern === 'string' ? o.filterPattern : JSON.stringify(o.filterPattern),
    status: 'ENABLE',
    targets: [
      {
        Id: `${o.functionName}-target`,
        Type: 'acs.fc.function',
        Endpoint: `acs:fc:${o.region}:${o.accountId}:functions/${o.functionName}`,
        PushRetryStrategy: 'BACKOFF_RETRY',
        ParamList: [
          { ResourceKey: 'functionName', Form: 'CONSTANT', Value: o.functionName },
          { ResourceKey: 'Body', Form: 'ORIGINAL' },
        ],
      },
    ],
    createdTimestamp: Date.now(),
    ...(o.delayMs !== undefined ? { delayMs: o.delayMs } : {}),
  };
}

function busExists(world: World, accountId: string, region: string, name: string): boolean {
  return name === 'default' || world.eventBuses.some((b) => b.accountId === accountId && b.region === region && b.name === name);
}

// ---------------------------------------------------------------------------------------------
// Control plane

function ok(req: EmuRequest, data?: unknown): EmuResponse {
  return { status: 200, headers: JSON_HEADERS, body: JSON.stringify({ RequestId: req.requestId, Code: 'Success', Success: true, Message: '', ...(data !== undefined ? { Data: data } : {}) }) };
}

function need(req: EmuRequest, name: string): string {
  const v = req.params[name];
  if (v === undefined || v === '') throw new EmuError(400, 'InvalidArgument', `The parameter ${name} is required.`);
  return v;
}

function jsonParam<T>(req: EmuRequest, name: string): T | undefined {
  const raw = req.params[name];
  if (raw === undefined || raw === '') return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new EmuError(400, 'InvalidArgument', `The parameter ${name} is not valid JSON.`);
  }
}

function ruleKey(req: EmuRequest, world: World): { bus: string; name: string } {
  const bus = need(req, 'EventBusName');
  const name = need(req, 'RuleName');
  if (!busExists(world, req.caller.accountId, req.region, bus)) throw new EmuError(404, 'EventBusNotExist', `The event bus [${bus}] not existed!`);
  return { bus, name };
}

function findRule(req: EmuRequest, world: World): EmuEventRule {
  const { bus, name } = ruleKey(req, world);
  const rule = world.eventRules.find((r) => r.accountId === req.caller.accountId && r.region === req.region && r.eventBusName === bus && r.ruleName === name);
  if (!rule) throw new EmuError(404, 'EventRuleNotExisted', `The event rule [${name}] not existed!`);
  return rule;
}

function pattern(req: EmuRequest): string {
  const raw = need(req, 'FilterPattern');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new EmuError(400, 'EventRuleFilterPatternSchemaError', 'The event rule filter pattern is not valid JSON.');
  }
  const problem = patternProblem(parsed);
  if (problem) throw new EmuError(400, 'EventRuleFilterPatternSchemaError', `The event rule filter pattern is invalid: ${problem}.`);
  return raw;
}

function status(req: EmuRequest): 'ENABLE' | 'DISABLE' | undefined {
  const s = req.params['Status'];
  if (s === undefined || s === '') return undefined;
  const up = s.toUpperCase();
  if (up !== 'ENABLE' && up !== 'DISABLE') throw new EmuError(400, 'InvalidArgument', 'The parameter Status must be ENABLE or DISABLE.');
  return up;
}

/** Targets as sent (keys may be PascalCase, as the SDK serialises its models, or camelCase, as Terraform sends them). */
function targets(raw: unknown): EmuEventTarget[] {
  if (!Array.isArray(raw)) throw new EmuError(400, 'InvalidArgument', 'The targets must be a JSON array.');
  return raw.map((t: Record<string, unknown>) => {
    const get = (k: string) => t[k] ?? t[k[0]!.toLowerCase() + k.slice(1)];
    const id = get('Id');
    const type = get('Type');
    const endpoint = get('Endpoint');
    if (typeof id !== 'string' || !id || typeof type !== 'string' || typeof endpoint !== 'string') throw new EmuError(400, 'InvalidArgument', 'Each target needs Id, Type and Endpoint.');
    const params = (get('ParamList') ?? []) as Array<Record<string, unknown>>;
    const target: EmuEventTarget = {
      Id: id,
      Type: type,
      Endpoint: endpoint,
      ParamList: (Array.isArray(params) ? params : []).map((p) => {
        const pg = (k: string) => p[k] ?? p[k[0]!.toLowerCase() + k.slice(1)];
        const out: EmuEventTargetParam = { ResourceKey: String(pg('ResourceKey') ?? ''), Form: String(pg('Form') ?? '') };
        if (pg('Value') !== undefined && pg('Value') !== null) out.Value = String(pg('Value'));
        if (pg('Template') !== undefined && pg('Template') !== null) out.Template = String(pg('Template'));
        return out;
      }),
    };
    if (typeof get('PushRetryStrategy') === 'string') target.PushRetryStrategy = get('PushRetryStrategy') as string;
    if (typeof get('ErrorsTolerance') === 'string') target.ErrorsTolerance = get('ErrorsTolerance') as string;
    return target;
  });
}

/**
 * EventBridge's service-linked roles by ProductName → the service principal each trusts (EventBridge
 * "Service-linked roles"; the sendevent-fc / source-actiontrail names as in Terraform's and the
 * service-linked-role module's lists). Only the ones this project needs.
 */
const SERVICE_LINKED_ROLES: Record<string, string> = {
  AliyunServiceRoleForEventBridgeSourceActionTrail: 'source-actiontrail.eventbridge.aliyuncs.com',
  AliyunServiceRoleForEventBridgeSendToFC: 'sendevent-fc.eventbridge.aliyuncs.com',
};

function productRole(req: EmuRequest, world: World): { name: string; service: string; exists: boolean } {
  const name = need(req, 'ProductName');
  const service = SERVICE_LINKED_ROLES[name];
  if (!service) throw new EmuError(400, 'InvalidArgument', `The product name ${name} is not supported.`);
  const exists = world.accounts.get(req.caller.accountId)?.roles.some((r) => r.name.toLowerCase() === name.toLowerCase()) ?? false;
  return { name, service, exists };
}

function ruleArn(r: EmuEventRule): string {
  return `acs:eventbridge:${r.region}:${r.accountId}:eventbus/${r.eventBusName}/rule/${r.ruleName}`;
}

function createRule(req: EmuRequest, world: World): EmuResponse {
  const { bus, name } = ruleKey(req, world);
  if (world.eventRules.some((r) => r.accountId === req.caller.accountId && r.region === req.region && r.eventBusName === bus && r.ruleName === name)) {
    throw new EmuError(409, 'EventRuleNameDuplicated', `The event rule [${name}] already existed!`);
  }
  const rule: EmuEventRule = {
    accountId: req.caller.accountId,
    region: req.region,
    eventBusName: bus,
    ruleName: name,
    filterPattern: pattern(req),
    status: status(req) ?? 'ENABLE',
    targets: targets(jsonParam(req, 'EventTargets') ?? []),
    createdTimestamp: Date.now(),
  };
  if (req.params['Description']) rule.description = req.params['Description'];
  world.eventRules.push(rule);
  return ok(req, { RuleARN: ruleArn(rule) });
}

function getRule(req: EmuRequest, world: World): EmuResponse {
  const r = findRule(req, world);
  return ok(req, {
    RuleName: r.ruleName,
    EventBusName: r.eventBusName,
    RuleARN: ruleArn(r),
    FilterPattern: r.filterPattern,
    Status: r.status,
    Description: r.description ?? '',
    CreatedTimestamp: r.createdTimestamp ?? 0,
    Targets: r.targets.map((t) => ({ ...t, ParamList: withServiceDefaults(t.ParamList) })),
  });
}

/**
 * A target's ParamList as GetRule answers it: as put, plus the default EventBridge adds on read
 * (Terraform resource_alicloud_event_bridge_rule.go Read: "There is an api bug that the event
 * bridge service will return a default param which ResourceKey is IsBase64Encode and the value is
 * false"; for which target types, and its Form, is unverified: every target here, Form CONSTANT).
 */
function withServiceDefaults(params: EmuEventTargetParam[]): EmuEventTargetParam[] {
  const out = params.map((p) => ({ ...p }));
  if (!out.some((p) => p.ResourceKey === 'IsBase64Encode')) out.push({ ResourceKey: 'IsBase64Encode', Form: 'CONSTANT', Value: 'false' });
  return out;
}

function updateRule(req: EmuRequest, world: World): EmuResponse {
  const r = findRule(req, world);
  r.filterPattern = pattern(req);
  const s = status(req);
  if (s) r.status = s;
  if (req.params['Description'] !== undefined) r.description = req.params['Description'];
  // UpdateRuleResponseBody: Data is a boolean ("The result of the operation", example true).
  return ok(req, true);
}

function putTargets(req: EmuRequest, world: World): EmuResponse {
  const r = findRule(req, world);
  const incoming = targets(jsonParam(req, 'Targets'));
  for (const t of incoming) {
    const i = r.targets.findIndex((x) => x.Id === t.Id);
    if (i >= 0) r.targets[i] = t;
    else r.targets.push(t);
  }
  return ok(req, { ErrorEntriesCount: 0, ErrorEntries: [] });
}

function deleteTargets(req: EmuRequest, world: World): EmuResponse {
  const r = findRule(req, world);
  const ids = jsonParam<unknown>(req, 'TargetIds');
  if (!Array.isArray(ids)) throw new EmuError(400, 'InvalidArgument', 'The parameter TargetIds must be a JSON array.');
  r.targets = r.targets.filter((t) => !ids.includes(t.Id));
  return ok(req, { ErrorEntriesCount: 0, ErrorEntries: [] });
}

/**
 * Service errors in the form World.eventbridgeServiceErrors picks: by default HTTP 200 with Code,
 * Message and Success false (what Terraform's provider reads); 'http' leaves them to the POP error
 * envelope (emulator/errors.ts, which adds Success false for EventBridge). An unknown action stays
 * a gateway error.
 */
export const eventbridgeService: ServiceHandler = (req, world) => {
  try {
    return controlPlane(req, world);
  } catch (e) {
    if (!(e instanceof EmuError) || e.code === 'InvalidAction.NotFound' || world.eventbridgeServiceErrors === 'http') throw e;
    return { status: 200, headers: JSON_HEADERS, body: JSON.stringify({ RequestId: req.requestId, Code: e.code, Message: e.message, Success: false }) };
  }
};

function controlPlane(req: EmuRequest, world: World): EmuResponse {
  switch (req.action) {
    case 'CreateRule':
      return createRule(req, world);
    case 'GetRule':
      return getRule(req, world);
    case 'UpdateRule':
      return updateRule(req, world);
    case 'PutTargets':
      return putTargets(req, world);
    case 'DeleteTargets':
      return deleteTargets(req, world);
    case 'EnableRule':
      findRule(req, world).status = 'ENABLE';
      return ok(req);
    case 'DisableRule':
      findRule(req, world).status = 'DISABLE';
      return ok(req);
    case 'CheckServiceLinkedRoleForProduct': {
      const r = productRole(req, world);
      return ok(req, { CheckPass: r.exists, StsRoleName: r.name });
    }
    case 'CreateServiceLinkedRoleForProduct': {
      const r = productRole(req, world);
      if (!r.exists) world.accounts.get(req.caller.accountId)?.roles.push({ name: r.name, trustedServices: [r.service], trustedAccounts: [], grants: [] });
      // CreateServiceLinkedRoleForProductResponseBody: Code, HttpCode, Message, RequestId, Success (no Data).
      return { status: 200, headers: JSON_HEADERS, body: JSON.stringify({ RequestId: req.requestId, Code: 'Success', HttpCode: 200, Success: true, Message: 'success' }) };
    }
    case 'DeleteRule': {
      const r = findRule(req, world);
      world.eventRules.splice(world.eventRules.indexOf(r), 1);
      return ok(req);
    }
    default:
      throw new EmuError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
  }
}

// ---------------------------------------------------------------------------------------------
// Data plane

function userIdentity(req: EmuRequest, world: World): Record<string, unknown> {
  const key = world.accessKeys.get(req.caller.accessKeyId);
  const accountId = req.caller.accountId;
  if (req.caller.assumedRoleArn) {
    const roleName = findRole(world, req.caller.assumedRoleArn)?.role.name ?? req.caller.assumedRoleArn.replace(/^.*role\//, '');
    const session = key?.sessionName;
    return {
      type: 'assumed-role',
      principalId: session ? `${roleId(accountId, roleName)}:${session}` : roleId(accountId, roleName),
      accountId,
      accessKeyId: req.caller.accessKeyId,
      userName: session ? `${roleName}:${session}` : roleName,
      sessionContext: { attributes: { mfaAuthenticated: 'false', creationDate: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') } },
    };
  }
  return { type: 'root-account', principalId: accountId, accountId, accessKeyId: req.caller.accessKeyId };
}

/** Publishes the event of a successful ActionTrail call `req` (no-op for reads) on the caller's default bus. */
export function publishActionTrailEvent(req: EmuRequest, world: World): void {
  const action = req.action ?? '';
  if (!WRITE_ACTIONS.has(action)) return;
  const source = req.caller.accountId;
  const requestParameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.params)) if (!SIGNATURE_PARAMS.test(k)) requestParameters[k] = v;
  // The data event selector APIs name the trail TrailName (SDK models), the others Name.
  const trailName = requestParameters['Name'] ?? requestParameters['TrailName'];
  const now = new Date();
  const eventTime = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const data = {
    eventId: randomUUID(),
    eventVersion: 1,
    eventName: action,
    eventType: 'ApiCall',
    eventRW: 'Write',
    eventSource: req.host || `actiontrail.${req.region}.aliyuncs.com`,
    serviceName: 'Actiontrail',
    apiVersion: '2020-07-06',
    acsRegion: req.region,
    requestId: req.requestId,
    eventTime,
    requestParameters: { ...requestParameters, RequestId: req.requestId, RegionId: req.region },
    userIdentity: userIdentity(req, world),
    recipientAccountId: source,
    sourceIpAddress: '127.0.0.1',
    userAgent: req.headers['user-agent'] ?? '',
  };
  const cloudEvent: CloudEvent = {
    specversion: '1.0',
    id: randomUUID(),
    source: ACTIONTRAIL_SOURCE,
    type: ACTIONTRAIL_API_CALL,
    subject: `acs:actiontrail:${req.region}:${source}:trail/${trailName ?? ''}`,
    time: eventTime,
    datacontenttype: 'application/json;charset=utf-8',
    aliyunpublishtime: now.toISOString(),
    aliyunregionid: req.region,
    // The publisher's address (every public event sample carries one, e.g. "172.25.XX.XX").
    aliyunpublishaddr: '127.0.0.1',
    data,
  };
  putOnBus(world, source, req.region, 'default', cloudEvent, Date.now(), 0);
}

/**
 * The event as it sits on `busName` of `accountId`: its extensions say which bus, and where it came
 * from. aliyunoriginalaccountid is on every event, the sending account (= aliyunaccountid until
 * the event is routed to another account), as in the public event samples (MNS, RocketMQ,
 * DashScope, TestEventPatternRequest example) and the cross-account routing doc.
 */
function onBus(event: CloudEvent, accountId: string, busName: string): CloudEvent {
  const original = String(event['aliyunoriginalaccountid'] ?? event['aliyunaccountid'] ?? accountId);
  return { ...event, aliyunaccountid: accountId, aliyunoriginalaccountid: original, aliyuneventbusname: busName };
}

/** Matches `event` against the ENABLE rules of one bus and schedules each matching rule's targets. */
function putOnBus(world: World, accountId: string, region: string, busName: string, event: CloudEvent, publishedAt: number, hops: number): void {
  const onThisBus = onBus(event, accountId, busName);
  const rules = world.eventRules.filter((r) => r.accountId === accountId && r.region === region && r.eventBusName === busName && r.status === 'ENABLE');
  for (const rule of rules) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rule.filterPattern);
    } catch {
      continue;
    }
    if (!matchPattern(parsed, onThisBus)) continue;
    for (const target of rule.targets) deliver(world, rule, target, onThisBus, publishedAt, hops);
  }
}

const param = (t: EmuEventTarget, key: string): string | undefined => t.ParamList.find((p) => p.ResourceKey === key)?.Value;

function deliver(world: World, rule: EmuEventRule, target: EmuEventTarget, event: CloudEvent, publishedAt: number, hops: number): void {
  const data = event.data;
  const record: World['eventDeliveries'][number] = {
    eventId: event.id,
    type: event.type,
    eventName: String(data['eventName'] ?? ''),
    trailName: (() => {
      const p = data['requestParameters'] as Record<string, string> | undefined;
      return p?.['Name'] ?? p?.['TrailName'];
    })(),
    sourceAccountId: String(event['aliyunoriginalaccountid'] ?? event['aliyunaccountid']),
    rule: `${rule.accountId}/${rule.eventBusName}/${rule.ruleName}`,
    targetType: target.Type,
    publishedAt,
    status: 'Pending',
  };
  world.eventDeliveries.push(record);
  const fail = (why: string) => {
    record.status = 'Failed';
    record.error = why;
    record.finishedAt = Date.now();
  };
  const delay = rule.delayMs ?? world.eventDelayMs;
  if (target.Type === 'acs.fc.function') {
    const m = /^acs:fc:([a-z0-9-]+):(\d+):(?:services\/[^/]+\/)?functions\/([^/]+)$/.exec(target.Endpoint);
    const name = param(target, 'functionName') ?? m?.[3] ?? '';
    record.functionName = name;
    const owner = m?.[2] ?? rule.accountId;
    const region = m?.[1] ?? rule.region;
    later(delay, () => {
      const fn = world.functions.find((f) => f.accountId === owner && f.region === region && f.name === name);
      if (!fn || (!fn.handler && !fn.worker)) return fail(`function '${name}' does not exist or has no code.`);
      void runAsEventTarget(world, fn, Buffer.from(JSON.stringify(event)), () => {
        record.status = 'Running';
        record.deliveredAt = Date.now();
      }).then((out) => {
        record.finishedAt = Date.now();
        record.status = out.ok ? 'Succeeded' : 'Failed';
        if (out.ok) record.result = out.result;
        else record.error = out.error;
      });
    });
    return;
  }
  if (target.Type === 'acs.eventbridge') {
    const m = /^acs:eventbridge:([a-z0-9-]+):(\d+):eventbus\/([^/]+)$/.exec(target.Endpoint);
    const sameAccount = param(target, 'AccountType') === 'SameAccount';
    const toAccount = sameAccount ? rule.accountId : param(target, 'AccountId') ?? m?.[2] ?? '';
    const toBus = param(target, 'EventBusName') ?? m?.[3] ?? '';
    const toRegion = param(target, 'RegionId') ?? m?.[1] ?? '';
    record.targetBus = `${toAccount}/${toBus}`;
    later(delay, () => {
      record.status = 'Running';
      record.deliveredAt = Date.now();
      if (hops + 1 > MAX_HOPS) return fail(`the event has been routed ${MAX_HOPS} times already.`);
      if (toRegion !== rule.region) return fail(`cross-region routing is not supported (rule in ${rule.region}, target in ${toRegion || '?'}).`);
      if (!world.accounts.has(toAccount)) return fail(`account ${toAccount || '?'} does not exist.`);
      if (!busExists(world, toAccount, toRegion, toBus)) return fail(`event bus ${toBus} does not exist in account ${toAccount}.`);
      if (toAccount !== rule.accountId) {
        const roleName = param(target, 'RAMRoleName');
        if (!roleName) return fail('cross-account delivery needs RAMRoleName.');
        const found = findRole(world, `acs:ram::${toAccount}:role/${roleName}`);
        if (!found) return fail(`role ${roleName} does not exist in account ${toAccount}.`);
        if (!found.role.trustedServices.includes(`${rule.accountId}@eventbridge.aliyuncs.com`)) return fail(`role ${roleName} does not trust ${rule.accountId}@eventbridge.aliyuncs.com.`);
        if (!(found.role.policies ?? []).includes(PUT_EVENTS_POLICY) && !found.role.grants.includes('eventbridge:PutEvents')) return fail(`role ${roleName} may not put events (no ${PUT_EVENTS_POLICY}).`);
      }
      record.status = 'Succeeded';
      record.finishedAt = Date.now();
      putOnBus(world, toAccount, toRegion, toBus, event, publishedAt, hops + 1);
    });
    return;
  }
  fail(`target type ${target.Type} is not emulated.`);
}

function later(ms: number, fn: () => void): void {
  const timer = setTimeout(fn, ms);
  timer.unref?.();
}

/** Resolves once every event delivery so far has finished (or after timeoutMs, rejecting). */
export async function waitForEventDeliveries(world: World, timeoutMs = 15_000): Promise<World['eventDeliveries']> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const open = world.eventDeliveries.filter((d) => d.status === 'Pending' || d.status === 'Running');
    if (open.length === 0) return world.eventDeliveries;
    if (Date.now() > until) throw new Error(`${open.length} event deliveries still pending after ${timeoutMs} ms.`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
