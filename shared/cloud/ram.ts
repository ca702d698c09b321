/**
 * RamApi on the generic @alicloud/openapi-core client (no RAM SDK in the registry): GetRole and
 * UpdateRole (the trust policy only) of RAM 2015-05-01, POP RPC, ACS3 signature, global endpoint ram.aliyuncs.com, built exactly as the
 * generated SDKs build their calls (Params + OpenApiRequest into callApi).
 *
 * getRole returns undefined when the role does not exist (EntityNotExist.Role), and the service
 * principals of its trust policy (Statement[].Principal.Service, a string or a list) so callers
 * can check that a write role trusts actiontrail.aliyuncs.com.
 */
import type { ClientOptions } from './options';
import { rpcApi } from './rpc';
import type { RamApi } from './types';

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
  const rpc = rpcApi('ram', '2015-05-01', opts);
  async function call(action: string, query: Record<string, string>): Promise<{ Role?: { Arn?: string; AssumeRolePolicyDocument?: string } } | undefined> {
    try {
      return (await rpc(action, query)) as { Role?: { Arn?: string; AssumeRolePolicyDocument?: string } };
    } catch (e) {
      if ((e as { code?: string }).code === 'EntityNotExist.Role') return undefined;
      throw e;
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
