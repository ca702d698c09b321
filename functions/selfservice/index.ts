/**
 * FC 3.0 function for the self-service HTTP API (HTTP trigger). Maps the trigger event to a
 * plain request, lets shared/triggers/selfservice.ts answer it, and maps the answer back.
 */
import { fcContextCredentials, defaultCredentials } from '../../shared/cloud/credentials';
import { invocationDeadline, loadConfig, type Config, type FcContext } from '../../shared/platform/config';
import { ProvisionError } from '../../shared/core/errors';
import { createLogger, type Logger } from '../../shared/platform/log';
import { handleHttp } from '../../shared/triggers/selfservice';
import type { CredentialsProvider } from '../../shared/cloud/types';
import { parseHttpEvent, toFcResponse, type FcHttpResponse } from './event';

export interface HandlerDeps {
  /** Environment (config + endpoints); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Config; default loadConfig(env, context). */
  config?: Config;
  /** Base credentials; default the FC context's, else the default chain. */
  credentials?: CredentialsProvider;
  logger?: Logger;
}

export function createHandler(deps: HandlerDeps = {}) {
  return async function handler(event: Buffer | string, context: FcContext = {}): Promise<FcHttpResponse> {
    const started = Date.now();
    const log = deps.logger ?? createLogger({ fn: 'selfservice' });
    const req = parseHttpEvent(event, context.requestId);
    if (!req) {
      const e = new ProvisionError({ code: 'InvalidQueryParameter', message: 'The event is not an FC HTTP trigger event.' });
      return toFcResponse({ statusCode: 400, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(e.toEnvelope(context.requestId ?? '')) });
    }
    let config: Config;
    try {
      config = deps.config ?? loadConfig(deps.env ?? process.env, context);
    } catch (e) {
      // A misconfigured deployment: say so without details (they are in the log).
      log.error('invalid configuration', { error: e });
      const err = new ProvisionError({ code: 'InternalError', message: 'The service is misconfigured.' });
      return toFcResponse({ statusCode: 500, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(err.toEnvelope(req.requestId)) });
    }
    const credentials = deps.credentials ?? fcContextCredentials(context) ?? defaultCredentials();
    const res = await handleHttp(req, {
      config,
      credentials,
      selfAccountId: context.accountId,
      env: deps.env ?? process.env,
      logger: log,
      deadline: invocationDeadline(config, context, started),
    });
    return toFcResponse(res);
  };
}

export const handler = createHandler();
