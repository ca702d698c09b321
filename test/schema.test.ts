/**
 * The trail spec schema and validator: every rule with a failing and a passing case (pointer and
 * rule asserted), every documented validation code reachable, the examples valid, and the
 * robustness guarantees (only ProvisionError, no mutation, no prototype pollution).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { GENERATED_VALIDATOR, validatorSource } from '../scripts/gen-validator';
import { ProvisionError, DOCUMENTED_ERRORS } from '../shared/core/errors';
import { DELIVERY_FIELDS } from '../shared/core/spec';
import {
  DESTINATION_RULE,
  SPEC_FIELDS,
  trailSpecBatchSchema,
  trailSpecSchema,
  validateSpec,
  validateSpecs,
} from '../shared/core/schema';

const ACCT = '1512666876910000';
const ROLE = `acs:ram::${ACCT}:role/aliyunserviceroleforactiontrail`;
const SLS = `acs:log:cn-hangzhou:${ACCT}:project/audit-project`;
const ODPS = `acs:odps:cn-hangzhou:${ACCT}:project/actiontrail_${ACCT}`;
const BASE = { Name: 'trail-test', OssBucketName: 'audit-log' };

/** The ProvisionError validateSpec throws (fails the test if it returns or throws anything else). */
function rejection(input: unknown, fn: (x: unknown) => unknown = validateSpec): ProvisionError {
  try {
    fn(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ProvisionError);
    return e as ProvisionError;
  }
  throw new Error(`expected a rejection of ${JSON.stringify(input)?.slice(0, 200)}`);
}

function fieldAt(err: ProvisionError, pointer: string) {
  return err.fields.find((f) => f.pointer === pointer);
}

describe('the published schema', () => {
  const props = trailSpecSchema.properties as Record<string, Record<string, unknown>>;

  it('is a valid draft-07 schema with the published $id', () => {
    const ajv = new Ajv({ strict: false });
    expect(ajv.validateSchema(trailSpecSchema as object)).toBe(true);
    expect(ajv.validateSchema(trailSpecBatchSchema as object)).toBe(true);
    expect(trailSpecSchema.$id).toBe('https://trail-provisioner.dev/schemas/trail-spec.schema.json');
    expect(trailSpecSchema.additionalProperties).toBe(false);
  });

  it('is what shared/core/generated/trail-spec-validator.ts was generated from (run `npm run gen` after editing it)', () => {
    expect(readFileSync(GENERATED_VALIDATOR, 'utf8')).toBe(validatorSource());
  });

  it('holds exactly the CreateTrail request parameters (TrailSpec keys), plus DataEventSelectors and DataEventRegions (PutDataEventSelector)', () => {
    expect(Object.keys(props).sort()).toEqual([...SPEC_FIELDS].sort());
    expect(Object.keys(props).sort()).toEqual(['Name', 'IsOrganizationTrail', ...DELIVERY_FIELDS, 'DataEventSelectors', 'DataEventRegions'].sort());
    expect(trailSpecSchema.required).toEqual(['Name']);
  });

  it('has a title and a description quoting CreateTrail on every property, and a maxLength on every string', () => {
    for (const [name, p] of Object.entries(props)) {
      expect(p.title, name).toEqual(expect.any(String));
      // The data event fields are not CreateTrail parameters: they quote PutDataEventSelector's model and API page instead.
      if (name === 'DataEventSelectors') expect(String(p.description), name).toContain('PutDataEventSelectorRequest: "');
      else if (name === 'DataEventRegions') expect(String(p.description), name).toMatch(/IsTrailAllRegion \("Specifies whether .*PutDataEventSelector API page/);
      else expect(String(p.description), name).toContain('CreateTrail: "');
      if (p.type === 'string' && !p.enum) expect(p.maxLength, name).toEqual(expect.any(Number));
    }
  });

  it('the batch schema (compiled independently) agrees with validateSpecs on list bounds and items', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema(trailSpecSchema as object);
    const batch = ajv.compile(trailSpecBatchSchema as object);
    const ok = (x: unknown) => {
      try {
        validateSpecs(x);
        return true;
      } catch {
        return false;
      }
    };
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ ...BASE, Name: `trail-${String(i).padStart(3, '0')}` }));
    const cases: unknown[] = [[], [BASE], many(100), many(101), [BASE, { Name: 'X' }], [{ Name: 'trail-test' }], {}];
    for (const c of cases) expect(ok(c), JSON.stringify(c).slice(0, 80)).toBe(batch(c));
  });

  it('is frozen, so callers serving it cannot alter the validator', () => {
    expect(Object.isFrozen(trailSpecSchema)).toBe(true);
    expect(Object.isFrozen(props.Name)).toBe(true);
    expect(() => {
      (props.Name as Record<string, unknown>).pattern = '.*';
    }).toThrow(TypeError);
  });
});

