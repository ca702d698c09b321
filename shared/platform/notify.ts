/**
 * Notifications to a webhook: generic JSON, or a DingTalk custom robot (markdown message, with
 * the robot's signing secret: timestamp (ms) and sign = urlencode(base64(HmacSHA256(secret,
 * timestamp + "\n" + secret))) added to the URL, as DingTalk's custom robot doc describes).
 *
 * Never in the way of the fix: notify() returns at once; deliveries run in the background with
 * retries (3 attempts, 5 s each, growing pauses) and flush() waits for them with a bound before
 * the invocation answers. Payloads are redacted like log lines; the webhook URL (its
 * access_token) and the secret are never logged.
 */
import { createHmac } from 'node:crypto';
import { redactKnown, silentLogger, type Logger } from './log';
import type { WebhookConfig } from './tamper-config';

export type NotificationKind =
  | 'tamper-detected'
  | 'tamper-restored'
  | 'tamper-failed'
  | 'tamper-fight'
  | 'squatted-destination'
  | 'remediation-summary'
  | 'policy-violation';

export interface Notification {
  kind: NotificationKind;
  /** One line for people. */
  title: string;
  accountId?: string;
  trail?: string;
  /** Structured detail (redacted before sending). */
  detail?: Record<string, unknown>;
}

export interface Notifier {
  notify(n: Notification): void;
  /** Waits for deliveries in flight, at most timeoutMs; never throws. */
  flush(timeoutMs?: number): Promise<void>;
}

export const noopNotifier: Notifier = { notify() {}, flush: async () => {} };

/** DingTalk's robot signature of `timestamp` (ms) with `secret`, before URL encoding. */
export function dingTalkSign(secret: string, timestamp: number | string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64');
}

/** Longest value a DingTalk line shows (the JSON format carries everything). */
const MARKDOWN_VALUE_MAX = 300;

/**
 * A value as literal text on one markdown line: much of a notification comes from the event
 * (userIdentity names, regions, times: whoever put the event on the bus chose them), so line
 * breaks and control characters become spaces, markdown punctuation is backslash-escaped
 * (CommonMark "Backslash escapes": no link, image, heading, emphasis or HTML is made), and the
 * value is cut at MARKDOWN_VALUE_MAX characters.
 */
export function markdownText(v: string): string {
  return oneLine(v).replace(/[\\`*_{}[\]()#!|<>~]/g, (c) => `\\${c}`);
}

/** One line of at most MARKDOWN_VALUE_MAX characters (the message title, a plain-text field). */
function oneLine(v: string): string {
  // eslint-disable-next-line no-control-regex
  const line = v.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return line.length > MARKDOWN_VALUE_MAX ? `${line.slice(0, MARKDOWN_VALUE_MAX)}…` : line;
}

/** The URL and body a notification is POSTed with. */
export function webhookRequest(cfg: WebhookConfig, n: Notification, now = Date.now()): { url: string; body: Record<string, unknown> } {
  const payload = redactKnown({ source: 'trail-provisioner', at: new Date(now).toISOString(), ...n }) as Record<string, unknown>;
  if (cfg.format === 'json') return { url: cfg.url, body: payload };
  const url = new URL(cfg.url);
  if (cfg.secret) {
    url.searchParams.set('timestamp', String(now));
    url.searchParams.set('sign', dingTalkSign(cfg.secret, now));
  }
  const title = String(payload['title'] ?? n.title);
  const lines = [`### ${markdownText(title)}`, '', `- kind: ${n.kind}`];
  if (n.accountId) lines.push(`- account: ${markdownText(n.accountId)}`);
  if (n.trail) lines.push(`- trail: ${markdownText(n.trail)}`);
  for (const [k, v] of Object.entries((payload['detail'] as Record<string, unknown> | undefined) ?? {})) lines.push(`- ${markdownText(k)}: ${markdownText(typeof v === 'string' ? v : JSON.stringify(v) ?? '')}`);
  return { url: url.toString(), body: { msgtype: 'markdown', markdown: { title: oneLine(title), text: lines.join('\n') } } };
}

export interface NotifierOptions {
  attempts?: number;
  attemptTimeoutMs?: number;
  baseDelayMs?: number;
  logger?: Logger;
}

export function createNotifier(cfg: WebhookConfig | undefined, opts: NotifierOptions = {}): Notifier {
  if (!cfg) return noopNotifier;
  const log = (opts.logger ?? silentLogger).child({ webhook: new URL(cfg.url).host, format: cfg.format });
  const attempts = opts.attempts ?? 3;
  const pending = new Set<Promise<void>>();

  const deliver = async (n: Notification): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      let problem: string;
      try {
        // Signed per attempt: DingTalk refuses a timestamp more than an hour old.
        const { url, body } = webhookRequest(cfg, n);
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(opts.attemptTimeoutMs ?? 5_000),
        });
        const text = await res.text();
        if (res.ok) {
          // DingTalk answers 200 with {errcode, errmsg}; errcode 0 is success.
          const errcode = cfg.format === 'dingtalk' ? (JSON.parse(text || '{}') as { errcode?: number }).errcode : 0;
          if (!errcode) return;
          problem = `errcode ${errcode}`;
        } else problem = `HTTP ${res.status}`;
      } catch (e) {
        problem = (e as Error)?.name === 'TimeoutError' ? 'timeout' : 'network error';
      }
      if (attempt >= attempts) {
        log.error('notification not delivered', { kind: n.kind, attempts: attempt, problem });
        return;
      }
      log.warn('notification failed; retrying', { kind: n.kind, attempt, problem });
      await new Promise((r) => setTimeout(r, (opts.baseDelayMs ?? 200) * 2 ** (attempt - 1)));
    }
  };

  return {
    notify(n) {
      const p = deliver(n).catch(() => {});
      pending.add(p);
      void p.finally(() => pending.delete(p));
    },
    async flush(timeoutMs = 20_000) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all([...pending]), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}
