/**
 * StsApi on the official @alicloud/sts20150401 client (POP RPC 2015-04-01, ACS3 signature,
 * regional endpoint sts.<region>.aliyuncs.com). The client is built once, on first use, so a cold
 * start that never calls STS pays nothing. Secrets returned by AssumeRole are handed to the caller
 * only; they are never logged or put in error messages.
 */
import StsClient, { AssumeRoleRequest } from '@alicloud/sts20150401';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { toSdkCredential } from './credentials';
import { endpointFor } from './endpoints';
import type { ClientOptions } from './options';
import { fromSdkError } from './sdk-error';
import type { StsApi } from './types';

export function createStsClient(opts: ClientOptions): StsApi {
  let client: StsClient | undefined;
  const sdk = (): StsClient => {
    if (!client) {
      const { endpoint, protocol } = endpointFor('sts', opts.region, { env: opts.env });
      client = new StsClient(
        new $OpenApiUtil.Config({
          credential: toSdkCredential(opts.credentials),
          endpoint,
          protocol,
          regionId: opts.region,
          connectTimeout: opts.connectTimeoutMs,
          readTimeout: opts.readTimeoutMs,
        }),
      );
    }
    return client;
  };

  return {
    async getCallerIdentity() {
      try {
        const body = (await sdk().getCallerIdentity()).body;
        return { accountId: body?.accountId ?? '', arn: body?.arn ?? '', identityType: body?.identityType ?? '' };
      } catch (e) {
        throw fromSdkError(e);
      }
    },

    async assumeRole(roleArn, sessionName, durationSeconds) {
      let body;
      try {
        body = (await sdk().assumeRole(new AssumeRoleRequest({ roleArn, roleSessionName: sessionName, durationSeconds }))).body;
      } catch (e) {
        throw fromSdkError(e);
      }
      const c = body?.credentials;
      if (!c?.accessKeyId || !c.accessKeySecret || !c.securityToken || !c.expiration) {
        throw fromSdkError({ code: 'InternalError', statusCode: 502, message: 'AssumeRole returned no credentials.' });
      }
      return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken, expiration: c.expiration };
    },
  };
}
