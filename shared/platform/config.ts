/**
 * Runtime configuration of the three triggers, read once from the environment.
 *
 * Every option is one environment variable, documented on its field below (the README lists
 * them). Invalid values fail fast with a ProvisionError naming the variable, so a bad deployment
 * shows up on the first invocation rather than as odd behaviour later. Secrets (HTTP bearer
 * tokens) are kept only as SHA-256 digests: the object can be logged or serialised safely.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ACCOUNT_ID } from '../core/arn';
import { ProvisionError } from '../core/errors';
import { DEFAULT_MEMBER_ROLE } from './accounts';
import { validateSpecs } from '../core/schema';
import { loadPolicy as loadPolicyFrom, parsePolicyText, type GuardrailPolicy, type PolicySource } from '../core/guardrails';
import { parseRateLimits, type RateLimit } from '../core/pacing';
import { createOssClient } from '../cloud/oss';
import type { ClientOptions } from '../cloud/options';
import type { TrailSpec } from '../core/spec';
import type { Call } from '../core/retry';

/** The FC 3.0 Node.js runtime context (the fields this project reads). */
export interface FcContext {
  requestId?: string;
  region?: string;
  accountId?: string;
  /** The function role's STS credentials (absent when the function has no role). */
  credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string };
  function?: { name?: string; handler?: string; memory?: number; timeout?: number; qualifier?: string };
  service?: { name?: string; logProject?: string; logStore?: string; qualifier?: string };
  logger?: unknown;
}

/** Where the baseline specs (applied to vended accounts and enforced by remediation) come from. */
export type BaselineSource =
  | { kind: 'none' }
  | { kind: 'inline'; specs: TrailSpec[] }
  | { kind: 'file'; path: string }
  | { kind: 'oss'; bucket: string; key: string };

/** Which accounts remediation covers. */
export type AccountsSource = { kind: 'rd' } | { kind: 'list'; ids: string[] };

/** Which member accounts the HTTP API may work in (besides the function's own account, always allowed). */
export type HttpAccounts = { kind: 'none' } | { kind: 'any' } | { kind: 'list'; ids: string[] };

