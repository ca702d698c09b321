/// <reference lib="dom" />
/**
 * The console in a real headless Chromium (@sparticuz/chromium's binary, driven by puppeteer-core),
 * offline, against the self-service function served on loopback (functions/selfservice/local.ts,
 * port 0) over the cloud emulator: sign in, the account picker, the trails table with delivery
 * health, form errors placed by JSON pointer, the plan diff, apply step by step, start logging,
 * refused requests shown with their code, a keyboard-only create, the compliance view and its CSV,
 * 360 px wide; and no console error or CSP violation all along. One browser for the file.
 *
 * On a failed test a screenshot goes to test/.artifacts/ (gitignored). With UPDATE_SCREENSHOTS=1
 * the README's images (docs/img/console.png, docs/img/report.png) are taken again.
 */
import { spawnSync } from 'node:child_process';
import type { Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import chromium from '@sparticuz/chromium';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import { staticCredentials } from '../shared/cloud/credentials';
import { silentLogger } from '../shared/platform/log';
import { createHandler as createSelfService } from '../functions/selfservice';
import { createLocalHttpServer } from '../functions/selfservice/local';
import { browserEnv, bundledLibraryDir, launchBrowser, missingLibraries } from './helpers/browser';
import { EVENT_ROUTE_ROLE, FN_MEMBERS, FN_MGMT, FN_REGION, HTTP_TOKEN, fnKey, functionsEnv, functionsSeed, invokeRemediation } from './helpers/functions-world';

const [MEMBER] = FN_MEMBERS as [string];
const REPORT_BUCKET = `flows-audit-${FN_MGMT}`;
const ARTIFACTS = path.join(__dirname, '.artifacts');

let emu: Emulator;
let server: Server;
let base: string;
let browser: Browser;
let page: Page;
let downloads: string;
/** The second compliance run's id (GET /reports/latest shows it). */
let runId = '';
/** Console errors, page errors, failed requests and CSP violations seen by any page. */
const problems: string[] = [];

function objectText(bucket: string, key: string): string | undefined {
  const b = emu.world.accounts.get(FN_MGMT)!.buckets.find((x) => x.name === bucket);
  const o = b?.objects?.find((x) => x.key === key);
  return o ? Buffer.from(o.bodyBase64, 'base64').toString('utf8') : undefined;
}

async function watch(p: Page): Promise<void> {
  p.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  p.on('pageerror', (e) => problems.push(`pageerror: ${String(e)}`));
  await p.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as any).__csp = [...((window as any).__csp ?? []), `${e.violatedDirective} ${e.blockedURI}`];
    });
  });
}

async function cspViolations(p: Page): Promise<string[]> {
  return p.evaluate(() => (window as any).__csp ?? []);
}

const text = (selector: string) => page.$eval(selector, (e) => (e as HTMLElement).innerText);
const waitText = (selector: string, needle: string | RegExp, timeout = 15_000) =>
  page.waitForFunction(
    (s: string, n: string, isRe: boolean) => {
      const e = document.querySelector(s) as HTMLElement | null;
      if (!e || e.closest('[hidden]')) return false;
      return isRe ? new RegExp(n).test(e.innerText) : e.innerText.includes(n);
    },
    { timeout },
    selector,
    typeof needle === 'string' ? needle : needle.source,
    typeof needle !== 'string',
  );
const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent?.trim() || '');
const trailsIn = (id: string) => emu.world.accounts.get(id)!.trails;
const writesSince = (from: number) => emu.world.calls.slice(from).filter((c) => /Create|Update|Start|Stop|Delete/.test(c.action));

async function fill(field: string, value: string): Promise<void> {
  await page.$eval(`#f-${field}`, (e) => ((e as HTMLInputElement).value = ''));
  if (value) await page.type(`#f-${field}`, value);
}

async function openNewTrail(): Promise<void> {
  await page.click('#new-trail');
  await page.waitForSelector('#editor:not([hidden]) #f-Name');
}

