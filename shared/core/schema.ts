/**
 * Trail spec validation: the published JSON Schema (schemas/trail-spec.schema.json), compiled
 * ahead of time by ajv into shared/core/generated/trail-spec-validator.ts (scripts/gen-validator.ts,
 * `npm run gen`; a test keeps the two in step), and the mapping from ajv errors to a
 * ProvisionError carrying the documented CreateTrail code and every failing field as a JSON
 * pointer. Compiled ahead rather than at load: a cold start then loads neither ajv's compiler
 * (~130 KiB of the function bundle) nor pays the compile.
 *
 * Guarantees, for ANY input: only ProvisionError is thrown; the input is never mutated (no ajv
 * defaults, no coercion, no removeAdditional); the returned spec is a fresh object holding only the
 * known CreateTrail parameters; "__proto__" / "constructor" keys are plain unknown fields.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import specSchemaJson from '../../schemas/trail-spec.schema.json';
import batchSchemaJson from '../../schemas/trail-spec-batch.schema.json';
import { DOCUMENTED_ERRORS, ProvisionError, type DocumentedCode, type FieldError } from './errors';
import { SPEC_FIELDS, type TrailSpec } from './spec';
import validateGenerated from './generated/trail-spec-validator';

export { SPEC_FIELDS };

/** Rule name used for "at least one destination" (the schema's root anyOf). */
export const DESTINATION_RULE = 'atLeastOneDestination';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The published trail spec schema (served by GET /schema); frozen so no caller can alter it. */
export const trailSpecSchema: Readonly<Record<string, unknown>> = deepFreeze(
  structuredClone(specSchemaJson) as Record<string, unknown>,
);
/** The published batch schema (a list of specs). */
export const trailSpecBatchSchema: Readonly<Record<string, unknown>> = deepFreeze(
  structuredClone(batchSchemaJson) as Record<string, unknown>,
);

const BATCH_MAX = (batchSchemaJson as { maxItems: number }).maxItems;

/**
 * The compiled spec schema (options: scripts/gen-validator.ts). Lists are validated item by item
 * with this one function (the batch schema only adds maxItems).
 */
const validateOne = validateGenerated as ValidateFunction;

/** Plain-words reading of each field's pattern, for messages. */
const PATTERN_WORDS: Record<string, string> = {
  Name: '6-36 chars: lowercase letter first, then lowercase letters, digits, _ or -',
  OssBucketName: '3-63 chars: lowercase letters, digits and -, starting and ending with a letter or digit',
  OssKeyPrefix: '6-32 chars: letter first, then letters, digits, _, / or -',
  OssWriteRoleArn: 'a RAM role ARN acs:ram::<accountId>:role/<roleName>',
  SlsWriteRoleArn: 'a RAM role ARN acs:ram::<accountId>:role/<roleName>',
  MaxComputeWriteRoleArn: 'a RAM role ARN acs:ram::<accountId>:role/<roleName>',
  SlsProjectArn: 'an SLS project ARN acs:log:<regionId>:<accountId>:project/<project>',
  MaxComputeProjectArn: 'a MaxCompute project ARN acs:odps:<regionId>:<accountId>:project/actiontrail_<suffix>',
  TrailRegion: '"All" or one region id such as cn-hangzhou',
};

/** When one field fails several rules, the field is reported once, by the most telling rule. */
const RULE_RANK = ['type', 'required', 'dependencies', 'additionalProperties', 'enum', 'pattern', 'maxLength',
  'minLength', DESTINATION_RULE];

/** Codes in the order the API's documented codes are chosen when several apply. */
const CODE_ORDER: DocumentedCode[] = [
  'InvalidTrailNameException',
  'InvalidPrefixException',
  'InvalidDeliveryConfigurationException',
  'InvalidQueryParameter',
];

const MESSAGE_FIELDS = 5;
const MESSAGE_KEY_CHARS = 64;

/** RFC 6901 escaping of one reference token. */
function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function label(pointer: string): string {
  if (pointer === '') return 'the spec';
  return pointer.length > MESSAGE_KEY_CHARS ? `${pointer.slice(0, MESSAGE_KEY_CHARS)}…` : pointer;
}