describe('examples/*.json', () => {
  const dir = join(__dirname, '..', 'examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('covers oss, sls, maxcompute, all three, an organization trail and data event selectors', () => {
    expect(files.sort()).toEqual(expect.arrayContaining(['all-three.json', 'data-events.json', 'maxcompute.json', 'organization.json', 'oss.json', 'sls.json']));
  });

  it.each(files)('%s validates and comes back unchanged', (file) => {
    const doc = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    expect(validateSpec(doc)).toEqual(doc);
  });

  it('validate together as a batch', () => {
    const docs = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
    expect(validateSpecs(docs)).toEqual(docs);
  });
});

/** Per field: values that pass, values that fail with the rule expected at "/<field>". */
const FIELD_CASES: Array<{ field: string; pass: unknown[]; fail: Array<[unknown, string]>; extra?: Record<string, unknown> }> = [
  {
    field: 'Name',
    pass: ['trail-test', 'abcdef', 'a'.repeat(36), 'a_b-c9z', 'trail_2024-audit'],
    fail: [
      ['abcde', 'pattern'], // 5 chars
      ['a'.repeat(37), 'pattern'],
      ['Trail-test', 'pattern'], // uppercase first
      ['trail-Test', 'pattern'], // uppercase inside
      ['1trail', 'pattern'], // digit first
      ['-trail', 'pattern'],
      ['trail test', 'pattern'],
      ['trail.test', 'pattern'],
      ['tráil-test', 'pattern'],
      ['', 'pattern'],
      [42, 'type'],
      [null, 'type'],
      [['trail-test'], 'type'],
    ],
  },
  {
    field: 'OssBucketName',
    pass: ['abc', 'audit-log', 'a'.repeat(63), '0bucket9', 'a-b'],
    fail: [
      ['ab', 'pattern'],
      ['a'.repeat(64), 'pattern'],
      ['Audit-log', 'pattern'],
      ['audit_log', 'pattern'],
      ['-audit', 'pattern'],
      ['audit-', 'pattern'],
      ['audit.log', 'pattern'],
      [true, 'type'],
    ],
  },
  {
    field: 'OssKeyPrefix',
    pass: ['at-product-account-audit-B', 'abcdef', 'A'.repeat(32), 'logs/trail_1', 'Prefix/With/Slashes'],
    fail: [
      ['abcde', 'pattern'],
      ['a'.repeat(33), 'pattern'],
      ['1prefix', 'pattern'],
      ['/prefix', 'pattern'],
      ['pre fix', 'pattern'],
      ['prefix.log', 'pattern'],
      [123456, 'type'],
    ],
  },
  {
    field: 'OssWriteRoleArn',
    pass: [ROLE, `acs:ram::${ACCT}:role/My.Role_name-1`, 'acs:ram::1:role/r'],
    fail: [
      [`acs:ram:cn-hangzhou:${ACCT}:role/x`, 'pattern'], // RAM ARNs have no region
      ['acs:ram:::role/x', 'pattern'], // no account
      [`acs:ram::${ACCT}:user/x`, 'pattern'],
      [`acs:ram::${ACCT}:role/`, 'pattern'],
      [`acs:ram::${ACCT}:role/${'r'.repeat(65)}`, 'pattern'],
      [`acs:ram::abc:role/x`, 'pattern'],
      [`arn:ram::${ACCT}:role/x`, 'pattern'],
      [{}, 'type'],
    ],
  },
  {
    field: 'SlsProjectArn',
    // An empty account id is the caller's account, as in the CreateTrail doc's request example.
    pass: [SLS, `acs:log:cn-shanghai-finance-1:${ACCT}:project/p01`, `acs:log:ap-southeast-1:${ACCT}:project/${'p'.repeat(63)}`, 'acs:log:cn-shanghai::project/audit'],
    fail: [
      [`acs:log::${ACCT}:project/audit`, 'pattern'], // no region
      [`acs:log:cn-hangzhou:${ACCT}:project/Audit`, 'pattern'],
      [`acs:log:cn-hangzhou:${ACCT}:project/ab`, 'pattern'],
      [`acs:log:cn-hangzhou:${ACCT}:project/audit/logstore/x`, 'pattern'],
      [`acs:odps:cn-hangzhou:${ACCT}:project/audit`, 'pattern'],
      [`acs:log:Cn-Hangzhou:${ACCT}:project/audit`, 'pattern'],
      [1, 'type'],
    ],
  },
  {
    field: 'SlsWriteRoleArn',
    extra: { SlsProjectArn: SLS },
    pass: [ROLE],
    fail: [
      ['aliyunserviceroleforactiontrail', 'pattern'],
      [`acs:ram::${ACCT}:role/bad role`, 'pattern'],
      [false, 'type'],
    ],
  },
  {
    field: 'EventRW',
    pass: ['Write', 'Read', 'All'],
    fail: [
      ['write', 'enum'],
      ['ALL', 'enum'],
      ['Write-test', 'enum'],
      ['', 'enum'],
      [1, 'type'],
    ],
  },
  {
    field: 'TrailRegion',
    pass: ['All', 'cn-hangzhou', 'ap-southeast-1', 'cn-shanghai-finance-1', 'us-west-1'],
    fail: [
      ['all', 'pattern'],
      ['ALL', 'pattern'],
      ['cn-hangzhou,cn-shanghai', 'pattern'],
      ['cn_hangzhou', 'pattern'],
      ['hangzhou', 'pattern'],
      ['cn-hangzhou ', 'pattern'],
      ['', 'pattern'],
      [['All'], 'type'],
    ],
  },
  {
    field: 'IsOrganizationTrail',
    pass: [true, false],
    fail: [
      ['true', 'type'],
      ['false', 'type'],
      [0, 'type'],
      [1, 'type'],
      [null, 'type'],
    ],
  },
  {
    field: 'MaxComputeProjectArn',
    pass: [ODPS, `acs:odps:cn-beijing:${ACCT}:project/actiontrail_a`, `acs:odps:cn-hangzhou:${ACCT}:project/actiontrail_${'x'.repeat(16)}`],
    fail: [
      [`acs:odps:cn-hangzhou:${ACCT}:project/audit_project`, 'pattern'], // must start with actiontrail_
      [`acs:odps:cn-hangzhou:${ACCT}:project/actiontrail_`, 'pattern'],
      [`acs:odps:cn-hangzhou:${ACCT}:project/actiontrail_${'x'.repeat(17)}`, 'pattern'], // > 28 chars
      [`acs:odps:cn-hangzhou:${ACCT}:project/ActionTrail_1`, 'pattern'],
      [`acs:odps:cn-hangzhou:${ACCT}:project/actiontrail-1`, 'pattern'],
      [`acs:odps:cn-hangzhou::project/actiontrail_1`, 'pattern'],
      [`acs:log:cn-hangzhou:${ACCT}:project/actiontrail_1`, 'pattern'],
      [[], 'type'],
    ],
  },
  {
    field: 'MaxComputeWriteRoleArn',
    extra: { MaxComputeProjectArn: ODPS },
    pass: [ROLE],
    fail: [
      [`acs:ram::${ACCT}:role`, 'pattern'],
      [7, 'type'],
    ],
  },
];

