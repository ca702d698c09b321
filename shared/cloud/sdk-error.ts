/**
 * Turns what an SDK client throws into a ProvisionError: the service's error code, the HTTP
 * status, the request id, and whether retrying can help. Never copies headers, request
 * signatures or credentials into the message.
 */
import { ProvisionError } from '../core/errors';

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'ReadTimeout', 'ConnectTimeout']);

export function isRetryableCode(code: string, status: number): boolean {
  return (
    /^Throttling/.test(code) ||
    // EventBridge's flow limiter: 429 TooManyRequests (EventBridge "Error codes" page).
    code === 'TooManyRequests' ||
    status === 429 ||
    // OSS and SLS spell throttling their own way.
    code === 'SlowDown' ||
    code === 'ReadQuotaExceed' ||
    code === 'WriteQuotaExceed' ||
    code === 'ServerBusy' ||
    code === 'ServiceUnavailable' ||
    code === 'InternalError' ||
    code === 'RequestTimeout' ||
    NETWORK_CODES.has(code) ||
    status >= 500
  );
}

export function fromSdkError(e: unknown): ProvisionError {
  if (e instanceof ProvisionError) return e;
  const err = (e ?? {}) as {
    code?: string;
    statusCode?: number;
    status?: number;
    message?: string;
    name?: string;
    data?: { RequestId?: string; requestId?: string; Code?: string; Message?: string; message?: string; errorCode?: string; errorMessage?: string; errorMsg?: string; statusCode?: number; httpCode?: number };
    requestId?: string;
  };
  const data = err.data ?? {};
  const networkCode = /socket hang up|ECONNRESET/i.test(err.message ?? '')
    ? 'ECONNRESET'
    : /timeout/i.test(err.name ?? '') || /timeout/i.test(err.message ?? '')
      ? 'ETIMEDOUT'
      : undefined;
  const code = data.Code ?? data.errorCode ?? err.code ?? networkCode ?? 'InternalError';
  const status = err.statusCode ?? data.statusCode ?? data.httpCode ?? err.status ?? (NETWORK_CODES.has(code) ? 503 : 500);
  const requestId = data.RequestId ?? data.requestId ?? err.requestId;
  // Message keys by service: POP/FC 3.0 Message, SLS/FC 2.0 errorMessage, MaxCompute errorMsg.
  const rawMessage = data.Message ?? data.errorMessage ?? data.errorMsg ?? data.message ?? err.message ?? code;
  // SDK messages look like "code: 400, <message> request id: <id>"; keep the service's message only.
  const message = String(rawMessage).replace(/^code: \d+, /, '').replace(/ request id: \S+.*$/s, '').slice(0, 500);
  // A TypeError and its kin thrown with no code is a bug here, not a cloud hiccup: retrying repeats it.
  const bug = (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || e instanceof SyntaxError) && !err.code && !networkCode;
  return new ProvisionError({ code, status, message, requestId, retryable: !bug && isRetryableCode(code, status), cause: e, fromService: true });
}
