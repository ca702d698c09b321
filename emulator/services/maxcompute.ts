import type { ServiceHandler } from '../types';
import { EmuError } from '../types';

/** Not implemented yet. */
export const maxcomputeService: ServiceHandler = (req) => {
  throw new EmuError(501, 'NotImplemented', `maxcompute ${req.action ?? req.method} is not emulated yet.`);
};
