/**
 * The one place an official SDK client's Config is built: endpoint and protocol for the service
 * and region (endpoints.ts), the credential object (credentials.ts), timeouts.
 */
import type { $OpenApiUtil } from '@alicloud/openapi-core';
import { toSdkCredential } from './credentials';
import { endpointFor, type CloudService } from './endpoints';
import { DEFAULT_TIMEOUTS, type ClientOptions } from './options';
import { loadOpenApi, once } from './sdks';

export async function sdkConfig(service: CloudService, opts: ClientOptions, region = opts.region): Promise<$OpenApiUtil.Config> {
  const { endpoint, protocol } = endpointFor(service, region, { env: opts.env, accountId: opts.accountId });
  const [{ $OpenApiUtil }, credential] = await Promise.all([loadOpenApi(), toSdkCredential(opts.credentials)]);
  return new $OpenApiUtil.Config({
    credential,
    endpoint,
    protocol,
    regionId: region,
    connectTimeout: opts.connectTimeoutMs ?? DEFAULT_TIMEOUTS.connectTimeoutMs,
    readTimeout: opts.readTimeoutMs ?? DEFAULT_TIMEOUTS.readTimeoutMs,
  });
}

/** One SDK client per key (region), built on first use so cold starts pay only for what they call. */
export function lazyClients<T>(make: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const clients = new Map<string, () => Promise<T>>();
  return (key) => {
    let c = clients.get(key);
    if (c === undefined) {
      c = once(() => make(key));
      clients.set(key, c);
    }
    return c();
  };
}
