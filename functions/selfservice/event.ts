/**
 * FC 3.0 HTTP trigger event and response, for built-in runtimes
 * (https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/http-trigger-invoking-function):
 * the request arrives as JSON {version: "v1", rawPath, body, isBase64Encoded, headers,
 * queryParameters, requestContext{accountId, domainName, domainPrefix, http{method, path,
 * protocol, sourceIp, userAgent}, requestId, time, timeEpoch}}; the function answers
 * {statusCode, headers, body, isBase64Encoded}.
 */
import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponse } from '../../shared/triggers/selfservice';

export interface FcHttpEvent {
  version?: string;
  rawPath?: string;
  body?: string;
  isBase64Encoded?: boolean;
  headers?: Record<string, string>;
  queryParameters?: Record<string, string>;
  requestContext?: {
    accountId?: string;
    domainName?: string;
    domainPrefix?: string;
    http?: { method?: string; path?: string; protocol?: string; sourceIp?: string; userAgent?: string };
    requestId?: string;
    time?: string;
    timeEpoch?: string;
  };
}

export interface FcHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/** The plain request the router works on; undefined when the event is not an HTTP trigger event. */
export function parseHttpEvent(event: Buffer | string, fallbackRequestId?: string): HttpRequest | undefined {
  let ev: FcHttpEvent;
  try {
    ev = JSON.parse(Buffer.isBuffer(event) ? event.toString('utf8') : event) as FcHttpEvent;
  } catch {
    return undefined;
  }
  if (!ev || typeof ev !== 'object' || (typeof ev.rawPath !== 'string' && typeof ev.requestContext?.http?.path !== 'string')) return undefined;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(ev.headers ?? {})) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(ev.queryParameters ?? {})) if (typeof v === 'string') query[k] = v;
  let path = ev.requestContext?.http?.path;
  if (typeof path !== 'string') {
    try {
      path = decodeURIComponent(ev.rawPath!);
    } catch {
      path = ev.rawPath!;
    }
  }
  // A method that is present but not a string is not an HTTP trigger event (it cannot be routed).
  const method: unknown = ev.requestContext?.http?.method ?? 'GET';
  if (typeof method !== 'string') return undefined;
  const raw = typeof ev.body === 'string' ? ev.body : '';
  return {
    method: method.toUpperCase(),
    path: path || '/',
    headers,
    query,
    body: ev.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
    requestId: ev.requestContext?.requestId || fallbackRequestId || randomUUID(),
  };
}

export function toFcResponse(res: HttpResponse): FcHttpResponse {
  return { statusCode: res.statusCode, headers: res.headers, body: res.body, isBase64Encoded: false };
}
