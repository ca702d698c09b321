/**
 * Self-service HTTP API end to end: FC HTTP trigger events into the real handler, the real SDK
 * clients over HTTP against the emulator; plus the local node:http adapter.
 */
import type { Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import type { SeedFile } from '../emulator/state';
import { staticCredentials } from '../shared/cloud/credentials';
import { createLogger } from '../shared/platform/log';
import { loadConfig } from '../shared/platform/config';
import { ProvisionError } from '../shared/core/errors';
import { servedRoutes } from '../shared/triggers/selfservice';
import { createHandler } from '../functions/selfservice';
import { createLocalHttpServer } from '../functions/selfservice/local';
import { parseHttpEvent, type FcHttpEvent } from '../functions/selfservice/event';

const REGION = 'cn-hangzhou';
const OWNER = '1200000000000001';
const MEMBER = '2200000000000001';
const TOKEN = 'tok-0123456789abcdef-selfservice';
const OTHER_TOKEN = 'tok-fedcba9876543210-second';
const key = (id: string) => ({ accessKeyId: `LTAIself${id}`, accessKeySecret: `self-secret-${id}-0123456789` });

const seed: SeedFile = {
  defaultRegion: REGION,
  accounts: [
    {
      id: OWNER,
      rdRole: 'management',
      accessKeys: [key(OWNER)],
      buckets: [{ name: `self-audit-${OWNER}`, region: REGION }],
      roles: [],
    },
    {
      id: MEMBER,
      rdRole: 'member',
      roles: [{ name: 'ResourceDirectoryAccountAccessRole', trustedServices: [], trustedAccounts: [OWNER], grants: ['*'] }],
      buckets: [{ name: `self-audit-${MEMBER}`, region: REGION }],
    },
  ],
};

let emu: Emulator;
let handler: ReturnType<typeof createHandler>;
const logs: string[] = [];

beforeAll(async () => {
  emu = await createEmulator({ seed });
  handler = createHandler({
    // Any member account (the member-account tests below); the default, none, is tested on its own.
    env: { TRAIL_EMULATOR_URL: emu.url, TRAIL_REGION: REGION, TRAIL_HTTP_TOKENS: `${TOKEN},${OTHER_TOKEN}`, TRAIL_HTTP_MAX_BODY: '2048', TRAIL_HTTP_ACCOUNTS: '*' },
    credentials: staticCredentials(key(OWNER)),
    logger: createLogger({ test: 'selfservice' }, { write: (l) => logs.push(l) }),
  });
});
afterAll(async () => {
  await emu.close();
});

interface Req {
  method?: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  token?: string | null;
  /** Another handler than the shared one (other configuration). */
  via?: ReturnType<typeof createHandler>;
}

async function call(r: Req): Promise<{ status: number; body: any; headers: Record<string, string> }> {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (r.token !== null) headers['Authorization'] = `Bearer ${r.token ?? TOKEN}`;
  if (r.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  const binary = Buffer.isBuffer(r.body);
  const ev: FcHttpEvent = {
    version: 'v1',
    rawPath: r.path,
    body: r.body === undefined ? '' : binary ? (r.body as Buffer).toString('base64') : (r.body as string),
    isBase64Encoded: binary,
    headers,
    queryParameters: r.query ?? {},
    requestContext: {
      accountId: OWNER,
      domainName: 'trigger.cn-hangzhou.fcapp.run',
      domainPrefix: 'trigger',
      http: { method: r.method ?? 'GET', path: r.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `req-${Math.random().toString(16).slice(2)}`,
      time: new Date().toISOString(),
      timeEpoch: String(Date.now()),
    },
  };
  const res = await (r.via ?? handler)(Buffer.from(JSON.stringify(ev)), { requestId: 'ctx', region: REGION, accountId: OWNER });
  expect(res.isBase64Encoded).toBe(false);
  // The console's files (GET /, /console.js, /console.css) are not JSON.
  const isJson = (res.headers['content-type'] ?? '').startsWith('application/json');
  return { status: res.statusCode, body: isJson ? JSON.parse(res.body) : res.body, headers: res.headers };
}

const spec = { Name: 'self-trail', OssBucketName: `self-audit-${OWNER}`, OssKeyPrefix: 'selfservice', EventRW: 'All' };
const trailsOf = (id: string) => emu.world.accounts.get(id)!.trails;

describe('self-service HTTP API', () => {
  it('GET /healthz answers without auth and without any cloud call', async () => {
    const from = emu.world.calls.length;
    const res = await call({ path: '/healthz', token: null });
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } });
    const head = await call({ method: 'HEAD', path: '/healthz', token: null });
    expect(head.status).toBe(200);
    expect(emu.world.calls.length).toBe(from);
  });

  it('refuses missing or wrong tokens with 401 and makes no cloud call', async () => {
    const from = emu.world.calls.length;
    for (const r of [
      { path: '/trails', token: null },
      { path: '/trails', token: 'tok-0123456789abcdef-selfservicX' },
      { path: '/trails', method: 'POST', body: JSON.stringify(spec), token: 'nope' },
      { path: '/schema', headers: { Authorization: `Basic ${TOKEN}` }, token: null },
      { path: '/trails/self-trail/logging', method: 'POST', token: '' },
    ] as Req[]) {
      const res = await call(r);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ Code: 'Unauthorized' });
      expect(typeof res.body.RequestId).toBe('string');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect(emu.world.calls.length).toBe(from);
  });

  it('GET /schema returns the trail spec JSON Schema (second token works too)', async () => {
    const res = await call({ path: '/schema', token: OTHER_TOKEN });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ type: 'object', required: ['Name'] });
    expect(Object.keys(res.body.properties)).toContain('OssBucketName');
  });

  it('POST /trails?dryRun=true returns the plan and writes nothing', async () => {
    const from = emu.world.calls.length;
    const res = await call({ method: 'POST', path: '/trails', query: { dryRun: 'true' }, body: JSON.stringify(spec) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'self-trail', classification: 'missing', dryRun: true, planned: ['CreateTrail', 'StartLogging'], done: [] });
    expect(emu.world.calls.slice(from).map((c) => c.action)).toEqual(['DescribeTrails']);
    expect(trailsOf(OWNER)).toHaveLength(0);
  });

  it('POST /trails creates and starts the trail (201), then answers 200 when compliant', async () => {
    const created = await call({ method: 'POST', path: '/trails', body: JSON.stringify(spec) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'self-trail', classification: 'missing', done: ['CreateTrail', 'StartLogging'], status: { IsLogging: true } });
    expect(trailsOf(OWNER).find((t) => t.Name === 'self-trail')?.Status).toBe('Enable');
    const again = await call({ method: 'POST', path: '/trails', body: JSON.stringify(spec) });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ classification: 'compliant', done: [] });
  });

  it('GET /trails lists trails with their Status', async () => {
    const res = await call({ path: '/trails' });
    expect(res.status).toBe(200);
    expect(res.body.TrailList).toEqual([expect.objectContaining({ Name: 'self-trail', Status: 'Enable', OssBucketName: `self-audit-${OWNER}` })]);
  });

  it('GET /trails/{name} returns the trail, Status, IsLogging and delivery health; 404 when absent', async () => {
    const res = await call({ path: '/trails/self-trail' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ Trail: { Name: 'self-trail', OssKeyPrefix: 'selfservice' }, Status: 'Enable', IsLogging: true, OssBucketStatus: true });
    expect(res.body.LatestDeliveryTime).toEqual(expect.any(String));
    // A healthy trail has no delivery error (ActionTrail answers "", which the client drops).
    expect(res.body).not.toHaveProperty('LatestDeliveryError');
    // The bucket removed behind the trail's back: still logging, but the bucket is gone and delivery fails.
    const account = emu.world.accounts.get(OWNER)!;
    const saved = account.buckets;
    account.buckets = saved.filter((b) => b.name !== spec.OssBucketName);
    try {
      const broken = await call({ path: '/trails/self-trail' });
      expect(broken.status).toBe(200);
      expect(broken.body).toMatchObject({ Status: 'Enable', IsLogging: true, OssBucketStatus: false, LatestDeliveryError: expect.stringMatching(/bucket does not exist/) });
    } finally {
      account.buckets = saved;
    }
    const missing = await call({ path: '/trails/no-such-trail' });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ Code: 'TrailNotFoundException' });
  });

  it('POST /trails/{name}/logging starts a stopped trail; 404 when absent', async () => {
    const t = trailsOf(OWNER).find((x) => x.Name === 'self-trail')!;
    t.Status = 'Disable';
    const res = await call({ method: 'POST', path: '/trails/self-trail/logging' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ Name: 'self-trail' });
    expect(t.Status).toBe('Enable');
    const missing = await call({ method: 'POST', path: '/trails/no-such-trail/logging' });
    expect(missing.status).toBe(404);
    expect(missing.body.Code).toBe('TrailNotFoundException');
  });

  it('works in a member account through AssumeRole with x-trail-account-id', async () => {
    const from = emu.world.calls.length;
    const memberSpec = { Name: 'member-trail', OssBucketName: `self-audit-${MEMBER}` };
    const res = await call({ method: 'POST', path: '/trails', body: JSON.stringify(memberSpec), headers: { 'x-trail-account-id': MEMBER } });
    expect(res.status).toBe(201);
    expect(trailsOf(MEMBER).find((t) => t.Name === 'member-trail')?.Status).toBe('Enable');
    expect(trailsOf(OWNER).find((t) => t.Name === 'member-trail')).toBeUndefined();
    expect(emu.world.calls.slice(from).some((c) => c.service === 'sts' && c.action === 'AssumeRole' && c.status === 200)).toBe(true);
    const list = await call({ path: '/trails', query: { accountId: MEMBER } });
    expect(list.body.TrailList.map((t: { Name: string }) => t.Name)).toEqual(['member-trail']);
  });

  it('validation errors: 400 with the ActionTrail envelope and every failing field', async () => {
    const res = await call({ method: 'POST', path: '/trails', body: JSON.stringify({ Name: 'X', OssKeyPrefix: '1' }) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ Code: 'InvalidTrailNameException', Message: expect.any(String), RequestId: expect.any(String) });
    expect(res.body.Errors.length).toBeGreaterThanOrEqual(2);
    expect(res.body.Errors.map((e: { pointer: string }) => e.pointer)).toEqual(expect.arrayContaining(['/Name']));
  });

  it('GET /trails, GET /trails/{name} and POST /trails/{name}/logging retry a throttled cloud call and still answer 200', async () => {
    const actiontrailSince = (from: number) => emu.world.calls.slice(from).filter((c) => c.service === 'actiontrail').map((c) => `${c.action}/${c.status}`);
    try {
      for (const [r, action] of [
        [{ path: '/trails' }, 'DescribeTrails'],
        [{ path: '/trails/self-trail' }, 'DescribeTrails'],
        [{ path: '/trails/self-trail' }, 'GetTrailStatus'],
        [{ method: 'POST', path: '/trails/self-trail/logging' }, 'StartLogging'],
      ] as Array<[Req, string]>) {
        emu.world.faults = { rules: [{ match: `actiontrail:${action}`, kind: 'throttle', rate: 1, times: 1 }] };
        const from = emu.world.calls.length;
        const res = await call(r);
        expect(res.status, `${r.path} with ${action} throttled once`).toBe(200);
        const calls = actiontrailSince(from);
        expect(calls.filter((c) => c.startsWith(`${action}/`))).toEqual([`${action}/400`, `${action}/200`]);
      }
      expect(logs.some((l) => l.includes('"msg":"retrying"') && l.includes('Throttling'))).toBe(true);
    } finally {
      emu.world.faults = { rules: [] };
    }
  });

  it('body handling: 415 for non-JSON, 413 when too large, 400 for malformed JSON; none reaches the cloud', async () => {
    const from = emu.world.calls.length;
    const text = await call({ method: 'POST', path: '/trails', body: 'Name=x', headers: { 'Content-Type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.body.Code).toBe('UnsupportedMediaType');
    const big = await call({ method: 'POST', path: '/trails', body: Buffer.from(JSON.stringify({ ...spec, pad: 'x'.repeat(4096) })) });
    expect(big.status).toBe(413);
    expect(big.body.Code).toBe('PayloadTooLarge');
    const bad = await call({ method: 'POST', path: '/trails', body: '{"Name": ' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ Code: 'InvalidQueryParameter', Errors: [{ pointer: '' }] });
    expect(emu.world.calls.length).toBe(from);
  });

  it('unknown route 404, wrong method 405, and no stack traces anywhere', async () => {
    const unknown = await call({ path: '/nothing-here' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.Code).toBe('NotFound');
    const method = await call({ method: 'DELETE', path: '/trails' });
    expect(method.status).toBe(405);
    for (const r of [unknown, method]) expect(JSON.stringify(r.body)).not.toMatch(/\bat .+:\d+:\d+/);
  });

  it('the local node:http server maps requests to trigger events and back', async () => {
    const server: Server = await createLocalHttpServer(handler, 0);
    try {
      const { port } = server.address() as { port: number };
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const res = await fetch(`http://127.0.0.1:${port}/trails/self-trail`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ Trail: { Name: 'self-trail' }, IsLogging: true });
      const unauth = await fetch(`http://127.0.0.1:${port}/trails`);
      expect(unauth.status).toBe(401);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('never logs the bearer token', () => {
    expect(logs.length).toBeGreaterThan(0);
    for (const l of logs) expect(l).not.toContain(TOKEN);
  });

  it('docs/openapi.yaml describes exactly the served routes and methods, and the example trigger events parse', async () => {
    const doc = parseYaml(readFileSync('docs/openapi.yaml', 'utf8')) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/',
      '/accounts',
      '/console.css',
      '/console.js',
      '/healthz',
      '/reports/latest',
      '/reports/latest/report.csv',
      '/schema',
      '/trails',
      '/trails/{name}',
      '/trails/{name}/logging',
    ]);
    const verbs = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
    const documented = Object.fromEntries(Object.entries(doc.paths).map(([p, item]) => [p, Object.keys(item).filter((k) => verbs.includes(k)).map((k) => k.toUpperCase()).sort()]));
    const served = Object.fromEntries(Object.entries(servedRoutes()).map(([p, methods]) => [p, [...methods].sort()]));
    expect(documented).toEqual(served);
    expect(served['/healthz']).toEqual(['GET', 'HEAD']);
    // Every served method answers (not 405), every other documented verb is refused.
    for (const [p, methods] of Object.entries(served)) {
      const path = p.replace('{name}', 'self-trail');
      for (const m of methods) expect((await call({ method: m, path, ...(m === 'POST' && path === '/trails' ? { query: { dryRun: 'true' }, body: JSON.stringify(spec) } : {}) })).status, `${m} ${path}`).not.toBe(405);
      for (const m of verbs.map((v) => v.toUpperCase()).filter((v) => !methods.includes(v))) expect((await call({ method: m, path })).status, `${m} ${path}`).toBe(405);
    }
    expect(JSON.stringify(doc.paths['/trails'])).toContain('../schemas/trail-spec.schema.json');
    for (const f of ['http-post-trails.json', 'http-get-trail.json', 'http-healthz.json']) {
      const req = parseHttpEvent(readFileSync(`examples/events/${f}`));
      expect(req?.path).toMatch(/^\/(trails|healthz)/);
    }
    const health = await handler(readFileSync('examples/events/http-healthz.json'), {});
    expect(health.statusCode).toBe(200);
  });
});

describe('configuration', () => {
  it('has documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      region: 'cn-hangzhou',
      memberRole: 'ResourceDirectoryAccountAccessRole',
      baseline: { kind: 'none' },
      accounts: { kind: 'rd' },
      regions: ['cn-hangzhou'],
      concurrency: 8,
      vendingSource: 'acs.custom.account-vending',
      http: { auth: 'token', maxBodyBytes: 65536, accounts: { kind: 'none' } },
      dryRun: false,
    });
    expect(loadConfig({ FC_REGION: 'cn-shanghai' }).regions).toEqual(['cn-shanghai']);
    expect(loadConfig({}, { function: { name: 'me' } }).workerFunction).toBe('me');
    expect(loadConfig({ TRAIL_ACCOUNTS: '1, 2,2', TRAIL_REGIONS: 'cn-beijing,cn-hangzhou', TRAIL_BASELINE_OSS: 'oss://my-bucket/base/line.json' })).toMatchObject({
      accounts: { kind: 'list', ids: ['1', '2'] },
      regions: ['cn-beijing', 'cn-hangzhou'],
      baseline: { kind: 'oss', bucket: 'my-bucket', key: 'base/line.json' },
    });
  });

  it('names the bad variable in a ProvisionError', () => {
    const cases: Array<[NodeJS.ProcessEnv, string]> = [
      [{ TRAIL_CONCURRENCY: '0' }, 'TRAIL_CONCURRENCY'],
      [{ TRAIL_HTTP_AUTH: 'basic' }, 'TRAIL_HTTP_AUTH'],
      [{ TRAIL_ACCOUNTS: 'rd,x' }, 'TRAIL_ACCOUNTS'],
      [{ TRAIL_REGIONS: 'Hangzhou' }, 'TRAIL_REGIONS'],
      [{ TRAIL_BASELINE: '[{"Name":"x"}]' }, 'TRAIL_BASELINE'],
      [{ TRAIL_BASELINE: '[', TRAIL_BASELINE_FILE: 'a.json' }, 'TRAIL_BASELINE and TRAIL_BASELINE_FILE'],
      [{ TRAIL_BASELINE_OSS: 'https://bucket/key' }, 'TRAIL_BASELINE_OSS'],
      [{ TRAIL_DRY_RUN: 'maybe' }, 'TRAIL_DRY_RUN'],
      [{ TRAIL_HTTP_TOKENS: 'short' }, 'TRAIL_HTTP_TOKENS'],
      [{ TRAIL_HTTP_ACCOUNTS: 'all' }, 'TRAIL_HTTP_ACCOUNTS'],
    ];
    for (const [env, name] of cases) {
      let err: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProvisionError);
      expect((err as Error).message).toContain(name);
    }
  });

  it('keeps bearer tokens only as digests', () => {
    const c = loadConfig({ TRAIL_HTTP_TOKENS: TOKEN });
    expect(JSON.stringify(c)).not.toContain(TOKEN);
    expect(c.http.tokens).toHaveLength(1);
    expect(c.http.tokens[0]!.name).toBe('token-1');
  });

  it('TRAIL_HTTP_AUTH=fc trusts the trigger signature: no bearer token needed', async () => {
    const fcAuth = createHandler({
      env: { TRAIL_EMULATOR_URL: emu.url, TRAIL_REGION: REGION, TRAIL_HTTP_AUTH: 'fc' },
      credentials: staticCredentials(key(OWNER)),
      logger: createLogger({}, { write: () => {} }),
    });
    const ev = { version: 'v1', rawPath: '/schema', body: '', isBase64Encoded: false, headers: {}, queryParameters: {}, requestContext: { http: { method: 'GET', path: '/schema' }, requestId: 'r' } };
    expect((await fcAuth(Buffer.from(JSON.stringify(ev)), {})).statusCode).toBe(200);
    // With token auth and no token configured, nothing is let in.
    const closed = createHandler({ env: { TRAIL_EMULATOR_URL: emu.url }, credentials: staticCredentials(key(OWNER)), logger: createLogger({}, { write: () => {} }) });
    const withHeader = { ...ev, headers: { authorization: `Bearer ${TOKEN}` } };
    expect((await closed(Buffer.from(JSON.stringify(withHeader)), {})).statusCode).toBe(401);
  });
});

