/**
 * How ActionTrail 2020-07-06 renders trails: CreateTrail/UpdateTrail response elements,
 * DescribeTrails TrailList items and the GetTrailStatus body. Unset strings are "" (as the real
 * API returns them), booleans are JSON booleans. DescribeTrails items have the fields of the
 * current SDK model (DescribeTrailsResponseBodyTrailList); IsShadowTrail (a number) only when the
 * seed asks for it (World.actiontrailIsShadowTrail), as older responses carried it.
 */
import type { EmuTrail, World } from '../state';
import { findBucket, findSlsProject, logstoreName } from './actiontrail-destinations';
import { apiTime, parseSlsArn } from './actiontrail-params';

/** Exactly the response elements of the CreateTrail doc (UpdateTrail answers the same set). */
export function writeResponse(t: EmuTrail, requestId: string): Record<string, string> {
  return {
    EventRW: t.EventRW,
    HomeRegion: t.HomeRegion,
    MaxComputeProjectArn: t.MaxComputeProjectArn,
    MaxComputeWriteRoleArn: t.MaxComputeWriteRoleArn,
    Name: t.Name,
    OssBucketName: t.OssBucketName,
    OssKeyPrefix: t.OssKeyPrefix,
    OssWriteRoleArn: t.OssWriteRoleArn,
    RequestId: requestId,
    SlsProjectArn: t.SlsProjectArn,
    SlsWriteRoleArn: t.SlsWriteRoleArn,
    TrailRegion: t.TrailRegion,
  };
}

export function trailArn(t: EmuTrail): string {
  return `acs:actiontrail:${t.HomeRegion}:${t.AccountId}:trail/${t.Name}`;
}

/** A DescribeTrails TrailList item. */
export function describeItem(t: EmuTrail, world: World, isShadow: boolean): Record<string, unknown> {
  return {
    ...locationFields(t, world),
    Name: t.Name,
    HomeRegion: t.HomeRegion,
    TrailRegion: t.TrailRegion,
    EventRW: t.EventRW,
    OssBucketName: t.OssBucketName,
    OssKeyPrefix: t.OssKeyPrefix,
    OssWriteRoleArn: t.OssWriteRoleArn,
    SlsProjectArn: t.SlsProjectArn,
    SlsWriteRoleArn: t.SlsWriteRoleArn,
    MaxComputeProjectArn: t.MaxComputeProjectArn,
    MaxComputeWriteRoleArn: t.MaxComputeWriteRoleArn,
    Status: t.Status,
    TrailArn: trailArn(t),
    CreateTime: t.CreateTime,
    UpdateTime: t.UpdateTime,
    StartLoggingTime: t.StartLoggingTime ?? '',
    StopLoggingTime: t.StopLoggingTime ?? '',
    IsOrganizationTrail: t.IsOrganizationTrail,
    OrganizationId: t.IsOrganizationTrail ? (world.resourceDirectoryId ?? '') : '',
    ...(world.actiontrailIsShadowTrail ? { IsShadowTrail: isShadow ? 1 : 0 } : {}),
  };
}

/**
 * DescribeTrails TrailList fields beyond the CreateTrail response elements, as the 2020-07-06 SDK
 * model lists them (DescribeTrailsResponseBodyTrailList): Region, "the region where the trail
 * resides" (its home region), and OssBucketLocation, "the region where the OSS bucket resides" in
 * OSS's own form ("oss-cn-hangzhou"), "" without a bucket.
 */
function locationFields(t: EmuTrail, world: World): { Region: string; OssBucketLocation: string } {
  const bucket = t.OssBucketName ? findBucket(world, t.OssBucketName)?.bucket : undefined;
  return { Region: t.HomeRegion, OssBucketLocation: bucket ? `oss-${bucket.region}` : '' };
}

/**
 * GetTrailStatus body. Destination health is read from the World at call time: a bucket or
 * Logstore deleted after the trail was created shows as status false and, while logging, as a
 * delivery error. While the trail is logging and some destination is healthy, events keep being
 * delivered, so the latest delivery time advances to "now".
 *
 * `lagging` (a 'stale' fault) renders the status as it read before the latest StartLogging, as
 * ActionTrail may for a moment after it: IsLogging false, no StartLoggingTime, delivery time not
 * advanced and no delivery errors (a trail that does not log does not deliver).
 */
export function statusBody(t: EmuTrail, world: World, requestId: string, lagging = false): Record<string, unknown> {
  const logging = t.Status === 'Enable' && !lagging;
  const ossOk = Boolean(t.OssBucketName) && findBucket(world, t.OssBucketName) !== undefined;
  let slsOk = false;
  if (t.SlsProjectArn) {
    const project = findSlsProject(world, parseSlsArn(t.SlsProjectArn, t.AccountId));
    slsOk = Boolean(project?.logstores.includes(logstoreName(t.Name)));
  }
  const mcOk = Boolean(t.MaxComputeProjectArn);
  if (logging && (ossOk || slsOk || mcOk)) t.LatestDeliveryTime = apiTime();
  const ossError = logging && t.OssBucketName && !ossOk ? 'write oss failed, exception: The specified bucket does not exist.' : '';
  const slsError = logging && t.SlsProjectArn && !slsOk ? 'write sls failed, exception: The specified logstore does not exist.' : '';
  return {
    RequestId: requestId,
    IsLogging: logging,
    LatestDeliveryError: ossError || t.LatestDeliveryError || '',
    LatestDeliveryLogServiceError: slsError,
    LatestDeliveryTime: t.LatestDeliveryTime ?? '',
    LatestDeliveryLogServiceTime: t.SlsProjectArn && slsOk ? (t.LatestDeliveryTime ?? '') : '',
    OssBucketStatus: ossOk,
    SlsLogStoreStatus: slsOk,
    StartLoggingTime: (lagging && t.Status === 'Enable' ? '' : t.StartLoggingTime) ?? '',
    StopLoggingTime: t.StopLoggingTime ?? '',
  };
}
