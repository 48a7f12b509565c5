/**
 * What the precompiled-send and compile-time suites share: where things are, and running the TypeScript compiler as
 * a fresh process, either plain `tsc` or ts-patch's `tspc` (which runs the `plugins` of the tsconfig, here
 * `@catga/transformer`; plain `tsc` ignores that entry).
 */
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// Compiled to bench/dist/suites/, so bench/ is two levels up and the repository root three.
export const BENCH_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/**
 * Scratch space of these suites (git-ignored): everything under it is rebuilt by each run. It is inside the bench
 * package, whose package.json says `"type": "module"`, so JavaScript emitted there is ESM and resolves
 * `@catga/runtime` to the same module instance as the bench process.
 */
export const TMP_DIR = join(BENCH_DIR, '.tmp');
export const FIXTURES_DIR = join(BENCH_DIR, 'fixtures');

export type Compiler = 'tsc' | 'tspc';

/** The compilers' entry scripts (what node_modules/.bin/tsc and node_modules/.bin/tspc link to), run with this Node. */
const COMPILER_SCRIPTS: Readonly<Record<Compiler, string>> = {
  tsc: realpathSync(join(REPO_ROOT, 'node_modules/.bin/tsc')),
  tspc: realpathSync(join(REPO_ROOT, 'node_modules/.bin/tspc')),
};

const execFileAsync = promisify(execFile);

/** What one compiler process took. */
export interface CompileTimes {
  /** Wall time from spawning to exit, Node start-up included (what a CI step waits). */
  readonly wallMs: number;
  /**
   * CPU time of the process (user + system, all its threads, from `process.cpuUsage()` as it exits). Less moved
   * than wall time by other work on a shared host, which delays a process more than it makes it compute more.
   */
  readonly cpuMs: number;
}

/** Preloaded into each compiler process (`--require`): writes the process's CPU time to a file as it exits. */
const CPU_PROBE = `'use strict';
const { writeFileSync } = require('node:fs');
const file = process.env.CATGA_BENCH_CPU_FILE;
if (file) process.on('exit', () => { const { user, system } = process.cpuUsage(); writeFileSync(file, String((user + system) / 1000)); });
`;

let probe: Promise<string> | undefined;

/** Writes the probe into {@link TMP_DIR} once per run. */
function cpuProbe(): Promise<string> {
  probe ??= (async () => {
    const path = join(TMP_DIR, 'cpu-probe.cjs');
    await mkdir(TMP_DIR, { recursive: true });
    await writeFile(path, CPU_PROBE);
    return path;
  })();
  return probe;
}

/**
 * Runs `tsc`/`tspc` with `args` in a new Node process and returns its wall and CPU time. Throws with the compiler's
 * output when it exits non-zero or prints anything (a clean build prints nothing, so any output is a diagnostic).
 */
export async function compile(compiler: Compiler, args: readonly string[]): Promise<CompileTimes> {
  const probePath = await cpuProbe();
  const cpuFile = join(TMP_DIR, `cpu-${process.pid}.txt`);
  await rm(cpuFile, { force: true });
  const started = performance.now();
  let stdout: string;
  let stderr: string;
  try {
    ({ stdout, stderr } = await execFileAsync(process.execPath, ['--require', probePath, COMPILER_SCRIPTS[compiler], ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, CATGA_BENCH_CPU_FILE: cpuFile },
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (error) {
    const { stdout: out = '', stderr: err = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${compiler} ${args.join(' ')} failed:\n${out}${err}`);
  }
  const wallMs = performance.now() - started;
  if (stdout.trim() !== '' || stderr.trim() !== '') throw new Error(`${compiler} ${args.join(' ')} printed:\n${stdout}${stderr}`);
  const cpuMs = Number(await readFile(cpuFile, 'utf8'));
  await rm(cpuFile, { force: true });
  if (!Number.isFinite(cpuMs) || cpuMs <= 0) throw new Error(`${compiler} ${args.join(' ')}: no CPU time recorded`);
  return { wallMs, cpuMs };
}

/** Removes `dir` and creates it again, empty. */
export async function freshDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
}

/** Every `.js` file under `dir` (recursively), as paths relative to it. */
export async function jsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((f) => f.endsWith('.js')).sort();
}

/** Total bytes of the `.js` files under `dir`. */
export async function jsBytes(dir: string): Promise<number> {
  let total = 0;
  for (const file of await jsFiles(dir)) total += (await stat(join(dir, file))).size;
  return total;
}

/** How often `needle` occurs in the `.js` files under `dir`. */
export async function occurrences(dir: string, needle: string): Promise<number> {
  let count = 0;
  for (const file of await jsFiles(dir)) count += (await readFile(join(dir, file), 'utf8')).split(needle).length - 1;
  return count;
}
