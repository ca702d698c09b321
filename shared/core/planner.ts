/**
 * plan(): what must be done to bring one trail to its spec, from what ActionTrail reports.
 *
 * Only what the spec sets is compared, with the API's defaults where it is silent; what the
 * server fills in (the service-linked write role, TrailRegion All, an empty account id in a
 * project ARN) is normalised, so a trail as ActionTrail reports it is compliant with the spec
 * that created it.
 *
 * Pure: no I/O. The classification is the compliance vocabulary used by every trigger:
 * missing → create + start; drifted → UpdateTrail (every delivery field re-sent) [+ start];
 * not-logging (Fresh or Disable, or GetTrailStatus says IsLogging=false) → StartLogging;
 * compliant → nothing.
 */
import { ProvisionError } from './errors';
import { ACTIONTRAIL_SERVICE_LINKED_ROLE, isServiceLinkedRoleArn } from './arn';
import { DELIVERY_FIELDS, type DataEventSelector, type DeliveryField, type TrailLoggingStatus, type TrailRecord, type TrailSpec } from './spec';
import type { DataEventSelectorPut, DataEventSelectorState } from '../cloud/types';

/** The EventRW sent when a spec leaves it unset (sources disagree on the API default; we always send it). */
export const DEFAULT_EVENT_RW = 'Write';
/** The TrailRegion the API uses when it is not given. */
export const DEFAULT_TRAIL_REGION = 'All';

export type Classification = 'missing' | 'drifted' | 'not-logging' | 'compliant';
/** PutDataEventSelector: the spec's DataEventSelectors differ from GetDataEventSelector's (see selectorsDiffer). */
export type Action = 'CreateTrail' | 'UpdateTrail' | 'PutDataEventSelector' | 'StartLogging';

export interface FieldDrift {
  field: DeliveryField;
  /** What the spec asks for ("" = unset). */
  want: string;
  /** What the trail has ("" = unset). */
  have: string;
}

export interface Plan {
  name: string;
  classification: Classification;
  actions: Action[];
  drift: FieldDrift[];
  /** The spec with defaults filled in: what CreateTrail / UpdateTrail will send. */
  desired: Required<Pick<TrailSpec, 'Name' | 'EventRW' | 'TrailRegion'>> & TrailSpec;
}

/** The spec as it will be sent: EventRW and TrailRegion always explicit. */
export function withDefaults(spec: TrailSpec): Plan['desired'] {
  return { ...spec, EventRW: spec.EventRW ?? DEFAULT_EVENT_RW, TrailRegion: spec.TrailRegion ?? DEFAULT_TRAIL_REGION };
}

/** Each write-role field and the destination it serves. */
const ROLE_OF = {
  OssWriteRoleArn: 'OssBucketName',
  SlsWriteRoleArn: 'SlsProjectArn',
  MaxComputeWriteRoleArn: 'MaxComputeProjectArn',
} as const;
type RoleField = keyof typeof ROLE_OF;
const isRoleField = (f: DeliveryField): f is RoleField => f in ROLE_OF;

/** The account that owns a trail, from its ARN (acs:actiontrail:<region>:<account>:trail/<name>). */
export function trailAccount(t: Pick<TrailRecord, 'TrailArn'>): string | undefined {
  return /^acs:actiontrail:[^:]*:(\d+):trail\//.exec(t.TrailArn ?? '')?.[1];
}

/** ActionTrail's service-linked role in an account. */
export function serviceLinkedRoleArn(accountId: string): string {
  return `acs:ram::${accountId}:role/${ACTIONTRAIL_SERVICE_LINKED_ROLE}`;
}

/**
 * A value as compared for drift, with what the server fills in normalised away:
 * - write roles: no role and ActionTrail's service-linked role mean the same (the API uses the
 *   service-linked role when none is given, and DescribeTrails may report it: Terraform made
 *   sls_write_role_arn Computed for this); otherwise case-insensitive (RAM role names are);
 * - SLS / MaxCompute project ARNs: an empty account id is the trail owner's account;
 * - TrailRegion: unset is All (the API default; Terraform made trail_region Computed), a region
 *   list compares as a set.
 */