/** The spec field a pointer names, relative to the spec (the batch index stripped). */
function specField(pointer: string, inBatch: boolean): string | undefined {
  const tokens = pointer.split('/').slice(1);
  const rest = inBatch ? tokens.slice(1) : tokens;
  return rest[0]?.replace(/~1/g, '/').replace(/~0/g, '~');
}

function toFieldError(e: ErrorObject, prefix: string): FieldError | undefined {
  const p = e.params as Record<string, any>;
  const at = prefix + e.instancePath;
  switch (e.keyword) {
    case 'required': {
      const pointer = `${at}/${escapeToken(String(p.missingProperty))}`;
      return { pointer, rule: 'required', message: `${pointer} is required` };
    }
    case 'dependencies': {
      const pointer = `${at}/${escapeToken(String(p.property))}`;
      const needs = `${at}/${escapeToken(String(p.missingProperty))}`;
      return { pointer, rule: 'dependencies', message: `${pointer} requires ${needs} (it only applies to that destination)` };
    }
    case 'additionalProperties': {
      const pointer = `${at}/${escapeToken(String(p.additionalProperty))}`;
      if (e.instancePath !== '') return { pointer, rule: 'additionalProperties', message: `${label(pointer)} is not allowed here` };
      return {
        pointer,
        rule: 'additionalProperties',
        message: `${label(pointer)} is not a trail spec field (allowed: ${SPEC_FIELDS.join(', ')})`,
      };
    }
    case 'anyOf':
      return {
        pointer: at,
        rule: DESTINATION_RULE,
        message: `${label(at)} must name at least one destination: OssBucketName, SlsProjectArn or MaxComputeProjectArn`,
      };
    case 'type': {
      const article = /^[aeiou]/.test(String(p.type)) ? 'an' : 'a';
      return { pointer: at, rule: 'type', message: `${label(at)} must be ${article} ${String(p.type)}` };
    }
    case 'enum':
      return { pointer: at, rule: 'enum', message: `${label(at)} must be one of ${(p.allowedValues as unknown[]).join(', ')}` };
    case 'pattern': {
      const words = PATTERN_WORDS[specField(e.instancePath, false) ?? ''];
      return { pointer: at, rule: 'pattern', message: `${label(at)} must match ${String(p.pattern)}${words ? ` (${words})` : ''}` };
    }
    case 'maxLength':
      return { pointer: at, rule: 'maxLength', message: `${label(at)} must be at most ${Number(p.limit)} characters` };
    case 'minLength':
      return { pointer: at, rule: 'minLength', message: `${label(at)} must be at least ${Number(p.limit)} characters` };
    case 'maxItems':
      if (e.schemaPath.endsWith('/then/maxItems')) return { pointer: at, rule: 'allAlone', message: `${label(at)} must be ["All"] alone or region ids without "All"` };
      return { pointer: at, rule: 'maxItems', message: `${label(at)} must hold at most ${Number(p.limit)} items` };
    case 'minItems':
      return { pointer: at, rule: 'minItems', message: `${label(at)} must hold at least ${Number(p.limit)} item(s)` };
    case 'uniqueItems':
      return { pointer: at, rule: 'uniqueItems', message: `${label(at)} must not repeat an item` };
    case 'minProperties':
      return { pointer: at, rule: 'minProperties', message: `${label(at)} must not be empty` };
    default:
      return { pointer: at, rule: e.keyword, message: `${label(at)} fails the ${e.keyword} rule` };
  }
}

/**
 * ajv errors → one FieldError per pointer. The "required" errors inside the destination anyOf
 * branches are dropped: the anyOf error itself says what is missing.
 */
