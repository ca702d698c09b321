/**
 * Bundles each function (functions/<name>/index.ts) into dist/<name>/ for Function Compute 3.0.
 *
 * Why a bundle: FC's nodejs20 runtime loads `index.handler` from the code directory; a
 * self-contained directory per function keeps the upload small (no node_modules) and cold start
 * short (a few file reads instead of hundreds of module resolutions). s.yaml points each
 * function's `code` at dist/<name>.
 *
 * Why ES modules with code splitting: a function's entry, index.js, holds only the project's own
 * code; each SDK the client modules import on first call (shared/cloud/sdks.ts) lands in its own
 * file under chunks/, with what SDKs share in common chunks. A cold start reads, parses and runs
 * only what its request needs: GET /healthz no SDK at all, a DescribeTrails only openapi-core.
 * One CommonJS file would make every cold start parse all of them (~2 MiB). FC runs .js files as
 * ES modules when the code directory's package.json says "type": "module" (FC docs, Node.js
 * runtimes 18 and later), so one is written beside index.js. The bundled SDKs are CommonJS:
 * each output file gets a `require` made by createRequire for the built-in modules and the
 * native addon they load.
 *
 * Nothing is external. The one native addon in the tree (lz4-napi, pulled in by the SLS SDK's gateway)
 * cannot be inlined into JavaScript, so `.node` files use esbuild's `copy` loader: the binary is copied
 * beside the code and the require is rewritten to it. That binary is the build host's platform, so
 * build on linux x64 (glibc), as FC runs; buildAll warns otherwise.
 *
 * Run with `npm run build`; `buildAll()` is exported for tests and benchmarks.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

/** The deployed functions: each is a resource of the same name in s.yaml. */
export const FUNCTION_NAMES = ['vending', 'selfservice', 'remediation'] as const;

export interface BuildOptions {
  /** Project root holding functions/<name>/index.ts (default: this repository). */
  rootDir?: string;
  /** Output directory; each function goes to <outDir>/<name>/ (default: <rootDir>/dist). */
  outDir?: string;
  /** Which functions to build (default: FUNCTION_NAMES). */
  functions?: readonly string[];
  /** Receives progress and warning lines (default: none; the CLI prints them). */
  log?: (line: string) => void;
}

export interface BundleSize {
  name: string;
  /** Absolute path of the entry, <outDir>/<name>/index.js. */
  file: string;
  /** Size of index.js: what every cold start loads. */
  bytes: number;
  /** Size of the chunks under chunks/ (SDKs and shared code, each loaded on first use). */
  chunkBytes: number;
  /** Number of chunk files. */
  chunks: number;
  /** Size of every .js.map. */
  mapBytes: number;
  /** Size of the native addons copied beside the code. */
  assetBytes: number;
}

/** Makes `require` (for Node built-ins and the native addon in bundled CommonJS SDKs) in each ES module file. */
const ESM_REQUIRE_BANNER = "import { createRequire as __trailCreateRequire } from 'node:module'; const require = __trailCreateRequire(import.meta.url);";

const DEFAULT_ROOT = path.resolve(__dirname, '..');

/** Entry file of a function, relative to the project root. */
export function entryFor(name: string): string {
  return path.join('functions', name, 'index.ts');
}

/** Builds every function; throws before writing anything if an entry file is missing. */
export async function buildAll(opts: BuildOptions = {}): Promise<BundleSize[]> {
  const rootDir = path.resolve(opts.rootDir ?? DEFAULT_ROOT);
  const outDir = path.resolve(opts.outDir ?? path.join(rootDir, 'dist'));
  const names = opts.functions ?? FUNCTION_NAMES;
  const log = opts.log ?? (() => {});

  const missing = names.filter((name) => !existsSync(path.join(rootDir, entryFor(name))));
  if (missing.length > 0) {
    throw new Error(
      `Cannot build: missing function entry file(s) ${missing.map(entryFor).join(', ')} under ${rootDir}. ` +
        'Each function needs functions/<name>/index.ts exporting handler(event, context).',
    );
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    log(
      `warning: building on ${process.platform}/${process.arch}; native addons copied into the bundle ` +
        'match this host, while Function Compute runs linux/x64. Build on linux x64 for deployment.',
    );
  }

  // One esbuild run per function: copied assets (native addons) land beside that function's
  // index.js, inside the directory FC uploads, and nothing is shared between functions.
  return Promise.all(names.map((name) => buildOne(rootDir, name, path.join(outDir, name), log)));
}

async function buildOne(rootDir: string, name: string, dir: string, log: (line: string) => void): Promise<BundleSize> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const result = await build({
    absWorkingDir: rootDir,
    entryPoints: [entryFor(name)],
    outdir: dir,
    entryNames: 'index',
    chunkNames: 'chunks/[name]-[hash]',
    assetNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    // Minified class names would break error classification that reads constructor names.
    keepNames: true,
    sourcemap: 'linked',
    external: [],
    loader: { '.node': 'copy' },
    logLevel: 'silent',
  });
  for (const warning of result.warnings) log(`warning: ${name}: ${warning.text}`);
  // FC (and node) run the .js files of this directory as ES modules.
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
  // The self-service console's static files, read on the first GET / (shared/triggers/console-assets.ts).
  if (name === 'selfservice' && existsSync(path.join(rootDir, 'console'))) cpSync(path.join(rootDir, 'console'), path.join(dir, 'console'), { recursive: true });
  return sizesOf(name, dir);
}

/** Sizes of what landed in <outDir>/<name>/ (the directory was emptied before the build). */
function sizesOf(name: string, dir: string): BundleSize {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(path.join(dir, f)).isFile());
  const total = (pick: (file: string) => boolean) => files.filter(pick).reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
  const chunk = (f: string) => f.startsWith(`chunks${path.sep}`) && f.endsWith('.js');
  return {
    name,
    file: path.join(dir, 'index.js'),
    bytes: total((f) => f === 'index.js'),
    chunkBytes: total(chunk),
    chunks: files.filter(chunk).length,
    mapBytes: total((f) => f.endsWith('.js.map')),
    assetBytes: total((f) => f.endsWith('.node')),
  };
}

/** Human-readable size, e.g. "2.95 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}

/** One line per function: entry, chunks, source map and native asset sizes. */
export function formatSizes(sizes: readonly BundleSize[], rootDir = process.cwd()): string {
  return sizes
    .map(
      (s) =>
        `${s.name.padEnd(12)} ${path.relative(rootDir, s.file).padEnd(28)} ${formatBytes(s.bytes).padStart(10)}` +
        `  + ${String(s.chunks).padStart(2)} chunks ${formatBytes(s.chunkBytes).padStart(10)}` +
        `  maps ${formatBytes(s.mapBytes).padStart(10)}  native ${formatBytes(s.assetBytes).padStart(10)}`,
    )
    .join('\n');
}

if (require.main === module) {
  buildAll({ log: (line) => console.error(line) })
    .then((sizes) => console.log(formatSizes(sizes)))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    });
}
