import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import plugin from '../src/index';

// The counterpart of shop-lint.test.ts: fixtures/bad-shop is a small app written wrong on purpose, and linting it
// with the shipped configs must report exactly the findings committed in expected-findings.txt. A change in what a
// rule reports on realistic code (a new false positive, a lost true positive, a moved location) shows up as a diff of
// that file. To accept a change, regenerate the file and review the diff:
//
//   UPDATE_FINDINGS=1 npx jest eslint-plugin/tests/bad-shop-lint.test.ts
const BAD_SHOP_DIR = join(__dirname, '..', '..', 'fixtures', 'bad-shop');
const SRC_DIR = join(BAD_SHOP_DIR, 'src');
const EXPECTED_FILE = join(BAD_SHOP_DIR, 'expected-findings.txt');
const UPDATE = process.env['UPDATE_FINDINGS'] === '1';

const HEADER = [
  '# Findings of @catga/eslint-plugin on fixtures/bad-shop/src with catga/strict-type-checked (default options).',
  '# One per line: <path relative to fixtures/bad-shop>:<line>:<column> <ruleId> <messageId>, sorted by path, line,',
  '# column and rule. Checked by eslint-plugin/tests/bad-shop-lint.test.ts. After changing a rule or the app,',
  '# regenerate it from the repository root and review the diff:',
  '#   UPDATE_FINDINGS=1 npx jest eslint-plugin/tests/bad-shop-lint.test.ts',
];

/** One reported problem, as listed in expected-findings.txt. */
interface Finding {
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly ruleId: string;
  readonly messageId: string;
}

const format = (f: Finding): string => `${f.path}:${f.line}:${f.column} ${f.ruleId} ${f.messageId}`;

const compareFindings = (a: Finding, b: Finding): number =>
  (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
  a.line - b.line ||
  a.column - b.column ||
  (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
  (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0);

/** Every source file of the bad shop, as paths relative to its directory with `/` separators, sorted. */
function sourceFiles(): string[] {
  return (readdirSync(SRC_DIR, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts'))
    .map((file) => relative(BAD_SHOP_DIR, join(SRC_DIR, file)).split(sep).join('/'))
    .sort();
}

/** Lints every source file with a plugin config; returns the findings (sorted) and any fatal/parse errors. */
async function lintBadShop(config: Linter.Config): Promise<{ findings: Finding[]; fatal: string[] }> {
  const eslint = new ESLint({
    cwd: BAD_SHOP_DIR,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['src/**/*.ts'],
        languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: BAD_SHOP_DIR } },
      },
      config,
    ],
  });
  const findings: Finding[] = [];
  const fatal: string[] = [];
  // lintText per file: lintFiles needs ESM dynamic import, which jest's VM does not provide.
  for (const path of sourceFiles()) {
    const filePath = join(BAD_SHOP_DIR, path);
    for (const result of await eslint.lintText(readFileSync(filePath, 'utf8'), { filePath })) {
      for (const message of result.messages) {
        if (message.fatal === true || message.ruleId === null) {
          fatal.push(`${path}:${message.line}:${message.column} ${message.message}`);
          continue;
        }
        findings.push({
          path,
          line: message.line,
          column: message.column,
          ruleId: message.ruleId,
          messageId: message.messageId ?? message.message,
        });
      }
    }
  }
  return { findings: findings.sort(compareFindings), fatal };
}

/** The rules a config turns on (`catga/<name>`), read from the config object itself. */
function enabledRules(config: Linter.Config): Set<string> {
  const severityOf = (entry: Linter.RuleEntry | undefined): Linter.RuleSeverity | undefined => (Array.isArray(entry) ? entry[0] : entry);
  return new Set(
    Object.entries(config.rules ?? {})
      .filter(([, entry]) => {
        const severity = severityOf(entry);
        return severity !== undefined && severity !== 'off' && severity !== 0;
      })
      .map(([name]) => name),
  );
}

const ruleIdOf = (line: string): string => line.split(' ')[1] ?? '';

/** The committed list, without the header and blank lines. */
function readExpected(): string[] {
  return readFileSync(EXPECTED_FILE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

const ALL_RULES = new Set(Object.keys(plugin.rules).map((name) => `catga/${name}`));

describe('linting fixtures/bad-shop', () => {
  let strictLines: string[] = [];

  beforeAll(() => {
    // The app resolves @catga/runtime through the workspace link to runtime/dist (`npm run build`, as `npm test` does).
    if (!existsSync(join(__dirname, '..', '..', 'runtime', 'dist', 'esm', 'index.d.ts'))) {
      throw new Error('runtime/dist is missing: run `npm run build` at the repository root first');
    }
  });

  it('covers every source file of the app', () => {
    expect(sourceFiles().length).toBeGreaterThanOrEqual(20);
  });

  it('reports exactly the committed findings with catga/strict-type-checked', async () => {
    const { findings, fatal } = await lintBadShop(plugin.configs['strict-type-checked']);
    expect(fatal).toEqual([]);
    strictLines = findings.map(format);

    if (UPDATE) {
      writeFileSync(EXPECTED_FILE, `${[...HEADER, ...strictLines].join('\n')}\n`);
    } else {
      expect(strictLines).toEqual(readExpected());
    }
    // Every rule of the plugin must have at least one finding (also when regenerating: a rule that goes silent on
    // the bad shop is a regression, not a new expectation).
    const silent = [...ALL_RULES].filter((rule) => !strictLines.some((line) => ruleIdOf(line) === rule));
    expect(silent).toEqual([]);
    expect(new Set(strictLines.map(ruleIdOf))).toEqual(ALL_RULES);
  }, 120_000);

  it('reports only the rules of catga/recommended-type-checked, with the same findings, under that config', async () => {
    const config = plugin.configs['recommended-type-checked'];
    const recommended = enabledRules(config);
    // The test means something only if the config leaves some rules out.
    expect(recommended.size).toBeGreaterThan(0);
    expect(recommended.size).toBeLessThan(ALL_RULES.size);

    const { findings, fatal } = await lintBadShop(config);
    expect(fatal).toEqual([]);
    const lines = findings.map(format);
    const strict = strictLines.length > 0 ? strictLines : readExpected();
    expect(lines).toEqual(strict.filter((line) => recommended.has(ruleIdOf(line))));
    expect(new Set(lines.map(ruleIdOf))).toEqual(recommended);
  }, 120_000);
});
