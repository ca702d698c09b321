/**
 * The emulator's loopback HTTP server: route → verify signature → inject faults → handle → format.
 *
 * `createEmulator()` starts it in-process (tests, `npm start`); emulator/cli.ts runs it standalone.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { routeByHost, routeByShape } from './hosts';
import { createWorld, type SeedFile, type World, type EmuFunctionHandler } from './state';
import { EmuError, type EmuRequest, type EmuResponse, type ServiceName } from './types';
import { verifyRequest } from './signature';
import { applyFaults } from './faults';
import { enforceRateLimits } from './ratelimits';
import { closeWorkerPools } from './services/fc';
import { SERVICES } from './services';
import { formatError } from './errors';
import { publishActionTrailEvent } from './services/eventbridge';

export interface EmulatorOptions {
  seed?: SeedFile;
  world?: World;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Always a loopback address. */
  host?: string;
  /** Largest request body accepted, bytes. */
  maxBodyBytes?: number;
}

export interface Emulator {
  /** e.g. "http://127.0.0.1:43125" */
  url: string;
  port: number;
  world: World;
  /** Registers in-process code for an FC function (run on InvokeFunction). */
  registerFunction(accountId: string, region: string, name: string, handler: EmuFunctionHandler): void;
  close(): Promise<void>;
}

export async function createEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const world = opts.world ?? createWorld(opts.seed);
  const maxBody = opts.maxBodyBytes ?? 16 * 1024 * 1024;
  const server = http.createServer((req, res) => {
    handle(world, req, res, maxBody).catch((e) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ Code: 'InternalError', Message: String((e as Error)?.message ?? e) }));
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    world,
    registerFunction(accountId, region, name, handler) {
      const existing = world.functions.find((f) => f.accountId === accountId && f.region === region && f.name === name);
      if (existing) existing.handler = handler;
      else world.functions.push({ accountId, region, name, handler });
    },
    close: async () => {
      await closeWorkerPools(world);
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new EmuError(413, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size.'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function singleHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

async function handle(world: World, req: http.IncomingMessage, res: http.ServerResponse, maxBody: number): Promise<void> {
  const requestId = randomUUID().toUpperCase();
  const rawUrl = req.url ?? '/';
  // Proxy-style absolute URLs ("http://host/path") carry the host in the URL.
  const url = new URL(rawUrl, `http://${req.headers.host ?? '127.0.0.1'}`);
  const headers = singleHeaders(req.headers);
  const host = /^https?:\/\//.test(rawUrl) ? url.host : headers['host'] ?? '';
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => (query[k] = v));
  const rawPath = rawUrl.replace(/^https?:\/\/[^/]+/, '').split('?')[0] || '/';
  const route = routeByHost(host) ?? routeByShape(headers, query);
  let service: ServiceName = route?.service ?? 'actiontrail';
  const started = Date.now();
  let emuReq: EmuRequest | undefined;
  try {
    const body = await readBody(req, maxBody);
    if (!route) throw new EmuError(404, 'InvalidApi.NotFound', `No emulated service answers host "${host}".`);
    service = route.service;
    const params: Record<string, string> = { ...query };
    if ((headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') && body.length > 0) {
      new URLSearchParams(body.toString('utf8')).forEach((v, k) => (params[k] = v));
    }
    let path = rawPath;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      /* keep raw */
    }
    let bucket = route.bucket;
    if (service === 'oss' && !bucket) {
      const seg = path.split('/')[1];
      if (seg) bucket = seg;
    }
    emuReq = {
      service,
      method: (req.method ?? 'GET').toUpperCase(),
      path,
      rawPath,
      query,
      headers,
      body,
      host,
      region: route.region ?? headers['x-acs-region-id'] ?? params['RegionId'] ?? world.defaultRegion,
      action: headers['x-acs-action'] ?? params['Action'],
      params,
      project: route.project,
      bucket,
      requestId,
      caller: { accountId: '', accessKeyId: '' },
    };
    emuReq.caller = verifyRequest(emuReq, world);
    enforceRateLimits(emuReq, world);
    const fault = await applyFaults(emuReq, world);
    if (fault === 'drop') {
      req.socket.destroy();
      log(world, emuReq, 0, 'Dropped', started);
      return;
    }
    if (fault === 'stale') emuReq.stale = true;
    const out: EmuResponse = await SERVICES[service](emuReq, world);
    send(res, service, requestId, out);
    log(world, emuReq, out.status, undefined, started);
    if (service === 'actiontrail' && out.status === 200) publishActionTrailEvent(emuReq, world);
  } catch (e) {
    const err = e instanceof EmuError ? e : new EmuError(500, 'InternalError', 'The request processing has failed due to some unknown error.');
    if (!(e instanceof EmuError)) console.error('[emulator] handler crashed:', e);
    const out = formatError(service, err, requestId, host);
    send(res, service, requestId, out);
    log(world, emuReq, err.status, err.code, started, service);
  }
}

function send(res: http.ServerResponse, service: ServiceName, requestId: string, out: EmuResponse): void {
  const headers: Record<string, string> = { ...(out.headers ?? {}) };
  if (service === 'oss') headers['x-oss-request-id'] ??= requestId;
  else if (service === 'sls') headers['x-log-requestid'] ??= requestId;
  else if (service === 'fc') headers['x-fc-request-id'] ??= requestId;
  else headers['x-acs-request-id'] ??= requestId;
  const body = out.body === undefined ? '' : out.body;
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(out.status, headers);
  res.end(body);
}

function log(world: World, req: EmuRequest | undefined, status: number, code: string | undefined, started: number, service?: string): void {
  world.calls.push({
    service: req?.service ?? service ?? 'unknown',
    action: req?.action ?? `${req?.method ?? ''} ${req?.path ?? ''}`.trim(),
    accountId: req?.caller.accountId || undefined,
    status,
    code,
    startedAt: started,
    at: Date.now(),
    request: req && {
      region: req.region,
      method: req.method,
      path: req.bucket && req.path === `/${req.bucket}` ? '/' : req.bucket && req.path.startsWith(`/${req.bucket}/`) ? req.path.slice(req.bucket.length + 1) : req.path,
      query: Object.keys(req.query),
      params: Object.fromEntries(Object.entries(req.params).filter(([k]) => !/signature|accesskey|securitytoken/i.test(k))),
      bucket: req.bucket,
      project: req.project,
    },
  });
}
