/**
 * FC 3.0 function for scheduled compliance remediation (timer trigger) and its fan-out worker
 * (async invocations of the same function). Parses the event, runs shared/triggers/remediation.ts, logs
 * the report (JSON and text summary) and returns it. A batch (fan-out worker) invocation with a
 * retryable failure (throttling, 5xx, the deadline) then throws, so FC's async retry runs the
 * batch again (idempotent) and its failure destination receives it when retries run out; the
 * timer run does not (its next run is the retry).
 */
import { ProvisionError } from '../../shared/core/errors';
import { fcContextCredentials, defaultCredentials } from '../../shared/cloud/credentials';
import { invocationDeadline, loadConfig, type Config, type FcContext } from '../../shared/platform/config';
import { createLogger, type Logger } from '../../shared/platform/log';
import { createNotifier, type Notifier } from '../../shared/platform/notify';
import { cisChecksEnabled, loadWebhookConfig } from '../../shared/platform/tamper-config';
import { runBatch, runRemediation } from '../../shared/triggers/remediation';
import { formatReport, type Report } from '../../shared/triggers/report';
import type { CredentialsProvider } from '../../shared/cloud/types';
import { parseRemediationEvent } from './event';

export interface HandlerDeps {
  /** Environment (config + endpoints); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Config; default loadConfig(env, context). */
  config?: Config;
  /** Management-account credentials; default the FC context's, else the default chain. */
  credentials?: CredentialsProvider;
  logger?: Logger;
  baseDir?: string;
  /** Notifications (default: TRAIL_WEBHOOK_URL, when set). */
  notifier?: Notifier;
}

export function createHandler(deps: HandlerDeps = {}) {
  return async function handler(event: Buffer | string, context: FcContext = {}): Promise<Report> {
    const started = Date.now();
    const env = deps.env ?? process.env;
    const config = deps.config ?? loadConfig(env, context);
    const credentials = deps.credentials ?? fcContextCredentials(context) ?? defaultCredentials();
    const logger = (deps.logger ?? createLogger({ fn: 'remediation' })).child({ requestId: context.requestId });
    const parsed = parseRemediationEvent(event);
    const remediationDeps = {
      config,
      credentials,
      env,
      logger,
      deadline: invocationDeadline(config, context, started),
      selfAccountId: context.accountId,
      functionName: context.function?.name,
      baseDir: deps.baseDir,
      cisChecks: cisChecksEnabled(env),
    };
    const report = parsed.kind === 'batch' ? await runBatch(parsed.batch, remediationDeps) : await runRemediation(parsed.run, remediationDeps);
    const { details: _details, ...summary } = report;
    logger.info('report', { report: summary, text: formatReport(report) });
    // A run (or batch) with anything non-compliant, failed or not delivering is notified.
    if (report.mode !== 'fanout' && (report.nonCompliant > 0 || report.failed.length > 0 || report.deliveryProblems.length > 0 || (report.cisFindings?.length ?? 0) > 0)) {
      const notifier = deps.notifier ?? createNotifier(loadWebhookConfig(env), { logger });
      notifier.notify({
        kind: 'remediation-summary',
        title: `Compliance run ${report.runId}${report.mode === 'batch' ? ' (batch)' : ''}: ${report.nonCompliant} non-compliant, ${report.fixed} fixed, ${report.failed.length} failed`,
        detail: {
          runId: report.runId,
          dryRun: report.dryRun,
          counts: report.counts,
          fixed: report.fixed,
          failed: report.failed.slice(0, 20),
          ...(report.failed.length > 20 ? { failedNotShown: report.failed.length - 20 } : {}),
          deliveryProblems: report.deliveryProblems.slice(0, 20),
          ...(report.cisFindings ? { cisFindings: report.cisFindings.slice(0, 20) } : {}),
        },
      });
      // A destination another trail took (RepeatOssBucket) is a squat: its own notification.
      for (const f of report.failed.filter((x) => x.Code === 'RepeatOssBucket').slice(0, 20)) {
        notifier.notify({ kind: 'squatted-destination', title: `Trail ${f.name ?? '?'} in ${f.accountId}: its destination is taken by another trail`, accountId: f.accountId, trail: f.name, detail: { runId: report.runId, region: f.region, error: f.Message } });
      }
      await notifier.flush();
    }
    const retryable = report.failed.filter((f) => f.retryable);
    if (parsed.kind === 'batch' && retryable.length > 0) {
      throw new ProvisionError({
        code: retryable[0]!.Code,
        status: 500,
        message: `Batch of run ${report.runId}: ${retryable.length} retryable failure(s), e.g. ${retryable[0]!.accountId}: ${retryable[0]!.Code}; FC retries the batch.`,
        retryable: true,
      });
    }
    return report;
  };
}

export const handler = createHandler();
