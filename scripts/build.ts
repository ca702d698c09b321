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
 * Nothing is external but `proxy-agent`: urllib (under ali-oss) requires it lazily, only when an
 * HTTP proxy is switched on (its enableProxy option or URLLIB_ENABLE_PROXY), which this project never
 * does, and it is not installed; the require stays in the bundle and is never reached. The one native addon in the tree (lz4-napi, pulled in by the SLS SDK's gateway)
 * cannot be inlined into JavaScript, so `.node` files use esbuild's `copy` loader: the binary is copied
 * beside the code and the require is rewritten to it. That binary is always the linux-x64-gnu one FC
 * runs, whatever the build host (scripts/native-target.ts: installed, cached, or fetched from the npm
 * registry at the locked version and integrity); without it the build fails before writing anything,
 * and every `.node` file that lands in a bundle is checked to be an ELF x86-64 glibc object.
 *
 * Run with `npm run build`; `buildAll()` is exported for tests and benchmarks.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { checkBinary, nativeFilesIn, nativeTargetPlugin, NativeTargetError, resolveNativeBinaries, type NativeBinaries, type NativeOptions } from './native-target';

/** The deployed functions: each is a resource of the same name in s.yaml. */
export const FUNCTION_NAMES = ['vending', 'selfservice', 'remediation', 'tamper'] as const;

export interface BuildOptions {
  /** Project root holding functions/<name>/index.ts (default: this repository). */
  rootDir?: string;
  /** Output directory; each function goes to <outDir>/<name>/ (default: <rootDir>/dist). */
  outDir?: string;
  /** Which functions to build (default: FUNCTION_NAMES). */
  functions?: readonly string[];
  /** Receives progress and warning lines (default: none; the CLI prints them). */
  log?: (line: string) => void;
  /**
   * Where the linux-x64-gnu native binaries come from (scripts/native-target.ts): the node_modules
   * to look in, the cache, how to fetch, and the build host named in messages (tests pretend to be
   * another host with these).
   */
  native?: Omit<NativeOptions, 'rootDir' | 'log'>;
  /**
   * Leave each .js.map beside its .js, inside the uploaded directory (only the source map
   * benchmark wants this). Default: maps go to <outDir>/sourcemaps/<name>/, outside what FC uploads.
   */
  keepMapsBeside?: boolean;
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
  /** Size of the packages under chunks/lazy/ (LAZY_REQUIRES), each read only if a call uses it. */
  lazyBytes: number;
  lazyFiles: number;
  /** Size of every .js.map (under <outDir>/sourcemaps/<name>/, not uploaded). */
  mapBytes: number;
  /** Where the maps are: <outDir>/sourcemaps/<name> (or the code directory with keepMapsBeside). */
  mapDir: string;
  /** Size of the native addons copied beside the code. */
  assetBytes: number;
}

/**
 * Packages that @darabonba/typescript (the runtime under openapi-core and every generated SDK)
 * requires at load time but only uses inside functions our calls never reach, or reach late:
 * WebSocket clients (ws, the proxy agents and socks), XML bodies (xml2js), Darabonba's date
 * helpers (moment) and merge (lodash). Bundled as they are, the first cloud call of a cold
 * start parses and evaluates ~370 KiB of them (about 60 % of openapi-core's load CPU, measured:
 * docs/bench.md). lazyRequirePlugin gives @darabonba/typescript a stand-in for each, and each
 * package is bundled on its own into chunks/lazy/<name>.cjs, which the stand-in requires on
 * first property access: a call that never uses one neither parses nor evaluates it.
 */
export const LAZY_REQUIRES: Readonly<Record<string, readonly string[]>> = {
  '@darabonba/typescript': ['ws', 'socks-proxy-agent', 'https-proxy-agent', 'http-proxy-agent', 'xml2js', 'moment', 'lodash'],
};

/** Where a lazily required package lands, relative to the chunks/ directory. */
const lazyFile = (specifier: string) => `./lazy/${specifier.replace(/[^a-zA-Z0-9.-]/g, '_')}.cjs`;

/**
 * The stand-in: a Proxy that says it is an ES module (so TypeScript's __importStar and
 * __importDefault helpers keep it as is, without enumerating it), answers `default` as those
 * helpers would have for the real module, and every other property from the real module, which
 * it requires on first access. @darabonba/typescript only reads properties of these modules
 * (`_.merge`, `new xml2js_1.Parser`, `(0, moment_1.default)(…)`, `new ws_1.default(…)`).
 */
function lazyStandIn(specifier: string): string {
  return `let real;
const load = () => (real ??= require(${JSON.stringify(lazyFile(specifier))}));
module.exports = new Proxy({}, {
  get(_t, key) {
    if (key === '__esModule') return true;
    const m = load();
    if (key === 'default') return m && m.__esModule ? m.default : m;
    return m[key];
  },
  has: (_t, key) => key === '__esModule' || key in load(),
});
`;
}

/** esbuild plugin: LAZY_REQUIRES, for requires made by the named packages' own files only. */
export function lazyRequirePlugin(table: Readonly<Record<string, readonly string[]>> = LAZY_REQUIRES): Plugin {
  const names = new Set(Object.values(table).flat());
  const importers = Object.entries(table).map(([pkg, specs]) => ({ dir: `${path.sep}node_modules${path.sep}${pkg.split('/').join(path.sep)}${path.sep}`, specs: new Set(specs) }));
  const lazyPaths = new Set([...names].map(lazyFile));
  return {
    name: 'lazy-require',
    setup(b) {
      b.onResolve({ filter: /^[@a-z./]/ }, (args) => {
        // The stand-in's own require: the separate file, found at run time beside the chunk.
        if (args.namespace === 'lazy-require' && lazyPaths.has(args.path)) return { path: args.path, external: true };
        if (args.kind !== 'require-call' || args.namespace !== 'file' || !names.has(args.path)) return undefined;
        const by = importers.find((i) => args.importer.includes(i.dir) && i.specs.has(args.path));
        return by ? { path: args.path, namespace: 'lazy-require' } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'lazy-require' }, (args) => ({ contents: lazyStandIn(args.path), loader: 'js' }));
    },
  };
}

/** Bundles each LAZY_REQUIRES package into <chunksDir>/lazy/<name>.cjs (CommonJS, required by its stand-in). */
async function buildLazyFiles(rootDir: string, chunksDir: string): Promise<void> {
  const specs = [...new Set(Object.entries(LAZY_REQUIRES).flatMap(([pkg, list]) => list.map((spec) => ({ pkg, spec }))))];
  await Promise.all(
    specs.map(({ pkg, spec }) =>
      build({
        absWorkingDir: rootDir,
        // Resolved from the requiring package's directory, as its require() would be.
        stdin: { contents: `module.exports = require(${JSON.stringify(spec)});`, resolveDir: path.dirname(require.resolve(`${pkg}/package.json`, { paths: [rootDir] })), loader: 'js' },
        outfile: path.join(chunksDir, lazyFile(spec)),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        minify: true,
        keepNames: true,
        logLevel: 'silent',
      }),
    ),
  );
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
  // FC's binaries first: a build that cannot have them writes nothing.
  const binaries = resolveNativeBinaries({ ...opts.native, rootDir, log });

  // One esbuild run per function: copied assets (native addons) land beside that function's
  // index.js, inside the directory FC uploads, and nothing is shared between functions.
  return Promise.all(
    names.map((name) => buildOne(rootDir, name, path.join(outDir, name), opts.keepMapsBeside ? undefined : path.join(outDir, 'sourcemaps', name), log, binaries)),
  );
}

async function buildOne(rootDir: string, name: string, dir: string, mapDir: string | undefined, log: (line: string) => void, binaries: NativeBinaries): Promise<BundleSize> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (mapDir) rmSync(mapDir, { recursive: true, force: true });
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
    // urllib's lazy require('proxy-agent'), reached only with a proxy enabled (never here).
    external: ['proxy-agent'],
    loader: { '.node': 'copy' },
    plugins: [nativeTargetPlugin(binaries), lazyRequirePlugin()],
    logLevel: 'silent',
  });
  for (const warning of result.warnings) log(`warning: ${name}: ${warning.text}`);
  for (const file of nativeFilesIn(dir)) {
    const wrong = checkBinary(readFileSync(path.join(dir, file)));
    if (wrong) throw new NativeTargetError(`Cannot build ${name}: ${file} would not load on Function Compute (linux x64, glibc): ${wrong}.`);
  }
  await buildLazyFiles(rootDir, path.join(dir, 'chunks'));
  // FC (and node) run the .js files of this directory as ES modules.
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
  // The self-service console's static files, read on the first GET / (shared/triggers/console-assets.ts).
  if (name === 'selfservice' && existsSync(path.join(rootDir, 'console'))) cpSync(path.join(rootDir, 'console'), path.join(dir, 'console'), { recursive: true });
  // Source maps ship apart (docs/bench.md, "Source maps"): loaded with --enable-source-maps they
  // cost every cold start; without the flag Node ignores the sourceMappingURL comments, so the
  // uploaded code does not carry ~7 MiB it never reads. Put the maps back beside a copy of the
  // code to read a production stack trace (docs/deploy.md).
  if (mapDir) {
    for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((x) => x.endsWith('.js.map'))) {
      mkdirSync(path.dirname(path.join(mapDir, f)), { recursive: true });
      renameSync(path.join(dir, f), path.join(mapDir, f));
    }
  }
  return sizesOf(name, dir, mapDir ?? dir);
}

/** Sizes of what landed in <outDir>/<name>/ (the directory was emptied before the build). */
function sizesOf(name: string, dir: string, mapDir: string): BundleSize {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(path.join(dir, f)).isFile());
  const maps = existsSync(mapDir) ? readdirSync(mapDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js.map')) : [];
  const total = (pick: (file: string) => boolean) => files.filter(pick).reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
  const chunk = (f: string) => f.startsWith(`chunks${path.sep}`) && f.endsWith('.js');
  const lazy = (f: string) => f.startsWith(`chunks${path.sep}lazy${path.sep}`) && f.endsWith('.cjs');
  return {
    name,
    file: path.join(dir, 'index.js'),
    bytes: total((f) => f === 'index.js'),
    chunkBytes: total(chunk),
    chunks: files.filter(chunk).length,
    lazyBytes: total(lazy),
    lazyFiles: files.filter(lazy).length,
    mapBytes: maps.reduce((sum, f) => sum + statSync(path.join(mapDir, f)).size, 0),
    mapDir,
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
        `  native ${formatBytes(s.assetBytes).padStart(10)}  (maps apart: ${formatBytes(s.mapBytes)})`,
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
