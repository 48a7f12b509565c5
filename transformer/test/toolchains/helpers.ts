import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// Shared by the toolchain and CLI suites: temp copies of fixtures under transformer/.tmp, the built CLI and the
// compilers from the workspace's node_modules, and child processes that are always killed.

export const TRANSFORMER_DIR = resolve(__dirname, '../..');
export const REPO_DIR = resolve(TRANSFORMER_DIR, '..');
export const FIXTURES_DIR = join(TRANSFORMER_DIR, 'test/fixtures/toolchains');
export const TMP_DIR = join(TRANSFORMER_DIR, '.tmp/toolchain-tests');
/** The built `catga` bin (`bin.catga` of @catga/transformer). */
export const CLI = join(TRANSFORMER_DIR, 'dist/cli/main.js');
export const TSC = join(REPO_DIR, 'node_modules/typescript/bin/tsc');
export const TSPC = join(REPO_DIR, 'node_modules/ts-patch/bin/tspc.js');
export const JEST = join(REPO_DIR, 'node_modules/jest/bin/jest.js');

/** These suites run the built transformer (`npx tsc -b transformer`), as ts-patch, ts-jest and the bin do. */
export function requireBuilt(): void {
  for (const file of [CLI, join(TRANSFORMER_DIR, 'dist/index.js'), join(TRANSFORMER_DIR, 'dist/ts-jest.js')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npx tsc -b transformer\` (or \`npm run build\`) before these tests.`);
  }
}

/** A fresh copy of `test/fixtures/toolchains/<fixture>` at `.tmp/toolchain-tests/<name>`. */
export function tempCopy(fixture: string, name: string): string {
  const target = join(TMP_DIR, name);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(TMP_DIR, { recursive: true });
  cpSync(join(FIXTURES_DIR, fixture), target, { recursive: true });
  return target;
}

export function removeTemp(dir: string): void {
  if (process.env['CATGA_KEEP_TMP'] === undefined) rmSync(dir, { recursive: true, force: true });
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout then stderr. */
  readonly output: string;
}

/** Runs `node <script> ...args` to completion. */
export function runNode(script: string, args: readonly string[], cwd: string, timeoutMs = 30_000): RunResult {
  const result = spawnSync(process.execPath, [script, ...args], { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, output: `${result.stdout}${result.stderr}` };
}

/** `runNode`, failing with the whole output unless it exits 0. */
export function runNodeOk(script: string, args: readonly string[], cwd: string, timeoutMs?: number): RunResult {
  const result = runNode(script, args, cwd, timeoutMs);
  if (result.status !== 0) throw new Error(`node ${script} ${args.join(' ')} exited ${result.status}:\n${result.output}`);
  return result;
}

/** The last stdout line that parses as JSON (the fixture mains print one). */
export function lastJson(stdout: string): unknown {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`no JSON line in:\n${stdout}`);
  return JSON.parse(line) as unknown;
}

/** Polls `check` until it returns a value other than `undefined`/`false`, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000, describe?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe === undefined ? '' : `\n${describe()}`}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A long-running child (a watch): its output so far, and a kill that is safe to call twice. */
export class Child {
  private readonly process: ChildProcess;
  private text = '';

  constructor(script: string, args: readonly string[], cwd: string) {
    this.process = spawn(process.execPath, [script, ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.process.stdout?.on('data', (chunk: Buffer) => (this.text += chunk.toString('utf8')));
    this.process.stderr?.on('data', (chunk: Buffer) => (this.text += chunk.toString('utf8')));
  }

  get output(): string {
    return this.text;
  }

  get exitCode(): number | null {
    return this.process.exitCode;
  }

  /** Kills the child (by its pid) and waits for it to be gone. */
  async kill(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.process.once('exit', () => r()));
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Edits a file in place; fails when `search` is not in it (so a fixture change cannot silently no-op). */
export function editFile(file: string, search: string, replacement: string): void {
  const text = readFileSync(file, 'utf8');
  if (!text.includes(search)) throw new Error(`${file} does not contain ${JSON.stringify(search)}`);
  writeFileSync(file, text.replace(search, replacement));
}
