/**
 * EventBridgeApi (control plane, API 2020-04-01) on @alicloud/openapi-core's generic callApi.
 *
 * @alicloud/eventbridge20200401 is not in our registry, so this does what the generated SDK does
 * inside (aliyun/alibabacloud-typescript-sdk eventbridge-20200401/src/client.ts): RPC style,
 * pathname "/", POST, every parameter in the query string, formData request body type, JSON
 * response; array parameters (EventTargets of CreateRule, Targets of PutTargets, TargetIds of
 * DeleteTargets) go out as one JSON string each (arrayToStringWithSpecifiedStyle "json").
 * Endpoint eventbridge-console.<region>.aliyuncs.com (endpoints.ts).
 *
 * Errors: a failed call answers an HTTP error whose body carries Code (fromSdkError); the SDK
 * models also document a Code other than "Success" (and Success false) in a 200 answer, which
 * Terraform's provider checks too (alicloud_event_bridge_rule), so such an answer is turned into
 * the same ProvisionError. getRule answers undefined for EventRuleNotExisted (the code Terraform
 * treats as "not found"); EventBusNotExist stays an error (the bus is configuration).
 * Check/CreateServiceLinkedRoleForProduct (ProductName, e.g.
 * AliyunServiceRoleForEventBridgeSourceActionTrail): SDK models CheckServiceLinkedRoleForProduct*
 * (Data.CheckPass, Data.StsRoleName) and CreateServiceLinkedRoleForProductRequest; Terraform's
 * alicloud_event_bridge_service_linked_role makes the role the same way.
 */
import { ProvisionError } from '../core/errors';
import type { ClientOptions } from './options';
import { rpcApi } from './rpc';

export const EVENTBRIDGE_VERSION = '2020-04-01';

type Body = Record<string, unknown>;

/** One ParamList entry of a target (CreateRuleRequestEventTargetsParamList). */
export interface EventTargetParam {
  ResourceKey: string;
  Form: string;
  Value?: string;
  Template?: string;
}

/** An event target as CreateRule / PutTargets take it and GetRule returns it. */
export interface EventTarget {
  Id: string;
  Type: string;
  Endpoint: string;
  PushRetryStrategy?: string;
  ParamList: EventTargetParam[];
}

export interface EventRule {
  RuleName: string;
  EventBusName: string;
  FilterPattern: string;
  Status: string;
  Description?: string;
  Targets: EventTarget[];
}