describe('field rules', () => {
  for (const c of FIELD_CASES) {
    describe(c.field, () => {
      it.each(c.pass.map((v) => [JSON.stringify(v).slice(0, 60), v]))('accepts %s', (_label, value) => {
        const spec = { ...BASE, ...c.extra, [c.field]: value };
        expect(validateSpec(spec)).toEqual(spec);
      });
      it.each(c.fail.map(([v, rule]) => [JSON.stringify(v).slice(0, 60), v, rule]))('rejects %s (%s)', (_label, value, rule) => {
        const err = rejection({ ...BASE, ...c.extra, [c.field]: value });
        expect(err.status).toBe(400);
        expect(err.fields).toHaveLength(1);
        expect(err.fields[0]).toMatchObject({ pointer: `/${c.field}`, rule });
        expect(err.fields[0].message).toContain(`/${c.field}`);
        expect(err.message).toContain(`/${c.field}`);
      });
    });
  }

  it('reports a pattern failure with the pattern and its plain-words reading', () => {
    const err = rejection({ ...BASE, Name: 'Bad Name' });
    expect(err.fields[0].message).toBe(
      '/Name must match ^[a-z][a-z0-9_-]{5,35}$ (6-36 chars: lowercase letter first, then lowercase letters, digits, _ or -)',
    );
  });

  it('reports a type failure in plain words', () => {
    expect(rejection({ ...BASE, IsOrganizationTrail: 'true' }).fields[0].message).toBe('/IsOrganizationTrail must be a boolean');
  });
});

