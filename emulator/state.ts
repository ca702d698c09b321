/**
 * The emulated cloud's state: accounts with their keys, roles and resources, Resource Directory,
 * ActionTrail trails, FC functions, STS sessions, injected faults, and a log of every call.
 *
 * Seedable from JSON (see emulator/seed.example.json); all handlers read and write this World.
 */
import { DEFAULT_RATE_LIMITS } from './ratelimits';
import type { WorkerSpec } from './fc-workers';

export type TrailStatus = 'Fresh' | 'Enable' | 'Disable';

export interface EmuTrail {
  Name: string;
  AccountId: string;
  HomeRegion: string;
  TrailRegion: string;
  EventRW: 'Write' | 'Read' | 'All';
  OssBucketName: string;
  OssKeyPrefix: string;
  OssWriteRoleArn: string;
  SlsProjectArn: string;
  SlsWriteRoleArn: string;
  MaxComputeProjectArn: string;
  MaxComputeWriteRoleArn: string;
  IsOrganizationTrail: boolean;
  Status: TrailStatus;
  CreateTime: string;
  UpdateTime: string;
  StartLoggingTime?: string;
  StopLoggingTime?: string;
  LatestDeliveryTime?: string;
  LatestDeliveryError?: string;
  /**
   * PutDataEventSelector's EventSelectors, as sent (a JSON array string); unset until the first Put.
   * TrailRegionIds / IsTrailAllRegion of the last Put beside it.
   */
  DataEventSelectors?: string;
  DataEventRegionIds?: string;
  DataEventAllRegion?: boolean;
}

/**
 * A stored trail for seeds, tests and benchmarks: every field present (empty when unset, as the
 * emulator stores them), logging, homed in `region`, overridden by `over`.
 */
export function seedTrail(accountId: string, region: string, over: Partial<EmuTrail> & { Name: string }): EmuTrail {
  return {
    AccountId: accountId,
    HomeRegion: region,
    TrailRegion: 'All',
    EventRW: 'All',
    OssBucketName: '',
    OssKeyPrefix: '',
    OssWriteRoleArn: '',
    SlsProjectArn: '',
    SlsWriteRoleArn: '',
    MaxComputeProjectArn: '',
    MaxComputeWriteRoleArn: '',
    IsOrganizationTrail: false,
    Status: 'Enable',
    CreateTime: '2026-01-01T00:00:00Z',
    UpdateTime: '2026-01-01T00:00:00Z',
    ...over,
  };
}

export interface EmuRole {
  /** Role name; ARN is acs:ram::<accountId>:role/<name> (names compare case-insensitively, as RAM does). */
  name: string;
  /** Service principals trusted, e.g. "actiontrail.aliyuncs.com". */
  trustedServices: string[];
  /** Account ids whose principals may AssumeRole into it (e.g. the RD management account). */
  trustedAccounts: string[];
  /**
   * What the role may write: "oss:<bucket>", "sls:<project>", "odps:<project>", or "*".
   * ActionTrail checks this when a trail names the role as a write role.
   */
  grants: string[];
  /** Policies attached to the role by name (e.g. the system policy AliyunEventBridgePutEventsPolicy). */
  policies?: string[];
  /**
   * The trust policy exactly as RAM would return it, for a seed that shapes it (statements and
   * forms the principal lists above do not model: Deny, Condition, a string Principal). GetRole
   * answers it verbatim and UpdateRole keeps the new document verbatim; trustedServices and
   * trustedAccounts must agree with it (UpdateRole sets them from it).
   */
  trustDocument?: string;
}

/** An OSS object; the body is base64 so snapshots stay plain JSON. */
export interface EmuObject {
  key: string;
  bodyBase64: string;
  contentType: string;
  /** Quoted upper-case hex MD5, as OSS returns it. */
  etag: string;
  lastModified: string;
  /** x-oss-meta-* headers, names lower-cased without the prefix. */
  meta?: Record<string, string>;
}

