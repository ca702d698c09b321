/**
 * `trail-provisioner apply|plan|status`: the functions' behaviour from a terminal or CI job.
 *
 * apply = ensureValidTrail (as vending / remediation / self-service POST /trails), plan = the
 * same with dryRun, status = DescribeTrails + GetTrailStatus (as self-service GET /trails/{name}).
 * Member accounts are reached by STS AssumeRole into the member role, exactly as the functions
 * do (memberCredentials), with bounded concurrency across accounts and the specs of one account
 * done in order. Every spec is validated before any cloud call: an invalid file exits 2 naming
 * each failing field by JSON pointer.
 *
 * `main(argv, io)` never touches process globals (env, streams, exit code): tests run it
 * in-process against an emulator; cli/run.ts binds it to the real process.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createCloud } from '../shared/cloud';
import { defaultCredentials, staticCredentials } from '../shared/cloud/credentials';
import { createResourceManagerClient } from '../shared/cloud/resourcemanager';
import { createStsClient } from '../shared/cloud/sts';
import { mapSettled } from '../shared/core/concurrency';
import { loadConfig, loadGuardSources, type Config } from '../shared/platform/config';
import { ProvisionError } from '../shared/core/errors';
import { plan as makePlan } from '../shared/core/planner';
import { ensureValidTrail } from '../shared/core/provisioner';
import { validateSpec, validateSpecs } from '../shared/core/schema';
import { errorSummary } from '../shared/core/errors';
import { memberCredentials, roleSessionName } from '../shared/platform/accounts';
import { policyError, type Guard } from '../shared/core/guardrails';
import type { Cloud, CredentialsProvider } from '../shared/cloud/types';
import type { TrailSpec } from '../shared/core/spec';
import { HELP, parseCli, UsageError, type CliOptions } from './args';
import { formatJson, formatSummary, outcome, Progress, type ResultRow, type Writable } from './output';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  /** Environment for config, credentials and endpoints (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Directory spec paths are relative to (default process.cwd()). */
  cwd?: string;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Credentials from the environment: an AccessKey pair in `env`, else the SDK default chain. */
export function environmentCredentials(env: NodeJS.ProcessEnv): CredentialsProvider {
  const id = env['ALIBABA_CLOUD_ACCESS_KEY_ID']?.trim();
  const secret = env['ALIBABA_CLOUD_ACCESS_KEY_SECRET']?.trim();
  if (id && secret) return staticCredentials({ accessKeyId: id, accessKeySecret: secret, securityToken: env['ALIBABA_CLOUD_SECURITY_TOKEN']?.trim() || undefined });
  return defaultCredentials();
}

