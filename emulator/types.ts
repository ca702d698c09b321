/**
 * Contracts between the emulator's HTTP server and its per-service handlers.
 *
 * The server reads the request, works out which service it is for (by Host name, or by request
 * shape when the client was pointed at 127.0.0.1:PORT), verifies the signature with that
 * service's scheme, resolves the caller (account, or assumed-role session), applies injected
 * faults, and then calls the service handler. Handlers are plain functions over the World.
 */
import type { World } from './state';

export type ServiceName = 'actiontrail' | 'oss' | 'sls' | 'maxcompute' | 'sts' | 'resourcemanager' | 'ram' | 'fc' | 'eventbridge';

/** Who signed the request, after signature verification. */
export interface Caller {
  accountId: string;
  accessKeyId: string;
  /** Set for STS temporary credentials: the role the session assumed. */
  assumedRoleArn?: string;
}

export interface EmuRequest {
  service: ServiceName;
  method: string;
  /** Decoded path, without query string. For path-style OSS it still includes "/<bucket>". */
  path: string;
  /** Raw path as sent (percent-encoded), without query string; signatures are computed over this. */
  rawPath: string;
  /** Decoded query parameters (last value wins). */
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
  /** Host header as sent, e.g. "actiontrail.cn-hangzhou.aliyuncs.com" or "127.0.0.1:4567". */
  host: string;
  /** Region the request is for (from host name, x-acs-region-id, RegionId param, or the default). */
  region: string;
  /** POP action name (x-acs-action header or Action query param), when the service is a POP API. */
  action?: string;
  /** Form-encoded body parameters merged with the query, for RPC APIs. */
  params: Record<string, string>;
  /** SLS project / OSS bucket taken from the host name (virtual-hosted style) or the path. */
  project?: string;
  bucket?: string;
  requestId: string;
  caller: Caller;
  /**
   * Set by the server when a 'stale' fault fired on a call that answers with a lagging view rather
   * than failing (emulator/faults.ts lagsWhenStale): the service answers as the cloud did a moment
   * ago, e.g. GetTrailStatus with IsLogging=false right after StartLogging.
   */
  stale?: boolean;
}

export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type ServiceHandler = (req: EmuRequest, world: World) => EmuResponse | Promise<EmuResponse>;

/** Thrown by handlers; the server formats it in the service's own error format. */
export class EmuError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. Retry-After on throttling. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'EmuError';
  }
}
