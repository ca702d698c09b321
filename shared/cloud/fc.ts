/**
 * FcApi on the official @alicloud/fc20230330 client: InvokeFunction of Function Compute 3.0
 * (API 2023-03-30, ROA, ACS3 signature) on the account endpoint
 * <accountId>.<region>.fc.aliyuncs.com — so opts.accountId is required.
 *
 * Why fc20230330 and not @alicloud/fc2: fc2 speaks the FC 2.0 API, where every function lives in
 * a service (/services/{service}/functions/{function}/invocations). FC 3.0 functions have no
 * service, so fc2 cannot address them; only the 2023-03-30 API can.
 *
 * Results: sync invocations return the function's result (parsed as JSON when it is JSON, else
 * the UTF-8 text); async ones return once FC accepted the event (202), with no body. A function
 * that throws comes back from FC as 200 with x-fc-error-type; that is turned into a
 * ProvisionError (code = the FC error type, e.g. UnhandledInvocationError) so it cannot be
 * mistaken for a result.
 */
import { Readable } from 'node:stream';
import type FcClient from '@alicloud/fc20230330';
import { ProvisionError } from '../core/errors';
import { sdkConfig } from './sdk-config';
import { loadFc, once } from './sdks';
import type { ClientOptions } from './options';
import { fromSdkError } from './sdk-error';
import type { FcApi } from './types';

/** The event bytes for a payload: Buffer/string as is, anything else as JSON. */
export function encodePayload(payload: unknown): Buffer {
  if (Buffer.isBuffer(payload)) return payload;
  if (payload instanceof Uint8Array) return Buffer.from(payload);
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (payload === undefined) return Buffer.alloc(0);
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

/** The function's result: JSON when it parses, else text; undefined when empty. */
export function decodeResult(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function readAll(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Buffer | string>) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

/**
 * Runtime options for invokeFunctionWithOptions (the only overload taking headers): none. The SDK
 * reads them field by field, so an empty object means what `new RuntimeOptions({})` means; the
 * class lives in @darabonba/typescript, which is not a direct dependency.
 */
const NO_RUNTIME_OPTIONS = {} as Parameters<FcClient['invokeFunctionWithOptions']>[3];

export function createFcClient(opts: ClientOptions): FcApi {
  if (!opts.accountId) throw new Error('createFcClient needs opts.accountId: the FC 3.0 endpoint is per account.');
  // Built on first use: a cold start that never calls this API pays nothing for it.
  const sdk = once(async () => {
    const { default: FcClient } = await loadFc();
    return new FcClient(await sdkConfig('fc', opts));
  });

  return {
    async invoke(functionName, payload, mode, qualifier) {
      const { InvokeFunctionHeaders, InvokeFunctionRequest } = await loadFc();
      const request = new InvokeFunctionRequest({ body: Readable.from([encodePayload(payload)]), qualifier });
      const headers = new InvokeFunctionHeaders({ xFcInvocationType: mode === 'async' ? 'Async' : 'Sync', xFcLogType: 'None' });
      let res;
      let bytes: Buffer;
      try {
        res = await (await sdk()).invokeFunctionWithOptions(functionName, request, headers, NO_RUNTIME_OPTIONS);
        bytes = await readAll(res.body);
      } catch (e) {
        throw fromSdkError(e);
      }
      const status = res.statusCode ?? 0;
      const requestId = res.headers?.['x-fc-request-id'] ?? '';
      const errorType = res.headers?.['x-fc-error-type'];
      if (errorType) {
        const detail = decodeResult(bytes) as { errorMessage?: string; errorType?: string } | string | undefined;
        const message = typeof detail === 'object' && detail ? `${detail.errorType ?? 'Error'}: ${detail.errorMessage ?? ''}` : String(detail ?? '');
        throw new ProvisionError({
          code: errorType,
          status: 500,
          message: `Function ${functionName} failed: ${message}`.slice(0, 500),
          requestId,
          retryable: false,
        });
      }
      if (mode === 'async') return { requestId, status };
      return { requestId, status, body: decodeResult(bytes) };
    },
  };
}
