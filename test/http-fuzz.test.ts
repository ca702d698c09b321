/**
 * HTTP fuzzing of the self-service function: thousands of seeded random and malformed requests
 * (wrong types, huge strings, 10,000-deep nesting, __proto__/constructor keys, wrong content
 * types, oversized bodies, bad base64, bad methods, random paths, missing/bad auth, events that
 * are not HTTP trigger events at all) through the real FC handler with the emulator behind it.
 *
 * Every request must get a 4xx with the JSON envelope {RequestId, Code, Message} and no stack
 * trace; nothing may be written to the cloud; Object.prototype must stay clean. The generator
 * never produces a request that could legitimately succeed, so "4xx" is the exact expectation.
 * Also fuzzes validateSpecs with random arrays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import { mulberry32 } from '../emulator/faults';
import type { SeedFile } from '../emulator/state';
import { staticCredentials } from '../shared/cloud/credentials';
import { DOCUMENTED_ERRORS, PROJECT_ERRORS, ProvisionError } from '../shared/core/errors';
import { createLogger } from '../shared/platform/log';
import { validateSpecs } from '../shared/core/schema';
import { createHandler } from '../functions/selfservice';

const REGION = 'cn-hangzhou';
const OWNER = '1300000000000001';
const TOKEN = 'tok-fuzz-0123456789abcdef-0001';
const key = { accessKeyId: `LTAIfuzz${OWNER}`, accessKeySecret: `fuzz-secret-${OWNER}-0123456789` };
const ROUNDS = 3_200;
const MAX_BODY = 65_536;

const seed: SeedFile = {
  defaultRegion: REGION,
  accounts: [{ id: OWNER, rdRole: 'management', accessKeys: [key], buckets: [{ name: `fuzz-audit-${OWNER}`, region: REGION }] }],
};

let emu: Emulator;
let handler: ReturnType<typeof createHandler>;
const logs: string[] = [];
const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  emu = await createEmulator({ seed });
  handler = createHandler({
    env: { TRAIL_EMULATOR_URL: emu.url, TRAIL_REGION: REGION, TRAIL_HTTP_TOKENS: TOKEN, TRAIL_HTTP_MAX_BODY: String(MAX_BODY) },
    credentials: staticCredentials(key),
    logger: createLogger({ test: 'http-fuzz' }, { write: (l) => logs.push(l) }),
  });
});
afterAll(async () => {
  await emu.close();
});

/** Seeded choices. */
function gen(seedValue: number) {
  const rnd = mulberry32(seedValue);
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chars = 'abcdefghijklmnopqrstuvwxyzABC0123456789-_/.%~ \u0000\u00e9\u4e2d\ud83d\ude00"\\<>{}[]';
  const str = (max: number) => Array.from({ length: int(max) }, () => chars[int(chars.length)]).join('');
  return { rnd, int, pick, str };
}
type Gen = ReturnType<typeof gen>;

const nest = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

/** A random JSON-ish value of any type (may be deep). */
function randomValue(g: Gen, depth = 0): unknown {
  switch (g.int(depth > 3 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return g.rnd() < 0.5;
    case 2:
      return g.pick([0, -1, 1e308, -0, 3.5, Number.MAX_SAFE_INTEGER + 2]);
    case 3:
      return g.str(40);
    case 4:
      return 'x'.repeat(g.pick([37, 300, 5_000]));
    case 5:
      return g.pick(['acs:log:cn-hangzhou:1:project/x', 'Write', 'All', 'cn-hangzhou', '', ' ']);
    case 6:
      return Array.from({ length: g.int(4) }, () => randomValue(g, depth + 1));
    case 7:
      return Object.fromEntries(Array.from({ length: g.int(4) }, () => [g.pick(['Name', 'a', '__proto__', 'constructor', 'prototype', g.str(8)]), randomValue(g, depth + 1)]));
    default:
      return { __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } };
  }
}

const FIELDS = ['Name', 'OssBucketName', 'OssKeyPrefix', 'OssWriteRoleArn', 'SlsProjectArn', 'SlsWriteRoleArn', 'MaxComputeProjectArn', 'MaxComputeWriteRoleArn', 'EventRW', 'TrailRegion', 'IsOrganizationTrail'];