export interface EmuBucket {
  name: string;
  region: string;
  /** Accounts other than the owner that may read the bucket (bucket policy / ACL grant). */
  readers?: string[];
  /** Accounts other than the owner that may write objects (bucket policy). */
  writers?: string[];
  /** ISO time; defaults to the emulator's start time. */
  createTime?: string;
  /** private | public-read | public-read-write (default private). */
  acl?: string;
  /** Bucket policy JSON document (GetBucketPolicy returns it as is); none by default. */
  policy?: string;
  storageClass?: string;
  objects?: EmuObject[];
  /** Overrides World.ossV1Allowed for this bucket (an old bucket that still takes V1/V2 signatures). */
  ossV1Allowed?: boolean;
}
export interface EmuSlsProject {
  name: string;
  region: string;
  logstores: string[];
  /** Data retention (GetLogStore ttl, days) per logstore; default 180. */
  logstoreTtl?: Record<string, number>;
  createTime: string;
  description?: string;
  /** Accounts other than the owner that may read the project (cross-account authorization). */
  readers?: string[];
}
export interface EmuMcProject {
  name: string;
  region: string;
  createTime: string;
  comment?: string;
  /** Accounts other than the owner that were added to the project. */
  readers?: string[];
}

export interface EmuAccount {
  id: string;
  displayName: string;
  /** Resource Directory membership; the management account has rdRole "management". */
  rdRole?: 'management' | 'member';
  /** Whether ActionTrail allows this account to create organization trails (see NotAllowCreateOrganizationTrail). */
  allowOrganizationTrail?: boolean;
  roles: EmuRole[];
  buckets: EmuBucket[];
  slsProjects: EmuSlsProject[];
  mcProjects: EmuMcProject[];
  trails: EmuTrail[];
}

export interface EmuAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  accountId: string;
  /** STS sessions only. */
  securityToken?: string;
  assumedRoleArn?: string;
  /** STS sessions: the RoleSessionName it was assumed with (the real STS shows it in the session's ARN and in ActionTrail events). */
  sessionName?: string;
  expiration?: string;
}

/** FC 3.0 handler signature: event bytes and a context like FC's (credentials, requestId, region, accountId). */
export type EmuFunctionHandler = (event: Buffer, context: Record<string, unknown>) => Promise<unknown>;

export interface EmuFunction {
  /** FC 3.0 function name in the owner account. */
  name: string;
  accountId: string;
  region: string;
  /** In-process code run on InvokeFunction (registered at runtime; not part of a seed file). */
  handler?: EmuFunctionHandler;
  /** Function role: the role context.credentials' temporary key is a session of (FC sets it per function). */
  roleArn?: string;
  /** Versions/aliases InvokeFunction accepts as qualifier besides LATEST. */
  qualifiers?: string[];
  /**
   * Code as a module run in a pool of instance processes (emulator/fc-workers.ts) instead of an
   * in-process handler: what a seed file can name. A registered handler takes precedence.
   */
  worker?: WorkerSpec;
  /** The function's timeout, seconds (context.function.timeout; default 60). */
  timeout?: number;
  /** asyncInvokeConfig.maxAsyncRetryAttempts: how often a failed async invocation is run again (default 0 here). */
  maxAsyncRetryAttempts?: number;
}

export interface EmuAsyncInvocation {
  functionName: string;
  requestId: string;
  status: 'Running' | 'Succeeded' | 'Failed';
  result?: unknown;
  error?: string;
  /** Owner account, region, qualifier and x-fc-async-task-id of the invocation. */
  accountId?: string;
  region?: string;
  qualifier?: string;
  taskId?: string;
  /** Epoch ms: accepted (202 sent), handler started, handler finished. */
  acceptedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  /** Runs of the invocation (1 + retries), and each failed run's error. */
  attempts?: number;
  errors?: string[];
  /** The instance (worker process) of the last run, for functions with a worker. */
  instance?: number;
}

export interface FaultRule {
  /** Which calls: service name, optionally "service:Action" (e.g. "actiontrail:StartLogging"), or "*". */
  match: string;
  /**
   * throttle → 400 Throttling.User (POP) / 503 per service; error5xx → 500/503; latency → delay;
   * drop → destroy socket; stale → eventual consistency: what was just created is not visible yet
   * (SLS ProjectNotExist, RAM EntityNotExist.Role, ActionTrail CreateTrail/UpdateTrail
   * InsufficientBucketPolicyException), or, on actiontrail:GetTrailStatus, the call answers
   * normally but lags: IsLogging=false right after StartLogging. On other calls it never fires.
   */
  kind: 'throttle' | 'error5xx' | 'latency' | 'drop' | 'stale';
  /** Probability 0..1 per matching call (a seeded PRNG decides, so runs are repeatable). */
  rate: number;
  /** For latency: milliseconds added. */
  ms?: number;
  /** Apply at most this many times (then the rule is spent). */
  times?: number;
}

