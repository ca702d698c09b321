/**
 * The product reads a failure's code, message and request id whatever body shape the service
 * answers with (docs/conformance.md, rows errors.sdk-error, fc.FunctionNotFound,
 * mc.GetProject.not-found): where the sources disagree on the shape (FC 3.0's {Code, Message,
 * RequestId} vs the FC 2.0 page's {errorCode, errorMessage}; MaxCompute's {errorCode, errorMsg}
 * vs the POP envelope), either answer must give the same ProvisionError. The errors below are
 * what @alicloud/openapi-core throws for each body (ClientError: code `${Code || code}`, data =
 * the parsed body) and what gateway-sls throws (code/message from the body, request id from the
 * x-log-requestid header).
 */
import { describe, expect, it } from 'vitest';
import { fromSdkError } from '../shared/cloud/sdk-error';

/** As openapi-core's ClientError for a 4xx JSON body. */
function openApiError(status: number, body: Record<string, unknown>) {
  const code = (body['Code'] ?? body['code']) as string | undefined;
  return Object.assign(new Error(`code: ${status}, ${String(body['Message'] ?? body['message'])} request id: ${String(body['RequestId'] ?? body['requestId'])}`), {
    statusCode: status,
    code: `${code}`,
    data: body,
  });
}

describe('fromSdkError reads every documented error body shape', () => {
  const cases: Array<[string, unknown, { code: string; status: number; message: string; requestId?: string }]> = [
    [
      'POP RPC envelope (ActionTrail, STS, RAM, Resource Manager)',
      openApiError(404, { RequestId: 'R1', HostId: 'actiontrail.cn-hangzhou.aliyuncs.com', Code: 'TrailNotFoundException', Message: 'The specified Trail does not exist.' }),
      { code: 'TrailNotFoundException', status: 404, message: 'The specified Trail does not exist.', requestId: 'R1' },
    ],
    [
      'FC 3.0 struct Error {Code, Message, RequestId}',
      openApiError(404, { Code: 'FunctionNotFound', Message: "function 'x' does not exist", RequestId: '1-abc' }),
      { code: 'FunctionNotFound', status: 404, message: "function 'x' does not exist", requestId: '1-abc' },
    ],
    [
      'FC error-codes page {errorCode, errorMessage}',
      openApiError(404, { errorCode: 'FunctionNotFound', errorMessage: "function 'x' does not exist" }),
      { code: 'FunctionNotFound', status: 404, message: "function 'x' does not exist" },
    ],
    [
      'MaxCompute PopResult {requestId, httpCode, errorCode, errorMsg}',
      openApiError(404, { requestId: 'mc-1', httpCode: 404, errorCode: 'OBJECT_NOT_EXIST', errorMsg: 'This object does not exist.' }),
      { code: 'OBJECT_NOT_EXIST', status: 404, message: 'This object does not exist.', requestId: 'mc-1' },
    ],
    [
      'SLS via gateway-sls (body {errorCode, errorMessage}, id from x-log-requestid)',
      Object.assign(new Error('The Project does not exist : p'), { code: 'ProjectNotExist', data: { httpCode: 404, requestId: 'sls-1', statusCode: 404 } }),
      { code: 'ProjectNotExist', status: 404, message: 'The Project does not exist : p', requestId: 'sls-1' },
    ],
  ];
  for (const [name, thrown, want] of cases) {
    it(name, () => {
      const e = fromSdkError(thrown);
      expect({ code: e.code, status: e.status, message: e.message, requestId: e.requestId }).toEqual({ requestId: undefined, ...want });
      expect(e.retryable).toBe(false);
    });
  }
});
