/**
 * Configuration of the tamper response (functions/tamper), of notifications and of the CIS
 * destination checks, read from the environment like config.ts (kept apart so the two evolve
 * without touching each other).
 */
import { errorSummary } from '../core/errors';
import { invalidConfig } from './config';
import type { Logger } from './log';

/** ActionTrail's CloudEvent types on EventBridge (EventBridge "ActionTrail events" doc): API calls and console operations. */
export const DEFAULT_TAMPER_TYPES = ['actiontrail:ActionTrail:ApiCall', 'actiontrail:ActionTrail:ConsoleOperation'];

/** One entry of an EventBridge pattern's value list: an exact value or a condition object (EventBridge "Event patterns"). */
export type PatternEntry = string | { suffix: string } | { prefix: string };

/**
 * data.eventName of the tamper pattern: StopLogging, and ActionTrail's calls named …Trail
 * (CreateTrail, UpdateTrail, DeleteTrail) and …DataEventSelector (PutDataEventSelector,
 * DeleteDataEventSelector; GetDataEventSelector is a read, and reads are not published). Three
 * expressions instead of six names: the CreateRule / UpdateRule models allow "up to five
 * expressions in the map data structure in each field" without saying whether plain values count
 * (docs/conformance.md, eb.pattern); three is within the limit either way. Among ActionTrail's
 * operations it matches exactly TAMPER_EVENT_NAMES (test/tamper-pattern.test.ts), which the tamper
 * function checks again.
 */
export const TAMPER_EVENT_NAME_PATTERN: readonly PatternEntry[] = Object.freeze(['StopLogging', { suffix: 'Trail' }, { suffix: 'DataEventSelector' }]);

/** The tamper trigger's EventBridge pattern (s.yaml deploys the same; the member routes use it too). */
export function tamperEventPattern(types: readonly string[]): { type: string[]; data: { eventName: PatternEntry[] } } {
  return { type: [...types], data: { eventName: TAMPER_EVENT_NAME_PATTERN.map((e) => (typeof e === 'string' ? e : { ...e })) } };
}

export interface WebhookConfig {
  /** TRAIL_WEBHOOK_URL: where notifications are POSTed (http or https). */
  url: string;
  /** TRAIL_WEBHOOK_FORMAT: "json" (default; the notification as is) or "dingtalk" (custom robot markdown message). */
  format: 'json' | 'dingtalk';
  /** TRAIL_WEBHOOK_SECRET: DingTalk robot signing secret (SEC...); adds timestamp and sign to the URL. */
  secret?: string;
}

export interface TamperConfig {
  /** TRAIL_TAMPER_EVENT_TYPES: comma-separated CloudEvent types handled (default both ActionTrail types above). */
  eventTypes: string[];
  /** TRAIL_TAMPER_MAX_RESTORES (default 5, 1..1000): restores of one trail per window, then an alert instead. */
  maxRestores: number;
  /** TRAIL_TAMPER_WINDOW_SECONDS (default 3600, 60..604800): the window of the restore limit. */
  windowSeconds: number;
  /**
   * TRAIL_TAMPER_STATE_OSS ("oss://bucket/prefix", default none): where the restore counter of each
   * trail is kept (<prefix>/tamper/<account>/<trail>.json), shared by every instance. Without it
   * the counter lives in the instance's memory only (each FC instance counts on its own).
   */
  stateOss?: { bucket: string; prefix: string };
  /** Webhook notifications; undefined when TRAIL_WEBHOOK_URL is not set. */
  webhook?: WebhookConfig;
}


function intVar(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return def;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw invalidConfig(name, `must be an integer from ${min} to ${max}`);
  return Number(raw);
}

export function loadWebhookConfig(env: NodeJS.ProcessEnv = process.env): WebhookConfig | undefined {
  const url = env['TRAIL_WEBHOOK_URL']?.trim();
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidConfig('TRAIL_WEBHOOK_URL', 'is not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw invalidConfig('TRAIL_WEBHOOK_URL', 'must be an http(s) URL');
  const format = (env['TRAIL_WEBHOOK_FORMAT']?.trim().toLowerCase() || 'json') as WebhookConfig['format'];
  if (format !== 'json' && format !== 'dingtalk') throw invalidConfig('TRAIL_WEBHOOK_FORMAT', 'must be "json" or "dingtalk"');
  const secret = env['TRAIL_WEBHOOK_SECRET']?.trim() || undefined;
  return { url, format, secret };
}

export function loadTamperConfig(env: NodeJS.ProcessEnv = process.env): TamperConfig {
  const types = (env['TRAIL_TAMPER_EVENT_TYPES'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (types.some((t) => !/^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)+$/.test(t))) throw invalidConfig('TRAIL_TAMPER_EVENT_TYPES', 'must be comma-separated CloudEvent types like actiontrail:ActionTrail:ApiCall');
  let stateOss: TamperConfig['stateOss'];
  const raw = env['TRAIL_TAMPER_STATE_OSS']?.trim();
  if (raw) {
    const m = /^oss:\/\/([a-z0-9][a-z0-9-]{1,61}[a-z0-9])(?:\/([A-Za-z0-9._/-]*))?$/.exec(raw);
    if (!m || (m[2] ?? '').split('/').some((p) => p === '.' || p === '..')) throw invalidConfig('TRAIL_TAMPER_STATE_OSS', 'must look like oss://bucket/prefix');
    stateOss = { bucket: m[1]!, prefix: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
  }
  return {
    eventTypes: types.length > 0 ? types : DEFAULT_TAMPER_TYPES,
    maxRestores: intVar(env, 'TRAIL_TAMPER_MAX_RESTORES', 5, 1, 1000),
    windowSeconds: intVar(env, 'TRAIL_TAMPER_WINDOW_SECONDS', 3600, 60, 604_800),
    stateOss,
    webhook: loadWebhookConfig(env),
  };
}

/** TRAIL_CIS_CHECKS (default false): remediation runs the CIS destination checks on every trail (shared/triggers/cis.ts; report only). */
export function cisChecksEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env['TRAIL_CIS_CHECKS']?.trim().toLowerCase();
  if (!raw) return false;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw invalidConfig('TRAIL_CIS_CHECKS', 'must be true or false');
}

/**
 * The event types the member event routes carry (TRAIL_TAMPER_EVENT_TYPES), for the functions that
 * make routes (vending, remediation) and do not otherwise read the tamper settings: when those are
 * refused, the defaults, with a warning naming the variable (the route step must not fail on them).
 */
export function routeEventTypes(env: NodeJS.ProcessEnv, log: Logger): string[] {
  try {
    return loadTamperConfig(env).eventTypes;
  } catch (e) {
    const fallback = loadTamperConfig({}).eventTypes;
    log.warn('tamper settings refused; the event route uses the default event types', { error: errorSummary(e), eventTypes: fallback });
    return fallback;
  }
}
