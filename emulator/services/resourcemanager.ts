import type { ServiceHandler } from '../types';
import { EmuError } from '../types';

/** Not implemented yet. */
export const resourcemanagerService: ServiceHandler = (req) => {
  throw new EmuError(501, 'NotImplemented', `resourcemanager ${req.action ?? req.method} is not emulated yet.`);
};
