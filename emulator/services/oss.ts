import type { ServiceHandler } from '../types';
import { EmuError } from '../types';

/** Not implemented yet. */
export const ossService: ServiceHandler = (req) => {
  throw new EmuError(501, 'NotImplemented', `oss ${req.action ?? req.method} is not emulated yet.`);
};
