import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { goldenDir, repoDir, type ToolchainName } from './toolchains.js';

// Committed expected output: transformer/test/golden/<fixture>/<variant>/ holds the TS 5.9 output, which the TS 6
// output shares when it is byte for byte the same; otherwise TS 6 has its own <variant>.ts6/ directory.

export const BLESS = process.env['CATGA_BLESS'] === '1';
export const BLESS_COMMAND = 'CATGA_BLESS=1 npx jest --selectProjects transformer';

function sharedDir(fixture: string, variant: string): string {
  return join(goldenDir, fixture, variant);
}

function ts6Dir(fixture: string, variant: string): string {
  return join(goldenDir, fixture, `${variant}.ts6`);
}

function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(relative(dir, path).split('\\').join('/'), readFileSync(path, 'utf8'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

function writeTree(dir: string, files: ReadonlyMap<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [name, text] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

function same(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([name, text]) => b.get(name) === text);
}

/** Re-blesses one fixture variant from both toolchains' outputs (shares the golden when they are identical). */
export function blessGolden(fixture: string, variant: string, outputs: Readonly<Record<ToolchainName, ReadonlyMap<string, string>>>): void {
  writeTree(sharedDir(fixture, variant), outputs.ts5);
  if (same(outputs.ts5, outputs.ts6)) rmSync(ts6Dir(fixture, variant), { recursive: true, force: true });
  else writeTree(ts6Dir(fixture, variant), outputs.ts6);
}

/** The golden files a toolchain's output must equal, and the directory they come from. */
export function goldenFor(fixture: string, variant: string, toolchain: ToolchainName): { dir: string; files: Map<string, string> } {
  const dir = toolchain === 'ts6' && existsSync(ts6Dir(fixture, variant)) ? ts6Dir(fixture, variant) : sharedDir(fixture, variant);
  return { dir, files: readTree(dir) };
}

/** The first differing line of two texts, with a little context, for a readable failure. */
function firstDifference(expected: string, actual: string): string {
  const e = expected.split('\n');
  const a = actual.split('\n');
  let line = 0;
  while (line < Math.max(e.length, a.length) && e[line] === a[line]) line++;
  const from = Math.max(0, line - 2);
  const show = (lines: string[], mark: string): string =>
    lines.slice(from, line + 3).map((text, i) => `${from + i === line ? mark : ' '} ${from + i + 1}: ${text}`).join('\n');
  return `first difference at line ${line + 1}\n--- golden\n${show(e, '-')}\n+++ emitted\n${show(a, '+')}`;
}

/**
 * Throws unless the emitted files equal the golden ones (same names, same bytes), with the first difference and
 * the re-bless command in the message.
 */
export function assertMatchesGolden(fixture: string, variant: string, toolchain: ToolchainName, emitted: ReadonlyMap<string, string>): void {
  const golden = goldenFor(fixture, variant, toolchain);
  const where = relative(repoDir, golden.dir);
  const hint = `If the change is intended, re-bless: ${BLESS_COMMAND}`;
  if (golden.files.size === 0) throw new Error(`No golden files in ${where}. ${hint}`);
  const names = [...emitted.keys()];
  const expectedNames = [...golden.files.keys()];
  if (names.join('\n') !== expectedNames.join('\n')) {
    throw new Error(`Emitted files [${names.join(', ')}] differ from the golden files [${expectedNames.join(', ')}] in ${where}. ${hint}`);
  }
  for (const [name, text] of emitted) {
    const expected = golden.files.get(name)!;
    if (text !== expected) throw new Error(`${name} differs from ${where}/${name} (${toolchain}): ${firstDifference(expected, text)}\n${hint}`);
  }
}
