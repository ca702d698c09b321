/**
 * The tamper response's world for tests (test/tamper.test.ts, test/tamper-selectors.test.ts): the
 * management account with the tamper function's role and the receiver role of the member event
 * routes, a member's route made by our code over the wire (as vending and the sweep make it), the
 * tamper function wired behind the rule its s.yaml trigger deploys, and the outcomes of its runs.
 */
import { expect } from 'vitest';
import type { Emulator } from '../../emulator/server';

import { fcTriggerRule, waitForEventDeliveries } from '../../emulator/services/eventbridge';
import { createHandler, type TamperInvocationResult } from '../../functions/tamper';
import { staticCredentials } from '../../shared/cloud/credentials';
import { assumeRoleCredentials, memberRoleArn } from '../../shared/platform/accounts';
import { ensureMemberEventRoute, loadEventRouteConfig } from '../../shared/platform/event-route';
import { silentLogger } from '../../shared/platform/log';
import { DEFAULT_TAMPER_TYPES, tamperEventPattern } from '../../shared/platform/tamper-config';
import type { TamperOutcome } from '../../shared/triggers/tamper';
import type { TrailSpec } from '../../shared/core/spec';
import { MEMBER_A, MGMT, REGION, baseSeed, cloudFor, emuEnv, keyFor } from './world';
import { DEFAULT_POLICY } from '../../shared/core/guardrails';
import { ensureTrail } from '../../shared/core/provisioner';

export const FN_ROLE = 'trail-tamper-fn';
export const RECEIVER = 'trail-event-route';

/** The base seed plus the central bucket (members may write), the function's role and the receiver role (policies/trust-event-route.json). */
export function tamperSeed(): ReturnType<typeof baseSeed> {
  const s = baseSeed();
  const mgmt = s.accounts.find((a) => a.id === MGMT)!;
  mgmt.buckets = [{ name: `audit-${MGMT}`, region: REGION, writers: [MEMBER_A] }];
  mgmt.roles = [
    ...(mgmt.roles ?? []),
    { name: FN_ROLE, trustedServices: ['fc.aliyuncs.com'], trustedAccounts: [], grants: ['*'] },
    { name: RECEIVER, trustedServices: [], trustedAccounts: [], grants: [], policies: ['AliyunEventBridgePutEventsPolicy'] },
  ];
  return s;
}

/** The member's event route, made by our code over the wire (what vending and the sweep call). */
export async function routeMember(emu: Emulator, account: string): Promise<void> {
  const env = { ...emuEnv(emu), TRAIL_EVENT_ROUTE_ROLE: RECEIVER, TRAIL_EVENT_ROUTE_ACCOUNT: MGMT };
  const base = staticCredentials(keyFor(MGMT));
  const out = await ensureMemberEventRoute(account, {
    route: loadEventRouteConfig(env),
    region: REGION,
    managementCredentials: base,
    memberCredentials: assumeRoleCredentials({ region: REGION, credentials: base, env }, memberRoleArn(account), { sessionName: 'trail-vending' }),
    eventTypes: DEFAULT_TAMPER_TYPES,
    env,
  });
  expect(out.status).toBe('fixed');
}

/** Registers the tamper function (with its role) and the rule its trigger deploys on the management account's default bus (s.yaml's pattern). */
export function wireTamper(emu: Emulator, baseline: readonly TrailSpec[], webhookUrl: string, env: NodeJS.ProcessEnv = {}): void {
  const handler = createHandler({
    env: { ...emuEnv(emu), TRAIL_REGION: REGION, TRAIL_BASELINE: JSON.stringify(baseline), TRAIL_WEBHOOK_URL: webhookUrl, ...env },
    logger: silentLogger,
  });
  emu.registerFunction(MGMT, REGION, 'tamper', (event, ctx) => handler(event, ctx));
  emu.world.functions.find((f) => f.name === 'tamper')!.roleArn = `acs:ram::${MGMT}:role/${FN_ROLE}`;
  const rules = emu.world.eventRules;
  rules.splice(0, rules.length, ...rules.filter((r) => r.accountId !== MGMT), fcTriggerRule({ accountId: MGMT, region: REGION, functionName: 'tamper', filterPattern: tamperEventPattern(DEFAULT_TAMPER_TYPES) }));
}

/** Waits until every delivery (and the events of the restores) has finished, expects none failed; the function's outcomes from delivery `from` on. */
export async function tamperOutcomes(emu: Emulator, from: number): Promise<TamperOutcome[]> {
  let n = -1;
  while (n !== emu.world.eventDeliveries.length) {
    n = emu.world.eventDeliveries.length;
    await waitForEventDeliveries(emu.world);
    await new Promise((r) => setTimeout(r, 30));
  }
  const failed = emu.world.eventDeliveries.slice(from).filter((d) => d.status === 'Failed');
  expect(failed.map((d) => d.error)).toEqual([]);
  return emu.world.eventDeliveries
    .slice(from)
    .filter((d) => d.functionName)
    .flatMap((d) => (d.result as TamperInvocationResult).outcomes);
}

/**
 * Before any rule exists (so setting up is not tampering): the baseline's trails in the management
 * account and member A, made as the baseline's own specs (the guardrails let them deliver to the
 * central bucket of another account), and member A's event route.
 */
export async function baselineInPlace(emu: Emulator, baseline: readonly TrailSpec[]): Promise<void> {
  const guard = { policy: DEFAULT_POLICY, baseline: [...baseline], caller: { kind: 'cli' as const, name: 'test-setup' } };
  for (const acct of [MGMT, MEMBER_A]) for (const spec of baseline) await ensureTrail(spec, cloudFor(emu, acct), { guard });
  await routeMember(emu, MEMBER_A);
}
