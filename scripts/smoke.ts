/**
 * `npm run smoke -- --yes --bucket <bucket> [--sls-project <project>] [--region R] [--name N]`
 *
 * A smoke test of the whole pipeline on the user's own Alibaba Cloud account: with real
 * credentials in the environment (and no TRAIL_EMULATOR_URL) it provisions a throwaway trail with
 * the same code the functions and the CLI run (shared/core/provisioner.ts ensureValidTrail):
 * preflight, CreateTrail, StartLogging, verify (GetTrailStatus), then a second run that must be a
 * no-op (plan compliant), then StopLogging and DeleteTrail. Every HTTP call is printed with its
 * status and RequestId, read off the wire (node:diagnostics_channel), so a failure on the real
 * cloud can be quoted to support.
 *
 * Safety:
 * - Refuses to run without --yes (exit 2), explaining what it would do.
 * - Without credentials it says what it needs and exits 2 before any call.
 * - Never touches other trails: the name (default trail-smoke-<random>) must not exist yet
 *   (DescribeTrails, shadow and organization trails included), and only a trail whose CreateTrail
 *   this run saw succeed is stopped and deleted.
 * - The trail is single-account, EventRW Write, TrailRegion the --region only.
 *
 * With TRAIL_EMULATOR_URL set, every call goes to that emulator instead (npm test does this).
 * `smoke(argv, io)` never touches process globals; the bottom of the file binds it to the process.
 */
import { randomBytes } from 'node:crypto';
import dc from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { parseArgs } from 'node:util';
import { createCloud } from '../shared/cloud';
import { staticCredentials } from '../shared/cloud/credentials';
import { errorSummary } from '../shared/core/errors';
import { ensureValidTrail, type EnsureResult } from '../shared/core/provisioner';
import { validateSpec } from '../shared/core/schema';
import type { TrailSpec } from '../shared/core/spec';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface SmokeIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
}

export const SMOKE_HELP = `Usage: npm run smoke -- --yes --bucket <bucket> [options]

Runs the whole trail pipeline once on YOUR Alibaba Cloud account with a throwaway trail, then
removes it: preflight, CreateTrail, StartLogging, verify, a no-op re-run (must plan nothing),
StopLogging, DeleteTrail. Every call is printed with its RequestId.

Destination (at least one; they must exist, in your account):
  --bucket NAME        OSS bucket the trail delivers to (OssBucketName).
  --prefix PREFIX      OSS key prefix (OssKeyPrefix), 6-32 chars. Default: none.
  --sls-project NAME   SLS project in --region (SlsProjectArn acs:log:<region>:<account>:project/NAME).

Options:
  --region R           Region whose ActionTrail endpoint is called (the trail's home region).
                       Default: TRAIL_REGION, ALIBABA_CLOUD_REGION, else cn-hangzhou.
  --name NAME          Trail name. Default: trail-smoke-<random>. Must not exist yet: the smoke
                       test never touches a trail it did not create.
  --verify-timeout S   Seconds to wait for GetTrailStatus to report IsLogging after StartLogging
                       (the real service may lag). Default: 60.
  --yes                Required: confirms that a trail may be created and deleted in the account.
  -h, --help           Show this help.

Credentials: ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and
ALIBABA_CLOUD_SECURITY_TOKEN for STS keys) of a RAM identity allowed actiontrail:CreateTrail,
UpdateTrail, DescribeTrails, GetTrailStatus, StartLogging, StopLogging, DeleteTrail,
sts:GetCallerIdentity, ram:GetRole, oss:GetBucketInfo (for --bucket), log:GetProject (for --sls-project).
Exit codes: 0 passed, 1 failed (details above the exit), 2 not run (usage, credentials, --yes, name taken).
`;

class Refusal extends Error {}
/** A smoke expectation that did not hold. */
class CheckFailed extends Error {}

interface WireCall {
  service: string;
  action: string;
  status: number;
  requestId: string;
}

const REQUEST_ID_HEADERS = ['x-acs-request-id', 'x-oss-request-id', 'x-log-requestid', 'x-fc-request-id'];

function serviceOf(host: string): string {
  const h = host.replace(/:\d+$/, '').replace(/\.localhost$/, '');
  if (h.startsWith('actiontrail.')) return 'actiontrail';
  if (h.startsWith('sts.') || h.startsWith('sts-')) return 'sts';
  if (h.startsWith('ram.')) return 'ram';
  if (h.includes('.log.aliyuncs.com')) return 'sls';
  if (/(^|\.)oss-[a-z0-9-]+\.aliyuncs\.com$/.test(h)) return 'oss';
  if (h.startsWith('maxcompute.')) return 'maxcompute';
  return h;
}