/** A request body that is never a valid spec (each branch breaks validity on purpose). */
function invalidBody(g: Gen): { text: string; kind: string } {
  const base: Record<string, unknown> = { Name: 'fuzz-trail', OssBucketName: `fuzz-audit-${OWNER}`, EventRW: 'All' };
  switch (g.int(14)) {
    case 0: {
      // A field of the wrong type.
      const f = g.pick(FIELDS);
      const bad = g.pick([123, true, null, [], {}, ['x'], { a: 1 }, 1.5]);
      return { text: JSON.stringify({ ...base, [f]: f === 'IsOrganizationTrail' ? g.pick([123, 'true', null, [], {}]) : bad }), kind: 'wrong-type' };
    }
    case 1:
      return { text: JSON.stringify({ ...base, Name: 'n'.repeat(g.pick([37, 1_000, 60_000])) }), kind: 'huge-name' };
    case 2:
      return { text: `{"Name":"fuzz-trail","OssBucketName":${nest(10_000, '[', ']')}}`, kind: 'deep-field' };
    case 3:
      return { text: nest(g.pick([10_000, 30_000]), '[', ']'), kind: 'deep-array' };
    case 4:
      return { text: nest(g.pick([5_000, 10_000]), '{"a":', '}'), kind: 'deep-object' };
    case 5:
      return { text: `{"__proto__":{"polluted":true},"Name":"fuzz-trail","OssBucketName":"fuzz-audit-${OWNER}"}`, kind: '__proto__' };
    case 6:
      return { text: `{"constructor":{"prototype":{"polluted":true}},"Name":"fuzz-trail","OssBucketName":"fuzz-audit-${OWNER}"}`, kind: 'constructor' };
    case 7:
      return { text: JSON.stringify({ ...base, [g.str(10) || 'x']: randomValue(g) }), kind: 'unknown-key' };
    case 8:
      return { text: JSON.stringify(g.pick([null, 1, 'str', true, [], [base], [[base]]])), kind: 'not-an-object' };
    case 9:
      return { text: g.pick(['', '{', '{"Name":', '[1,2', 'undefined', 'NaN', "{'Name':'x'}", '\u0000', '{"a":1}}', g.str(50)]), kind: 'bad-json' };
    case 10:
      return { text: JSON.stringify({ Name: 'fuzz-trail', EventRW: 'Write' }), kind: 'no-destination' };
    case 11:
      return { text: JSON.stringify({ ...base, Name: g.pick(['UPPER-case', 'a', '1starts-digit', 'has space', 'x'.repeat(37), '', 'näme-trail']) }), kind: 'bad-name' };
    case 12:
      return { text: JSON.stringify({ ...base, EventRW: g.pick(['all', 'READ', '', 'Delete', 1]) }), kind: 'bad-enum' };
    default:
      return { text: JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, randomValue(g)]))), kind: 'random-fields' };
  }
}

interface Fuzzed {
  kind: string;
  event: string | Buffer;
}

const AUTH_BAD = (g: Gen): string | undefined =>
  g.pick([undefined, '', 'Bearer', 'Bearer ', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `bearer  ${'t'.repeat(20_000)}`, `Bearer ${TOKEN} extra`, 'Bearer \u0000', g.str(30)]);

function httpEvent(g: Gen, method: string, path: string, opts: { auth?: string; body?: string; base64?: boolean | 'bad'; contentType?: string; query?: Record<string, string>; headers?: Record<string, string> }) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.auth !== undefined) headers[g.pick(['Authorization', 'authorization', 'AUTHORIZATION'])] = opts.auth;
  if (opts.contentType !== undefined) headers['Content-Type'] = opts.contentType;
  let body = opts.body ?? '';
  if (opts.base64 === true) body = Buffer.from(body).toString('base64');
  return JSON.stringify({
    version: 'v1',
    rawPath: path,
    body,
    isBase64Encoded: Boolean(opts.base64),
    headers,
    queryParameters: opts.query ?? {},
    requestContext: { accountId: OWNER, requestId: `fuzz-${g.int(1e9)}`, http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'fuzz' } },
  });
}

const AUTH_OK = `Bearer ${TOKEN}`;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT', 'get', 'P0ST', '', 'X'.repeat(300)];