describe('cross-field rules', () => {
  it('requires Name', () => {
    const err = rejection({ OssBucketName: 'audit-log' });
    expect(err.code).toBe('InvalidTrailNameException');
    expect(err.fields).toEqual([{ pointer: '/Name', rule: 'required', message: '/Name is required' }]);
  });

  it.each([
    [{ OssBucketName: 'audit-log' }],
    [{ SlsProjectArn: SLS }],
    [{ MaxComputeProjectArn: ODPS }],
    [{ OssBucketName: 'audit-log', SlsProjectArn: SLS, MaxComputeProjectArn: ODPS }],
  ])('accepts a destination: %j', (dest) => {
    expect(validateSpec({ Name: 'trail-test', ...dest })).toEqual({ Name: 'trail-test', ...dest });
  });

  it.each([
    [{}],
    [{ EventRW: 'All', TrailRegion: 'All', IsOrganizationTrail: false }],
  ])('requires at least one destination: %j', (rest) => {
    const err = rejection({ Name: 'trail-test', ...rest });
    expect(err.code).toBe('InvalidDeliveryConfigurationException');
    expect(err.fields).toHaveLength(1);
    expect(err.fields[0]).toMatchObject({ pointer: '', rule: DESTINATION_RULE });
    expect(err.fields[0].message).toMatch(/OssBucketName, SlsProjectArn or MaxComputeProjectArn/);
    expect(err.message).toContain(DOCUMENTED_ERRORS.InvalidDeliveryConfigurationException.message);
  });

  it.each([
    ['OssKeyPrefix', 'at-product-account-audit-B', 'OssBucketName', { SlsProjectArn: SLS }, 'InvalidPrefixException'],
    ['OssWriteRoleArn', ROLE, 'OssBucketName', { SlsProjectArn: SLS }, 'InvalidQueryParameter'],
    ['SlsWriteRoleArn', ROLE, 'SlsProjectArn', { OssBucketName: 'audit-log' }, 'InvalidQueryParameter'],
    ['MaxComputeWriteRoleArn', ROLE, 'MaxComputeProjectArn', { OssBucketName: 'audit-log' }, 'InvalidQueryParameter'],
  ])('%s only together with its destination', (field, value, needs, otherDest, code) => {
    const err = rejection({ Name: 'trail-test', ...otherDest, [field]: value });
    expect(err.code).toBe(code);
    expect(err.fields).toHaveLength(1);
    expect(err.fields[0]).toMatchObject({ pointer: `/${field}`, rule: 'dependencies' });
    expect(err.fields[0].message).toBe(`/${field} requires /${needs} (it only applies to that destination)`);
    // ...and passes with it
    expect(validateSpec({ Name: 'trail-test', ...otherDest, [needs]: { OssBucketName: 'audit-log', SlsProjectArn: SLS, MaxComputeProjectArn: ODPS }[needs], [field]: value })).toMatchObject({ [field]: value });
  });

  it('rejects unknown fields, each by its own pointer (escaped per RFC 6901)', () => {
    const err = rejection({ ...BASE, Status: 'Enable', 'a/b~c': 1, name: 'trail-test' });
    expect(err.code).toBe('InvalidQueryParameter');
    expect(err.fields.map((f) => [f.pointer, f.rule]).sort()).toEqual([
      ['/Status', 'additionalProperties'],
      ['/a~1b~0c', 'additionalProperties'],
      ['/name', 'additionalProperties'],
    ]);
    expect(fieldAt(err, '/Status')!.message).toMatch(/^\/Status is not a trail spec field \(allowed: Name, .*, DataEventSelectors, DataEventRegions\)$/);
  });
});

