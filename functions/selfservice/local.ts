/**
 * A local HTTP server for the self-service API (`npm start`): each node:http request becomes an
 * FC 3.0 HTTP trigger event, the same handler FC runs answers it, and the FC response becomes
 * the HTTP response. Listens on loopback only.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { FcContext } from '../../shared/platform/config';
import type { FcHttpEvent, FcHttpResponse } from './event';

export type FcHttpHandler = (event: Buffer, context: FcContext) => Promise<FcHttpResponse>;

/** Largest body read (FC's own HTTP trigger limit is larger; the handler enforces TRAIL_HTTP_MAX_BODY). */
const READ_LIMIT = 8 * 1024 * 1024;

export function createLocalHttpServer(handler: FcHttpHandler, port = 0, context: Omit<FcContext, 'requestId'> = {}): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= READ_LIMIT) chunks.push(c);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const requestId = randomUUID();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const query: Record<string, string> = {};
      url.searchParams.forEach((v, k) => (query[k] = k in query ? `${query[k]},${v}` : v));
      const body = size > READ_LIMIT ? Buffer.alloc(READ_LIMIT + 1) : Buffer.concat(chunks);
      let path = url.pathname;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        /* keep encoded */
      }
      const event: FcHttpEvent = {
        version: 'v1',
        rawPath: url.pathname,
        body: body.toString('base64'),
        isBase64Encoded: true,
        headers,
        queryParameters: query,
        requestContext: {
          accountId: context.accountId,
          domainName: headers['host'],
          http: { method: req.method ?? 'GET', path, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress, userAgent: headers['user-agent'] },
          requestId,
          time: new Date().toISOString(),
          timeEpoch: String(Date.now()),
        },
      };
      handler(Buffer.from(JSON.stringify(event)), { ...context, requestId })
        .then((out) => {
          const payload = out.isBase64Encoded ? Buffer.from(out.body, 'base64') : Buffer.from(out.body ?? '', 'utf8');
          res.writeHead(out.statusCode, { ...out.headers, 'content-length': String(payload.length) });
          res.end(payload);
        })
        .catch(() => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ RequestId: requestId, Code: 'InternalError', Message: 'The request processing has failed due to some unknown error.' }));
        });
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
