/**
 * Error bodies in each service's own format (docs/conformance.md, rows *.error-body):
 * - POP RPC (ActionTrail, STS, RAM, Resource Manager, EventBridge): JSON {RequestId, HostId, Code, Message}
 *   (EventBridge adds Success false);
 * - OSS: XML <Error> with Code, Message, RequestId, HostId (+ per-error elements);
 * - SLS: JSON {errorCode, errorMessage}, the request id only in the x-log-requestid header
 *   (SLS "Error codes" doc, help doc-detail/29013);
 * - FC 3.0: JSON {Code, Message, RequestId} (FC API 2023-03-30 data structure "Error");
 * - MaxCompute 2022-01-04: JSON {requestId, httpCode, errorCode, errorMsg} (GetProjectResponseBody
 *   in aliyun/alibabacloud-typescript-sdk maxcompute-20220104).
 */
import type { EmuError, EmuResponse, ServiceName } from './types';

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

const POP_GATEWAY_CODE = /^(InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature|MissingSecurityToken|InvalidSecurityToken|Throttling|ServiceUnavailable|InvalidApi|InternalError)/;

export function formatError(service: ServiceName, err: EmuError, requestId: string, host: string): EmuResponse {
  const hostId = host.replace(/:\d+$/, '').replace(/\.localhost$/, '') || 'emulator';
  if (service === 'oss') {
    // Optional extra elements OSS adds per error (e.g. BucketName on NoSuchBucket, Key on NoSuchKey).
    const details = (err as EmuError & { details?: Record<string, string> }).details ?? {};
    const extra = Object.entries(details)
      .map(([k, v]) => `  <${k}>${xmlEscape(v)}</${k}>\n`)
      .join('');
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${xmlEscape(err.code)}</Code>\n  <Message>${xmlEscape(err.message)}</Message>\n` +
      `  <RequestId>${requestId}</RequestId>\n  <HostId>${xmlEscape(hostId)}</HostId>\n${extra}</Error>\n`;
    return { status: err.status, headers: { 'content-type': 'application/xml', ...err.headers }, body };
  }
  if (service === 'sls') {
    return {
      status: err.status,
      headers: { 'content-type': 'application/json', ...err.headers },
      body: JSON.stringify({ errorCode: err.code, errorMessage: err.message }),
    };
  }
  if (service === 'fc') {
    return {
      status: err.status,
      headers: { 'content-type': 'application/json', ...err.headers },
      body: JSON.stringify({ Code: err.code, Message: err.message, RequestId: requestId }),
    };
  }
  // MaxCompute's OpenAPI sits behind the POP gateway: authentication, throttling and routing
  // failures come from the gateway in the POP envelope (below); the service's own errors in its
  // PopResult shape. Which layer answers what is not documented (docs/conformance.md, unverified).
  if (service === 'maxcompute' && !POP_GATEWAY_CODE.test(err.code)) {
    return {
      status: err.status,
      headers: { 'content-type': 'application/json;charset=utf-8', ...err.headers },
      body: JSON.stringify({ requestId, httpCode: err.status, errorCode: err.code, errorMsg: err.message }),
    };
  }
  return {
    status: err.status,
    headers: { 'content-type': 'application/json;charset=utf-8', ...err.headers },
    // EventBridge answers carry Success (false on an error) beside Code (its SDK models' response bodies).
    body: JSON.stringify({ RequestId: requestId, HostId: hostId, Code: err.code, Message: err.message, ...(service === 'eventbridge' ? { Success: false } : {}) }),
  };
}
