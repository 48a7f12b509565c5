import type { CatgaRuleModule } from '../configs.js';

/** Every rule of the plugin, by name (without the `catga/` prefix). */
export const rules: Readonly<Record<string, CatgaRuleModule>> = {};