function collectFields(errors: readonly ErrorObject[], prefix: string): FieldError[] {
  const byPointer = new Map<string, FieldError>();
  const rank = (rule: string) => {
    const i = RULE_RANK.indexOf(rule);
    return i < 0 ? RULE_RANK.length : i;
  };
  for (const e of errors) {
    if (/\/anyOf\/\d+\//.test(e.schemaPath)) continue;
    // An if/then failure is reported by the failing "then" rule itself.
    if (e.keyword === 'if') continue;
    const f = toFieldError(e, prefix);
    if (!f) continue;
    const seen = byPointer.get(f.pointer);
    if (!seen || rank(f.rule) < rank(seen.rule)) byPointer.set(f.pointer, f);
  }
  return [...byPointer.values()];
}

function codeFor(f: FieldError, inBatch: boolean): DocumentedCode {
  if (f.rule === DESTINATION_RULE) return 'InvalidDeliveryConfigurationException';
  const field = specField(f.pointer, inBatch);
  if (field === 'Name') return 'InvalidTrailNameException';
  if (field === 'OssKeyPrefix') return 'InvalidPrefixException';
  return 'InvalidQueryParameter';
}

function invalid(fields: FieldError[], inBatch: boolean): ProvisionError {
  // Fields sorted by code order (stable within a code), so the message leads with the chosen code's fields.
  const order = (f: FieldError) => CODE_ORDER.indexOf(codeFor(f, inBatch));
  fields = fields.map((f, i) => ({ f, i })).sort((a, b) => order(a.f) - order(b.f) || a.i - b.i).map(({ f }) => f);
  const code = fields.length > 0 ? codeFor(fields[0], inBatch) : 'InvalidQueryParameter';
  const shown = fields.slice(0, MESSAGE_FIELDS).map((f) => f.message).join('; ');
  const more = fields.length > MESSAGE_FIELDS ? ` (and ${fields.length - MESSAGE_FIELDS} more)` : '';
  return new ProvisionError({
    code,
    status: 400,
    message: `${DOCUMENTED_ERRORS[code].message} ${fields.length} invalid field(s): ${shown}${more}.`,
    fields,
  });
}

/** Only plain JSON-like objects (Object.prototype or null prototype) count as specs. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}


/** Longer than every maxLength in the schema: such a string fails without being looked at. */
const HUGE = 1024;
/** Stands in for a huge string: as long as HUGE + 1 and matching no pattern or enum value. */
const HUGE_STAND_IN = '\u0000'.repeat(HUGE + 1);

/**
 * A shallow snapshot of the input's own enumerable properties: ajv validates it and the returned
 * spec is copied from it, so a getter cannot hand back a value other than the one validated, and
 * the input is never touched again. Huge strings are replaced by a short stand-in that fails the
 * same rules (maxLength, pattern/enum), so validation never walks megabytes. defineProperty keeps
 * a "__proto__" key an ordinary own property instead of a prototype change.
 */
function snapshot(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    const v = input[key];
    Object.defineProperty(out, key, {
      value: typeof v === 'string' && v.length > HUGE ? HUGE_STAND_IN : NESTED_FIELDS.has(key) && v !== null && typeof v === 'object' ? jsonCopy(v) : v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * A nested value (DataEventSelectors, DataEventRegions) as plain JSON: a copy the caller cannot
 * change after validation (no getters, no shared references), huge strings stood in for. The
 * other fields are scalars: an object there fails its type rule as it is.
 */
const NESTED_FIELDS: ReadonlySet<string> = new Set(['DataEventSelectors', 'DataEventRegions']);
function jsonCopy(v: object): unknown {
  return JSON.parse(JSON.stringify(v), (_k, x: unknown) => (typeof x === 'string' && x.length > HUGE ? HUGE_STAND_IN : x)) as unknown;
}

/**
 * Rules of the data event selectors that JSON Schema cannot say: Equals and NotEquals of one
 * EventName (or ResourceArn) hold at most MAX_CONDITION_VALUES values together (PutDataEventSelector
 * API page). Run on a snapshot the schema accepted.
 */
export const MAX_CONDITION_VALUES = 10;
function selectorLimits(spec: TrailSpec, prefix: string): FieldError[] {
  const out: FieldError[] = [];
  (spec.DataEventSelectors ?? []).forEach((sel, i) => {
    for (const k of ['EventName', 'ResourceArn'] as const) {
      const n = (sel[k]?.Equals?.length ?? 0) + (sel[k]?.NotEquals?.length ?? 0);
      if (n > MAX_CONDITION_VALUES) {
        const pointer = `${prefix}/DataEventSelectors/${i}/${k}`;
        out.push({ pointer, rule: 'maxValues', message: `${pointer} must hold at most ${MAX_CONDITION_VALUES} values in Equals and NotEquals together (it holds ${n})` });
      }
    }
  });
  return out;
}

/** A fresh spec holding only the known parameters of a validated snapshot. */
function copySpec(snap: Record<string, unknown>): TrailSpec {
  const out: Record<string, unknown> = {};
  for (const k of SPEC_FIELDS) {
    if (Object.prototype.hasOwnProperty.call(snap, k) && snap[k] !== undefined) out[k] = snap[k];
  }
  return out as unknown as TrailSpec;
}

/** Runs fn; anything but a ProvisionError (a throwing getter, a Proxy...) becomes one. */
function guarded<T>(pointer: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ProvisionError) throw e;
    throw invalid([{ pointer, rule: 'type', message: `${label(pointer)} could not be read as JSON` }], false);
  }
}

/**
 * Validates one trail spec. Returns a fresh TrailSpec; throws ProvisionError (400) with the
 * documented code (InvalidTrailNameException > InvalidPrefixException >
 * InvalidDeliveryConfigurationException > InvalidQueryParameter) and every failing field.
 */
export function validateSpec(input: unknown): TrailSpec {
  return guarded('', () => {
    if (!isPlainObject(input)) {
      throw invalid([{ pointer: '', rule: 'type', message: 'the spec must be a plain JSON object' }], false);
    }
    const snap = snapshot(input);
    if (!validateOne(snap)) throw invalid(collectFields(validateOne.errors ?? [], ''), false);
    const spec = copySpec(snap);
    const limits = selectorLimits(spec, '');
    if (limits.length > 0) throw invalid(limits, false);
    return spec;
  });
}

/** Validates a list of trail specs (pointers like "/1/Name"); returns fresh specs in order. */
/**
 * A name given twice in one list: each spec would undo the other on every run (and the last one
 * to run wins, whichever is weaker), so the list is refused, naming every repeat by pointer.
 */
function duplicateNames(input: readonly unknown[]): FieldError[] {
  const first = new Map<string, number>();
  const out: FieldError[] = [];
  input.forEach((item, i) => {
    const name = isPlainObject(item) ? item['Name'] : undefined;
    if (typeof name !== 'string') return;
    const j = first.get(name);
    if (j === undefined) first.set(name, i);
    else out.push({ pointer: `/${i}/Name`, rule: 'uniqueName', message: `/${i}/Name repeats /${j}/Name ("${name.slice(0, 64)}"): one spec per trail name` });
  });
  return out;
}

export function validateSpecs(input: unknown): TrailSpec[] {
  return guarded('', () => {
    if (!Array.isArray(input)) {
      throw invalid([{ pointer: '', rule: 'type', message: 'the spec list must be an array' }], true);
    }
    // Checked first, so a huge (or sparse) array is refused without visiting its items.
    if (input.length > BATCH_MAX) {
      throw invalid([{ pointer: '', rule: 'maxItems', message: `the spec list must hold at most ${BATCH_MAX} specs` }], true);
    }
    const specs: TrailSpec[] = [];
    const fields: FieldError[] = [];
    for (let i = 0; i < input.length; i++) {
      const item: unknown = input[i];
      if (!isPlainObject(item)) {
        fields.push({ pointer: `/${i}`, rule: 'type', message: `/${i} must be a plain JSON object` });
        continue;
      }
      const snap = snapshot(item);
      if (!validateOne(snap)) {
        fields.push(...collectFields(validateOne.errors ?? [], `/${i}`));
        continue;
      }
      const spec = copySpec(snap);
      const limits = selectorLimits(spec, `/${i}`);
      if (limits.length > 0) fields.push(...limits);
      else specs.push(spec);
    }
    fields.push(...duplicateNames(input));
    if (fields.length === 0) return specs;
    throw invalid(fields, true);
  });
}
