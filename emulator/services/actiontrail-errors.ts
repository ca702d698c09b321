/**
 * ActionTrail 2020-07-06 error codes as the emulator answers them, written from the API docs
 * (NOT imported from the product: shared/core/errors.ts is a second, independent copy, and
 * test/error-catalogue.test.ts checks both against the seed CreateTrail doc, so a mistake in one
 * shows up as a failing test).
 *
 * Sources: CreateTrail API doc "Error codes" table (/work/shared/seed/CreateTrail-api.txt);
 * UpdateTrail / StartLogging / StopLogging / DeleteTrail / GetTrailStatus docs for
 * TrailNotFoundException (see docs/conformance.md).
 */
export const AT_ERRORS = {
  // CreateTrail doc, "Error codes"
  InvalidDeliveryConfigurationException: [400, 'You must specify at least one Log Service project or OSS bucket for a Trail.'],
  InvalidPrefixException: [400, 'The specified OSS bucket prefix is invalid.'],
  InvalidQueryParameter: [400, 'The specified query parameter is invalid.'],
  InvalidTrailNameException: [400, 'The specified Trail name is invalid.'],
  RepeatOssBucket: [400, 'The specified OSS bucket is already in use. We recommend that you modify the existing Trail or specify another bucket.'],
  SlsProjectDoesNotExistException: [400, 'The specified Log Service project does not exist.'],
  TrailAlreadyExistsException: [400, 'The specified Trail name already exists.'],
  MaximumNumberOfOrganizationTrailExceeded: [400, 'Your account can create only one organization trail.'],
  NotAllowCreateOrganizationTrail: [400, 'Your account does not allow you to create organization trail. Submit a ticket to get customer support.'],
  InsufficientBucketPolicyException: [403, 'Access to the specified OSS bucket was denied.'],
  InsufficientSlsPolicyException: [403, 'Access to the specified Log Service project was denied.'],
  MaximumNumberOfTrailsExceededException: [403, 'The number of Trails in the same region exceeds the upper limit (5).'],
  BucketDoesNotExistException: [404, 'The specified OSS bucket does not exist.'],
  // UpdateTrail, StartLogging, StopLogging, DeleteTrail, GetTrailStatus docs
  TrailNotFoundException: [404, 'The specified Trail does not exist.'],
} as const satisfies Record<string, readonly [number, string]>;

export type AtCode = keyof typeof AT_ERRORS;

/**
 * Emulator-only codes where ActionTrail documents none (MaxCompute destinations): the emulator
 * must answer *something*; the product treats any 4xx here as a refusal (see docs/conformance.md,
 * "unverified").
 */
export const AT_UNDOCUMENTED = {
  MaxComputeProjectDoesNotExistException: [404, 'The specified MaxCompute project does not exist.'],
  InsufficientMaxComputePolicyException: [403, 'Access to the specified MaxCompute project was denied.'],
} as const satisfies Record<string, readonly [number, string]>;
