// Diagnostics: one failing fixture per rule under test/fixtures/diagnostics/<case>/src, compiled in process with the
// transformer from source (ts.createProgram + program.emit with a `before` transformer), asserting each finding's
// code, message and position (file, 1-based line and column, and the source text it spans). Every fixture is
// otherwise valid TypeScript: TypeScript's own diagnostics must be empty, so the finding is the transformer's alone.
// A few run through the real `tspc` (both toolchains): exit code, the printed `error TS99000N: CATGA00N` lines, and
// the fact that transformer diagnostics do NOT stop emit under `noEmitOnError` (they are added during emit).
//
// Needs `npm run build` for the tspc part, and the TS 6 line: npm install --prefix transformer/toolchains/ts6
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, type ProcessResult, type Project, writeProject } from './support/compile.js';
import { compileFixture, type FixtureCompile, type Located } from './support/findings.js';
import { assertBuilt, assertToolchainInstalled, type Toolchain, TOOLCHAINS } from './support/toolchains.js';

type Expected = Omit<Located, 'message' | 'category'> & { readonly message: string; readonly category?: Located['category'] };

interface Case {
  readonly fixture: string;
  readonly title: string;
  readonly expected: readonly Expected[];
}

const NO_HANDLER = 'has no handler in this program. Add a class with @CatgaHandler()';
const NOT_DATA = 'which cannot be serialised: messages cross transports as data.';

