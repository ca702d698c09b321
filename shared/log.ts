/**
 * Structured JSON-line logs with the request id, and redaction: no AccessKey secret, security
 * token, auth token or signature is ever written, whatever object is logged.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const SECRET_KEY = /secret|token|password|authorization|signature|credential/i;
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Shortest value registered as a secret (shorter ones are too likely to occur by chance). */
const MIN_SECRET = 8;

/**
 * Secrets to mask, indexed by their first MIN_SECRET characters: masking a string is one pass
 * over it, whatever the number of secrets (a batch registers two per assumed role, thousands).
 */
interface SecretIndex {
  /** secret → registration order (masks apply in that order). */
  order: Map<string, number>;
  byPrefix: Map<string, string[]>;
}

function newIndex(): SecretIndex {
  return { order: new Map(), byPrefix: new Map() };
}

function addSecret(index: SecretIndex, secret: string): void {
  if (secret.length < MIN_SECRET || index.order.has(secret)) return;
  index.order.set(secret, index.order.size);
  const prefix = secret.slice(0, MIN_SECRET);
  const list = index.byPrefix.get(prefix);
  if (list) list.push(secret);
  else index.byPrefix.set(prefix, [secret]);
}

/** `s` with every occurrence of every indexed secret replaced by "[REDACTED]". */
function mask(s: string, index: SecretIndex): string {
  if (s.length < MIN_SECRET || index.order.size === 0) return s;
  let found: string[] | undefined;
  for (let i = 0; i + MIN_SECRET <= s.length; i++) {
    const candidates = index.byPrefix.get(s.slice(i, i + MIN_SECRET));
    if (!candidates) continue;
    for (const secret of candidates) if (s.startsWith(secret, i) && !found?.includes(secret)) (found ??= []).push(secret);
  }
  if (!found) return s;
  found.sort((a, b) => index.order.get(a)! - index.order.get(b)!);
  for (const secret of found) s = s.split(secret).join('[REDACTED]');
  return s;
}

function redactWith(value: unknown, secrets: SecretIndex, depth: number): unknown {
  if (depth > 8) return '[Truncated]';
  if (typeof value === 'string') {
    const s = mask(value, secrets);
    return s.length > 2_000 ? `${s.slice(0, 2_000)}…` : s;
  }
  if (value instanceof Error) return { name: value.name, message: redactWith(value.message, secrets, depth + 1), code: (value as { code?: unknown }).code };
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redactWith(v, secrets, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[REDACTED]' : redactWith(v, secrets, depth + 1);
    return out;
  }
  return value;
}

/** Deep copy with secret-looking keys replaced by "[REDACTED]" and values registered as secrets masked. */
export function redact(value: unknown, secrets: readonly string[] = [], depth = 0): unknown {
  const index = newIndex();
  for (const secret of secrets) if (secret) addSecret(index, secret);
  return redactWith(value, index, depth);
}

/** Values that must never be printed (secrets known at runtime: keys, tokens). */
const knownSecrets = newIndex();
export function registerSecret(value: string | undefined): void {
  if (value) addSecret(knownSecrets, value);
}

export function createLogger(
  base: Record<string, unknown> = {},
  opts: { level?: LogLevel; write?: (line: string) => void } = {},
): Logger {
  const min = LEVELS[opts.level ?? ((process.env['TRAIL_LOG_LEVEL'] as LogLevel | undefined) ?? 'info')] ?? LEVELS.info;
  const write = opts.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < min) return;
    const record = redactWith({ time: new Date().toISOString(), level, msg, ...base, ...fields }, knownSecrets, 0);
    write(JSON.stringify(record));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, opts),
  };
}

/** A logger that writes nothing (library default). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
