/**
 * Headless Chromium for the console's browser tests: the binary inside @sparticuz/chromium (no
 * download at install or test time), driven by puppeteer-core.
 *
 * The binary links against NSS, NSPR and expat (libnss3.so, libnspr4.so, libexpat.so.1 …), which
 * Debian machines of this kind already have (libnss3 comes in with the base image's packages). Where
 * they are missing, the package ships the same libraries for Amazon Linux 2023 (bin/al2023.tar.br)
 * and only unpacks them on Lambda; here they are unpacked the same way into a temporary folder and
 * given to the browser process alone through LD_LIBRARY_PATH, so no apt-get is needed. If libraries
 * are still missing after that, the error names them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser } from 'puppeteer-core';

export const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** Shared libraries `ldd` cannot find for `binary` under `env`. */
export function missingLibraries(binary: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const out = spawnSync('ldd', [binary], { env, encoding: 'utf8' });
  if (out.status !== 0 && !out.stdout) return [];
  return [...out.stdout.matchAll(/^\s*(\S+) => not found/gm)].map((m) => m[1]!);
}

/** Unpacks the package's own bin/al2023.tar.br (NSS, NSPR, expat) once; returns its lib folder. */
export function bundledLibraryDir(): string {
  const dir = path.join(tmpdir(), 'trail-console-chromium-libs');
  const lib = path.join(dir, 'lib');
  if (existsSync(path.join(lib, 'libnss3.so'))) return lib;
  // The package root: its entry is <root>/build/cjs/index.cjs (its exports map hides package.json).
  const pkg = path.resolve(path.dirname(createRequire(__filename).resolve('@sparticuz/chromium')), '..', '..');
  mkdirSync(dir, { recursive: true });
  const tar = brotliDecompressSync(readFileSync(path.join(pkg, 'bin', 'al2023.tar.br')));
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: tar });
  if (untar.status !== 0) throw new Error(`could not unpack @sparticuz/chromium's al2023.tar.br: ${untar.stderr}`);
  return lib;
}

/** The environment the browser needs here: this one, or with the bundled libraries on LD_LIBRARY_PATH. */
export function browserEnv(executablePath: string, forceBundled = false): NodeJS.ProcessEnv {
  if (!forceBundled && missingLibraries(executablePath).length === 0) return process.env;
  const lib = bundledLibraryDir();
  const env = { ...process.env, LD_LIBRARY_PATH: [lib, process.env['LD_LIBRARY_PATH']].filter(Boolean).join(':') };
  const still = missingLibraries(executablePath, env);
  if (still.length > 0) {
    throw new Error(`Chromium (${executablePath}) lacks shared libraries even with @sparticuz/chromium's own: ${still.join(', ')}. Install them (Debian: apt-get install ${still.join(' ')} → the packages providing them).`);
  }
  return env;
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = await chromium.executablePath();
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: LAUNCH_ARGS,
    env: browserEnv(executablePath, process.env['BROWSER_TEST_BUNDLED_LIBS'] === '1'),
    defaultViewport: { width: 1100, height: 900 },
  });
}
