/**
 * MaxCompute client module: OpenAPI 2022-01-04 GetProject through @alicloud/openapi-core.
 *
 * @alicloud/maxcompute20220104 is not in our registry, so this does what the generated SDK does
 * inside: callApi with an ROA GET on /api/v1/projects/{projectName}, signed ACS3-HMAC-SHA256 by
 * openapi-core with the shared @alicloud/credentials object. One client per region, built lazily.
 *
 * Codes: a missing project is 404 with errorCode "OBJECT_NOT_EXIST" in the body
 * {requestId, httpCode, errorCode, errorMsg} (the 2022-01-04 SDK model); MaxCompute's REST API says
 * "ODPS-0420111" (Project not found), and older SDKs report "NoSuchObject": all are accepted.
 * Access denied is 403 "ODPS-0420095". Any 404/403 is classified by status as a fallback.
 */
import type OpenApiClient from '@alicloud/openapi-core';
import type { ClientOptions } from './options';
import { lazyClients, sdkConfig } from './sdk-config';
import { loadOpenApi } from './sdks';
import { fromSdkError } from './sdk-error';
import type { MaxComputeApi } from './types';

// Not-found codes: the SDK model's example (OBJECT_NOT_EXIST) and every code Terraform's
// service_alicloud_max_compute_v2.go DescribeMaxComputeProject treats as not found, except
// ODPS-0420095 (access denied), which is "denied" here: either way preflight refuses.
const MISSING = new Set(['OBJECT_NOT_EXIST', 'ODPS-0420111', 'PROJECT_NOT_FOUND', 'ODPS-0420061', 'NoSuchObject', 'ProjectNotFound', 'NoSuchProject']);
const DENIED = new Set(['ODPS-0420095', 'AccessDenied', 'NoPermission', 'Forbidden', 'Forbidden.RAM']);

type Runtime = Parameters<OpenApiClient['callApi']>[2];

export function createMaxComputeClient(opts: ClientOptions): MaxComputeApi {
  // One client per region, built on first use.
  const clientFor = lazyClients(async (region) => {
    const { default: OpenApiClient } = await loadOpenApi();
    return new OpenApiClient(await sdkConfig('maxcompute', opts, region));
  });

  return {
    async projectExists(project, region = opts.region) {
      const { $OpenApiUtil } = await loadOpenApi();
      const params = new $OpenApiUtil.Params({
        action: 'GetProject',
        version: '2022-01-04',
        protocol: 'HTTPS',
        pathname: `/api/v1/projects/${encodeURIComponent(project)}`,
        method: 'GET',
        authType: 'AK',
        style: 'ROA',
        reqBodyType: 'json',
        bodyType: 'json',
      });
      try {
        // A plain runtime object: callApi only reads its fields (as the generated SDKs' RuntimeOptions).
        await (await clientFor(region)).callApi(params, new $OpenApiUtil.OpenApiRequest({}), {} as Runtime);
        return 'exists';
      } catch (e) {
        const err = fromSdkError(e);
        // A 404 from the gateway itself (InvalidApi.*, wrong endpoint) says nothing about the project.
        if (MISSING.has(err.code) || (err.status === 404 && !err.code.startsWith('InvalidApi'))) return 'missing';
        if (DENIED.has(err.code) || err.status === 403) return 'denied';
        throw err;
      }
    },
  };
}
