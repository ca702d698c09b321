/**
 * Bundles each function (functions/<name>/index.ts) into dist/<name>/index.js for Function Compute 3.0.
 *
 * Why a bundle: FC's nodejs20 runtime loads `index.handler` from the code directory; one self-contained
 * CommonJS file per function keeps the upload small (no node_modules) and cold start short (one file
 * read instead of hundreds of module resolutions). s.yaml points each function's `code` at dist/<name>.
 *
 * Nothing is external. The one native addon in the tree (lz4-napi, pulled in by the SLS SDK's gateway)
 * cannot be inlined into JavaScript, so `.node` files use esbuild's `copy` loader: the binary is copied
 * beside index.js and the require is rewritten to it. That binary is the build host's platform, so
 * build on linux x64 (glibc), as FC runs; buildAll warns otherwise.
 *
 * Run with `npm run build`; `buildAll()` is exported for tests and benchmarks.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
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
  /** Absolute path of the bundle, <outDir>/<name>/index.js. */
  file: string;
  /** Size of index.js. */
  bytes: number;
  /** Size of index.js.map. */
  mapBytes: number;
  /** Size of the other files copied beside the bundle (native addons). */
  assetBytes: number;
}

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
    assetNames: '[name]-[hash]',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    // Minified class names would break error classification that reads constructor names.
    keepNames: true,
    sourcemap: 'linked',
    external: [],
    loader: { '.node': 'copy' },
    logLevel: 'silent',
  });
  for (const warning of result.warnings) log(`warning: ${name}: ${warning.text}`);
  return sizesOf(name, dir);
}

/** Sizes of what landed in <outDir>/<name>/ (the directory was emptied before the build). */
function sizesOf(name: string, dir: string): BundleSize {
  const size = (file: string) => statSync(path.join(dir, file)).size;
  const assetBytes = readdirSync(dir)
    .filter((file) => file !== 'index.js' && file !== 'index.js.map')
    .reduce((sum, file) => sum + size(file), 0);
  return { name, file: path.join(dir, 'index.js'), bytes: size('index.js'), mapBytes: size('index.js.map'), assetBytes };
}

/** Human-readable size, e.g. "2.95 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}

/** One line per function: name, bundle, source map and native asset sizes. */
export function formatSizes(sizes: readonly BundleSize[], rootDir = process.cwd()): string {
  return sizes
    .map(
      (s) =>
        `${s.name.padEnd(12)} ${path.relative(rootDir, s.file).padEnd(28)} ${formatBytes(s.bytes).padStart(10)}` +
        `  map ${formatBytes(s.mapBytes).padStart(10)}  native ${formatBytes(s.assetBytes).padStart(10)}`,
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
