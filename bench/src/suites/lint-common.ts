/**
 * What the lint-cost suites (lint.ts, and lint-worker.ts in its own process) lint and with which configs. Kept free
 * of static imports of ESLint, typescript-eslint and the plugin, so a worker loads only what its variant needs, as a
 * CI run would.
 */
import type { ESLint, Linter } from 'eslint';
import { fileURLToPath } from 'node:url';

// Compiled to bench/dist/suites/, so the repository root is three levels up.
export const SHOP_DIR = fileURLToPath(new URL('../../../fixtures/shop', import.meta.url));
export const PATTERNS = ['src/**/*.ts'];

/** `baseline`: typescript-eslint's recommendedTypeChecked; `catga`: the same plus Catga's recommended-type-checked. */
export type LintVariantKey = 'baseline' | 'catga';
export const LINT_VARIANT_KEYS: readonly LintVariantKey[] = ['baseline', 'catga'];

/** The flat config of a variant, as an eslint.config.mjs of the shop would export it. */
export async function lintConfig(key: LintVariantKey): Promise<Linter.Config[]> {
  const { default: tseslint } = await import('typescript-eslint');
  const config: Linter.Config[] = [
    ...(tseslint.configs.recommendedTypeChecked as Linter.Config[]),
    {
      name: 'bench/type-information',
      languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: SHOP_DIR } },
    },
  ];
  if (key === 'catga') {
    const { default: catga } = await import('@catga/eslint-plugin');
    config.push(catga.configs['recommended-type-checked']);
  }
  return config;
}

export const isCatgaRule = (ruleId: string | null): boolean => ruleId?.startsWith('catga/') ?? false;

/** What a lint produced, reduced to what the suites check: files linted, fatal messages, Catga and other findings. */
export interface LintSummary {
  readonly files: number;
  /** `file:line message` of every fatal message (parse or project-service errors). */
  readonly fatal: readonly string[];
  /** `file:line:column rule` of every Catga finding, sorted. */
  readonly catga: readonly string[];
  /** `file:line:column rule` of every other finding, sorted. */
  readonly other: readonly string[];
}

export function summarize(results: readonly ESLint.LintResult[]): LintSummary {
  const where = (filePath: string): string => filePath.slice(SHOP_DIR.length + 1);
  const findings = (keep: (ruleId: string | null) => boolean): string[] =>
    results
      .flatMap((r) =>
        r.messages.filter((m) => !m.fatal && keep(m.ruleId)).map((m) => `${where(r.filePath)}:${m.line}:${m.column} ${m.ruleId ?? '(no rule)'}`),
      )
      .sort();
  return {
    files: results.length,
    fatal: results.flatMap((r) => r.messages.filter((m) => m.fatal).map((m) => `${where(r.filePath)}:${m.line} ${m.message}`)),
    catga: findings(isCatgaRule),
    other: findings((id) => !isCatgaRule(id)),
  };
}
