/**
 * ActionTrailApi (API 2020-07-06) on @alicloud/openapi-core's generic callApi.
 *
 * @alicloud/actiontrail20200706 is not in our registry, so this does what the generated SDKs do
 * inside (compare @alicloud/sts20150401): RPC style, pathname "/", every parameter in the query
 * string, formData request body type, JSON response, AK auth with the ACS3-HMAC-SHA256
 * signature. Method POST, except StopLogging, which the API serves on GET only.
 * Put/GetDataEventSelector name the trail by TrailName (not Name); Put sends EventSelectors (a JSON
 * array string), IsTrailAllRegion and, for specific regions, TrailRegionIds; Get answers
 * DataEventSelectors and IsTrailAllRegion (SDK models PutDataEventSelectorRequest,
 * GetDataEventSelectorResponseBody).
 *
 * Parameter choices:
 * - EventRW is always sent, "Write" when the spec leaves it unset: the API's own default is
 *   documented inconsistently (All vs Write), and ROS defaults to Write.
 * - UpdateTrail re-sends every delivery field ("" for an unset one, which clears it), TrailRegion
 *   "All" when unset: a field left out is not "unchanged" for this API (a write role left out
 *   falls back to the service-linked role; see the Terraform fix PR #3851). The planner
 *   (updateRequest) fills the fields a spec leaves unset with the trail's own server-filled
 *   values, so an update does not blank them.
 * - Booleans go out as "true"/"false"; responses are normalised to real booleans and numbers.
 */
import { DESTINATION_FIELDS, type EventRW, type TrailLoggingStatus, type TrailRecord, type TrailSpec, type TrailStatus } from '../core/spec';
import type { ClientOptions } from './options';
import { rpcApi } from './rpc';
import type { ActionTrailApi, DataEventSelectorPut, TrailWriteResult } from './types';

export const ACTIONTRAIL_VERSION = '2020-07-06';
/** What the client sends when a spec leaves EventRW unset (as ROS does). */
export const DEFAULT_EVENT_RW: EventRW = 'Write';
/** What UpdateTrail sends when a spec leaves TrailRegion unset (the API's default for CreateTrail). */
export const DEFAULT_TRAIL_REGION = 'All';

type Query = Record<string, string>;
type Body = Record<string, unknown>;

/** Sent in full by UpdateTrail ("" for an unset one). */
const UPDATE_FIELDS = DESTINATION_FIELDS;

function str(v: unknown): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && v !== '') return v.toLowerCase() === 'true';
  if (typeof v === 'number') return v !== 0;
  return undefined;
}

/**
 * A trail as the API returned it, with "" dropped and booleans normalised. Only the fields of the
 * DescribeTrails SDK model are read (no IsShadowTrail: the current models list none).
 */
export function toTrailRecord(b: Body): TrailRecord {
  const r: TrailRecord = {
    Name: String(b['Name'] ?? ''),
    HomeRegion: String(b['HomeRegion'] ?? ''),
    TrailRegion: String(b['TrailRegion'] ?? ''),
    EventRW: (str(b['EventRW']) ?? DEFAULT_EVENT_RW) as EventRW,
  };
  const strings = [
    ...UPDATE_FIELDS,
    'TrailArn',
    'CreateTime',
    'UpdateTime',
    'StartLoggingTime',
    'StopLoggingTime',
    'OrganizationId',
  ] as const;
  for (const k of strings) {
    const v = str(b[k]);
    if (v !== undefined) r[k] = v;
  }
  const status = str(b['Status']);
  if (status !== undefined) r.Status = status as TrailStatus;
  const isOrg = bool(b['IsOrganizationTrail']);
  if (isOrg !== undefined) r.IsOrganizationTrail = isOrg;
  return r;
}

export function toLoggingStatus(b: Body): TrailLoggingStatus & { RequestId: string } {
  const s: TrailLoggingStatus & { RequestId: string } = {
    RequestId: String(b['RequestId'] ?? ''),
    IsLogging: bool(b['IsLogging']) ?? false,
  };
  for (const k of [
    'LatestDeliveryError',
    'LatestDeliveryLogServiceError',
    'LatestDeliveryTime',
    'LatestDeliveryLogServiceTime',
    'StartLoggingTime',
    'StopLoggingTime',
  ] as const) {
    const v = str(b[k]);
    if (v !== undefined) s[k] = v;
  }
  for (const k of ['OssBucketStatus', 'SlsLogStoreStatus'] as const) {
    const v = bool(b[k]);
    if (v !== undefined) s[k] = v;
  }
  return s;
}

