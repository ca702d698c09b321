/**
 * The self-service HTTP API over a plain request/response pair (the FC HTTP trigger adapter and
 * the local node:http server both map to it). Routes (docs/openapi.yaml describes them):
 *
 *   GET  /healthz (and HEAD)       liveness; no auth, no cloud call
 *   GET  /schema                   the trail spec JSON Schema
 *   GET  /trails                   DescribeTrails (with Status)
 *   POST /trails[?dryRun=true]     ensure a spec: 201 when created, 200 otherwise (dryRun: the plan; 403/409 with the plan when the policy refuses it)
 *   GET  /trails/{name}            the trail, its Status, IsLogging and last delivery errors
 *   POST /trails/{name}/logging    StartLogging
 *   GET  /accounts                 the accounts the caller may work in (TRAIL_HTTP_ACCOUNTS); no cloud call
 *   GET  /reports/latest[/report.csv]  the latest remediation report (TRAIL_REPORT_OSS), JSON or CSV
 *   GET  / , /console.js, /console.css  the console (static, no auth; read from console/ on first use)
 *
 * Every cloud call is retried on throttling, 5xx and network errors (shared/core/retry.ts) until the
 * request's deadline, so one throttled call does not become a user-facing error.
 *
 * Every route but /healthz needs `Authorization: Bearer <token>` (constant-time digest match)
 * unless TRAIL_HTTP_AUTH=fc; nothing reaches the cloud before that check. The token names the
 * caller: on every log line of the request, in audit records, and in the STS session name
 * (trail-selfservice-<caller>). `x-trail-account-id` (or ?accountId=) works in a member account
 * through AssumeRole, only for the accounts TRAIL_HTTP_ACCOUNTS allows (default none: 403
 * AccountNotAllowed, no cloud call); a role that cannot be assumed answers the same. Query
 * parameters a route does not define are 400 InvalidQueryParameter before any cloud call. POST
 * /trails applies the guardrail policy (shared/core/guardrails.ts, through ensureTrail): 403
 * PolicyViolation / 409 ProtectedTrail, nothing written. Errors are the ActionTrail envelope
 * {RequestId, Code, Message[, Errors (first 20), ErrorCount]} with the documented status; never a
 * stack trace nor a cloud service's own message; throttling 429 and unavailability 503 carry
 * Retry-After.
 */
import { timingSafeEqual } from 'node:crypto';
import { createCloud } from '../cloud';
import { loadGuardSources, tokenDigest, type Config } from '../platform/config';
import { ProvisionError } from '../core/errors';
import { silentLogger, type Logger } from '../platform/log';
import { ensureTrail, type AuditRecord } from '../core/provisioner';
import { isProtectedTrail, policyError, type GuardrailPolicy } from '../core/guardrails';
import type { TrailRecord, TrailSpec } from '../core/spec';
import { retrier, type Call } from '../core/retry';
import { trailSpecSchema } from '../core/schema';
import { memberCredentials, roleSessionName } from '../platform/accounts';
import { auditSink } from '../platform/audit';
import type { Cloud, CredentialsProvider } from '../cloud/types';

export interface HttpRequest {
  method: string;
  /** Decoded path, without query string. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  query: Record<string, string>;
  body: Buffer;
  requestId: string;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface SelfServiceDeps {
  config: Config;
  /** The function's own credentials (base for AssumeRole into member accounts). */
  credentials: CredentialsProvider;
  /** The function's own account (FC context.accountId): lets preflight check write roles there. */
  selfAccountId?: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Retry deadline, epoch ms. */
  deadline?: number;
  /** Directory TRAIL_BASELINE_FILE / TRAIL_POLICY_FILE are relative to. */
  baseDir?: string;
  /** The authenticated caller's name (set by handleHttp; logs, audit records, STS session name). */
  caller?: string;
}

/** Caller name when TRAIL_HTTP_AUTH=fc (FC's signature auth on the trigger names no caller here). */
export const FC_AUTH_CALLER = 'fc-signed';

const TRAIL_NAME = /^[a-z][a-z0-9_-]{5,35}$/;

function json(statusCode: number, body: unknown, extra: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra }, body: JSON.stringify(body) };
}

/** Seconds a throttled or unavailable caller is told to wait (Retry-After). */
export const RETRY_AFTER_SECONDS = 2;

/** Throttling as each service spells it (after every retry ran out). */
const THROTTLING = /^Throttling|^SlowDown$|QuotaExceed|^ServerBusy$/;

