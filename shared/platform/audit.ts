/**
 * Where audit records go besides the log: with TRAIL_AUDIT_OSS ("oss://bucket/prefix") each write's
 * record (shared/core/provisioner.ts AuditRecord: who, account, region, trail, action, before, after)
 * is one JSON object at <prefix>/<yyyy-mm-dd>/<time>-<account>-<trail>-<action>-<random>.json,
 * written with the function's own credentials (the central account), retried like every cloud call.
 * A record that cannot be stored is logged at error level by the provisioner (the write it
 * describes already happened and is in the log too).
 */
import { randomBytes } from 'node:crypto';
import { createOssClient } from '../cloud/oss';
import { retrier } from '../core/retry';
import type { AuditSink } from '../core/provisioner';
import type { CredentialsProvider } from '../cloud/types';
import type { Logger } from './log';
import type { Config } from './config';

export function auditSink(config: Config, deps: { credentials: CredentialsProvider; env?: NodeJS.ProcessEnv; logger?: Logger; deadline?: number }): AuditSink | undefined {
  const target = config.auditOss;
  if (!target) return undefined;
  const oss = createOssClient({ region: config.region, credentials: deps.credentials, env: deps.env });
  const { call } = retrier(deps.deadline ? { deadline: deps.deadline } : {}, deps.logger);
  return async (record) => {
    const stamp = record.time.replace(/[:.]/g, '-');
    const name = [stamp, record.accountId ?? 'self', record.trail, record.action, randomBytes(4).toString('hex')].join('-');
    const key = [target.prefix, record.time.slice(0, 10), `${name}.json`].filter(Boolean).join('/');
    await call('oss:PutObject', () => oss.putObject(target.bucket, key, JSON.stringify(record), 'application/json'));
  };
}
