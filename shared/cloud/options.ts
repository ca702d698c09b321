/** Options every client module's factory takes. */
import type { CredentialsProvider } from './types';

export interface ClientOptions {
  /** Region of the endpoint called (for ActionTrail: the trail's HomeRegion). */
  region: string;
  credentials: CredentialsProvider;
  /** Environment used for endpoint resolution (defaults to process.env); see endpoints.ts. */
  env?: NodeJS.ProcessEnv;
  /** Owner account id; the FC endpoint needs it. */
  accountId?: string;
  /** Per-request timeouts, ms (default DEFAULT_TIMEOUTS): a hung call fails as retryable ETIMEDOUT. */
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
}

/** Every SDK client's timeouts unless ClientOptions says otherwise: no call may hang an invocation. */
export const DEFAULT_TIMEOUTS = { connectTimeoutMs: 5_000, readTimeoutMs: 15_000 } as const;
