/**
 * Data event selectors end to end: a spec's DataEventSelectors applied with PutDataEventSelector
 * and compared with GetDataEventSelector, by the real ActionTrail client over HTTP against the
 * emulator (parameter names from the SDK models PutDataEventSelectorRequest / GetDataEventSelectorRequest).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import { ensureTrail } from '../shared/core/provisioner';
import { ProvisionError } from '../shared/core/errors';
import { selectorsDiffer } from '../shared/core/planner';
import { createTrailQuery, updateTrailQuery } from '../shared/cloud/actiontrail';
import { validateSpec } from '../shared/core/schema';
import type { DataEventSelector, TrailSpec } from '../shared/core/spec';
import { MEMBER_A, REGION, callsSince, cloudFor, startWorld } from './helpers/world';

let emu: Emulator;
beforeAll(async () => {
  emu = await startWorld();
});
afterAll(async () => {
  await emu.close();
});

const fast = { retry: { baseMs: 5, capMs: 20, consistencyWindowMs: 0 } };
const trailOf = (name: string) => emu.world.accounts.get(MEMBER_A)!.trails.find((t) => t.Name === name);
const writes = (calls: string[]) => calls.filter((c) => /CreateTrail|UpdateTrail|StartLogging|StopLogging|DeleteTrail|PutDataEventSelector/.test(c));
const OSS_SELECTORS: DataEventSelector[] = [{ ServiceName: 'Oss', ReadWriteType: 'All', EventName: { Equals: ['GetObject', 'CopyObject', 'AppendObject'] } }];
const spec = (name: string, selectors?: DataEventSelector[]): TrailSpec => ({
  Name: name,
  OssBucketName: `audit-${MEMBER_A}`,
  OssKeyPrefix: `p-${name}`,
  EventRW: 'All',
  ...(selectors ? { DataEventSelectors: selectors } : {}),
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ProvisionError);
  return (e as ProvisionError).code;
}

describe('data event selectors (PutDataEventSelector / GetDataEventSelector)', () => {
  it('the client names the trail by TrailName; Get answers what Put stored; an unknown trail is TrailNotFoundException', async () => {
    const at = cloudFor(emu, MEMBER_A).actiontrail;
    await ensureTrail(spec('sel-client'), cloudFor(emu, MEMBER_A), fast);
    expect((await at.getDataEventSelector('sel-client')).DataEventSelectors).toBe('');
    const from = emu.world.calls.length;
    const put = await at.putDataEventSelector('sel-client', { EventSelectors: JSON.stringify(OSS_SELECTORS), IsTrailAllRegion: true });
    expect(put.RequestId).not.toBe('');
    const got = await at.getDataEventSelector('sel-client');
    expect(JSON.parse(got.DataEventSelectors)).toEqual(OSS_SELECTORS);
    expect(got.IsTrailAllRegion).toBe(true);
    expect(got.TrailArn).toMatch(/^acs:actiontrail:[^:]+:\d+:trail\/sel-client$/);
    const [p, g] = emu.world.calls.slice(from);
    expect(p!.request?.method).toBe('POST');
    expect(p!.request?.params).toMatchObject({ TrailName: 'sel-client', EventSelectors: JSON.stringify(OSS_SELECTORS), IsTrailAllRegion: 'true' });
    expect(p!.request?.params).not.toHaveProperty('TrailRegionIds');
    expect(g!.request?.params).toMatchObject({ TrailName: 'sel-client' });
    expect(await codeOf(at.getDataEventSelector('no-such-trail'))).toBe('TrailNotFoundException');
    const all = (EventSelectors: string) => ({ EventSelectors, IsTrailAllRegion: true });
    expect(await codeOf(at.putDataEventSelector('no-such-trail', all('[]')))).toBe('TrailNotFoundException');
    expect(await codeOf(at.putDataEventSelector('sel-client', all('{"not":"a list"}')))).toBe('InvalidQueryParameter');
    expect(await codeOf(at.putDataEventSelector('sel-client', all(JSON.stringify(Array.from({ length: 21 }, () => OSS_SELECTORS[0])))))).toBe('InvalidQueryParameter');
    // API page: Equals + NotEquals of one EventName hold at most 10 values; TrailRegionIds is required unless IsTrailAllRegion=true.
    const eleven = [{ ServiceName: 'Oss', EventName: { Equals: Array.from({ length: 6 }, (_, i) => `E${i}`), NotEquals: Array.from({ length: 5 }, (_, i) => `N${i}`) } }];
    expect(await codeOf(at.putDataEventSelector('sel-client', all(JSON.stringify(eleven))))).toBe('InvalidQueryParameter');
    expect(await codeOf(at.putDataEventSelector('sel-client', { EventSelectors: '[]', IsTrailAllRegion: false }))).toBe('MissingTrailRegionIds');
    // None of the refused Puts changed what the trail holds.
    expect(JSON.parse((await at.getDataEventSelector('sel-client')).DataEventSelectors)).toEqual(OSS_SELECTORS);
  });

  it('DataEventSelectors is never sent to CreateTrail or UpdateTrail', () => {
    const s = spec('sel-query', OSS_SELECTORS);
    expect(Object.keys(createTrailQuery(s))).not.toContain('DataEventSelectors');
    expect(Object.keys(updateTrailQuery(s))).not.toContain('DataEventSelectors');
  });

  it('the schema takes a list of selectors and refuses a bad one naming the field', () => {
    expect(validateSpec(spec('sel-schema', OSS_SELECTORS)).DataEventSelectors).toEqual(OSS_SELECTORS);
    const bad = (selectors: unknown) => {
      try {
        validateSpec({ ...spec('sel-schema'), DataEventSelectors: selectors });
      } catch (e) {
        return (e as ProvisionError).fields?.map((f) => f.pointer);
      }
      return undefined;
    };
    expect(bad([{ ServiceName: 'Oss', ReadWriteType: 'Both' }])).toEqual(['/DataEventSelectors/0/ReadWriteType']);
    expect(bad([{ ReadWriteType: 'All' }])).toEqual(['/DataEventSelectors/0/ServiceName']);
    expect(bad('[]')).toEqual(['/DataEventSelectors']);
    expect(bad(Array.from({ length: 21 }, () => OSS_SELECTORS[0]))).toEqual(['/DataEventSelectors']);
  });

  it('compares selectors as sets: order of selectors and of Equals lists does not matter', () => {
    const two: DataEventSelector[] = [...OSS_SELECTORS, { ServiceName: 'Sls', ReadWriteType: 'Write' }];
    const reordered = JSON.stringify([
      { ReadWriteType: 'Write', ServiceName: 'Sls' },
      { ServiceName: 'Oss', EventName: { Equals: ['AppendObject', 'GetObject', 'CopyObject'] }, ReadWriteType: 'All' },
    ]);
    expect(selectorsDiffer(two, reordered)).toBe(false);
    expect(selectorsDiffer(two, JSON.stringify(OSS_SELECTORS))).toBe(true);
    expect(selectorsDiffer([], '')).toBe(false);
    expect(selectorsDiffer([], '[]')).toBe(false);
    expect(selectorsDiffer(OSS_SELECTORS, '')).toBe(true);
    expect(selectorsDiffer(OSS_SELECTORS, 'not json')).toBe(true);
    expect(selectorsDiffer([{ ServiceName: 'Oss', ReadWriteType: 'Read' }], JSON.stringify([{ ServiceName: 'Oss', ReadWriteType: 'All' }]))).toBe(true);
    // ReadWriteType left out in the spec: an answer filling in any value (the API's default is undocumented) matches.
    expect(selectorsDiffer([{ ServiceName: 'Oss' }], JSON.stringify([{ ServiceName: 'Oss', ReadWriteType: 'All' }]))).toBe(false);
    expect(selectorsDiffer([{ ServiceName: 'Oss' }], JSON.stringify([{ ServiceName: 'Sls', ReadWriteType: 'All' }]))).toBe(true);
    expect(selectorsDiffer([{ ServiceName: 'Oss' }, { ServiceName: 'Oss', ReadWriteType: 'Read' }], JSON.stringify([{ ServiceName: 'Oss', ReadWriteType: 'Read' }]))).toBe(true);
  });

  it('creates a trail with selectors: CreateTrail without them, then PutDataEventSelector before StartLogging', async () => {
    const from = emu.world.calls.length;
    const r = await ensureTrail(spec('sel-create', OSS_SELECTORS), cloudFor(emu, MEMBER_A), fast);
    expect(r.classification).toBe('missing');
    expect(r.done).toEqual(['CreateTrail', 'PutDataEventSelector', 'StartLogging']);
    expect(r.status?.IsLogging).toBe(true);
    const calls = emu.world.calls.slice(from);
    expect(writes(calls.map((c) => `${c.service}:${c.action}`))).toEqual(['actiontrail:CreateTrail', 'actiontrail:PutDataEventSelector', 'actiontrail:StartLogging']);
    expect(Object.keys(calls.find((c) => c.action === 'CreateTrail')!.request!.params)).not.toContain('DataEventSelectors');
    expect(JSON.parse(trailOf('sel-create')!.DataEventSelectors!)).toEqual(OSS_SELECTORS);
  });

  it('a compliant re-run reads the selectors and writes nothing, whatever order the API answers them in', async () => {
    const stored = trailOf('sel-create')!;
    stored.DataEventSelectors = JSON.stringify([{ EventName: { Equals: ['AppendObject', 'CopyObject', 'GetObject'] }, ServiceName: 'Oss', ReadWriteType: 'All' }]);
    const from = emu.world.calls.length;
    const r = await ensureTrail(spec('sel-create', OSS_SELECTORS), cloudFor(emu, MEMBER_A), fast);
    expect(r.classification).toBe('compliant');
    expect(r.done).toEqual([]);
    expect(callsSince(emu, from)).toEqual(['actiontrail:DescribeTrails', 'actiontrail:GetTrailStatus', 'actiontrail:GetDataEventSelector']);
  });

  it('a spec without DataEventSelectors leaves the trail selectors alone (no Get, no Put)', async () => {
    const from = emu.world.calls.length;
    const r = await ensureTrail(spec('sel-create'), cloudFor(emu, MEMBER_A), fast);
    expect(r.done).toEqual([]);
    expect(callsSince(emu, from)).not.toContain('actiontrail:GetDataEventSelector');
    expect(trailOf('sel-create')!.DataEventSelectors).toContain('GetObject');
  });

  it('drift: selectors changed by someone else are planned in a dry run (no write) and put back by a real run', async () => {
    const stored = trailOf('sel-create')!;
    stored.DataEventSelectors = JSON.stringify([{ ServiceName: 'Oss', ReadWriteType: 'Read' }]);
    let from = emu.world.calls.length;
    const dry = await ensureTrail(spec('sel-create', OSS_SELECTORS), cloudFor(emu, MEMBER_A), { ...fast, dryRun: true });
    expect(dry.classification).toBe('drifted');
    expect(dry.planned).toEqual(['PutDataEventSelector']);
    expect(dry.done).toEqual([]);
    expect(writes(callsSince(emu, from))).toEqual([]);
    expect(JSON.parse(stored.DataEventSelectors)).toEqual([{ ServiceName: 'Oss', ReadWriteType: 'Read' }]);

    from = emu.world.calls.length;
    const r = await ensureTrail(spec('sel-create', OSS_SELECTORS), cloudFor(emu, MEMBER_A), fast);
    expect(r.done).toEqual(['PutDataEventSelector']);
    expect(writes(callsSince(emu, from))).toEqual(['actiontrail:PutDataEventSelector']);
    expect(JSON.parse(trailOf('sel-create')!.DataEventSelectors!)).toEqual(OSS_SELECTORS);
  });

  it('a dry run of a new trail with selectors plans the Put after CreateTrail', async () => {
    const from = emu.world.calls.length;
    const dry = await ensureTrail(spec('sel-dry-new', OSS_SELECTORS), cloudFor(emu, MEMBER_A), { ...fast, dryRun: true });
    expect(dry.planned).toEqual(['CreateTrail', 'PutDataEventSelector', 'StartLogging']);
    expect(writes(callsSince(emu, from))).toEqual([]);
    expect(trailOf('sel-dry-new')).toBeUndefined();
  });
});

describe('data event regions (PutDataEventSelector IsTrailAllRegion / TrailRegionIds)', () => {
  beforeAll(() => {
    // ActionTrail allows 5 trails per account and region: start these tests from none.
    emu.world.accounts.get(MEMBER_A)!.trails.splice(0);
  });
  const putParams = (from: number) => emu.world.calls.slice(from).find((c) => c.action === 'PutDataEventSelector')!.request!.params;

  it('default: the trail covers all regions, so IsTrailAllRegion=true and no TrailRegionIds', async () => {
    const from = emu.world.calls.length;
    await ensureTrail(spec('sel-reg-all', OSS_SELECTORS), cloudFor(emu, MEMBER_A), fast);
    expect(putParams(from)).toMatchObject({ IsTrailAllRegion: 'true' });
    expect(putParams(from)).not.toHaveProperty('TrailRegionIds');
    expect(trailOf('sel-reg-all')).toMatchObject({ DataEventAllRegion: true, DataEventRegionIds: '' });
  });

  it('a one-region trail puts its region as TrailRegionIds; DataEventRegions names regions explicitly', async () => {
    let from = emu.world.calls.length;
    await ensureTrail({ ...spec('sel-reg-one', OSS_SELECTORS), TrailRegion: REGION }, cloudFor(emu, MEMBER_A), fast);
    expect(putParams(from)).toMatchObject({ IsTrailAllRegion: 'false', TrailRegionIds: REGION });
    from = emu.world.calls.length;
    await ensureTrail({ ...spec('sel-reg-two', OSS_SELECTORS), DataEventRegions: [REGION, 'cn-shanghai'] }, cloudFor(emu, MEMBER_A), fast);
    expect(putParams(from)).toMatchObject({ IsTrailAllRegion: 'false', TrailRegionIds: `${REGION},cn-shanghai` });
    expect(trailOf('sel-reg-two')).toMatchObject({ DataEventAllRegion: false, DataEventRegionIds: `${REGION},cn-shanghai` });
  });

  it('drift of the all-regions flag alone is put back (the region list cannot be read back, so it is not compared)', async () => {
    const stored = trailOf('sel-reg-all')!;
    stored.DataEventAllRegion = false;
    stored.DataEventRegionIds = REGION;
    let from = emu.world.calls.length;
    const r = await ensureTrail(spec('sel-reg-all', OSS_SELECTORS), cloudFor(emu, MEMBER_A), fast);
    expect(r.classification).toBe('drifted');
    expect(r.done).toEqual(['PutDataEventSelector']);
    expect(stored).toMatchObject({ DataEventAllRegion: true, DataEventRegionIds: '' });
    // Read back after the Put (verify), then a re-run is compliant.
    expect(callsSince(emu, from).slice(-3)).toEqual(['actiontrail:PutDataEventSelector', 'actiontrail:GetDataEventSelector', 'actiontrail:GetTrailStatus']);
    trailOf('sel-reg-two')!.DataEventRegionIds = 'cn-beijing';
    from = emu.world.calls.length;
    expect((await ensureTrail({ ...spec('sel-reg-two', OSS_SELECTORS), DataEventRegions: [REGION, 'cn-shanghai'] }, cloudFor(emu, MEMBER_A), fast)).done).toEqual([]);
    expect(writes(callsSince(emu, from))).toEqual([]);
  });

  it('the schema: ["All"] alone, only with DataEventSelectors, and at most 10 values per condition (JSON pointers)', () => {
    const bad = (s: Record<string, unknown>) => {
      try {
        validateSpec({ ...spec('sel-schema'), ...s });
      } catch (e) {
        return (e as ProvisionError).fields?.map((f) => `${f.pointer} ${f.rule}`);
      }
      return undefined;
    };
    expect(bad({ DataEventSelectors: OSS_SELECTORS, DataEventRegions: ['All'] })).toBeUndefined();
    expect(bad({ DataEventSelectors: OSS_SELECTORS, DataEventRegions: ['All', REGION] })).toEqual(['/DataEventRegions allAlone']);
    expect(bad({ DataEventSelectors: OSS_SELECTORS, DataEventRegions: [] })).toEqual(['/DataEventRegions minItems']);
    expect(bad({ DataEventSelectors: OSS_SELECTORS, DataEventRegions: ['cn-hangzhou', 'cn-hangzhou'] })).toEqual(['/DataEventRegions uniqueItems']);
    expect(bad({ DataEventSelectors: OSS_SELECTORS, DataEventRegions: ['everywhere'] })).toEqual(['/DataEventRegions/0 pattern']);
    expect(bad({ DataEventRegions: ['All'] })).toEqual(['/DataEventRegions dependencies']);
    const values = (n: number, m: number) => [{ ServiceName: 'Oss', ResourceArn: { Equals: Array.from({ length: n }, (_, i) => `acs:oss:*:*:b${i}`), NotEquals: Array.from({ length: m }, (_, i) => `acs:oss:*:*:x${i}`) } }];
    expect(bad({ DataEventSelectors: values(5, 5) })).toBeUndefined();
    expect(bad({ DataEventSelectors: values(6, 5) })).toEqual(['/DataEventSelectors/0/ResourceArn maxValues']);
    expect(bad({ DataEventSelectors: values(11, 0) })).toEqual(['/DataEventSelectors/0/ResourceArn/Equals maxItems']);
    // A refused spec writes nothing: ensureTrail validates before any call.
    const from = emu.world.calls.length;
    return ensureTrail({ ...spec('sel-bad-values'), DataEventSelectors: values(6, 5) } as TrailSpec, cloudFor(emu, MEMBER_A), fast).then(
      () => expect.unreachable(),
      (e: unknown) => {
        expect((e as ProvisionError).code).toBe('InvalidQueryParameter');
        expect(callsSince(emu, from)).toEqual([]);
      },
    );
  });

  it('the validated selectors are a copy: changing the input afterwards changes nothing', () => {
    const input = { ...spec('sel-copy'), DataEventSelectors: [{ ServiceName: 'Oss', EventName: { Equals: ['GetObject'] } }] };
    const valid = validateSpec(input);
    input.DataEventSelectors[0]!.EventName.Equals.push('DeleteObject');
    expect(valid.DataEventSelectors).toEqual([{ ServiceName: 'Oss', EventName: { Equals: ['GetObject'] } }]);
  });

  it('a Put overwritten at once by another writer is reported (DataEventSelectorNotApplied, half done), not taken as done', async () => {
    const cloud = cloudFor(emu, MEMBER_A);
    await ensureTrail(spec('sel-race'), cloud, fast);
    const other = cloudFor(emu, MEMBER_A).actiontrail;
    // Every real Put of ours is followed, over the wire, by another writer's Put of other selectors.
    const racing = {
      ...cloud,
      actiontrail: {
        ...cloud.actiontrail,
        putDataEventSelector: async (name: string, put: Parameters<typeof other.putDataEventSelector>[1]) => {
          const r = await cloud.actiontrail.putDataEventSelector(name, put);
          await other.putDataEventSelector(name, { EventSelectors: JSON.stringify([{ ServiceName: 'Oss', ReadWriteType: 'Read' }]), IsTrailAllRegion: true });
          return r;
        },
      },
    };
    const e = await ensureTrail(spec('sel-race', OSS_SELECTORS), racing, { ...fast, verifyTimeoutMs: 300 }).then(
      () => undefined,
      (x: unknown) => x as ProvisionError,
    );
    expect(e?.code).toBe('DataEventSelectorNotApplied');
    expect(e?.message).toMatch(/PutDataEventSelector/);
  });
});
