/**
 * The build packages Function Compute's linux-x64-gnu lz4 binary (the SLS SDK's native addon)
 * whatever the build host, or refuses clearly (scripts/native-target.ts).
 *
 * A foreign build host is simulated as npm leaves it: a node_modules holding lz4-napi and only the
 * host's own binary package (darwin-arm64 here, a Mach-O file), never FC's. Offline: the "fetch"
 * cases pack a local copy of the package with the real `npm pack <folder>` (no registry), and the
 * registry path itself (`npm pack <pkg>@<version>` + the lockfile integrity check) is not run here.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAll } from '../scripts/build';
import { checkBinary, NATIVE_ADDONS, resolveNativeBinaries } from '../scripts/native-target';

const ROOT = path.resolve(__dirname, '..');
const REAL_MODULES = path.join(ROOT, 'node_modules');
const [LZ4] = NATIVE_ADDONS as [(typeof NATIVE_ADDONS)[number]];
const DARWIN = { platform: 'darwin', arch: 'arm64' };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'trail-native-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** A node_modules as npm leaves it on a darwin-arm64 host: lz4-napi and the darwin binary package only. */
function darwinModules(): string {
  const dir = path.join(tmp, `host-${n++}`, 'node_modules');
  cpSync(path.join(REAL_MODULES, 'lz4-napi'), path.join(dir, 'lz4-napi'), { recursive: true });
  const darwin = path.join(dir, '@antoniomuso', 'lz4-napi-darwin-arm64');
  mkdirSync(darwin, { recursive: true });
  const version = JSON.parse(readFileSync(path.join(REAL_MODULES, 'lz4-napi', 'package.json'), 'utf8')).version;
  writeFileSync(path.join(darwin, 'package.json'), JSON.stringify({ name: '@antoniomuso/lz4-napi-darwin-arm64', version, os: ['darwin'], cpu: ['arm64'], main: 'lz4-napi.darwin-arm64.node' }));
  // Mach-O 64-bit magic (little-endian) followed by padding: what the darwin package ships.
  writeFileSync(path.join(darwin, 'lz4-napi.darwin-arm64.node'), Buffer.concat([Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), Buffer.alloc(4096)]));
  return dir;
}

