/**
 * The self-service HTTP API over a plain request/response pair (the FC HTTP trigger adapter and
 * the local node:http server both map to it). Routes (docs/openapi.yaml describes them):
 *
 *   GET  /healthz (and HEAD)       liveness; no auth, no cloud call
 *   GET  /schema                   the trail spec JSON Schema
 *   GET  /trails                   DescribeTrails (with Status)
 *   POST /trails[?dryRun=true]     ensure a spec: 201 when created, 200 otherwise (dryRun: the plan)
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
 * unless TRAIL_HTTP_AUTH=fc; nothing reaches the cloud before that check. `x-trail-account-id`
 * (or ?accountId=) works in a member account through AssumeRole, only for the accounts
 * TRAIL_HTTP_ACCOUNTS allows (default none: 403 AccountNotAllowed, no cloud call). Errors are the
 * ActionTrail envelope {RequestId, Code, Message[, Errors]} with the documented status; never a
 * stack trace.
 */
import { timingSafeEqual } from 'node:crypto';
import { createCloud } from '../cloud';
import { tokenDigest, type Config } from '../platform/config';
import { ProvisionError } from '../core/errors';
import { silentLogger, type Logger } from '../platform/log';
import { ensureTrail } from '../core/provisioner';
import { retrier, type Call } from '../core/retry';
import { trailSpecSchema } from '../core/schema';
import { memberCredentials } from '../platform/accounts';
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
}

const TRAIL_NAME = /^[a-z][a-z0-9_-]{5,35}$/;

function json(statusCode: number, body: unknown, extra: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra }, body: JSON.stringify(body) };
}

function errorResponse(e: ProvisionError, requestId: string): HttpResponse {
  const extra: Record<string, string> = e.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
  return json(e.status, e.toEnvelope(requestId), extra);
}

/**
 * True when the Authorization header carries one of the configured tokens. Compares SHA-256
 * digests with timingSafeEqual against every token (no early exit), so timing reveals neither
 * the tokens nor which one matched.
 */
export function isAuthorized(header: string | undefined, digests: readonly Buffer[]): boolean {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  if (!m || digests.length === 0) return false;
  const presented = tokenDigest(m[1]!);
  let ok = false;
  for (const d of digests) ok = timingSafeEqual(presented, d) || ok;
  return ok;
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
  if (!isAccountAllowed(accountId, deps.config.http.accounts)) {
    deps.logger?.warn('account not allowed', { accountId });
    throw new ProvisionError({ code: 'AccountNotAllowed', message: `The self-service API is not allowed to work in account ${accountId} (TRAIL_HTTP_ACCOUNTS).` });
  }
  const credentials = memberCredentials(deps.config, deps.credentials, accountId, deps.env);
  return createCloud({ region: deps.config.region, credentials, env: deps.env, accountId });
}

/** Runs one cloud call with retries (throttling, 5xx, network) bounded by the request's deadline, as POST /trails does. */
function retrying(deps: SelfServiceDeps): Call {
  return retrier(deps.deadline ? { deadline: deps.deadline } : {}, deps.logger).call;
}

type Route = (req: HttpRequest, deps: SelfServiceDeps, params: string[]) => Promise<HttpResponse>;

/** Methods /healthz answers (HEAD for probes that only look at the status). */
const HEALTHZ_METHODS: readonly string[] = ['GET', 'HEAD'];

/** `path` is the OpenAPI path template of the route (docs/openapi.yaml). */
const routes: Array<{ path: string; pattern: RegExp; methods: Record<string, Route> }> = [
  {
    path: '/schema',
    pattern: /^\/schema$/,
    methods: { GET: async () => json(200, trailSpecSchema) },
  },
  {
    path: '/trails',
    pattern: /^\/trails$/,
    methods: {
      GET: async (req, deps) => {
        const cloud = cloudFor(req, deps);
        // Organization trails too, as GET /trails/{name} finds them.
        const trails = await retrying(deps)('actiontrail:DescribeTrails', () => cloud.actiontrail.describeTrails({ includeOrganizationTrail: true }));
        return json(200, { RequestId: req.requestId, TrailList: trails });
      },
      POST: async (req, deps) => {
        const cloud = cloudFor(req, deps);
        const body = parseJsonBody(req, deps.config);
        const dryRun = flag(req.query['dryRun']) ?? deps.config.dryRun;
        const result = await ensureTrail(body, cloud, {
          dryRun,
          logger: deps.logger,
          retry: deps.deadline ? { deadline: deps.deadline } : undefined,
        });
        return json(result.done.includes('CreateTrail') ? 201 : 200, { RequestId: req.requestId, ...result });
      },
    },
  },
  {
    path: '/trails/{name}',
    pattern: /^\/trails\/([^/]+)$/,
    methods: {
      GET: async (req, deps, [name]) => {
        const cloud = cloudFor(req, deps);
        const call = retrying(deps);
        const trails = await call('actiontrail:DescribeTrails', () => cloud.actiontrail.describeTrails({ names: [name!], includeOrganizationTrail: true }));
        const trail = trails.find((t) => t.Name === name);
        if (!trail) throw new ProvisionError({ code: 'TrailNotFoundException' });
        const { RequestId: _r, ...status } = await call('actiontrail:GetTrailStatus', () => cloud.actiontrail.getTrailStatus(name!, Boolean(trail.IsOrganizationTrail)));
        return json(200, { RequestId: req.requestId, Trail: trail, Status: trail.Status, ...status });
      },
    },
  },
  {
    path: '/trails/{name}/logging',
    pattern: /^\/trails\/([^/]+)\/logging$/,
    methods: {
      POST: async (req, deps, [name]) => {
        const cloud = cloudFor(req, deps);
        // StartLogging is idempotent (a logging trail stays logging), so retrying it is safe.
        const started = await retrying(deps)('actiontrail:StartLogging', () => cloud.actiontrail.startLogging(name!));
        return json(200, { RequestId: started.RequestId || req.requestId, Name: name });
      },
    },
  },
  {
    path: '/accounts',
    pattern: /^\/accounts$/,
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
    const fn = r.methods[req.method.toUpperCase()];
    if (!fn) throw new ProvisionError({ code: 'MethodNotAllowed' });
    return fn(req, deps, params);
  }
  throw new ProvisionError({ code: 'NotFound' });
}

/** Answers one request; never throws and never leaks a stack trace. */
export async function handleHttp(req: HttpRequest, deps: SelfServiceDeps): Promise<HttpResponse> {
  const log = (deps.logger ?? silentLogger).child({ requestId: req.requestId, method: req.method, path: req.path });
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
  if (deps.config.http.auth === 'token' && !isAuthorized(req.headers['authorization'], deps.config.http.tokenDigests)) {
    log.warn('unauthorized');
    return errorResponse(new ProvisionError({ code: 'Unauthorized' }), req.requestId);
  }
  try {
    // Routes log through the request-scoped logger, so every line carries the request id.
    const res = await route({ ...req, path }, { ...deps, logger: log });
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
