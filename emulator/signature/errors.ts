/**
 * Authentication failures in each service family's own codes, as the real services return them:
 * POP APIs (ActionTrail, STS, RAM, Resource Manager, MaxCompute, FC), OSS, and SLS.
 * Messages never echo keys, tokens or signatures.
 */
import { EmuError, type ServiceName } from '../types';
import type { KeyProblem } from './keys';

export type Family = 'pop' | 'oss' | 'sls';
export type AuthProblem = KeyProblem | 'badSignature' | 'incomplete';

export function familyOf(service: ServiceName): Family {
  return service === 'oss' ? 'oss' : service === 'sls' ? 'sls' : 'pop';
}

const POP: Record<AuthProblem, [number, string, string]> = {
  unknownKey: [404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'],
  badSignature: [400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.'],
  incomplete: [400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.'],
  missingToken: [400, 'MissingSecurityToken', 'SecurityToken is mandatory for this action.'],
  tokenMismatch: [400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.'],
  tokenExpired: [400, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.'],
  unexpectedToken: [400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.'],
};

const OSS: Record<AuthProblem, [number, string, string]> = {
  unknownKey: [403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.'],
  badSignature: [403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'],
  incomplete: [403, 'AccessDenied', 'You have no right to access this object because of bucket acl.'],
  missingToken: [403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.'],
  tokenMismatch: [403, 'InvalidSecurityToken', 'The security token you provided is invalid.'],
  tokenExpired: [403, 'SecurityTokenExpired', 'The security token you provided has expired.'],
  unexpectedToken: [403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.'],
};

const SLS: Record<AuthProblem, [number, string, string]> = {
  unknownKey: [401, 'Unauthorized', 'The AccessKeyId is unauthorized.'],
  badSignature: [401, 'SignatureNotMatch', 'Signature not matched with our calculation.'],
  incomplete: [401, 'Unauthorized', 'The request is not signed.'],
  missingToken: [401, 'Unauthorized', 'The AccessKeyId is unauthorized.'],
  tokenMismatch: [401, 'Unauthorized', 'The security token you provided is invalid.'],
  tokenExpired: [401, 'Unauthorized', 'The security token you provided has expired.'],
  unexpectedToken: [401, 'Unauthorized', 'The AccessKeyId is unauthorized.'],
};

/**
 * FC 3.0 signs like POP (ACS3) but answers authentication failures with its own codes: 403
 * SignatureNotMatch and 403 InvalidAccessKeyID (FC "Error codes" page). Token problems are not on
 * that page: 403 InvalidAccessKeyID / AccessDenied here is unverified (docs/conformance.md).
 */
const FC: Record<AuthProblem, [number, string, string]> = {
  unknownKey: [403, 'InvalidAccessKeyID', 'invalid access key ID'],
  badSignature: [403, 'SignatureNotMatch', 'The request signature we calculated does not match the signature you provided. Check your access key and signing method'],
  incomplete: [403, 'AccessDenied', 'The request is not signed.'],
  missingToken: [403, 'InvalidAccessKeyID', 'invalid access key ID'],
  tokenMismatch: [403, 'AccessDenied', 'The security token you provided is invalid.'],
  tokenExpired: [403, 'AccessDenied', 'The security token you provided has expired.'],
  unexpectedToken: [403, 'InvalidAccessKeyID', 'invalid access key ID'],
};

const TABLES: Record<Family, Record<AuthProblem, [number, string, string]>> = { pop: POP, oss: OSS, sls: SLS };

export function authError(service: ServiceName, problem: AuthProblem): EmuError {
  const [status, code, message] = service === 'fc' ? FC[problem] : TABLES[familyOf(service)][problem];
  return new EmuError(status, code, message);
}

/** An OSS error carrying OSS's extra XML elements (EC, RecommendDoc), as formatError writes them. */
function ossError(status: number, code: string, message: string, ec: string): EmuError {
  return Object.assign(new EmuError(status, code, message), {
    details: { EC: ec, RecommendDoc: `https://api.aliyun.com/troubleshoot?q=${ec}` },
  });
}

/**
 * A pre-V4 OSS signature where OSS no longer takes one: 403, EC 0002-00000080 (OSS docs page
 * 0002-00000080: "OSS returns a 403 error when you call an API operation signed with a V1
 * signature"). The page names no Code: AccessDenied is this emulator's choice (unverified), and
 * the product does not depend on it (it reads the EC).
 */
export function ossV1Refused(): EmuError {
  return ossError(403, 'AccessDenied', 'The V1 signature is no longer supported for this account or bucket. Please use the V4 signature.', '0002-00000080');
}

/**
 * OSS V4 credential scope naming another region than the Host (OSS docs page 0002-00000226).
 * The page names no Code or status: 400 InvalidArgument is this emulator's choice (unverified).
 */
export function ossRegionMismatch(scopeRegion: string, hostRegion: string): EmuError {
  return ossError(400, 'InvalidArgument', `Invalid region in x-oss-credential: ${scopeRegion}; the endpoint is in ${hostRegion}.`, '0002-00000226');
}
