/**
 * The routes the console adds to the self-service API, through the real handler (FC HTTP trigger
 * events) over the emulator: the static files (public, strict CSP, no cloud call), GET /accounts,
 * GET /reports/latest and its CSV (TRAIL_REPORT_OSS, the latest.json pointer, a tampered pointer).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import { silentLogger } from '../shared/platform/log';
import { staticCredentials } from '../shared/cloud/credentials';
import { createHandler } from '../functions/selfservice';
import { CONSOLE_CSP } from '../shared/triggers/console-assets';
import { FN_MEMBERS, FN_MGMT, FN_REGION, HTTP_TOKEN, fnKey, functionsEnv, functionsSeed, invokeRemediation } from './helpers/functions-world';

const REPORTS = `flows-audit-${FN_MGMT}`;
let emu: Emulator;

beforeAll(async () => {
  emu = await createEmulator({ seed: functionsSeed() });
});
afterAll(async () => {
  await emu.close();
});

type Handler = ReturnType<typeof createHandler>;
function handlerWith(extra: NodeJS.ProcessEnv): Handler {
  return createHandler({ env: functionsEnv(emu, extra), credentials: staticCredentials(fnKey(FN_MGMT)), logger: silentLogger });
}

async function call(h: Handler, path: string, opts: { method?: string; token?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token !== null) headers['authorization'] = `Bearer ${opts.token ?? HTTP_TOKEN}`;
  const ev = { version: 'v1', rawPath: path, body: '', isBase64Encoded: false, headers, queryParameters: {}, requestContext: { accountId: FN_MGMT, requestId: 'req-console', http: { method: opts.method ?? 'GET', path } } };
  return h(Buffer.from(JSON.stringify(ev)), { requestId: 'req-console', region: FN_REGION, accountId: FN_MGMT });
}

function putObject(key: string, text: string) {
  const bucket = emu.world.accounts.get(FN_MGMT)!.buckets.find((b) => b.name === REPORTS)!;
  const body = Buffer.from(text);
  bucket.objects = [...(bucket.objects ?? []).filter((o) => o.key !== key), { key, bodyBase64: body.toString('base64'), contentType: 'application/json', etag: `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`, lastModified: '2026-01-01T00:00:00Z' }];
}

describe('console files', () => {
  it('GET /, /console.js and /console.css: public, strict CSP, no cloud call; other methods 405', async () => {
    const h = handlerWith({});
    const from = emu.world.calls.length;
    for (const [path, type, file] of [
      ['/', 'text/html', 'index.html'],
      ['/console.js', 'text/javascript', 'console.js'],
      ['/console.css', 'text/css', 'console.css'],
    ] as const) {
      const res = await call(h, path, { token: null });
      expect(res.statusCode, path).toBe(200);
      expect(res.headers['content-type']).toMatch(new RegExp(`^${type}`));
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.body).toBe(readFileSync(`console/${file}`, 'utf8'));
      expect((await call(h, path, { method: 'POST' })).statusCode).toBe(405);
    }
    expect(CONSOLE_CSP).toMatch(/default-src 'none'.*script-src 'self'.*style-src 'self'.*connect-src 'self'.*frame-ancestors 'none'/);
    expect(CONSOLE_CSP).not.toMatch(/unsafe|\*/);
    expect(emu.world.calls.length).toBe(from);
  });

  it('the page has no inline script, style or event handler, and stays under 60 KB gzipped', () => {
    const html = readFileSync('console/index.html', 'utf8');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const js = readFileSync('console/console.js', 'utf8');
    // Text from the API goes in as text: the script never writes HTML.
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    const gz = ['index.html', 'console.js', 'console.css'].reduce((n, f) => n + gzipSync(readFileSync(`console/${f}`)).length, 0);
    expect(gz).toBeLessThan(60 * 1024);
  });
});

