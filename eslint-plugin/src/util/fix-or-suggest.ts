import type { TSESLint } from '@typescript-eslint/utils';

/** How a rewrite is offered: applied by `--fix`, offered as an editor suggestion, or not at all. */
export type FixMode = 'fix' | 'suggest' | 'none';

/** The part of a report descriptor that carries the rewrite. */
export type FixOrSuggest<MessageIds extends string> =
  | { fix: TSESLint.ReportFixFunction; suggest?: undefined }
  | { fix?: undefined; suggest: Array<TSESLint.SuggestionReportDescriptor<MessageIds>> }
  | { fix?: undefined; suggest?: undefined };

/**
 * Offers one rewrite as an autofix or as a suggestion (typescript-eslint's `getFixOrSuggest` pattern, used by
 * `return-await`): the rule decides per report whether the rewrite is exact enough for `--fix`, and the rewrite
 * itself is written once. ESLint's policy: fixes that could change behaviour belong in suggestions.
 */
export function getFixOrSuggest<MessageIds extends string>(
  mode: FixMode,
  suggestion: TSESLint.SuggestionReportDescriptor<MessageIds>,
): FixOrSuggest<MessageIds> {
  switch (mode) {
    case 'fix':
      return { fix: suggestion.fix };
    case 'suggest':
      return { suggest: [suggestion] };
    case 'none':
      return {};
  }
}