function normalise(field: DeliveryField, value: unknown, account: string | undefined): string {
  const s = value === undefined || value === null ? '' : String(value).trim();
  if (isRoleField(field)) return s === '' || isServiceLinkedRoleArn(s) ? '' : s.toLowerCase();
  if ((field === 'SlsProjectArn' || field === 'MaxComputeProjectArn') && account) {
    return s.replace(/^(acs:(?:log|odps):[^:]*:):/, `$1${account}:`);
  }
  if (field === 'TrailRegion') return s === '' || s === 'All' ? 'All' : s.split(',').map((r) => r.trim()).sort().join(',');
  return s;
}

/**
 * EventRW a spec leaves unset: the API's default is documented as Write in some sources and All in
 * others, so a trail reporting either is not drift (All records the writes too); Read is.
 */
function eventRwDefaultOk(have: string): boolean {
  return have === 'Write' || have === 'All';
}

/**
 * Drift between a spec and a trail, comparing what the spec sets (with the API's defaults where it
 * is silent) and normalising what the server fills in. `spec` is the spec as given, before
 * withDefaults (it tells an unset EventRW from an explicit one).
 */
export function diff(desired: TrailSpec, trail: TrailRecord, spec: TrailSpec = desired): FieldDrift[] {
  const account = trailAccount(trail);
  const out: FieldDrift[] = [];
  for (const field of DELIVERY_FIELDS) {
    const want = normalise(field, desired[field], account);
    const have = normalise(field, trail[field], account);
    if (field === 'EventRW' && spec.EventRW === undefined && eventRwDefaultOk(have)) continue;
    if (want !== have) out.push({ field, want: String(desired[field] ?? ''), have: String(trail[field] ?? '') });
  }
  return out;
}

/**
 * The UpdateTrail request: every delivery field (UpdateTrail treats a field left out as "no custom
 * value", see Terraform PR #3851), the spec's values, and where the spec is silent the trail's own
 * server-filled value when it is already what the spec means, so an update of one field does not
 * blank or change the others: a write role left unset keeps the trail's service-linked (or empty)
 * role, or becomes the service-linked role when the trail had a custom one; EventRW left unset
 * keeps Write or All.
 */
export function updateRequest(spec: TrailSpec, trail: TrailRecord): Omit<Plan['desired'], 'IsOrganizationTrail'> {
  const { IsOrganizationTrail: _org, ...desired } = withDefaults(spec);
  const account = trailAccount(trail);
  for (const [role, destination] of Object.entries(ROLE_OF) as Array<[RoleField, DeliveryField]>) {
    if (spec[role] || !spec[destination]) continue;
    const current = trail[role] ?? '';
    if (current === '' || isServiceLinkedRoleArn(current)) {
      if (current !== '') desired[role] = current;
    } else if (account) {
      desired[role] = serviceLinkedRoleArn(account);
    }
  }
  if (spec.EventRW === undefined && eventRwDefaultOk(trail.EventRW)) desired.EventRW = trail.EventRW;
  return desired;
}

/** Logging by GetTrailStatus when it was asked, else by DescribeTrails' Status. */
export function isLogging(trail: TrailRecord, status?: Pick<TrailLoggingStatus, 'IsLogging'>): boolean {
  return status ? status.IsLogging : trail.Status === 'Enable';
}

/** `status`: GetTrailStatus of the existing trail, when it was read (it outranks Status). */
export function plan(spec: TrailSpec, existing: TrailRecord | undefined, status?: Pick<TrailLoggingStatus, 'IsLogging'>): Plan {
  const desired = withDefaults(spec);
  if (!existing) {
    return { name: spec.Name, classification: 'missing', actions: ['CreateTrail', 'StartLogging'], drift: [], desired };
  }
  if (Boolean(existing.IsOrganizationTrail) !== Boolean(desired.IsOrganizationTrail)) {
    throw new ProvisionError({
      code: 'InvalidQueryParameter',
      status: 400,
      message:
        `Trail "${spec.Name}" exists with IsOrganizationTrail=${Boolean(existing.IsOrganizationTrail)} but the spec asks for ` +
        `${Boolean(desired.IsOrganizationTrail)}; UpdateTrail cannot change it. Delete the trail or change the spec.`,
      fields: [{ pointer: '/IsOrganizationTrail', rule: 'immutable', message: '/IsOrganizationTrail cannot be changed on an existing trail' }],
    });
  }
  const drift = diff(desired, existing, spec);
  const actions: Action[] = [];
  if (drift.length > 0) actions.push('UpdateTrail');
  if (!isLogging(existing, status)) actions.push('StartLogging');
  const classification: Classification = drift.length > 0 ? 'drifted' : actions.length > 0 ? 'not-logging' : 'compliant';
  return { name: spec.Name, classification, actions, drift, desired };
}

