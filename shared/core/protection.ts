/**
 * Which trails the tamper response protects: what the guardrail policy protects
 * (isProtectedTrail; with no policy, every baseline trail by name and every organization trail).
 */
import { DEFAULT_POLICY, isProtectedTrail, type GuardrailPolicy } from './guardrails';
import type { TrailSpec } from './spec';

/** Whether the trail `name` (an organization trail when `isOrg`) is protected under `policy`. */
export function protectedTrail(baseline: readonly TrailSpec[], name: string, isOrg: boolean, policy: GuardrailPolicy = DEFAULT_POLICY): boolean {
  return isProtectedTrail(policy, baseline, name, isOrg);
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
