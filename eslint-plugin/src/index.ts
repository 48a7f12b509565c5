/**
 * @catga/eslint-plugin: rules CATGA005–CATGA015 for Catga handlers and messages, with fixes, flat configs and a docs
 * page per rule.
 *
 * @example
 * // eslint.config.mjs
 * import { defineConfig } from 'eslint/config';
 * import tseslint from 'typescript-eslint';
 * import catga from '@catga/eslint-plugin';
 * export default defineConfig(
 *   tseslint.configs.base,
 *   catga.configs['recommended-type-checked'],
 *   { languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } },
 * );
 *
 * @packageDocumentation
 */
import type { TSESLint } from '@typescript-eslint/utils';
import type { Linter } from 'eslint';
import { buildConfigs, type ConfigName } from './configs.js';
import { rules } from './rules/index.js';

const { name, version } = require('../package.json') as { name: string; version: string };

const plugin = {
  meta: { name, version, namespace: 'catga' },
  rules,
  // Typed as ESLint's own config type so TypeScript users can pass them to `defineConfig()` from `eslint/config`.
  configs: {} as Record<ConfigName, Linter.Config>,
};
// The configs reference the plugin object itself, as flat config expects.
Object.assign(plugin.configs, buildConfigs(plugin as unknown as TSESLint.FlatConfig.Plugin, rules));

export = plugin;
