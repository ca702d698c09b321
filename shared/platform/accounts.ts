/**
 * Working in other accounts: STS AssumeRole into a member account's role (default
 * ResourceDirectoryAccountAccessRole), with the temporary credentials cached until shortly
 * before they expire and refreshed on demand.
 */
import { createStsClient } from '../cloud/sts';
import { registerSecret } from './log';
import type { ClientOptions } from '../cloud/options';
import type { CredentialsProvider, CloudCredentials } from '../cloud/types';
import type { Config } from './config';
import type { CallPacer } from '../core/pacing';

export const DEFAULT_MEMBER_ROLE = 'ResourceDirectoryAccountAccessRole';

export function memberRoleArn(accountId: string, roleName = DEFAULT_MEMBER_ROLE): string {
  return `acs:ram::${accountId}:role/${roleName.toLowerCase()}`;
}

/**
 * Credentials of `roleArn`, obtained with the base credentials in `base`. The session name
 * identifies this tool in the member account's ActionTrail events.
 */
export function assumeRoleCredentials(
  base: Omit<ClientOptions, 'accountId'>,
  roleArn: string,
  opts: { sessionName?: string; durationSeconds?: number; pacer?: CallPacer } = {},
): CredentialsProvider {
  const sts = createStsClient(base);
  let cached: (CloudCredentials & { expiresAt: number }) | undefined;
  let pending: Promise<CloudCredentials> | undefined;
  return async () => {
    if (cached && cached.expiresAt - Date.now() > 5 * 60_000) return cached;
    // Paced as the base credentials' account: every AssumeRole of a run counts against its one limit.
    pending ??= (opts.pacer ? opts.pacer.acquire('sts:AssumeRole') : Promise.resolve())
      .then(() => sts.assumeRole(roleArn, opts.sessionName ?? 'trail-provisioner', opts.durationSeconds ?? 3600))
      .then(
        (c) => (opts.pacer?.done('sts:AssumeRole'), c),
        (e: unknown) => {
          opts.pacer?.done('sts:AssumeRole', (e as { code?: string }).code);
          throw e;
        },
      )
      .then((c) => {
        cached = { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken, expiresAt: Date.parse(c.expiration) || Date.now() + 15 * 60_000 };
        registerSecret(c.accessKeySecret, cached.expiresAt);
        registerSecret(c.securityToken, cached.expiresAt);
        return cached;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/**
 * The STS RoleSessionName for a caller, so a member account's own ActionTrail shows who acted:
 * `trail-vending`, `trail-remediation`, `trail-cli`, or `trail-selfservice-<caller>` for a named
 * self-service caller. STS allows 2-64 characters, letters, digits and `. @ - _` (the
 * AssumeRoleRequest model of @alicloud/sts20150401): anything else becomes `_`, and the name is cut
 * to 64 characters.
 */
export function roleSessionName(kind: 'selfservice' | 'vending' | 'remediation' | 'tamper' | 'cli', caller?: string): string {
  const raw = kind === 'selfservice' ? `trail-selfservice-${caller ?? 'anonymous'}` : `trail-${kind}`;
  return raw.replace(/[^A-Za-z0-9.@_-]/g, '_').slice(0, 64);
}

/** Credentials in `accountId` by AssumeRole of the configured member role, under `sessionName` (roleSessionName()). */
export function memberCredentials(config: Config, base: CredentialsProvider, accountId: string, env: NodeJS.ProcessEnv | undefined, sessionName: string, pacer?: CallPacer): CredentialsProvider {
  return assumeRoleCredentials({ region: config.region, credentials: base, env }, memberRoleArn(accountId, config.memberRole), { sessionName, pacer });
}
