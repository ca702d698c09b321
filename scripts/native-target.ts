/**
 * The native addons the bundles carry, for the platform Function Compute runs (linux x64, glibc),
 * whatever the build host is.
 *
 * The SLS SDK's gateway (@alicloud/gateway-sls) loads lz4-napi when it loads, and lz4-napi loads
 * its binary from a per-platform optional dependency (@antoniomuso/lz4-napi-<platform>). npm installs
 * only the build host's one: on macOS, ARM or Alpine the linux-x64-gnu package is absent, and a
 * bundle built there would fail every SLS call on FC. So the build resolves that one package itself:
 *
 *   1. the installed package (node_modules), if it is there at lz4-napi's version;
 *   2. else a copy in the build cache (node_modules/.cache/trail-provisioner-native/);
 *   3. else `npm pack` of that exact version from the npm registry (the tarball's sha512 is checked
 *      against package-lock.json), unpacked into the cache;
 *
 * and checks the binary is what FC loads (an ELF x86-64 shared object linked against glibc), or
 * refuses the build with a message saying what to do. The esbuild plugin then points lz4-napi's
 * `require('@antoniomuso/lz4-napi-linux-x64-gnu')` at that file (copied beside the bundle) and leaves
 * every other platform's package unresolved: lz4-napi tries those inside try/catch, and on FC they
 * are never reached.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Plugin } from 'esbuild';

/** What Function Compute's nodejs20 runtime is (Debian, x86-64). */
export const FC_TARGET = 'linux-x64-gnu';

export interface NativeAddon {
  /** The npm package that loads the binary (its version pins the binary package's version). */
  parent: string;
  /** The per-platform package holding the binary FC needs. */
  pkg: string;
  /** The binary in that package. */
  file: string;
}

/** Every native addon in the functions' dependency tree (test/deploy-config.test.ts finds no other `.node` file in a bundle). */
export const NATIVE_ADDONS: readonly NativeAddon[] = [
  { parent: 'lz4-napi', pkg: '@antoniomuso/lz4-napi-linux-x64-gnu', file: 'lz4-napi.linux-x64-gnu.node' },
];

/** The family of per-platform packages of each addon: all but FC's are left unresolved. */
const PLATFORM_PACKAGES = /^@antoniomuso\/lz4-napi-[a-z0-9-]+/;

export interface NativeOptions {
  /** Project root (package-lock.json, node_modules). */
  rootDir: string;
  /** The node_modules directory npm installed (default <rootDir>/node_modules). */
  modulesDir?: string;
  /** Where fetched binaries are kept (default <modulesDir>/.cache/trail-provisioner-native). */
  cacheDir?: string;
  /** The build host, for messages only (default this process's platform and arch). */
  host?: { platform: string; arch: string };
  /**
   * How a missing binary package is fetched: 'npm' (default) runs `npm pack <pkg>@<version>` against
   * the configured npm registry; false never fetches (the build then fails if the package is
   * neither installed nor cached); a function gets the package spec and a directory to write the
   * tarball into, and returns the tarball's path (tests pack a local folder).
   */
  fetch?: 'npm' | false | ((spec: string, destDir: string) => string);
  log?: (line: string) => void;
}

/** Package name → absolute directory of its verified linux-x64-gnu copy. */
export type NativeBinaries = Map<string, string>;

export class NativeTargetError extends Error {
  override name = 'NativeTargetError';
}

