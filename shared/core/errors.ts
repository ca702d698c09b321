/**
 * The project's error type and the catalog of documented ActionTrail error codes.
 *
 * Every error that leaves the core is a ProvisionError: a documented code, the HTTP status the
 * API documents for it, a message, and (for validation) every failing field as a JSON pointer.
 * Handlers serialise it as the ActionTrail envelope {RequestId, HostId?, Code, Message}.
 */

export interface FieldError {
  /** JSON pointer to the failing field, "" for the document itself. */
  pointer: string;
  /** The rule that failed (JSON Schema keyword or documented rule name). */
  rule: string;
  message: string;
  /** Guardrail violations: the policy rule that refused the spec (README, Guardrails). */
  ruleId?: string;
}

/** Most entries an error answer's `Errors` carries; `ErrorCount` says how many there were. */
export const MAX_ERRORS = 20;

/** Documented CreateTrail / UpdateTrail / Start/StopLogging / GetTrailStatus error codes. */
export const DOCUMENTED_ERRORS = {
  InvalidDeliveryConfigurationException: { status: 400, message: 'You must specify at least one Log Service project or OSS bucket for a Trail.' },
  InvalidPrefixException: { status: 400, message: 'The specified OSS bucket prefix is invalid.' },
  InvalidQueryParameter: { status: 400, message: 'The specified query parameter is invalid.' },
  InvalidTrailNameException: { status: 400, message: 'The specified Trail name is invalid.' },
  RepeatOssBucket: { status: 400, message: 'The specified OSS bucket is already in use. We recommend that you modify the existing Trail or specify another bucket.' },
  SlsProjectDoesNotExistException: { status: 400, message: 'The specified Log Service project does not exist.' },
  TrailAlreadyExistsException: { status: 400, message: 'The specified Trail name already exists.' },
  MaximumNumberOfOrganizationTrailExceeded: { status: 400, message: 'Your account can create only one organization trail.' },
  NotAllowCreateOrganizationTrail: { status: 400, message: 'Your account does not allow you to create organization trail. Submit a ticket to get customer support.' },
  InsufficientBucketPolicyException: { status: 403, message: 'Access to the specified OSS bucket was denied.' },
  InsufficientSlsPolicyException: { status: 403, message: 'Access to the specified Log Service project was denied.' },
  MaximumNumberOfTrailsExceededException: { status: 403, message: 'The number of Trails in the same region exceeds the upper limit (5).' },
  BucketDoesNotExistException: { status: 404, message: 'The specified OSS bucket does not exist.' },
  TrailNotFoundException: { status: 404, message: 'The specified Trail does not exist.' },
} as const;
export type DocumentedCode = keyof typeof DOCUMENTED_ERRORS;

/** Codes the project adds where the API documents none (each says what happened, plainly). */
export const PROJECT_ERRORS = {
  /** MaxCompute project in MaxComputeProjectArn does not exist (ActionTrail documents no code). */
  MaxComputeProjectDoesNotExistException: { status: 404, message: 'The specified MaxCompute project does not exist.' },
  /** Write role cannot reach the MaxCompute project. */
  InsufficientMaxComputePolicyException: { status: 403, message: 'Access to the specified MaxCompute project was denied.' },
  /** StartLogging succeeded but GetTrailStatus does not report IsLogging within the deadline. */
  TrailNotLoggingException: { status: 500, message: 'The trail was started but is not logging.' },
  /** PutDataEventSelector succeeded but GetDataEventSelector does not answer the spec's selectors within the deadline. */
  DataEventSelectorNotApplied: { status: 500, message: 'The data event selectors were put but are not in effect.' },
  /** HTTP trigger: missing or bad credentials. */
  Unauthorized: { status: 401, message: 'Authentication is required.' },
  /** HTTP trigger: the requested member account is not in TRAIL_HTTP_ACCOUNTS. */
  AccountNotAllowed: { status: 403, message: 'The self-service API is not allowed to work in the requested account.' },
  NotFound: { status: 404, message: 'The requested resource does not exist.' },
  MethodNotAllowed: { status: 405, message: 'The method is not allowed on this resource.' },
  PayloadTooLarge: { status: 413, message: 'The request body is too large.' },
  UnsupportedMediaType: { status: 415, message: 'The request body must be application/json.' },
  /** Remediation: a fan-out batch that is not in its run's manifest (dispatch.json) as dispatched. */
  BatchNotDispatched: { status: 403, message: 'The remediation batch is not in its run manifest.' },
  /** A function's environment variables are missing or malformed (the message names the variable). */
  InvalidConfiguration: { status: 500, message: 'The function configuration is invalid.' },
  /** The guardrail policy refuses the spec (every violated rule in Errors, by ruleId); nothing was written. */
  PolicyViolation: { status: 403, message: 'The trail spec violates the guardrail policy.' },
  /** The spec would create or change a protected trail (a baseline or organization trail); nothing was written. */
  ProtectedTrail: { status: 409, message: 'The trail is protected: only the baseline may create or change it.' },
  /** HTTP trigger: throttled by the cloud after every retry; try again after Retry-After seconds. */
  Throttling: { status: 429, message: 'The request was throttled by the cloud service; retry later.' },
  /** HTTP trigger: the cloud service is unavailable after every retry; try again after Retry-After seconds. */
  ServiceUnavailable: { status: 503, message: 'The cloud service is unavailable; retry later.' },
  /** The member event route: adding a member to the receiver role's trust policy would pass TRAIL_EVENT_ROUTE_TRUST_MAX_CHARS; nothing was written. */
  TrustPolicyTooLong: { status: 409, message: 'The receiver role trust policy would be too long.' },
  /** A deadline ran out while retrying. */
  DeadlineExceeded: { status: 504, message: 'The operation did not finish before its deadline.' },
  /** An unexpected failure; the message never carries secrets or stack traces. */
  InternalError: { status: 500, message: 'The request processing has failed due to some unknown error.' },
} as const;
export type ProjectCode = keyof typeof PROJECT_ERRORS;

