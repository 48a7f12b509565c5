import { ESLintUtils } from '@typescript-eslint/utils';

/** Where a rule sits in the shipped configs. */
export type RuleConfigTier = 'recommended' | 'strict';

/** Catga's extra `meta.docs` fields; the configs are derived from them. */
export interface CatgaRuleDocs {
  description: string;
  /** The analyzer id this rule carries over from Catga (.NET): `CATGA005` … `CATGA015`. */
  catgaId: `CATGA${number}`;
  /** `recommended` rules are in every config; `strict` ones only in the strict configs and `all`. */
  recommended: RuleConfigTier;
  /** Needs type information (`parserOptions.projectService`): only in the `*-type-checked` configs. */
  requiresTypeChecking: boolean;
  /** Severity in the configs that include it. */
  level: 'error' | 'warn';
}

/** Base URL of the rule docs pages (one page per rule, `docs/rules/<name>.md` in this package). */
export const DOCS_BASE_URL = 'https://github.com/catga-ts/catga/blob/main/eslint-plugin/docs/rules';

/** Creates a rule with its docs URL, typed meta and `defaultOptions` handling, as typescript-eslint does. */
export const createRule = ESLintUtils.RuleCreator<CatgaRuleDocs>((name) => `${DOCS_BASE_URL}/${name}.md`);
