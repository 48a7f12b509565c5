import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { typeCheck } from './support/type-check.js';

// The README's example must compile and run as printed. Imports stay at the top; the rest goes into an async
// function so its top-level await works under CommonJS.
const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const lines = example.split('\n');
const imports = lines.filter((line) => line.startsWith('import '));
const body = lines.filter((line) => !line.startsWith('import '));
const source = `${imports.join('\n')}\nexport async function main(): Promise<void> {\n${body.join('\n')}\n}\n`;

describe('docs/getting-started.md', () => {
  it('is one program that type-checks, block after block', () => {
    const guide = readFileSync(join(__dirname, '..', '..', 'docs', 'getting-started.md'), 'utf8');
    const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(typeCheck(join(__dirname, 'getting-started.virtual.ts'), {}, blocks.join('\n'))).toEqual([]);
  });
});

describe('README example', () => {
  it('exists and is about 20 lines', () => {
    expect(lines.length).toBeGreaterThan(15);
    expect(lines.length).toBeLessThan(40);
  });

  it('type-checks', () => {
    expect(typeCheck(join(__dirname, 'readme-example.virtual.ts'), {}, source)).toEqual([]);
  });

  it('runs and prints the order total', async () => {
    const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS } }).outputText;
    const printed: unknown[] = [];
    const module = { exports: {} as { main?: () => Promise<void> } };
    const fakeConsole = { ...console, log: (...args: unknown[]) => printed.push(...args), error: (...args: unknown[]) => printed.push(...args) };
    // The built CommonJS package, as a user's require() would load it.
    const runtime = require(join(__dirname, '..', 'dist', 'cjs', 'index.js'));
    new Function('require', 'module', 'exports', 'console', js)(() => runtime, module, module.exports, fakeConsole);
    await module.exports.main!();
    expect(printed).toEqual([19]);
  });
});