/**
 * The answer for an error: throttling that outlasted the retries → 429 Throttling, any other
 * retryable failure (5xx, network) → 503 ServiceUnavailable, both with Retry-After; otherwise the
 * error's own code and status. The message is never a cloud service's own text (publicMessage).
 */
function errorResponse(e: ProvisionError, requestId: string): HttpResponse {
  if (e.retryable && e.code !== 'DeadlineExceeded') {
    const code = THROTTLING.test(e.code) ? 'Throttling' : 'ServiceUnavailable';
    const mapped = new ProvisionError({ code, requestId: e.requestId });
    return json(mapped.status, mapped.toEnvelope(requestId), { 'retry-after': String(RETRY_AFTER_SECONDS) });
  }
  const extra: Record<string, string> = e.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
  return json(e.status, e.toEnvelope(requestId), extra);
}

/**
 * The name of the caller whose token the Authorization header carries, or undefined. Compares
 * SHA-256 digests with timingSafeEqual against every token (no early exit), so timing reveals
 * neither the tokens nor which one matched.
 */
export function authorizedCaller(header: string | undefined, tokens: Config['http']['tokens']): string | undefined {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  if (!m || tokens.length === 0) return undefined;
  const presented = tokenDigest(m[1]!);
  let who: string | undefined;
  for (const t of tokens) if (timingSafeEqual(presented, t.digest) && who === undefined) who = t.name;
  return who;
}

/** True when the Authorization header carries one of the configured token digests. */
export function isAuthorized(header: string | undefined, digests: readonly Buffer[]): boolean {
  return authorizedCaller(header, digests.map((digest, i) => ({ name: `token-${i + 1}`, digest }))) !== undefined;
}

function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

function parseJsonBody(req: HttpRequest, config: Config): unknown {
  if (req.body.length > config.http.maxBodyBytes) {
    throw new ProvisionError({ code: 'PayloadTooLarge', message: `The request body is larger than ${config.http.maxBodyBytes} bytes.` });
  }
  if (!isJson(req.headers['content-type'])) throw new ProvisionError({ code: 'UnsupportedMediaType' });
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch {
    throw new ProvisionError({
      code: 'InvalidQueryParameter',
      status: 400,
      message: 'The request body is not valid JSON.',
      fields: [{ pointer: '', rule: 'json', message: 'The request body is not valid JSON.' }],
    });
  }
}