beforeAll(async () => {
  emu = await createEmulator({ seed: functionsSeed() });
  // A compliance run first, so there are trails and a report: the baseline everywhere, one member's trail stopped.
  const reportEnv = { TRAIL_REPORT_OSS: `oss://${REPORT_BUCKET}/compliance` };
  await invokeRemediation(emu, silentLogger, reportEnv, 'seed-run');
  trailsIn(MEMBER).find((t) => t.Name === 'baseline-trail')!.Status = 'Disable';
  // The second run also makes the members' event routes (the report's eventRoutes).
  await invokeRemediation(emu, silentLogger, { ...reportEnv, TRAIL_EVENT_ROUTE_ROLE: EVENT_ROUTE_ROLE, TRAIL_EVENT_ROUTE_ACCOUNT: FN_MGMT }, 'second-run');

  const env = functionsEnv(emu, { ...reportEnv, TRAIL_HTTP_ACCOUNTS: MEMBER });
  server = await createLocalHttpServer(createSelfService({ env, credentials: staticCredentials(fnKey(FN_MGMT)), logger: silentLogger }), 0, { accountId: FN_MGMT, region: FN_REGION });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  browser = await launchBrowser();
  page = await browser.newPage();
  await watch(page);
  downloads = mkdtempSync(path.join(tmpdir(), 'console-dl-'));
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
}, 60_000);

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80)}.png`) as `${string}.png`, fullPage: true }).catch(() => {});
  }
});

afterAll(async () => {
  await browser?.close();
  server?.close();
  await emu?.close();
  if (downloads) rmSync(downloads, { recursive: true, force: true });
});

describe('the console in headless Chromium', () => {
  it("the browser binary has its shared libraries: this machine's, or else the package's own (NSS, NSPR, expat)", async () => {
    const binary = await chromium.executablePath();
    const lib = bundledLibraryDir();
    const env = browserEnv(binary, true);
    expect(env['LD_LIBRARY_PATH']!.split(':')[0]).toBe(lib);
    expect(missingLibraries(binary, env)).toEqual([]);
    const ldd = spawnSync('ldd', [binary], { env, encoding: 'utf8' }).stdout;
    expect(ldd).toContain(`libnss3.so => ${lib}/libnss3.so`);
  });

  it('is served on / with a strict CSP; a wrong token is refused with its code; the right one signs in and lists trails', async () => {
    const res = await page.goto(`${base}/`, { waitUntil: 'networkidle0' });
    const csp = res!.headers()['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res!.headers()['x-content-type-options']).toBe('nosniff');
    expect(await focused()).toBe('token');

    await page.type('#token', 'not-the-token');
    await page.keyboard.press('Enter');
    await waitText('#status', 'Unauthorized');

    await page.type('#token', HTTP_TOKEN);
    await page.keyboard.press('Enter');
    await waitText('#status', /\d+ trail\(s\)/);
    expect(await page.evaluate(() => sessionStorage.getItem('trail-console-token'))).toBe(HTTP_TOKEN);
    // The account picker: this account and the one TRAIL_HTTP_ACCOUNTS allows.
    const options = await page.$$eval('#account option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toEqual(['', MEMBER]);
    const rows = await page.$$eval('#trails tbody tr', (rs) => rs.map((r) => r.getAttribute('data-trail')));
    expect(rows).toEqual(trailsIn(FN_MGMT).filter((t) => t.HomeRegion === FN_REGION).map((t) => t.Name));
    await waitText('#trails tbody tr[data-trail="baseline-trail"] [data-col="delivery"]', 'last delivery');
    expect(await text('#trails tbody tr[data-trail="baseline-trail"]')).toMatch(/Enable[\s\S]*logging[\s\S]*cn-hangzhou[\s\S]*OSS flows-central-audit\/baseline-logs[\s\S]*healthy/);
    // The baseline trail is protected by the guardrails (the API says Protected), and only it.
    expect(await page.$$eval('.badge.protected', (bs) => bs.map((b) => b.closest('tr')?.getAttribute('data-trail')))).toEqual(['baseline-trail']);
  });

  it('shows each schema error at its field (by JSON pointer), the rest above the form, and writes nothing', async () => {
    const from = emu.world.calls.length;
    await openNewTrail();
    expect(await focused()).toBe('f-Name');
    // Generated from GET /schema: one labelled control per property.
    const labels = await page.$$eval('#fields label', (ls) => ls.map((l) => (l as HTMLLabelElement).htmlFor));
    expect(labels).toEqual(expect.arrayContaining(['f-Name', 'f-OssBucketName', 'f-EventRW', 'f-IsOrganizationTrail']));
    // Every visible control has an accessible name (a label, aria-label or its text).
    const unnamed = await page.$$eval('input, select, button', (els) =>
      els
        .filter((e) => !(e as HTMLElement).closest('[hidden]') && (e as HTMLElement).offsetParent !== null)
        .filter((e) => !((e as HTMLInputElement).labels?.length || e.getAttribute('aria-label') || e.textContent?.trim()))
        .map((e) => e.outerHTML),
    );
    expect(unnamed).toEqual([]);
    await fill('Name', 'X');
    await fill('OssKeyPrefix', '1');
    await page.click('#plan');
    await waitText('#form-errors', 'InvalidTrailNameException');
    expect(await page.$eval('#f-Name', (e) => e.getAttribute('aria-invalid'))).toBe('true');
    expect(await text('#f-Name-error')).toMatch(/pattern|minLength/);
    expect(await page.$eval('#f-OssKeyPrefix', (e) => e.getAttribute('aria-invalid'))).toBe('true');
    expect(await page.$eval('#f-EventRW', (e) => e.getAttribute('aria-invalid'))).toBeNull();
    // The first invalid field has the focus.
    expect(await focused()).toBe('f-Name');
    expect(writesSince(from)).toEqual([]);
  });

  it('plans a new trail as a field-by-field diff, then applies it step by step', async () => {
    await fill('Name', 'console-trail');
    await fill('OssBucketName', `flows-audit-${FN_MGMT}`);
    await fill('OssKeyPrefix', 'console-logs');
    await page.select('#f-EventRW', 'Write');
    const from = emu.world.calls.length;
    await page.click('#plan');
    await waitText('#plan-summary', 'CreateTrail → StartLogging');
    expect(writesSince(from)).toEqual([]);
    expect(await page.$$eval('#f-Name[aria-invalid]', (e) => e.length)).toBe(0);
    const diff = await page.$$eval('#diff tbody tr', (rs) => rs.map((r) => [r.className, ...[...r.children].map((c) => (c as HTMLElement).innerText)]));
    expect(diff).toEqual(
      expect.arrayContaining([
        ['changed', 'Name', '—', 'console-trail'],
        ['changed', 'OssKeyPrefix', '—', 'console-logs'],
        ['changed', 'EventRW', '—', 'Write'],
      ]),
    );
    expect(await focused()).toBe('plan-title');

    await page.click('#apply');
    await waitText('#steps', 'Verified');
    const steps = await page.$$eval('#steps li', (ls) => ls.map((l) => (l as HTMLElement).innerText));
    expect(steps[0]).toContain('Validated and planned');
    expect(steps.find((s) => s.includes('CreateTrail'))).toMatch(/request [0-9A-F-]{36}/);
    expect(steps.find((s) => s.includes('StartLogging'))).toBeDefined();
    expect(steps.at(-1)).toContain('Status Enable, logging');
    expect(trailsIn(FN_MGMT).find((t) => t.Name === 'console-trail')).toMatchObject({ EventRW: 'Write', OssKeyPrefix: 'console-logs', Status: 'Enable' });
    await page.waitForSelector('#trails tbody tr[data-trail="console-trail"]');
  });

  it('edits a trail: the plan shows the drifted field, Apply updates it', async () => {
    await page.click('#trails tbody tr[data-trail="console-trail"] button');
    await page.waitForFunction(() => (document.getElementById('f-Name') as HTMLInputElement | null)?.value === 'console-trail');
    expect(await text('#editor-title')).toBe('Edit console-trail');
    await page.select('#f-EventRW', 'All');
    await page.click('#plan');
    await waitText('#plan-summary', 'UpdateTrail');
    const changed = await page.$$eval('#diff tbody tr.changed', (rs) => rs.map((r) => [...r.children].map((c) => (c as HTMLElement).innerText)));
    expect(changed).toEqual([['EventRW', 'Write', 'All']]);
    await page.click('#apply');
    await waitText('#steps', 'Verified');
    expect(trailsIn(FN_MGMT).find((t) => t.Name === 'console-trail')!.EventRW).toBe('All');
  });

  it('starts logging for a stopped trail from its row', async () => {
    trailsIn(FN_MGMT).find((t) => t.Name === 'console-trail')!.Status = 'Disable';
    await page.click('#refresh');
    const button = 'button[aria-label="Start logging console-trail"]';
    await page.waitForSelector(button);
    const from = emu.world.calls.length;
    await page.click(button);
    await waitText('#status', 'Logging started for console-trail');
    expect(writesSince(from).map((c) => c.action)).toEqual(['StartLogging']);
    expect(trailsIn(FN_MGMT).find((t) => t.Name === 'console-trail')!.Status).toBe('Enable');
    await page.waitForFunction((b: string) => !document.querySelector(b), {}, button);
  });

  it('shows refused requests with their code: a missing bucket, and a policy refusal by rule', async () => {
    await openNewTrail();
    await fill('Name', 'console-missing');
    await fill('OssBucketName', 'no-such-bucket-here');
    const from = emu.world.calls.length;
    // The plan does not look at destinations; Apply checks them first (preflight) and is refused.
    await page.click('#plan');
    await waitText('#plan-summary', 'CreateTrail');
    await page.click('#apply');
    await waitText('#steps', 'Apply refused: BucketDoesNotExistException (HTTP 404)');
    expect(await text('#form-errors')).toMatch(/BucketDoesNotExistException \(HTTP 404\)[\s\S]*Request id/);
    expect(writesSince(from)).toEqual([]);

    // The guardrails contract (403 PolicyViolation, Errors[{ruleId, pointer, message}]), rendered
    // generically: this answer is made up by the test, to check the rendering alone.
    await page.setRequestInterception(true);
    const intercept = (req: import('puppeteer-core').HTTPRequest) => {
      if (req.url().includes('/trails?dryRun=true')) {
        void req.respond({
          status: 403,
          contentType: 'application/json',
          body: JSON.stringify({ RequestId: 'req-policy', Code: 'PolicyViolation', Message: 'The spec weakens a protected trail.', Errors: [{ ruleId: 'no-weaker-eventrw', pointer: '/EventRW', message: 'EventRW must stay All.' }, { ruleId: 'keep-destination', pointer: '/OssBucketName', message: 'The OSS destination cannot be removed.' }] }),
        });
      } else void req.continue();
    };
    page.on('request', intercept);
    try {
      await page.click('#plan');
      await waitText('#violations', 'no-weaker-eventrw');
      expect(await text('#violations')).toMatch(/PolicyViolation \(HTTP 403\)[\s\S]*no-weaker-eventrw[\s\S]*\/EventRW[\s\S]*EventRW must stay All[\s\S]*keep-destination/);
      expect(await text('#f-EventRW-error')).toContain('EventRW must stay All. (no-weaker-eventrw)');
      expect(await text('#form-errors')).toContain('req-policy');
    } finally {
      page.off('request', intercept);
      await page.setRequestInterception(false);
    }
    await page.click('#cancel');
  });

  it('creates a trail with the keyboard alone', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    for (let i = 0; i < 40 && (await focused()) !== 'new-trail'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('new-trail');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#editor:not([hidden])');
    expect(await focused()).toBe('f-Name');
    await page.keyboard.type('keyboard-trail');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('f-OssBucketName');
    await page.keyboard.type(`flows-audit-${FN_MGMT}`);
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('f-OssKeyPrefix');
    await page.keyboard.type('keyboard-logs');
    await page.keyboard.press('Enter'); // submits the form: Plan
    await waitText('#plan-summary', 'CreateTrail');
    expect(await focused()).toBe('plan-title');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('apply');
    await page.keyboard.press('Enter');
    await waitText('#steps', 'Verified');
    expect(trailsIn(FN_MGMT).find((t) => t.Name === 'keyboard-trail')).toMatchObject({ OssKeyPrefix: 'keyboard-logs', Status: 'Enable' });
  });

  it('switches account with the picker (AssumeRole into the member)', async () => {
    await page.select('#account', MEMBER);
    await waitText('#status', `in account ${MEMBER}`);
    const rows = await page.$$eval('#trails tbody tr', (rs) => rs.map((r) => r.getAttribute('data-trail')));
    expect(rows).toContain('baseline-trail');
    expect(emu.world.calls.some((c) => c.action === 'AssumeRole')).toBe(true);
    await page.select('#account', '');
    await waitText('#status', /^\d+ trail\(s\)\.$/);
  });

  it('shows the latest compliance report as a chart and a table, and downloads it as CSV', async () => {
    const latest = JSON.parse(objectText(REPORT_BUCKET, 'compliance/latest.json')!) as { runId: string; report: string };
    expect(latest.report).toBe('report.json');
    runId = latest.runId;
    await page.click('#nav-compliance');
    await waitText('#report-meta', `Run ${runId}`);
    const title = await page.$eval('#chart svg title', (t) => t.textContent);
    expect(title).toMatch(/Compliant \d+, Missing 0, Not logging 1/);
    const rows = await page.$$eval('#report-rows tbody tr', (rs) => rs.map((r) => [...r.children].map((c) => (c as HTMLElement).innerText)));
    expect(rows).toContainEqual([MEMBER, FN_REGION, 'baseline-trail', 'not-logging', 'StartLogging', '', '', 'CIS 2.1']);
    // The member event routes the run made, one row per member.
    const routes = await page.$$eval('#route-rows:not([hidden]) tbody tr', (rs) => rs.map((r) => [...r.children].map((c) => (c as HTMLElement).innerText)));
    expect(routes).toEqual(
      [...FN_MEMBERS].sort().map((id) => [id, 'fixed', 'TrustPolicy, ServiceLinkedRole, Rule', 'UpdateRole → CreateServiceLinkedRoleForProduct → CreateRule', '']),
    );
    await page.click('#csv');
    await waitText('#status', 'report.csv downloaded');
    let csv = '';
    for (let i = 0; i < 50 && !csv; i++) {
      try {
        csv = readFileSync(path.join(downloads, `report-${runId}.csv`), 'utf8');
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(csv.split('\r\n')[0]).toBe('"Account","Region","Trail","Classification","Fixes","Planned","Failure","Delivery problem","CIS"');
    expect(csv).toContain(`"${MEMBER}","${FN_REGION}","baseline-trail","not-logging","StartLogging","StartLogging","","","CIS 2.1"`);
    // The same report as report.csv beside report.json in OSS.
    expect(objectText(REPORT_BUCKET, `compliance/${runId}/report.csv`)).toBe(csv);
    expect(JSON.parse(objectText(REPORT_BUCKET, `compliance/${runId}/report.json`)!)).toMatchObject({ runId, counts: { 'not-logging': 1 } });
  });

  it('renders report.html without any script or outside resource', async () => {
    const html = objectText(REPORT_BUCKET, `compliance/${runId}/report.html`)!;
    const p = await browser.newPage();
    try {
      await watch(p);
      const requests: string[] = [];
      p.on('request', (r) => requests.push(r.url()));
      await p.setContent(html, { waitUntil: 'load' });
      expect(requests.filter((u) => !u.startsWith('data:') && u !== 'about:blank')).toEqual([]);
      expect(await p.$$eval('script', (s) => s.length)).toBe(0);
      expect(await p.$eval('h1', (h) => h.textContent)).toBe(`Compliance report ${runId}`);
      expect(await p.$eval('svg title', (t) => t.textContent)).toMatch(/Not logging 1/);
      expect(await cspViolations(p)).toEqual([]);
      if (process.env['UPDATE_SCREENSHOTS']) {
        await p.setViewport({ width: 900, height: 700 });
        await p.screenshot({ path: path.join(__dirname, '..', 'docs', 'img', 'report.png'), type: 'png' });
      }
    } finally {
      await p.close();
    }
  });

  it('fits 360 px wide with no horizontal scrolling of the page', async () => {
    await page.click('#nav-trails');
    await page.waitForSelector('#trails-view:not([hidden])');
    await page.setViewport({ width: 360, height: 740 });
    await waitText('#status', /trail\(s\)/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewport({ width: 1100, height: 900 });
    if (process.env['UPDATE_SCREENSHOTS']) {
      // The README's pictures: the trails table (one trail stopped), then a plan.
      const img = (name: string) => path.join(__dirname, '..', 'docs', 'img', name) as `${string}.png`;
      trailsIn(FN_MGMT).find((t) => t.Name === 'keyboard-trail')!.Status = 'Disable';
      await page.setViewport({ width: 1000, height: 420 });
      await page.click('#refresh');
      for (const name of ['baseline-trail', 'console-trail', 'keyboard-trail']) await waitText(`#trails tbody tr[data-trail="${name}"] [data-col="delivery"]`, 'last delivery');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: img('console.png'), type: 'png' });
      await page.click('#trails tbody tr[data-trail="console-trail"] button');
      // A change the guardrails allow (lowering EventRW would be refused): another key prefix.
      await page.$eval('#f-OssKeyPrefix', (e) => ((e as HTMLInputElement).value = ''));
      await page.type('#f-OssKeyPrefix', 'console-logs-v2');
      await page.click('#plan');
      await waitText('#plan-summary', 'UpdateTrail');
      await (await page.$('#plan-view'))!.screenshot({ path: img('console-plan.png'), type: 'png' });
      await page.setViewport({ width: 1100, height: 900 });
    }
  });

  it('behind FC signature auth (TRAIL_HTTP_AUTH=fc, a signing gateway) signs in with no token', async () => {
    const env = functionsEnv(emu, { TRAIL_HTTP_AUTH: 'fc', TRAIL_HTTP_TOKENS: '' });
    const fcServer = await createLocalHttpServer(createSelfService({ env, credentials: staticCredentials(fnKey(FN_MGMT)), logger: silentLogger }), 0, { accountId: FN_MGMT, region: FN_REGION });
    const p = await browser.newPage();
    try {
      await watch(p);
      await p.goto(`http://127.0.0.1:${(fcServer.address() as { port: number }).port}/`, { waitUntil: 'networkidle0' });
      await p.click('#signin button[type="submit"]');
      await p.waitForFunction(() => /\d+ trail\(s\)/.test(document.getElementById('status')?.textContent ?? ''), { timeout: 15_000 });
      expect(await p.$$eval('#trails tbody tr', (rs) => rs.length)).toBeGreaterThan(0);
      expect(await p.evaluate(() => sessionStorage.getItem('trail-console-token'))).toBeNull();
      // TRAIL_HTTP_ACCOUNTS=* here: "Other account…" takes any id; a malformed one is refused with its code.
      await p.select('#account', '*other');
      await p.waitForFunction(() => document.activeElement?.id === 'account-other');
      await p.keyboard.type('not-digits');
      await p.keyboard.press('Tab');
      await p.waitForFunction(() => /InvalidQueryParameter[\s\S]*HTTP 400/.test(document.getElementById('alert')?.innerText ?? ''), { timeout: 15_000 });
      await p.$eval('#account-other', (e) => ((e as HTMLInputElement).value = ''));
      await p.type('#account-other', MEMBER);
      await p.keyboard.press('Tab');
      await p.waitForFunction((m: string) => (document.getElementById('status')?.textContent ?? '').includes(`in account ${m}`), { timeout: 15_000 }, MEMBER);
      expect(await p.$eval('#alert', (e) => (e as HTMLElement).hidden)).toBe(true);
      expect(await cspViolations(p)).toEqual([]);
    } finally {
      await p.close();
      fcServer.close();
    }
  });

  it('saw no console error, page error or CSP violation', async () => {
    expect(await cspViolations(page)).toEqual([]);
    // Chromium logs each non-2xx answer as a failed resource: the refusals the tests asked for
    // (400 schema errors, 401 wrong token, 404 missing bucket, 403 the policy refusal); nothing else.
    const refusals = problems.filter((p) => /^console\.error: Failed to load resource: the server responded with a status of 40[0134] /.test(p));
    expect(refusals.length).toBeGreaterThan(0);
    expect(problems.filter((p) => !refusals.includes(p))).toEqual([]);
  });
});