/** A JSON value with object keys sorted and string lists sorted: the order-insensitive form. */
function canonicalJson(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(canonicalJson);
    return items.every((x) => typeof x === 'string') ? [...(items as string[])].sort() : items;
  }
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as Record<string, unknown>)
        .sort()
        .map((k) => [k, canonicalJson((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/**
 * One selector as compared: an Equals / NotEquals list is a set (order and duplicates do not
 * matter), an empty condition or list is the same as none.
 */
function canonicalSelector(s: unknown): string {
  const o = (s && typeof s === 'object' ? { ...(s as Record<string, unknown>) } : { value: s }) as Record<string, unknown>;
  for (const k of ['EventName', 'ResourceArn']) {
    const c = o[k];
    if (!c || typeof c !== 'object') continue;
    const cond = Object.fromEntries(
      Object.entries(c as Record<string, unknown>).filter(([, list]) => !Array.isArray(list) || list.length > 0).map(([key, list]) => [key, Array.isArray(list) ? [...new Set(list)] : list]),
    );
    if (Object.keys(cond).length === 0) delete o[k];
    else o[k] = cond;
  }
  return JSON.stringify(canonicalJson(o));
}

/**
 * Whether the spec's data event selectors differ from what GetDataEventSelector returned (a JSON
 * array string). Compared as a set of selectors (the API documents a JSON array of up to 20, no
 * order). "", absent and "[]" mean none; an answer that is not a JSON array counts as different
 * (a Put then writes the spec's). A spec selector without ReadWriteType matches an answered one
 * with any ReadWriteType (the API's default is undocumented).
 */
export function selectorsDiffer(want: readonly DataEventSelector[], have: string | undefined): boolean {
  let current: unknown[] = [];
  if (have !== undefined && have.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(have);
      if (!Array.isArray(parsed)) return true;
      current = parsed;
    } catch {
      return true;
    }
  }
  const a = new Set(want.map(canonicalSelector));
  // A selector the spec writes without ReadWriteType matches an answer that fills one in: the
  // API's default for it is not documented, so whatever the service stores is accepted.
  const b = new Set(
    current.map((h) => {
      const key = canonicalSelector(h);
      if (a.has(key) || !h || typeof h !== 'object' || !('ReadWriteType' in h)) return key;
      const { ReadWriteType: _rw, ...rest } = h as Record<string, unknown>;
      const loose = canonicalSelector(rest);
      return a.has(loose) ? loose : key;
    }),
  );
  return a.size !== b.size || [...a].some((x) => !b.has(x));
}

/**
 * The regions of a spec's data events: DataEventRegions, else the trail's own coverage
 * (TrailRegion All, the default, gives ["All"]; one region gives [that region]).
 */
export function dataEventRegions(spec: TrailSpec): string[] {
  return spec.DataEventRegions ?? [spec.TrailRegion ?? DEFAULT_TRAIL_REGION];
}

/**
 * The PutDataEventSelector request of a spec that sets DataEventSelectors: ["All"] is
 * IsTrailAllRegion=true; region ids are IsTrailAllRegion=false with TrailRegionIds (which the API
 * requires then: PutDataEventSelector API page).
 */
export function dataEventPut(spec: TrailSpec): DataEventSelectorPut {
  const regions = dataEventRegions(spec);
  const all = regions.includes('All');
  return {
    EventSelectors: JSON.stringify(spec.DataEventSelectors ?? []),
    IsTrailAllRegion: all,
    ...(all ? {} : { TrailRegionIds: regions.join(',') }),
  };
}

/**
 * Why the trail's data events (GetDataEventSelector) differ from the spec's, or [] when they do
 * not: the selectors (selectorsDiffer), and the all-regions flag when the answer carries one. The
 * region list itself cannot be compared: no response model returns TrailRegionIds.
 */
export function dataEventDrift(spec: TrailSpec, have: DataEventSelectorState): string[] {
  const want = spec.DataEventSelectors;
  if (want === undefined) return [];
  const why: string[] = [];
  if (selectorsDiffer(want, have.DataEventSelectors)) why.push('DataEventSelectors');
  const wantAll = dataEventPut(spec).IsTrailAllRegion;
  if (want.length > 0 && have.IsTrailAllRegion !== undefined && have.IsTrailAllRegion !== wantAll) why.push('IsTrailAllRegion');
  return why;
}