describe('codes, precedence and field lists', () => {
  it('reaches every documented validation code', () => {
    expect(rejection({ ...BASE, Name: 'X' }).code).toBe('InvalidTrailNameException');
    expect(rejection({ ...BASE, OssKeyPrefix: 'x' }).code).toBe('InvalidPrefixException');
    expect(rejection({ Name: 'trail-test' }).code).toBe('InvalidDeliveryConfigurationException');
    expect(rejection({ ...BASE, EventRW: 'x' }).code).toBe('InvalidQueryParameter');
    for (const code of ['InvalidTrailNameException', 'InvalidPrefixException', 'InvalidDeliveryConfigurationException', 'InvalidQueryParameter'] as const) {
      expect(DOCUMENTED_ERRORS[code].status).toBe(400);
    }
  });

  it('picks Name > prefix > delivery > query parameter, but lists every failing field', () => {
    const all = { Name: 'X', OssKeyPrefix: '1', EventRW: 'x', Extra: 1, TrailRegion: 5 };
    let err = rejection(all);
    expect(err.code).toBe('InvalidTrailNameException');
    expect(err.status).toBe(400);
    expect(err.fields.map((f) => f.pointer).sort()).toEqual(['', '/EventRW', '/Extra', '/Name', '/OssKeyPrefix', '/TrailRegion']);
    // the chosen code's field leads the message, the others follow
    expect(err.message.startsWith(`${DOCUMENTED_ERRORS.InvalidTrailNameException.message} 6 invalid field(s): /Name must match`)).toBe(true);
    expect(err.message).toContain('(and 1 more)');

    const { Name: _n, ...noName } = all;
    err = rejection({ ...noName, Name: 'trail-test' });
    expect(err.code).toBe('InvalidPrefixException');
    expect(err.fields).toHaveLength(5);

    const { OssKeyPrefix: _p, ...noPrefix } = noName;
    err = rejection({ ...noPrefix, Name: 'trail-test' });
    expect(err.code).toBe('InvalidDeliveryConfigurationException');
    expect(err.fields.map((f) => f.pointer).sort()).toEqual(['', '/EventRW', '/Extra', '/TrailRegion']);

    err = rejection({ ...noPrefix, Name: 'trail-test', OssBucketName: 'audit-log' });
    expect(err.code).toBe('InvalidQueryParameter');
    expect(err.fields.map((f) => f.pointer).sort()).toEqual(['/EventRW', '/Extra', '/TrailRegion']);
  });

  it('reports a field once, by its most telling rule', () => {
    const err = rejection({ ...BASE, Name: 'a'.repeat(40) }); // fails maxLength and pattern
    expect(err.fields).toHaveLength(1);
    expect(err.fields[0].rule).toBe('pattern');
    expect(rejection({ ...BASE, Name: 5 }).fields).toEqual([{ pointer: '/Name', rule: 'type', message: '/Name must be a string' }]);
  });

  it('serialises to the ActionTrail envelope with the fields', () => {
    const env = rejection({ Name: 'trail-test' }).toEnvelope('req-1');
    expect(env).toMatchObject({ RequestId: 'req-1', Code: 'InvalidDeliveryConfigurationException', Errors: [{ pointer: '', rule: DESTINATION_RULE }] });
  });
});