/** Refuses query parameters a route does not define (a misspelt ?DryRun=true must not write). */
function checkQuery(req: HttpRequest, allowed: readonly string[]): void {
  const unknown = Object.keys(req.query).filter((k) => !allowed.includes(k));
  if (unknown.length === 0) return;
  const shown = unknown.slice(0, 5).map((k) => (k.length > 40 ? `${k.slice(0, 40)}…` : k));
  throw new ProvisionError({
    code: 'InvalidQueryParameter',
    status: 400,
    message: `Unknown query parameter(s): ${shown.join(', ')}${unknown.length > shown.length ? ` and ${unknown.length - shown.length} more` : ''}. This route accepts ${allowed.length > 0 ? allowed.join(', ') : 'none'}; nothing was done.`,
    fields: unknown.map((k) => ({ pointer: `/query/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, rule: 'unknownQueryParameter', message: `?${k.length > 40 ? `${k.slice(0, 40)}…` : k} is not a parameter of this route` })),
  });
}

function flag(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === '') return true;
  if (v === 'false' || v === '0') return false;
  throw new ProvisionError({
    code: 'InvalidQueryParameter',
    message: 'dryRun must be true or false.',
    fields: [{ pointer: '/dryRun', rule: 'type', message: 'dryRun must be true or false' }],
  });
}

/** True when TRAIL_HTTP_ACCOUNTS lets the HTTP API work in member account `accountId`. */
export function isAccountAllowed(accountId: string, allowed: Config['http']['accounts']): boolean {
  switch (allowed.kind) {
    case 'any':
      return true;
    case 'list':
      return allowed.ids.includes(accountId);
    case 'none':
      return false;
  }
}

/**
 * The Cloud for this request: the function's own account, or a member account via AssumeRole
 * when TRAIL_HTTP_ACCOUNTS allows it. Makes no cloud call itself (credentials are assumed on first
 * use), so a refused account costs none; routes call it before reading the body.
 */
function cloudFor(req: HttpRequest, deps: SelfServiceDeps): Cloud {
  const accountId = req.headers['x-trail-account-id'] ?? req.query['accountId'];
  const own = () => createCloud({ region: deps.config.region, credentials: deps.credentials, env: deps.env, accountId: deps.selfAccountId });
  // The function's own account, by no header or by its own id: no AssumeRole, always allowed.
  if (accountId === undefined || accountId === '' || accountId === deps.selfAccountId) return own();
  if (!/^\d{1,20}$/.test(accountId)) {
    throw new ProvisionError({
      code: 'InvalidQueryParameter',
      message: 'The account id must be digits.',
      fields: [{ pointer: '/accountId', rule: 'pattern', message: 'accountId must be a numeric account id' }],
    });
  }
  const denied = () => new ProvisionError({ code: 'AccountNotAllowed', message: `The self-service API is not allowed to work in account ${accountId}.` });
  if (!isAccountAllowed(accountId, deps.config.http.accounts)) {
    deps.logger?.warn('account not allowed', { accountId });
    throw denied();
  }
  const assumed = memberCredentials(deps.config, deps.credentials, accountId, deps.env, roleSessionName('selfservice', deps.caller));
  // An AssumeRole that is refused (no such role, not trusted, a malformed ARN) answers exactly like
  // an account TRAIL_HTTP_ACCOUNTS refuses: the caller learns nothing about which roles exist.
  // Throttling and 5xx stay what they are (429/503: try again).
  const credentials: CredentialsProvider = async () => {
    try {
      return await assumed();
    } catch (e) {
      if (e instanceof ProvisionError && e.retryable) throw e;
      deps.logger?.warn('member role cannot be assumed', { accountId, code: e instanceof ProvisionError ? e.code : 'unknown' });
      throw denied();
    }
  };
  return createCloud({ region: deps.config.region, credentials, env: deps.env, accountId });
}

/** The baseline (its names are protected) and the guardrail policy, read per request (retried like every call). */
async function guardInputs(deps: SelfServiceDeps): Promise<{ baseline: TrailSpec[]; policy: GuardrailPolicy }> {
  const home = { region: deps.config.region, credentials: deps.credentials, env: deps.env };
  const call = retrying(deps);
  return loadGuardSources(deps.config, home, deps.baseDir, call);
}

/** A trail as listed, with Protected: whether the guardrail policy keeps every caller here from changing it. */
function marked(t: TrailRecord, rules: { baseline: TrailSpec[]; policy: GuardrailPolicy }): TrailRecord & { Protected: boolean } {
  return { ...t, Protected: isProtectedTrail(rules.policy, rules.baseline, t.Name, Boolean(t.IsOrganizationTrail)) };
}

/** Runs one cloud call with retries (throttling, 5xx, network) bounded by the request's deadline, as POST /trails does. */
function retrying(deps: SelfServiceDeps): Call {
  return retrier(deps.deadline ? { deadline: deps.deadline } : {}, deps.logger).call;
}

type Route = (req: HttpRequest, deps: SelfServiceDeps, params: string[]) => Promise<HttpResponse>;

/** The query parameters each route accepts (anything else: 400 InvalidQueryParameter). */
const ACCOUNT_QUERY = ['accountId'] as const;

/** Methods /healthz answers (HEAD for probes that only look at the status). */
const HEALTHZ_METHODS: readonly string[] = ['GET', 'HEAD'];

/** `path` is the OpenAPI path template of the route (docs/openapi.yaml). */
const routes: Array<{ path: string; pattern: RegExp; query: Record<string, readonly string[]>; methods: Record<string, Route> }> = [
  {
    path: '/schema',
    pattern: /^\/schema$/,
    query: { GET: [] },
    methods: { GET: async () => json(200, trailSpecSchema) },
  },
  {
    path: '/trails',
    pattern: /^\/trails$/,
    query: { GET: ACCOUNT_QUERY, POST: [...ACCOUNT_QUERY, 'dryRun'] },
    methods: {
      GET: async (req, deps) => {
        const cloud = cloudFor(req, deps);
        // Organization trails too, as GET /trails/{name} finds them.
        const [trails, rules] = await Promise.all([retrying(deps)('actiontrail:DescribeTrails', () => cloud.actiontrail.describeTrails({ includeOrganizationTrail: true })), guardInputs(deps)]);
        return json(200, { RequestId: req.requestId, TrailList: trails.map((t) => marked(t, rules)) });
      },
      POST: async (req, deps) => {
        const cloud = cloudFor(req, deps);
        const body = parseJsonBody(req, deps.config);
        const dryRun = flag(req.query['dryRun']) ?? deps.config.dryRun;
        const { baseline, policy } = await guardInputs(deps);
        const result = await ensureTrail(body, cloud, {
          dryRun,
          logger: deps.logger,
          retry: deps.deadline ? { deadline: deps.deadline } : undefined,
          guard: { policy, baseline, caller: { kind: 'selfservice', name: deps.caller ?? 'anonymous' } },
          audit: auditSink(deps.config, { credentials: deps.credentials, env: deps.env, logger: deps.logger, deadline: deps.deadline }),
        });
        if (result.violations && result.violations.length > 0) {
          // A dry run the policy would refuse: the refusal it would get, with the plan.
          const refusal = policyError(result.name, result.violations);
          return json(refusal.status, { ...refusal.toEnvelope(req.requestId), Plan: { RequestId: req.requestId, ...result } });
        }
        return json(result.done.includes('CreateTrail') ? 201 : 200, { RequestId: req.requestId, ...result });
      },
    },
  },
  {
    path: '/trails/{name}',
    pattern: /^\/trails\/([^/]+)$/,
    query: { GET: ACCOUNT_QUERY },
    methods: {
      GET: async (req, deps, [name]) => {
        const cloud = cloudFor(req, deps);
        const call = retrying(deps);
        const [trails, rules] = await Promise.all([call('actiontrail:DescribeTrails', () => cloud.actiontrail.describeTrails({ names: [name!], includeOrganizationTrail: true })), guardInputs(deps)]);
        const trail = trails.find((t) => t.Name === name);
        if (!trail) throw new ProvisionError({ code: 'TrailNotFoundException' });
        const { RequestId: _r, ...status } = await call('actiontrail:GetTrailStatus', () => cloud.actiontrail.getTrailStatus(name!, Boolean(trail.IsOrganizationTrail)));
        return json(200, { RequestId: req.requestId, Trail: marked(trail, rules), Status: trail.Status, ...status });
      },
    },
  },
  {
    path: '/trails/{name}/logging',
    pattern: /^\/trails\/([^/]+)\/logging$/,
    query: { POST: ACCOUNT_QUERY },
    methods: {
      POST: async (req, deps, [name]) => {
        const cloud = cloudFor(req, deps);
        // StartLogging is idempotent (a logging trail stays logging), so retrying it is safe. It
        // only ever strengthens a trail, so the guardrail policy has nothing to refuse here.
        const started = await retrying(deps)('actiontrail:StartLogging', () => cloud.actiontrail.startLogging(name!));
        const record: AuditRecord = {
          time: new Date().toISOString(),
          caller: deps.caller ?? 'anonymous',
          callerKind: 'selfservice',
          accountId: cloud.accountId,
          region: cloud.region,
          trail: name!,
          action: 'StartLogging',
          requestId: started.RequestId,
          // The state before is not read (the route makes one call); after it, the trail logs.
          before: {},
          after: { Status: 'Enable' },
        };
        deps.logger?.info('audit', { audit: record });
        try {
          await auditSink(deps.config, { credentials: deps.credentials, env: deps.env, logger: deps.logger, deadline: deps.deadline })?.(record);
        } catch (e) {
          deps.logger?.error('audit record not stored', { action: 'StartLogging', error: e instanceof ProvisionError ? { code: e.code, message: e.message } : String(e) });
        }
        return json(200, { RequestId: started.RequestId || req.requestId, Name: name });
      },
    },
  },
  {
    path: '/accounts',
    pattern: /^\/accounts$/,
    query: {},
    methods: {
      GET: async (req, deps) => {
        const allowed = deps.config.http.accounts;
        const accounts = [
          ...(deps.selfAccountId ? [{ AccountId: deps.selfAccountId, Own: true }] : []),
          ...(allowed.kind === 'list' ? allowed.ids.filter((id) => id !== deps.selfAccountId).map((id) => ({ AccountId: id, Own: false })) : []),
        ];
        return json(200, { RequestId: req.requestId, Accounts: accounts, AnyAccount: allowed.kind === 'any' });
      },
    },
  },
  {
    path: '/reports/latest',
    pattern: /^\/reports\/latest$/,
    query: {},
    methods: {
      GET: async (req, deps) => {
        const report = await latestReport(deps);
        const { reportRows } = await import('./report');
        return json(200, { RequestId: req.requestId, Report: report, Rows: reportRows(report) });
      },
    },
  },
  {
    path: '/reports/latest/report.csv',
    pattern: /^\/reports\/latest\/report\.csv$/,
    query: {},
    methods: {
      GET: async (_req, deps) => {
        const { reportCsv } = await import('./report-csv');
        const csv = reportCsv(await latestReport(deps));
        return { statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="report.csv"', 'cache-control': 'no-store' }, body: csv };
      },
    },
  },
];

/** The latest remediation report in TRAIL_REPORT_OSS (the function's own account), or 404 NotFound. */
async function latestReport(deps: SelfServiceDeps) {
  const target = deps.config.reportOss;
  if (!target) throw new ProvisionError({ code: 'NotFound', message: 'No remediation reports: TRAIL_REPORT_OSS is not set.' });
  const [{ createOssClient }, { readLatestReport }] = await Promise.all([import('../cloud/oss'), import('./report-store')]);
  const oss = createOssClient({ region: deps.config.region, credentials: deps.credentials, env: deps.env });
  const report = await readLatestReport(oss, target, retrying(deps));
  if (!report) throw new ProvisionError({ code: 'NotFound', message: 'No remediation report has been written yet.' });
  return report;
}

/** The console's files: public, static, no cloud call (shared/triggers/console-assets.ts). */
const CONSOLE_PATHS: readonly string[] = ['/', '/console.js', '/console.css'];

/** The served routes: OpenAPI path template → methods (docs/openapi.yaml documents exactly these). */
export function servedRoutes(): Record<string, string[]> {
  return Object.fromEntries([['/healthz', [...HEALTHZ_METHODS]], ...CONSOLE_PATHS.map((p) => [p, ['GET']]), ...routes.map((r) => [r.path, Object.keys(r.methods)])]);
}

async function route(req: HttpRequest, deps: SelfServiceDeps): Promise<HttpResponse> {
  for (const r of routes) {
    const m = r.pattern.exec(req.path);
    if (!m) continue;
    const params = m.slice(1).map((p) => p ?? '');
    if (params.length > 0 && !TRAIL_NAME.test(params[0]!)) {
      throw new ProvisionError({
        code: 'InvalidTrailNameException',
        fields: [{ pointer: '/Name', rule: 'pattern', message: '/Name must match ^[a-z][a-z0-9_-]{5,35}$' }],
      });
    }
    const method = req.method.toUpperCase();
    const fn = r.methods[method];
    if (!fn) throw new ProvisionError({ code: 'MethodNotAllowed' });
    checkQuery(req, r.query[method] ?? []);
    return fn(req, deps, params);
  }
  throw new ProvisionError({ code: 'NotFound' });
}

/** Answers one request; never throws and never leaks a stack trace. */
export async function handleHttp(req: HttpRequest, deps: SelfServiceDeps): Promise<HttpResponse> {
  const anonymous = (deps.logger ?? silentLogger).child({ requestId: req.requestId, method: req.method, path: req.path });
  const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
  if (path === '/healthz') {
    return HEALTHZ_METHODS.includes(req.method.toUpperCase())
      ? json(200, { status: 'ok' })
      : errorResponse(new ProvisionError({ code: 'MethodNotAllowed' }), req.requestId);
  }
  if (CONSOLE_PATHS.includes(path)) {
    if (req.method.toUpperCase() !== 'GET') return errorResponse(new ProvisionError({ code: 'MethodNotAllowed' }), req.requestId);
    // Loaded on first use, so /healthz and the API never read the console's files.
    const { consoleAsset } = await import('./console-assets');
    return consoleAsset(path);
  }
  const caller = deps.config.http.auth === 'token' ? authorizedCaller(req.headers['authorization'], deps.config.http.tokens) : FC_AUTH_CALLER;
  if (caller === undefined) {
    anonymous.warn('unauthorized');
    return errorResponse(new ProvisionError({ code: 'Unauthorized' }), req.requestId);
  }
  // Every line from here on names the caller (and the request id).
  const log = anonymous.child({ caller });
  try {
    const res = await route({ ...req, path }, { ...deps, logger: log, caller });
    log.info('answered', { status: res.statusCode });
    return res;
  } catch (e) {
    if (e instanceof ProvisionError) {
      log.info('answered with error', { status: e.status, code: e.code });
      return errorResponse(e, req.requestId);
    }
    log.error('unexpected failure', { error: e });
    return errorResponse(new ProvisionError({ code: 'InternalError' }), req.requestId);
  }
}
