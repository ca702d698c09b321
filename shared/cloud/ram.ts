/**
 * RamApi on the generic @alicloud/openapi-core client (no RAM SDK in the registry): GetRole and
 * UpdateRole (the trust policy only) of RAM 2015-05-01, POP RPC, ACS3 signature, global endpoint ram.aliyuncs.com, built exactly as the
 * generated SDKs build their calls (Params + OpenApiRequest into callApi).
 *
 * getRole returns undefined when the role does not exist (EntityNotExist.Role), and the service
 * principals of its trust policy (Statement[].Principal.Service, a string or a list) so callers
 * can check that a write role trusts actiontrail.aliyuncs.com.
 */
import type OpenApi from '@alicloud/openapi-core';
import { sdkConfig } from './sdk-config';
import { loadOpenApi, once } from './sdks';
import type { ClientOptions } from './options';
import { fromSdkError } from './sdk-error';
import type { RamApi } from './types';

/** callApi only reads fields of its runtime argument, so an empty object means the defaults. */
type Runtime = Parameters<OpenApi['callApi']>[2];

interface TrustStatement {
  Effect?: string;
  Action?: string | string[];
  Principal?: { Service?: string | string[]; RAM?: string | string[] };
}

/** Service principals allowed to assume the role by a RAM trust policy document. */
export function trustedServicesOf(policyDocument: string | undefined): string[] {
  if (!policyDocument) return [];
  let doc: { Statement?: TrustStatement[] };
  try {
    doc = JSON.parse(policyDocument) as { Statement?: TrustStatement[] };
  } catch {
    return [];
  }
  const out = new Set<string>();
  // A document of another shape trusts nothing this code can read (callers refuse to rewrite it).
  for (const st of Array.isArray(doc?.Statement) ? doc.Statement : []) {
    if (!st || typeof st !== 'object') continue;
    if (st.Effect && st.Effect !== 'Allow') continue;
    const actions = ([] as string[]).concat(st.Action ?? []);
    if (actions.length > 0 && !actions.includes('sts:AssumeRole')) continue;
    for (const s of ([] as string[]).concat(st.Principal?.Service ?? [])) out.add(s);
  }
  return [...out];
}

export function createRamClient(opts: ClientOptions): RamApi {
  // Built on first use: a cold start that never calls this API pays nothing for it.
  const sdk = once(async () => {
    const { default: OpenApi } = await loadOpenApi();
    return new OpenApi(await sdkConfig('ram', opts));
  });

  async function call(action: string, query: Record<string, string>): Promise<{ Role?: { Arn?: string; AssumeRolePolicyDocument?: string } } | undefined> {
    const { $OpenApiUtil } = await loadOpenApi();
    const params = new $OpenApiUtil.Params({
      action,
      version: '2015-05-01',
      protocol: 'HTTPS',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const request = new $OpenApiUtil.OpenApiRequest({ query });
    try {
      return (await (await sdk()).callApi(params, request, {} as Runtime)).body as { Role?: { Arn?: string; AssumeRolePolicyDocument?: string } } | undefined;
    } catch (e) {
      const err = fromSdkError(e);
      if (err.code === 'EntityNotExist.Role') return undefined;
      throw err;
    }
  }

  return {
    async getRole(roleName) {
      const body = await call('GetRole', { RoleName: roleName });
      if (!body?.Role?.Arn) return undefined;
      return { arn: body.Role.Arn, trustedServices: trustedServicesOf(body.Role.AssumeRolePolicyDocument), trustPolicy: body.Role.AssumeRolePolicyDocument ?? '' };
    },
    async updateTrustPolicy(roleName, document) {
      // UpdateRole (RAM 2015-05-01 UpdateRoleRequest): NewAssumeRolePolicyDocument replaces the trust policy.
      const body = await call('UpdateRole', { RoleName: roleName, NewAssumeRolePolicyDocument: document });
      if (!body?.Role?.Arn) return undefined;
      return { arn: body.Role.Arn, trustedServices: trustedServicesOf(body.Role.AssumeRolePolicyDocument), trustPolicy: body.Role.AssumeRolePolicyDocument ?? '' };
    },
  };
}
