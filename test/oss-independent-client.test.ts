/**
 * The OSS emulator against ali-oss, an OSS client nobody in this project wrote: if it can put,
 * get, head, list and read bucket info, and sees NoSuchBucket / AccessDenied as OSS errors, the
 * emulator speaks OSS's real protocol (IP endpoint with a virtual-hosted Host header, V4
 * signatures, XML bodies). V1 is refused as OSS refuses it for new accounts and buckets (403, EC
 * 0002-00000080), and accepted where the seed says the account or bucket predates that.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error ali-oss ships no type declarations; the few calls used are typed below.
import OSSModule from 'ali-oss';
import { createEmulator, type Emulator } from '../emulator/server';

/** The part of ali-oss's API this test uses. */
interface AliOss {
  put(name: string, body: Buffer, options?: { mime?: string }): Promise<{ res: { status: number } }>;
  get(name: string): Promise<{ content: Buffer; res: { headers: Record<string, string> } }>;
  head(name: string): Promise<{ status: number; res: { headers: Record<string, string> } }>;
  delete(name: string): Promise<unknown>;
  list(
    query: Record<string, string | number>,
    options: object,
  ): Promise<{ objects: Array<{ name: string; size: number }>; prefixes: string[] | null; isTruncated: boolean; nextMarker: string | null }>;
  getBucketInfo(name: string): Promise<{ bucket: { Name: string; Location: string; Owner: { ID: string }; AccessControlList: { Grant: string } } }>;
  getBucketLocation(name: string): Promise<{ location: string }>;
}
const OSS = OSSModule as new (options: Record<string, unknown>) => AliOss;

const OWNER = { id: '1111111111111111', ak: 'LTAIossOwnerKey0001', secret: 'ownerSecret0001xxxxxxxxxxxxxxx' };
const OTHER = { id: '2222222222222222', ak: 'LTAIossOtherKey0002', secret: 'otherSecret0002xxxxxxxxxxxxxxx' };

let emu: Emulator;

function client(who: { ak: string; secret: string }, extra: Record<string, unknown> = {}): AliOss {
  // With an IP endpoint ali-oss connects to the IP and names the bucket in the Host header
  // ("<bucket>.oss-<region>.aliyuncs.com"), with the bare key as the path: the emulator must route
  // by that Host exactly as OSS does.
  return new OSS({ endpoint: emu.url, accessKeyId: who.ak, accessKeySecret: who.secret, bucket: 'config-bucket', region: 'oss-cn-hangzhou', authorizationV4: true, ...extra });
}

beforeAll(async () => {
  emu = await createEmulator({
    seed: {
      accounts: [
        {
          id: OWNER.id,
          accessKeys: [{ accessKeyId: OWNER.ak, accessKeySecret: OWNER.secret }],
          buckets: [
            { name: 'config-bucket', region: 'cn-hangzhou' },
            // A bucket from before 2025-09-01 in an account from before 2025-03-01: still takes V1.
            { name: 'legacy-bucket', region: 'cn-hangzhou', ossV1Allowed: true },
          ],
        },
        { id: OTHER.id, accessKeys: [{ accessKeyId: OTHER.ak, accessKeySecret: OTHER.secret }] },
      ],
    },
  });
});

afterAll(async () => {
  await emu?.close();
});

