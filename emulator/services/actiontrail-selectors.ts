/**
 * ActionTrail data event selectors (API 2020-07-06): the request parsing and the answers of
 * PutDataEventSelector, GetDataEventSelector and DeleteDataEventSelector. Pure functions over one
 * trail (actiontrail.ts finds it at its home region and dispatches).
 *
 * Sources (docs/conformance.md rows at.PutDataEventSelector.*, at.GetDataEventSelector.*,
 * at.DeleteDataEventSelector.model):
 * - aliyun/alibabacloud-typescript-sdk actiontrail-20200706: PutDataEventSelectorRequest
 *   (TrailName, EventSelectors: "a JSON array that can contain a maximum of 20 elements" of
 *   {ServiceName, ReadWriteType: Read|Write|All, EventName / ResourceArn: {Equals, NotEquals}};
 *   IsTrailAllRegion, default false; TrailRegionIds, comma-separated), PutDataEventSelectorResponseBody
 *   (DataEventSelectors, TrailArn, RequestId), GetDataEventSelectorResponseBody
 *   (DataEventSelectors, IsTrailAllRegion, SlsDeliveryConfigs[], TrailArn, RequestId),
 *   DeleteDataEventSelectorRequest (TrailName);
 * - the PutDataEventSelector API page (alibabacloud.com/help/en/actiontrail/developer-reference/
 *   api-actiontrail-2020-07-06-putdataeventselector): "The total number of values in the Equals
 *   and NotEquals subfields for EventName cannot exceed 10. The same limit applies to
 *   ResourceArn." and "The TrailRegionIds parameter is required if you do not specify
 *   IsTrailAllRegion or set it to false."
 *
 * The emulator's choices where the sources are silent (unverified): the error codes (MissingX as
 * the POP gateway answers a missing parameter, InvalidQueryParameter for a malformed value: no
 * error table for these APIs was found); GetDataEventSelector of a trail that never had a Put
 * answers DataEventSelectors "" and IsTrailAllRegion false; SlsDeliveryConfigs is always empty
 * (its entries describe ActionTrail-managed per-region SLS projects the emulator does not model);
 * TrailRegionIds is stored but never answered (no response model has it).
 */
import type { EmuTrail } from '../state';
import { invalidParam, missingParam, parseBool, requireName } from './actiontrail-params';
import { trailArn } from './actiontrail-view';

const READ_WRITE_TYPES = new Set(['Read', 'Write', 'All']);
/** EventSelectors: "a JSON array that can contain a maximum of 20 elements". */
export const MAX_DATA_EVENT_SELECTORS = 20;
/** Equals + NotEquals values of one EventName (or ResourceArn) condition (API page). */
export const MAX_CONDITION_VALUES = 10;
const REGION_ID_RE = /^[a-z]{2,8}(-[a-z0-9]{1,12}){1,4}$/;

/** A PutDataEventSelector request, parsed. */
export interface PutSelectorRequest {
  trailName: string;
  /** EventSelectors as sent (a JSON array string). */
  selectors: string;
  allRegions: boolean;
  /** TrailRegionIds as a list ([] with IsTrailAllRegion=true). */
  regionIds: string[];
}

/** TrailName: required, a trail name (the trail is then looked up by the caller). */
export function requireTrailName(params: Record<string, string>): string {
  const name = params['TrailName'];
  if (name === undefined || name === '') throw missingParam('TrailName');
  return requireName({ Name: name });
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '');
}

/** A condition {Equals?, NotEquals?}: string lists, at most MAX_CONDITION_VALUES values together. */
function isCondition(v: unknown): boolean {
  if (v === undefined) return true;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  let values = 0;
  for (const k of Object.keys(o)) {
    const list = o[k];
    if ((k !== 'Equals' && k !== 'NotEquals') || !isStringList(list)) return false;
    values += list.length;
  }
  return values <= MAX_CONDITION_VALUES;
}

function parseSelectors(raw: string | undefined): string {
  if (raw === undefined || raw === '') throw missingParam('EventSelectors');
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw invalidParam('EventSelectors');
  }
  if (!Array.isArray(list) || list.length > MAX_DATA_EVENT_SELECTORS) throw invalidParam('EventSelectors');
  for (const item of list) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidParam('EventSelectors');
    const e = item as Record<string, unknown>;
    if (typeof e['ServiceName'] !== 'string' || e['ServiceName'] === '') throw invalidParam('EventSelectors');
    if (e['ReadWriteType'] !== undefined && !READ_WRITE_TYPES.has(String(e['ReadWriteType']))) throw invalidParam('EventSelectors');
    if (!isCondition(e['EventName']) || !isCondition(e['ResourceArn'])) throw invalidParam('EventSelectors');
  }
  return raw;
}

/** TrailRegionIds: required unless IsTrailAllRegion=true; comma-separated region ids. */
function parseRegions(params: Record<string, string>): { allRegions: boolean; regionIds: string[] } {
  const allRegions = parseBool(params, 'IsTrailAllRegion') ?? false;
  const raw = params['TrailRegionIds'];
  if (raw === undefined || raw === '') {
    if (!allRegions) throw missingParam('TrailRegionIds');
    return { allRegions, regionIds: [] };
  }
  const regionIds = raw.split(',').map((s) => s.trim());
  if (regionIds.some((r) => !REGION_ID_RE.test(r))) throw invalidParam('TrailRegionIds');
  return { allRegions, regionIds };
}

export function parsePutRequest(params: Record<string, string>): PutSelectorRequest {
  const trailName = requireTrailName(params);
  const selectors = parseSelectors(params['EventSelectors']);
  return { trailName, selectors, ...parseRegions(params) };
}

/** Stores a Put on the trail (as sent) and answers PutDataEventSelectorResponseBody. */
export function putSelectors(trail: EmuTrail, put: PutSelectorRequest, requestId: string): Record<string, unknown> {
  trail.DataEventSelectors = put.selectors;
  trail.DataEventAllRegion = put.allRegions;
  trail.DataEventRegionIds = put.regionIds.join(',');
  return { RequestId: requestId, TrailArn: trailArn(trail), DataEventSelectors: put.selectors };
}

/** GetDataEventSelectorResponseBody of the trail. */
export function selectorsBody(trail: EmuTrail, requestId: string): Record<string, unknown> {
  return {
    RequestId: requestId,
    TrailArn: trailArn(trail),
    DataEventSelectors: trail.DataEventSelectors ?? '',
    IsTrailAllRegion: trail.DataEventAllRegion ?? false,
    SlsDeliveryConfigs: [],
  };
}

/** DeleteDataEventSelector: the trail keeps no selectors. */
export function deleteSelectors(trail: EmuTrail, requestId: string): Record<string, unknown> {
  delete trail.DataEventSelectors;
  delete trail.DataEventAllRegion;
  delete trail.DataEventRegionIds;
  return { RequestId: requestId };
}
