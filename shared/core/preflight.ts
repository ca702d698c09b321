/**
 * Destination checks before any write: the OSS bucket, SLS project and MaxCompute project exist,
 * and write roles in the caller's own account exist and trust ActionTrail, except ActionTrail's
 * service-linked role (AliyunServiceRoleForActionTrail), which ActionTrail creates itself. A failure throws the
 * code CreateTrail itself would return, so nothing is created when a destination is wrong.
 *
 * Each check throws inside the retried call, so a "does not exist" that is only eventual
 * consistency (an SLS project or a write role created moments ago) is retried within the retry
 * policy's consistency window (retry.ts CONSISTENCY_CODES) before it is final.
 */
import { ProvisionError } from './errors';
import { isServiceLinkedRoleArn, parseMaxComputeProjectArn, parseRoleArn, parseSlsProjectArn } from './arn';
import type { Cloud, Existence } from '../cloud/types';
import type { Call } from './retry';
import type { TrailSpec } from './spec';

export const ACTIONTRAIL_PRINCIPAL = 'actiontrail.aliyuncs.com';

export interface DestinationCheck {
  kind: 'oss' | 'sls' | 'maxcompute' | 'role';
  name: string;
  /**
   * 'service-linked': ActionTrail's own service-linked role, which ActionTrail creates when it
   * needs it (a freshly vended account does not have it yet), so it is not looked up in RAM.
   */
  result: Existence | 'created-by-actiontrail' | 'service-linked' | 'not-checked';
}


export async function preflight(spec: TrailSpec, cloud: Cloud, call: Call): Promise<DestinationCheck[]> {
  const checks: Array<Promise<DestinationCheck>> = [];
  if (spec.OssBucketName) {
    const bucket = spec.OssBucketName;
    checks.push(
      call('oss:GetBucketInfo', async () => {
        const result = await cloud.oss.bucketExists(bucket, cloud.region);
        if (result === 'missing') throw new ProvisionError({ code: 'BucketDoesNotExistException', message: `The specified OSS bucket does not exist: ${bucket}.` });
        // AccessDenied means the bucket exists in another account; ActionTrail's write role decides access.
        return { kind: 'oss' as const, name: bucket, result };
      }),
    );
    if (spec.OssWriteRoleArn) checks.push(checkRole(spec.OssWriteRoleArn, 'InsufficientBucketPolicyException', cloud, call));
  }
  if (spec.SlsProjectArn) {
    const arn = parseSlsProjectArn(spec.SlsProjectArn, cloud.accountId);
    if (arn) {
      checks.push(
        call('sls:GetProject', async () => {
          const result = await cloud.sls.projectExists(arn.project, arn.region);
          if (result === 'missing') {
            throw new ProvisionError({ code: 'SlsProjectDoesNotExistException', message: `The specified Log Service project does not exist: ${arn.project} (${arn.region}).` });
          }
          return { kind: 'sls' as const, name: arn.project, result };
        }),
      );
    }
    if (spec.SlsWriteRoleArn) checks.push(checkRole(spec.SlsWriteRoleArn, 'InsufficientSlsPolicyException', cloud, call));
  }
  if (spec.MaxComputeProjectArn) {
    const arn = parseMaxComputeProjectArn(spec.MaxComputeProjectArn);
    if (arn) {
      checks.push(
        call('maxcompute:GetProject', async () => {
          const result = await cloud.maxcompute.projectExists(arn.project, arn.region);
          if (result !== 'missing') return { kind: 'maxcompute' as const, name: arn.project, result };
          // The CreateTrail doc: ActionTrail creates the project actiontrail_<account_ID> itself.
          if (arn.project === `actiontrail_${arn.accountId}`) return { kind: 'maxcompute' as const, name: arn.project, result: 'created-by-actiontrail' as const };
          throw new ProvisionError({
            code: 'MaxComputeProjectDoesNotExistException',
            message: `The specified MaxCompute project does not exist: ${arn.project} (${arn.region}); only actiontrail_${arn.accountId} is created by ActionTrail.`,
          });
        }),
      );
    }
    if (spec.MaxComputeWriteRoleArn) checks.push(checkRole(spec.MaxComputeWriteRoleArn, 'InsufficientMaxComputePolicyException', cloud, call));
  }
  // All checks run at once; the first failure (in spec order) is reported.
  const settled = await Promise.allSettled(checks);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<DestinationCheck>).value);
}

async function checkRole(roleArn: string, code: string, cloud: Cloud, call: Call): Promise<DestinationCheck> {
  // ActionTrail creates its service-linked role itself: not a prerequisite, so not looked up.
  if (isServiceLinkedRoleArn(roleArn)) return { kind: 'role', name: roleArn, result: 'service-linked' };
  const arn = parseRoleArn(roleArn);
  // RAM GetRole sees the caller's own account only; roles elsewhere are checked by CreateTrail.
  if (!arn || !cloud.accountId || arn.accountId !== cloud.accountId) return { kind: 'role', name: roleArn, result: 'not-checked' };
  return call('ram:GetRole', async () => {
    const role = await cloud.ram.getRole(arn.roleName);
    // One answer whether the role is missing or does not trust ActionTrail: a caller learns
    // nothing about which roles exist in the account (no existence oracle).
    if (!role || !role.trustedServices.includes(ACTIONTRAIL_PRINCIPAL)) {
      throw new ProvisionError({ code, status: 403, message: `The write role ${roleArn} cannot be used by ActionTrail: it does not exist or does not trust ${ACTIONTRAIL_PRINCIPAL}.` });
    }
    return { kind: 'role' as const, name: roleArn, result: 'exists' as const };
  });
}
