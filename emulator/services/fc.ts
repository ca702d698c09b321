import type { ServiceHandler } from '../types';
import { EmuError } from '../types';

/** Not implemented yet. */
export const fcService: ServiceHandler = (req) => {
  throw new EmuError(501, 'NotImplemented', `fc ${req.action ?? req.method} is not emulated yet.`);
};
