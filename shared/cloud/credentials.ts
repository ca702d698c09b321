/**
 * Credentials for the SDK clients.
 *
 * The core passes a CredentialsProvider (a function returning AK/secret/token). This module turns
 * it into the @alicloud/credentials Credential object every official SDK client accepts, so the
 * clients re-ask the provider on each call and pick up refreshed STS tokens. Where credentials
 * come from: FC context (context.credentials), environment (the @alicloud/credentials default
 * chain: ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, profiles, ECS/OIDC roles), or an STS AssumeRole.
 */
import type Credential from '@alicloud/credentials';
import type { DefaultCredentialsProvider } from '@alicloud/credentials';
import { registerSecret } from '../platform/log';
import { loadCredentials } from './sdks';
import type { CloudCredentials, CredentialsProvider } from './types';

/** A provider that always returns the same credentials. */
export function staticCredentials(c: CloudCredentials): CredentialsProvider {
  const frozen = Object.freeze({ ...c });
  return async () => frozen;
}

/** The @alicloud/credentials default chain (environment, profile, ECS RAM role, OIDC, URI). */
export function defaultCredentials(): CredentialsProvider {
  let provider: Promise<DefaultCredentialsProvider> | undefined;
  return async () => {
    provider ??= loadCredentials().then((m) => m.DefaultCredentialsProvider.builder().build());
    const c = await (await provider).getCredentials();
    return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken || undefined };
  };
}

/**
 * FC passes the function role's STS credentials in context.credentials. Their secret and token
 * are registered with the logger, so they are masked by value wherever they would appear in a
 * log line (as AssumeRole credentials are, shared/platform/accounts.ts).
 */
export function fcContextCredentials(context: {
  credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string };
}): CredentialsProvider | undefined {
  const c = context.credentials;
  if (!c?.accessKeyId || !c.accessKeySecret) return undefined;
  // Masked in logs by value; forgotten once not seen for a day (FC rotates the role's credentials).
  const forgetAfter = Date.now() + 24 * 60 * 60_000;
  registerSecret(c.accessKeySecret, forgetAfter);
  registerSecret(c.securityToken, forgetAfter);
  return staticCredentials({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken });
}

const sdkCredentialCache = new WeakMap<CredentialsProvider, Credential>();

/** The SDK Credential object for a provider (one per provider, so clients can share it). */
export async function toSdkCredential(provider: CredentialsProvider): Promise<Credential> {
  const { default: Credential } = await loadCredentials();
  let cred = sdkCredentialCache.get(provider);
  if (!cred) {
    cred = new Credential(null, {
      getProviderName: () => 'trail-provisioner',
      getCredentials: async () => {
        const c = await provider();
        return {
          accessKeyId: c.accessKeyId,
          accessKeySecret: c.accessKeySecret,
          securityToken: c.securityToken ?? '',
          providerName: 'trail-provisioner',
        };
      },
    });
    sdkCredentialCache.set(provider, cred);
  }
  return cred;
}
