/**
 * Conformance of the emulator to the public sources, table-driven from
 * test/fixtures/conformance/*.json. Each fixture row cites its source (generated SDK model, API
 * doc page, Terraform provider file) and drives the emulator over HTTP with a real client:
 *
 * - "pop": @alicloud/openapi-core callApi (ACS3-HMAC-SHA256 signed, RPC or ROA), as the generated
 *   SDKs and the product's client modules call ActionTrail, STS, RAM, Resource Manager,
 *   MaxCompute and FC 3.0; an error's body is the parsed JSON the service sent (err.data);
 * - "sls": @alicloud/sls20201230 (SLS signature, project in the Host name);
 * - "oss": ali-oss with authorizationV4 (OSS4-HMAC-SHA256), an OSS client nobody here wrote;
 * - "raw": an unsigned HTTP request, for the error envelope each service sends (its body as sent).
 *
 * docs/conformance.md is the human-readable form of the same table: every row marked "fixture"
 * there has a fixture here with the same id, and every fixture has its row, so neither can drift.
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error ali-oss ships no type declarations; the calls used are typed below.
import OSSModule from 'ali-oss';
import type { Emulator } from '../emulator/server';
import { endpointFor, type CloudService } from '../shared/cloud/endpoints';
import { loadOpenApi, loadSls } from '../shared/cloud/sdks';
import { akCredential, baseSeed, keyFor, MGMT, REGION, startWorld } from './helpers/world';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

interface PopCall {
  kind: 'pop';
  service: CloudService;
  region?: string;
  action: string;
  version: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  style?: 'RPC' | 'ROA';
  pathname?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** ROA request body (sent as is). */
  body?: string;
  bodyType?: 'json' | 'binary' | 'string';
  /** Calling account (default the management account). */
  as?: string;
}
interface SlsCall {
  kind: 'sls';
  op: 'getProject' | 'getLogStore';
  project: string;
  logstore?: string;
  region?: string;
  as?: string;
}
interface OssCall {
  kind: 'oss';
  op: 'getBucketInfo' | 'getBucketLocation' | 'get' | 'put' | 'list';
  bucket: string;
  key?: string;
  content?: string;
  region?: string;
  as?: string;
}
interface RawCall {
  kind: 'raw';
  host: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
}
type Call = (PopCall | SlsCall | OssCall | RawCall) & { tolerate?: boolean };

interface Expect {
  status?: number;
  code?: string;
  /** Dotted paths that must be present in the body. */
  keys?: string[];
  /** The body's top-level keys, exactly (order ignored). */
  exactKeys?: string[];
  /** Dotted path → JSON type ("string", "boolean", "number", "array", "object"). */
  types?: Record<string, string>;
  /** Dotted path → exact value. */
  equals?: Record<string, Json>;
  /** Dotted paths that must be absent. */
  absent?: string[];
  /** Response header (lower case) → regular expression its value matches. */
  headers?: Record<string, string>;
  /** Regular expressions the raw body text matches (XML bodies). */
  text?: string[];
}

interface Row {
  id: string;
  api: string;
  behaviour: string;
  source: string;
  setup?: Call[];
  call: Call;
  expect: Expect;
}

interface Outcome {
  status: number;
  code?: string;
  headers: Record<string, string>;
  body: Json;
  text: string;
}

const DIR = path.resolve(__dirname, 'fixtures/conformance');
const DOC = path.resolve(__dirname, '../docs/conformance.md');

function loadRows(): Array<Row & { file: string }> {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((file) => (JSON.parse(readFileSync(path.join(DIR, file), 'utf8')) as { rows: Row[] }).rows.map((r) => ({ ...r, file })));
}

const ROWS = loadRows();

interface AliOss {
  getBucketInfo(name: string): Promise<{ bucket: Record<string, Json>; res: { status: number; headers: Record<string, string> } }>;
  getBucketLocation(name: string): Promise<{ location: string; res: { status: number; headers: Record<string, string> } }>;
  get(name: string): Promise<{ content: Buffer; res: { status: number; headers: Record<string, string> } }>;
  put(name: string, body: Buffer): Promise<{ name: string; res: { status: number; headers: Record<string, string> } }>;
  list(query: Record<string, string | number> | null, options: object): Promise<{ objects: Array<Record<string, Json>> | undefined; res: { status: number; headers: Record<string, string> } }>;
}
const OSS = OSSModule as new (options: Record<string, unknown>) => AliOss;

let emu: Emulator;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const seed = baseSeed();
  seed.accounts[0]!.mcProjects = [{ name: `actiontrail_${MGMT}`, region: REGION, createTime: '2026-01-01T00:00:00Z' }];
  emu = await startWorld(seed);
  env = { TRAIL_EMULATOR_URL: emu.url };
  emu.registerFunction(MGMT, REGION, 'conformance-echo', async (event) => ({ echoed: JSON.parse(event.toString('utf8') || 'null') as unknown }));
});
afterAll(() => emu?.close());

