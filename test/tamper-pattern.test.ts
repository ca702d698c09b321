/**
 * The tamper trigger's EventBridge pattern (tamperEventPattern, shared/platform/tamper-config.ts),
 * which s.yaml deploys and every member route rule carries: three expressions for the six trail
 * write calls, so it stays within the rule models' "up to five expressions in each field" however
 * they count (docs/conformance.md, eb.pattern). Checked with the emulator's own pattern matcher
 * (the EventBridge "Event patterns" operators) over every ActionTrail 2020-07-06 operation.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { matchPattern } from '../emulator/services/eventbridge';
import { DEFAULT_TAMPER_TYPES, TAMPER_EVENT_NAME_PATTERN, tamperEventPattern } from '../shared/platform/tamper-config';
import { TAMPER_EVENT_NAMES } from '../shared/triggers/tamper';

/** Every operation of ActionTrail 2020-07-06: aliyun/alibabacloud-typescript-sdk actiontrail-20200706/src/models/model.ts (commit 11167f6), the *Request / *Response exports. */
const ACTIONTRAIL_OPERATIONS = [
  'CreateAdvancedQueryHistory', 'CreateAdvancedQueryTemplate', 'CreateDeliveryHistoryJob', 'CreateTrail',
  'DeleteAdvancedQueryHistory', 'DeleteAdvancedQueryTemplate', 'DeleteDataEventSelector', 'DeleteDeliveryHistoryJob', 'DeleteTrail',
  'DescribeAdvancedQueryHistory', 'DescribeAdvancedQueryTemplate', 'DescribeRegions', 'DescribeResourceLifeCycleEvents', 'DescribeScenes',
  'DescribeSearchTemplates', 'DescribeTrails', 'DescribeUserAlertCount', 'DescribeUserLogCount', 'DisableInsight', 'EnableInsight',
  'GetAccessKeyLastUsedEvents', 'GetAccessKeyLastUsedInfo', 'GetAccessKeyLastUsedIps', 'GetAccessKeyLastUsedProducts', 'GetAccessKeyLastUsedResources',
  'GetAdvancedQueryTemplate', 'GetDataEventSelector', 'GetDeliveryHistoryJob', 'GetGlobalEventsStorageRegion', 'GetGovernanceMetrics',
  'GetInsightSelectors', 'GetInsightTypes', 'GetInsightsEventsCount', 'GetTrailStatus', 'ListDataEventSelectors', 'ListDataEventServices',
  'ListDeliveryHistoryJobs', 'LookupEvents', 'LookupInsightEvents', 'PutDataEventSelector', 'PutInsightSelectors', 'StartLogging',
  'StopLogging', 'UpdateAdvancedQueryTemplate', 'UpdateGlobalEventsStorageRegion', 'UpdateTrail',
];
/** Reads the pattern also matches; ActionTrail publishes only write calls to EventBridge ("ActionTrail events" doc), and the function checks the name again. */
const MATCHED_READS = new Set(['GetDataEventSelector']);

const apiCall = (eventName: string, type = DEFAULT_TAMPER_TYPES[0]!) => ({ type, source: 'acs.actiontrail', data: { eventName, eventRW: 'Write' } });

describe('the tamper pattern', () => {
  it('matches exactly the trail write calls the tamper function handles, among every ActionTrail operation, for both event types', () => {
    const pattern = tamperEventPattern(DEFAULT_TAMPER_TYPES);
    for (const type of DEFAULT_TAMPER_TYPES) {
      const matched = ACTIONTRAIL_OPERATIONS.filter((op) => matchPattern(pattern, apiCall(op, type)));
      expect(matched.filter((op) => !MATCHED_READS.has(op)).sort()).toEqual([...TAMPER_EVENT_NAMES].sort());
    }
    expect([...TAMPER_EVENT_NAMES].every((n) => ACTIONTRAIL_OPERATIONS.includes(n))).toBe(true);
    // Other services' calls of the same names, and other event types, are not matched.
    expect(matchPattern(pattern, apiCall('StopLogging', 'ecs:ActionTrail:ApiCall'))).toBe(false);
    expect(matchPattern(pattern, apiCall('DescribeTrails'))).toBe(false);
  });

  it('has at most five expressions in each field, counting plain values too', () => {
    const pattern = tamperEventPattern(DEFAULT_TAMPER_TYPES);
    expect(pattern.type.length).toBeLessThanOrEqual(5);
    expect(pattern.data.eventName.length).toBeLessThanOrEqual(5);
    expect(TAMPER_EVENT_NAME_PATTERN.length).toBeLessThan(TAMPER_EVENT_NAMES.size);
  });

  it('is what s.yaml deploys for the tamper trigger', () => {
    const template = parse(readFileSync(path.join(__dirname, '..', 's.yaml'), 'utf8')) as { resources: Record<string, { props: { triggers?: Array<{ triggerType: string; triggerConfig: { eventRuleFilterPattern: string } }> } }> };
    const trigger = template.resources['tamper']!.props.triggers!.find((t) => t.triggerType === 'eventbridge')!;
    expect(JSON.parse(trigger.triggerConfig.eventRuleFilterPattern)).toEqual(tamperEventPattern(DEFAULT_TAMPER_TYPES));
  });
});
