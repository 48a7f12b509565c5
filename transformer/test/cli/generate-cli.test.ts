import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { createProgram, formatProblem, generateFile, parseConfig, usesJsExtensions } from '../../src/cli/generate.js';
import { parseCommandLine, USAGE } from '../../src/cli/main.js';
import { CLI, FIXTURES_DIR, removeTemp, requireBuilt, runNode, tempCopy } from '../toolchains/helpers';

jest.setTimeout(60_000);

describe('catga generate: errors and usage (the built bin)', () => {
  let dir: string;

  beforeAll(() => {
    requireBuilt();
    dir = tempCopy('bad', 'cli-bad');
  });

  afterAll(() => removeTemp(dir));

  it('prints each finding as file:line:col - error CATGAxxx, exits 1 and writes nothing', () => {
    const result = runNode(CLI, ['generate', '-p', '.'], dir);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^src\/orders\.ts:4:14 - error CATGA001: command CancelOrder has no handler in this program\./),
      // Not exported: generated code cannot import it. Reported once though it is a message and a handler's message.
      expect.stringMatching(/^src\/orders\.ts:11:7 - error CATGA018: Command ArchiveOrder is not exported from its module, so catga generate cannot import it into src\/catga\.generated\.ts\./),
      expect.stringMatching(/^catga generate: 2 errors; src\/catga\.generated\.ts not written \(\d+ ms\)\.$/),
    ]);
    expect(result.stdout).toBe('');
    expect(readdirSync(join(dir, 'src'))).toEqual(['orders.ts']);
  });

  it('prints paths relative to the working directory and honours --out', () => {
    const result = runNode(CLI, ['generate', '-p', 'cli-bad/tsconfig.json', '--out', 'cli-bad/out/gen.ts'], join(dir, '..'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^cli-bad\/src\/orders\.ts:4:14 - error CATGA001: /m);
    expect(result.stderr).toMatch(/cli-bad\/out\/gen\.ts not written/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('--help prints the usage and exits 0', () => {
    const result = runNode(CLI, ['generate', '--help'], dir);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${USAGE}\n`);
    expect(result.stdout).toMatch(/^Usage: catga generate \[-p <tsconfig\.json>\] \[--out <file\.ts>\] \[--watch\]/);
    expect(runNode(CLI, ['-h'], dir).stdout).toBe(`${USAGE}\n`);
  });

  it('an unknown flag prints the usage and exits 2', () => {
    const result = runNode(CLI, ['generate', '--outfile', 'x.ts'], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^catga: Unknown option '--outfile'\.\n/);
    expect(result.stderr).toContain(USAGE);
    expect(result.stdout).toBe('');
  });

  it('a missing or unknown command, or a missing tsconfig, is an error', () => {
    expect(runNode(CLI, [], dir)).toMatchObject({ status: 2, stderr: expect.stringContaining('Missing command') });
    expect(runNode(CLI, ['build'], dir)).toMatchObject({ status: 2, stderr: expect.stringContaining('Unknown command "build"') });
    expect(runNode(CLI, ['generate', '-p', 'nope.json'], dir)).toMatchObject({ status: 1, stderr: expect.stringContaining('cannot find nope.json') });
  });
});

describe('catga generate: command line and output rules (in process)', () => {
  it('parses the command line', () => {
    expect(parseCommandLine(['generate'])).toEqual({ kind: 'generate', project: 'tsconfig.json', out: undefined, watch: false });
    expect(parseCommandLine(['generate', '-p', 'a/tsconfig.json', '-o', 'b.ts', '-w'])).toEqual({ kind: 'generate', project: 'a/tsconfig.json', out: 'b.ts', watch: true });
    expect(parseCommandLine(['generate', '--project=x', '--out=y.ts', '--watch'])).toEqual({ kind: 'generate', project: 'x', out: 'y.ts', watch: true });
    expect(parseCommandLine(['generate', 'extra'])).toEqual({ kind: 'usage', message: 'Unexpected argument "extra".' });
    expect(parseCommandLine(['generate', '-p'])).toMatchObject({ kind: 'usage' });
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'version' });
  });

  it('uses .js specifiers for Node16/NodeNext and ES modules, none for bundler or node10 resolution', () => {
    const { ModuleKind: M, ModuleResolutionKind: R } = ts;
    expect(usesJsExtensions(ts, { module: M.NodeNext, moduleResolution: R.NodeNext })).toBe(true);
    expect(usesJsExtensions(ts, { module: M.Node16 })).toBe(true);
    expect(usesJsExtensions(ts, { module: M.ES2022 })).toBe(true);
    expect(usesJsExtensions(ts, { module: M.ESNext, moduleResolution: R.Bundler })).toBe(false);
    expect(usesJsExtensions(ts, { module: M.CommonJS, moduleResolution: R.Node10 })).toBe(false);
    expect(usesJsExtensions(ts, { module: M.CommonJS })).toBe(false);
  });

  it('writes extensionless imports for a bundler-resolution project', () => {
    const configPath = join(FIXTURES_DIR, 'app/tsconfig.json');
    const { parsed } = parseConfig(ts, configPath);
    const options = { ...parsed!.options, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler };
    const program = createProgram(ts, { ...parsed!, options });
    const generation = generateFile(ts, program, { outFile: join(FIXTURES_DIR, 'app/src/catga.generated.ts'), configPath, explicitOut: false, version: '0.0.0' });
    expect(generation.problems).toEqual([]);
    expect(generation.content).toContain("import { PlaceOrder, GetOrder, OrderPlaced } from './messages';");
    expect(generation.content).toContain("import GetOrderHandler from './get-order-handler';");
  });

  it('formats problems like tsc, 1-based', () => {
    const problem = { severity: 'error', code: 'CATGA001', message: 'm', fileName: '/p/src/a.ts', line: 0, column: 4 } as const;
    expect(formatProblem(problem, '/p')).toBe('src/a.ts:1:5 - error CATGA001: m');
    expect(formatProblem({ severity: 'warning', code: 'TS18003', message: 'none' }, '/p')).toBe('warning TS18003: none');
  });
});
