/**
 * Trail spec and trail record types.
 *
 * A TrailSpec holds exactly the CreateTrail request parameters of ActionTrail API 2020-07-06
 * (see schemas/trail-spec.schema.json for the rules), plus two optional fields that are not
 * CreateTrail parameters: DataEventSelectors and DataEventRegions, applied with
 * PutDataEventSelector after the trail exists (never sent to CreateTrail / UpdateTrail, which
 * send DELIVERY_FIELDS only). A TrailRecord is the CreateTrail response
 * element set plus what DescribeTrails / GetTrailStatus add.
 */

export type EventRW = 'Write' | 'Read' | 'All';

/** A condition of a data event selector (PutDataEventSelectorRequest EventSelectors). */
export interface DataEventCondition {
  Equals?: string[];
  NotEquals?: string[];
}

/** One data event selector: an element of PutDataEventSelector's EventSelectors JSON array. */
export interface DataEventSelector {
  ServiceName: string;
  ReadWriteType?: EventRW;
  EventName?: DataEventCondition;
  ResourceArn?: DataEventCondition;
}

export interface TrailSpec {
  Name: string;
  OssBucketName?: string;
  OssKeyPrefix?: string;
  OssWriteRoleArn?: string;
  SlsProjectArn?: string;
  SlsWriteRoleArn?: string;
  EventRW?: EventRW;
  TrailRegion?: string;
  IsOrganizationTrail?: boolean;
  MaxComputeProjectArn?: string;
  MaxComputeWriteRoleArn?: string;
  /** Not a CreateTrail parameter: the trail's data event selectors (PutDataEventSelector), at most 20. */
  DataEventSelectors?: DataEventSelector[];
  /**
   * Not a CreateTrail parameter: the regions of the data events, ["All"] (PutDataEventSelector
   * IsTrailAllRegion=true) or region ids (TrailRegionIds). Only with DataEventSelectors; left out,
   * it follows TrailRegion (dataEventRegions() in planner.ts).
   */
  DataEventRegions?: string[];
}

/** The fields a spec may hold: the CreateTrail parameters in CreateTrail doc order, then the data event fields. */
export const SPEC_FIELDS = [
  'Name',
  'OssBucketName',
  'OssKeyPrefix',
  'OssWriteRoleArn',
  'SlsProjectArn',
  'SlsWriteRoleArn',
  'EventRW',
  'TrailRegion',
  'IsOrganizationTrail',
  'MaxComputeProjectArn',
  'MaxComputeWriteRoleArn',
  'DataEventSelectors',
  'DataEventRegions',
] as const satisfies readonly (keyof TrailSpec)[];

/** The delivery fields compared for drift and re-sent in full by UpdateTrail. */
export const DELIVERY_FIELDS = [
  'OssBucketName',
  'OssKeyPrefix',
  'OssWriteRoleArn',
  'SlsProjectArn',
  'SlsWriteRoleArn',
  'EventRW',
  'TrailRegion',
  'MaxComputeProjectArn',
  'MaxComputeWriteRoleArn',
] as const satisfies readonly (keyof TrailSpec)[];
export type DeliveryField = (typeof DELIVERY_FIELDS)[number];

/** The destination and role fields: delivery fields other than EventRW and TrailRegion ("" clears them). */
export const DESTINATION_FIELDS = DELIVERY_FIELDS.filter(
  (f): f is Exclude<DeliveryField, 'EventRW' | 'TrailRegion'> => f !== 'EventRW' && f !== 'TrailRegion',
);

/** DescribeTrails status values. Fresh: created, never started. Enable: logging. Disable: stopped. */
export type TrailStatus = 'Fresh' | 'Enable' | 'Disable';

/** A trail as ActionTrail describes it (CreateTrail response elements + DescribeTrails fields). */
export interface TrailRecord {
  Name: string;
  HomeRegion: string;
  TrailRegion: string;
  EventRW: EventRW;
  OssBucketName?: string;
  OssKeyPrefix?: string;
  OssWriteRoleArn?: string;
  SlsProjectArn?: string;
  SlsWriteRoleArn?: string;
  MaxComputeProjectArn?: string;
  MaxComputeWriteRoleArn?: string;
  IsOrganizationTrail?: boolean;
  Status?: TrailStatus;
  TrailArn?: string;
  CreateTime?: string;
  UpdateTime?: string;
  StartLoggingTime?: string;
  StopLoggingTime?: string;
  OrganizationId?: string;
}

/** GetTrailStatus response (minus RequestId). */
export interface TrailLoggingStatus {
  IsLogging: boolean;
  LatestDeliveryError?: string;
  LatestDeliveryLogServiceError?: string;
  LatestDeliveryTime?: string;
  LatestDeliveryLogServiceTime?: string;
  OssBucketStatus?: boolean;
  SlsLogStoreStatus?: boolean;
  StartLoggingTime?: string;
  StopLoggingTime?: string;
}

/** Where a spec is applied: an account (by credentials) and the region whose endpoint is called (HomeRegion). */
export interface Target {
  accountId?: string;
  region: string;
}