const CASES: readonly Case[] = [
  {
    fixture: 'catga001-no-handler',
    title: 'CATGA001: a command and a query without handler (an event needs none)',
    expected: [
      { code: 'CATGA001', file: 'src/messages.ts', line: 4, column: 14, text: 'ShipOrder', message: `command ShipOrder ${NO_HANDLER}` },
      { code: 'CATGA001', file: 'src/messages.ts', line: 11, column: 14, text: 'CountOrders', message: `query CountOrders ${NO_HANDLER}` },
    ],
  },
  {
    fixture: 'catga002-duplicate-handler',
    title: 'CATGA002: a second handler of a command, on its name (two event handlers are fine)',
    expected: [
      {
        code: 'CATGA002',
        file: 'src/handlers.ts',
        line: 12,
        column: 14,
        text: 'AnotherShipOrderHandler',
        message: 'command ShipOrder already has a handler, ShipOrderHandler (src/handlers.ts:4); a command has exactly one handler, so AnotherShipOrderHandler cannot also handle it.',
      },
    ],
  },
  {
    fixture: 'catga003-wrong-result',
    title: 'CATGA003: handle() returns what the result type does not accept, on the return type (no CATGA001 besides)',
    expected: [
      {
        code: 'CATGA003',
        file: 'src/messages.ts',
        line: 8,
        column: 42,
        text: 'Promise<{ id: number }>',
        message: 'CreateInvoiceHandler.handle returns { id: number; }, which is not assignable to the result type of command CreateInvoice: { invoiceId: string; }.',
      },
      {
        code: 'CATGA003',
        file: 'src/messages.ts',
        line: 18,
        column: 34,
        text: 'string',
        message: 'CountInvoicesHandler.handle returns string, which is not assignable to the result type of query CountInvoices: number.',
      },
    ],
  },
  {
    fixture: 'catga004-no-handle-method',
    title: 'CATGA004: @CatgaHandler() on a class without handle()',
    expected: [
      { code: 'CATGA004', file: 'src/messages.ts', line: 8, column: 14, text: 'ArchiveHandler', message: 'ArchiveHandler has @CatgaHandler but no handle(message, context) method.' },
      // `@CatgaHandler()` names no message and there is no handle() to read it from: Archive has no handler.
      { code: 'CATGA001', file: 'src/messages.ts', line: 4, column: 14, text: 'Archive', message: `command Archive ${NO_HANDLER}` },
    ],
  },
  {
    fixture: 'catga004-no-parameter',
    title: 'CATGA004: handle() without a parameter',
    expected: [
      { code: 'CATGA004', file: 'src/messages.ts', line: 8, column: 3, text: 'handle(): void {}', message: 'ArchiveHandler.handle takes no parameter; it must take the message it handles' },
      { code: 'CATGA001', file: 'src/messages.ts', line: 4, column: 14, text: 'Archive', message: `command Archive ${NO_HANDLER}` },
    ],
  },
  {
    fixture: 'catga004-not-a-message',
    title: 'CATGA004: handle() takes a class that is not a message, on the parameter',
    expected: [
      {
        code: 'CATGA004',
        file: 'src/messages.ts',
        line: 9,
        column: 10,
        text: 'message: NotAMessage',
        message: "Handler.handle's first parameter is NotAMessage, not a message class; it must be a class extending Command, Query or Event.",
      },
    ],
  },
  {
    fixture: 'catga004-decorator-disagrees',
    title: "CATGA004: @CatgaHandler(X) disagrees with handle()'s parameter (same shape, so TypeScript accepts it), on the argument",
    expected: [{ code: 'CATGA004', file: 'src/messages.ts', line: 10, column: 15, text: 'Archive', message: '@CatgaHandler names Archive but ArchiveHandler.handle takes Restore.' }],
  },
  {
    fixture: 'catga004-too-many-parameters',
    title: 'CATGA004: handle() with three required parameters, on the method',
    expected: [
      {
        code: 'CATGA004',
        file: 'src/messages.ts',
        line: 8,
        column: 3,
        text: 'handle(_command: Archive, _context: HandlerContext, _clock: () => number): void {}',
        message: 'ArchiveHandler.handle takes 3 required parameters; it receives (message, context) only.',
      },
    ],
  },
  {
    fixture: 'catga004-message-not-exported',
    title: 'CATGA004: the handled message is not exported from its module, on the handler name',
    expected: [
      {
        code: 'CATGA004',
        file: 'src/handlers.ts',
        line: 5,
        column: 14,
        text: 'ArchiveHandler',
        message: "ArchiveHandler handles Archive, which its module does not export; export the message class so the handler's executor can refer to it.",
      },
    ],
  },
  {
    fixture: 'catga004-message-type-only-export',
    title: 'CATGA004: the handled message is exported as a type only (`export type { X }`)',
    expected: [{ code: 'CATGA004', file: 'src/handlers.ts', line: 5, column: 14, text: 'ArchiveHandler', message: 'ArchiveHandler handles Archive, which its module does not export' }],
  },
  {
    fixture: 'catga016-unserialisable-fields',
    title: 'CATGA016: a function field, a class instance with methods (also nested), a Map; on each field',
    expected: [
      { code: 'CATGA016', file: 'src/messages.ts', line: 14, column: 5, text: 'readonly onDone: () => void', message: `Field "onDone" of command Checkout is a function, ${NOT_DATA}` },
      { code: 'CATGA016', file: 'src/messages.ts', line: 15, column: 5, text: 'readonly total: Money', message: 'Field "total" of command Checkout is an instance of Money with methods (format())' },
      { code: 'CATGA016', file: 'src/messages.ts', line: 16, column: 5, text: 'readonly quantities: Map<string, number>', message: 'Field "quantities" of command Checkout is a Map (the JSON codec loses it' },
      { code: 'CATGA016', file: 'src/messages.ts', line: 17, column: 5, text: 'readonly lines: { sku: string; price: Money }[]', message: 'Field "lines" of command Checkout holds an instance of Money with methods (format())' },
    ],
  },
  {
    fixture: 'catga017-negative-timeout',
    title: "CATGA017: a negative timeout, with the runtime validator's message, on the options object",
    expected: [
      {
        code: 'CATGA017',
        file: 'src/messages.ts',
        line: 3,
        column: 15,
        text: '{ timeoutMs: -1 }',
        message: 'Invalid Catga configuration at "@CatgaCommand(Import).timeoutMs": expected an integer between 1 and 2147483647, got -1',
      },
    ],
  },
  {
    fixture: 'catga017-unknown-option',
    title: 'CATGA017: an unknown option (a typo), listing the allowed ones',
    expected: [
      {
        code: 'CATGA017',
        file: 'src/messages.ts',
        line: 4,
        column: 13,
        text: '{ timeoutMS: 100 }',
        message: 'Invalid Catga configuration at "@CatgaEvent(Imported).timeoutMS": unknown option; allowed options are "name", "subject", "description", "timeoutMs",',
      },
    ],
  },
  {
    fixture: 'catga017-shard-key',
    title: 'CATGA017: a shardKey that is no field, not a string or number, or optional, on the shardKey value (a valid one passes)',
    expected: [
      {
        code: 'CATGA017',
        file: 'src/messages.ts',
        line: 3,
        column: 27,
        text: "'orderID'",
        message: 'Invalid Catga configuration at "@CatgaCommand(ShipOrder).shardKey": "orderID" is not a field of the command (its fields: orderId)',
      },
      {
        code: 'CATGA017',
        file: 'src/messages.ts',
        line: 10,
        column: 27,
        text: "'paid'",
        message: 'Invalid Catga configuration at "@CatgaCommand(MarkPaid).shardKey": field "paid" is boolean; a shard key must be a string or a number',
      },
      {
        code: 'CATGA017',
        file: 'src/messages.ts',
        line: 17,
        column: 27,
        text: "'customerId'",
        message: 'Invalid Catga configuration at "@CatgaCommand(Remind).shardKey": field "customerId" is optional; a shard key must always have a value',
      },
    ],
  },
  {
    fixture: 'catga018-not-top-level',
    title: 'CATGA018 (warning): a message class declared inside a function',
    expected: [
      {
        code: 'CATGA018',
        category: 'warning',
        file: 'src/messages.ts',
        line: 5,
        column: 9,
        text: 'Local',
        message: 'Message Local is not declared at the top level of its module, so the transformer generated nothing for it',
      },
    ],
  },
];

