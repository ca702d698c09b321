/**
 * Which trails are protected: with no guardrail policy, every baseline trail (by name) and every
 * organization trail. The one place this is decided for the tamper response, so that switching to
 * the guardrail policy module (isProtectedTrail(policy, baseline, name, isOrg)) is one edit here.
 */
import type { TrailSpec } from './spec';

/** Whether the trail `name` (an organization trail when `isOrg`) is protected by the defaults. */
export function protectedTrail(baseline: readonly TrailSpec[], name: string, isOrg: boolean): boolean {
  return isOrg || baseline.some((s) => s.Name === name);
}

/** The baseline spec a protected trail is restored from (undefined: protected, but no spec, e.g. an organization trail outside the baseline). */
export function baselineSpecFor(baseline: readonly TrailSpec[], name: string): TrailSpec | undefined {
  return baseline.find((s) => s.Name === name);
}

/**
 * The baseline spec whose destination a trail named `name` with these delivery fields squats
 * (same OSS bucket and prefix, or same SLS project), if any and if it is not that spec's own trail.
 */
export function squattedSpec(baseline: readonly TrailSpec[], name: string, delivery: Partial<TrailSpec>): TrailSpec | undefined {
  return baseline.find(
    (s) =>
      s.Name !== name &&
      ((s.OssBucketName !== undefined && s.OssBucketName === delivery.OssBucketName && (s.OssKeyPrefix ?? '') === (delivery.OssKeyPrefix ?? '')) ||
        (s.SlsProjectArn !== undefined && s.SlsProjectArn === delivery.SlsProjectArn)),
  );
}
