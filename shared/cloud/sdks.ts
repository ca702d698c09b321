/**
 * The official SDK packages, each imported on first use and then kept.
 *
 * Client modules import SDK *types* statically and SDK *code* only through these loaders, so
 * loading the core evaluates no SDK: a request pays for the SDKs it calls, and GET /healthz for
 * none. In the function bundles (scripts/build.ts: ESM with code splitting) each import() here is
 * its own chunk, so an SDK that is not called is not even read from disk.
 */

/** `make()` once; a failed attempt is forgotten so the next call tries again. */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    if (!value) {
      const p = make();
      value = p;
      p.catch(() => {
        if (value === p) value = undefined;
      });
    }
    return value;
  };
}

/**
 * The package's exports, whichever way import() presented the CommonJS module: tsx and vitest
 * give its exports as the namespace (default = exports.default); an esbuild chunk gives
 * module.exports as `default` (as Node does). Every SDK here is compiled TypeScript, marked
 * __esModule, which tells the two apart.
 */
function cjsExports<T>(ns: T): T {
  const d = (ns as { default?: unknown }).default;
  return d !== null && typeof d === 'object' && (d as { __esModule?: unknown }).__esModule === true ? (d as T) : ns;
}

/** ACS3 signing and callApi (ActionTrail, EventBridge, MaxCompute, RAM: shared/cloud/rpc.ts) and every generated SDK's Config. */
export const loadOpenApi = once(() => import('@alicloud/openapi-core').then(cjsExports));
export const loadCredentials = once(() => import('@alicloud/credentials').then(cjsExports));
/** The few ali-oss calls shared/cloud/oss.ts makes (ali-oss ships no type declarations). */
export interface AliOssClient {
  getBucketInfo(name: string, options?: object): Promise<{ bucket?: Record<string, unknown> }>;
  getBucketLocation(name: string, options?: object): Promise<{ location?: string }>;
  get(name: string, options?: object): Promise<{ content?: Buffer }>;
  put(name: string, body: Buffer, options?: object): Promise<{ res?: { headers?: Record<string, string> } }>;
  list(
    query: Record<string, string | number>,
    options?: object,
  ): Promise<{ objects?: Array<{ name?: string }>; isTruncated?: boolean; nextMarker?: string | null }>;
}
export type AliOssConstructor = new (options: Record<string, unknown>) => AliOssClient;
/** ali-oss (CommonJS, module.exports = Client): the constructor, whichever way import() presents it. */
export const loadAliOss = once(() =>
  // @ts-expect-error ali-oss ships no type declarations; AliOssClient above types what is used.
  import('ali-oss').then((ns: { default?: unknown }) => (ns.default ?? ns) as AliOssConstructor),
);
export const loadSls = once(() => import('@alicloud/sls20201230').then(cjsExports));
export const loadSts = once(() => import('@alicloud/sts20150401').then(cjsExports));
export const loadResourceManager = once(() => import('@alicloud/resourcemanager20200331').then(cjsExports));
export const loadFc = once(() => import('@alicloud/fc20230330').then(cjsExports));
