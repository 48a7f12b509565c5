import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import plugin from '../src/index';

// The example app, linted as a user would lint it: the plugin must run on a real Catga app with type information,
// without crashing and without false positives (the shop is written the way the rules ask).
const SHOP_DIR = join(__dirname, '..', '..', 'fixtures', 'shop');

describe('linting fixtures/shop with catga/strict-type-checked', () => {
  it('finds nothing to report in the example app', async () => {
    const eslint = new ESLint({
      cwd: SHOP_DIR,
      overrideConfigFile: true,
      overrideConfig: [
        {
          files: ['src/**/*.ts'],
          languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: SHOP_DIR } },
        },
        plugin.configs['strict-type-checked'],
      ],
    });
    // lintText per file: lintFiles needs ESM dynamic import, which jest's VM does not provide.
    const files = (readdirSync(join(SHOP_DIR, 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(30);
    const results = [];
    for (const file of files) {
      const filePath = join(SHOP_DIR, 'src', file);
      results.push(...(await eslint.lintText(readFileSync(filePath, 'utf8'), { filePath })));
    }
    const messages = results.flatMap((r) => r.messages.map((m) => `${r.filePath.replace(SHOP_DIR, '')}:${m.line} ${m.ruleId ?? 'fatal'}: ${m.message}`));
    expect(messages).toEqual([]);
  }, 60_000);
});
