/**
 * RFC 6761 says names under ".localhost" are loopback names. Node's resolver on these machines
 * does not know that, and some real SDK clients put a sub-domain in front of the endpoint
 * (SLS: "<project>.<endpoint>", OSS: "<bucket>.<endpoint>"). In emulator mode only, this makes
 * every "*.localhost" name resolve to 127.0.0.1, so the unmodified clients reach the emulator
 * with the same Host headers they send to the real cloud. Other names resolve as before.
 */
import dns from 'node:dns';

let installed = false;

export function installLoopbackResolver(): void {
  if (installed) return;
  installed = true;
  const original = dns.lookup;
  const patched = function lookup(hostname: string, options: unknown, callback?: unknown): void {
    let opts = options as { all?: boolean; family?: number } | number | undefined;
    let cb = callback as (...args: unknown[]) => void;
    if (typeof opts === 'function') {
      cb = opts as unknown as (...args: unknown[]) => void;
      opts = undefined;
    }
    if (typeof hostname === 'string' && /(^|\.)localhost\.?$/i.test(hostname)) {
      const all = typeof opts === 'object' && opts?.all;
      if (all) process.nextTick(cb, null, [{ address: '127.0.0.1', family: 4 }]);
      else process.nextTick(cb, null, '127.0.0.1', 4);
      return;
    }
    (original as (...args: unknown[]) => void).call(dns, hostname, opts ?? {}, cb);
  };
  (dns as { lookup: unknown }).lookup = patched;
}