export interface FaultConfig {
  /** Latency added to every call, ms. */
  latencyMs?: number;
  rules: FaultRule[];
  seed?: number;
}

/** A flow-control limit (emulator/ratelimits.ts): `qps` calls per second for the calls `match` names. */
export interface RateLimitRule {
  /** Which calls: "<service>", "<service>:<Action>" (e.g. "sts:AssumeRole"), or "*". */
  match: string;
  /** Calls per second admitted. */
  qps: number;
  /** "account": one bucket per calling account (Throttling.User); "api": one for all callers (Throttling.Api). */
  scope: 'account' | 'api';
  /** Bucket size: calls admitted at once after a pause (default qps, one second's worth). */
  burst?: number;
}

export interface CallLogEntry {
  service: string;
  action: string;
  accountId?: string;
  status: number;
  code?: string;
  /** When the request arrived (epoch ms), before faults (latency) and the service ran. */
  startedAt: number;
  /** When it was answered (epoch ms). */
  at: number;
  /**
   * What the request named, for tests that authorize calls as RAM would (test/policies.test.ts):
   * region, path (without the OSS bucket), query parameter names, RPC parameters (signature and
   * credential parameters left out), and the OSS bucket / SLS project.
   */
  request?: { region: string; method: string; path: string; query: string[]; params: Record<string, string>; bucket?: string; project?: string };
}

/** One ParamList entry of an EventBridge target (CreateRuleRequestEventTargetsParamList). */
export interface EmuEventTargetParam {
  ResourceKey: string;
  Form: string;
  Value?: string;
  Template?: string;
}

/** An EventBridge event target (CreateRuleRequestEventTargets / GetRuleResponseBodyDataTargets). */
export interface EmuEventTarget {
  Id: string;
  /** acs.fc.function (Endpoint acs:fc:<region>:<account>:functions/<name>) or acs.eventbridge (another bus). */
  Type: string;
  Endpoint: string;
  PushRetryStrategy?: string;
  ErrorsTolerance?: string;
  ParamList: EmuEventTargetParam[];
}

/**
 * An EventBridge rule on a bus of one account and region (emulator/services/eventbridge.ts), as
 * CreateRule / PutTargets make it, or as an FC EventBridge trigger deploys it (fcTriggerRule()).
 */
export interface EmuEventRule {
  accountId: string;
  region: string;
  eventBusName: string;
  ruleName: string;
  /** The event pattern, a JSON document as sent (FilterPattern). */
  filterPattern: string;
  status: 'ENABLE' | 'DISABLE';
  description?: string;
  targets: EmuEventTarget[];
  createdTimestamp?: number;
  /** Delivery delay of this rule's targets, ms (default World.eventDelayMs). */
  delayMs?: number;
}

/** A custom event bus (every account has the "default" bus in every region without one). */
export interface EmuEventBus {
  accountId: string;
  region: string;
  name: string;
}

export interface EmuEventDelivery {
  eventId: string;
  type: string;
  eventName: string;
  trailName?: string;
  /** The account whose ActionTrail event it is (the original sender, also on routed events). */
  sourceAccountId: string;
  /** The rule that matched: "<account>/<bus>/<rule>". */
  rule?: string;
  /** acs.fc.function (functionName set) or acs.eventbridge (targetBus set: "<account>/<bus>"). */
  targetType?: string;
  functionName?: string;
  targetBus?: string;
  /** Epoch ms: the API call answered (event published), the target invoked, the target done. */
  publishedAt: number;
  deliveredAt?: number;
  finishedAt?: number;
  status: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  result?: unknown;
  error?: string;
}