/** One malformed request; every branch is one that must be refused with a 4xx and no write. */
function fuzzed(g: Gen): Fuzzed {
  switch (g.int(12)) {
    case 0: {
      // Missing or bad auth on any route and method (even ones that would write). Not the console's
      // static files (GET /, /console.js, /console.css): public by design, test/console-api.test.ts.
      const path = g.pick(['/trails', '/trails/fuzz-trail', '/trails/fuzz-trail/logging', '/schema', '/accounts', '/reports/latest', `/${g.str(20)}`]);
      return { kind: 'bad-auth', event: httpEvent(g, g.pick(['GET', 'POST', 'PUT']), path, { auth: AUTH_BAD(g), body: invalidBody(g).text, contentType: 'application/json' }) };
    }
    case 1: {
      // A good token but a malformed body on POST /trails.
      const b = invalidBody(g);
      return { kind: `body:${b.kind}`, event: httpEvent(g, 'POST', '/trails', { auth: AUTH_OK, body: b.text, contentType: g.pick(['application/json', 'application/json; charset=utf-8', 'application/merge-patch+json']), query: g.rnd() < 0.3 ? { dryRun: g.pick(['true', 'false', '1']) } : {} }) };
    }
    case 2:
      // Wrong content types.
      return {
        kind: 'content-type',
        event: httpEvent(g, 'POST', '/trails', {
          auth: AUTH_OK,
          body: JSON.stringify({ Name: 'fuzz-trail', OssBucketName: `fuzz-audit-${OWNER}` }),
          contentType: g.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', 'json', '', 'application/xml', 'application/json+xml', g.str(20)]),
        }),
      };
    case 3:
      // Oversized bodies (valid JSON otherwise).
      return {
        kind: 'oversized',
        event: httpEvent(g, 'POST', '/trails', {
          auth: AUTH_OK,
          body: JSON.stringify({ Name: 'fuzz-trail', OssBucketName: `fuzz-audit-${OWNER}`, OssKeyPrefix: 'p'.repeat(MAX_BODY + g.int(100_000)) }),
          contentType: 'application/json',
          base64: g.rnd() < 0.3,
        }),
      };
    case 4:
      // Bad base64: garbage decoded bytes are never a valid spec.
      return {
        kind: 'bad-base64',
        event: httpEvent(g, 'POST', '/trails', { auth: AUTH_OK, body: g.pick(['!!!not base64!!!', '====', 'eyJOYW1lIjoi', g.str(40), '\u00ff\u00fe']), base64: 'bad', contentType: 'application/json' }),
      };
    case 5: {
      // Methods a route does not take.
      const [path, allowed] = g.pick([
        ['/trails', ['GET', 'POST']],
        ['/trails/fuzz-trail', ['GET']],
        ['/trails/fuzz-trail/logging', ['POST']],
        ['/schema', ['GET']],
        ['/healthz', ['GET', 'HEAD']],
      ] as Array<[string, string[]]>);
      let method = g.pick(METHODS);
      while (allowed.includes(method.toUpperCase())) method = g.pick(METHODS);
      return { kind: 'method', event: httpEvent(g, method, path, { auth: AUTH_OK, body: invalidBody(g).text, contentType: 'application/json' }) };
    }
    case 6: {
      // Random paths (unknown routes, traversal, bad trail names, encodings); an empty random one
      // would be GET /, the public console page.
      const path = g.pick([
        `/${g.str(30) || 'empty'}`,
        '/trails/../../etc/passwd',
        '/trails/%2e%2e%2f',
        '/trails/UPPER',
        '/trails/ab',
        `/trails/${'a'.repeat(5_000)}`,
        '/trails/fuzz-trail/logging/extra',
        '/trails//logging',
        '/TRAILS',
        '//trails/x',
        '/trails/fuzz trail',
        '/trails/%zz',
        '/trails/\u0000',
        `/schema/x${g.str(5)}`,
        '/trails/constructor',
        '/trails/__proto__',
        '/trails/__proto__/logging',
        '/.env',
      ]);
      return { kind: 'path', event: httpEvent(g, g.pick(['GET', 'POST']), path, { auth: AUTH_OK, body: invalidBody(g).text, contentType: 'application/json' }) };
    }
    case 7:
      // A trail that does not exist (a read, answered 404).
      return { kind: 'missing-trail', event: httpEvent(g, 'GET', `/trails/nosuch-${g.int(1e6)}`, { auth: AUTH_OK }) };
    case 8:
      // Bad query parameters and account ids.
      return {
        kind: 'query',
        event: httpEvent(g, 'POST', '/trails', {
          auth: AUTH_OK,
          body: invalidBody(g).text,
          contentType: 'application/json',
          query: g.rnd() < 0.5 ? { dryRun: g.pick(['maybe', 'TRUEE', '2', 'yes', 'x'.repeat(1_000)]) } : { accountId: g.pick(['abc', '-1', '1'.repeat(21), '12 34', '0x10', g.str(10) + 'x']) },
          headers: g.rnd() < 0.5 ? { 'x-trail-account-id': g.pick(['not-digits', '', '9'.repeat(40)]) } : {},
        }),
      };
    case 9: {
      // Not an HTTP trigger event at all.
      const ev = g.pick([
        '',
        'null',
        '[]',
        '42',
        '"str"',
        '{}',
        '{"rawPath":42}',
        '{"rawPath":null,"requestContext":{"http":{"path":[]}}}',
        nest(10_000, '[', ']'),
        nest(10_000, '{"a":', '}'),
        `{"rawPath":${nest(10_000, '[', ']')}}`,
        '{"__proto__":{"polluted":true}}',
        g.str(200),
        '\u0000\u0001\u0002',
      ]);
      return { kind: 'not-http-event', event: g.rnd() < 0.5 ? ev : Buffer.from(ev) };
    }
    case 10: {
      // Structurally odd events: wrong types everywhere (headers, query, method, body).
      const ev = {
        version: g.pick(['v1', 2, null]),
        rawPath: g.pick(['/trails', '/trails/fuzz-trail/logging']),
        body: g.pick([123, { a: 1 }, ['x'], null, nest(2_000, '[', ']')]),
        isBase64Encoded: g.pick([true, 'yes', 1, null]),
        headers: g.pick([null, 'Authorization: x', [AUTH_OK], { Authorization: 42 }, { Authorization: [AUTH_OK] }, { __proto__: { authorization: AUTH_OK } }]),
        queryParameters: g.pick([null, 'dryRun=true', [1], { dryRun: ['true'] }]),
        requestContext: g.pick([null, 'x', { http: { method: g.pick([1, null, 'POST']) } }, { http: null }]),
      };
      return { kind: 'odd-event', event: JSON.stringify(ev) };
    }
    default: {
      // Token in the wrong place, huge headers.
      const headers = g.pick<Record<string, string>>([{ 'x-auth-token': TOKEN }, { cookie: `token=${TOKEN}` }, { 'x-huge': 'h'.repeat(100_000) }, { Authorization: `Bearer ${TOKEN}\r\nX-Injected: 1` }]);
      return { kind: 'misplaced-token', event: httpEvent(g, 'POST', '/trails', { body: JSON.stringify({ Name: 'fuzz-trail', OssBucketName: `fuzz-audit-${OWNER}` }), contentType: 'application/json', query: { token: TOKEN }, headers }) };
    }
  }
}