/** Reads and validates the spec file: one spec object or an array of specs. */
export async function readSpecs(file: string, cwd: string): Promise<TrailSpec[]> {
  let text: string;
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8');
  } catch (e) {
    throw new UsageError(`Cannot read spec file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`Spec file ${file} is not valid JSON: ${(e as Error).message}.`);
  }
  return Array.isArray(parsed) ? validateSpecs(parsed) : [validateSpec(parsed)];
}

/** The spec error as lines naming every failing field by JSON pointer. */
function specErrorLines(file: string, e: ProvisionError): string[] {
  const lines = [`Invalid spec file ${file}: ${e.code}: ${e.message}`];
  for (const f of e.fields) lines.push(`  ${f.pointer || '/'}: ${f.message}`);
  return lines;
}

interface Target {
  accountId: string;
  credentials: CredentialsProvider;
}

/** Works out the accounts: the caller's own, the --account list, or every RD account. */
async function targets(o: CliOptions, config: Config, base: CredentialsProvider, env: NodeJS.ProcessEnv, progress: Progress): Promise<Target[]> {
  progress.status('Resolving the caller account (GetCallerIdentity)…');
  const self = (await createStsClient({ region: config.region, credentials: base, env }).getCallerIdentity()).accountId;
  let ids: string[];
  if (o.allRdAccounts) {
    progress.status('Listing Resource Directory accounts…');
    const rm = createResourceManagerClient({ region: config.region, credentials: base, env });
    ids = (await rm.listAccounts({ onPage: (page, total) => progress.status(`Listing Resource Directory accounts: page ${page}, ${total} accounts…`) })).map((a) => a.accountId);
  } else {
    ids = o.accounts.length > 0 ? o.accounts : [self];
  }
  return ids.map((accountId) => ({ accountId, credentials: accountId === self ? base : memberCredentials(config, base, accountId, env, roleSessionName('cli')) }));
}

async function applyOne(o: CliOptions, spec: TrailSpec, cloud: Cloud, accountId: string, onStep: (s: string) => void, guard?: Guard): Promise<ResultRow> {
  const r = await ensureValidTrail(spec, cloud, { dryRun: o.command === 'plan', onStep: (s) => onStep(s.step), guard });
  const refused = r.violations && r.violations.length > 0 ? { ok: false, error: errorSummary(policyError(spec.Name, r.violations)) } : {};
  return {
    accountId,
    region: cloud.region,
    name: spec.Name,
    ok: true,
    classification: r.classification,
    planned: r.planned,
    done: r.done,
    drift: r.drift.map((d) => d.field),
    trailStatus: r.trail?.Status,
    isLogging: r.dryRun ? (r.trail ? r.trail.Status === 'Enable' : undefined) : r.status?.IsLogging,
    latestDeliveryError: r.status?.LatestDeliveryError,
    ...refused,
  };
}

async function statusOne(spec: TrailSpec, cloud: Cloud, accountId: string): Promise<ResultRow> {
  const isOrg = Boolean(spec.IsOrganizationTrail);
  const trail = (await cloud.actiontrail.describeTrails({ names: [spec.Name], includeOrganizationTrail: isOrg })).find((t) => t.Name === spec.Name);
  const base: ResultRow = { accountId, region: cloud.region, name: spec.Name, ok: true, planned: [], done: [], drift: [] };
  if (!trail) return { ...base, classification: 'missing', planned: ['CreateTrail', 'StartLogging'] };
  const p = makePlan(spec, trail);
  const status = await cloud.actiontrail.getTrailStatus(spec.Name, Boolean(trail.IsOrganizationTrail));
  return {
    ...base,
    classification: p.classification,
    planned: p.actions,
    drift: p.drift.map((d) => d.field),
    trailStatus: trail.Status,
    isLogging: status.IsLogging,
    latestDeliveryError: status.LatestDeliveryError || status.LatestDeliveryLogServiceError,
  };
}

/** Runs the CLI; resolves with the exit code (0 all ok, 1 some failed, 2 bad usage or spec). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  const progress = new Progress(io.stderr);
  let o: CliOptions;
  let specs: TrailSpec[];
  let config: Config;
  let specFile = 'spec';
  try {
    const parsed = parseCli(argv);
    if (parsed.kind === 'help') {
      io.stdout.write(HELP);
      return EXIT_OK;
    }
    o = parsed.options;
    specFile = o.specFile;
    specs = await readSpecs(o.specFile, io.cwd ?? process.cwd());
    if (specs.length === 0) throw new UsageError(`Spec file ${o.specFile} holds no specs.`);
    const loaded = loadConfig(env);
    config = { ...loaded, region: o.region ?? loaded.region, memberRole: o.role ?? loaded.memberRole, concurrency: o.concurrency ?? loaded.concurrency };
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`trail-provisioner: ${e.message}\nRun "trail-provisioner --help" for usage.\n`);
    } else if (e instanceof ProvisionError) {
      const lines = e.code === 'InvalidConfiguration' ? [`trail-provisioner: ${e.message}`] : specErrorLines(specFile, e);
      io.stderr.write(lines.join('\n') + '\n');
    } else {
      io.stderr.write(`trail-provisioner: ${(e as Error)?.message ?? String(e)}\n`);
    }
    return EXIT_USAGE;
  }

  const base = environmentCredentials(env);
  let accounts: Target[];
  try {
    accounts = await targets(o, config, base, env, progress);
  } catch (e) {
    const s = errorSummary(e);
    progress.line(`trail-provisioner: cannot resolve the accounts: ${s.Code}: ${s.Message}`);
    if (o.json) io.stdout.write(formatJson(o.command, config.region, []));
    return EXIT_FAILED;
  }

  // The guardrail policy and the baseline hold for the CLI as for every trigger.
  let guard: Guard;
  try {
    const home = { region: config.region, credentials: base, env };
    const { baseline, policy } = await loadGuardSources(config, home, io.cwd);
    guard = { policy, baseline, caller: { kind: 'cli', name: 'cli' } };
  } catch (e) {
    const s = errorSummary(e);
    progress.line(`trail-provisioner: cannot load the baseline or the guardrail policy: ${s.Code}: ${s.Message}`);
    if (o.json) io.stdout.write(formatJson(o.command, config.region, []));
    return EXIT_FAILED;
  }

  const total = accounts.length * specs.length;
  let finished = 0;
  const settled = await mapSettled(accounts, config.concurrency, async ({ accountId, credentials }) => {
    const cloud = createCloud({ region: config.region, credentials, env, accountId });
    const rows: ResultRow[] = [];
    for (const spec of specs) {
      const label = `${accountId}/${spec.Name}`;
      let row: ResultRow;
      try {
        row =
          o.command === 'status'
            ? await statusOne(spec, cloud, accountId)
            : await applyOne(o, spec, cloud, accountId, (step) => progress.status(`[${finished}/${total}] ${label}: ${step}…`), guard);
      } catch (e) {
        row = { accountId, region: config.region, name: spec.Name, ok: false, planned: [], done: [], drift: [], error: errorSummary(e) };
      }
      finished++;
      progress.item(`[${finished}/${total}] ${label}: ${outcome(o.command, row)}`);
      rows.push(row);
    }
    return rows;
  });
  progress.clear();

  const rows = settled.flatMap((s) => (s.ok ? s.value : []));
  io.stdout.write(o.json ? formatJson(o.command, config.region, rows) : formatSummary(o.command, rows));
  return rows.every((r) => r.ok) ? EXIT_OK : EXIT_FAILED;
}
