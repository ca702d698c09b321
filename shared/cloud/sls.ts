/**
 * Simple Log Service client module over @alicloud/sls20201230.
 *
 * The SDK sends each call to "<project>.<endpoint>" (gateway-sls) and signs it with SLS's own
 * "LOG <ak>:<sig>" scheme (v1, HMAC-SHA256 via x-log-signaturemethod); credentials come from the
 * shared @alicloud/credentials object, so refreshed STS tokens are picked up per call. One SDK
 * client per region, built on first use.
 */
import type { ClientOptions } from './options';
import { lazyClients, sdkConfig } from './sdk-config';
import { loadSls } from './sdks';
import { fromSdkError } from './sdk-error';
import type { SlsApi } from './types';

export interface SlsClientApi extends SlsApi {
  /** GetLogStore: the logstore's data retention (ttl, days; 3650 = permanent); undefined when the logstore does not exist. */
  logstoreTtl(project: string, logstore: string, region?: string): Promise<number | undefined>;
  /** ListLogStores, every page: the logstore names of a project. */
  listLogstores(project: string, region?: string): Promise<string[]>;
}

/** Largest page ListLogStores serves. */
const PAGE = 500;

export function createSlsClient(opts: ClientOptions): SlsClientApi {
  // One client per region, built on first use.
  const clientFor = lazyClients(async (region) => {
    const { default: SlsClient } = await loadSls();
    return new SlsClient(await sdkConfig('sls', opts, region));
  });

  return {
    async projectExists(project, region = opts.region) {
      try {
        await (await clientFor(region)).getProject(project);
        return 'exists';
      } catch (e) {
        const err = fromSdkError(e);
        if (err.code === 'ProjectNotExist') return 'missing';
        // SLS throttles reads with 403 ReadQuotaExceed: that is "try again", not "denied".
        if (err.retryable) throw err;
        if (err.code === 'Unauthorized' || err.status === 401 || err.status === 403) return 'denied';
        throw err;
      }
    },

    async logstoreTtl(project, logstore, region = opts.region) {
      try {
        const res = await (await clientFor(region)).getLogStore(project, logstore);
        return res.body?.ttl;
      } catch (e) {
        const err = fromSdkError(e);
        if (err.code === 'LogStoreNotExist' || err.code === 'ProjectNotExist') return undefined;
        throw err;
      }
    },

    async listLogstores(project, region = opts.region) {
      const names: string[] = [];
      try {
        const [{ ListLogStoresRequest }, client] = await Promise.all([loadSls(), clientFor(region)]);
        for (let offset = 0; ; offset += PAGE) {
          const res = await client.listLogStores(project, new ListLogStoresRequest({ offset, size: PAGE }));
          const page = res.body?.logstores ?? [];
          names.push(...page);
          const total = res.body?.total ?? 0;
          if (page.length < PAGE || names.length >= total) break;
        }
      } catch (e) {
        throw fromSdkError(e);
      }
      return names;
    },
  };
}
