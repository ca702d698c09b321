/**
 * ResourceManagerApi on the official @alicloud/resourcemanager20200331 client (POP RPC, ACS3
 * signature, global endpoint resourcemanager.aliyuncs.com).
 *
 * listAccounts walks every page of ListAccounts: the API caps PageSize at 100 and a Resource
 * Directory can hold thousands of accounts, so one call is never enough. Only the directory's
 * management account may call it; anything else surfaces as the API's own error via fromSdkError.
 */
import { sdkConfig } from './sdk-config';
import { loadResourceManager, once } from './sdks';
import type { ClientOptions } from './options';
import { fromSdkError } from './sdk-error';
import type { ResourceManagerApi } from './types';

/** Largest page ListAccounts accepts. */
export const MAX_PAGE_SIZE = 100;

export type RdAccount = Awaited<ReturnType<ResourceManagerApi['listAccounts']>>[number];

export function createResourceManagerClient(opts: ClientOptions): ResourceManagerApi {
  // Built on first use: a cold start that never calls this API pays nothing for it.
  const sdk = once(async () => {
    const { default: RmClient } = await loadResourceManager();
    return new RmClient(await sdkConfig('resourcemanager', opts));
  });

  return {
    async listAccounts({ pageSize = MAX_PAGE_SIZE, onPage } = {}) {
      const { ListAccountsRequest } = await loadResourceManager();
      const size = Math.min(Math.max(1, Math.floor(pageSize)), MAX_PAGE_SIZE);
      const seen = new Set<string>();
      const out: RdAccount[] = [];
      for (let page = 1; ; page++) {
        let body;
        try {
          body = (await (await sdk()).listAccounts(new ListAccountsRequest({ pageNumber: page, pageSize: size }))).body;
        } catch (e) {
          throw fromSdkError(e);
        }
        const accounts = body?.accounts?.account ?? [];
        const total = body?.totalCount ?? 0;
        for (const a of accounts) {
          // An account that joined while paging can shift another onto the next page: keep it once.
          if (!a.accountId || seen.has(a.accountId)) continue;
          seen.add(a.accountId);
          out.push({ accountId: a.accountId, displayName: a.displayName ?? '', status: a.status ?? '', type: a.type ?? '' });
        }
        onPage?.(page, total);
        // Done once every page is read; an empty page also ends it (the directory shrank meanwhile).
        if (accounts.length === 0 || page * size >= total) break;
      }
      return out;
    },

    async getAccount(accountId) {
      const { GetAccountRequest } = await loadResourceManager();
      try {
        const a = (await (await sdk()).getAccount(new GetAccountRequest({ accountId }))).body?.account;
        return a?.accountId ? { accountId: a.accountId, displayName: a.displayName ?? '', status: a.status ?? '', type: a.type ?? '' } : undefined;
      } catch (e) {
        const err = fromSdkError(e);
        // Terraform's DescribeResourceManagerAccount reads this code as "not found".
        if (err.code === 'EntityNotExists.Account') return undefined;
        throw err;
      }
    },
  };
}