describe('GET /accounts', () => {
  it('lists the own account and TRAIL_HTTP_ACCOUNTS (no cloud call), after auth', async () => {
    const from = emu.world.calls.length;
    const list = await call(handlerWith({ TRAIL_HTTP_ACCOUNTS: FN_MEMBERS.join(',') }), '/accounts');
    expect(JSON.parse(list.body)).toMatchObject({ Accounts: [{ AccountId: FN_MGMT, Own: true }, ...FN_MEMBERS.map((id) => ({ AccountId: id, Own: false }))], AnyAccount: false });
    expect(JSON.parse((await call(handlerWith({ TRAIL_HTTP_ACCOUNTS: '*' }), '/accounts')).body)).toMatchObject({ Accounts: [{ AccountId: FN_MGMT, Own: true }], AnyAccount: true });
    expect(JSON.parse((await call(handlerWith({ TRAIL_HTTP_ACCOUNTS: 'none' }), '/accounts')).body)).toMatchObject({ Accounts: [{ AccountId: FN_MGMT, Own: true }], AnyAccount: false });
    expect((await call(handlerWith({}), '/accounts', { token: null })).statusCode).toBe(401);
    expect(emu.world.calls.length).toBe(from);
  });
});

describe('GET /reports/latest', () => {
  it('404 NotFound without TRAIL_REPORT_OSS, or before any report', async () => {
    const none = await call(handlerWith({}), '/reports/latest');
    expect(none.statusCode).toBe(404);
    expect(JSON.parse(none.body)).toMatchObject({ Code: 'NotFound', Message: expect.stringContaining('TRAIL_REPORT_OSS') });
    const empty = await call(handlerWith({ TRAIL_REPORT_OSS: `oss://${REPORTS}/nothing-yet` }), '/reports/latest/report.csv');
    expect(empty.statusCode).toBe(404);
    expect((await call(handlerWith({}), '/reports/latest', { token: null })).statusCode).toBe(401);
  });

  it('after a remediation run: the report with one row per account × region × trail, and the same CSV as report.csv in OSS', async () => {
    const env = { TRAIL_REPORT_OSS: `oss://${REPORTS}/api-reports` };
    const report = await invokeRemediation(emu, silentLogger, env, 'api-run');
    const res = await call(handlerWith(env), '/reports/latest');
    expect(res.statusCode).toBe(200);
    const body = JSON.parse(res.body) as { Report: { runId: string }; Rows: Array<Record<string, string>> };
    expect(body.Report.runId).toBe(report.runId);
    expect(body.Rows.map((r) => r['accountId']).sort()).toEqual([FN_MGMT, ...FN_MEMBERS].sort());
    expect(body.Rows.every((r) => r['trail'] === 'baseline-trail' && r['classification'] === 'missing' && r['fixes'] === 'CreateTrail StartLogging' && r['cis'] === 'CIS 2.1')).toBe(true);
    const csv = await call(handlerWith(env), '/reports/latest/report.csv');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toContain('report.csv');
    const stored = emu.world.accounts.get(FN_MGMT)!.buckets.find((b) => b.name === REPORTS)!.objects!.find((o) => o.key === `api-reports/${report.runId}/report.csv`)!;
    expect(csv.body).toBe(Buffer.from(stored.bodyBase64, 'base64').toString('utf8'));
  });

  it('a fan-out run: summary.json with the batch reports\' details', async () => {
    const env = { TRAIL_REPORT_OSS: `oss://${REPORTS}/fanout-reports`, TRAIL_FANOUT_THRESHOLD: '1', TRAIL_FANOUT_BATCH: '2' };
    const dispatch = await invokeRemediation(emu, silentLogger, env, 'fanout-run');
    expect(dispatch.mode).toBe('fanout');
    let body: { Report: { mode: string; runId: string }; Rows: unknown[] } | undefined;
    for (let i = 0; i < 100 && !body; i++) {
      const res = await call(handlerWith(env), '/reports/latest');
      if (res.statusCode === 200) body = JSON.parse(res.body);
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(body?.Report).toMatchObject({ mode: 'summary', runId: dispatch.runId });
    expect(body?.Rows).toHaveLength(3);
  });

  it('a tampered latest.json cannot point outside the report prefix', async () => {
    const env = { TRAIL_REPORT_OSS: `oss://${REPORTS}/tampered` };
    putObject('secret/report.json', JSON.stringify({ runId: 'secret' }));
    for (const pointer of [{ runId: '../secret', report: 'report.json' }, { runId: 'x', report: '../../secret/report.json' }, { runId: 'x/../../secret', report: 'report.json' }]) {
      putObject('tampered/latest.json', JSON.stringify(pointer));
      const res = await call(handlerWith(env), '/reports/latest');
      expect(res.statusCode, JSON.stringify(pointer)).toBe(404);
    }
  });
});