describe('member accounts over HTTP (TRAIL_HTTP_ACCOUNTS)', () => {
  const STRANGER = '2200000000000009';
  const handlerWith = (accounts: string | undefined) =>
    createHandler({
      env: { TRAIL_EMULATOR_URL: emu.url, TRAIL_REGION: REGION, TRAIL_HTTP_TOKENS: TOKEN, ...(accounts === undefined ? {} : { TRAIL_HTTP_ACCOUNTS: accounts }) },
      credentials: staticCredentials(key(OWNER)),
      logger: createLogger({}, { write: () => {} }),
    });
  /** Every cloud route, once with the header and once with ?accountId=. */
  const inAccount = (id: string): Req[] =>
    [
      { path: '/trails' },
      { method: 'POST', path: '/trails', body: JSON.stringify({ Name: 'refused-trail', OssBucketName: `self-audit-${MEMBER}` }) },
      { method: 'POST', path: '/trails', query: { dryRun: 'true' }, body: '{"Name": ' },
      { path: '/trails/self-trail' },
      { method: 'POST', path: '/trails/self-trail/logging' },
    ].flatMap((r) => [
      { ...r, headers: { 'x-trail-account-id': id } },
      { ...r, query: { ...(r.query ?? {}), accountId: id } },
    ]);

  async function expectRefused(via: ReturnType<typeof createHandler>, id: string): Promise<void> {
    const from = emu.world.calls.length;
    for (const r of inAccount(id)) {
      const res = await call({ ...r, via });
      expect(res.status, `${r.method ?? 'GET'} ${r.path} in ${id}`).toBe(403);
      expect(res.body).toMatchObject({ Code: 'AccountNotAllowed', RequestId: expect.any(String) });
      expect(res.body.Message).toContain(id);
    }
    // Refused before anything else: no AssumeRole, no ActionTrail call, no body parsed.
    expect(emu.world.calls.slice(from)).toEqual([]);
  }

  it('default (none): every member account is refused with 403 AccountNotAllowed and zero cloud calls; the own account works', async () => {
    const none = handlerWith(undefined);
    await expectRefused(none, MEMBER);
    await expectRefused(handlerWith('NONE'), MEMBER);
    expect(trailsOf(MEMBER).find((t) => t.Name === 'refused-trail')).toBeUndefined();
    // The function's own account (no header, or its own id: FC context.accountId) is unaffected,
    // with no AssumeRole; a malformed id is still a 400.
    for (const headers of [{}, { 'x-trail-account-id': OWNER }] as Array<Record<string, string>>) {
      const from = emu.world.calls.length;
      const own = await call({ path: '/trails', headers, via: none });
      expect(own.status).toBe(200);
      expect(own.body.TrailList.map((t: { Name: string }) => t.Name)).toContain('self-trail');
      expect(emu.world.calls.slice(from).map((c) => `${c.service}:${c.action}`)).toEqual(['actiontrail:DescribeTrails']);
    }
    const bad = await call({ path: '/trails', headers: { 'x-trail-account-id': 'not-digits' }, via: none });
    expect(bad).toMatchObject({ status: 400, body: { Code: 'InvalidQueryParameter' } });
  });

  it('a list allows exactly the listed accounts', async () => {
    const listed = handlerWith(` ${MEMBER} , 2200000000000008`);
    await expectRefused(listed, STRANGER);
    const from = emu.world.calls.length;
    const res = await call({ path: '/trails', headers: { 'x-trail-account-id': MEMBER }, via: listed });
    expect(res.status).toBe(200);
    expect(res.body.TrailList.map((t: { Name: string }) => t.Name)).toEqual(trailsOf(MEMBER).map((t) => t.Name));
    expect(emu.world.calls.slice(from).map((c) => `${c.service}:${c.action}:${c.status}`)).toEqual(['sts:AssumeRole:200', 'actiontrail:DescribeTrails:200']);
  });

  it('"*" lets any account through to AssumeRole; one where the role cannot be assumed answers exactly like a refused account (no role oracle)', async () => {
    const any = handlerWith('*');
    const ok = await call({ path: '/trails', query: { accountId: MEMBER }, via: any });
    expect(ok.status).toBe(200);
    const from = emu.world.calls.length;
    const stranger = await call({ path: '/trails', headers: { 'x-trail-account-id': STRANGER }, via: any });
    expect(emu.world.calls.slice(from).some((c) => c.service === 'sts' && c.action === 'AssumeRole')).toBe(true);
    const gate = await call({ path: '/trails', headers: { 'x-trail-account-id': STRANGER }, via: handlerWith('none') });
    expect([stranger.status, stranger.body.Code, stranger.body.Message]).toEqual([gate.status, gate.body.Code, gate.body.Message]);
    expect(stranger.status).toBe(403);
  });

  it('parses none, * and lists; anything else fails loadConfig naming TRAIL_HTTP_ACCOUNTS', async () => {
    expect(loadConfig({}).http.accounts).toEqual({ kind: 'none' });
    expect(loadConfig({ TRAIL_HTTP_ACCOUNTS: ' None ' }).http.accounts).toEqual({ kind: 'none' });
    expect(loadConfig({ TRAIL_HTTP_ACCOUNTS: '*' }).http.accounts).toEqual({ kind: 'any' });
    expect(loadConfig({ TRAIL_HTTP_ACCOUNTS: '1, 2,2,' }).http.accounts).toEqual({ kind: 'list', ids: ['1', '2'] });
    for (const bad of ['all', 'any', '*,1', '1,*', 'abc', ',', '1;2', '123456789012345678901', 'none,1']) {
      let err: unknown;
      try {
        loadConfig({ TRAIL_HTTP_ACCOUNTS: bad });
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(ProvisionError);
      expect(err as ProvisionError, bad).toMatchObject({ code: 'InvalidConfiguration', fields: [{ pointer: '/TRAIL_HTTP_ACCOUNTS' }] });
      expect((err as Error).message).toContain('TRAIL_HTTP_ACCOUNTS');
    }
    // A deployment with a bad value answers 500 without reaching the cloud.
    const from = emu.world.calls.length;
    const res = await call({ path: '/trails', headers: { 'x-trail-account-id': MEMBER }, via: handlerWith('everyone') });
    expect(res).toMatchObject({ status: 500, body: { Code: 'InternalError' } });
    expect(emu.world.calls.length).toBe(from);
  });
});
