/**
 * The emulator's ActionTrail answers an independent client the same way: @alicloud/pop-core (RPC
 * HMAC-SHA1 signature, parameters in the query for GET and in a form body for POST) pointed at
 * http://127.0.0.1:PORT, which the emulator routes by the Version parameter; the region is then
 * the world's default region. Also the raw wire behaviour our own client never shows: wrong
 * method, unknown action, and UpdateTrail with parameters left out.
 */
import RPCClient from '@alicloud/pop-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import type { SeedFile } from '../emulator/state';
import { createActionTrailClient, toTrailRecord } from '../shared/cloud/actiontrail';
import { staticCredentials } from '../shared/cloud/credentials';
import type { ActionTrailApi } from '../shared/cloud/types';
import { ProvisionError } from '../shared/core/errors';

const REGION = 'cn-beijing';
const ACCT = '1300000000000001';
const OTHER = '1300000000000002';
const KEY = { accessKeyId: 'LTAI5tPopCore00000001', accessKeySecret: 'popcore-secret-0123456789abcdef' };
const WRITER = `acs:ram::${ACCT}:role/at-writer`;

const seed: SeedFile = {
  defaultRegion: REGION,
  accounts: [
    {
      id: ACCT,
      accessKeys: [KEY],
      buckets: [
        { name: 'pop-bucket', region: REGION },
        { name: 'pop-bucket-2', region: REGION },
      ],
      slsProjects: [{ name: 'pop-logs', region: REGION, logstores: [], createTime: '2026-01-01T00:00:00Z' }],
      roles: [{ name: 'at-writer', trustedServices: ['actiontrail.aliyuncs.com'], trustedAccounts: [], grants: ['oss:other-bucket'] }],
    },
    { id: OTHER, buckets: [{ name: 'other-bucket', region: REGION }] },
  ],
};

let emu: Emulator;
let pop: RPCClient;
let sdk: ActionTrailApi;

/** pop-core's failure: the error code and the HTTP status it came with. */
async function popFailure(p: Promise<unknown>): Promise<{ code: string; status: number; data: Record<string, string> }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: string; data?: Record<string, string>; entry?: { response?: { statusCode?: number } } };
    return { code: err.code ?? '', status: err.entry?.response?.statusCode ?? 0, data: err.data ?? {} };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  emu = await createEmulator({ seed });
  pop = new RPCClient({ endpoint: emu.url, apiVersion: '2020-07-06', ...KEY });
  sdk = createActionTrailClient({ region: REGION, credentials: staticCredentials(KEY), env: { TRAIL_EMULATOR_URL: emu.url } });
});
afterAll(async () => {
  await emu?.close();
});

