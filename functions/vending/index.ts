/**
 * FC 3.0 function for account vending (EventBridge trigger). Parses the CloudEvent(s), hands
 * each to shared/vending.ts, logs the outcome and returns it; throws when any spec failed so FC's
 * async retry and dead-letter destination take over (succeeded specs are kept; re-runs converge).
 */
import { fcContextCredentials, defaultCredentials } from '../../shared/cloud/credentials';
import { invocationDeadline, loadConfig, type Config, type FcContext } from '../../shared/config';
import { createLogger, type Logger } from '../../shared/log';
import { assertVended, vendAccount, type VendingResult } from '../../shared/vending';
import type { CredentialsProvider } from '../../shared/cloud/types';
import { parseCloudEvents, toVendingRequest } from './event';

export interface HandlerDeps {
  /** Environment (config + endpoints); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Config; default loadConfig(env, context). */
  config?: Config;
  /** Base credentials; default the FC context's, else the default chain. */
  credentials?: CredentialsProvider;
  logger?: Logger;
  baseDir?: string;
}

export function createHandler(deps: HandlerDeps = {}) {
  return async function handler(event: Buffer | string, context: FcContext = {}): Promise<VendingResult[]> {
    const started = Date.now();
    const env = deps.env ?? process.env;
    const config = deps.config ?? loadConfig(env, context);
    const credentials = deps.credentials ?? fcContextCredentials(context) ?? defaultCredentials();
    const log = (deps.logger ?? createLogger({ fn: 'vending' })).child({ requestId: context.requestId });
    const requests = parseCloudEvents(event).map((ev) => toVendingRequest(ev, config.vendingSource));
    const results: VendingResult[] = [];
    for (const req of requests) {
      results.push(
        await vendAccount(req, { config, credentials, env, logger: log, deadline: invocationDeadline(config, context, started), baseDir: deps.baseDir }),
      );
    }
    for (const r of results) log.info('vended', { accountId: r.accountId, ok: r.ok, outcomes: r.outcomes.map((o) => ({ name: o.name, ok: o.ok, code: o.error?.Code })) });
    for (const r of results) assertVended(r);
    return results;
  };
}

export const handler = createHandler();
