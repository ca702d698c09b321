/**
 * Own trail or shadow copy is decided by home region (HomeRegion, else the region in TrailArn)
 * against the region called, not by IsShadowTrail, which the current DescribeTrails SDK models do
 * not list (the emulator leaves it out unless the seed asks for it). Drift on a trail homed
 * elsewhere is fixed at its home endpoint; the emulator refuses writes from any other region, so
 * a write at the wrong endpoint fails loudly. Over the wire, through ensureTrail and the client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server';
import { createActionTrailClient } from '../shared/cloud/actiontrail';
import { staticCredentials } from '../shared/cloud/credentials';
import { ProvisionError } from '../shared/core/errors';
import { ensureTrail } from '../shared/core/provisioner';
import { MEMBER_A, REGION, baseSeed, cloudFor, emuEnv, keyFor, startWorld } from './helpers/world';

const SH = 'cn-shanghai';
const fast = { retry: { baseMs: 5, capMs: 20, consistencyWindowMs: 0, maxAttempts: 3 } };

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const spec = (extra: Record<string, unknown> = {}) => ({ Name: 'homed-in-shanghai', OssBucketName: `audit-${MEMBER_A}`, OssKeyPrefix: 'shanghai-home', ...extra });

function writesAndFailures(from: number): string[] {
  return emu!.world.calls
    .slice(from)
    .filter((c) => c.service === 'actiontrail' && (c.status !== 200 || !['DescribeTrails', 'GetTrailStatus'].includes(c.action)))
    .map((c) => `${c.action} ${c.status}${c.code ? ` ${c.code}` : ''}`);
}

describe('home region, not IsShadowTrail', () => {
  for (const withFlag of [false, true]) {
    it(`fixes drift on a trail homed elsewhere at its home endpoint (DescribeTrails ${withFlag ? 'with' : 'without'} IsShadowTrail)`, async () => {
      emu = await startWorld({ ...baseSeed(), actiontrailIsShadowTrail: withFlag });
      await ensureTrail(spec(), cloudFor(emu, MEMBER_A, SH), fast);
      const raw = await createActionTrailClient({ region: REGION, credentials: staticCredentials(keyFor(MEMBER_A)), env: emuEnv(emu) })
        .describeTrails({ names: ['homed-in-shanghai'], includeShadowTrails: true, includeOrganizationTrail: true });
      expect(raw.map((t) => [t.HomeRegion, t.TrailArn])).toEqual([[SH, `acs:actiontrail:${SH}:${MEMBER_A}:trail/homed-in-shanghai`]]);

      // Drift (EventRW) and stopped, seen from cn-hangzhou.
      const trail = emu.world.accounts.get(MEMBER_A)!.trails.find((t) => t.Name === 'homed-in-shanghai')!;
      trail.Status = 'Disable';
      const from = emu.world.calls.length;
      const r = await ensureTrail(spec({ EventRW: 'All' }), cloudFor(emu, MEMBER_A, REGION), fast);
      expect(r).toMatchObject({ region: SH, classification: 'drifted', done: ['UpdateTrail', 'StartLogging'] });
      expect(r.status?.IsLogging).toBe(true);
      // Every ActionTrail write went to the home endpoint (the emulator refuses them elsewhere).
      expect(writesAndFailures(from)).toEqual(['UpdateTrail 200', 'StartLogging 200']);
      expect(trail).toMatchObject({ HomeRegion: SH, EventRW: 'All', Status: 'Enable' });
      expect(emu.world.accounts.get(MEMBER_A)!.trails.filter((t) => t.Name === 'homed-in-shanghai')).toHaveLength(1);

      const again = await ensureTrail(spec({ EventRW: 'All' }), cloudFor(emu, MEMBER_A, REGION), fast);
      expect(again).toMatchObject({ region: SH, classification: 'compliant', done: [] });
    });
  }

  it('the emulator refuses UpdateTrail, StartLogging, StopLogging and DeleteTrail from a region that is not the home', async () => {
    emu = await startWorld(baseSeed());
    await ensureTrail(spec(), cloudFor(emu, MEMBER_A, SH), fast);
    const elsewhere = createActionTrailClient({ region: REGION, credentials: staticCredentials(keyFor(MEMBER_A)), env: emuEnv(emu) });
    const trail = emu.world.accounts.get(MEMBER_A)!.trails.find((t) => t.Name === 'homed-in-shanghai')!;
    const before = JSON.stringify(trail);
    for (const write of [
      () => elsewhere.updateTrail({ Name: 'homed-in-shanghai', OssBucketName: `audit-${MEMBER_A}`, EventRW: 'Read' }),
      () => elsewhere.stopLogging('homed-in-shanghai'),
      () => elsewhere.startLogging('homed-in-shanghai'),
      () => elsewhere.deleteTrail('homed-in-shanghai'),
    ]) {
      const err = await write().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProvisionError);
      expect(err).toMatchObject({ code: 'TrailNotFoundException', status: 404 });
    }
    expect(JSON.stringify(trail)).toBe(before);
    expect(emu.world.accounts.get(MEMBER_A)!.trails).toContain(trail);
    // Reading its status from another region is not a write, and still answers.
    expect((await elsewhere.getTrailStatus('homed-in-shanghai')).IsLogging).toBe(true);
  });
});