export interface EventBridgeApi {
  /** GetRule; undefined when the rule does not exist (EventRuleNotExisted). */
  getRule(bus: string, rule: string): Promise<EventRule | undefined>;
  createRule(rule: { EventBusName: string; RuleName: string; FilterPattern: string; Targets: EventTarget[]; Status?: 'ENABLE' | 'DISABLE'; Description?: string }): Promise<{ RequestId: string }>;
  /** UpdateRule: the pattern (required by the API), and the status / description when given. */
  updateRule(bus: string, rule: string, filterPattern: string, status?: 'ENABLE' | 'DISABLE'): Promise<{ RequestId: string }>;
  /** PutTargets: creates or replaces targets by Id. */
  putTargets(bus: string, rule: string, targets: EventTarget[]): Promise<{ RequestId: string }>;
  deleteTargets(bus: string, rule: string, ids: string[]): Promise<{ RequestId: string }>;
  enableRule(bus: string, rule: string): Promise<{ RequestId: string }>;
  /** CheckServiceLinkedRoleForProduct (ProductName): whether the account has that EventBridge service-linked role (Data.CheckPass). */
  checkServiceLinkedRole(productName: string): Promise<boolean>;
  /** CreateServiceLinkedRoleForProduct (ProductName). */
  createServiceLinkedRole(productName: string): Promise<{ RequestId: string }>;
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

/** A target as the API returned it (PascalCase keys, per GetRuleResponseBodyDataTargets). */
export function toEventTarget(t: Body): EventTarget {
  const params = Array.isArray(t['ParamList']) ? (t['ParamList'] as Body[]) : [];
  const out: EventTarget = {
    Id: String(t['Id'] ?? ''),
    Type: String(t['Type'] ?? ''),
    Endpoint: String(t['Endpoint'] ?? ''),
    ParamList: params.map((p) => {
      const e: EventTargetParam = { ResourceKey: String(p['ResourceKey'] ?? ''), Form: String(p['Form'] ?? '') };
      const value = str(p['Value']);
      const template = str(p['Template']);
      if (value !== undefined) e.Value = value;
      if (template !== undefined && template !== '') e.Template = template;
      return e;
    }),
  };
  const retry = str(t['PushRetryStrategy']);
  if (retry) out.PushRetryStrategy = retry;
  return out;
}

export function createEventBridgeClient(opts: ClientOptions): EventBridgeApi {
  const rpc = rpcApi('eventbridge', EVENTBRIDGE_VERSION, opts);
  async function call(action: string, query: Record<string, string>): Promise<Body> {
    const body = await rpc(action, query);
    const code = str(body['Code']);
    if (body['Success'] === false || (code !== undefined && code !== 'Success' && code !== '200')) {
      const failed = code ?? 'InternalError';
      throw new ProvisionError({
        code: failed,
        status: failed === 'EventRuleNotExisted' || failed === 'EventBusNotExist' ? 404 : 500,
        message: String(body['Message'] ?? failed).slice(0, 500),
        requestId: str(body['RequestId']),
        retryable: /^(Throttling|TooManyRequests|ServiceUnavailable|InternalError)/.test(failed),
        fromService: true,
      });
    }
    return body;
  }

  const rid = (b: Body) => ({ RequestId: String(b['RequestId'] ?? '') });
  const key = (bus: string, rule: string) => ({ EventBusName: bus, RuleName: rule });

  return {
    async getRule(bus, rule) {
      let b: Body;
      try {
        b = await call('GetRule', key(bus, rule));
      } catch (e) {
        if (e instanceof ProvisionError && e.code === 'EventRuleNotExisted') return undefined;
        throw e;
      }
      const d = (b['Data'] ?? {}) as Body;
      const targets = Array.isArray(d['Targets']) ? (d['Targets'] as Body[]) : [];
      const out: EventRule = {
        RuleName: String(d['RuleName'] ?? rule),
        EventBusName: String(d['EventBusName'] ?? bus),
        FilterPattern: String(d['FilterPattern'] ?? ''),
        Status: String(d['Status'] ?? ''),
        Targets: targets.map(toEventTarget),
      };
      const description = str(d['Description']);
      if (description) out.Description = description;
      return out;
    },
    async createRule(r) {
      const q: Record<string, string> = { ...key(r.EventBusName, r.RuleName), FilterPattern: r.FilterPattern, EventTargets: JSON.stringify(r.Targets) };
      if (r.Status) q['Status'] = r.Status;
      if (r.Description) q['Description'] = r.Description;
      return rid(await call('CreateRule', q));
    },
    async updateRule(bus, rule, filterPattern, status) {
      const q: Record<string, string> = { ...key(bus, rule), FilterPattern: filterPattern };
      if (status) q['Status'] = status;
      return rid(await call('UpdateRule', q));
    },
    async putTargets(bus, rule, targets) {
      return rid(await call('PutTargets', { ...key(bus, rule), Targets: JSON.stringify(targets) }));
    },
    async deleteTargets(bus, rule, ids) {
      return rid(await call('DeleteTargets', { ...key(bus, rule), TargetIds: JSON.stringify(ids) }));
    },
    async enableRule(bus, rule) {
      return rid(await call('EnableRule', key(bus, rule)));
    },
    async checkServiceLinkedRole(productName) {
      const b = await call('CheckServiceLinkedRoleForProduct', { ProductName: productName });
      const pass = ((b['Data'] ?? {}) as Body)['CheckPass'];
      return pass === true || pass === 'true';
    },
    async createServiceLinkedRole(productName) {
      return rid(await call('CreateServiceLinkedRoleForProduct', { ProductName: productName }));
    },
  };
}
