/**
 * The narrow cloud interface the core (planner, provisioner, remediation) works over.
 *
 * Each member is implemented by one client module in shared/cloud/ on top of the real
 * Alibaba Cloud SDK clients; the core never touches an SDK directly. One Cloud is bound to one
 * account (its credentials) and one region (the ActionTrail endpoint called = HomeRegion).
 */
import type { TrailLoggingStatus, TrailRecord, TrailSpec } from '../core/spec';

/** Static or temporary credentials. Secrets never leave the client modules (not logged, not returned). */
export interface CloudCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** Credentials source: a fixed value, or something that yields fresh ones (STS, FC context). */
export type CredentialsProvider = () => Promise<CloudCredentials>;

/** Response of a write call: the request id, and the trail as the API returned it. */
export interface TrailWriteResult extends TrailRecord {
  RequestId: string;
}

export interface ActionTrailApi {
  /** DescribeTrails; unknown names give an empty list. */
  describeTrails(opts?: { names?: string[]; includeOrganizationTrail?: boolean; includeShadowTrails?: boolean }): Promise<TrailRecord[]>;
  getTrailStatus(name: string, isOrganizationTrail?: boolean): Promise<TrailLoggingStatus & { RequestId: string }>;
  createTrail(spec: TrailSpec): Promise<TrailWriteResult>;
  /** UpdateTrail; the caller passes every delivery field (omitting one can clear it). */
  updateTrail(spec: Omit<TrailSpec, 'IsOrganizationTrail'>): Promise<TrailWriteResult>;
  startLogging(name: string): Promise<{ RequestId: string }>;
  stopLogging(name: string): Promise<{ RequestId: string }>;
  deleteTrail(name: string): Promise<{ RequestId: string }>;
  /**
   * GetDataEventSelector (TrailName): the trail's data event selectors as the API returned them, a
   * JSON array string ("" when the answer has none), and IsTrailAllRegion when answered.
   */
  getDataEventSelector(trailName: string): Promise<DataEventSelectorState & { RequestId: string; TrailArn?: string }>;
  /** PutDataEventSelector (TrailName, EventSelectors, IsTrailAllRegion, TrailRegionIds). */
  putDataEventSelector(trailName: string, put: DataEventSelectorPut): Promise<{ RequestId: string }>;
}

/** What GetDataEventSelector tells of a trail's data events. */
export interface DataEventSelectorState {
  /** DataEventSelectors: a JSON array string, "" when the answer has none. */
  DataEventSelectors: string;
  /** IsTrailAllRegion; undefined when the answer leaves it out. */
  IsTrailAllRegion?: boolean;
}

/** A PutDataEventSelector request (TrailName aside). */
export interface DataEventSelectorPut {
  /** A JSON array string of at most 20 selectors. */
  EventSelectors: string;
  IsTrailAllRegion: boolean;
  /** Comma-separated region ids; sent only when IsTrailAllRegion is false (then the API requires it). */
  TrailRegionIds?: string;
}

/** Result of a destination existence check. */
export type Existence = 'exists' | 'missing' | 'denied';

export interface OssApi {
  /** GetBucketInfo: exists / missing (NoSuchBucket) / denied (AccessDenied). */
  bucketExists(bucket: string, region?: string): Promise<Existence>;
}

export interface SlsApi {
  /** GetProject: exists / missing (ProjectNotExist) / denied (Unauthorized). */
  projectExists(project: string, region?: string): Promise<Existence>;
}

export interface MaxComputeApi {
  /** GetProject (MaxCompute 2022-01-04): exists / missing / denied. */
  projectExists(project: string, region?: string): Promise<Existence>;
}

export interface RamApi {
  /** GetRole by name: the trust policy's service principals and the document itself, or undefined when the role does not exist. */
  getRole(roleName: string): Promise<{ arn: string; trustedServices: string[]; trustPolicy: string } | undefined>;
  /** UpdateRole with NewAssumeRolePolicyDocument only: the role as RAM answers it, or undefined when the role does not exist. */
  updateTrustPolicy(roleName: string, document: string): Promise<{ arn: string; trustedServices: string[]; trustPolicy: string } | undefined>;
}

export interface StsApi {
  getCallerIdentity(): Promise<{ accountId: string; arn: string; identityType: string }>;
  assumeRole(roleArn: string, sessionName: string, durationSeconds?: number): Promise<CloudCredentials & { expiration: string }>;
}

export interface ResourceManagerApi {
  /** ListAccounts with paging, all pages. */
  listAccounts(opts?: { pageSize?: number; onPage?: (page: number, total: number) => void }): Promise<Array<{ accountId: string; displayName: string; status: string; type: string }>>;
  /** GetAccount: the directory's account, or undefined when it is not in the directory (EntityNotExists.Account). */
  getAccount(accountId: string): Promise<{ accountId: string; displayName: string; status: string; type: string } | undefined>;
}

export interface FcApi {
  /** InvokeFunction (FC 3.0). Async returns once FC accepted the event (202). */
  invoke(functionName: string, payload: unknown, mode: 'sync' | 'async', qualifier?: string): Promise<{ requestId: string; status: number; body?: unknown }>;
}

/** Everything the core needs, bound to one account and one region. */
export interface Cloud {
  region: string;
  /** The account the credentials belong to, when known (write roles in it are checked before CreateTrail). */
  accountId?: string;
  actiontrail: ActionTrailApi;
  oss: OssApi;
  sls: SlsApi;
  maxcompute: MaxComputeApi;
  ram: RamApi;
  sts: StsApi;
  /** The same account and credentials in another region (trails are managed at their HomeRegion's endpoint). */
  forRegion(region: string): Cloud;
}