describe('pop-core against the emulated ActionTrail', () => {
  it('CreateTrail (POST form body) answers the documented elements; HomeRegion is the default region', async () => {
    const res = await pop.request<Record<string, string>>(
      'CreateTrail',
      { Name: 'pop-trail', OssBucketName: 'pop-bucket', OssKeyPrefix: 'PopPrefix', EventRW: 'All' },
      { method: 'POST' },
    );
    expect(Object.keys(res).sort()).toEqual(
      [
        'EventRW',
        'HomeRegion',
        'MaxComputeProjectArn',
        'MaxComputeWriteRoleArn',
        'Name',
        'OssBucketName',
        'OssKeyPrefix',
        'OssWriteRoleArn',
        'RequestId',
        'SlsProjectArn',
        'SlsWriteRoleArn',
        'TrailRegion',
      ].sort(),
    );
    expect(res).toMatchObject({ Name: 'pop-trail', HomeRegion: REGION, EventRW: 'All', TrailRegion: 'All', OssBucketName: 'pop-bucket', SlsProjectArn: '' });
  });

  it('CreateTrail by GET (parameters in the query) works too', async () => {
    const res = await pop.request<Record<string, string>>('CreateTrail', {
      Name: 'pop-trail-get',
      SlsProjectArn: `acs:log:${REGION}:${ACCT}:project/pop-logs`,
    });
    expect(res.SlsProjectArn).toBe(`acs:log:${REGION}:${ACCT}:project/pop-logs`);
    expect(emu.world.accounts.get(ACCT)!.slsProjects[0]!.logstores).toEqual(['actiontrail_pop-trail-get']);
  });

  it('DescribeTrails gives pop-core the same trails as the openapi-core client', async () => {
    const raw = await pop.request<{ TrailList: Record<string, unknown>[] }>('DescribeTrails', { NameList: 'pop-trail,pop-trail-get,no-such' });
    const viaSdk = await sdk.describeTrails({ names: ['pop-trail', 'pop-trail-get', 'no-such'] });
    expect(raw.TrailList).toHaveLength(2);
    expect(raw.TrailList.map(toTrailRecord)).toEqual(viaSdk);
    expect(raw.TrailList[0]).toMatchObject({ Status: 'Fresh', IsOrganizationTrail: false, StartLoggingTime: '' });
    // Only the fields of the current SDK model (DescribeTrailsResponseBodyTrailList): no IsShadowTrail.
    expect(raw.TrailList[0]).not.toHaveProperty('IsShadowTrail');
    const none = await pop.request<{ TrailList: unknown[] }>('DescribeTrails', { NameList: 'no-such-trail' });
    expect(none.TrailList).toEqual([]);
  });

  it('errors come with the same code and status to both clients', async () => {
    const viaPop = await popFailure(pop.request('CreateTrail', { Name: 'pop-trail', OssBucketName: 'pop-bucket-2' }, { method: 'POST' }));
    expect({ code: viaPop.code, status: viaPop.status }).toEqual({ code: 'TrailAlreadyExistsException', status: 400 });
    expect(viaPop.data).toMatchObject({ Code: 'TrailAlreadyExistsException', Message: 'The specified Trail name already exists.' });
    expect(viaPop.data['RequestId']).toMatch(/^[0-9A-F-]{36}$/);
    const viaSdk = await sdk.createTrail({ Name: 'pop-trail', OssBucketName: 'pop-bucket-2' }).catch((e: unknown) => e);
    expect(viaSdk).toBeInstanceOf(ProvisionError);
    expect({ code: (viaSdk as ProvisionError).code, status: (viaSdk as ProvisionError).status }).toEqual({ code: viaPop.code, status: viaPop.status });

    const missing = await popFailure(pop.request('GetTrailStatus', { Name: 'no-such-trail' }));
    expect({ code: missing.code, status: missing.status }).toEqual({ code: 'TrailNotFoundException', status: 404 });
  });

  it('StopLogging is GET-only: POST gets 400 UnsupportedHTTPMethod, GET works', async () => {
    await pop.request('StartLogging', { Name: 'pop-trail' }, { method: 'POST' });
    const post = await popFailure(pop.request('StopLogging', { Name: 'pop-trail' }, { method: 'POST' }));
    expect({ code: post.code, status: post.status }).toEqual({ code: 'UnsupportedHTTPMethod', status: 400 });
    expect((await pop.request<{ IsLogging: boolean }>('GetTrailStatus', { Name: 'pop-trail' })).IsLogging).toBe(true);
    await pop.request('StopLogging', { Name: 'pop-trail' });
    const status = await pop.request<{ IsLogging: boolean; StopLoggingTime: string }>('GetTrailStatus', { Name: 'pop-trail' });
    expect(status.IsLogging).toBe(false);
    expect(status.StopLoggingTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('an unknown Action gets 404 InvalidAction.NotFound; a missing Name gets 400 MissingName', async () => {
    const unknown = await popFailure(pop.request('DescribeTrailz', {}));
    expect({ code: unknown.code, status: unknown.status }).toEqual({ code: 'InvalidAction.NotFound', status: 404 });
    const noName = await popFailure(pop.request('StartLogging', {}));
    expect({ code: noName.code, status: noName.status }).toEqual({ code: 'MissingName', status: 400 });
  });

  it('UpdateTrail: a field left out keeps its value, except a write role, which falls back to the service-linked role', async () => {
    await pop.request('CreateTrail', { Name: 'pop-upd', OssBucketName: 'other-bucket', OssWriteRoleArn: WRITER }, { method: 'POST' });
    // EventRW only: OssBucketName is kept, but OssWriteRoleArn is not re-sent → service-linked role → denied.
    const denied = await popFailure(pop.request('UpdateTrail', { Name: 'pop-upd', EventRW: 'Read' }, { method: 'POST' }));
    expect({ code: denied.code, status: denied.status }).toEqual({ code: 'InsufficientBucketPolicyException', status: 403 });
    const ok = await pop.request<Record<string, string>>('UpdateTrail', { Name: 'pop-upd', EventRW: 'Read', OssWriteRoleArn: WRITER }, { method: 'POST' });
    expect(ok).toMatchObject({ OssBucketName: 'other-bucket', OssWriteRoleArn: WRITER, EventRW: 'Read' });
    // Sent empty clears it: no destination left.
    const cleared = await popFailure(pop.request('UpdateTrail', { Name: 'pop-upd', OssBucketName: '' }, { method: 'POST' }));
    expect({ code: cleared.code, status: cleared.status }).toEqual({ code: 'InvalidDeliveryConfigurationException', status: 400 });
  });

  it('a request signed with the wrong secret is refused before ActionTrail runs', async () => {
    const forged = new RPCClient({ endpoint: emu.url, apiVersion: '2020-07-06', accessKeyId: KEY.accessKeyId, accessKeySecret: 'not-the-secret' });
    const e = await popFailure(forged.request('CreateTrail', { Name: 'pop-forged', OssBucketName: 'pop-bucket-2' }, { method: 'POST' }));
    expect({ code: e.code, status: e.status }).toEqual({ code: 'SignatureDoesNotMatch', status: 400 });
    expect(emu.world.accounts.get(ACCT)!.trails.map((t) => t.Name)).not.toContain('pop-forged');
  });
});
