/**
 * Standalone emulator: `npm run emulator -- [--port N] [--seed file.json] [--dump]`.
 *
 * Starts the loopback cloud on 127.0.0.1 with the seed (default emulator/seed.example.json),
 * prints its URL and how to point the project and its SDK clients at it, and stops on SIGINT or
 * SIGTERM (with --dump, printing the final world as a seed file first). Secrets are not printed:
 * they are in the seed file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createEmulator } from './server';
import { snapshot, type SeedFile } from './state';

interface CliOptions {
  port: number;
  seedPath: string;
  dump: boolean;
}

const USAGE = 'usage: npm run emulator -- [--port N] [--seed file.json] [--dump]';

export function parseArgs(argv: string[]): CliOptions {
  const opts: CliOptions = { port: 0, seedPath: path.join(__dirname, 'seed.example.json'), dump: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value\n${USAGE}`);
      return v;
    };
    if (name === '--port') {
      const p = Number(value());
      if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error(`--port must be 0..65535\n${USAGE}`);
      opts.port = p;
    } else if (name === '--seed') opts.seedPath = path.resolve(value());
    else if (name === '--dump') opts.dump = true;
    else if (name === '--help' || name === '-h') throw new Error(USAGE);
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return opts;
}

export function loadSeed(file: string): SeedFile {
  const seed = JSON.parse(readFileSync(file, 'utf8')) as SeedFile;
  if (!seed || !Array.isArray(seed.accounts)) throw new Error(`${file}: a seed needs an "accounts" array`);
  return seed;
}

async function main(): Promise<void> {
  let opts: CliOptions;
  let seed: SeedFile;
  try {
    opts = parseArgs(process.argv.slice(2));
    seed = loadSeed(opts.seedPath);
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 2;
    return;
  }
  const emu = await createEmulator({ seed, port: opts.port, host: '127.0.0.1' });
  const keys = seed.accounts.flatMap((a) => (a.accessKeys ?? []).map((k) => `  ${a.id}${a.rdRole ? ` (${a.rdRole})` : ''}: ${k.accessKeyId}`));
  console.log(
    [
      `Cloud emulator listening on ${emu.url}`,
      `Seed: ${opts.seedPath} (${seed.accounts.length} accounts)`,
      '',
      'Point the project at it:',
      `  export TRAIL_EMULATOR_URL=${emu.url}`,
      'Every service then keeps its real host name with ".localhost:' + emu.port + '" appended,',
      `e.g. http://sts.cn-hangzhou.aliyuncs.com.localhost:${emu.port}, and requests must be signed`,
      'with an AccessKey pair from the seed file:',
      ...keys,
      '',
      'Ctrl-C stops it.',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (opts.dump) console.log(JSON.stringify(snapshot(emu.world), null, 2));
    emu.close().then(
      () => {
        console.log(`Emulator stopped (${signal}).`);
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) void main();
