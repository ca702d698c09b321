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
import { MEMBER_A, callsSince, cloudFor, startWorld } from './helpers/world';

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
    const put = await at.putDataEventSelector('sel-client', JSON.stringify(OSS_SELECTORS));
    expect(put.RequestId).not.toBe('');
    const got = await at.getDataEventSelector('sel-client');
    expect(JSON.parse(got.DataEventSelectors)).toEqual(OSS_SELECTORS);
    expect(got.TrailArn).toMatch(/^acs:actiontrail:[^:]+:\d+:trail\/sel-client$/);
    const [p, g] = emu.world.calls.slice(from);
    expect(p!.request?.method).toBe('POST');
    expect(p!.request?.params).toMatchObject({ TrailName: 'sel-client', EventSelectors: JSON.stringify(OSS_SELECTORS) });
    expect(g!.request?.params).toMatchObject({ TrailName: 'sel-client' });
    expect(await codeOf(at.getDataEventSelector('no-such-trail'))).toBe('TrailNotFoundException');
    expect(await codeOf(at.putDataEventSelector('no-such-trail', '[]'))).toBe('TrailNotFoundException');
    expect(await codeOf(at.putDataEventSelector('sel-client', '{"not":"a list"}'))).toBe('InvalidQueryParameter');
    expect(await codeOf(at.putDataEventSelector('sel-client', JSON.stringify(Array.from({ length: 21 }, () => OSS_SELECTORS[0]))))).toBe('InvalidQueryParameter');
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