export interface World {
  /** Region used when a request carries none. */
  defaultRegion: string;
  accounts: Map<string, EmuAccount>;
  accessKeys: Map<string, EmuAccessKey>;
  functions: EmuFunction[];
  faults: FaultConfig;
  /** Flow-control rules (default DEFAULT_RATE_LIMITS; [] for none). */
  rateLimits: readonly RateLimitRule[];
  calls: CallLogEntry[];
  /** Async FC invocations, in order; the emulator runs them in the background. */
  asyncInvocations: EmuAsyncInvocation[];
  /** Id of the Resource Directory; undefined when RD is not enabled. */
  resourceDirectoryId?: string;
  /**
   * Whether OSS accepts pre-V4 signatures (V1, V2, V1 presigned URLs). Default false: OSS refuses
   * V1 for accounts created from 2025-03-01 and buckets created from 2025-09-01 (see
   * emulator/signature/index.ts). A bucket's own ossV1Allowed overrides this.
   */
  ossV1Allowed?: boolean;
  /**
   * Destinations for which ActionTrail reports its service-linked role as the write role when a
   * trail names none (CreateTrail/UpdateTrail without the *WriteRoleArn). Default ['sls']:
   * Terraform's alicloud_actiontrail_trail marks sls_write_role_arn (and not oss_write_role_arn)
   * Computed, i.e. DescribeTrails fills it; OSS and MaxCompute are unverified either way.
   */
  actiontrailDefaultRoles?: Array<'oss' | 'sls' | 'maxcompute'>;
  /**
   * Whether DescribeTrails items carry IsShadowTrail (0/1). Default false: the current 2020-07-06
   * SDK models (aliyun/alibabacloud-typescript-sdk actiontrail-20200706
   * DescribeTrailsResponseBody.ts) list no such field; older responses had it.
   */
  actiontrailIsShadowTrail?: boolean;
  /**
   * How OSS answers a V4 request for a bucket of another region on this region's endpoint:
   * 'endpoint' (default) the 403 AccessDenied "must be addressed using the specified endpoint";
   * 'signature' the V4 scope-region refusal, EC 0002-00000228 (OSS docs page 0002-00000228: the
   * signature's region does not match the bucket's). Which comes first is unverified.
   */
  ossWrongRegionAnswer?: 'endpoint' | 'signature';
  /**
   * How EventBridge answers its service errors (EventRuleNotExisted, EventBusNotExist, ...):
   * 'body' (default) HTTP 200 with {RequestId, Code, Message, Success: false}, the form Terraform's
   * provider reads (alicloud/service_alicloud_eventbridge.go and resource_alicloud_event_bridge_rule.go
   * check response["Code"] after a call without error); 'http' a 4xx POP error envelope. The HTTP
   * status the real service uses is unverified.
   */
  eventbridgeServiceErrors?: 'body' | 'http';
  /** EventBridge rules of every account's buses (emulator/services/eventbridge.ts). */
  eventRules: EmuEventRule[];
  /** Custom event buses (the default bus of every account and region always exists). */
  eventBuses: EmuEventBus[];
  /** Every event delivery, in order. */
  eventDeliveries: EmuEventDelivery[];
  /** Default delay between an ActionTrail write call and the event's delivery, ms. */
  eventDelayMs: number;
}

export interface SeedFile {
  defaultRegion?: string;
  accounts: Array<Partial<EmuAccount> & { id: string; accessKeys?: Array<{ accessKeyId: string; accessKeySecret: string }> }>;
  functions?: EmuFunction[];
  faults?: FaultConfig;
  /** Flow-control rules; absent: the published defaults (emulator/ratelimits.ts), []: none. */
  rateLimits?: RateLimitRule[];
  resourceDirectoryId?: string;
  /** See World.ossV1Allowed (default false). */
  ossV1Allowed?: boolean;
  /** See World.actiontrailDefaultRoles (default ['sls']). */
  actiontrailDefaultRoles?: Array<'oss' | 'sls' | 'maxcompute'>;
  /** See World.actiontrailIsShadowTrail (default false). */
  actiontrailIsShadowTrail?: boolean;
  /** See World.ossWrongRegionAnswer (default 'endpoint'). */
  ossWrongRegionAnswer?: 'endpoint' | 'signature';
  /** See World.eventbridgeServiceErrors (default 'body'). */
  eventbridgeServiceErrors?: 'body' | 'http';
  eventRules?: EmuEventRule[];
  eventBuses?: EmuEventBus[];
  eventDelayMs?: number;
}

