/**
 * Endpoint of each cloud API for a region, as the real cloud names them, with two overrides:
 *
 * - TRAIL_EMULATOR_URL=http://127.0.0.1:PORT (emulator mode): every service keeps its real host
 *   name with ".localhost:PORT" appended and plain HTTP; "*.localhost" resolves to loopback
 *   (see loopback-dns.ts). The emulator routes by those Host names exactly as the cloud does.
 * - ALIBABA_CLOUD_ENDPOINT_<SERVICE> (ACTIONTRAIL, OSS, SLS, MAXCOMPUTE, STS, RESOURCEMANAGER,
 *   RAM, FC, EVENTBRIDGE): a host[:port], optionally with "http://" or "https://", used as is for that service.
 */
import { installLoopbackResolver } from './loopback-dns';

export type CloudService = 'actiontrail' | 'oss' | 'sls' | 'maxcompute' | 'sts' | 'resourcemanager' | 'ram' | 'fc' | 'eventbridge';

export interface Endpoint {
  /** host[:port], no scheme (what the SDK Config.endpoint takes). */
  endpoint: string;
  protocol: 'http' | 'https';
}

export function realHost(service: CloudService, region: string, accountId?: string): string {
  switch (service) {
    case 'actiontrail':
      return `actiontrail.${region}.aliyuncs.com`;
    case 'oss':
      return `oss-${region}.aliyuncs.com`;
    case 'sls':
      return `${region}.log.aliyuncs.com`;
    case 'maxcompute':
      return `maxcompute.${region}.aliyuncs.com`;
    case 'sts':
      return `sts.${region}.aliyuncs.com`;
    case 'resourcemanager':
      return 'resourcemanager.aliyuncs.com';
    case 'ram':
      return 'ram.aliyuncs.com';
    case 'eventbridge':
      return `eventbridge-console.${region}.aliyuncs.com`;
    case 'fc':
      if (!accountId) throw new Error('The FC endpoint needs the account id.');
      return `${accountId}.${region}.fc.aliyuncs.com`;
  }
}

function parseOverride(value: string): Endpoint {
  const m = /^(https?):\/\/(.+?)\/?$/.exec(value.trim());
  if (m) return { protocol: m[1] as 'http' | 'https', endpoint: m[2]! };
  return { protocol: 'https', endpoint: value.trim() };
}

export function endpointFor(
  service: CloudService,
  region: string,
  opts: { accountId?: string; env?: NodeJS.ProcessEnv } = {},
): Endpoint {
  const env = opts.env ?? process.env;
  const override = env[`ALIBABA_CLOUD_ENDPOINT_${service.toUpperCase()}`];
  if (override) return parseOverride(override);
  const emulator = env['TRAIL_EMULATOR_URL'];
  if (emulator) {
    const { endpoint } = parseOverride(emulator);
    const port = endpoint.includes(':') ? endpoint.slice(endpoint.lastIndexOf(':')) : '';
    installLoopbackResolver();
    return { protocol: 'http', endpoint: `${realHost(service, region, opts.accountId)}.localhost${port}` };
  }
  return { protocol: 'https', endpoint: realHost(service, region, opts.accountId) };
}