/** CreateTrail query: the spec's set fields, EventRW always, booleans as "true"/"false". */
export function createTrailQuery(spec: TrailSpec): Query {
  const q: Query = { Name: spec.Name, EventRW: spec.EventRW ?? DEFAULT_EVENT_RW };
  for (const k of [...UPDATE_FIELDS, 'TrailRegion'] as const) {
    const v = spec[k];
    if (v !== undefined && v !== '') q[k] = v;
  }
  if (spec.IsOrganizationTrail !== undefined) q['IsOrganizationTrail'] = spec.IsOrganizationTrail ? 'true' : 'false';
  return q;
}

/**
 * PutDataEventSelector query (PutDataEventSelectorRequest): TrailName, EventSelectors,
 * IsTrailAllRegion always (its default false is the API's, sent anyway so the request says what it
 * means), TrailRegionIds only for specific regions (required then, per the API page).
 */
export function putDataEventSelectorQuery(trailName: string, put: DataEventSelectorPut): Query {
  const q: Query = { TrailName: trailName, EventSelectors: put.EventSelectors, IsTrailAllRegion: put.IsTrailAllRegion ? 'true' : 'false' };
  if (!put.IsTrailAllRegion && put.TrailRegionIds) q['TrailRegionIds'] = put.TrailRegionIds;
  return q;
}

/** UpdateTrail query: every delivery field, "" for an unset one, EventRW and TrailRegion defaulted. */
export function updateTrailQuery(spec: Omit<TrailSpec, 'IsOrganizationTrail'>): Query {
  const q: Query = {
    Name: spec.Name,
    EventRW: spec.EventRW ?? DEFAULT_EVENT_RW,
    TrailRegion: spec.TrailRegion || DEFAULT_TRAIL_REGION,
  };
  for (const k of UPDATE_FIELDS) q[k] = spec[k] ?? '';
  return q;
}

export function createActionTrailClient(opts: ClientOptions): ActionTrailApi {
  const call = rpcApi('actiontrail', ACTIONTRAIL_VERSION, opts) as (action: string, query: Query, method?: 'GET' | 'POST') => Promise<Body>;

  const writeResult = (b: Body): TrailWriteResult => ({ ...toTrailRecord(b), RequestId: String(b['RequestId'] ?? '') });

  return {
    async describeTrails(o = {}) {
      const q: Query = {};
      if (o.names && o.names.length > 0) q['NameList'] = o.names.join(',');
      if (o.includeOrganizationTrail !== undefined) q['IncludeOrganizationTrail'] = String(o.includeOrganizationTrail);
      if (o.includeShadowTrails !== undefined) q['IncludeShadowTrails'] = String(o.includeShadowTrails);
      const b = await call('DescribeTrails', q);
      const list = Array.isArray(b['TrailList']) ? (b['TrailList'] as Body[]) : [];
      return list.map(toTrailRecord);
    },
    async getTrailStatus(name, isOrganizationTrail) {
      const q: Query = { Name: name };
      if (isOrganizationTrail !== undefined) q['IsOrganizationTrail'] = String(isOrganizationTrail);
      return toLoggingStatus(await call('GetTrailStatus', q));
    },
    async createTrail(spec) {
      return writeResult(await call('CreateTrail', createTrailQuery(spec)));
    },
    async updateTrail(spec) {
      return writeResult(await call('UpdateTrail', updateTrailQuery(spec)));
    },
    async startLogging(name) {
      const b = await call('StartLogging', { Name: name });
      return { RequestId: String(b['RequestId'] ?? '') };
    },
    async stopLogging(name) {
      const b = await call('StopLogging', { Name: name }, 'GET');
      return { RequestId: String(b['RequestId'] ?? '') };
    },
    async deleteTrail(name) {
      const b = await call('DeleteTrail', { Name: name });
      return { RequestId: String(b['RequestId'] ?? '') };
    },
    async getDataEventSelector(trailName) {
      const b = await call('GetDataEventSelector', { TrailName: trailName });
      const out: Awaited<ReturnType<ActionTrailApi['getDataEventSelector']>> = {
        RequestId: String(b['RequestId'] ?? ''),
        DataEventSelectors: str(b['DataEventSelectors']) ?? '',
      };
      const all = bool(b['IsTrailAllRegion']);
      if (all !== undefined) out.IsTrailAllRegion = all;
      const arn = str(b['TrailArn']);
      if (arn !== undefined) out.TrailArn = arn;
      return out;
    },
    async putDataEventSelector(trailName, put) {
      const b = await call('PutDataEventSelector', putDataEventSelectorQuery(trailName, put));
      return { RequestId: String(b['RequestId'] ?? '') };
    },
  };
}
