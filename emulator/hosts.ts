/**
 * Which emulated service a request is for, from its Host name as the real cloud names them
 * (optionally with ".localhost" appended, the emulator-mode form), or from the request's shape
 * when a client was pointed straight at 127.0.0.1:PORT.
 */
import type { ServiceName } from './types';

export interface Route {
  service: ServiceName;
  region?: string;
  bucket?: string;
  project?: string;
  /** FC: account id in "<accountId>.<region>.fc.aliyuncs.com". */
  accountId?: string;
}

/** POP API versions served, for shape-based routing on a bare IP host. */
export const POP_VERSIONS: Record<string, ServiceName> = {
  '2020-07-06': 'actiontrail',
  '2015-04-01': 'sts',
  '2020-03-31': 'resourcemanager',
  '2015-05-01': 'ram',
  '2022-01-04': 'maxcompute',
  '2023-03-30': 'fc',
  '2020-04-01': 'eventbridge',
};

const HOST_RULES: Array<[RegExp, (m: RegExpExecArray) => Route]> = [
  [/^actiontrail\.([a-z0-9-]+)\.aliyuncs\.com$/, (m) => ({ service: 'actiontrail', region: m[1] })],
  [/^actiontrail\.aliyuncs\.com$/, () => ({ service: 'actiontrail' })],
  [/^sts(?:-vpc)?\.([a-z0-9-]+)\.aliyuncs\.com$/, (m) => ({ service: 'sts', region: m[1] })],
  [/^sts\.aliyuncs\.com$/, () => ({ service: 'sts' })],
  [/^resourcemanager\.aliyuncs\.com$/, () => ({ service: 'resourcemanager' })],
  [/^ram\.aliyuncs\.com$/, () => ({ service: 'ram' })],
  [/^eventbridge-console\.([a-z0-9-]+)\.aliyuncs\.com$/, (m) => ({ service: 'eventbridge', region: m[1] })],
  [/^maxcompute\.([a-z0-9-]+)\.aliyuncs\.com$/, (m) => ({ service: 'maxcompute', region: m[1] })],
  [/^(\d+)\.([a-z0-9-]+)\.fc\.aliyuncs\.com$/, (m) => ({ service: 'fc', accountId: m[1], region: m[2] })],
  [/^([a-z0-9][a-z0-9-]{1,61}[a-z0-9])\.oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/, (m) => ({ service: 'oss', bucket: m[1], region: m[2] })],
  [/^oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/, (m) => ({ service: 'oss', region: m[1] })],
  [/^([a-z0-9][a-z0-9-]{1,126}[a-z0-9])\.([a-z0-9-]+?)(?:-intranet)?\.log\.aliyuncs\.com$/, (m) => ({ service: 'sls', project: m[1], region: m[2] })],
  [/^([a-z0-9-]+?)(?:-intranet)?\.log\.aliyuncs\.com$/, (m) => ({ service: 'sls', region: m[1] })],
];

/** Routes by Host name; undefined when the host is not a cloud name (e.g. 127.0.0.1:PORT). */
export function routeByHost(hostHeader: string): Route | undefined {
  const host = hostHeader.replace(/:\d+$/, '').toLowerCase().replace(/\.localhost$/, '');
  for (const [re, f] of HOST_RULES) {
    const m = re.exec(host);
    if (m) return f(m);
  }
  return undefined;
}

/** Routes a request on a bare IP host by its shape: POP version, SLS headers, else OSS. */
export function routeByShape(headers: Record<string, string>, query: Record<string, string>): Route | undefined {
  const version = headers['x-acs-version'] ?? query['Version'];
  if (version && POP_VERSIONS[version]) return { service: POP_VERSIONS[version]! };
  if (headers['x-log-apiversion']) return { service: 'sls' };
  const auth = headers['authorization'] ?? '';
  if (auth.startsWith('OSS') || query['OSSAccessKeyId'] || query['x-oss-credential'] || !auth) return { service: 'oss' };
  return undefined;
}
