import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import plugin from '../src/index';
import { FIXTURES_DIR } from './rule-tester';

// Every rule's docs page: structure, and the ❌/✅ examples lint exactly as the page claims (checked with the real
// ESLint API, type information from the fixtures project).
const DOCS_DIR = join(__dirname, '..', 'docs', 'rules');

interface Example {
  readonly kind: 'incorrect' | 'correct';
  readonly code: string;
}

/** Code blocks under `### ❌ Incorrect` and `### ✅ Correct` headings (until the next heading). */
function examplesOf(page: string): Example[] {
  const examples: Example[] = [];
  let kind: Example['kind'] | undefined;
  const blocks = page.split(/^(#{1,6} .*)$/m);
  for (const part of blocks) {
    if (/^#{1,6} /.test(part)) {
      kind = !part.startsWith('### ') ? undefined : part.includes('❌') ? 'incorrect' : part.includes('✅') ? 'correct' : undefined;
      continue;
    }
    if (kind === undefined) continue;
    for (const match of part.matchAll(/```ts\n([\s\S]*?)```/g)) examples.push({ kind, code: match[1]! });
  }
  return examples;
}

function eslintFor(ruleName: string): ESLint {
  return new ESLint({
    cwd: FIXTURES_DIR,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: FIXTURES_DIR } },
        plugins: { catga: plugin as unknown as ESLint.Plugin },
        rules: { [`catga/${ruleName}`]: 'error' },
      },
    ],
  });
}

const ruleNames = Object.keys(plugin.rules);

describe('rule docs pages', () => {
  it('exist for every rule and nothing else', () => {
    expect(readdirSync(DOCS_DIR).sort()).toEqual(ruleNames.map((n) => `${n}.md`).sort());
  });

  describe.each(ruleNames)('%s', (ruleName) => {
    const page = readFileSync(join(DOCS_DIR, `${ruleName}.md`), 'utf8');
    const rule = plugin.rules[ruleName]!;

    it('names the rule and its CATGA id, and has the standard sections', () => {
      expect(page.split('\n')[0]).toBe(`# ${rule.meta.docs!.description} (\`catga/${ruleName}\`, ${rule.meta.docs!.catgaId})`);
      for (const section of ['## Why', '## Examples', '## Options', '## When Not To Use It']) expect(page).toContain(section);
      expect(examplesOf(page).some((e) => e.kind === 'incorrect')).toBe(true);
      expect(examplesOf(page).some((e) => e.kind === 'correct')).toBe(true);
    });

    it('has examples that produce what the page claims', async () => {
      const eslint = eslintFor(ruleName);
      for (const example of examplesOf(page)) {
        const [result] = await eslint.lintText(example.code, { filePath: join(FIXTURES_DIR, 'file.ts') });
        const fatal = result!.messages.filter((m) => m.fatal || m.ruleId === null);
        expect(fatal.map((m) => m.message)).toEqual([]);
        const reports = result!.messages.filter((m) => m.ruleId === `catga/${ruleName}`);
        if (example.kind === 'incorrect') expect({ code: example.code, reports: reports.length > 0 }).toEqual({ code: example.code, reports: true });
        else expect({ code: example.code, reports: reports.map((r) => r.message) }).toEqual({ code: example.code, reports: [] });
      }
    });
  });
});