export type ErrorCode = DocumentedCode | ProjectCode | (string & {});

export class ProvisionError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: FieldError[];
  /** Request id of the cloud call that failed, if any. */
  readonly requestId?: string;
  /** True when retrying the same call may succeed (throttling, 5xx, eventual consistency). */
  readonly retryable: boolean;
  /** Machine-readable facts about the failure for reports (e.g. `squatter`: the trail holding a destination). */
  readonly detail?: Record<string, string>;
  /**
   * The message came from a cloud service's answer (an SDK error), so it may name internals
   * (endpoints, role ARNs, request parameters): answers to callers use publicMessage() instead.
   */
  readonly fromService: boolean;

  constructor(opts: {
    code: ErrorCode;
    message?: string;
    status?: number;
    fields?: FieldError[];
    requestId?: string;
    retryable?: boolean;
    cause?: unknown;
    detail?: Record<string, string>;
    fromService?: boolean;
  }) {
    const known = (DOCUMENTED_ERRORS as Record<string, { status: number; message: string }>)[opts.code] ??
      (PROJECT_ERRORS as Record<string, { status: number; message: string }>)[opts.code];
    super(opts.message ?? known?.message ?? opts.code, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProvisionError';
    this.code = opts.code;
    this.status = opts.status ?? known?.status ?? 500;
    this.fields = opts.fields ?? [];
    this.requestId = opts.requestId;
    this.retryable = opts.retryable ?? false;
    this.detail = opts.detail;
    // Wrapping an error keeps its origin: a message built around a service's message is one too.
    this.fromService = opts.fromService ?? (opts.cause instanceof ProvisionError ? opts.cause.fromService : false);
  }

  /**
   * The ActionTrail error envelope, plus the failing fields when there are any: the first
   * MAX_ERRORS of them, with ErrorCount (all of them). The message is publicMessage().
   */
  toEnvelope(requestId: string): { RequestId: string; Code: string; Message: string; Errors?: FieldError[]; ErrorCount?: number } {
    return {
      RequestId: requestId,
      Code: this.code,
      Message: publicMessage(this),
      ...(this.fields.length > 0 ? { Errors: this.fields.slice(0, MAX_ERRORS), ErrorCount: this.fields.length } : {}),
    };
  }
}

/**
 * The message a caller may see: the error's own message when the project wrote it; for a message
 * that came from a cloud service, the catalogued text of its code (or a generic one naming the code),
 * so no endpoint, role ARN or request parameter from an SDK message reaches a caller.
 */
export function publicMessage(e: ProvisionError): string {
  if (!e.fromService) return e.message;
  const known = (DOCUMENTED_ERRORS as Record<string, { message: string }>)[e.code] ?? (PROJECT_ERRORS as Record<string, { message: string }>)[e.code];
  return known?.message ?? `The cloud service refused the request (${e.code}).`;
}

export function isProvisionError(e: unknown): e is ProvisionError {
  return e instanceof ProvisionError;
}

/** An error's code and message, with nothing else (no stack, no cause chain, no secrets). */
export function errorSummary(e: unknown): { Code: string; Message: string; RequestId?: string } {
  if (e instanceof ProvisionError) return { Code: e.code, Message: e.message, ...(e.requestId ? { RequestId: e.requestId } : {}) };
  return { Code: 'InternalError', Message: 'The request processing has failed due to some unknown error.' };
}

/**
 * Whether a failure is worth another invocation: throttling, 5xx and network errors
 * (ProvisionError.retryable), anything that is not a ProvisionError, and 5xx project errors
 * (InvalidConfiguration, TrailNotLoggingException, InternalError). Documented 4xx errors
 * (validation, missing destination, denied access, quota) fail the same way on every retry.
 */
export function isRetryableFailure(e: unknown): boolean {
  if (!(e instanceof ProvisionError)) return true;
  return e.retryable || e.status >= 500;
}
