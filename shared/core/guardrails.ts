/**
 * The guardrail policy: what no caller may do to a trail, whatever trigger it comes through.
 *
 * One JSON document (schemas/guardrail-policy.schema.json, compiled ahead by ajv like the spec
 * schema), from the code package, inline env or OSS (loadPolicy). The provisioner evaluates it
 * for every spec, after schema validation and before any plan or write (shared/core/provisioner.ts):
 * evaluateSpec() on the spec alone (no cloud call), evaluateExisting() against the trail as
 * DescribeTrails reports it. A violation refuses the spec with every violated rule
 * ({ruleId, pointer, message}): 409 ProtectedTrail when a protected trail is involved, else
 * 403 PolicyViolation; nothing is written. A dry run reports the violations in its plan.
 *
 * Safe defaults (no policy configured, or a policy that leaves a field out): baseline trail names
 * and organization trails are protected; EventRW and TrailRegion coverage is never lowered and no
 * destination is removed from an existing trail; write roles only in the trail's own account;
 * SLS / MaxCompute projects only in the trail's own account; self-service never touches
 * organization trails. The baseline's own specs (a spec equal to the baseline entry of its name)
 * are the operator's configuration: only the absolute floors apply to them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import policySchemaJson from '../../schemas/guardrail-policy.schema.json';
import validatePolicyGenerated from './generated/guardrail-policy-validator';
import { ProvisionError, type FieldError } from './errors';
import { parseMaxComputeProjectArn, parseRoleArn, parseSlsProjectArn } from './arn';
import { SPEC_FIELDS, type TrailRecord, type TrailSpec } from './spec';
import { updateRequest } from './planner';

export type Patterns = string[];
interface DestinationLists {
  oss?: Patterns;
  sls?: Patterns;
  maxcompute?: Patterns;
}

/** The policy document (every field optional; see the schema and DEFAULT_POLICY). */
export interface GuardrailPolicy {
  version?: 1;
  protectedTrails?: { baseline?: boolean; organizationTrails?: boolean; names?: Patterns };
  floors?: { EventRW?: 'All' | 'Write' | 'Read'; TrailRegion?: 'All'; noLowering?: boolean; noDestinationRemoval?: boolean };
  destinations?: DestinationLists & { crossAccount?: boolean; accounts?: Record<string, DestinationLists> };
  writeRoles?: { allowed?: Patterns };
  organizationTrails?: { selfService?: boolean };
}

/** The policy in force when none is configured: the safe defaults, spelled out. */
export const DEFAULT_POLICY: Readonly<GuardrailPolicy> = Object.freeze({
  version: 1,
  protectedTrails: { baseline: true, organizationTrails: true, names: [] },
  floors: { noLowering: true, noDestinationRemoval: true },
  destinations: { crossAccount: false },
  writeRoles: { allowed: [] },
  organizationTrails: { selfService: false },
});

/** Which trigger a spec came through. */
export type CallerKind = 'selfservice' | 'vending' | 'remediation' | 'cli';

/** Who asked: the trigger, and a name for the logs, the audit records and STS session names. */
export interface Caller {
  kind: CallerKind;
  name: string;
}

/** What the provisioner needs to evaluate the policy for one spec. */
export interface Guard {
  policy: GuardrailPolicy;
  /** The baseline specs (their names are protected; a spec equal to one of them is the baseline's own). */
  baseline: readonly TrailSpec[];
  caller: Caller;
}

/** Applied when a caller of the core passes no guard: the defaults, as an operator's library call. */
export const DEFAULT_GUARD: Guard = Object.freeze({ policy: DEFAULT_POLICY, baseline: [], caller: { kind: 'cli', name: 'library' } }) as Guard;

/** One violated rule. */
export interface Violation {
  ruleId: string;
  /** JSON pointer into the spec ("" for the spec as a whole). */
  pointer: string;
  message: string;
}

