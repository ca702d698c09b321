/**
 * plan(): what must be done to bring one trail to its spec, from what ActionTrail reports.
 *
 * Pure: no I/O. The classification is the compliance vocabulary used by every trigger:
 * missing → create + start; drifted → UpdateTrail (every delivery field re-sent) [+ start];
 * not-logging (Fresh or Disable, or GetTrailStatus says IsLogging=false) → StartLogging;
 * compliant → nothing.
 */
import { ProvisionError } from './errors';
import { DELIVERY_FIELDS, type DeliveryField, type TrailLoggingStatus, type TrailRecord, type TrailSpec } from './spec';

/** The EventRW sent when a spec leaves it unset (sources disagree on the API default; we always send it). */
export const DEFAULT_EVENT_RW = 'Write';
/** The TrailRegion the API uses when it is not given. */
export const DEFAULT_TRAIL_REGION = 'All';

export type Classification = 'missing' | 'drifted' | 'not-logging' | 'compliant';
export type Action = 'CreateTrail' | 'UpdateTrail' | 'StartLogging';

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

/** Role ARNs compare case-insensitively (RAM role names do); other fields exactly. */
function normalise(field: DeliveryField, value: unknown): string {
  const s = value === undefined || value === null ? '' : String(value);
  return field.endsWith('RoleArn') ? s.toLowerCase() : s;
}

export function diff(desired: TrailSpec, trail: TrailRecord): FieldDrift[] {
  const out: FieldDrift[] = [];
  for (const field of DELIVERY_FIELDS) {
    const want = normalise(field, desired[field]);
    const have = normalise(field, trail[field]);
    if (want !== have) out.push({ field, want: String(desired[field] ?? ''), have: String(trail[field] ?? '') });
  }
  return out;
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
  const drift = diff(desired, existing);
  const actions: Action[] = [];
  if (drift.length > 0) actions.push('UpdateTrail');
  if (!isLogging(existing, status)) actions.push('StartLogging');
  const classification: Classification = drift.length > 0 ? 'drifted' : actions.length > 0 ? 'not-logging' : 'compliant';
  return { name: spec.Name, classification, actions, drift, desired };
}
