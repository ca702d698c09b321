/**
 * A loopback webhook receiver that records every delivery (for tests and `npm start`), answering
 * like a generic webhook (200 {}) or like a DingTalk custom robot: 200 with {errcode, errmsg};
 * with a signing secret it checks timestamp (ms, within an hour) and sign =
 * base64(HmacSHA256(secret, timestamp + "\n" + secret)) as DingTalk documents, answering errcode
 * 310000 "sign not match" otherwise. `failNext(n)` makes the next n deliveries fail with 503.
 */
import http from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface WebhookDelivery {
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  at: number;
  status: number;
}

export interface WebhookReceiver {
  url: string;
  deliveries: WebhookDelivery[];
  failNext(n: number): void;
  close(): Promise<void>;
}

export async function createWebhookReceiver(opts: { dingtalkSecret?: string } = {}): Promise<WebhookReceiver> {
  const deliveries: WebhookDelivery[] = [];
  let failures = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const query: Record<string, string> = {};
      url.searchParams.forEach((v, k) => (query[k] = v));
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      let status = 200;
      let answer: Record<string, unknown> = opts.dingtalkSecret !== undefined ? { errcode: 0, errmsg: 'ok' } : {};
      if (failures > 0) {
        failures--;
        status = 503;
        answer = { message: 'unavailable' };
      } else if (opts.dingtalkSecret !== undefined) {
        const ts = Number(query['timestamp']);
        const expected = createHmac('sha256', opts.dingtalkSecret).update(`${query['timestamp']}\n${opts.dingtalkSecret}`, 'utf8').digest('base64');
        const given = Buffer.from(query['sign'] ?? '');
        const ok = Number.isFinite(ts) && Math.abs(Date.now() - ts) < 3_600_000 && given.length === Buffer.byteLength(expected) && timingSafeEqual(given, Buffer.from(expected));
        if (!ok) answer = { errcode: 310000, errmsg: 'sign not match' };
      }
      deliveries.push({ path: url.pathname, query, headers, body, at: Date.now(), status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    failNext(n) {
      failures = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
