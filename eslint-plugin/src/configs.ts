import type { TSESLint } from '@typescript-eslint/utils';
import type { CatgaRuleDocs } from './util/create-rule.js';

/** A rule as the plugin exposes it. */
export type CatgaRuleModule = TSESLint.RuleModule<string, readonly unknown[], CatgaRuleDocs>;

/** The configs the plugin ships. */
export type ConfigName =
  | 'recommended'
  | 'recommended-type-checked'
  | 'strict'
  | 'strict-type-checked'
  | 'all'
  | 'disable-type-checked';

type RuleEntries = Record<string, TSESLint.SharedConfig.RuleEntry>;

/**
 * Derives every config from the rules' `meta.docs` (as typescript-eslint generates its configs), so a rule's tier,
 * level and need for type information are stated once, on the rule. Typed rules never enter an untyped config: there
 * they would crash the whole lint run for lack of parser services.
 */
export function buildConfigs(
  plugin: TSESLint.FlatConfig.Plugin,
  rules: Readonly<Record<string, CatgaRuleModule>>,
): Record<ConfigName, TSESLint.FlatConfig.Config> {
  const entries = Object.entries(rules).sort(([a], [b]) => a.localeCompare(b));
  const pick = (keep: (docs: CatgaRuleDocs) => boolean, level?: 'off'): RuleEntries =>
    Object.fromEntries(
      entries.filter(([, rule]) => keep(rule.meta.docs!)).map(([name, rule]) => [`catga/${name}`, level ?? rule.meta.docs!.level]),
    );
  const config = (name: ConfigName, ruleEntries: RuleEntries): TSESLint.FlatConfig.Config => ({
    name: `catga/${name}`,
    plugins: { catga: plugin },
    rules: ruleEntries,
  });
  return {
    recommended: config('recommended', pick((d) => d.recommended === 'recommended' && !d.requiresTypeChecking)),
    'recommended-type-checked': config('recommended-type-checked', pick((d) => d.recommended === 'recommended')),
    strict: config('strict', pick((d) => !d.requiresTypeChecking)),
    'strict-type-checked': config('strict-type-checked', pick(() => true)),
    all: config('all', pick(() => true)),
    'disable-type-checked': config('disable-type-checked', pick((d) => d.requiresTypeChecking, 'off')),
  };
}