/** Records every HTTP call this process makes (all the SDK clients use node:http/https). */
function recordCalls(onCall: (c: WireCall) => void): () => void {
  const listener = (message: unknown) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const host = String(request.getHeader('host') ?? request.host ?? '');
    const service = serviceOf(host);
    const popAction = request.getHeader('x-acs-action') ?? /[?&]Action=([^&]+)/.exec(request.path)?.[1];
    const path = request.path.split('?')[0] ?? '/';
    const subresource = /\?([a-zA-Z]+)(?:[=&]|$)/.exec(request.path)?.[1];
    const action = popAction ? String(popAction) : `${request.method} ${path}${subresource ? `?${subresource}` : ''}`;
    const requestId = REQUEST_ID_HEADERS.map((h) => response.headers[h]).find((v) => typeof v === 'string') as string | undefined;
    onCall({ service, action, status: response.statusCode ?? 0, requestId: requestId ?? '(none)' });
  };
  dc.subscribe('http.client.response.finish', listener);
  return () => dc.unsubscribe('http.client.response.finish', listener);
}

/** Runs the smoke test; resolves with the exit code. */
export async function smoke(argv: readonly string[], io: SmokeIo): Promise<number> {
  const out = (s: string) => io.stdout.write(s + '\n');
  const err = (s: string) => io.stderr.write(s + '\n');
  const env = io.env;

  let o: { yes: boolean; bucket?: string; prefix?: string; slsProject?: string; region: string; name: string; verifyTimeoutMs: number };
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        yes: { type: 'boolean', default: false },
        bucket: { type: 'string' },
        prefix: { type: 'string' },
        'sls-project': { type: 'string' },
        region: { type: 'string' },
        name: { type: 'string' },
        'verify-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout.write(SMOKE_HELP);
      return EXIT_OK;
    }
    o = {
      yes: Boolean(values.yes),
      bucket: values.bucket,
      prefix: values.prefix,
      slsProject: values['sls-project'],
      region: values.region ?? (env['TRAIL_REGION'] || env['ALIBABA_CLOUD_REGION'] || 'cn-hangzhou'),
      name: values.name ?? `trail-smoke-${randomBytes(4).toString('hex')}`,
      verifyTimeoutMs: 60_000,
    };
    if (values['verify-timeout'] !== undefined) {
      const secs = Number(values['verify-timeout']);
      if (!Number.isFinite(secs) || secs <= 0 || secs > 600) throw new Error(`--verify-timeout must be a number of seconds in (0, 600], got "${values['verify-timeout']}".`);
      o.verifyTimeoutMs = Math.round(secs * 1000);
    }
  } catch (e) {
    err(`smoke: ${(e as Error).message}\nRun "npm run smoke -- --help" for usage.`);
    return EXIT_USAGE;
  }

  const accessKeyId = env['ALIBABA_CLOUD_ACCESS_KEY_ID']?.trim();
  const accessKeySecret = env['ALIBABA_CLOUD_ACCESS_KEY_SECRET']?.trim();
  if (!accessKeyId || !accessKeySecret) {
    err(
      'smoke: no credentials. The smoke test runs on your own Alibaba Cloud account and needs\n' +
        '  ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET in the environment\n' +
        '  (plus ALIBABA_CLOUD_SECURITY_TOKEN for STS keys), of a RAM identity allowed the calls listed\n' +
        '  in "npm run smoke -- --help". Nothing was called.',
    );
    return EXIT_USAGE;
  }
  if (!o.bucket && !o.slsProject) {
    err('smoke: name a destination that exists in your account: --bucket <oss bucket> and/or --sls-project <sls project>.');
    return EXIT_USAGE;
  }
  const target = env['TRAIL_EMULATOR_URL'] ? `the emulator at ${env['TRAIL_EMULATOR_URL']}` : 'your Alibaba Cloud account (real cloud)';
  if (!o.yes) {
    err(
      `smoke: refusing to run without --yes.\n` +
        `  It would create the trail "${o.name}" in ${o.region} on ${target}, delivering to ` +
        `${[o.bucket && `OSS bucket ${o.bucket}`, o.slsProject && `SLS project ${o.slsProject}`].filter(Boolean).join(' and ')},\n` +
        `  start it, check it logs, re-run (no-op), then StopLogging and DeleteTrail it.\n` +
        `  Events of the few seconds it logs are delivered to the destination. Add --yes to go ahead.`,
    );
    return EXIT_USAGE;
  }

  const calls: WireCall[] = [];
  const stop = recordCalls((c) => {
    calls.push(c);
    out(`  ${c.service}:${c.action} -> ${c.status} RequestId ${c.requestId}`);
  });
  let created = false;
  let failed = false;
  let cloud: ReturnType<typeof createCloud> | undefined;
  try {
    out(`Smoke test on ${target}, region ${o.region}, trail "${o.name}"`);
    const credentials = staticCredentials({ accessKeyId, accessKeySecret, securityToken: env['ALIBABA_CLOUD_SECURITY_TOKEN']?.trim() || undefined });
    out('1. who am I (sts:GetCallerIdentity)');
    const base = createCloud({ region: o.region, credentials, env });
    const accountId = (await base.sts.getCallerIdentity()).accountId;
    out(`   account ${accountId}`);
    cloud = createCloud({ region: o.region, credentials, env, accountId });

    let spec: TrailSpec;
    try {
      spec = validateSpec({
        Name: o.name,
        EventRW: 'Write',
        TrailRegion: o.region,
        ...(o.bucket ? { OssBucketName: o.bucket } : {}),
        ...(o.prefix ? { OssKeyPrefix: o.prefix } : {}),
        ...(o.slsProject ? { SlsProjectArn: `acs:log:${o.region}:${accountId}:project/${o.slsProject}` } : {}),
      });
    } catch (e) {
      const s = errorSummary(e);
      const fields = (e as { fields?: Array<{ pointer: string; message: string }> }).fields ?? [];
      throw new Refusal(`the smoke trail is not valid: ${s.Message}${fields.map((f) => `\n  ${f.pointer}: ${f.message}`).join('')}`);
    }

    out(`2. the name must be free (actiontrail:DescribeTrails)`);
    const existing = await cloud.actiontrail.describeTrails({ names: [o.name], includeShadowTrails: true, includeOrganizationTrail: true });
    if (existing.some((t) => t.Name === o.name)) {
      throw new Refusal(`a trail named "${o.name}" already exists in account ${accountId}; the smoke test only touches trails it creates. Pick another --name.`);
    }

    out('3. ensure: preflight, CreateTrail, StartLogging, verify');
    const first = await ensureValidTrail(spec, cloud, {
      verifyTimeoutMs: o.verifyTimeoutMs,
      onStep: (s) => out(`   step ${s.step}${s.detail ? ` (${s.detail})` : ''}`),
    });
    created = calls.some((c) => c.service === 'actiontrail' && c.action === 'CreateTrail' && c.status === 200);
    check(first.classification === 'missing' && first.done.includes('CreateTrail') && first.done.includes('StartLogging'), `first run should create and start the trail, did ${describe(first)}`);
    check(first.status?.IsLogging === true, 'GetTrailStatus should report IsLogging=true after the first run');
    out(`   ok: ${describe(first)}; IsLogging=true; write RequestIds ${first.requestIds.join(', ')}`);

    out('4. re-run: must be a no-op (plan compliant)');
    const second = await ensureValidTrail(spec, cloud, { verifyTimeoutMs: o.verifyTimeoutMs, onStep: (s) => out(`   step ${s.step}`) });
    check(second.classification === 'compliant' && second.done.length === 0, `the re-run should change nothing, got ${describe(second)} (drift: ${second.drift.map((d) => d.field).join(', ') || 'none'})`);
    out('   ok: compliant, nothing written');
  } catch (e) {
    failed = true;
    if (e instanceof Refusal) {
      err(`smoke: ${e.message}`);
    } else if (e instanceof CheckFailed) {
      err(`smoke: FAILED: ${e.message}`);
    } else {
      const s = errorSummary(e);
      err(`smoke: FAILED: ${s.Code}: ${s.Message}${s.RequestId ? ` (RequestId ${s.RequestId})` : ''}`);
    }
    created ||= calls.some((c) => c.service === 'actiontrail' && c.action === 'CreateTrail' && c.status === 200);
    if (!created && e instanceof Refusal) {
      stop();
      return EXIT_USAGE;
    }
  }

  // Clean up only what this run created.
  if (created && cloud) {
    out('5. clean up: StopLogging, DeleteTrail');
    try {
      await cloud.actiontrail.stopLogging(o.name);
      await cloud.actiontrail.deleteTrail(o.name);
      const left = await cloud.actiontrail.describeTrails({ names: [o.name], includeShadowTrails: true });
      check(!left.some((t) => t.Name === o.name), `trail "${o.name}" is still listed after DeleteTrail`);
      out(`   ok: trail "${o.name}" deleted`);
    } catch (e) {
      failed = true;
      const s = e instanceof CheckFailed ? { Code: 'CheckFailed', Message: e.message, RequestId: undefined } : errorSummary(e);
      err(`smoke: CLEAN-UP FAILED: ${s.Code}: ${s.Message}${s.RequestId ? ` (RequestId ${s.RequestId})` : ''}\n  Delete the trail "${o.name}" in region ${o.region} yourself (ActionTrail console or DeleteTrail).`);
    }
  }
  stop();
  out(failed ? `Smoke test FAILED (${calls.length} calls).` : `Smoke test passed (${calls.length} calls).`);
  return failed ? EXIT_FAILED : EXIT_OK;
}

function describe(r: EnsureResult): string {
  return `${r.classification}, done [${r.done.join(', ')}]`;
}

function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new CheckFailed(message);
}

// Run as a script (npm run smoke), not when imported by tests.
if (process.argv[1] && /smoke\.[cm]?[tj]s$/.test(process.argv[1])) {
  smoke(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`smoke: ${(e as Error)?.message ?? String(e)}\n`);
      process.exitCode = EXIT_FAILED;
    },
  );
}