const compiled = new Map<string, FixtureCompile>();
function compiledFixture(fixture: string): FixtureCompile {
  let result = compiled.get(fixture);
  if (result === undefined) {
    result = compileFixture(fixture);
    compiled.set(fixture, result);
  }
  return result;
}

describe.each(CASES)('$title', ({ fixture, expected }) => {
  it(`${fixture}: TypeScript itself reports nothing`, () => {
    expect(compiledFixture(`diagnostics/${fixture}`).typeErrors).toEqual([]);
  });

  it(`${fixture}: exactly the expected findings, at their positions`, () => {
    const { findings } = compiledFixture(`diagnostics/${fixture}`);
    expect(findings).toEqual(
      expected.map(({ message, category, ...at }) => ({ ...at, category: category ?? 'error', message: expect.stringContaining(message) as unknown as string })),
    );
  });
});

describe('clean programs', () => {
  it.each(['diagnostics/clean', 'golden/basics'])('%s: no finding, no TypeScript diagnostic', (fixture) => {
    const result = compileFixture(fixture, {}, { types: ['node'] });
    expect(result.typeErrors).toEqual([]);
    expect(result.findings).toEqual([]);
    expect([...result.emitted.values()].join('\n')).toContain('__catga.defineContract(');
  });

  it('"requireHandlers": false turns CATGA001 off (and nothing else)', () => {
    expect(compileFixture('diagnostics/catga001-no-handler', { requireHandlers: false }).findings).toEqual([]);
    expect(compileFixture('diagnostics/catga003-wrong-result', { requireHandlers: false }).findings.map((f) => f.code)).toEqual(['CATGA003', 'CATGA003']);
  });
});

