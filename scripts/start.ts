/**
 * `npm start`: the whole job on the embedded cloud emulator, no cloud account needed.
 *
 * 1. starts the emulator (emulator/seed.example.json: a Resource Directory with a management
 *    account and two members, an OSS bucket, an SLS project, a MaxCompute project);
 * 2. serves the self-service HTTP API on localhost (the same handler FC runs);
 * 3. provisions an example spec through that API, end to end (validate → preflight →
 *    CreateTrail → StartLogging → verify), then shows the trail, a bad spec, and a weakening the
 *    demo guardrail policy (examples/guardrails/policy.json) refuses with no write;
 * 4. runs the account-vending trigger for a member account (STS AssumeRole; it also creates the
 *    member's event route: a rule on its default bus routing trail writes to the management
 *    account's bus, and the member in the receiver role's trust policy) and the compliance timer
 *    over the whole Resource Directory (which checks and makes the other members' routes);
 * 5. wires the tamper loop: the tamper trigger's rule on the management account's default bus
 *    (as s.yaml deploys it); a member's ActionTrail write calls reach it over the member's route
 *    (each hop delivered after --event-delay-ms, default 1000), then stops a member's baseline
 *    trail with an independent client (@alicloud/pop-core, the member's own AccessKey) and shows
 *    it restored, with the webhook notifications a loopback receiver got;
 * 6. keeps serving, printing curl commands, until Ctrl-C (`--once` exits after step 5).
 *
 * With real credentials you do not need this: deploy with `s deploy` (docs/deploy.md).
 * Options: --once, --port N (HTTP API port; default 8080, 0 = any free port), --quiet (no JSON logs),
 * --event-delay-ms N (ActionTrail → EventBridge → FC delivery delay on the emulator; default 1000).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createEmulator } from '../emulator/server';
import type { SeedFile } from '../emulator/state';
import { staticCredentials } from '../shared/cloud/credentials';
import { createLogger, silentLogger } from '../shared/platform/log';
import { formatReport } from '../shared/triggers/report';
import { createHandler as createHttpHandler } from '../functions/selfservice';
import { createLocalHttpServer } from '../functions/selfservice/local';
import { createHandler as createVendingHandler } from '../functions/vending';
import { createHandler as createRemediationHandler } from '../functions/remediation';
import { createHandler as createTamperHandler, type TamperInvocationResult } from '../functions/tamper';
import { createWebhookReceiver } from '../emulator/webhook';
import { fcTriggerRule } from '../emulator/services/eventbridge';
import { DEFAULT_TAMPER_TYPES, tamperEventPattern } from '../shared/platform/tamper-config';
import RPCClient from '@alicloud/pop-core';

const ROOT = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      once: { type: 'boolean', default: false },
      port: { type: 'string', default: '8080' },
      quiet: { type: 'boolean', default: false },
      'event-delay-ms': { type: 'string', default: '1000' },
    },
  });
  const say = (s = '') => process.stdout.write(s + '\n');
  const seed = JSON.parse(readFileSync(path.join(ROOT, 'emulator/seed.example.json'), 'utf8')) as SeedFile;
  const mgmt = seed.accounts.find((a) => a.rdRole === 'management')!;
  const member = seed.accounts.find((a) => a.rdRole === 'member')!;
  const region = seed.defaultRegion ?? 'cn-hangzhou';

  // The tamper function's own role (FC runs it with this role's credentials).
  mgmt.roles = [
    ...(mgmt.roles ?? []),
    { name: 'trail-tamper', trustedServices: ['fc.aliyuncs.com'], trustedAccounts: [], grants: ['*'] },
    // The receiver role of the member event routes (policies/trust-event-route.json): vending and the sweep add each member to its trust.
    { name: 'trail-event-route', trustedServices: [], trustedAccounts: [], grants: [], policies: ['AliyunEventBridgePutEventsPolicy'] },
  ];
  const emu = await createEmulator({ seed });
  const hook = await createWebhookReceiver();
  say(`▶ cloud emulator on ${emu.url} (ActionTrail, OSS, SLS, MaxCompute, STS, RAM, Resource Manager, FC, EventBridge; signatures verified)`);

  const token = `demo-${randomBytes(12).toString('hex')}`;
  const baseline = [{ Name: 'baseline-trail', OssBucketName: 'audit-log-demo', OssKeyPrefix: `member-audit`, EventRW: 'All' }];
  const env: NodeJS.ProcessEnv = {
    TRAIL_EMULATOR_URL: emu.url,
    TRAIL_REGION: region,
    // A named token: "demo" is the caller on every log line, in audit records and STS session names.
    TRAIL_HTTP_TOKENS: `demo:${token}`,
    // The demo guardrail policy (floors EventRW=All and TrailRegion=All, audit-* destinations only, …).
    TRAIL_POLICY: readFileSync(path.join(ROOT, 'examples/guardrails/policy.json'), 'utf8'),
    // The demo API works in member accounts too (x-trail-account-id); deployments default to none.
    TRAIL_HTTP_ACCOUNTS: '*',
    TRAIL_ACCOUNTS: 'rd',
    TRAIL_BASELINE: JSON.stringify(baseline),
    TRAIL_CONCURRENCY: '4',
    TRAIL_WEBHOOK_URL: hook.url,
    // Remediation reports (report.json/html/csv) land here; the console's compliance view reads them.
    TRAIL_REPORT_OSS: 'oss://audit-log-demo/compliance-reports',
    // The member event routes of the tamper response (vending makes them, the sweep checks them).
    TRAIL_EVENT_ROUTE_ROLE: 'trail-event-route',
    TRAIL_EVENT_ROUTE_ACCOUNT: mgmt.id,
  };
  const credentials = staticCredentials(mgmt.accessKeys![0]!);
  const logger = values.quiet ? silentLogger : createLogger({}, { write: (line) => process.stderr.write(line + '\n') });
  const context = { accountId: mgmt.id, region, function: { name: 'remediation' } };

  // The remediation function is also the fan-out worker: register it with the emulated FC.
  const remediation = createRemediationHandler({ env, credentials, logger });
  emu.registerFunction(mgmt.id, region, 'remediation', (event, ctx) => remediation(event, { ...context, ...(ctx as object) }));

  const server = await createLocalHttpServer(createHttpHandler({ env, credentials, logger }), Number(values.port), { accountId: mgmt.id, region });
  const api = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  say(`▶ self-service HTTP API on ${api} (bearer token: ${token})`);
  // The token rides in the URL fragment, which browsers never send to a server; the page moves it
  // to sessionStorage and drops it from the address bar.
  const consoleUrl = `${api}/#token=${token}`;
  say(`▶ console: ${consoleUrl}`);

  // 1. Self-service: provision an example spec through the HTTP API.
  const spec = {
    Name: 'demo-trail',
    OssBucketName: 'audit-log-demo',
    OssKeyPrefix: 'actiontrail-demo',
    SlsProjectArn: `acs:log:${region}:${mgmt.id}:project/audit-demo`,
    SlsWriteRoleArn: `acs:ram::${mgmt.id}:role/actiontrail-writer`,
    EventRW: 'All',
  };
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  say(`\n① POST /trails  ${JSON.stringify(spec)}`);
  const created = await fetch(`${api}/trails`, { method: 'POST', headers: auth, body: JSON.stringify(spec) });
  const body = (await created.json()) as Record<string, any>;
  say(`  ← ${created.status} ${describeEnsure(body)}`);
  if (created.status >= 300) throw new Error(`provisioning failed: ${JSON.stringify(body)}`);
  const again = await fetch(`${api}/trails`, { method: 'POST', headers: auth, body: JSON.stringify(spec) });
  say(`  again ← ${again.status} ${describeEnsure((await again.json()) as Record<string, any>)}`);
  const shown = (await (await fetch(`${api}/trails/demo-trail`, { headers: auth })).json()) as Record<string, any>;
  say(`  GET /trails/demo-trail ← Status ${shown.Status ?? shown.trail?.Status}, IsLogging ${shown.IsLogging ?? shown.status?.IsLogging}`);
  const bad = await fetch(`${api}/trails`, { method: 'POST', headers: auth, body: JSON.stringify({ Name: 'X', OssKeyPrefix: '1' }) });
  const badBody = (await bad.json()) as { Code: string; Errors?: Array<{ pointer: string; rule: string }> };
  say(`  a bad spec ← ${bad.status} ${badBody.Code}: ${(badBody.Errors ?? []).map((e) => `${e.pointer || '(document)'} (${e.rule})`).join(', ')}`);
  // The guardrail policy: a valid spec that would weaken the trail is refused before any write.
  const writesBefore = emu.world.calls.filter((c) => /Create|Update|Start|Stop|Delete|Put/.test(c.action)).length;
  const weak = await fetch(`${api}/trails`, { method: 'POST', headers: auth, body: JSON.stringify({ ...spec, EventRW: 'Read' }) });
  const weakBody = (await weak.json()) as { Code: string; Errors?: Array<{ pointer: string; ruleId?: string }> };
  const writesAfter = emu.world.calls.filter((c) => /Create|Update|Start|Stop|Delete|Put/.test(c.action)).length;
  say(
    `  a weakening (EventRW All → Read) ← ${weak.status} ${weakBody.Code}: ${(weakBody.Errors ?? []).map((e) => `${e.pointer} (${e.ruleId})`).join(', ')}; ${writesAfter - writesBefore} writes`,
  );

  // 2. Account vending: a new member account gets its baseline trail via STS AssumeRole.
  const vendingEvent = {
    id: randomBytes(8).toString('hex'),
    source: 'acs.custom.account-vending',
    type: 'trail-provisioner:AccountVending:AccountVended',
    specversion: '1.0',
    time: new Date().toISOString(),
    data: { accountId: member.id, specs: [{ Name: 'vended-trail', OssBucketName: 'audit-log-demo', OssKeyPrefix: `vended-${member.id}`, EventRW: 'All' }] },
  };
  say(`\n② account vending event for member ${member.id}`);
  const vended = await createVendingHandler({ env, credentials, logger })(Buffer.from(JSON.stringify(vendingEvent)), { ...context, requestId: 'vending-demo' });
  for (const r of vended) for (const o of r.outcomes) say(`  ${r.accountId} ${o.name}: ${o.ok ? `ok (${o.result?.done.join(' → ') || 'no change'})` : `${o.error?.Code}: ${o.error?.Message}`}`);
  for (const r of vended) if (r.eventRoute) say(`  ${r.accountId} event route → tamper function: ${r.eventRoute.status}${r.eventRoute.done.length ? ` (${r.eventRoute.done.join(' → ')})` : ''}${r.eventRoute.error ? ` ${r.eventRoute.error.Code}: ${r.eventRoute.error.Message}` : ''}`);

  // 3. Compliance timer over the Resource Directory (stop one trail first, so there is work to do).
  const stopped = emu.world.accounts.get(member.id)!.trails.find((t) => t.Name === 'vended-trail');
  if (stopped) stopped.Status = 'Disable';
  say(`\n③ compliance timer (baseline ${JSON.stringify(baseline.map((b) => b.Name))} over every Resource Directory account)`);
  const report = await remediation(Buffer.from(JSON.stringify({ triggerTime: new Date().toISOString(), triggerName: 'compliance-sweep', payload: '{}' })), { ...context, requestId: 'timer-demo' });
  say(formatReport(report).replace(/^/gm, '  '));

  // 4. The tamper loop: the tamper trigger's rule on the management account's bus; members' events arrive over their routes.
  const tamper = createTamperHandler({ env, logger });
  emu.registerFunction(mgmt.id, region, 'tamper', (event, ctx) => tamper(event, ctx));
  emu.world.functions.find((f) => f.name === 'tamper')!.roleArn = `acs:ram::${mgmt.id}:role/trail-tamper`;
  const delayMs = Number(values['event-delay-ms']);
  emu.world.eventDelayMs = Number.isFinite(delayMs) && delayMs >= 0 ? delayMs : 1000;
  emu.world.eventRules.push(fcTriggerRule({ accountId: mgmt.id, region, functionName: 'tamper', filterPattern: tamperEventPattern(DEFAULT_TAMPER_TYPES) }));
  const memberKey = member.accessKeys![0]!;
  const pop = new RPCClient({ endpoint: emu.url, apiVersion: '2020-07-06', ...memberKey });
  say(`\n④ tamper loop: member's default bus → its route rule → management account's bus → tamper trigger's rule → tamper function (delay ${emu.world.eventDelayMs} ms per hop)`);
  const hooked = hook.deliveries.length;
  const stoppedAt = Date.now();
  await pop.request('StopLogging', { Name: 'baseline-trail' });
  say(`  member ${member.id} (its own AccessKey, @alicloud/pop-core): StopLogging baseline-trail`);
  let restoredMs: number | undefined;
  while (Date.now() - stoppedAt < 10_000) {
    const status = (await pop.request('GetTrailStatus', { Name: 'baseline-trail' })) as { IsLogging?: boolean };
    if (status.IsLogging) {
      restoredMs = Date.now() - stoppedAt;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const hops = emu.world.eventDeliveries.filter((d) => d.eventName === 'StopLogging' && d.sourceAccountId === member.id);
  const delivery = hops.find((d) => d.functionName);
  const routed = hops.find((d) => d.targetType === 'acs.eventbridge');
  if (routed) say(`  routed by ${routed.rule} to bus ${routed.targetBus}: ${routed.status}${routed.error ? ` (${routed.error})` : ''}`);
  while (delivery && (delivery.status === 'Pending' || delivery.status === 'Running')) await new Promise((r) => setTimeout(r, 20));
  for (const o of (delivery?.result as TamperInvocationResult | undefined)?.outcomes ?? []) {
    say(`  tamper function: ${o.eventName} on ${o.trail} in ${o.accountId} → ${o.action}${o.done?.length ? ` (${o.done.join(' → ')}; IsLogging=${o.isLogging})` : ''}${o.reason ? ` — ${o.reason}` : ''}`);
  }
  say(restoredMs !== undefined ? `  GetTrailStatus IsLogging=true again ${restoredMs} ms after the StopLogging` : '  not restored within 10 s');
  await new Promise((r) => setTimeout(r, 200));
  say(`  webhook notifications: ${hook.deliveries.slice(hooked).map((d) => (d.body as { kind?: string }).kind).join(', ') || 'none'}`);

  const writes = emu.world.calls.filter((c) => /Create|Update|Start/.test(c.action)).length;
  say(`\n✔ done: ${emu.world.calls.length} signed API calls to the emulator, ${writes} of them writes.`);
  if (values.once) {
    server.close();
    await Promise.all([emu.close(), hook.close()]);
    return;
  }
  say(`\n▶ console: ${consoleUrl}`);
  say(`\nTry it (Ctrl-C to stop):`);
  say(`  curl -s ${api}/healthz`);
  say(`  curl -s -H 'Authorization: Bearer ${token}' ${api}/trails`);
  say(`  curl -s -H 'Authorization: Bearer ${token}' ${api}/trails/demo-trail`);
  say(`  curl -s -H 'Authorization: Bearer ${token}' -H 'content-type: application/json' -d '{"Name":"my-new-trail","OssBucketName":"audit-log-demo","EventRW":"All"}' '${api}/trails?dryRun=true'`);
  say(`  curl -s -X POST -H 'Authorization: Bearer ${token}' ${api}/trails/demo-trail/logging`);
  say(`  curl -s -H 'Authorization: Bearer ${token}' ${api}/schema`);
  say(`Tamper with a baseline trail using any client, e.g. ActionTrail StopLogging Name=baseline-trail at endpoint ${emu.url}`);
  say(`  with AccessKey ${memberKey.accessKeyId} / ${memberKey.accessKeySecret} (demo member ${member.id}): the tamper function restores it within seconds.`);
  const stop = () => {
    server.close();
    void Promise.all([emu.close(), hook.close()]).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function describeEnsure(b: Record<string, any>): string {
  if (b.Code) return `${b.Code}: ${b.Message}`;
  const r = (b.result ?? b) as Record<string, any>;
  const done = (r.done as string[] | undefined)?.join(' → ') || 'no change';
  return `${r.classification ?? ''} → ${done}; IsLogging=${r.status?.IsLogging}; HomeRegion=${r.trail?.HomeRegion}`;
}

main().catch((e: unknown) => {
  process.stderr.write(`npm start failed: ${(e as Error)?.message ?? String(e)}\n`);
  process.exit(1);
});