export function createWorld(seed: SeedFile = { accounts: [] }): World {
  const world: World = {
    defaultRegion: seed.defaultRegion ?? 'cn-hangzhou',
    accounts: new Map(),
    accessKeys: new Map(),
    functions: [...(seed.functions ?? [])],
    faults: seed.faults ?? { rules: [] },
    rateLimits: seed.rateLimits ?? DEFAULT_RATE_LIMITS,
    calls: [],
    asyncInvocations: [],
    resourceDirectoryId: seed.resourceDirectoryId,
    ossV1Allowed: seed.ossV1Allowed,
    actiontrailDefaultRoles: seed.actiontrailDefaultRoles,
    actiontrailIsShadowTrail: seed.actiontrailIsShadowTrail,
    ossWrongRegionAnswer: seed.ossWrongRegionAnswer,
    eventbridgeServiceErrors: seed.eventbridgeServiceErrors,
    eventRules: [...(seed.eventRules ?? [])],
    eventBuses: [...(seed.eventBuses ?? [])],
    eventDeliveries: [],
    eventDelayMs: seed.eventDelayMs ?? 0,
  };
  for (const a of seed.accounts) {
    addAccount(world, a);
    for (const k of a.accessKeys ?? []) {
      world.accessKeys.set(k.accessKeyId, { ...k, accountId: a.id });
    }
  }
  return world;
}

export function addAccount(world: World, a: Partial<EmuAccount> & { id: string }): EmuAccount {
  const acct: EmuAccount = {
    id: a.id,
    displayName: a.displayName ?? `account-${a.id}`,
    rdRole: a.rdRole,
    allowOrganizationTrail: a.allowOrganizationTrail,
    roles: a.roles ?? [],
    buckets: a.buckets ?? [],
    slsProjects: a.slsProjects ?? [],
    mcProjects: a.mcProjects ?? [],
    trails: a.trails ?? [],
  };
  world.accounts.set(acct.id, acct);
  return acct;
}

export function roleArn(accountId: string, roleName: string): string {
  return `acs:ram::${accountId}:role/${roleName.toLowerCase()}`;
}

/** Finds a role by ARN ("acs:ram::<acct>:role/<name>"), case-insensitively on the name. */
export function findRole(world: World, arn: string): { account: EmuAccount; role: EmuRole } | undefined {
  const m = /^acs:ram::(\d+):role\/(.+)$/.exec(arn);
  if (!m) return undefined;
  const account = world.accounts.get(m[1]!);
  const role = account?.roles.find((r) => r.name.toLowerCase() === m[2]!.toLowerCase());
  return account && role ? { account, role } : undefined;
}

/** Serialisable snapshot (for `npm run emulator -- --dump` and debugging). */
export function snapshot(world: World): SeedFile {
  return {
    defaultRegion: world.defaultRegion,
    resourceDirectoryId: world.resourceDirectoryId,
    ...(world.ossV1Allowed !== undefined ? { ossV1Allowed: world.ossV1Allowed } : {}),
    ...(world.actiontrailDefaultRoles !== undefined ? { actiontrailDefaultRoles: world.actiontrailDefaultRoles } : {}),
    ...(world.actiontrailIsShadowTrail !== undefined ? { actiontrailIsShadowTrail: world.actiontrailIsShadowTrail } : {}),
    ...(world.ossWrongRegionAnswer !== undefined ? { ossWrongRegionAnswer: world.ossWrongRegionAnswer } : {}),
    ...(world.eventbridgeServiceErrors !== undefined ? { eventbridgeServiceErrors: world.eventbridgeServiceErrors } : {}),
    accounts: [...world.accounts.values()].map((a) => ({
      ...a,
      accessKeys: [...world.accessKeys.values()]
        .filter((k) => k.accountId === a.id && !k.securityToken)
        .map((k) => ({ accessKeyId: k.accessKeyId, accessKeySecret: k.accessKeySecret })),
    })),
    functions: world.functions.map(({ handler: _h, ...f }) => f),
    faults: world.faults,
    eventRules: world.eventRules,
    eventBuses: world.eventBuses,
    eventDelayMs: world.eventDelayMs,
    rateLimits: [...world.rateLimits],
  };
}