describe('findings that stop the generated code', () => {
  it('a handler whose message the module cannot refer to gets no executor (would load undefined at run time)', () => {
    for (const fixture of ['catga004-message-not-exported', 'catga004-message-type-only-export']) {
      const handlers = compiledFixture(`diagnostics/${fixture}`).emitted.get('src/handlers.js')!;
      expect(handlers).toContain('ArchiveHandler');
      expect(handlers).not.toContain('defineHandler');
      expect(handlers).not.toContain('__catga_m');
    }
  });

  it('a message class inside a function gets no contract', () => {
    expect(compiledFixture('diagnostics/catga018-not-top-level').emitted.get('src/messages.js')).not.toContain('defineContract');
  });
});

// Through the real ts-patch entry: what a user sees in the terminal and CI. Both toolchains compile in parallel.
const TSPC_FIXTURES = { failing: 'catga001-no-handler', warning: 'catga018-not-top-level', typeError: 'typescript-error' } as const;
const tspcRuns = new Map<string, { project: Project; result: ProcessResult }>();

async function tspc(kind: keyof typeof TSPC_FIXTURES, toolchain: Toolchain): Promise<void> {
  const fixture = TSPC_FIXTURES[kind];
  const project = writeProject(`diagnostics/${fixture}`, `diagnostics-${fixture}-${toolchain.name}`, {
    variant: { decorators: 'tc39', module: 'cjs' },
    plugin: true,
    compilerOptions: { noEmitOnError: true },
  });
  tspcRuns.set(`${kind}/${toolchain.name}`, { project, result: await compile(project, toolchain) });
}

const tspcToolchains = [TOOLCHAINS.ts5, TOOLCHAINS.ts6];

beforeAll(async () => {
  assertBuilt();
  for (const toolchain of tspcToolchains) assertToolchainInstalled(toolchain);
  await Promise.all(tspcToolchains.flatMap((toolchain) => (Object.keys(TSPC_FIXTURES) as (keyof typeof TSPC_FIXTURES)[]).map((kind) => tspc(kind, toolchain))));
}, 90_000);

describe.each(tspcToolchains.map((toolchain) => ({ toolchain, label: toolchain.label })))('tspc ($label)', ({ toolchain }) => {
  const runs = { get: (kind: keyof typeof TSPC_FIXTURES) => tspcRuns.get(`${kind}/${toolchain.name}`) };

  it('exits non-zero and prints each finding as `file(line,col): error TS99000N: CATGA00N: ...`', () => {
    const { result } = runs.get('failing')!;
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^src\/messages\.ts\(4,14\): error TS990001: CATGA001: command ShipOrder has no handler in this program\. /);
    expect(lines[1]).toMatch(/^src\/messages\.ts\(11,14\): error TS990001: CATGA001: query CountOrders has no handler in this program\. /);
  });

  it('with noEmitOnError: true, still emits every file, generated code included (transformer diagnostics are added during emit)', () => {
    const { project } = runs.get('failing')!;
    const messages = join(project.outDir, 'messages.js');
    expect(existsSync(messages)).toBe(true);
    expect(readFileSync(messages, 'utf8')).toContain('__catga.defineContract(ShipOrder, {');
  });

  it('contrast: a TypeScript error under noEmitOnError emits nothing, and tsc exits 1 (outputs skipped), not 2', () => {
    const { project, result } = runs.get('typeError')!;
    expect(result.status).toBe(1);
    expect(result.stdout.trim()).toMatch(/^src\/messages\.ts\(13,14\): error TS2322: Type 'string' is not assignable to type 'number'\.$/);
    expect(existsSync(join(project.outDir, 'messages.js'))).toBe(false);
  });

  // Current behaviour, worth knowing: tsc's exit status counts every diagnostic, warnings included, so a CATGA018
  // warning alone still exits 2 (the files are emitted).
  it('a CATGA018 warning is printed as a warning, yet tsc exits 2 for it (any diagnostic counts); files are emitted', () => {
    const { project, result } = runs.get('warning')!;
    expect(result.stdout.trim()).toMatch(/^src\/messages\.ts\(5,9\): warning TS990018: CATGA018: Message Local is not declared at the top level/);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.status).toBe(2);
    expect(existsSync(join(project.outDir, 'messages.js'))).toBe(true);
  });
});