describe('robustness', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['NaN', NaN],
    ['a string', '{"Name":"trail-test"}'],
    ['a boolean', true],
    ['an array', [BASE]],
    ['a function', () => BASE],
    ['a symbol', Symbol('x')],
    ['a bigint', 10n],
    ['a Date', new Date()],
    ['a Map', new Map(Object.entries(BASE))],
    ['a class instance', new (class Spec { Name = 'trail-test'; OssBucketName = 'audit-log'; })()],
  ])('rejects %s at the root', (_label, input) => {
    const err = rejection(input);
    expect(err.code).toBe('InvalidQueryParameter');
    expect(err.status).toBe(400);
    expect(err.fields).toEqual([{ pointer: '', rule: 'type', message: 'the spec must be a plain JSON object' }]);
  });

  it('accepts a null-prototype object', () => {
    const spec = Object.assign(Object.create(null), BASE);
    expect(validateSpec(spec)).toEqual(BASE);
  });

  it('does not let "__proto__" pollute prototypes; it is an unknown field', () => {
    const input = JSON.parse('{"__proto__":{"polluted":1},"Name":"trail-test","OssBucketName":"audit-log"}');
    const err = rejection(input);
    expect(err.code).toBe('InvalidQueryParameter');
    expect(err.fields).toEqual([expect.objectContaining({ pointer: '/__proto__', rule: 'additionalProperties' })]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    const batchErr = rejection([input], validateSpecs);
    expect(batchErr.fields).toEqual([expect.objectContaining({ pointer: '/0/__proto__', rule: 'additionalProperties' })]);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('treats constructor and prototype keys as unknown fields', () => {
    const input = JSON.parse('{"constructor":{"prototype":{"polluted":1}},"prototype":{},"Name":"trail-test","OssBucketName":"audit-log"}');
    const err = rejection(input);
    expect(err.fields.map((f) => f.pointer).sort()).toEqual(['/constructor', '/prototype']);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never mutates the input (deep-frozen input validates; a JSON copy stays equal)', () => {
    const good = Object.freeze({ ...BASE, EventRW: 'All' });
    const out = validateSpec(good);
    expect(out).toEqual(good);
    expect(out).not.toBe(good);
    const bad = Object.freeze({ Name: 'X', Unknown: Object.freeze({ a: 1 }), EventRW: 'x' });
    const before = JSON.stringify(bad);
    rejection(bad);
    expect(JSON.stringify(bad)).toBe(before);
  });

  it('returns only the known parameters and drops undefined ones', () => {
    expect(validateSpec({ ...BASE, EventRW: undefined })).toEqual(BASE);
    expect(Object.keys(validateSpec({ ...BASE, EventRW: undefined }))).toEqual(['Name', 'OssBucketName']);
  });

  it('rejects huge strings without walking them', () => {
    const huge = 'a'.repeat(20_000_000);
    const err = rejection({ Name: huge, OssBucketName: huge, SlsProjectArn: huge, TrailRegion: huge, EventRW: huge });
    expect(err.code).toBe('InvalidTrailNameException');
    expect(err.fields.map((f) => f.pointer).sort()).toEqual(['/EventRW', '/Name', '/OssBucketName', '/SlsProjectArn', '/TrailRegion']);
    expect(err.message.length).toBeLessThan(2000);
  });

  it('rejects a huge unknown key with a bounded message', () => {
    const key = 'k'.repeat(100_000);
    const err = rejection({ ...BASE, [key]: 1 });
    expect(err.fields[0].pointer).toBe(`/${key}`);
    expect(err.message.length).toBeLessThan(2000);
  });

  it('rejects deep nesting as a wrong type', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const err = rejection({ ...BASE, Name: deep, OssKeyPrefix: [[[[[]]]]] });
    expect(err.fields.map((f) => [f.pointer, f.rule])).toEqual([['/Name', 'type'], ['/OssKeyPrefix', 'type']]);
    const batch = rejection([deep], validateSpecs);
    expect(batch.code).toBe('InvalidTrailNameException');
    expect(batch.fields.map((f) => [f.pointer, f.rule])).toEqual([['/0/Name', 'required'], ['/0', DESTINATION_RULE], ['/0/a', 'additionalProperties']]);
  });

  it('turns throwing getters and proxies into a ProvisionError', () => {
    const getter = Object.defineProperty({ ...BASE }, 'EventRW', { enumerable: true, get() { throw new Error('boom'); } });
    const err = rejection(getter);
    expect(err.code).toBe('InvalidQueryParameter');
    expect(err.fields[0]).toMatchObject({ pointer: '', rule: 'type' });
    const trap = new Proxy({}, { getPrototypeOf() { throw new Error('trap'); } });
    expect(rejection(trap).status).toBe(400);
    const keys = new Proxy({ ...BASE }, { ownKeys() { throw new RangeError('keys'); } });
    expect(rejection(keys).status).toBe(400);
    expect(rejection([keys], validateSpecs).status).toBe(400);
  });

  it('validates exactly what it returns, even if a getter changes its answer', () => {
    let n = 0;
    const flaky = Object.defineProperty({ OssBucketName: 'audit-log' }, 'Name', {
      enumerable: true,
      get: () => (n++ === 0 ? 'trail-test' : 'NOT VALID'),
    });
    expect(validateSpec(flaky).Name).toBe('trail-test');
  });
});