/** Packs the real installed linux-x64-gnu package offline, as the registry would serve it. */
const packLocal = (spec: string, destDir: string): string => {
  expect(spec).toBe(`${LZ4.pkg}@${JSON.parse(readFileSync(path.join(REAL_MODULES, 'lz4-napi', 'package.json'), 'utf8')).version}`);
  const out = execFileSync('npm', ['pack', path.join(REAL_MODULES, LZ4.pkg), '--pack-destination', destDir, '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
  return path.join(destDir, (JSON.parse(out) as { filename: string }[])[0]!.filename);
};

describe('checkBinary', () => {
  it("accepts the installed linux-x64-gnu binary and refuses other platforms' files", () => {
    expect(checkBinary(readFileSync(path.join(REAL_MODULES, LZ4.pkg, LZ4.file)))).toBeUndefined();
    expect(checkBinary(Buffer.concat([Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), Buffer.alloc(100)]))).toMatch(/Mach-O/);
    const arm = Buffer.from(readFileSync(path.join(REAL_MODULES, LZ4.pkg, LZ4.file)));
    arm.writeUInt16LE(0xb7, 18);
    expect(checkBinary(arm)).toMatch(/arm64/);
    const musl = Buffer.concat([readFileSync(path.join(REAL_MODULES, LZ4.pkg, LZ4.file)), Buffer.from('libc.musl-x86_64.so.1')]);
    expect(checkBinary(musl)).toMatch(/musl/);
  });
});

describe('a build on a foreign host (darwin-arm64)', () => {
  it('refuses clearly, writing nothing, when the binary is neither installed, cached nor fetchable', async () => {
    const modulesDir = darwinModules();
    const outDir = path.join(tmp, 'refused-dist');
    const failingFetch = () => {
      throw new Error('registry unreachable (simulated)');
    };
    const build = buildAll({ outDir, functions: ['selfservice'], native: { modulesDir, host: DARWIN, fetch: failingFetch } });
    await expect(build).rejects.toThrow(/linux-x64-gnu binary of lz4-napi .*@antoniomuso\/lz4-napi-linux-x64-gnu@\d+\.\d+\.\d+.*darwin-arm64 build host.*registry unreachable.*npm install --no-save --os=linux --cpu=x64 --libc=glibc/);
    expect(existsSync(outDir)).toBe(false);
    // And without fetching at all.
    expect(() => resolveNativeBinaries({ rootDir: ROOT, modulesDir, host: DARWIN, fetch: false })).toThrow(/is absent.*cache: .*is absent/);
  });

  it('refuses an installed "linux-x64-gnu" package whose binary is not one', () => {
    const modulesDir = darwinModules();
    const fake = path.join(modulesDir, LZ4.pkg);
    cpSync(path.join(REAL_MODULES, LZ4.pkg), fake, { recursive: true });
    writeFileSync(path.join(fake, LZ4.file), Buffer.concat([Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), Buffer.alloc(4096)]));
    expect(() => resolveNativeBinaries({ rootDir: ROOT, modulesDir, host: DARWIN, fetch: false })).toThrow(/installed: the binary is a Mach-O/);
  });

  it('fetches the package (npm pack), caches it, and bundles FC\'s binary, not the host\'s', async () => {
    const modulesDir = darwinModules();
    const cacheDir = path.join(tmp, 'cache');
    const lines: string[] = [];
    const outDir = path.join(tmp, 'fetched-dist');
    await buildAll({ outDir, functions: ['selfservice'], log: (l) => lines.push(l), native: { modulesDir, cacheDir, host: DARWIN, fetch: packLocal } });
    expect(lines.join('\n')).toMatch(/not installed \(npm installs only the build host's darwin-arm64 binary\); fetching/);
    const dir = path.join(outDir, 'selfservice');
    const natives = readdirSync(dir).filter((f) => f.endsWith('.node'));
    expect(natives).toHaveLength(1);
    expect(natives[0]).toMatch(/^lz4-napi\.linux-x64-gnu-[A-Z0-9]+\.node$/);
    expect(readFileSync(path.join(dir, natives[0]!)).equals(readFileSync(path.join(REAL_MODULES, LZ4.pkg, LZ4.file)))).toBe(true);
    // The darwin package is left to lz4-napi's try/catch (a plain require that fails on FC), not bundled.
    const code = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');
    expect(code).toContain('("@antoniomuso/lz4-napi-darwin-arm64")');
    expect(code).toMatch(/\("\.\.\/lz4-napi\.linux-x64-gnu-[A-Z0-9]+\.node"\)/);

    // A second build uses the cache: no fetch.
    const noFetch = () => {
      throw new Error('fetched again');
    };
    const again: string[] = [];
    await buildAll({ outDir: path.join(tmp, 'cached-dist'), functions: ['selfservice'], log: (l) => again.push(l), native: { modulesDir, cacheDir, host: DARWIN, fetch: noFetch } });
    expect(again.join('\n')).toMatch(/from the build cache/);
  }, 120_000);

  it('a fetched package of the wrong version or platform is refused', () => {
    const modulesDir = darwinModules();
    const wrong = (spec: string, destDir: string) => {
      const src = path.join(tmp, `wrong-${n++}`);
      cpSync(path.join(REAL_MODULES, LZ4.pkg), src, { recursive: true });
      const manifest = JSON.parse(readFileSync(path.join(src, 'package.json'), 'utf8'));
      writeFileSync(path.join(src, 'package.json'), JSON.stringify({ ...manifest, version: '0.0.1' }));
      expect(spec).toMatch(/@antoniomuso\/lz4-napi-linux-x64-gnu@/);
      const out = execFileSync('npm', ['pack', src, '--pack-destination', destDir, '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return path.join(destDir, (JSON.parse(out) as { filename: string }[])[0]!.filename);
    };
    expect(() => resolveNativeBinaries({ rootDir: ROOT, modulesDir, cacheDir: path.join(tmp, 'cache-wrong'), host: DARWIN, fetch: wrong })).toThrow(/fetch: .*is at 0\.0\.1, lz4-napi wants/);
  });
});
