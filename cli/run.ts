/**
 * Process entry of the CLI: binds main() to the real argv, streams and environment, and sets
 * the exit code (never process.exit(), so pending output is flushed first).
 */
import { main } from './main';

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`trail-provisioner: unexpected failure: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
