/**
 * ActionTrail's checks of a trail's destinations against the World, and what it creates there.
 *
 * Rules modelled (from the CreateTrail doc and the reference):
 * - OSS bucket names are global: looked up in every account; missing → 404 BucketDoesNotExistException.
 *   Another trail of the same account on the same bucket and prefix → 400 RepeatOssBucket.
 * - SLS project by ARN (acs:log:<region>:<acct>:project/<name>, empty account = caller);
 *   missing → 400 SlsProjectDoesNotExistException.
 * - MaxCompute project by ARN (acs:odps:<region>:<acct>:project/actiontrail_...). The doc says
 *   ActionTrail creates the project itself, so a missing project in the CALLER's account is
 *   created (in the ARN's region, with the ARN's name: the console's default is
 *   actiontrail_<account_ID>). A missing project in another account cannot be created by
 *   ActionTrail → 404 MaxComputeProjectDoesNotExistException (a project code; none documented).
 * - Access: with a write role ARN, the role must exist, trust actiontrail.aliyuncs.com and grant
 *   the destination ("oss:<bucket>", "sls:<project>", "odps:<project>" or "*"). Without one, the
 *   service-linked role AliyunServiceRoleForActionTrail is used, which reaches destinations of the
 *   caller's own account only, plus OSS buckets whose policy lets the caller's account write
 *   (EmuBucket.writers); naming that role explicitly means the same. Denied → 403
 *   InsufficientBucketPolicyException / InsufficientSlsPolicyException /
 *   InsufficientMaxComputePolicyException (a project code; ActionTrail documents none for MaxCompute).
 *
 * Checks run for every destination before anything is created, so a failed call changes nothing.
 */
import { AT_UNDOCUMENTED } from './actiontrail-errors';
import { findRole, type EmuAccount, type EmuBucket, type EmuSlsProject, type World } from '../state';
import { EmuError } from '../types';
import { apiTime, atError, parseOdpsArn, parseRoleArn, parseSlsArn, type ProjectRef } from './actiontrail-params';

export const ACTIONTRAIL_PRINCIPAL = 'actiontrail.aliyuncs.com';
export const SERVICE_LINKED_ROLE = 'aliyunserviceroleforactiontrail';

/** The destination fields a trail ends up with (all strings, "" when unset). */
export interface Destinations {
  OssBucketName: string;
  OssKeyPrefix: string;
  OssWriteRoleArn: string;
  SlsProjectArn: string;
  SlsWriteRoleArn: string;
  MaxComputeProjectArn: string;
  MaxComputeWriteRoleArn: string;
}

function projectError(code: keyof typeof AT_UNDOCUMENTED): EmuError {
  const [status, message] = AT_UNDOCUMENTED[code];
  return new EmuError(status, code, message);
}

export function findBucket(world: World, name: string): { owner: EmuAccount; bucket: EmuBucket } | undefined {
  for (const owner of world.accounts.values()) {
    const bucket = owner.buckets.find((b) => b.name === name);
    if (bucket) return { owner, bucket };
  }
  return undefined;
}

export function findSlsProject(world: World, ref: ProjectRef): EmuSlsProject | undefined {
  return world.accounts.get(ref.accountId)?.slsProjects.find((p) => p.name === ref.name && p.region === ref.region);
}

/** Whether ActionTrail, acting for `callerId` through `roleArn` (or the service-linked role), may write `grant` owned by `ownerId`. */
export function mayWrite(world: World, callerId: string, roleArn: string, ownerId: string, grant: string, sharedWith: string[] = []): boolean {
  if (!roleArn) return ownerId === callerId || sharedWith.includes(callerId);
  const found = findRole(world, roleArn);
  if (!found) {
    // The service-linked role exists in every account that uses ActionTrail, seeded or not.
    const ref = parseRoleArn(roleArn);
    return ref.name.toLowerCase() === SERVICE_LINKED_ROLE && ref.accountId === callerId && (ownerId === callerId || sharedWith.includes(callerId));
  }
  if (!found.role.trustedServices.includes(ACTIONTRAIL_PRINCIPAL)) return false;
  return found.role.grants.includes('*') || found.role.grants.includes(grant);
}

/**
 * Checks every destination of `d` for `caller`; returns the side effects to apply once all pass.
 * `selfName` is the trail being updated (excluded from the RepeatOssBucket check).
 */
export function checkDestinations(world: World, caller: EmuAccount, d: Destinations, selfName?: string): () => void {
  const effects: Array<() => void> = [];

  if (d.OssBucketName) {
    const found = findBucket(world, d.OssBucketName);
    if (!found) throw atError('BucketDoesNotExistException');
    const repeat = caller.trails.some(
      (t) => t.Name !== selfName && t.OssBucketName === d.OssBucketName && (t.OssKeyPrefix || '') === (d.OssKeyPrefix || ''),
    );
    if (repeat) throw atError('RepeatOssBucket');
    if (!mayWrite(world, caller.id, d.OssWriteRoleArn, found.owner.id, `oss:${d.OssBucketName}`, found.bucket.writers)) {
      throw atError('InsufficientBucketPolicyException');
    }
  }

  if (d.SlsProjectArn) {
    const ref = parseSlsArn(d.SlsProjectArn, caller.id);
    const project = findSlsProject(world, ref);
    if (!project) throw atError('SlsProjectDoesNotExistException');
    if (!mayWrite(world, caller.id, d.SlsWriteRoleArn, ref.accountId, `sls:${ref.name}`)) {
      throw atError('InsufficientSlsPolicyException');
    }
  }

  if (d.MaxComputeProjectArn) {
    const ref = parseOdpsArn(d.MaxComputeProjectArn, caller.id);
    const owner = world.accounts.get(ref.accountId);
    const exists = owner?.mcProjects.some((p) => p.name === ref.name);
    if (!exists && ref.accountId !== caller.id) throw projectError('MaxComputeProjectDoesNotExistException');
    if (!mayWrite(world, caller.id, d.MaxComputeWriteRoleArn, ref.accountId, `odps:${ref.name}`)) {
      throw projectError('InsufficientMaxComputePolicyException');
    }
    if (!exists) {
      effects.push(() => {
        if (!caller.mcProjects.some((p) => p.name === ref.name)) {
          caller.mcProjects.push({ name: ref.name, region: ref.region, createTime: apiTime() });
        }
      });
    }
  }

  return () => effects.forEach((f) => f());
}

/** The Logstore ActionTrail creates in a trail's SLS project: actiontrail_<trail name>. */
export function logstoreName(trailName: string): string {
  return `actiontrail_${trailName}`;
}

/** Adds the trail's Logstore to its SLS project (idempotent). */
export function ensureLogstore(world: World, callerId: string, slsProjectArn: string, trailName: string): void {
  if (!slsProjectArn) return;
  const project = findSlsProject(world, parseSlsArn(slsProjectArn, callerId));
  const store = logstoreName(trailName);
  if (project && !project.logstores.includes(store)) project.logstores.push(store);
}
