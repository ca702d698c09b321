import type { ServiceHandler } from '../types';
import { EmuError } from '../types';

/** Not implemented yet. */
export const actiontrailService: ServiceHandler = (req) => {
  throw new EmuError(501, 'NotImplemented', `actiontrail ${req.action ?? req.method} is not emulated yet.`);
};