export interface Config {
  /** TRAIL_REGION, else FC_REGION, else ALIBABA_CLOUD_REGION, else cn-hangzhou: the home region (ActionTrail endpoint called = trail HomeRegion, STS/OSS region). */
  region: string;
  /** TRAIL_MEMBER_ROLE (default ResourceDirectoryAccountAccessRole): role assumed in member accounts. */
  memberRole: string;
  /** TRAIL_BASELINE (inline JSON array of specs) | TRAIL_BASELINE_FILE (path, relative to the code package) | TRAIL_BASELINE_OSS ("oss://bucket/key"); at most one. */
  baseline: BaselineSource;
  /**
   * TRAIL_REPORT_OSS ("oss://bucket/prefix", default none): where remediation writes its reports as
   * JSON, <prefix>/<runId>/report.json (inline run), dispatch.json and batch-<n>.json (fan-out),
   * and summary.json, which the last batch to finish writes from all of them.
   */
  reportOss?: { bucket: string; prefix: string };
  /**
   * TRAIL_POLICY (inline JSON) | TRAIL_POLICY_FILE (path, relative to the code package) |
   * TRAIL_POLICY_OSS ("oss://bucket/key"); at most one. The guardrail policy
   * (schemas/guardrail-policy.schema.json); none → the safe defaults (shared/core/guardrails.ts).
   */
  policy: PolicySource;
  /** TRAIL_AUDIT_OSS ("oss://bucket/prefix", default none): where every write's audit record goes, one JSON object per write. */
  auditOss?: { bucket: string; prefix: string };
  /** TRAIL_ACCOUNTS: "rd" (Resource Directory ListAccounts, default) or comma-separated account ids. */
  accounts: AccountsSource;
  /** TRAIL_REGIONS: comma-separated regions where the baseline is enforced (default: the home region). */
  regions: string[];
  /** TRAIL_CONCURRENCY (default 8, 1..64): most accounts / specs worked on at once, everywhere. */
  concurrency: number;
  /** TRAIL_FANOUT_THRESHOLD (default 50): more accounts than this and the timer fans out to async workers. */
  fanoutThreshold: number;
  /** TRAIL_FANOUT_BATCH (default 25): accounts per async worker invocation. */
  fanoutBatch: number;
  /**
   * TRAIL_RATE_LIMITS (default "sts:AssumeRole=100"): the cloud's flow-control limits the run
   * paces itself to, "<service>[:<Action>]=<calls per second per calling account>", comma-separated
   * (shared/core/pacing.ts). APIs not listed are unpaced until they answer with throttling.
   */
  rateLimits: RateLimit[];
  /** TRAIL_WORKER_FUNCTION (default: the invoked function's own name): function the timer fans out to. */
  workerFunction?: string;
  /** TRAIL_VENDING_SOURCE (default acs.custom.account-vending): CloudEvent source of custom vending events. */
  vendingSource: string;
  /**
   * TRAIL_VENDING_ACCOUNTS: which accounts a vending event may act on. "rd" (default): members of
   * this Resource Directory only (Resource Manager GetAccount, before any AssumeRole); "*": any
   * account whose member role trusts us; or comma-separated account ids. Others are refused with
   * 403 AccountNotAllowed and no write.
   */
  vendingAccounts: { kind: 'rd' } | { kind: 'any' } | { kind: 'list'; ids: string[] };
  /**
   * TRAIL_VENDING_FAIL_ON: which failed specs fail a vending invocation, so FC retries it and then
   * sends it to the failure destination. "any" (default): every failure, so each one reaches the
   * dead-letter queue (documented 4xx ones after pointless but harmless retries); "retryable":
   * only throttling, 5xx and unexpected errors; the others are returned and logged at error level.
   */
  vendingFailOn: 'any' | 'retryable';
  /** HTTP trigger options. */
  http: {
    /** TRAIL_HTTP_AUTH: "token" (default; bearer tokens below) or "fc" (FC's signature auth on the trigger, see s.yaml). */
    auth: 'token' | 'fc';
    /**
     * TRAIL_HTTP_TOKENS: comma-separated bearer tokens, each `name:token` (the caller's name in
     * logs, audit records and STS session names) or a bare token (named token-<n>, by position);
     * TRAIL_HTTP_TOKENS_FILE: a file in the code package of `name:sha256hex` lines (token digests).
     * Kept as SHA-256 digests only.
     */
    tokens: ReadonlyArray<{ name: string; digest: Buffer }>;
    /** TRAIL_HTTP_MAX_BODY (default 65536): largest request body accepted, bytes. */
    maxBodyBytes: number;
    /**
     * TRAIL_HTTP_ACCOUNTS: member accounts the HTTP API may work in (x-trail-account-id /
     * ?accountId=, through AssumeRole of TRAIL_MEMBER_ROLE). "none" (default): only the function's
     * own account; "*": any account the member role can be assumed in; or comma-separated account
     * ids. Any other account is refused with 403 AccountNotAllowed before any cloud call.
     */
    accounts: HttpAccounts;
  };
  /** TRAIL_DRY_RUN (default false): plan and report only; requests may override it per call. */
  dryRun: boolean;
  /** TRAIL_DEADLINE_MARGIN_MS (default 10000): time kept back from the function timeout for answering. */
  deadlineMarginMs: number;
}

export const DEFAULT_VENDING_SOURCE = 'acs.custom.account-vending';

/** The error for a bad environment variable: 500 InvalidConfiguration naming it (every option loader uses it). */
export function invalidConfig(variable: string, why: string): ProvisionError {
  return new ProvisionError({
    code: 'InvalidConfiguration',
    status: 500,
    message: `Invalid configuration: ${variable} ${why}.`,
    fields: [{ pointer: `/${variable}`, rule: 'config', message: `${variable} ${why}` }],
  });
}

/** The published limit: STS AssumeRole, 100 calls per second per account (docs/conformance.md, row sts.AssumeRole.rate-limit). */
export const DEFAULT_RATE_LIMITS = 'sts:AssumeRole=100';

function parseRateLimitsVar(env: NodeJS.ProcessEnv): RateLimit[] {
  const raw = env['TRAIL_RATE_LIMITS']?.trim();
  try {
    return parseRateLimits(raw === undefined || raw === '' ? DEFAULT_RATE_LIMITS : raw === 'none' ? '' : raw);
  } catch (e) {
    throw invalidConfig('TRAIL_RATE_LIMITS', `holds ${(e as Error).message}`);
  }
}

function intVar(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return def;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw invalidConfig(name, `must be an integer from ${min} to ${max}`);
  return Number(raw);
}

