import type { ServiceHandler } from '../types';
import { EmuError } from '../types';

/** Not implemented yet. */
export const ramService: ServiceHandler = (req) => {
  throw new EmuError(501, 'NotImplemented', `ram ${req.action ?? req.method} is not emulated yet.`);
};
