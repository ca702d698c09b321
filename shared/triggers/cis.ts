/**
 * CIS Alibaba Cloud Foundations Benchmark checks of a trail's destinations (report only: nothing
 * here changes a bucket, a Logstore or a trail):
 *
 * - CIS 2.1 "Ensure that ActionTrail are configured to export copies of all Log entries": the
 *   trail covers all regions (TrailRegion All), all event types (EventRW All), and delivers to
 *   both OSS and SLS;
 * - CIS 2.2 "Ensure the OSS used to store ActionTrail logs is not publicly accessible": the
 *   bucket ACL is private and no bucket policy statement allows anyone ("*") without a condition;
 * - CIS 2.23 "Ensure that Logstore data retention period is set 365 days or greater": the trail's
 *   Logstore (actiontrail_<trail name>) keeps logs ≥ 365 days (GetLogStore ttl).
 *
 * Ids and titles: CIS Alibaba Cloud Foundations Benchmark v1.0.0 as listed by
 * turbot/steampipe-mod-alicloud-compliance cis_v100/section_2.pp (docs/conformance.md rows cis.*). The bucket and project may
 * belong to another account (a central log account): each read is tried with the trail account's
 * credentials, then with the management account's; a read that every one is denied is "unknown".
 */
import { readBucketAccess, type BucketAccess } from '../cloud/oss';
import { createSlsClient } from '../cloud/sls';
import { errorSummary } from '../core/errors';
import type { ClientOptions } from '../cloud/options';
import type { TrailRecord } from '../core/spec';

export type CisId = 'CIS 2.1' | 'CIS 2.2' | 'CIS 2.23';
export interface CisResult {
  id: CisId;
  status: 'pass' | 'fail' | 'unknown' | 'n/a';
  detail: string;
}

/** SLS keeps data permanently with ttl 3650. */
const MIN_RETENTION_DAYS = 365;

/** Whether a bucket's ACL or policy lets anyone read or write it; the reasons. */
export function publicAccess(access: BucketAccess): string[] {
  const why: string[] = [];
  if (access.acl === 'public-read' || access.acl === 'public-read-write') why.push(`ACL ${access.acl}`);
  for (const [i, s] of (access.policy?.Statement ?? []).entries()) {
    const principals = ([] as unknown[]).concat(s.Principal ?? []);
    const anyone = principals.some((p) => p === '*' || (p && typeof p === 'object' && Object.values(p as Record<string, unknown>).flat().includes('*')));
    if (s.Effect === 'Allow' && anyone && !s.Condition) why.push(`policy statement ${i} allows "*" without a condition`);
  }
  return why;
}

/** The first answer of `read` over the credential options, or the last error. */
async function firstAllowed<T>(options: readonly ClientOptions[], read: (o: ClientOptions) => Promise<T>): Promise<{ value?: T; error?: string }> {
  let error: string | undefined;
  for (const o of options) {
    try {
      return { value: await read(o) };
    } catch (e) {
      error = errorSummary(e).Code;
    }
  }
  return { error };
}

export async function cisChecks(trail: TrailRecord, options: readonly ClientOptions[]): Promise<CisResult[]> {
  const results: CisResult[] = [];
  const missing: string[] = [];
  if (trail.TrailRegion !== 'All') missing.push(`TrailRegion ${trail.TrailRegion ?? '?'} (not All)`);
  if (trail.EventRW !== 'All') missing.push(`EventRW ${trail.EventRW ?? '?'} (not All)`);
  if (!trail.OssBucketName) missing.push('no OSS destination');
  if (!trail.SlsProjectArn) missing.push('no SLS destination');
  results.push({ id: 'CIS 2.1', status: missing.length === 0 ? 'pass' : 'fail', detail: missing.length === 0 ? 'all regions, all events, OSS and SLS' : missing.join('; ') });

  if (!trail.OssBucketName) results.push({ id: 'CIS 2.2', status: 'n/a', detail: 'no OSS destination' });
  else {
    const bucket = trail.OssBucketName;
    const { value, error } = await firstAllowed(options, (o) => readBucketAccess(o, bucket));
    if (!value) results.push({ id: 'CIS 2.2', status: 'unknown', detail: `bucket ${bucket}: ACL/policy not readable (${error})` });
    else {
      const why = publicAccess(value);
      results.push({ id: 'CIS 2.2', status: why.length === 0 ? 'pass' : 'fail', detail: why.length === 0 ? `bucket ${bucket} is private` : `bucket ${bucket} is public: ${why.join('; ')}` });
    }
  }

  const arn = /^acs:log:([^:]+):(\d*):project\/([^/]+)$/.exec(trail.SlsProjectArn ?? '');
  if (!trail.SlsProjectArn) results.push({ id: 'CIS 2.23', status: 'n/a', detail: 'no SLS destination' });
  else if (!arn) results.push({ id: 'CIS 2.23', status: 'unknown', detail: `unreadable SlsProjectArn ${trail.SlsProjectArn}` });
  else {
    const [, region, , project] = arn as unknown as [string, string, string, string];
    const store = `actiontrail_${trail.Name}`;
    const { value, error } = await firstAllowed(options, async (o) => ({ ttl: await createSlsClient(o).logstoreTtl(project, store, region) }));
    if (!value) results.push({ id: 'CIS 2.23', status: 'unknown', detail: `Logstore ${project}/${store}: not readable (${error})` });
    else if (value.ttl === undefined) results.push({ id: 'CIS 2.23', status: 'fail', detail: `Logstore ${project}/${store} does not exist` });
    else {
      const ok = value.ttl >= MIN_RETENTION_DAYS;
      results.push({ id: 'CIS 2.23', status: ok ? 'pass' : 'fail', detail: `Logstore ${project}/${store} keeps logs ${value.ttl >= 3650 ? 'permanently' : `${value.ttl} days`}${ok ? '' : ` (< ${MIN_RETENTION_DAYS})`}` });
    }
  }
  return results;
}
