/**
 * A POP RPC API called through openapi-core's callApi, exactly as the generated SDKs call it
 * (e.g. aliyun/alibabacloud-typescript-sdk actiontrail-20200706/src/client.ts: Params with style
 * RPC, protocol HTTPS, pathname "/", authType AK, reqBodyType formData, bodyType json; every
 * parameter in the query). ActionTrail, RAM and EventBridge go this way: their generated SDK
 * packages are not in our registry, and callApi is what those packages run inside.
 */
import type OpenApi from '@alicloud/openapi-core';
import { sdkConfig } from './sdk-config';
import { loadOpenApi, once } from './sdks';
import { fromSdkError } from './sdk-error';
import type { CloudService } from './endpoints';
import type { ClientOptions } from './options';

type Runtime = Parameters<OpenApi['callApi']>[2];

/** One call of an action: the answer's JSON body ({} when there is none); SDK errors mapped by fromSdkError. */
export type RpcCall = (action: string, query: Record<string, string>, method?: 'GET' | 'POST') => Promise<Record<string, unknown>>;

export function rpcApi(service: CloudService, version: string, opts: ClientOptions): RpcCall {
  // Built on first use: a cold start that never calls this API pays nothing for it.
  const sdk = once(async () => {
    const { default: OpenApiClient } = await loadOpenApi();
    return new OpenApiClient(await sdkConfig(service, opts));
  });
  return async (action, query, method = 'POST') => {
    const { $OpenApiUtil, OpenApiUtil } = await loadOpenApi();
    const params = new $OpenApiUtil.Params({ action, version, protocol: 'HTTPS', pathname: '/', method, authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' });
    const request = new $OpenApiUtil.OpenApiRequest({ query: OpenApiUtil.query(query) });
    try {
      // A plain runtime object: callApi only reads its fields (as the generated SDKs' RuntimeOptions).
      const res = await (await sdk()).callApi(params, request, {} as Runtime);
      return (res?.body ?? {}) as Record<string, unknown>;
    } catch (e) {
      throw fromSdkError(e);
    }
  };
}