/** Rule ids (documented in the README and docs/openapi.yaml). */
export const RULES = {
  protectedTrail: 'protected-trail',
  protectedDestination: 'protected-destination',
  organizationTrailSelfService: 'organization-trail-self-service',
  floorEventRW: 'floor-event-rw',
  floorTrailRegion: 'floor-trail-region',
  noLoweringEventRW: 'no-lowering-event-rw',
  noLoweringTrailRegion: 'no-lowering-trail-region',
  noDestinationRemoval: 'no-destination-removal',
  allowedDestinations: 'allowed-destinations',
  crossAccountDestination: 'cross-account-destination',
  allowedWriteRoles: 'allowed-write-roles',
} as const;

// ---------------------------------------------------------------------------------------------
// Loading

const validatePolicyDoc = validatePolicyGenerated as ValidateFunction;
export const guardrailPolicySchema: Readonly<Record<string, unknown>> = Object.freeze(structuredClone(policySchemaJson) as Record<string, unknown>);

/** Checks a policy document against the schema; throws InvalidConfiguration naming `source` and each failing field. */
export function validatePolicy(doc: unknown, source = 'the guardrail policy'): GuardrailPolicy {
  if (validatePolicyDoc(doc)) return structuredClone(doc) as GuardrailPolicy;
  const fields: FieldError[] = (validatePolicyDoc.errors ?? []).slice(0, 20).map((e) => {
    const p = e.params as Record<string, unknown>;
    const extra = e.keyword === 'additionalProperties' ? `/${String(p['additionalProperty'])}` : '';
    const pointer = `${e.instancePath}${extra}`;
    return { pointer, rule: e.keyword, message: `${pointer || '/'} fails ${e.keyword}${e.keyword === 'enum' ? ` (allowed: ${JSON.stringify(p['allowedValues'])})` : ''}` };
  });
  throw new ProvisionError({
    code: 'InvalidConfiguration',
    status: 500,
    message: `Invalid configuration: ${source} does not follow schemas/guardrail-policy.schema.json (${fields.map((f) => f.message).join('; ')}).`,
    fields,
  });
}

/** Parses and validates a policy document's text. */
export function parsePolicyText(text: string, source: string): GuardrailPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ProvisionError({ code: 'InvalidConfiguration', status: 500, message: `Invalid configuration: ${source} is not valid JSON (expected a guardrail policy object).` });
  }
  return validatePolicy(doc, source);
}

/** Where the policy comes from (config.ts parses TRAIL_POLICY / TRAIL_POLICY_FILE / TRAIL_POLICY_OSS). */
export type PolicySource =
  | { kind: 'none' }
  | { kind: 'inline'; policy: GuardrailPolicy }
  | { kind: 'file'; path: string }
  | { kind: 'oss'; bucket: string; key: string };

/**
 * The policy in force: the configured document, or DEFAULT_POLICY. `readOss` reads an OSS object's
 * text (undefined: no such object); the triggers pass their retried OSS client.
 */