function at(obj: Json | undefined, dotted: string): Json | undefined {
  let cur: Json | undefined = obj;
  for (const part of dotted.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? cur[Number(part)] : (cur as Record<string, Json>)[part];
  }
  return cur;
}

function typeOf(v: Json | undefined): string {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

async function popCall(c: PopCall): Promise<Outcome> {
  const { default: OpenApi, $OpenApiUtil } = await loadOpenApi();
  const region = c.region ?? REGION;
  const as = c.as ?? MGMT;
  const { endpoint, protocol } = endpointFor(c.service, region, { env, accountId: as });
  const client = new OpenApi(new $OpenApiUtil.Config({ credential: akCredential(keyFor(as)), endpoint, protocol, regionId: region }));
  const params = new $OpenApiUtil.Params({
    action: c.action,
    version: c.version,
    protocol: 'HTTPS',
    pathname: c.pathname ?? '/',
    method: c.method,
    authType: 'AK',
    style: c.style ?? 'RPC',
    reqBodyType: c.style === 'ROA' ? 'json' : 'formData',
    bodyType: c.bodyType ?? 'json',
  });
  const request = new $OpenApiUtil.OpenApiRequest({
    query: c.query ?? {},
    headers: c.headers ?? {},
    // As @alicloud/fc20230330 invokeFunction sends its event: the bytes as body and stream.
    ...(c.body !== undefined ? { body: Readable.from([Buffer.from(c.body)]), stream: Readable.from([Buffer.from(c.body)]) } : {}),
  });
  try {
    const res = (await client.callApi(params, request, {} as Parameters<typeof client.callApi>[2])) as { statusCode: number; headers: Record<string, string>; body: unknown };
    let body = res.body as Json;
    let raw: unknown = res.body;
    if (raw && typeof (raw as AsyncIterable<Buffer>)[Symbol.asyncIterator] === 'function' && !Buffer.isBuffer(raw)) {
      // bodyType "binary": the SDK hands back the response stream.
      const chunks: Buffer[] = [];
      for await (const chunk of raw as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
      raw = Buffer.concat(chunks);
      body = '';
    }
    if (Buffer.isBuffer(raw)) {
      const text = raw.toString('utf8');
      try {
        body = JSON.parse(text) as Json;
      } catch {
        body = text;
      }
    }
    return { status: res.statusCode, headers: res.headers ?? {}, body, text: JSON.stringify(body) };
  } catch (e) {
    const err = e as { statusCode?: number; code?: string; data?: Json };
    if (err.statusCode === undefined) throw e;
    const body = (err.data ?? null) as Json;
    const code = (at(body, 'Code') ?? at(body, 'errorCode') ?? err.code) as string | undefined;
    return { status: err.statusCode, code, headers: {}, body, text: JSON.stringify(body) };
  }
}

async function slsCall(c: SlsCall): Promise<Outcome> {
  const region = c.region ?? REGION;
  const as = c.as ?? MGMT;
  const { endpoint, protocol } = endpointFor('sls', region, { env });
  const [{ default: Sls }, { $OpenApiUtil }] = await Promise.all([loadSls(), loadOpenApi()]);
  const client = new Sls(new $OpenApiUtil.Config({ credential: akCredential(keyFor(as)), endpoint, protocol, regionId: region }));
  try {
    const res =
      c.op === 'getProject'
        ? await client.getProject(c.project)
        : await client.getLogStore(c.project, c.logstore ?? '');
    const body = JSON.parse(JSON.stringify(res.body ?? null)) as Json;
    return { status: res.statusCode ?? 200, headers: (res.headers ?? {}) as Record<string, string>, body, text: JSON.stringify(body) };
  } catch (e) {
    const err = e as { code?: string; statusCode?: number; data?: { statusCode?: number; requestId?: string } };
    const status = err.statusCode ?? err.data?.statusCode;
    if (status === undefined) throw e;
    return { status, code: err.code, headers: { 'x-log-requestid': err.data?.requestId ?? '' }, body: null, text: '' };
  }
}

async function ossCall(c: OssCall): Promise<Outcome> {
  const as = c.as ?? MGMT;
  const key = keyFor(as);
  const region = c.region ?? REGION;
  const client = new OSS({
    endpoint: emu.url,
    accessKeyId: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
    bucket: c.bucket,
    region: `oss-${region}`,
    authorizationV4: true,
  });
  try {
    switch (c.op) {
      case 'getBucketInfo': {
        const r = await client.getBucketInfo(c.bucket);
        return { status: r.res.status, headers: r.res.headers, body: r.bucket as Json, text: '' };
      }
      case 'getBucketLocation': {
        const r = await client.getBucketLocation(c.bucket);
        return { status: r.res.status, headers: r.res.headers, body: { location: r.location }, text: '' };
      }
      case 'get': {
        const r = await client.get(c.key ?? '');
        return { status: r.res.status, headers: r.res.headers, body: { content: r.content.toString('utf8') }, text: '' };
      }
      case 'put': {
        const r = await client.put(c.key ?? '', Buffer.from(c.content ?? ''));
        return { status: r.res.status, headers: r.res.headers, body: { name: r.name }, text: '' };
      }
      case 'list': {
        const r = await client.list({ prefix: c.key ?? '', 'max-keys': 100 }, {});
        return { status: r.res.status, headers: r.res.headers, body: { objects: (r.objects ?? []).map((o) => ({ name: o['name'] as Json, size: o['size'] as Json })) }, text: '' };
      }
    }
  } catch (e) {
    const err = e as { status?: number; code?: string; requestId?: string; params?: unknown };
    if (err.status === undefined) throw e;
    return { status: err.status, code: err.code, headers: { 'x-oss-request-id': err.requestId ?? '' }, body: null, text: '' };
  }
}

async function rawCall(c: RawCall): Promise<Outcome> {
  const port = Number(new URL(emu.url).port);
  return new Promise<Outcome>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: c.method, path: c.path, headers: { host: c.host, ...(c.headers ?? {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Json = text;
          try {
            body = JSON.parse(text) as Json;
          } catch {
            /* XML or text */
          }
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
          const xmlCode = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
          const code = (at(body, 'Code') ?? at(body, 'errorCode') ?? xmlCode) as string | undefined;
          resolve({ status: res.statusCode ?? 0, code, headers, body, text });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function perform(c: Call): Promise<Outcome> {
  switch (c.kind) {
    case 'pop':
      return popCall(c);
    case 'sls':
      return slsCall(c);
    case 'oss':
      return ossCall(c);
    case 'raw':
      return rawCall(c);
  }
}

function check(row: Row, out: Outcome): void {
  const x = row.expect;
  const where = `${row.id} (${row.source})`;
  if (x.status !== undefined) expect(out.status, `${where}: HTTP status; body ${out.text}`).toBe(x.status);
  if (x.code !== undefined) expect(out.code, `${where}: error code`).toBe(x.code);
  for (const k of x.keys ?? []) expect(at(out.body, k), `${where}: ${k} present in ${out.text}`).not.toBeUndefined();
  if (x.exactKeys) {
    expect(typeOf(out.body), `${where}: body is an object`).toBe('object');
    expect(Object.keys(out.body as object).sort(), `${where}: body keys`).toEqual([...x.exactKeys].sort());
  }
  for (const [k, t] of Object.entries(x.types ?? {})) expect(typeOf(at(out.body, k)), `${where}: type of ${k}`).toBe(t);
  for (const [k, v] of Object.entries(x.equals ?? {})) expect(at(out.body, k), `${where}: ${k}`).toEqual(v);
  for (const k of x.absent ?? []) expect(at(out.body, k), `${where}: ${k} must be absent`).toBeUndefined();
  for (const [h, re] of Object.entries(x.headers ?? {})) expect(out.headers[h] ?? '', `${where}: header ${h}`).toMatch(new RegExp(re));
  for (const re of x.text ?? []) expect(out.text, `${where}: body text`).toMatch(new RegExp(re));
}

describe('conformance fixtures', () => {
  it('every row names an API, a behaviour and a source, and ids are unique', () => {
    expect(ROWS.length).toBeGreaterThan(30);
    const ids = new Set<string>();
    for (const r of ROWS) {
      expect(r.id, r.file).toMatch(/^[a-z]+\.[A-Za-z0-9.-]+$/);
      expect(ids.has(r.id), `duplicate id ${r.id}`).toBe(false);
      ids.add(r.id);
      for (const f of ['api', 'behaviour', 'source'] as const) expect(r[f], `${r.id}.${f}`).toMatch(/\S{3,}/);
    }
  });

  it('docs/conformance.md has a row for every fixture and a fixture for every row marked "fixture"', () => {
    const doc = readFileSync(DOC, 'utf8');
    const marked = new Set<string>();
    const all = new Set<string>();
    for (const line of doc.split('\n')) {
      const m = /^\|\s*`([a-z]+\.[A-Za-z0-9.-]+)`\s*\|/.exec(line);
      if (!m) continue;
      all.add(m[1]!);
      if (/\|\s*fixture\s*\|\s*$/.test(line)) marked.add(m[1]!);
    }
    const fixtureIds = ROWS.map((r) => r.id);
    expect(fixtureIds.filter((id) => !all.has(id)), 'fixtures without a row in docs/conformance.md').toEqual([]);
    expect([...marked].filter((id) => !fixtureIds.includes(id)), 'rows marked "fixture" without a fixture').toEqual([]);
    expect(fixtureIds.filter((id) => !marked.has(id)), 'fixtures whose doc row is not marked "fixture"').toEqual([]);
  });

  for (const row of ROWS) {
    it(`${row.id}: ${row.api}: ${row.behaviour}`, async () => {
      for (const s of row.setup ?? []) {
        const o = await perform(s);
        // A tolerated setup call may already have been made by another row (e.g. the one organization trail).
        if (!s.tolerate) expect(o.status, `${row.id}: setup ${JSON.stringify(s)} -> ${o.text}`).toBeLessThan(400);
      }
      check(row, await perform(row.call));
    });
  }
});