const WRITE = /CreateTrail|UpdateTrail|StartLogging|StopLogging|DeleteTrail|^(PUT|POST|DELETE) /;

describe('self-service HTTP fuzzing', () => {
  it(`answers ${ROUNDS} malformed requests with a 4xx JSON envelope, no stack trace and no cloud write`, async () => {
    const g = gen(0x5eed);
    const byKind: Record<string, number> = {};
    const byStatus: Record<string, number> = {};
    const byCode: Record<string, number> = {};
    const problems: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const f = fuzzed(g);
      const kind = f.kind.split(':')[0]!;
      byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
      let res: Awaited<ReturnType<typeof handler>>;
      try {
        res = await handler(f.event, { requestId: `ctx-${i}`, region: REGION, accountId: OWNER });
      } catch (e) {
        problems.push(`#${i} ${f.kind}: handler threw ${String(e)}`);
        continue;
      }
      byStatus[res.statusCode] = (byStatus[res.statusCode] ?? 0) + 1;
      if (res.statusCode < 400 || res.statusCode > 499) problems.push(`#${i} ${f.kind}: status ${res.statusCode} ${res.body.slice(0, 200)}`);
      if (!/^application\/json/.test(res.headers['content-type'] ?? '')) problems.push(`#${i} ${kind}: content-type ${res.headers['content-type']}`);
      let body: { RequestId?: unknown; Code?: unknown; Message?: unknown };
      try {
        body = JSON.parse(res.body) as typeof body;
      } catch {
        problems.push(`#${i} ${f.kind}: body is not JSON`);
        continue;
      }
      if (typeof body.RequestId !== 'string' || typeof body.Code !== 'string' || typeof body.Message !== 'string' || !body.Message) {
        problems.push(`#${i} ${f.kind}: not an envelope ${res.body.slice(0, 200)}`);
        continue;
      }
      byCode[body.Code] = (byCode[body.Code] ?? 0) + 1;
      if (!(body.Code in DOCUMENTED_ERRORS || body.Code in PROJECT_ERRORS)) problems.push(`#${i} ${f.kind}: undocumented code ${body.Code}`);
      if (/\n\s+at |node_modules|\/work\/|\.ts:\d+|TypeError|RangeError|Maximum call stack/.test(res.body)) problems.push(`#${i} ${f.kind}: leaks internals ${res.body.slice(0, 300)}`);
      if (res.body.includes(TOKEN)) problems.push(`#${i} ${f.kind}: echoes the token`);
    }
    const writes = emu.world.calls.filter((c) => WRITE.test(c.action));
    const tally = { requests: ROUNDS, byStatus, byCode, kinds: Object.keys(byKind).length, cloudCalls: emu.world.calls.length, writes: writes.length, logLines: logs.length };
    console.log(`[http-fuzz] ${JSON.stringify(tally)}`);

    expect(problems.slice(0, 20)).toEqual([]);
    expect(writes).toEqual([]);
    expect(emu.world.accounts.get(OWNER)!.trails).toEqual([]);
    // Only reads happened, and only for requests that passed auth and validation (missing trails).
    expect(new Set(emu.world.calls.map((c) => c.action))).toEqual(new Set(['DescribeTrails']));
    expect(byStatus['400']).toBeGreaterThan(500);
    for (const s of ['401', '404', '405', '413', '415']) expect(byStatus[s], `status ${s}`).toBeGreaterThan(20);
    // No pollution through __proto__ / constructor keys.
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeysBefore);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    // Log lines are JSON and carry no token.
    for (const l of logs) expect(() => JSON.parse(l)).not.toThrow();
    expect(logs.some((l) => l.includes(TOKEN))).toBe(false);
  }, 60_000);

  it('the handler still works after the storm (a well-formed dry run is answered 200)', async () => {
    const g = gen(1);
    const res = await handler(
      httpEvent(g, 'POST', '/trails', { auth: AUTH_OK, body: JSON.stringify({ Name: 'fuzz-trail', OssBucketName: `fuzz-audit-${OWNER}` }), contentType: 'application/json', query: { dryRun: 'true' } }),
      { requestId: 'after', region: REGION, accountId: OWNER },
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ dryRun: true, planned: ['CreateTrail', 'StartLogging'], done: [] });
    expect(emu.world.accounts.get(OWNER)!.trails).toEqual([]);
  });
});