function boolVar(env: NodeJS.ProcessEnv, name: string, def: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return def;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw invalidConfig(name, 'must be true or false');
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A region id (cn-hangzhou, ap-southeast-1, ...): what may go into an endpoint host name. */
export const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/;

/** SHA-256 digest of a token: what is stored and compared (fixed length, so timingSafeEqual applies). */
export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function parseBaseline(env: NodeJS.ProcessEnv): BaselineSource {
  const set = ['TRAIL_BASELINE', 'TRAIL_BASELINE_FILE', 'TRAIL_BASELINE_OSS'].filter((k) => env[k]?.trim());
  if (set.length > 1) throw invalidConfig(set.join(' and '), 'are exclusive; set only one');
  const inline = env['TRAIL_BASELINE']?.trim();
  if (inline) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(inline);
    } catch {
      throw invalidConfig('TRAIL_BASELINE', 'is not valid JSON (expected an array of trail specs)');
    }
    try {
      return { kind: 'inline', specs: validateSpecs(parsed) };
    } catch (e) {
      const detail = e instanceof ProvisionError ? e.fields.map((f) => `${f.pointer || '/'}: ${f.message}`).join('; ') || e.message : 'invalid';
      throw invalidConfig('TRAIL_BASELINE', `holds invalid specs (${detail})`);
    }
  }
  const file = env['TRAIL_BASELINE_FILE']?.trim();
  if (file) return { kind: 'file', path: file };
  const oss = env['TRAIL_BASELINE_OSS']?.trim();
  if (oss) {
    const m = /^oss:\/\/([a-z0-9][a-z0-9-]{1,61}[a-z0-9])\/(.+)$/.exec(oss);
    if (!m) throw invalidConfig('TRAIL_BASELINE_OSS', 'must look like oss://bucket/key');
    return { kind: 'oss', bucket: m[1]!, key: m[2]! };
  }
  return { kind: 'none' };
}

/** A caller name: what may follow "trail-selfservice-" in an STS RoleSessionName (letters, digits, . @ - _). */
export const CALLER_NAME = /^[A-Za-z0-9.@_-]{1,46}$/;

