/**
 * The self-service console's static files (console/index.html, console.js, console.css), served on
 * `/`, `/console.js` and `/console.css` with a strict Content-Security-Policy: scripts and styles
 * from this origin only (no inline script or style), requests to this origin only, no framing,
 * no plugins, no form posts elsewhere.
 *
 * Read from disk on the first request for them and kept: selfservice.ts imports this module
 * lazily, so GET /healthz and the API never read them (cold start). The files sit in console/ at
 * the repository root and, in the function bundle, in console/ beside index.js (scripts/build.ts
 * copies them); this module may run from either place, or from a chunk under chunks/.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpResponse } from './selfservice';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

/** The folder holding index.html: console/ beside this module, one or two levels up. */
export function consoleDir(from = path.dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (const up of ['.', '..', '../..']) {
    const dir = path.resolve(from, up, 'console');
    if (existsSync(path.join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

const cache = new Map<string, string>();

export function consoleAsset(urlPath: string): HttpResponse {
  const entry = FILES[urlPath];
  const headers = {
    'content-security-policy': CONSOLE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cache-control': 'no-cache',
  };
  let body = entry ? cache.get(entry.file) : undefined;
  if (entry && body === undefined) {
    const dir = consoleDir();
    if (dir) {
      body = readFileSync(path.join(dir, entry.file), 'utf8');
      cache.set(entry.file, body);
    }
  }
  if (!entry || body === undefined) {
    return { statusCode: 404, headers: { ...headers, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ Code: 'NotFound', Message: 'The console is not part of this deployment.' }) };
  }
  return { statusCode: 200, headers: { ...headers, 'content-type': entry.type }, body };
}
