/**
 * Account vending: make a newly vended member account's trails exist and log.
 *
 * Input is one account id with its specs (or none: then the configured baseline applies). The
 * work happens in the member account through STS AssumeRole into the configured member role,
 * using the function role's credentials as the base. Every spec is validated before anything is
 * written (one bad spec rejects the whole event with every failing field listed); valid specs
 * are then ensured concurrently, with a bound, and each outcome is reported on its own. A partial
 * failure keeps what succeeded (ensureTrail is idempotent) and is surfaced by `assertVended`, so
 * the FC async retry and dead-letter destination take over for the rest.
 */
import { assumeRoleCredentials, memberRoleArn } from './accounts';
import { createCloud } from './cloud';
import { mapSettled } from './concurrency';
import { loadBaseline, type Config } from './config';
import { ProvisionError } from './errors';
import { silentLogger, type Logger } from './log';
import { ensureValidTrail, type EnsureResult } from './provisioner';
import { validateSpecs } from './schema';
import type { ClientOptions } from './cloud/options';
import type { CredentialsProvider } from './cloud/types';
import type { TrailSpec } from './spec';

export interface VendingRequest {
  /** The member account to provision. */
  accountId: string;
  /** Specs to apply; absent → the configured baseline. Unvalidated input. */
  specs?: unknown;
  /** Home region (ActionTrail endpoint) override; default the configured home region. */
  region?: string;
  /** Where the request came from, for the logs ("custom" event, "resource-directory" event, ...). */
  origin: string;
  /** The triggering event id, for the logs. */
  eventId?: string;
}

export interface VendingDeps {
  config: Config;
  /** Base credentials (the function role's); used to assume the member role. */
  credentials: CredentialsProvider;
  /** Environment for endpoint resolution (emulator mode, overrides). */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Retry deadline, epoch ms. */
  deadline?: number;
  /** Overrides config.dryRun. */
  dryRun?: boolean;
  /** Directory TRAIL_BASELINE_FILE is relative to. */
  baseDir?: string;
}

/** The outcome of one spec: the ensure result, or the error as the API envelope fields. */
export interface SpecOutcome {
  name: string;
  ok: boolean;
  result?: EnsureResult;
  error?: { Code: string; Message: string; RequestId?: string };
}

export interface VendingResult {
  accountId: string;
  region: string;
  origin: string;
  eventId?: string;
  dryRun: boolean;
  ok: boolean;
  outcomes: SpecOutcome[];
}

/** An error's code and message, with nothing else (no stack, no cause chain, no secrets). */
export function errorSummary(e: unknown): { Code: string; Message: string; RequestId?: string } {
  if (e instanceof ProvisionError) return { Code: e.code, Message: e.message, ...(e.requestId ? { RequestId: e.requestId } : {}) };
  return { Code: 'InternalError', Message: 'The request processing has failed due to some unknown error.' };
}

/** Credentials in `accountId` by AssumeRole of the configured member role. */
export function memberCredentials(config: Config, base: CredentialsProvider, accountId: string, env?: NodeJS.ProcessEnv): CredentialsProvider {
  return assumeRoleCredentials({ region: config.region, credentials: base, env }, memberRoleArn(accountId, config.memberRole), {
    sessionName: 'trail-provisioner-vending',
  });
}

export async function vendAccount(req: VendingRequest, deps: VendingDeps): Promise<VendingResult> {
  if (!/^\d{1,20}$/.test(req.accountId)) {
    throw new ProvisionError({
      code: 'InvalidQueryParameter',
      message: 'The vending event has no valid member account id.',
      fields: [{ pointer: '/accountId', rule: 'pattern', message: '/accountId must be a numeric account id' }],
    });
  }
  const { config } = deps;
  const region = req.region ?? config.region;
  const log = (deps.logger ?? silentLogger).child({ trigger: 'vending', accountId: req.accountId, region, origin: req.origin, eventId: req.eventId });
  const homeOpts: ClientOptions = { region: config.region, credentials: deps.credentials, env: deps.env };

  // Validate everything first: a bad spec rejects the event before any write.
  const specs: TrailSpec[] = req.specs === undefined ? await loadBaseline(config, homeOpts, deps.baseDir) : validateSpecs(req.specs);
  if (specs.length === 0) {
    throw new ProvisionError({ code: 'InvalidQueryParameter', message: 'No trail specs to apply: the event has none and no baseline is configured.' });
  }

  const dryRun = deps.dryRun ?? config.dryRun;
  const credentials = memberCredentials(config, deps.credentials, req.accountId, deps.env);
  const cloud = createCloud({ region, credentials, env: deps.env, accountId: req.accountId });
  log.info('vending', { specs: specs.map((s) => s.Name), dryRun });

  const settled = await mapSettled(specs, config.concurrency, (spec) =>
    ensureValidTrail(spec, cloud, { dryRun, logger: log, retry: deps.deadline ? { deadline: deps.deadline } : undefined }),
  );
  const outcomes: SpecOutcome[] = settled.map((s, i) =>
    s.ok ? { name: specs[i]!.Name, ok: true, result: s.value } : { name: specs[i]!.Name, ok: false, error: errorSummary(s.error) },
  );
  const result: VendingResult = { accountId: req.accountId, region, origin: req.origin, eventId: req.eventId, dryRun, ok: outcomes.every((o) => o.ok), outcomes };
  for (const o of outcomes) {
    if (o.ok) log.info('spec ensured', { trail: o.name, classification: o.result?.classification, done: o.result?.done });
    else log.error('spec failed', { trail: o.name, code: o.error?.Code, message: o.error?.Message });
  }
  return result;
}

/**
 * Throws when any spec failed, naming each failure, so the async invocation is retried (and
 * lands in the dead-letter destination if it keeps failing). Succeeded specs stay in place.
 */
export function assertVended(result: VendingResult): void {
  const failed = result.outcomes.filter((o) => !o.ok);
  if (failed.length === 0) return;
  const list = failed.map((o) => `${o.name}: ${o.error?.Code} (${o.error?.Message})`).join('; ');
  throw new ProvisionError({
    code: failed[0]!.error?.Code ?? 'InternalError',
    status: 500,
    retryable: true,
    message: `Account ${result.accountId}: ${failed.length} of ${result.outcomes.length} trail specs failed (${list}); the ${result.outcomes.length - failed.length} that succeeded are kept and a re-run is safe.`,
  });
}
