import type { ServiceHandler } from '../types';
import { EmuError } from '../types';

/** Not implemented yet. */
export const stsService: ServiceHandler = (req) => {
  throw new EmuError(501, 'NotImplemented', `sts ${req.action ?? req.method} is not emulated yet.`);
};
