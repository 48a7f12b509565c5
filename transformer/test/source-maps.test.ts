import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { compile, VARIANTS, writeProject } from './support/compile';
import { TOOLCHAINS } from './support/toolchains';

// Generated statements map back to the class they describe (its first line: the decorator), so a stack trace or a
// breakpoint in generated code lands on the user's class, not on an unrelated line.

describe('source maps of generated code', () => {
  it('point every generated contract and executor at its class', async () => {
    const variant = VARIANTS.find((v) => v.decorators === 'tc39' && v.module === 'esm')!;
    const project = writeProject('golden/basics', 'source-maps', { variant, plugin: true, compilerOptions: { sourceMap: true } });
    const result = await compile(project, TOOLCHAINS.ts5);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);

    const source = readFileSync(join(project.dir, 'src', 'messages.ts'), 'utf8').split('\n');
    const js = readFileSync(join(project.outDir, 'messages.js'), 'utf8').split('\n');
    const map = new SourceMap(JSON.parse(readFileSync(join(project.outDir, 'messages.js.map'), 'utf8')));
    const mapped = js.flatMap((line, index) => {
      const match = /__catga\.defineContract\((\w+),/.exec(line);
      if (match === null) return [];
      const entry = map.findEntry(index, 0) as { originalLine?: number };
      return [{ className: match[1]!, original: entry.originalLine === undefined ? '' : source[entry.originalLine]! }];
    });
    expect(mapped.length).toBeGreaterThan(3);
    for (const { className, original } of mapped) {
      // The line the map names is the decorator of that class (or the class line itself).
      const declaration = source.findIndex((line) => new RegExp(`class ${className}\\b`).test(line));
      const decoratorLines = [declaration, declaration - 1].map((i) => source[i]);
      expect(decoratorLines).toContain(original);
    }
  }, 60_000);
});