describe('validateSpecs fuzzing', () => {
  it('random arrays either validate or throw a documented 400 ProvisionError, never anything else', () => {
    const g = gen(0xa11);
    let valid = 0;
    const codes: Record<string, number> = {};
    for (let i = 0; i < 3_000; i++) {
      const input: unknown = g.pick([
        () => Array.from({ length: g.int(6) }, () => randomValue(g)),
        () => Array.from({ length: g.int(4) }, () => Object.fromEntries(FIELDS.filter(() => g.rnd() < 0.4).map((f) => [f, randomValue(g)]))),
        () => Array.from({ length: 1 + g.int(3) }, (_, k) => ({ Name: `valid-trail-${k}`, OssBucketName: 'some-bucket', ...(g.rnd() < 0.5 ? { EventRW: g.pick(['Write', 'Read', 'All', 'none']) } : {}) })),
        () => JSON.parse(nest(5_000, '[', ']')) as unknown,
        () => Array.from({ length: g.pick([101, 1_000]) }, () => ({ Name: 'valid-trail', OssBucketName: 'b-b-b' })),
        () => randomValue(g),
      ])();
      try {
        const out = validateSpecs(input);
        expect(Array.isArray(out)).toBe(true);
        valid++;
      } catch (e) {
        expect(e).toBeInstanceOf(ProvisionError);
        const err = e as ProvisionError;
        expect(err.status).toBe(400);
        expect(err.code in DOCUMENTED_ERRORS).toBe(true);
        expect(err.message.length).toBeGreaterThan(0);
        codes[err.code] = (codes[err.code] ?? 0) + 1;
      }
    }
    console.log(`[validateSpecs-fuzz] ${JSON.stringify({ inputs: 3_000, valid, codes })}`);
    expect(valid).toBeGreaterThan(50);
    expect(Object.keys(codes).length).toBeGreaterThan(2);
  });
});
