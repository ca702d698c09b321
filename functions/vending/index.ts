/**
 * FC 3.0 function for account vending (EventBridge trigger). Parses the CloudEvent(s), hands
 * each to shared/triggers/vending.ts, logs the outcome and returns it. A failed spec (or a malformed event)
 * fails the invocation, so FC's async retry and dead-letter destination take over (succeeded specs
 * are kept; re-runs converge). With TRAIL_VENDING_FAIL_ON=retryable only retryable failures
 * (throttling, 5xx, unexpected errors) do; the others, which every retry would repeat, are returned
 * with ok:false and logged at error level.
 */
import { fcContextCredentials, defaultCredentials } from '../../shared/cloud/credentials';
import { invocationDeadline, loadConfig, type Config, type FcContext } from '../../shared/platform/config';
import { createLogger, type Logger } from '../../shared/platform/log';
import { assertVended, failsInvocation, rejectedVending, vendAccount, type VendingRequest, type VendingResult } from '../../shared/triggers/vending';
import type { CredentialsProvider } from '../../shared/cloud/types';
import { eventOrigin, parseCloudEvents, toVendingRequest, type CloudEvent } from './event';

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
    const results: VendingResult[] = [];
    // A malformed event (or batch element) becomes a failed result naming the field: retrying cannot fix it.
    let events: CloudEvent[];
    try {
      events = parseCloudEvents(event);
    } catch (e) {
      events = [];
      results.push(rejectedVending({ accountId: '', origin: 'unparsed' }, config.region, config.dryRun, e));
    }
    for (const ev of events) {
      let req: VendingRequest;
      try {
        req = toVendingRequest(ev, config.vendingSource);
      } catch (e) {
        const eventId = typeof ev.id === 'string' ? ev.id : undefined;
        results.push(rejectedVending({ accountId: '', origin: eventOrigin(ev, config.vendingSource), eventId }, config.region, config.dryRun, e));
        continue;
      }
      results.push(
        await vendAccount(req, { config, credentials, env, logger: log, deadline: invocationDeadline(config, context, started), baseDir: deps.baseDir }),
      );
    }
    const retry = failsInvocation(results, config.vendingFailOn);
    for (const r of results) {
      const summary = {
        accountId: r.accountId,
        eventId: r.eventId,
        origin: r.origin,
        ok: r.ok,
        ...(r.error ? { error: r.error } : {}),
        outcomes: r.outcomes.map((o) => ({ name: o.name, ok: o.ok, code: o.error?.Code, ...(o.ok ? {} : { retryable: o.retryable }) })),
        ...(r.eventRoute ? { eventRoute: { status: r.eventRoute.status, done: r.eventRoute.done, ...(r.eventRoute.error ? { code: r.eventRoute.error.Code } : {}) } } : {}),
      };
      if (r.ok) log.info('vended', summary);
      else log.error('vending failed', { ...summary, retryable: r.retryable, invocation: retry ? 'fails (FC retries it, then dead-letters it)' : 'succeeds (TRAIL_VENDING_FAIL_ON=retryable: retrying cannot help)' });
    }
    assertVended(results, config.vendingFailOn);
    return results;
  };
}

export const handler = createHandler();
