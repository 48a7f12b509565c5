/**
 * One CI-like lint in a fresh Node process, for the lint-cost suite (lint.ts): `node lint-worker.js baseline|catga`
 * loads ESLint, typescript-eslint and (for `catga`) the plugin, lints the shop once and prints one JSON line:
 * {@link WorkerOutput}. The parent measures the process's wall time; the times in the output split it.
 */
import { LINT_VARIANT_KEYS, type LintSummary, type LintVariantKey, PATTERNS, SHOP_DIR, lintConfig, summarize } from './lint-common.js';

export interface WorkerOutput {
  /** From this module's start to the config being ready: importing ESLint, typescript-eslint and the plugin. */
  readonly loadMs: number;
  /** `new ESLint(…)` and `lintFiles(…)`. */
  readonly lintMs: number;
  readonly summary: LintSummary;
}

const started = performance.now();
const key = process.argv[2] as LintVariantKey;
if (!LINT_VARIANT_KEYS.includes(key)) throw new Error(`usage: lint-worker.js ${LINT_VARIANT_KEYS.join('|')}`);
const { ESLint } = await import('eslint');
const overrideConfig = await lintConfig(key);
const loaded = performance.now();
const results = await new ESLint({ cwd: SHOP_DIR, overrideConfigFile: true, overrideConfig }).lintFiles(PATTERNS);
const linted = performance.now();
const output: WorkerOutput = { loadMs: loaded - started, lintMs: linted - loaded, summary: summarize(results) };
process.stdout.write(`${JSON.stringify(output)}\n`);
