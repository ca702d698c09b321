/**
 * createCloud(): the Cloud the core works over, bound to one account's credentials and one
 * region. Each member is the one client module of its API; SDK clients are built lazily on
 * first use, so a cold start pays only for the APIs a request really calls.
 */
import { createActionTrailClient } from './actiontrail';
import { createMaxComputeClient } from './maxcompute';
import { createOssClient } from './oss';
import { createRamClient } from './ram';
import { createSlsClient } from './sls';
import { createStsClient } from './sts';
import type { ClientOptions } from './options';
import type { Cloud } from './types';

export type { Cloud } from './types';

export function createCloud(opts: ClientOptions): Cloud {
  let actiontrail: Cloud['actiontrail'] | undefined;
  let oss: Cloud['oss'] | undefined;
  let sls: Cloud['sls'] | undefined;
  let maxcompute: Cloud['maxcompute'] | undefined;
  let ram: Cloud['ram'] | undefined;
  let sts: Cloud['sts'] | undefined;
  const others = new Map<string, Cloud>();
  const cloud: Cloud = {
    region: opts.region,
    accountId: opts.accountId,
    get actiontrail() {
      return (actiontrail ??= createActionTrailClient(opts));
    },
    get oss() {
      return (oss ??= createOssClient(opts));
    },
    get sls() {
      return (sls ??= createSlsClient(opts));
    },
    get maxcompute() {
      return (maxcompute ??= createMaxComputeClient(opts));
    },
    get ram() {
      return (ram ??= createRamClient(opts));
    },
    get sts() {
      return (sts ??= createStsClient(opts));
    },
    forRegion(region) {
      if (region === opts.region) return cloud;
      let other = others.get(region);
      if (!other) others.set(region, (other = createCloud({ ...opts, region })));
      return other;
    },
  };
  return cloud;
}
