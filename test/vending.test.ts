/**
 * Account vending end to end: the FC handler gets EventBridge CloudEvents, assumes the member
 * role with the real STS client, and the trails land (logging) in the member account, all over
 * HTTP against the emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import type { SeedFile } from '../emulator/state';
import { staticCredentials } from '../shared/cloud/credentials';
import { ProvisionError } from '../shared/errors';
import { createLogger } from '../shared/log';
import { createHandler } from '../functions/vending';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { ACCOUNT_VENDED_TYPE, RD_API_CALL_TYPE, RD_SOURCE, parseCloudEvents, toVendingRequest } from '../functions/vending/event';
import type { VendingResult } from '../shared/vending';

const REGION = 'cn-hangzhou';
const MGMT = '1100000000000001';
const A = '2100000000000001';
const B = '2100000000000002';
const C = '2100000000000003';
const key = (id: string) => ({ accessKeyId: `LTAIvend${id}`, accessKeySecret: `vend-secret-${id}-0123456789` });

function member(id: string): SeedFile['accounts'][number] {
  return {
    id,
    rdRole: 'member',
    roles: [
      { name: 'ResourceDirectoryAccountAccessRole', trustedServices: [], trustedAccounts: [MGMT], grants: ['*'] },
      { name: 'actiontrail-writer', trustedServices: ['actiontrail.aliyuncs.com'], trustedAccounts: [], grants: ['*'] },
    ],
    buckets: [{ name: `vend-audit-${id}`, region: REGION }],
    slsProjects: [{ name: `vend-audit-${id}`, region: REGION, logstores: [], createTime: '2026-01-01T00:00:00Z' }],
  };
}

const BASELINE_OSS = { Name: 'oss-baseline', OssBucketName: 'vend-central-audit', OssKeyPrefix: 'from-oss', EventRW: 'Write' };

function ossObject(name: string, text: string) {
  const body = Buffer.from(text);
  return {
    key: name,
    bodyBase64: body.toString('base64'),
    contentType: 'application/json',
    etag: `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`,
    lastModified: '2026-01-01T00:00:00Z',
  };
}

const seed: SeedFile = {
  defaultRegion: REGION,
  accounts: [
    {
      id: MGMT,
      rdRole: 'management',
      accessKeys: [key(MGMT)],
      buckets: [
        { name: 'vend-central-audit', region: REGION, writers: [A, B, C] },
        { name: 'vend-config', region: REGION, objects: [ossObject('baseline.json', JSON.stringify([{ ...BASELINE_OSS }]))] },
      ],
    },
    member(A),
    member(B),
    member(C),
  ],
};

const BASELINE = [{ Name: 'baseline-trail', OssBucketName: 'vend-central-audit', OssKeyPrefix: 'actiontrail', EventRW: 'All' }];

let emu: Emulator;
let env: NodeJS.ProcessEnv;
const logs: string[] = [];
const logger = createLogger({ test: 'vending' }, { write: (l) => logs.push(l) });

beforeAll(async () => {
  emu = await createEmulator({ seed });
  env = { TRAIL_EMULATOR_URL: emu.url, TRAIL_REGION: REGION, TRAIL_BASELINE: JSON.stringify(BASELINE), TRAIL_CONCURRENCY: '4' };
});
afterAll(async () => {
  await emu.close();
});

const fcContext = (id = 'req-1') => ({ requestId: id, region: REGION, accountId: MGMT, credentials: key(MGMT), function: { name: 'vending', timeout: 60 } });
const event = (e: unknown) => Buffer.from(JSON.stringify(e));
const customEvent = (data: unknown) => ({
  id: 'evt-1',
  source: 'acs.custom.account-vending',
  type: ACCOUNT_VENDED_TYPE,
  specversion: '1.0',
  subject: 'account-vending',
  time: '2026-01-01T00:00:00Z',
  data,
});
const trailsOf = (id: string) => emu.world.accounts.get(id)!.trails;
const writesSince = (from: number) =>
  emu.world.calls.slice(from).filter((c) => c.service === 'actiontrail' && /Create|Update|Start|Stop|Delete/.test(c.action));

async function rejection(p: Promise<unknown>): Promise<ProvisionError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProvisionError);
  return e as ProvisionError;
}

describe('vending handler', () => {
  it('assumes the member role and creates a logging trail in the member account (context credentials)', async () => {
    const handler = createHandler({ env, logger });
    const from = emu.world.calls.length;
    const spec = { Name: 'vended-trail', OssBucketName: `vend-audit-${A}`, OssKeyPrefix: 'audit-logs', EventRW: 'All' };
    const [result] = (await handler(event(customEvent({ accountId: A, specs: [spec] })), fcContext())) as VendingResult[];
    expect(result!.ok).toBe(true);
    expect(result!.outcomes).toHaveLength(1);
    expect(result!.outcomes[0]).toMatchObject({ name: 'vended-trail', ok: true, result: { classification: 'missing', done: ['CreateTrail', 'StartLogging'] } });
    // The trail is in the member account, not in the management account, and it logs.
    expect(trailsOf(A).find((t) => t.Name === 'vended-trail')).toMatchObject({ Status: 'Enable', OssBucketName: `vend-audit-${A}`, HomeRegion: REGION });
    expect(trailsOf(MGMT)).toHaveLength(0);
    const calls = emu.world.calls.slice(from);
    expect(calls.find((c) => c.service === 'sts' && c.action === 'AssumeRole')).toMatchObject({ accountId: MGMT, status: 200 });
    const at = calls.filter((c) => c.service === 'actiontrail');
    expect(at.length).toBeGreaterThan(0);
    expect(at.every((c) => c.accountId === A)).toBe(true);
  });

  it('applies the configured baseline for a Resource Directory CreateResourceAccount event', async () => {
    const handler = createHandler({ env, logger, credentials: staticCredentials(key(MGMT)) });
    const rdEvent = {
      id: 'evt-rd-1',
      source: RD_SOURCE,
      type: RD_API_CALL_TYPE,
      specversion: '1.0',
      subject: `acs:resourcemanager::${MGMT}:account/${B}`,
      time: '2026-01-01T00:00:00Z',
      data: {
        eventName: 'CreateResourceAccount',
        serviceName: 'ResourceManager',
        eventType: 'ApiCall',
        eventRW: 'Write',
        acsRegion: REGION,
        responseElements: { RequestId: 'x', Account: { AccountId: B, DisplayName: 'new member', Type: 'ResourceAccount' } },
      },
    };
    const [result] = await handler(event(rdEvent), fcContext('req-2'));
    expect(result).toMatchObject({ accountId: B, origin: 'resource-directory', ok: true });
    expect(trailsOf(B).map((t) => [t.Name, t.Status, t.OssBucketName, t.OssKeyPrefix, t.EventRW])).toEqual([
      ['baseline-trail', 'Enable', 'vend-central-audit', 'actiontrail', 'All'],
    ]);
  });

  it('processes several specs: one fails, the others are created, the invocation throws, a re-run converges', async () => {
    const handler = createHandler({ env, logger, credentials: staticCredentials(key(MGMT)) });
    const specs = [
      { Name: 'multi-oss', OssBucketName: `vend-audit-${C}`, OssKeyPrefix: 'multi-oss', EventRW: 'Write' },
      { Name: 'multi-missing', OssBucketName: 'vend-not-yet-there', EventRW: 'Write' },
      { Name: 'multi-sls', SlsProjectArn: `acs:log:${REGION}:${C}:project/vend-audit-${C}`, SlsWriteRoleArn: `acs:ram::${C}:role/actiontrail-writer` },
    ];
    const err = await rejection(handler(event(customEvent({ accountId: C, specs })), fcContext('req-3')));
    expect(err.code).toBe('BucketDoesNotExistException');
    expect(err.message).toContain('multi-missing');
    expect(err.message).toContain('1 of 3');
    expect(trailsOf(C).map((t) => [t.Name, t.Status]).sort()).toEqual([
      ['multi-oss', 'Enable'],
      ['multi-sls', 'Enable'],
    ]);

    // The bucket appears; the retried event finishes the job and leaves the others alone.
    emu.world.accounts.get(C)!.buckets.push({ name: 'vend-not-yet-there', region: REGION });
    const from = emu.world.calls.length;
    const [result] = await handler(event(customEvent({ accountId: C, specs })), fcContext('req-4'));
    expect(result!.ok).toBe(true);
    expect(result!.outcomes.map((o) => [o.name, o.result?.classification])).toEqual([
      ['multi-oss', 'compliant'],
      ['multi-missing', 'missing'],
      ['multi-sls', 'compliant'],
    ]);
    expect(writesSince(from).map((c) => c.action)).toEqual(['CreateTrail', 'StartLogging']);
    expect(trailsOf(C).every((t) => t.Status === 'Enable')).toBe(true);
  });

  it('rejects a bad spec with 400 listing every failing field, before any cloud call', async () => {
    const handler = createHandler({ env, logger, credentials: staticCredentials(key(MGMT)) });
    const from = emu.world.calls.length;
    const specs = [
      { Name: 'fine-trail', OssBucketName: `vend-audit-${A}` },
      { Name: 'Bad Name', OssBucketName: `vend-audit-${A}` },
      { Name: 'no-destination' },
    ];
    const err = await rejection(handler(event(customEvent({ accountId: A, specs })), fcContext('req-5')));
    expect(err.status).toBe(400);
    const pointers = err.fields.map((f) => f.pointer);
    expect(pointers.some((p) => p.startsWith('/1/Name'))).toBe(true);
    expect(pointers.some((p) => p.startsWith('/2'))).toBe(true);
    expect(emu.world.calls.length).toBe(from);
    expect(trailsOf(A).find((t) => t.Name === 'fine-trail')).toBeUndefined();
  });

  it('rejects events it does not handle, and vending events without a valid account id', async () => {
    const handler = createHandler({ env, logger, credentials: staticCredentials(key(MGMT)) });
    const from = emu.world.calls.length;
    const other = await rejection(handler(event({ id: 'x', source: 'acs.ecs', type: 'ecs:ActionTrail:ApiCall', data: {} }), fcContext()));
    expect(other.status).toBe(400);
    const noAccount = await rejection(handler(event(customEvent({ specs: BASELINE })), fcContext()));
    expect(noAccount.fields[0]?.pointer).toBe('/accountId');
    const notJson = await rejection(handler(Buffer.from('{nope'), fcContext()));
    expect(notJson.code).toBe('InvalidQueryParameter');
    expect(emu.world.calls.length).toBe(from);
  });

  it('logs JSON lines without any secret', () => {
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toContain(key(MGMT).accessKeySecret);
    }
  });

  it('the example EventBridge events parse into vending requests', () => {
    const [custom] = parseCloudEvents(readFileSync('examples/events/vending-custom.json'));
    expect(toVendingRequest(custom!, 'acs.custom.account-vending')).toMatchObject({ accountId: '2000000000000001', origin: 'custom', region: 'cn-hangzhou' });
    const [rd] = parseCloudEvents(readFileSync('examples/events/vending-rd-account-created.json'));
    expect(toVendingRequest(rd!, 'acs.custom.account-vending')).toEqual({ accountId: '2000000000000002', origin: 'resource-directory', eventId: rd!.id });
  });

  it('reads the baseline from OSS (TRAIL_BASELINE_OSS) with the function credentials', async () => {
    const { TRAIL_BASELINE: _inline, ...rest } = env;
    const handler = createHandler({ env: { ...rest, TRAIL_BASELINE_OSS: 'oss://vend-config/baseline.json' }, logger, credentials: staticCredentials(key(MGMT)) });
    const [result] = await handler(event(customEvent({ accountId: A })), fcContext('req-oss'));
    expect(result!.outcomes.map((o) => [o.name, o.ok])).toEqual([['oss-baseline', true]]);
    expect(trailsOf(A).find((t) => t.Name === 'oss-baseline')).toMatchObject({ Status: 'Enable', OssKeyPrefix: 'from-oss', EventRW: 'Write' });
    const missing = createHandler({ env: { ...rest, TRAIL_BASELINE_OSS: 'oss://vend-config/none.json' }, logger, credentials: staticCredentials(key(MGMT)) });
    const err = await rejection(missing(event(customEvent({ accountId: A })), fcContext('req-oss2')));
    expect(err.message).toContain('TRAIL_BASELINE_OSS');
  });
});
