/**
 * The guardrail policy on its own (shared/core/guardrails.ts): the schema and its generated
 * validator, loading (inline / file / OSS, exclusive), the safe defaults, and each rule's verdict.
 * The end-to-end refusals (zero writes on the emulator) are in test/hostile-selfservice.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { GENERATED_POLICY_VALIDATOR, policyValidatorSource } from '../scripts/gen-validator';
import {
  DEFAULT_POLICY,
  RULES,
  evaluateDestinations,
  evaluateExisting,
  evaluateSpec,
  globMatch,
  guardrailPolicySchema,
  isProtectedTrail,
  loadPolicy,
  policyError,
  validatePolicy,
  type Guard,
  type GuardrailPolicy,
} from '../shared/core/guardrails';
import { ProvisionError } from '../shared/core/errors';
import { loadConfig } from '../shared/platform/config';
import type { TrailRecord, TrailSpec } from '../shared/core/spec';

const ACCT = '1000000000000001';
const OTHER = '2000000000000002';
const BASE: TrailSpec = { Name: 'baseline-trail', OssBucketName: 'central-audit', OssKeyPrefix: 'base-logs', EventRW: 'All' };
const guard = (kind: Guard['caller']['kind'], policy: GuardrailPolicy = DEFAULT_POLICY): Guard => ({ policy, baseline: [BASE], caller: { kind, name: 'test' } });
const ids = (v: Array<{ ruleId: string }>) => v.map((x) => x.ruleId).sort();
const record = (over: Partial<TrailRecord>): TrailRecord => ({ Name: 'team-trail', HomeRegion: 'cn-hangzhou', TrailRegion: 'All', EventRW: 'All', OssBucketName: 'team-bucket', ...over });

describe('the policy document', () => {
  it('is a valid draft-07 schema, and the generated validator is what scripts/gen-validator.ts makes of it (`npm run gen`)', () => {
    expect(new Ajv({ strict: false }).validateSchema(guardrailPolicySchema as object)).toBe(true);
    expect(readFileSync(GENERATED_POLICY_VALIDATOR, 'utf8')).toBe(policyValidatorSource());
  });

  it('accepts the defaults and the demo policy; refuses unknown fields and bad values naming them', () => {
    expect(validatePolicy(DEFAULT_POLICY)).toEqual(DEFAULT_POLICY);
    const demo = JSON.parse(readFileSync(path.resolve(__dirname, '../examples/guardrails/policy.json'), 'utf8'));
    expect(validatePolicy(demo)).toEqual(demo);
    for (const [doc, where] of [
      [{ floors: { EventRW: 'Some' } }, '/floors/EventRW'],
      [{ protectedTrail: {} }, '/protectedTrail'],
      [{ destinations: { accounts: { '12': {} } } }, '/destinations/accounts'],
      [{ writeRoles: { allowed: 'x' } }, '/writeRoles/allowed'],
    ] as const) {
      let err: unknown;
      try {
        validatePolicy(doc, 'TRAIL_POLICY');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProvisionError);
      expect((err as ProvisionError).code).toBe('InvalidConfiguration');
      expect((err as ProvisionError).message).toContain('TRAIL_POLICY');
      expect((err as ProvisionError).message).toContain(where);
    }
  });

  it('loads from TRAIL_POLICY (checked at loadConfig), TRAIL_POLICY_FILE or TRAIL_POLICY_OSS; at most one; none → the defaults', async () => {
    const noOss = async () => undefined;
    expect(await loadPolicy(loadConfig({}).policy, noOss)).toBe(DEFAULT_POLICY);
    expect(await loadPolicy(loadConfig({ TRAIL_POLICY: '{"floors":{"EventRW":"All"}}' }).policy, noOss)).toEqual({ floors: { EventRW: 'All' } });
    expect(() => loadConfig({ TRAIL_POLICY: '{"floors":1}' })).toThrow(/TRAIL_POLICY/);
    expect(() => loadConfig({ TRAIL_POLICY: 'not json' })).toThrow(/TRAIL_POLICY/);
    expect(() => loadConfig({ TRAIL_POLICY: '{}', TRAIL_POLICY_FILE: 'p.json' })).toThrow(/exclusive/);
    expect(() => loadConfig({ TRAIL_POLICY_OSS: 'oss://x' })).toThrow(/TRAIL_POLICY_OSS/);

    const dir = mkdtempSync(path.join(tmpdir(), 'policy-'));
    writeFileSync(path.join(dir, 'p.json'), JSON.stringify({ organizationTrails: { selfService: true } }));
    expect(await loadPolicy(loadConfig({ TRAIL_POLICY_FILE: 'p.json' }).policy, noOss, dir)).toEqual({ organizationTrails: { selfService: true } });
    await expect(loadPolicy(loadConfig({ TRAIL_POLICY_FILE: 'missing.json' }).policy, noOss, dir)).rejects.toThrow(/TRAIL_POLICY_FILE/);

    const source = loadConfig({ TRAIL_POLICY_OSS: 'oss://cfg-bucket/guard/policy.json' }).policy;
    const asked: string[] = [];
    const fromOss = await loadPolicy(source, async (b, k) => (asked.push(`${b}/${k}`), '{"version":1}'));
    expect([fromOss, asked]).toEqual([{ version: 1 }, ['cfg-bucket/guard/policy.json']]);
    await expect(loadPolicy(source, noOss)).rejects.toThrow(/does not exist/);
    await expect(loadPolicy(source, async () => '{"nope":1}')).rejects.toThrow(/TRAIL_POLICY_OSS/);
  });
});

describe('rules', () => {
  it('globs: * any run, ? one character, the rest literal', () => {
    expect(globMatch('audit-*', 'audit-1')).toBe(true);
    expect(globMatch('audit-*', 'xaudit-1')).toBe(false);
    expect(globMatch('a?c', 'abc')).toBe(true);
    expect(globMatch('a.c', 'abc')).toBe(false);
    expect(globMatch('acs:ram::*:role/writer', 'acs:ram::1:role/writer')).toBe(true);
  });

  it('protected trails by default: baseline names and organization trails; only the baseline\'s own spec passes', () => {
    expect(isProtectedTrail(DEFAULT_POLICY, [BASE], 'baseline-trail', false)).toBe(true);
    expect(isProtectedTrail(DEFAULT_POLICY, [BASE], 'any-org', true)).toBe(true);
    expect(isProtectedTrail(DEFAULT_POLICY, [BASE], 'team-trail', false)).toBe(false);
    expect(isProtectedTrail({ protectedTrails: { names: ['sec-*'] } }, [], 'sec-trail', false)).toBe(true);
    expect(isProtectedTrail({ protectedTrails: { baseline: false, organizationTrails: false } }, [BASE], 'baseline-trail', true)).toBe(false);
    for (const kind of ['selfservice', 'vending', 'remediation', 'cli'] as const) {
      expect(evaluateSpec(BASE, guard(kind), ACCT), kind).toEqual([]);
      expect(ids(evaluateSpec({ ...BASE, EventRW: 'Read' }, guard(kind), ACCT)), kind).toEqual([RULES.protectedTrail]);
    }
    // An existing organization trail under another name is protected too.
    expect(ids(evaluateExisting({ Name: 'team-trail', OssBucketName: 'b', EventRW: 'All' }, record({ IsOrganizationTrail: true }), guard('vending')))).toContain(RULES.protectedTrail);
  });

  it('a baseline trail\'s bucket and prefix cannot be taken by another trail (it would block the baseline: RepeatOssBucket)', () => {
    const squat: TrailSpec = { Name: 'squatter', OssBucketName: BASE.OssBucketName, OssKeyPrefix: BASE.OssKeyPrefix, EventRW: 'All' };
    expect(ids(evaluateSpec(squat, guard('selfservice'), ACCT))).toEqual([RULES.protectedDestination]);
    expect(evaluateSpec({ ...squat, OssKeyPrefix: 'other-prefix' }, guard('selfservice'), ACCT)).toEqual([]);
    expect(policyError('squatter', evaluateSpec(squat, guard('vending'), ACCT)).code).toBe('ProtectedTrail');
    expect(evaluateSpec(squat, guard('vending', { protectedTrails: { baseline: false } }), ACCT)).toEqual([]);
  });

  it('floors: absolute minimums for every spec, the baseline\'s too', () => {
    const policy: GuardrailPolicy = { floors: { EventRW: 'All', TrailRegion: 'All' } };
    expect(ids(evaluateSpec({ Name: 'team-trail', OssBucketName: 'b', TrailRegion: 'cn-hangzhou' }, guard('cli', policy), ACCT))).toEqual([RULES.floorEventRW, RULES.floorTrailRegion]);
    expect(ids(evaluateSpec({ ...BASE, EventRW: 'Write' }, { ...guard('remediation', policy), baseline: [{ ...BASE, EventRW: 'Write' }] }, ACCT))).toEqual([RULES.floorEventRW]);
    expect(evaluateSpec({ Name: 'team-trail', OssBucketName: 'b', EventRW: 'All' }, guard('cli', policy), ACCT)).toEqual([]);
  });

  it('never lowered on an existing trail (observed values), no destination removed; both can be switched off', () => {
    const spec: TrailSpec = { Name: 'team-trail', SlsProjectArn: `acs:log:cn-hangzhou:${ACCT}:project/p`, EventRW: 'Write', TrailRegion: 'cn-hangzhou' };
    expect(ids(evaluateExisting(spec, record({}), guard('selfservice')))).toEqual([RULES.noDestinationRemoval, RULES.noLoweringEventRW, RULES.noLoweringTrailRegion]);
    expect(ids(evaluateExisting({ ...spec, EventRW: 'Read', TrailRegion: 'All', OssBucketName: 'x' }, record({ EventRW: 'Write', TrailRegion: 'cn-hangzhou' }), guard('vending')))).toEqual([RULES.noLoweringEventRW]);
    expect(evaluateExisting({ ...spec, EventRW: 'All', TrailRegion: 'All', OssBucketName: 'x' }, record({ EventRW: 'Read', TrailRegion: 'cn-hangzhou' }), guard('vending'))).toEqual([]);
    expect(evaluateExisting(spec, record({}), guard('selfservice', { floors: { noLowering: false, noDestinationRemoval: false } }))).toEqual([]);
    // The baseline's own spec restores the baseline, whatever the trail holds now.
    expect(evaluateExisting(BASE, record({ Name: BASE.Name, SlsProjectArn: 'acs:log:cn-hangzhou:1:project/p' }), guard('remediation'))).toEqual([]);
  });

  it('allowed destinations by name or pattern, per account; other accounts\' projects and write roles only when listed', () => {
    const policy: GuardrailPolicy = {
      destinations: { oss: ['audit-*'], sls: ['audit-*'], maxcompute: [`acs:odps:*:${OTHER}:project/*`], accounts: { [OTHER]: { oss: ['other-*'] } } },
      writeRoles: { allowed: [`acs:ram::${OTHER}:role/central-writer`] },
    };
    const g = guard('vending', policy);
    expect(evaluateSpec({ Name: 'team-trail', OssBucketName: 'audit-1' }, g, ACCT)).toEqual([]);
    expect(ids(evaluateSpec({ Name: 'team-trail', OssBucketName: 'logs-1' }, g, ACCT))).toEqual([RULES.allowedDestinations]);
    expect(ids(evaluateSpec({ Name: 'team-trail', OssBucketName: 'audit-1' }, g, OTHER))).toEqual([RULES.allowedDestinations]);
    expect(ids(evaluateSpec({ Name: 'team-trail', SlsProjectArn: `acs:log:cn-hangzhou:${OTHER}:project/audit-x` }, g, ACCT))).toEqual([RULES.crossAccountDestination]);
    expect(ids(evaluateSpec({ Name: 'team-trail', SlsProjectArn: `acs:log:cn-hangzhou:${ACCT}:project/logs-x` }, g, ACCT))).toEqual([RULES.allowedDestinations]);
    expect(evaluateSpec({ Name: 'team-trail', MaxComputeProjectArn: `acs:odps:cn-hangzhou:${OTHER}:project/actiontrail_${OTHER}` }, g, ACCT)).toEqual([]);
    expect(evaluateSpec({ Name: 'team-trail', OssBucketName: 'audit-1', OssWriteRoleArn: `acs:ram::${ACCT}:role/any` }, g, ACCT)).toEqual([]);
    expect(evaluateSpec({ Name: 'team-trail', OssBucketName: 'audit-1', OssWriteRoleArn: `acs:ram::${OTHER}:role/central-writer` }, g, ACCT)).toEqual([]);
    expect(ids(evaluateSpec({ Name: 'team-trail', OssBucketName: 'audit-1', OssWriteRoleArn: `acs:ram::${OTHER}:role/other` }, g, ACCT))).toEqual([RULES.allowedWriteRoles]);
    expect(evaluateSpec({ Name: 'team-trail', SlsProjectArn: `acs:log:cn-hangzhou:${OTHER}:project/audit-x` }, guard('vending', { destinations: { crossAccount: true } }), ACCT)).toEqual([]);
  });

  it('an OSS bucket the account cannot read (another account\'s) only with destinations.crossAccount or listed', () => {
    const spec: TrailSpec = { Name: 'team-trail', OssBucketName: 'central' };
    const denied = [{ kind: 'oss', name: 'central', result: 'denied' }];
    expect(ids(evaluateDestinations(spec, denied, guard('vending'), ACCT))).toEqual([RULES.crossAccountDestination]);
    expect(evaluateDestinations(spec, [{ kind: 'oss', name: 'central', result: 'exists' }], guard('vending'), ACCT)).toEqual([]);
    expect(evaluateDestinations(spec, denied, guard('vending', { destinations: { crossAccount: true } }), ACCT)).toEqual([]);
    expect(evaluateDestinations(spec, denied, guard('vending', { destinations: { oss: ['cent*'] } }), ACCT)).toEqual([]);
    expect(evaluateDestinations(BASE, [{ kind: 'oss', name: BASE.OssBucketName!, result: 'denied' }], guard('remediation'), ACCT)).toEqual([]);
  });

  it('organization trails: never from self-service unless organizationTrails.selfService', () => {
    const org: TrailSpec = { Name: 'org-trail', OssBucketName: 'b', EventRW: 'All', IsOrganizationTrail: true };
    const open: GuardrailPolicy = { protectedTrails: { organizationTrails: false } };
    expect(ids(evaluateSpec(org, guard('selfservice', open), ACCT))).toEqual([RULES.organizationTrailSelfService]);
    expect(evaluateSpec(org, guard('selfservice', { ...open, organizationTrails: { selfService: true } }), ACCT)).toEqual([]);
    expect(evaluateSpec(org, guard('cli', open), ACCT)).toEqual([]);
  });

  it('the refusal: 409 ProtectedTrail when a protected trail is involved, else 403 PolicyViolation, every rule in Errors', () => {
    const v = evaluateSpec({ ...BASE, EventRW: 'Read' }, guard('selfservice', { floors: { EventRW: 'All' } }), ACCT);
    const e = policyError(BASE.Name, v);
    expect([e.code, e.status]).toEqual(['ProtectedTrail', 409]);
    expect(e.toEnvelope('r').Errors).toEqual([
      expect.objectContaining({ ruleId: 'protected-trail', pointer: '/Name' }),
      expect.objectContaining({ ruleId: 'floor-event-rw', pointer: '/EventRW' }),
    ]);
    const p = policyError('t', [{ ruleId: 'allowed-destinations', pointer: '/OssBucketName', message: 'm' }]);
    expect([p.code, p.status]).toEqual(['PolicyViolation', 403]);
  });
});

describe('answers never carry a cloud service\'s own message', () => {
  it('an SDK error keeps its code but shows the catalogued (or a generic) message; wrapping keeps that', async () => {
    const { fromSdkError } = await import('../shared/cloud/sdk-error');
    const leak = 'code: 404, The specified Role not exists: https://sts.cn-hangzhou.aliyuncs.com/?RoleArn=acs:ram::123:role/secret&RoleSessionName=x request id: X';
    const known = fromSdkError({ code: 'BucketDoesNotExistException', statusCode: 404, message: leak });
    expect(known.message).toContain('RoleArn');
    expect(known.toEnvelope('r').Message).toBe('The specified OSS bucket does not exist.');
    const unknown = fromSdkError({ code: 'EntityNotExist.Role', statusCode: 404, message: leak });
    expect(unknown.toEnvelope('r').Message).toBe('The cloud service refused the request (EntityNotExist.Role).');
    const wrapped = new ProvisionError({ code: unknown.code, message: `${unknown.message} (gave up)`, cause: unknown });
    expect(JSON.stringify(wrapped.toEnvelope('r'))).not.toMatch(/https?:|acs:ram|RoleArn/);
    // The project's own messages (naming the caller's own input) are kept.
    expect(new ProvisionError({ code: 'BucketDoesNotExistException', message: 'The specified OSS bucket does not exist: mine.' }).toEnvelope('r').Message).toContain('mine');
  });
});
