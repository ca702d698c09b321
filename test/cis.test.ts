/**
 * CIS destination checks in the remediation report (TRAIL_CIS_CHECKS): 2.1 all regions, all
 * events, OSS and SLS; 2.2 the bucket not public (ACL and bucket policy, read with ali-oss, V4
 * signed, from the emulator's OSS in the real XML / JSON formats); 2.23 the Logstore keeps logs
 * ≥ 365 days (SLS GetLogStore ttl). Report only: nothing is changed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import { createHandler } from '../functions/remediation';
import { staticCredentials } from '../shared/cloud/credentials';
import { silentLogger } from '../shared/platform/log';
import { publicAccess } from '../shared/triggers/cis';
import { formatReport, type Report } from '../shared/triggers/report';
import { MEMBER_A, MGMT, REGION, keyFor, startWorld } from './helpers/world';

let emu: Emulator;
beforeEach(async () => {
  emu = await startWorld();
});
afterEach(async () => {
  await emu.close();
});

const spec = (over: Record<string, unknown> = {}) => ({
  Name: 'baseline-trail',
  OssBucketName: `audit-${MGMT}`,
  OssKeyPrefix: 'baseline-prefix',
  SlsProjectArn: `acs:log:${REGION}:${MGMT}:project/audit-${MGMT}`,
  EventRW: 'All',
  TrailRegion: 'All',
  ...over,
});

async function run(baseline: unknown[], accounts = MGMT): Promise<Report> {
  const handler = createHandler({
    env: { TRAIL_EMULATOR_URL: emu.url, TRAIL_REGION: REGION, TRAIL_BASELINE: JSON.stringify(baseline), TRAIL_ACCOUNTS: accounts, TRAIL_CIS_CHECKS: 'true' },
    credentials: staticCredentials(keyFor(MGMT)),
    logger: silentLogger,
  });
  return handler(Buffer.from(JSON.stringify({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 'sweep', payload: '' })), { accountId: MGMT, function: { name: 'remediation', timeout: 60 } });
}

const cisOf = (r: Report) => Object.fromEntries((r.details[0]!.trails[0]!.cis ?? []).map((c) => [c.id, c.status]));
const mgmt = () => emu.world.accounts.get(MGMT)!;

describe('CIS destination checks', () => {
  it('a private bucket and a Logstore kept 365 days pass all three', async () => {
    await run([spec()]);
    mgmt().slsProjects[0]!.logstoreTtl = { 'actiontrail_baseline-trail': 365 };
    const r = await run([spec()]);
    expect(cisOf(r)).toEqual({ 'CIS 2.1': 'pass', 'CIS 2.2': 'pass', 'CIS 2.23': 'pass' });
    expect(r.cisFindings).toEqual([]);
  });

  it('a public-read bucket fails 2.2, short retention fails 2.23; both reported and in the text', async () => {
    mgmt().buckets[0]!.acl = 'public-read';
    const r = await run([spec()]);
    mgmt().slsProjects[0]!.logstoreTtl = { 'actiontrail_baseline-trail': 30 };
    const again = await run([spec()]);
    expect(cisOf(r)['CIS 2.2']).toBe('fail');
    expect(cisOf(again)).toEqual({ 'CIS 2.1': 'pass', 'CIS 2.2': 'fail', 'CIS 2.23': 'fail' });
    expect(again.cisFindings!.map((f) => `${f.id}: ${f.detail}`)).toEqual([
      `CIS 2.2: bucket audit-${MGMT} is public: ACL public-read`,
      `CIS 2.23: Logstore audit-${MGMT}/actiontrail_baseline-trail keeps logs 30 days (< 365)`,
    ]);
    expect(formatReport(again)).toContain(`CIS 2.2 FAIL ${MGMT}/${REGION}/baseline-trail: bucket audit-${MGMT} is public: ACL public-read`);
    // Report only: the bucket and the Logstore are as they were.
    expect(mgmt().buckets[0]!.acl).toBe('public-read');
    expect(emu.world.calls.filter((c) => c.service === 'oss' && c.action.startsWith('PUT'))).toEqual([]);
  });

  it('a bucket policy open to "*" fails 2.2; one restricted by a condition does not', async () => {
    const open = { Version: '1', Statement: [{ Effect: 'Allow', Principal: ['*'], Action: ['oss:GetObject'], Resource: [`acs:oss:*:${MGMT}:audit-${MGMT}/*`] }] };
    mgmt().buckets[0]!.policy = JSON.stringify(open);
    expect(cisOf(await run([spec()]))['CIS 2.2']).toBe('fail');
    mgmt().buckets[0]!.policy = JSON.stringify({ Version: '1', Statement: [{ ...open.Statement[0], Condition: { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] } } }] });
    expect(cisOf(await run([spec()]))['CIS 2.2']).toBe('pass');
  });

  it('an OSS-only trail of one region fails 2.1 and has no 2.23', async () => {
    const r = await run([spec({ SlsProjectArn: undefined, TrailRegion: REGION })]);
    expect(cisOf(r)).toEqual({ 'CIS 2.1': 'fail', 'CIS 2.2': 'pass', 'CIS 2.23': 'n/a' });
    expect(r.cisFindings![0]!.detail).toBe(`TrailRegion ${REGION} (not All); no SLS destination`);
  });

  it('a destination no account may read is "unknown", not a pass', async () => {
    // The member's trail delivers to its own bucket, which the management account cannot read either; the member role may.
    const member = emu.world.accounts.get(MEMBER_A)!;
    member.buckets[0]!.acl = 'private';
    const r = await run([spec({ OssBucketName: `audit-${MEMBER_A}`, SlsProjectArn: `acs:log:${REGION}:${MEMBER_A}:project/audit-${MEMBER_A}` })], MEMBER_A);
    expect(cisOf(r)['CIS 2.2']).toBe('pass');
    expect(publicAccess({ acl: 'private' })).toEqual([]);
    // Now a bucket in the management account the member cannot read, and the fallback (management) can.
    mgmt().buckets[0]!.writers = [MEMBER_A];
    const central = await run([spec({ SlsProjectArn: undefined })], MEMBER_A);
    expect(cisOf(central)['CIS 2.2']).toBe('pass');
    emu.world.accounts.get('2000000000000002')!.buckets[0]!.writers = [MEMBER_A];
    const foreign = await run([spec({ OssBucketName: 'audit-2000000000000002', SlsProjectArn: undefined })], MEMBER_A);
    expect(cisOf(foreign)['CIS 2.2']).toBe('unknown');
  });
});