export async function loadPolicy(
  source: PolicySource,
  readOss: (bucket: string, key: string) => Promise<string | undefined>,
  baseDir = process.cwd(),
): Promise<GuardrailPolicy> {
  switch (source.kind) {
    case 'none':
      return DEFAULT_POLICY;
    case 'inline':
      return source.policy;
    case 'file': {
      let text: string;
      try {
        text = await readFile(path.resolve(baseDir, source.path), 'utf8');
      } catch {
        throw new ProvisionError({ code: 'InvalidConfiguration', status: 500, message: `Invalid configuration: TRAIL_POLICY_FILE cannot be read (${source.path}).` });
      }
      return parsePolicyText(text, 'TRAIL_POLICY_FILE');
    }
    case 'oss': {
      const text = await readOss(source.bucket, source.key);
      if (text === undefined) {
        throw new ProvisionError({ code: 'InvalidConfiguration', status: 500, message: `Invalid configuration: TRAIL_POLICY_OSS names an object that does not exist (oss://${source.bucket}/${source.key}).` });
      }
      return parsePolicyText(text, 'TRAIL_POLICY_OSS');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Rules

/** `*` any run of characters, `?` one; everything else literal; whole-string match. */
export function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return re.test(value);
}

const anyMatch = (patterns: readonly string[] | undefined, value: string) => (patterns ?? []).some((p) => globMatch(p, value));

/** The spec as a comparable string: its CreateTrail parameters in one order. */
function canonical(spec: TrailSpec): string {
  return JSON.stringify(SPEC_FIELDS.map((f) => spec[f] ?? null));
}

/** The baseline entry `spec` is exactly (the operator's own spec), if any. */
export function isBaselineSpec(spec: TrailSpec, baseline: readonly TrailSpec[]): boolean {
  const own = baseline.find((b) => b.Name === spec.Name);
  return own !== undefined && canonical(own) === canonical(spec);
}

/**
 * Whether `trailName` is protected under `policy`: a baseline name (unless protectedTrails.baseline
 * is false), an organization trail (unless protectedTrails.organizationTrails is false), or a name
 * listed in protectedTrails.names. Only the baseline's own spec may create or change it.
 */
export function isProtectedTrail(policy: GuardrailPolicy, baseline: readonly TrailSpec[], trailName: string, isOrganizationTrail: boolean): boolean {
  const p = policy.protectedTrails ?? {};
  if ((p.baseline ?? true) && baseline.some((b) => b.Name === trailName)) return true;
  if ((p.organizationTrails ?? true) && isOrganizationTrail) return true;
  return anyMatch(p.names, trailName);
}

/** What each EventRW value records. */
const EVENT_SETS: Record<string, ReadonlySet<string>> = { All: new Set(['Read', 'Write']), Write: new Set(['Write']), Read: new Set(['Read']) };

/** True when EventRW `want` records everything `floor` does. */
function covers(want: string, floor: string): boolean {
  const w = EVENT_SETS[want] ?? new Set<string>();
  return [...(EVENT_SETS[floor] ?? [])].every((e) => w.has(e));
}

/** True when TrailRegion `want` covers every region `have` does. */
function regionCovers(want: string, have: string): boolean {
  return want === 'All' || want === have;
}

const DEFAULT_EVENT_RW = 'Write';
const DEFAULT_TRAIL_REGION = 'All';

function protectedViolation(name: string): Violation {
  return {
    ruleId: RULES.protectedTrail,
    pointer: '/Name',
    message: `Trail "${name}" is protected (a baseline or organization trail, or listed in protectedTrails.names): only the baseline's own spec may create or change it.`,
  };
}

/** The lists that apply in `accountId` (a per-account entry replaces the global lists). */
function destinationLists(policy: GuardrailPolicy, accountId: string | undefined): DestinationLists {
  const d = policy.destinations ?? {};
  return (accountId && d.accounts?.[accountId]) || d;
}

/**
 * The rules that need only the spec (evaluated before any cloud call). `accountId`: the account the
 * trail is in (undefined when unknown: the account rules cannot be applied and are skipped).
 */
export function evaluateSpec(spec: TrailSpec, guard: Guard, accountId: string | undefined): Violation[] {
  const { policy, baseline, caller } = guard;
  const out: Violation[] = [];
  const own = isBaselineSpec(spec, baseline);
  const isOrg = Boolean(spec.IsOrganizationTrail);
  if (!own && isProtectedTrail(policy, baseline, spec.Name, isOrg)) out.push(protectedViolation(spec.Name));
  // Another trail on a baseline trail's bucket and prefix would make ActionTrail refuse the baseline
  // trail there (RepeatOssBucket) on every run from then on: the squat is refused like the trail.
  const squatted = !own && (policy.protectedTrails?.baseline ?? true) && spec.OssBucketName
    ? baseline.find((b) => b.Name !== spec.Name && b.OssBucketName === spec.OssBucketName && (b.OssKeyPrefix ?? '') === (spec.OssKeyPrefix ?? ''))
    : undefined;
  if (squatted) {
    out.push({
      ruleId: RULES.protectedDestination,
      pointer: '/OssKeyPrefix',
      message: `OSS bucket ${spec.OssBucketName} with this prefix is where baseline trail "${squatted.Name}" delivers; another trail there would block it (RepeatOssBucket). Use another prefix.`,
    });
  }
  if (caller.kind === 'selfservice' && isOrg && !policy.organizationTrails?.selfService) {
    out.push({ ruleId: RULES.organizationTrailSelfService, pointer: '/IsOrganizationTrail', message: 'Self-service may not create or change organization trails (organizationTrails.selfService).' });
  }
  // Absolute floors hold for every spec, the baseline's too.
  const floors = policy.floors ?? {};
  const eventRW = spec.EventRW ?? DEFAULT_EVENT_RW;
  if (floors.EventRW && !covers(eventRW, floors.EventRW)) {
    out.push({ ruleId: RULES.floorEventRW, pointer: '/EventRW', message: `/EventRW must record at least what ${floors.EventRW} does (the policy floor); the spec has ${eventRW}.` });
  }
  const region = spec.TrailRegion ?? DEFAULT_TRAIL_REGION;
  if (floors.TrailRegion === 'All' && region !== 'All') {
    out.push({ ruleId: RULES.floorTrailRegion, pointer: '/TrailRegion', message: `/TrailRegion must be All (the policy floor); the spec has ${region}.` });
  }
  if (own) return out;

  const lists = destinationLists(policy, accountId);
  const crossOk = Boolean(policy.destinations?.crossAccount);
  if (spec.OssBucketName && lists.oss && !anyMatch(lists.oss, spec.OssBucketName)) {
    out.push({ ruleId: RULES.allowedDestinations, pointer: '/OssBucketName', message: `OSS bucket ${spec.OssBucketName} is not an allowed destination (destinations.oss).` });
  }
  const projects = [
    { field: 'SlsProjectArn', kind: 'sls', label: 'SLS project', parsed: spec.SlsProjectArn ? parseSlsProjectArn(spec.SlsProjectArn) : undefined, arn: spec.SlsProjectArn },
    { field: 'MaxComputeProjectArn', kind: 'maxcompute', label: 'MaxCompute project', parsed: spec.MaxComputeProjectArn ? parseMaxComputeProjectArn(spec.MaxComputeProjectArn) : undefined, arn: spec.MaxComputeProjectArn },
  ] as const;
  for (const p of projects) {
    if (!p.arn || !p.parsed) continue;
    const list = lists[p.kind];
    const explicit = (list ?? []).some((pat) => pat.startsWith('acs:') && globMatch(pat, p.arn!));
    if (list && !explicit && !anyMatch(list.filter((pat) => !pat.startsWith('acs:')), p.parsed.project)) {
      out.push({ ruleId: RULES.allowedDestinations, pointer: `/${p.field}`, message: `${p.label} ${p.parsed.project} is not an allowed destination (destinations.${p.kind}).` });
    } else if (accountId && p.parsed.accountId !== '' && p.parsed.accountId !== accountId && !crossOk && !explicit) {
      // An empty account id in the ARN means the caller's own account (the CreateTrail doc's example).
      out.push({ ruleId: RULES.crossAccountDestination, pointer: `/${p.field}`, message: `/${p.field} names a ${p.label} in another account; the policy allows destinations in the trail's own account only (destinations.crossAccount).` });
    }
  }
  for (const field of ['OssWriteRoleArn', 'SlsWriteRoleArn', 'MaxComputeWriteRoleArn'] as const) {
    const arn = spec[field];
    if (!arn) continue;
    const role = parseRoleArn(arn);
    const sameAccount = role !== undefined && accountId !== undefined && role.accountId === accountId;
    if (!sameAccount && !anyMatch(policy.writeRoles?.allowed, arn) && (accountId !== undefined || role === undefined)) {
      out.push({ ruleId: RULES.allowedWriteRoles, pointer: `/${field}`, message: `/${field} must be a role in the trail's own account or match writeRoles.allowed.` });
    }
  }
  return out;
}

/**
 * The rule that needs the destination checks (preflight, before any write): an OSS bucket the
 * trail's account cannot read ('denied': another account's bucket) is a destination in another
 * account, allowed only by destinations.crossAccount or when destinations.oss lists it.
 */
export function evaluateDestinations(spec: TrailSpec, checks: ReadonlyArray<{ kind: string; name: string; result: string }>, guard: Guard, accountId: string | undefined): Violation[] {
  if (isBaselineSpec(spec, guard.baseline)) return [];
  const d = guard.policy.destinations ?? {};
  const listed = destinationLists(guard.policy, accountId).oss;
  const out: Violation[] = [];
  for (const c of checks) {
    if (c.kind !== 'oss' || c.result !== 'denied' || d.crossAccount || (listed && anyMatch(listed, c.name))) continue;
    out.push({
      ruleId: RULES.crossAccountDestination,
      pointer: '/OssBucketName',
      message: `OSS bucket ${c.name} belongs to another account (this account cannot read it); the policy allows it only through destinations.crossAccount or destinations.oss.`,
    });
  }
  return out;
}

const DESTINATIONS = [
  { field: 'OssBucketName', label: 'OSS' },
  { field: 'SlsProjectArn', label: 'SLS' },
  { field: 'MaxComputeProjectArn', label: 'MaxCompute' },
] as const;

/**
 * The rules that compare the spec with the existing trail as observed (before any plan): a
 * protected organization trail, and no lowering of EventRW / TrailRegion or removal of a
 * destination (unset fields are re-sent empty by UpdateTrail, so an unset destination removes it).
 */
export function evaluateExisting(spec: TrailSpec, existing: TrailRecord, guard: Guard): Violation[] {
  const { policy, baseline, caller } = guard;
  const out: Violation[] = [];
  const own = isBaselineSpec(spec, baseline);
  if (own) return out;
  const isOrg = Boolean(existing.IsOrganizationTrail);
  if (isProtectedTrail(policy, baseline, existing.Name, isOrg) && !isProtectedTrail(policy, baseline, spec.Name, Boolean(spec.IsOrganizationTrail))) {
    out.push(protectedViolation(existing.Name));
  }
  if (caller.kind === 'selfservice' && isOrg && !spec.IsOrganizationTrail && !policy.organizationTrails?.selfService) {
    out.push({ ruleId: RULES.organizationTrailSelfService, pointer: '/Name', message: `Trail "${existing.Name}" is an organization trail; self-service may not change it (organizationTrails.selfService).` });
  }
  const floors = policy.floors ?? {};
  if (floors.noLowering ?? true) {
    // What UpdateTrail would send: a field the spec leaves unset keeps the trail's value where that
    // is what the spec means (planner.updateRequest), so only what would really change is judged.
    const sent = updateRequest(spec, existing);
    const eventRW = sent.EventRW ?? DEFAULT_EVENT_RW;
    if (existing.EventRW && !covers(eventRW, existing.EventRW)) {
      out.push({ ruleId: RULES.noLoweringEventRW, pointer: '/EventRW', message: `/EventRW ${eventRW} would record less than the trail's current ${existing.EventRW}.` });
    }
    const region = sent.TrailRegion ?? DEFAULT_TRAIL_REGION;
    if (existing.TrailRegion && !regionCovers(region, existing.TrailRegion)) {
      out.push({ ruleId: RULES.noLoweringTrailRegion, pointer: '/TrailRegion', message: `/TrailRegion ${region} would cover less than the trail's current ${existing.TrailRegion}.` });
    }
  }
  if (floors.noDestinationRemoval ?? true) {
    for (const d of DESTINATIONS) {
      if (existing[d.field] && !spec[d.field]) {
        out.push({ ruleId: RULES.noDestinationRemoval, pointer: `/${d.field}`, message: `The trail delivers to ${d.label} now; a spec without /${d.field} would remove that destination.` });
      }
    }
  }
  return out;
}

/** The error refusing a spec: 409 ProtectedTrail when a protected trail is involved, else 403 PolicyViolation. */
export function policyError(name: string, violations: readonly Violation[]): ProvisionError {
  const isProtected = violations.some((v) => v.ruleId === RULES.protectedTrail || v.ruleId === RULES.protectedDestination);
  const rules = [...new Set(violations.map((v) => v.ruleId))].join(', ');
  return new ProvisionError({
    code: isProtected ? 'ProtectedTrail' : 'PolicyViolation',
    message: isProtected
      ? `Trail "${name}" is protected: only the baseline may create or change it (${rules}). Nothing was changed.`
      : `The spec for trail "${name}" violates the guardrail policy (${rules}). Nothing was changed.`,
    fields: violations.map((v) => ({ pointer: v.pointer, rule: v.ruleId, ruleId: v.ruleId, message: v.message })),
  });
}
