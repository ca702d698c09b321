import type { ServiceHandler } from '../types';
import { EmuError } from '../types';

/** Not implemented yet. */
export const slsService: ServiceHandler = (req) => {
  throw new EmuError(501, 'NotImplemented', `sls ${req.action ?? req.method} is not emulated yet.`);
};
