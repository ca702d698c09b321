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

const SLS_ARN = /^acs:log:([a-z0-9-]+):(\d+):project\/([a-z0-9][a-z0-9-]*[a-z0-9])$/;
const ODPS_ARN = /^acs:odps:([a-z0-9-]+):(\d+):project\/([A-Za-z0-9_]+)$/;
const ROLE_ARN = /^acs:ram::(\d+):role\/([A-Za-z0-9.@_-]+)$/;

export function parseSlsProjectArn(arn: string): ProjectArn | undefined {
  const m = SLS_ARN.exec(arn);
  return m ? { region: m[1]!, accountId: m[2]!, project: m[3]! } : undefined;
}

export function parseMaxComputeProjectArn(arn: string): ProjectArn | undefined {
  const m = ODPS_ARN.exec(arn);
  return m ? { region: m[1]!, accountId: m[2]!, project: m[3]! } : undefined;
}

export function parseRoleArn(arn: string): { accountId: string; roleName: string } | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? { accountId: m[1]!, roleName: m[2]! } : undefined;
}