/** Finds (or fetches) and verifies the linux-x64-gnu binary of every native addon; throws NativeTargetError otherwise. */
export function resolveNativeBinaries(opts: NativeOptions): NativeBinaries {
  const modulesDir = path.resolve(opts.modulesDir ?? path.join(opts.rootDir, 'node_modules'));
  const cacheDir = path.resolve(opts.cacheDir ?? path.join(modulesDir, '.cache', 'trail-provisioner-native'));
  const host = opts.host ?? { platform: process.platform, arch: process.arch };
  const log = opts.log ?? (() => {});
  const out: NativeBinaries = new Map();
  for (const addon of NATIVE_ADDONS) {
    const parentPkg = path.join(modulesDir, addon.parent, 'package.json');
    if (!existsSync(parentPkg)) throw new NativeTargetError(`Cannot build: ${addon.parent} is not installed under ${modulesDir}; run \`npm ci\` first.`);
    const version = (JSON.parse(readFileSync(parentPkg, 'utf8')) as { version: string }).version;
    const spec = `${addon.pkg}@${version}`;
    const problems: string[] = [];

    const installed = path.join(modulesDir, addon.pkg);
    const fromInstalled = checkPackage(installed, addon, version);
    if (fromInstalled === undefined) {
      out.set(addon.pkg, installed);
      continue;
    }
    problems.push(`installed: ${fromInstalled}`);

    const cached = path.join(cacheDir, `${addon.pkg.replace('/', '+')}@${version}`);
    const fromCache = checkPackage(cached, addon, version);
    if (fromCache === undefined) {
      log(`native: ${spec} from the build cache (${cached})`);
      out.set(addon.pkg, cached);
      continue;
    }
    problems.push(`cache: ${fromCache}`);

    const fetch = opts.fetch ?? 'npm';
    if (fetch !== false) {
      try {
        log(`native: ${spec} is not installed (npm installs only the build host's ${host.platform}-${host.arch} binary); fetching it from the npm registry`);
        const tmp = mkdtempSync(path.join(os.tmpdir(), 'trail-native-'));
        try {
          const tarball = fetch === 'npm' ? npmPack(spec, tmp) : fetch(spec, tmp);
          if (fetch === 'npm') checkIntegrity(tarball, lockIntegrity(opts.rootDir, addon.pkg), spec);
          const unpacked = path.join(tmp, 'unpacked');
          mkdirSync(unpacked);
          execFileSync('tar', ['-xzf', tarball, '-C', unpacked], { stdio: 'pipe' });
          const pkgDir = path.join(unpacked, 'package');
          const fetched = checkPackage(pkgDir, addon, version);
          if (fetched !== undefined) throw new Error(fetched);
          rmSync(cached, { recursive: true, force: true });
          mkdirSync(path.dirname(cached), { recursive: true });
          try {
            renameSync(pkgDir, cached);
          } catch {
            cpSync(pkgDir, cached, { recursive: true });
          }
        } finally {
          rmSync(tmp, { recursive: true, force: true });
        }
        out.set(addon.pkg, cached);
        continue;
      } catch (err) {
        problems.push(`fetch: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      }
    }
    throw new NativeTargetError(
      `Cannot build for Function Compute: the ${FC_TARGET} binary of ${addon.parent} (the SLS SDK's native addon), ` +
        `package ${spec}, is not available on this ${host.platform}-${host.arch} build host (${problems.join('; ')}). ` +
        `A bundle without it fails every SLS call on FC, so nothing was built. Fix: let the build reach the npm registry, ` +
        `or run \`npm install --no-save --os=linux --cpu=x64 --libc=glibc ${spec}\`, or build on linux x64 (glibc).`,
    );
  }
  return out;
}

/** Why the package directory does not hold FC's binary at `version`; undefined when it does. */
function checkPackage(dir: string, addon: NativeAddon, version: string): string | undefined {
  const manifest = path.join(dir, 'package.json');
  if (!existsSync(manifest)) return `${addon.pkg} is absent`;
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
  if (pkg.name !== addon.pkg) return `${dir} holds ${pkg.name ?? 'no package'}, not ${addon.pkg}`;
  if (pkg.version !== version) return `${addon.pkg} is at ${pkg.version}, ${addon.parent} wants ${version}`;
  const file = path.join(dir, addon.file);
  if (!existsSync(file)) return `${addon.file} is missing from ${addon.pkg}`;
  return checkBinary(readFileSync(file));
}

/**
 * Why the bytes are not a Linux x86-64 glibc shared object; undefined when they are. Reads the ELF
 * header (magic, 64-bit, little-endian, type ET_DYN, machine EM_X86_64) and the dynamic string
 * table's needed C library (libc.so.6, not musl's).
 */
export function checkBinary(bytes: Buffer): string | undefined {
  if (bytes.length < 64 || bytes.readUInt32BE(0) !== 0x7f454c46) {
    const kind = bytes.length >= 4 && [0xcffaedfe, 0xcefaedfe, 0xcafebabe].includes(bytes.readUInt32BE(0)) ? 'a Mach-O (macOS) file' : bytes.subarray(0, 2).toString('latin1') === 'MZ' ? 'a PE (Windows) file' : 'not an ELF file';
    return `the binary is ${kind}`;
  }
  if (bytes[4] !== 2 || bytes[5] !== 1) return 'the binary is not 64-bit little-endian ELF';
  if (bytes.readUInt16LE(16) !== 3) return 'the binary is not an ELF shared object';
  const machine = bytes.readUInt16LE(18);
  if (machine !== 0x3e) return `the binary is for ELF machine 0x${machine.toString(16)} (${machine === 0xb7 ? 'arm64' : 'not x86-64'})`;
  if (bytes.includes('ld-musl') || bytes.includes('libc.musl')) return 'the binary is linked against musl, FC runs glibc';
  if (!bytes.includes('libc.so.6')) return 'the binary does not link glibc (libc.so.6)';
  return undefined;
}

function npmPack(spec: string, destDir: string): string {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', spec, '--pack-destination', destDir, '--json', '--ignore-scripts'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
    shell: process.platform === 'win32',
  });
  const [first] = JSON.parse(out) as { filename: string }[];
  if (!first) throw new Error(`npm pack ${spec} wrote nothing`);
  return path.join(destDir, first.filename.replace(/^@/, '').replace('/', '-'));
}

/** The sha512 integrity package-lock.json pins for the package, if the lockfile has it. */
function lockIntegrity(rootDir: string, pkg: string): string | undefined {
  const lock = path.join(rootDir, 'package-lock.json');
  if (!existsSync(lock)) return undefined;
  const parsed = JSON.parse(readFileSync(lock, 'utf8')) as { packages?: Record<string, { integrity?: string }> };
  return parsed.packages?.[`node_modules/${pkg}`]?.integrity;
}

function checkIntegrity(tarball: string, integrity: string | undefined, spec: string): void {
  if (!integrity) throw new Error(`package-lock.json pins no integrity for ${spec}; refusing an unpinned binary`);
  const [algo, expected] = integrity.split('-', 2) as [string, string];
  const actual = createHash(algo).update(readFileSync(tarball)).digest('base64');
  if (actual !== expected) throw new Error(`${spec} from the registry does not match package-lock.json's ${algo} integrity`);
}

/**
 * esbuild plugin: the FC binary packages resolve to their verified directories (`<pkg>` to the
 * binary, copied by the `.node` copy loader; `<pkg>/package.json` to its manifest, which lz4-napi
 * reads for a version check); every other platform's package stays an unresolved require.
 */
export function nativeTargetPlugin(binaries: NativeBinaries): Plugin {
  return {
    name: 'fc-native-target',
    setup(build) {
      build.onResolve({ filter: PLATFORM_PACKAGES }, (args) => {
        for (const [pkg, dir] of binaries) {
          if (args.path === pkg) {
            const addon = NATIVE_ADDONS.find((a) => a.pkg === pkg)!;
            return { path: path.join(dir, addon.file) };
          }
          if (args.path.startsWith(`${pkg}/`)) return { path: path.join(dir, args.path.slice(pkg.length + 1)) };
        }
        return { path: args.path, external: true };
      });
    },
  };
}

/** The `.node` files in a built function directory. */
export function nativeFilesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.node'));
}
