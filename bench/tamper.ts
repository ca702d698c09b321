/**
 * Time to restore: from the tamper event's delivery to the tamper function (EventBridge → FC,
 * the handler starting) to GetTrailStatus IsLogging=true (the function's verify step; it returns
 * right after it). The tamper calls are made with each account's own AccessKey through the SDK
 * clients; the emulator publishes the ActionTrail CloudEvent and delivers it (delay 0, so only
 * the response is measured; a member's event takes its route, made by ensureMemberEventRoute, to
 * the management account's bus first) to the real tamper handler, which restores the trail over the SDK
 * clients (AssumeRole for members). Kinds rotate stop / delete / weaken; one stream per account
 * (the management account and two members), events of one trail one after another.
 */
import { createEmulator } from '../emulator/server';
import { fcTriggerRule, waitForEventDeliveries } from '../emulator/services/eventbridge';
import { ensureMemberEventRoute } from '../shared/platform/event-route';
import { DEFAULT_TAMPER_TYPES, tamperEventPattern } from '../shared/platform/tamper-config';
import { createHandler, type TamperInvocationResult } from '../functions/tamper';
import { createCloud } from '../shared/cloud';
import { staticCredentials } from '../shared/cloud/credentials';
import { ensureTrail } from '../shared/core/provisioner';
import { DEFAULT_POLICY } from '../shared/core/guardrails';
import { silentLogger } from '../shared/platform/log';
import type { SeedFile } from '../emulator/state';
import { BASELINE, BUCKET, KEY, MGMT, REGION, memberId } from './world';

export interface TamperBenchResult {
  events: number;
  latencyMs: number;
  /** Per restored event: delivery → IsLogging=true, ms. */
  restoreMs: number[];
  byKind: Record<string, number>;
  notRestored: number;
  wallMs: number;
}

const KINDS = ['StopLogging', 'DeleteTrail', 'UpdateTrail'] as const;
const memberKey = (id: string) => ({ accessKeyId: `LTAIbenchm${id}`, accessKeySecret: `bench-member-secret-${id}` });

export async function tamperRestore(events: number, latencyMs: number, log: (line: string) => void): Promise<TamperBenchResult> {
  const members = [memberId(0), memberId(1)];
  const seed: SeedFile = {
    defaultRegion: REGION,
    resourceDirectoryId: 'rd-bench',
    accounts: [
      {
        id: MGMT,
        rdRole: 'management',
        accessKeys: [KEY],
        buckets: [{ name: BUCKET, region: REGION, writers: members }],
        roles: [
          { name: 'trail-tamper', trustedServices: ['fc.aliyuncs.com'], trustedAccounts: [], grants: ['*'] },
          { name: 'trail-event-route', trustedServices: [], trustedAccounts: [], grants: [], policies: ['AliyunEventBridgePutEventsPolicy'] },
        ],
      },
      ...members.map((id) => ({
        id,
        rdRole: 'member' as const,
        accessKeys: [memberKey(id)],
        roles: [{ name: 'ResourceDirectoryAccountAccessRole', trustedServices: [], trustedAccounts: [MGMT], grants: ['*'] }],
      })),
    ],
  };
  const emu = await createEmulator({ seed });
  try {
    const env = { TRAIL_EMULATOR_URL: emu.url, TRAIL_REGION: REGION, TRAIL_BASELINE: JSON.stringify([BASELINE]), TRAIL_TAMPER_MAX_RESTORES: '1000' };
    const accounts = [MGMT, ...members];
    const clouds = new Map(accounts.map((id) => [id, createCloud({ region: REGION, accountId: id, credentials: staticCredentials(id === MGMT ? KEY : memberKey(id)), env })]));
    // Set up as the baseline's own spec (the guardrails let it deliver to the central bucket).
    const guard = { policy: DEFAULT_POLICY, baseline: [BASELINE], caller: { kind: 'cli' as const, name: 'bench-setup' } };
    for (const id of accounts) await ensureTrail(BASELINE, clouds.get(id)!, { guard });
    const handler = createHandler({ env, logger: silentLogger });
    emu.registerFunction(MGMT, REGION, 'tamper', (event, ctx) => handler(event, ctx));
    emu.world.functions.find((f) => f.name === 'tamper')!.roleArn = `acs:ram::${MGMT}:role/trail-tamper`;
    emu.world.eventRules.push(fcTriggerRule({ accountId: MGMT, region: REGION, functionName: 'tamper', filterPattern: tamperEventPattern(DEFAULT_TAMPER_TYPES), delayMs: 0 }));
    // Each member's route, as vending makes it (here with the member's own key as the member credentials).
    for (const id of members) {
      const route = { role: 'trail-event-route', account: MGMT, bus: 'default', rule: 'trail-provisioner-tamper-route', trustMaxChars: 6144 };
      const r = await ensureMemberEventRoute(id, { route, region: REGION, managementCredentials: staticCredentials(KEY), memberCredentials: staticCredentials(memberKey(id)), eventTypes: DEFAULT_TAMPER_TYPES, env });
      if (r.status !== 'fixed') throw new Error(`member route not made: ${JSON.stringify(r.error)}`);
    }
    emu.world.faults.latencyMs = latencyMs;

    const restoreMs: number[] = [];
    const byKind: Record<string, number> = {};
    let notRestored = 0;
    const started = Date.now();
    await Promise.all(
      accounts.map(async (id, a) => {
        const at = clouds.get(id)!.actiontrail;
        const share = Math.floor(events / accounts.length) + (a < events % accounts.length ? 1 : 0);
        for (let i = 0; i < share; i++) {
          const kind = KINDS[(i + a) % KINDS.length]!;
          const from = emu.world.eventDeliveries.length;
          if (kind === 'StopLogging') await at.stopLogging(BASELINE.Name);
          else if (kind === 'DeleteTrail') await at.deleteTrail(BASELINE.Name);
          else await at.updateTrail({ ...BASELINE, EventRW: 'Read' });
          // The event of this call (published as the call was answered).
          const mine = () => emu.world.eventDeliveries.slice(from).find((d) => d.functionName && d.sourceAccountId === id && d.eventName === kind);
          // A member's event reaches the function's rule one bus hop later.
          for (let w = 0; w < 5000 && !mine(); w++) await new Promise((r) => setTimeout(r, 1));
          const delivery = mine();
          while (delivery && (delivery.status === 'Pending' || delivery.status === 'Running')) await new Promise((r) => setTimeout(r, 1));
          const outcome = (delivery?.result as TamperInvocationResult | undefined)?.outcomes.find((o) => o.eventName === kind);
          if (delivery?.deliveredAt && delivery.finishedAt && outcome?.action === 'restored' && outcome.isLogging) {
            restoreMs.push(delivery.finishedAt - delivery.deliveredAt);
            byKind[kind] = (byKind[kind] ?? 0) + 1;
          } else notRestored++;
        }
      }),
    );
    await waitForEventDeliveries(emu.world, 60_000);
    const wallMs = Date.now() - started;
    log(`tamper: ${restoreMs.length} restored, ${notRestored} not, latency ${latencyMs} ms, ${wallMs} ms`);
    return { events: restoreMs.length + notRestored, latencyMs, restoreMs, byKind, notRestored, wallMs };
  } finally {
    await emu.close();
  }
}
