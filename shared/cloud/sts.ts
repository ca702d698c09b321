/**
 * StsApi on the official @alicloud/sts20150401 client (POP RPC 2015-04-01, ACS3 signature,
 * regional endpoint sts.<region>.aliyuncs.com). The client is built once, on first use, so a cold
 * start that never calls STS pays nothing. Secrets returned by AssumeRole are handed to the caller
 * only; they are never logged or put in error messages.
 */
import { sdkConfig } from './sdk-config';
import { loadSts, once } from './sdks';
import type { ClientOptions } from './options';
import { fromSdkError } from './sdk-error';
import type { StsApi } from './types';

export function createStsClient(opts: ClientOptions): StsApi {
  // Built on first use: a cold start that never calls this API pays nothing for it.
  const sdk = once(async () => {
    const { default: StsClient } = await loadSts();
    return new StsClient(await sdkConfig('sts', opts));
  });

  return {
    async getCallerIdentity() {
      try {
        const body = (await (await sdk()).getCallerIdentity()).body;
        return { accountId: body?.accountId ?? '', arn: body?.arn ?? '', identityType: body?.identityType ?? '' };
      } catch (e) {
        throw fromSdkError(e);
      }
    },

    async assumeRole(roleArn, sessionName, durationSeconds) {
      let body;
      try {
        const { AssumeRoleRequest } = await loadSts();
        body = (await (await sdk()).assumeRole(new AssumeRoleRequest({ roleArn, roleSessionName: sessionName, durationSeconds }))).body;
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
