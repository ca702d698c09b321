/**
 * FC 3.0 function for the tamper response (EventBridge trigger on ActionTrail events). Parses the
 * CloudEvent(s), hands the trail events to shared/triggers/tamper.ts, logs and returns the
 * outcomes. A failed restore that may succeed on a retry (throttling, 5xx) fails the invocation,
 * so FC's async retry takes over (the restore is idempotent); other outcomes are returned.
 */
import { fcContextCredentials, defaultCredentials } from '../../shared/cloud/credentials';
import { ProvisionError, errorSummary } from '../../shared/core/errors';
import { invocationDeadline, loadConfig, type Config, type FcContext } from '../../shared/platform/config';
import { createLogger, type Logger } from '../../shared/platform/log';
import { createNotifier, type Notifier } from '../../shared/platform/notify';
import { memoryLedger, ossLedger, type RestoreLedger } from '../../shared/platform/restore-ledger';
import { loadTamperConfig, type TamperConfig } from '../../shared/platform/tamper-config';
import { respondToTamper, type TamperEvent, type TamperOutcome } from '../../shared/triggers/tamper';
import type { CredentialsProvider } from '../../shared/cloud/types';
import { parseCloudEvents, toTamperEvent, type CloudEvent } from './event';

export interface HandlerDeps {
  env?: NodeJS.ProcessEnv;
  config?: Config;
  tamper?: TamperConfig;
  credentials?: CredentialsProvider;
  logger?: Logger;
  notifier?: Notifier;
  /** Restore counter; default TRAIL_TAMPER_STATE_OSS, else this instance's memory. */
  ledger?: RestoreLedger;
  baseDir?: string;
}

export interface TamperInvocationResult {
  outcomes: TamperOutcome[];
  /** CloudEvents that were not tamper events (other types or calls), and malformed ones. */
  skipped: Array<{ id?: string; type?: string; reason: string }>;
}

export function createHandler(deps: HandlerDeps = {}) {
  // Kept across invocations of a warm instance (the in-memory ledger counts for this instance only).
  let ledger = deps.ledger;
  return async function handler(event: Buffer | string, context: FcContext = {}): Promise<TamperInvocationResult> {
    const started = Date.now();
    const env = deps.env ?? process.env;
    const config = deps.config ?? loadConfig(env, context);
    const tamper = deps.tamper ?? loadTamperConfig(env);
    const credentials = deps.credentials ?? fcContextCredentials(context) ?? defaultCredentials();
    const log = (deps.logger ?? createLogger({ fn: 'tamper' })).child({ requestId: context.requestId });
    ledger ??= tamper.stateOss ? ossLedger({ region: config.region, credentials, env }, tamper.stateOss.bucket, tamper.stateOss.prefix) : memoryLedger();
    const notifier = deps.notifier ?? createNotifier(tamper.webhook, { logger: log });

    const skipped: TamperInvocationResult['skipped'] = [];
    let cloudEvents: CloudEvent[] = [];
    try {
      cloudEvents = parseCloudEvents(event);
    } catch (e) {
      skipped.push({ reason: errorSummary(e).Message });
    }
    const events: TamperEvent[] = [];
    for (const ev of cloudEvents) {
      try {
        const t = toTamperEvent(ev, tamper.eventTypes);
        if (t) events.push(t);
        else skipped.push({ id: ev.id, type: ev.type, reason: 'not a trail write call of a handled type' });
      } catch (e) {
        skipped.push({ id: ev.id, type: ev.type, reason: errorSummary(e).Message });
      }
    }
    if (skipped.length > 0) log.info('events skipped', { skipped });
    const outcomes = await respondToTamper(events, {
      config,
      tamper,
      credentials,
      ledger,
      notifier,
      env,
      logger: log,
      deadline: invocationDeadline(config, context, started),
      selfAccountId: context.accountId,
      baseDir: deps.baseDir,
    });
    await notifier.flush();
    const retry = outcomes.filter((o) => o.action === 'failed' && o.retryable);
    if (retry.length > 0) {
      throw new ProvisionError({
        code: retry[0]!.error?.Code ?? 'InternalError',
        status: 500,
        retryable: true,
        message: `${retry.length} restore(s) failed and may succeed on a retry: ${retry.map((o) => `${o.accountId} ${o.trail}: ${o.error?.Code}`).join('; ')}`,
      });
    }
    return { outcomes, skipped };
  };
}

export const handler = createHandler();
