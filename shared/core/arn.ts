/** Parsing of the ARNs a trail spec carries (formats in shared/reference: SLS, MaxCompute, RAM role). */

/**
 * An Alibaba Cloud account id (UID): 16 digits, always handled as a string. As a JSON number it
 * would lose precision (9999999999999999 parses as 10000000000000000), so numbers are refused.
 */
export const ACCOUNT_ID = /^\d{16}$/;

export interface ProjectArn {
  region: string;
  accountId: string;
  project: string;
}

/** The account id may be empty: the caller's own account (CreateTrail's request example "acs:log:cn-shanghai::project/***"). */
const SLS_ARN = /^acs:log:([a-z0-9-]+):(\d*):project\/([a-z0-9][a-z0-9-]*[a-z0-9])$/;
const ODPS_ARN = /^acs:odps:([a-z0-9-]+):(\d+):project\/([A-Za-z0-9_]+)$/;
const ROLE_ARN = /^acs:ram::(\d+):role\/([A-Za-z0-9.@_-]+)$/;

/** `callerAccountId` fills an empty account id (""). */
export function parseSlsProjectArn(arn: string, callerAccountId = ''): ProjectArn | undefined {
  const m = SLS_ARN.exec(arn);
  return m ? { region: m[1]!, accountId: m[2] || callerAccountId, project: m[3]! } : undefined;
}

export function parseMaxComputeProjectArn(arn: string): ProjectArn | undefined {
  const m = ODPS_ARN.exec(arn);
  return m ? { region: m[1]!, accountId: m[2]!, project: m[3]! } : undefined;
}

export function parseRoleArn(arn: string): { accountId: string; roleName: string } | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? { accountId: m[1]!, roleName: m[2]! } : undefined;
}

/**
 * ActionTrail's service-linked role, which ActionTrail creates itself in the account
 * (RAM: AliyunServiceRoleForActionTrail, trusted by actiontrail.aliyuncs.com; ARN
 * acs:ram::<account>:role/aliyunserviceroleforactiontrail, as in the CreateTrail doc's examples).
 * RAM role names compare case-insensitively.
 */
export const ACTIONTRAIL_SERVICE_LINKED_ROLE = 'aliyunserviceroleforactiontrail';

export function isServiceLinkedRoleArn(arn: string): boolean {
  return parseRoleArn(arn)?.roleName.toLowerCase() === ACTIONTRAIL_SERVICE_LINKED_ROLE;
}