function parseTokens(env: NodeJS.ProcessEnv, baseDir: string): Config['http']['tokens'] {
  const out: Array<{ name: string; digest: Buffer }> = [];
  list(env['TRAIL_HTTP_TOKENS']).forEach((entry, i) => {
    const m = /^([^:]+):(.+)$/.exec(entry);
    // "name:token" when the part before the colon is a valid name and a full token follows it.
    const named = m && CALLER_NAME.test(m[1]!) && m[2]!.length >= 16;
    const name = named ? m[1]! : `token-${i + 1}`;
    const token = named ? m[2]! : entry;
    if (token.length < 16) throw invalidConfig('TRAIL_HTTP_TOKENS', 'holds a token shorter than 16 characters');
    out.push({ name, digest: tokenDigest(token) });
  });
  const file = env['TRAIL_HTTP_TOKENS_FILE']?.trim();
  if (file) {
    let text: string;
    try {
      text = readFileSync(path.resolve(baseDir, file), 'utf8');
    } catch {
      throw invalidConfig('TRAIL_HTTP_TOKENS_FILE', `cannot be read (${file})`);
    }
    text.split(/\r?\n/).forEach((line, i) => {
      const t = line.trim();
      if (!t || t.startsWith('#')) return;
      const m = /^([^:\s]+):([0-9a-fA-F]{64})$/.exec(t);
      if (!m || !CALLER_NAME.test(m[1]!)) throw invalidConfig('TRAIL_HTTP_TOKENS_FILE', `line ${i + 1} is not name:sha256hex (name: letters, digits, . @ - _, at most 46)`);
      out.push({ name: m[1]!, digest: Buffer.from(m[2]!, 'hex') });
    });
  }
  const names = out.map((t) => t.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw invalidConfig(file ? 'TRAIL_HTTP_TOKENS / TRAIL_HTTP_TOKENS_FILE' : 'TRAIL_HTTP_TOKENS', `name the caller "${dup}" twice`);
  return Object.freeze(out);
}

function parsePolicy(env: NodeJS.ProcessEnv): PolicySource {
  const set = ['TRAIL_POLICY', 'TRAIL_POLICY_FILE', 'TRAIL_POLICY_OSS'].filter((k) => env[k]?.trim());
  if (set.length > 1) throw invalidConfig(set.join(' and '), 'are exclusive; set only one');
  const inline = env['TRAIL_POLICY']?.trim();
  if (inline) return { kind: 'inline', policy: parsePolicyText(inline, 'TRAIL_POLICY') };
  const file = env['TRAIL_POLICY_FILE']?.trim();
  if (file) return { kind: 'file', path: file };
  const oss = env['TRAIL_POLICY_OSS']?.trim();
  if (oss) {
    const m = /^oss:\/\/([a-z0-9][a-z0-9-]{1,61}[a-z0-9])\/(.+)$/.exec(oss);
    if (!m) throw invalidConfig('TRAIL_POLICY_OSS', 'must look like oss://bucket/key');
    return { kind: 'oss', bucket: m[1]!, key: m[2]! };
  }
  return { kind: 'none' };
}

function parseFailOn(env: NodeJS.ProcessEnv): Config['vendingFailOn'] {
  const raw = env['TRAIL_VENDING_FAIL_ON']?.trim().toLowerCase() || 'any';
  if (raw !== 'any' && raw !== 'retryable') throw invalidConfig('TRAIL_VENDING_FAIL_ON', 'must be "any" or "retryable"');
  return raw;
}

function parseReportOss(env: NodeJS.ProcessEnv, variable = 'TRAIL_REPORT_OSS'): Config['reportOss'] {
  const raw = env[variable]?.trim();
  if (!raw) return undefined;
  const m = /^oss:\/\/([a-z0-9][a-z0-9-]{1,61}[a-z0-9])(?:\/([A-Za-z0-9._/-]*))?$/.exec(raw);
  if (!m || (m[2] ?? '').split('/').some((part) => part === '.' || part === '..')) throw invalidConfig(variable, 'must look like oss://bucket/prefix');
  return { bucket: m[1]!, prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

/** Reads and checks every option; throws a ProvisionError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, context?: FcContext): Config {
  const region = (env['TRAIL_REGION'] || env['FC_REGION'] || env['ALIBABA_CLOUD_REGION'] || context?.region || 'cn-hangzhou').trim();
  if (!REGION.test(region)) throw invalidConfig('TRAIL_REGION', `"${region}" is not a region id`);

  const memberRole = env['TRAIL_MEMBER_ROLE']?.trim() || DEFAULT_MEMBER_ROLE;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(memberRole)) throw invalidConfig('TRAIL_MEMBER_ROLE', 'is not a RAM role name');

  const accountsRaw = env['TRAIL_ACCOUNTS']?.trim() || 'rd';
  let accounts: AccountsSource;
  if (accountsRaw.toLowerCase() === 'rd') accounts = { kind: 'rd' };
  else {
    const ids = [...new Set(list(accountsRaw))];
    const bad = ids.find((id) => !/^\d{1,20}$/.test(id));
    if (bad !== undefined || ids.length === 0) throw invalidConfig('TRAIL_ACCOUNTS', 'must be "rd" or comma-separated account ids');
    accounts = { kind: 'list', ids };
  }

  const regions = [...new Set(list(env['TRAIL_REGIONS']))];
  const badRegion = regions.find((r) => !REGION.test(r));
  if (badRegion !== undefined) throw invalidConfig('TRAIL_REGIONS', `holds "${badRegion}", not a region id`);

  const auth = (env['TRAIL_HTTP_AUTH']?.trim().toLowerCase() || 'token') as Config['http']['auth'];
  if (auth !== 'token' && auth !== 'fc') throw invalidConfig('TRAIL_HTTP_AUTH', 'must be "token" or "fc"');
  const tokens = parseTokens(env, process.cwd());

  const httpAccountsRaw = env['TRAIL_HTTP_ACCOUNTS']?.trim() || 'none';
  let httpAccounts: HttpAccounts;
  if (httpAccountsRaw.toLowerCase() === 'none') httpAccounts = { kind: 'none' };
  else if (httpAccountsRaw === '*') httpAccounts = { kind: 'any' };
  else {
    const ids = [...new Set(list(httpAccountsRaw))];
    if (ids.length === 0 || ids.some((id) => !/^\d{1,20}$/.test(id))) throw invalidConfig('TRAIL_HTTP_ACCOUNTS', 'must be "none", "*" or comma-separated account ids');
    httpAccounts = { kind: 'list', ids };
  }

  const vendingRaw = env['TRAIL_VENDING_ACCOUNTS']?.trim() || 'rd';
  let vendingAccounts: Config['vendingAccounts'];
  if (vendingRaw.toLowerCase() === 'rd') vendingAccounts = { kind: 'rd' };
  else if (vendingRaw === '*') vendingAccounts = { kind: 'any' };
  else {
    const ids = [...new Set(list(vendingRaw))];
    if (ids.length === 0 || ids.some((id) => !ACCOUNT_ID.test(id))) throw invalidConfig('TRAIL_VENDING_ACCOUNTS', 'must be "rd", "*" or comma-separated 16-digit account ids');
    vendingAccounts = { kind: 'list', ids };
  }

  const workerFunction = env['TRAIL_WORKER_FUNCTION']?.trim() || context?.function?.name || undefined;

  const config: Config = {
    region,
    memberRole,
    baseline: parseBaseline(env),
    policy: parsePolicy(env),
    reportOss: parseReportOss(env),
    auditOss: parseReportOss(env, 'TRAIL_AUDIT_OSS'),
    accounts,
    regions: regions.length > 0 ? regions : [region],
    concurrency: intVar(env, 'TRAIL_CONCURRENCY', 8, 1, 64),
    fanoutThreshold: intVar(env, 'TRAIL_FANOUT_THRESHOLD', 50, 1, 100_000),
    fanoutBatch: intVar(env, 'TRAIL_FANOUT_BATCH', 25, 1, 1_000),
    rateLimits: parseRateLimitsVar(env),
    workerFunction,
    vendingSource: env['TRAIL_VENDING_SOURCE']?.trim() || DEFAULT_VENDING_SOURCE,
    vendingAccounts,
    vendingFailOn: parseFailOn(env),
    http: {
      auth,
      tokens,
      maxBodyBytes: intVar(env, 'TRAIL_HTTP_MAX_BODY', 64 * 1024, 1, 6 * 1024 * 1024),
      accounts: httpAccounts,
    },
    dryRun: boolVar(env, 'TRAIL_DRY_RUN', false),
    deadlineMarginMs: intVar(env, 'TRAIL_DEADLINE_MARGIN_MS', 10_000, 0, 600_000),
  };
  return config;
}

/**
 * The epoch-ms deadline for cloud retries in this invocation: the function timeout (from the FC
 * context) minus the configured margin, so there is always time left to answer.
 */
export function invocationDeadline(config: Config, context?: FcContext, startedAt = Date.now()): number {
  const timeoutMs = (context?.function?.timeout ?? 120) * 1000;
  return startedAt + Math.max(1_000, timeoutMs - config.deadlineMarginMs);
}

/**
 * Reads the baseline specs, validated; `opts` are the home-region client options (for OSS), and
 * `call` the caller's retrier (a throttled or dropped OSS GET is retried like every cloud call).
 */
export async function loadBaseline(config: Config, opts: ClientOptions, baseDir = process.cwd(), call: Call = (_label, fn) => fn()): Promise<TrailSpec[]> {
  const source = config.baseline;
  switch (source.kind) {
    case 'none':
      return [];
    case 'inline':
      return source.specs;
    case 'file': {
      let text: string;
      try {
        text = await readFile(path.resolve(baseDir, source.path), 'utf8');
      } catch {
        throw invalidConfig('TRAIL_BASELINE_FILE', `cannot be read (${source.path})`);
      }
      return parseSpecsText('TRAIL_BASELINE_FILE', text);
    }
    case 'oss': {
      const oss = createOssClient(opts);
      const text = await call('oss:GetObject', () => oss.getObjectText(source.bucket, source.key));
      if (text === undefined) throw invalidConfig('TRAIL_BASELINE_OSS', `names an object that does not exist (oss://${source.bucket}/${source.key})`);
      return parseSpecsText('TRAIL_BASELINE_OSS', text);
    }
  }
}

/** The guardrail policy in force (TRAIL_POLICY*, else the safe defaults); `opts` are the home-region client options (for OSS). */
export async function loadPolicy(config: Config, opts: ClientOptions, baseDir = process.cwd(), call: Call = (_label, fn) => fn()): Promise<GuardrailPolicy> {
  return loadPolicyFrom(config.policy, (bucket, key) => call('oss:GetObject', () => createOssClient(opts).getObjectText(bucket, key)), baseDir);
}

/** The baseline and the guardrail policy, read together: what a trigger's guard needs (both GETs retried by `call`). */
export async function loadGuardSources(config: Config, opts: ClientOptions, baseDir = process.cwd(), call?: Call): Promise<{ baseline: TrailSpec[]; policy: GuardrailPolicy }> {
  const [baseline, policy] = await Promise.all([loadBaseline(config, opts, baseDir, call), loadPolicy(config, opts, baseDir, call)]);
  return { baseline, policy };
}

function parseSpecsText(variable: string, text: string): TrailSpec[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidConfig(variable, 'does not hold valid JSON (expected an array of trail specs)');
  }
  try {
    return validateSpecs(parsed);
  } catch (e) {
    const detail = e instanceof ProvisionError ? e.fields.map((f) => `${f.pointer || '/'}: ${f.message}`).join('; ') || e.message : 'invalid';
    throw invalidConfig(variable, `holds invalid specs (${detail})`);
  }
}
