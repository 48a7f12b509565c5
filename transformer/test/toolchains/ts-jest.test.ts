import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { factory, hashDirectory, name, transformerVersion, type TsJestCompiler, version } from '../../src/ts-jest.js';
import { FIXTURES_DIR, JEST, removeTemp, requireBuilt, runNode, tempCopy, TMP_DIR, TRANSFORMER_DIR } from './helpers';

jest.setTimeout(60_000);

/** A program over a fixture's tsconfig, as ts-jest's LanguageService would hold it. */
function fixtureProgram(fixture: string): ts.Program {
  const configPath = join(FIXTURES_DIR, fixture, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, undefined, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  return ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
}

/** Emits one file of the program through the adapter, as ts-jest does; the JavaScript text. */
function emitThrough(program: ts.Program, fileName: string, compiler: TsJestCompiler): string {
  let output = '';
  const file = program.getSourceFile(fileName)!;
  const result = program.emit(file, (name, text) => void (name.endsWith('.js') ? (output = text) : undefined), undefined, false, {
    before: [factory(compiler)],
  });
  expect(result.emitSkipped).toBe(false);
  return output;
}

describe('@catga/transformer/ts-jest: the adapter', () => {
  const appProgram = fixtureProgram('app');
  const messagesFile = join(FIXTURES_DIR, 'app/src/messages.ts');

  it('names itself, and versions itself with the package version and a hash of its files', () => {
    expect(name).toBe('@catga/transformer');
    // Loaded from src/ here: the hash covers the sources; from dist/, the built files.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a JSON file next to src/ and dist/
    const pkg = require('../../package.json') as { version: string };
    expect(version).toBe(`${pkg.version}+${hashDirectory(join(TRANSFORMER_DIR, 'src'))}`);
  });

  it('compiles contracts and executors with tsCompiler.program and configSet.compilerModule', () => {
    const compiler: TsJestCompiler = { program: appProgram, configSet: { compilerModule: ts } };
    const messages = emitThrough(appProgram, messagesFile, compiler);
    expect(messages).toContain('__catga.defineContract(PlaceOrder, {');
    expect(messages).toContain('function validatePlaceOrder(m) {');
    const handlers = emitThrough(appProgram, join(FIXTURES_DIR, 'app/src/handlers.ts'), compiler);
    expect(handlers).toContain('__catga.defineHandler(PlaceOrderHandler, {');
    // The handler's context.publish(...) call site is compiled too.
    expect(handlers).toContain('__catga.publishCompiled(context, new OrderPlaced(');
  });

  it('works through ts.transform as well', () => {
    const file = appProgram.getSourceFile(messagesFile)!;
    const result = ts.transform(file, [factory({ program: appProgram, configSet: { compilerModule: ts } })], appProgram.getCompilerOptions());
    const printed = ts.createPrinter().printFile(result.transformed[0]!);
    result.dispose();
    expect(printed).toContain('__catga.defineContract(GetOrder, {');
    expect(printed).toContain('import * as __catga from "@catga/runtime";');
  });

  it('uses the language service\'s current program when the stored one no longer holds the file', () => {
    // ts-jest sets tsCompiler.program once; the service makes a new program when a test file is added or edited.
    const current = fixtureProgram('app');
    const compiler = { program: appProgram, configSet: { compilerModule: ts }, _languageService: { getProgram: () => current } };
    expect(appProgram.getSourceFile(messagesFile)).not.toBe(current.getSourceFile(messagesFile));
    expect(emitThrough(current, messagesFile, compiler)).toContain('__catga.defineContract(PlaceOrder, {');
  });

  it('throws a clear error in transpile mode: no program, or isolatedModules', () => {
    const fix = /CATGA018: @catga\/transformer\/ts-jest got no type-checked program from ts-jest .*remove "isolatedModules": true .*catga generate/;
    expect(() => factory({ program: undefined, configSet: { compilerModule: ts } })).toThrow(fix);
    expect(() => factory({ program: undefined, configSet: { compilerModule: ts } })).toThrow(/tsCompiler\.program is undefined/);
    expect(() => factory({ program: appProgram, configSet: { compilerModule: ts, isolatedModules: true } })).toThrow(fix);
  });

  it('fails the file with file:line:col CATGAxxx for every error finding', () => {
    const program = fixtureProgram('bad');
    const file = join(FIXTURES_DIR, 'bad/src/orders.ts');
    expect(() => emitThrough(program, file, { program, configSet: { compilerModule: ts } })).toThrow(
      `@catga/transformer: 1 error(s) in ${file}:\n  ${file}:4:14 CATGA001 command CancelOrder has no handler in this program.`,
    );
  });
});

describe('@catga/transformer/ts-jest: the version hash', () => {
  let dir: string;

  beforeAll(() => {
    mkdirSync(TMP_DIR, { recursive: true });
    dir = mkdtempSync(join(TMP_DIR, 'hash-'));
    mkdirSync(join(dir, 'emit'));
    writeFileSync(join(dir, 'index.js'), 'exports.a = 1;\n');
    writeFileSync(join(dir, 'emit/writer.js'), 'exports.b = 2;\n');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('changes when a built file changes, and only then', () => {
    const before = hashDirectory(dir);
    expect(before).toMatch(/^[0-9a-f]{12}$/);
    expect(hashDirectory(dir)).toBe(before);
    // Maps, declarations and build info do not change the code ts-jest runs.
    writeFileSync(join(dir, 'index.js.map'), '{}');
    writeFileSync(join(dir, 'index.d.ts'), 'export declare const a: 1;');
    writeFileSync(join(dir, 'tsconfig.tsbuildinfo'), '{}');
    expect(hashDirectory(dir)).toBe(before);

    appendFileSync(join(dir, 'emit/writer.js'), '// changed\n');
    const after = hashDirectory(dir);
    expect(after).not.toBe(before);
    expect(transformerVersion('0.1.0', dir)).toBe(`0.1.0+${after}`);
    expect(transformerVersion('0.1.0', dir)).not.toBe(`0.1.0+${before}`);
  });

  it('the built adapter carries the hash of dist', () => {
    requireBuilt();
    const dist = join(TRANSFORMER_DIR, 'dist');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built CommonJS module, as ts-jest loads it
    const built = require(join(dist, 'ts-jest.js')) as { name: string; version: string };
    expect(built.name).toBe('@catga/transformer');
    expect(built.version).toBe(transformerVersion(version.split('+')[0]!, dist));
  });
});

describe('@catga/transformer/ts-jest under real ts-jest', () => {
  let dir: string;

  beforeAll(() => {
    requireBuilt();
    dir = tempCopy('jest', 'ts-jest');
  });

  afterAll(() => removeTemp(dir));

  it('compiles with type-checking, fails a file on CATGA errors, and refuses transpile mode clearly', () => {
    const result = runNode(JEST, ['-c', 'jest.config.cjs', '--ci', '--no-cache', '--watchman=false', '--runInBand'], dir);
    expect(result.status).toBe(1);
    // Type-checked project: the adapter compiled contract, validator and executor (untransformed: 'throw' passed).
    expect(result.stderr).toMatch(/PASS checked test\/orders\.spec\.ts/);
    // The same project: a file with a CATGA016 finding does not compile.
    expect(result.stderr).toMatch(/FAIL checked test\/unserializable\.spec\.ts/);
    expect(result.stderr).toMatch(/test\/unserializable\.spec\.ts:5:15 CATGA016 Field "tags" of command TagOrder is a Map/);
    // Transpile mode: the clear error, not a suite compiled without the transformer.
    expect(result.stderr).toMatch(/FAIL isolated test\/orders\.spec\.ts/);
    expect(result.stderr).toMatch(/CATGA018: @catga\/transformer\/ts-jest got no type-checked program from ts-jest \("isolatedModules" is true/);
    expect(result.stderr).toMatch(/Tests: +1 passed, 1 total/);
  });
});
