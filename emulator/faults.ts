/**
 * Fault injection. STUB: adds the configured base latency only.
 */
import type { World } from './state';
import type { EmuRequest } from './types';

export async function applyFaults(_req: EmuRequest, world: World): Promise<void | 'drop'> {
  if (world.faults.latencyMs) await new Promise((r) => setTimeout(r, world.faults.latencyMs));
}
