import { join } from 'node:path';
import { RuleTester } from '@typescript-eslint/rule-tester';

/** The folder whose tsconfig includes the on-disk placeholder `file.ts` that typed test cases are parsed as. */
export const FIXTURES_DIR = join(__dirname, 'fixtures');

/**
 * A RuleTester with type information: the project service over `tests/fixtures/tsconfig.json`. `@catga/runtime`
 * resolves to the workspace package's built declarations (npm test builds first). One set-up per test file: the
 * project service is a process-wide singleton (jest isolates files).
 */
export function typedRuleTester(): RuleTester {
  return new RuleTester({
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: FIXTURES_DIR } },
  });
}

/** A RuleTester without type information, proving a rule needs none. */
export function untypedRuleTester(): RuleTester {
  return new RuleTester();
}
