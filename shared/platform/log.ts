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
  registered: number;
}

function newIndex(): SecretIndex {
  return { order: new Map(), byPrefix: new Map(), registered: 0 };
}

function addSecret(index: SecretIndex, secret: string): void {
  if (secret.length < MIN_SECRET || index.order.has(secret)) return;
  index.order.set(secret, index.registered++);
  const prefix = secret.slice(0, MIN_SECRET);
  const list = index.byPrefix.get(prefix);
  if (list) list.push(secret);
  else index.byPrefix.set(prefix, [secret]);
}

function removeSecret(index: SecretIndex, secret: string): void {
  if (!index.order.delete(secret)) return;
  const prefix = secret.slice(0, MIN_SECRET);
  const rest = (index.byPrefix.get(prefix) ?? []).filter((s) => s !== secret);
  if (rest.length > 0) index.byPrefix.set(prefix, rest);
  else index.byPrefix.delete(prefix);
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
/** When each temporary secret may be forgotten (its credentials' expiry plus SECRET_GRACE_MS). */
const forgetAt = new Map<string, number>();
/** How long a secret stays masked after its credentials expire (a late log line may still quote it). */
export const SECRET_GRACE_MS = 60 * 60_000;
let nextSweep = 0;

/**
 * Masks `value` in every log line from now on. Temporary credentials pass their expiry (epoch ms):
 * they are forgotten SECRET_GRACE_MS after it, so a warm instance that assumes roles in thousands
 * of accounts every hour does not keep every secret it ever saw. Without `expiresAt`: kept.
 */
export function registerSecret(value: string | undefined, expiresAt?: number): void {
  if (!value || value.length < MIN_SECRET) return;
  const permanent = knownSecrets.order.has(value) && !forgetAt.has(value);
  addSecret(knownSecrets, value);
  if (expiresAt === undefined || permanent) forgetAt.delete(value);
  else forgetAt.set(value, Math.max(forgetAt.get(value) ?? 0, expiresAt + SECRET_GRACE_MS));
  const now = Date.now();
  if (now < nextSweep) return;
  nextSweep = now + 60_000;
  for (const [secret, at] of forgetAt) {
    if (at > now) continue;
    forgetAt.delete(secret);
    removeSecret(knownSecrets, secret);
  }
}

/** How many secrets are masked now (for tests and diagnostics). */
export function registeredSecretCount(): number {
  return knownSecrets.order.size;
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

/** `value` as a log line would carry it: secret-looking keys replaced, every registered secret masked (for payloads that leave the process, e.g. webhooks). */
export function redactKnown(value: unknown): unknown {
  return redactWith(value, knownSecrets, 0);
}