describe('validateSpecs', () => {
  it('returns fresh specs in order', () => {
    const list = [BASE, { Name: 'second-trail', SlsProjectArn: SLS }];
    const out = validateSpecs(list);
    expect(out).toEqual(list);
    expect(out[0]).not.toBe(list[0]);
  });

  it('points into the list: /<index>/<field>', () => {
    const err = rejection([BASE, { Name: 'X', OssBucketName: 'audit-log' }, { Name: 'third-trail' }, 5], validateSpecs);
    expect(err.code).toBe('InvalidTrailNameException');
    expect(err.fields.map((f) => [f.pointer, f.rule])).toEqual([
      ['/1/Name', 'pattern'],
      ['/2', DESTINATION_RULE],
      ['/3', 'type'],
    ]);
    expect(fieldAt(err, '/2')!.message).toMatch(/^\/2 must name at least one destination/);
  });

  it('maps codes per item field', () => {
    expect(rejection([BASE, { ...BASE, Name: 'trail-other', OssKeyPrefix: 'x' }], validateSpecs).code).toBe('InvalidPrefixException');
    expect(rejection([{ ...BASE, Extra: 1 }], validateSpecs).fields[0]).toMatchObject({ pointer: '/0/Extra', rule: 'additionalProperties' });
  });

  it('refuses a name given twice in one list, naming every repeat (JSON Schema cannot say it; the batch schema documents it)', () => {
    const other = { ...BASE, Name: 'trail-other' };
    const err = rejection([BASE, other, { ...BASE, EventRW: 'Read' }, other, BASE], validateSpecs);
    expect(err.code).toBe('InvalidTrailNameException');
    expect(err.fields).toEqual([
      expect.objectContaining({ pointer: '/2/Name', rule: 'uniqueName', message: expect.stringContaining('repeats /0/Name') }),
      expect.objectContaining({ pointer: '/3/Name', rule: 'uniqueName', message: expect.stringContaining('repeats /1/Name') }),
      expect.objectContaining({ pointer: '/4/Name', rule: 'uniqueName', message: expect.stringContaining('repeats /0/Name') }),
    ]);
    expect(validateSpecs([BASE, other])).toHaveLength(2);
    expect((trailSpecBatchSchema as { description: string }).description).toMatch(/unique/);
  });

  it.each([
    ['an object', BASE, 'type'],
    ['null', null, 'type'],
    ['a list over maxItems', new Array(101).fill(BASE), 'maxItems'],
    ['a huge sparse list', new Array(2 ** 31), 'maxItems'],
  ])('rejects %s at the root', (_label, input, rule) => {
    const err = rejection(input, validateSpecs);
    expect(err.code).toBe('InvalidQueryParameter');
    expect(err.fields).toEqual([expect.objectContaining({ pointer: '', rule })]);
  });

  it('accepts an empty list (callers decide what applying nothing means)', () => {
    expect(validateSpecs([])).toEqual([]);
  });

  it('accepts 100 specs', () => {
    const list = Array.from({ length: 100 }, (_, i) => ({ ...BASE, Name: `trail-${String(i).padStart(3, '0')}` }));
    expect(validateSpecs(list)).toHaveLength(100);
  });
});