describe('ali-oss against the OSS emulator (IP endpoint)', () => {
  it('puts, gets, heads and lists an object', async () => {
    const oss = client(OWNER);
    const body = JSON.stringify({ trails: ['alpha-trail'], n: Math.random() });
    const put = await oss.put('specs/trails.json', Buffer.from(body), { mime: 'application/json' });
    expect(put.res.status).toBe(200);

    const got = await oss.get('specs/trails.json');
    expect(got.content.toString('utf8')).toBe(body);
    expect(got.res.headers['content-type']).toBe('application/json');

    const head = await oss.head('specs/trails.json');
    expect(head.status).toBe(200);
    expect(Number(head.res.headers['content-length'])).toBe(Buffer.byteLength(body));
    // ETag is the upper-case hex MD5 of the body, as OSS computes it.
    const { createHash } = await import('node:crypto');
    expect(head.res.headers['etag']).toBe(`"${createHash('md5').update(body).digest('hex').toUpperCase()}"`);

    await oss.put('specs/other.json', Buffer.from('{}'));
    await oss.put('top.txt', Buffer.from('x'));
    const listed = await oss.list({ prefix: 'specs/', 'max-keys': 10 }, {});
    expect(listed.objects.map((o) => o.name).sort()).toEqual(['specs/other.json', 'specs/trails.json']);
    expect(listed.objects.find((o) => o.name === 'specs/trails.json')?.size).toBe(Buffer.byteLength(body));

    const paged = await oss.list({ 'max-keys': 1 }, {});
    expect(paged.objects).toHaveLength(1);
    expect(paged.isTruncated).toBe(true);
    expect(paged.nextMarker).toBe(paged.objects[0]!.name);

    const grouped = await oss.list({ delimiter: '/', 'max-keys': 10 }, {});
    expect(grouped.prefixes).toEqual(['specs/']);
    expect(grouped.objects.map((o) => o.name)).toEqual(['top.txt']);
  });

  it('deletes an object, after which get gives NoSuchKey and head a 404', async () => {
    const oss = client(OWNER);
    await oss.put('tmp/gone.txt', Buffer.from('bye'));
    await oss.delete('tmp/gone.txt');
    await expect(oss.get('tmp/gone.txt')).rejects.toMatchObject({ status: 404, code: 'NoSuchKey' });
    await expect(oss.head('tmp/gone.txt')).rejects.toMatchObject({ status: 404 });
  });

  it('reads bucket info and location', async () => {
    const oss = client(OWNER);
    const info = await oss.getBucketInfo('config-bucket');
    expect(info.bucket.Name).toBe('config-bucket');
    expect(info.bucket.Location).toBe('oss-cn-hangzhou');
    expect(info.bucket.Owner.ID).toBe(OWNER.id);
    expect(info.bucket.AccessControlList.Grant).toBe('private');
    const loc = await oss.getBucketLocation('config-bucket');
    expect(loc.location).toBe('oss-cn-hangzhou');
  });

  it('gets NoSuchBucket for a bucket that does not exist', async () => {
    const oss = client(OWNER);
    const err = await oss.getBucketInfo('no-such-bucket-here').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 404, code: 'NoSuchBucket', name: 'NoSuchBucketError', message: 'The specified bucket does not exist.' });
    expect((err as { requestId?: string }).requestId).toMatch(/^[0-9A-F-]{36}$/);
  });

  it("gets AccessDenied on another account's bucket", async () => {
    const oss = client(OTHER);
    await expect(oss.getBucketInfo('config-bucket')).rejects.toMatchObject({ status: 403, code: 'AccessDenied' });
    await expect(oss.put('x.txt', Buffer.from('x'))).rejects.toMatchObject({ status: 403, code: 'AccessDenied' });
  });

  it('refuses V1 signatures by default: 403 with EC 0002-00000080, and nothing is written', async () => {
    const v1 = client(OWNER, { authorizationV4: false });
    const before = emu.world.calls.length;
    const err = await v1.put('v1/refused.txt', Buffer.from('no')).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 403, code: 'AccessDenied', ecCode: '0002-00000080' });
    expect(emu.world.calls.slice(before).map((c) => [c.service, c.status])).toEqual([['oss', 403]]);
    await expect(client(OWNER).get('v1/refused.txt')).rejects.toMatchObject({ status: 404, code: 'NoSuchKey' });
    await expect(v1.getBucketInfo('config-bucket')).rejects.toMatchObject({ status: 403, ecCode: '0002-00000080' });
  });

  it('accepts V1 where the seed allows it (per bucket, or world-wide), and still verifies it', async () => {
    const v1 = client(OWNER, { authorizationV4: false, bucket: 'legacy-bucket' });
    await v1.put('v1/ok.txt', Buffer.from('old times'));
    expect((await v1.get('v1/ok.txt')).content.toString('utf8')).toBe('old times');
    const wrong = client({ ...OWNER, secret: 'not-the-secret-xxxxxxxxxxxxxxxxxxx' }, { authorizationV4: false, bucket: 'legacy-bucket' });
    await expect(wrong.get('v1/ok.txt')).rejects.toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });

    const old = await createEmulator({ seed: { ossV1Allowed: true, accounts: [{ id: OWNER.id, accessKeys: [{ accessKeyId: OWNER.ak, accessKeySecret: OWNER.secret }], buckets: [{ name: 'config-bucket', region: 'cn-hangzhou' }] }] } });
    try {
      const oldV1 = new OSS({ endpoint: old.url, accessKeyId: OWNER.ak, accessKeySecret: OWNER.secret, bucket: 'config-bucket', region: 'oss-cn-hangzhou' });
      expect((await oldV1.getBucketInfo('config-bucket')).bucket.Name).toBe('config-bucket');
    } finally {
      await old.close();
    }
  });
});
