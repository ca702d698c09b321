/**
 * Request signature verification. STUB: finds the AccessKey id without checking the signature yet.
 */
import type { World } from '../state';
import { EmuError, type Caller, type EmuRequest } from '../types';

export function verifyRequest(req: EmuRequest, world: World): Caller {
  const auth = req.headers['authorization'] ?? '';
  const id =
    /Credential=([^/,]+)/.exec(auth)?.[1] ??
    /^(?:OSS|LOG) ([^:]+):/.exec(auth)?.[1] ??
    req.params['AccessKeyId'] ??
    req.headers['x-acs-accesskey-id'];
  const key = id ? world.accessKeys.get(id) : undefined;
  if (!key) throw new EmuError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
  return { accountId: key.accountId, accessKeyId: key.accessKeyId, assumedRoleArn: key.assumedRoleArn };
}
