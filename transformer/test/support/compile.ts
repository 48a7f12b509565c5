import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fixturesDir, tmpDir, type Toolchain } from './toolchains.js';

// Compiles a fixture app the way a user does: a tsconfig with the plugin line, the real `tspc` binary as a child
// process. Each variant gets its own directory under transformer/.tmp/<fixture>-<variant>/.

export type DecoratorMode = 'tc39' | 'legacy';
export type ModuleMode = 'cjs' | 'esm';

export interface Variant {
  readonly decorators: DecoratorMode;
  readonly module: ModuleMode;
}

export const VARIANTS: readonly Variant[] = [
  { decorators: 'tc39', module: 'cjs' },
  { decorators: 'tc39', module: 'esm' },
  { decorators: 'legacy', module: 'cjs' },
  { decorators: 'legacy', module: 'esm' },
];

/** `tc39-cjs`, `legacy-esm`, ...: the golden directory name. */
export function variantName(variant: Variant): string {
  return `${variant.decorators}-${variant.module}`;
}

export function describeVariant(variant: Variant): string {
  return `${variant.decorators === 'tc39' ? 'TC39 decorators' : 'experimentalDecorators'}, ${variant.module === 'cjs' ? 'CommonJS' : 'ESM (NodeNext)'}`;
}

export interface ProcessResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a node script as a child process (asynchronously, so variants compile in parallel). */
export function runNode(script: string, args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

export interface ProjectOptions {
  readonly variant: Variant;
  /** Add `{ "transform": "@catga/transformer", ...pluginOptions }`; false for the plain-tsc build. */
  readonly plugin: boolean;
  readonly pluginOptions?: Record<string, unknown>;
  /** Extra compiler options (e.g. `noEmitOnError`). */
  readonly compilerOptions?: Record<string, unknown>;
}

export interface Project {
  readonly dir: string;
  readonly outDir: string;
}

/**
 * Writes `.tmp/<name>/` for a fixture (`golden/basics`: a directory under test/fixtures): a copy of the fixture's `src/` (so the `package.json` "type" beside it sets the
 * module format NodeNext reads, and generated `source: "src/x.ts:N"` strings do not depend on where the fixture
 * lives), a tsconfig and the package.json of the output. Returns the project directory.
 */
export function writeProject(fixture: string, name: string, options: ProjectOptions): Project {
  const dir = join(tmpDir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(fixturesDir, fixture, 'src'), join(dir, 'src'), { recursive: true });
  const esm = options.variant.module === 'esm';
  const type = JSON.stringify({ type: esm ? 'module' : 'commonjs' });
  writeFileSync(join(dir, 'package.json'), type);
  mkdirSync(join(dir, 'dist'));
  writeFileSync(join(dir, 'dist', 'package.json'), type);
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2022'],
      module: esm ? 'NodeNext' : 'CommonJS',
      ...(esm ? { moduleResolution: 'NodeNext' } : {}),
      ...(options.variant.decorators === 'legacy' ? { experimentalDecorators: true } : {}),
      strict: true,
      skipLibCheck: true,
      // TS 6 turns it on by default; explicit, so both lines emit the same CommonJS interop.
      esModuleInterop: true,
      // TS 6 wants both explicit: rootDir (no inferred common source directory) and types (now [] by default).
      rootDir: 'src',
      types: ['node'],
      outDir: 'dist',
      newLine: 'lf',
      ...options.compilerOptions,
      plugins: options.plugin ? [{ transform: '@catga/transformer', ...options.pluginOptions }] : [],
    },
    include: ['src'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  return { dir, outDir: join(dir, 'dist') };
}

const tspcQueues = new Map<string, Promise<unknown>>();

/**
 * `tspc -p <dir>` (or plain `tsc` with `plain`), from the project directory.
 *
 * `tspc` runs one at a time per toolchain and Jest worker, on a cache of its own: ts-patch keeps the patched
 * compiler in a cache guarded by lock files and gives up after waiting 2 s for a lock ("Could not acquire lock to
 * write file"), which parallel `tspc` processes on a busy machine hit. Different toolchains and plain `tsc` still run
 * in parallel.
 */
export function compile(project: Project, toolchain: Toolchain, plain = false, args: readonly string[] = []): Promise<ProcessResult> {
  const argv = ['-p', project.dir, '--pretty', 'false', ...args];
  if (plain) return runNode(toolchain.tsc, argv, { cwd: project.dir });
  const cacheDir = join(tmpDir, 'tsp-cache', `${toolchain.name}-worker${process.env['JEST_WORKER_ID'] ?? '1'}`);
  const previous = tspcQueues.get(toolchain.tspc) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => runNode(toolchain.tspc, argv, { cwd: project.dir, env: { TSP_CACHE_DIR: cacheDir } }));
  tspcQueues.set(toolchain.tspc, next);
  return next;
}

/** The emitted `.js` files of an output directory, by path relative to it (sorted). */
export function emittedJs(outDir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.[cm]?js$/.test(entry.name)) files.set(relative(outDir, path).split('\\').join('/'), readFileSync(path, 'utf8'));
    }
  };
  if (existsSync(outDir)) walk(outDir);
  return files;
}
