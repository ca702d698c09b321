/**
 * Races: a vending event and a remediation run for the same member account and the same
 * baseline, at the same time, with the real handlers against one emulator. Seeded latency faults
 * shuffle the interleaving on each round. Both must end without an error (a CreateTrail lost to
 * the other invocation, TrailAlreadyExistsException, is handled by re-reading the trail), with
 * exactly one trail of that name, logging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator/server';
import { setFaults } from '../emulator/faults';
import { createLogger } from '../shared/platform/log';
import { BASELINE, FN_MEMBERS, functionsSeed, invokeRemediation, invokeVending } from './helpers/functions-world';

const ROUNDS = 8;
let emu: Emulator;
const logger = createLogger({}, { write: () => {} });

beforeAll(async () => {
  emu = await createEmulator({ seed: functionsSeed() });
});
afterAll(async () => {
  await emu.close();
});

describe('vending and remediation racing on one account', () => {
  it(`${ROUNDS} interleavings end with one logging trail and no error on either side`, async () => {
    const A = FN_MEMBERS[0]!;
    let lostCreates = 0;
    for (let round = 0; round < ROUNDS; round++) {
      emu.world.accounts.get(A)!.trails = [];
      setFaults(emu.world, { seed: 1000 + round, rules: [{ match: 'actiontrail', kind: 'latency', rate: 0.6, ms: 5 + (round % 4) * 10 }, { match: 'sts', kind: 'latency', rate: 0.5, ms: 20 }] });
      const from = emu.world.calls.length;
      const [vended, report] = await Promise.all([
        invokeVending(emu, logger, A, undefined, `race-v-${round}`),
        invokeRemediation(emu, logger, { TRAIL_ACCOUNTS: A }, `race-r-${round}`),
      ]);
      setFaults(emu.world, { rules: [] });

      expect(vended.every((r) => r.ok)).toBe(true);
      expect(report.failed).toEqual([]);
      const trails = emu.world.accounts.get(A)!.trails.filter((t) => t.Name === BASELINE.Name);
      expect(trails).toHaveLength(1);
      expect(trails[0]).toMatchObject({ Status: 'Enable', OssBucketName: BASELINE.OssBucketName, OssKeyPrefix: BASELINE.OssKeyPrefix });
      const creates = emu.world.calls.slice(from).filter((c) => c.action === 'CreateTrail');
      expect(creates.filter((c) => c.status === 200)).toHaveLength(1);
      lostCreates += creates.filter((c) => c.code === 'TrailAlreadyExistsException').length;
    }
    console.log(`[race] rounds=${ROUNDS} CreateTrail lost to the other side=${lostCreates}`);
    // The race really happened: in some rounds both sides tried to create the trail.
    expect(lostCreates).toBeGreaterThan(0);
  }, 60_000);
});
