import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// Where things are, and the two compiler lines the golden tests run: TS 5.9.3 + ts-patch 3.3.0 (the workspace root's)
// and TS 6.0.3 + ts-patch 4.0.1 (transformer/toolchains/ts6, installed on its own; see TS6_INSTALL).

export const transformerDir = join(__dirname, '..', '..');
export const repoDir = join(transformerDir, '..');
/** Compile outputs (gitignored). Node resolution from here finds the workspace's node_modules/@catga/*. */
export const tmpDir = join(transformerDir, '.tmp');
export const fixturesDir = join(transformerDir, 'test', 'fixtures');
export const goldenDir = join(transformerDir, 'test', 'golden');

export type ToolchainName = 'ts5' | 'ts6';

export interface Toolchain {
  readonly name: ToolchainName;
  /** The versions, for test titles. */
  readonly label: string;
  /** The ts-patch `tspc` entry (a `.bin` link), run with this process's node. */
  readonly tspc: string;
  /** Unpatched `tsc` of the same TypeScript. */
  readonly tsc: string;
}

const ts6Dir = join(transformerDir, 'toolchains', 'ts6');
export const TS6_INSTALL = 'npm install --prefix transformer/toolchains/ts6';

export const TOOLCHAINS: Readonly<Record<ToolchainName, Toolchain>> = {
  ts5: {
    name: 'ts5',
    label: 'TS 5.9.3 + ts-patch 3.3.0',
    tspc: join(repoDir, 'node_modules', '.bin', 'tspc'),
    tsc: join(repoDir, 'node_modules', 'typescript', 'bin', 'tsc'),
  },
  ts6: {
    name: 'ts6',
    label: 'TS 6.0.3 + ts-patch 4.0.1',
    tspc: join(ts6Dir, 'node_modules', '.bin', 'tspc'),
    tsc: join(ts6Dir, 'node_modules', 'typescript', 'bin', 'tsc'),
  },
};

/**
 * Throws (so every test of the suite fails, none is skipped) when a toolchain is not installed. The TS 6 line is not
 * part of the workspace install: CI runs `npm install --prefix transformer/toolchains/ts6` (ts-patch 4 declares
 * node >=22.15 and warns EBADENGINE on Node 20; do not pass --engine-strict).
 */
export function assertToolchainInstalled(toolchain: Toolchain): void {
  if (existsSync(toolchain.tspc) && existsSync(toolchain.tsc)) return;
  const missing = relative(repoDir, existsSync(toolchain.tspc) ? toolchain.tsc : toolchain.tspc);
  const fix = toolchain.name === 'ts6' ? `run \`${TS6_INSTALL}\` from the repository root` : 'run `npm install` at the repository root';
  throw new Error(`The ${toolchain.label} toolchain is missing (${missing} does not exist): ${fix}.`);
}

/** The newest modification time under a directory, for the staleness check below. */
function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * `tspc` loads the transformer as a package (`@catga/transformer` -> transformer/dist), and the fixtures import the
 * runtime's dist: both must be built, and transformer/dist must not predate transformer/src, or the goldens would
 * compare yesterday's transformer.
 */
export function assertBuilt(): void {
  const transformerDist = join(transformerDir, 'dist', 'index.js');
  const runtimeDist = join(repoDir, 'runtime', 'dist', 'cjs', 'index.js');
  const linked = join(repoDir, 'node_modules', '@catga', 'transformer');
  for (const path of [transformerDist, runtimeDist, linked]) {
    if (!existsSync(path)) throw new Error(`${relative(repoDir, path)} does not exist: run \`npm run build\` (and \`npm install\`) at the repository root.`);
  }
  if (realpathSync(linked) !== transformerDir) throw new Error(`node_modules/@catga/transformer does not link to ${transformerDir}`);
  if (newestMtime(join(transformerDir, 'src'), '.ts') > newestMtime(join(transformerDir, 'dist'), '.js')) {
    throw new Error('transformer/dist is older than transformer/src: run `npm run build` at the repository root before these tests.');
  }
}
