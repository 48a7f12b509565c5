// The fused handle(): the transformer adds to each handler class a copy of handle() that returns the CatgaResult
// itself (transform/fused-handle.ts). The fixture test/fixtures/fusion holds handle() methods of every shape the copy
// must reproduce (returns in every kind of statement, throws before and after an await, a promise returned by a
// method that is not async, a try/catch, scoped and spied handlers, a subclass from the factory, events,
// cancellation, close() with a call in flight) and the shapes it must leave alone. It is compiled by the real
// `tspc` in two variants of the matrix and by plain `tsc`, and main.js is run: every build must print the same
// results, and only the tspc builds fuse, exactly the handlers that can be.
import { join } from 'node:path';
import { compile, emittedJs, type ProcessResult, type Project, runNode, type Variant, variantName, writeProject } from './support/compile.js';
import { assertBuilt, assertToolchainInstalled, TOOLCHAINS } from './support/toolchains.js';

const FIXTURE = 'fusion';
const VARIANTS: readonly Variant[] = [
  { decorators: 'tc39', module: 'esm' },
  { decorators: 'legacy', module: 'cjs' },
];

interface Output {
  readonly results: Record<string, unknown>;
  readonly fused: string[];
}

interface Run {
  readonly name: string;
  readonly compiled: ProcessResult;
  readonly emitted: Map<string, string>;
  readonly output: Output;
}

function parse(run: ProcessResult): Output {
  const lines = run.stdout.trim().split('\n');
  if (run.status !== 0 || lines.length !== 1) throw new Error(`main.js exited ${run.status}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  return JSON.parse(lines[0]!) as Output;
}

async function build(variant: Variant, plain: boolean): Promise<Run> {
  const name = `${FIXTURE}-${variantName(variant)}-${plain ? 'plain' : 'ts5'}`;
  const project: Project = writeProject(FIXTURE, name, { variant, plugin: !plain });
  const compiled = await compile(project, TOOLCHAINS.ts5, plain);
  const run = await runNode(join(project.outDir, 'main.js'), [], { cwd: project.dir, env: plain ? { CATGA_UNTRANSFORMED: 'allow' } : {} });
  return { name, compiled, emitted: emittedJs(project.outDir), output: parse(run) };
}

const FUSED = ['ClassifyHandler', 'ExplodeHandler', 'IncrementHandler', 'RecoverHandler', 'SpiedHandler', 'GreetHandler', 'TallyHandler', 'SlowHandler', 'NotedHandler'];

const failure = (code: string, message: string, retryable: boolean) => ({ ok: false, code, message, retryable });
const EXPECTED: Record<string, unknown> = {
  'classify -3': { ok: true, value: 'negative 3' },
  'classify 0': { ok: true, value: 'zero' },
  'classify 1': { ok: true, value: 'one' },
  'classify 3': { ok: true, value: 'small 6' },
  'classify 50': { ok: true, value: 'medium 500' },
  'classify 500': { ok: true, value: 'large' },
  'explode none': { ok: true, value: 'intact' },
  'explode sync': failure('HANDLER_FAILED', 'ExplodeHandler failed on "Explode": boom before any await', true),
  'explode after-await': failure('HANDLER_FAILED', 'ExplodeHandler failed on "Explode": boom after an await', false),
  'explode catga-error': failure('CONFLICT', 'already exploded', false),
  'explode rejected-promise': failure('HANDLER_FAILED', 'ExplodeHandler failed on "Explode": rejected', true),
  increment: { ok: true, value: 42 },
  'recover ok': { ok: true, value: 'fine' },
  'recover failing': { ok: true, value: 'recovered after 2' },
  'recover async ok': { ok: true, value: 'loaded' },
  // The handler's catch does not see the rejection of a promise it returns: the call fails.
  'recover async failing': failure('HANDLER_FAILED', 'RecoverAsyncHandler failed on "RecoverAsync": load failed', true),
  'guarded ok': { ok: true, value: 'held 1' },
  'guarded failing': failure('HANDLER_FAILED', 'GuardedHandler failed on "Guarded": guarded failure', true),
  'count arguments': { ok: true, value: 2 },
  spied: { ok: true, value: 'spied original Spied' },
  'spy calls': 1,
  greet: { ok: true, value: 'HELLO ADA' },
  tally: [
    { ok: true, value: 1 },
    { ok: true, value: 1 },
  ],
  noted: { ok: true, value: { eventType: 'Noted', handlers: 1 } },
  'slow cancelled': failure('CANCELLED', '"Slow" was cancelled: caller gave up', false),
  'effects when closed': ['classified 500 as large', 'released, 0 held', 'released, 0 held', 'noted first', 'slow 20 done'],
  'slow in flight': { ok: true, value: 'slept 20' },
};

const runs: Run[] = [];

beforeAll(async () => {
  assertBuilt();
  assertToolchainInstalled(TOOLCHAINS.ts5);
  runs.push(...(await Promise.all(VARIANTS.flatMap((variant) => [build(variant, false), build(variant, true)]))));
}, 180_000);

describe('fused handle()', () => {
  it('compiles cleanly with tspc and with tsc', () => {
    for (const run of runs) expect({ name: run.name, status: run.compiled.status, output: run.compiled.stdout + run.compiled.stderr }).toEqual({ name: run.name, status: 0, output: '' });
  });

  it('gives the results of handle() itself, on the fused and on the run-time path', () => {
    for (const run of runs) {
      const { 'noted failing': notedFailing, 'after close': afterClose, ...rest } = run.output.results;
      expect({ name: run.name, results: rest }).toEqual({ name: run.name, results: EXPECTED });
      expect(notedFailing).toMatchObject({ ok: false, code: 'HANDLER_FAILED' });
      expect(afterClose).toMatchObject({ ok: false, code: 'TRANSPORT_FAILED' });
    }
  });

  it('fuses exactly the handlers whose handle() can be copied, and only in the tspc builds', () => {
    for (const run of runs) expect({ name: run.name, fused: run.output.fused }).toEqual({ name: run.name, fused: run.name.endsWith('plain') ? [] : FUSED });
  });

  it('writes the copy readably, with plain names unless handle() uses them', () => {
    const esm = runs.find((run) => run.name === `${FIXTURE}-tc39-esm-ts5`)!;
    const handlers = esm.emitted.get('handlers.js')!;
    // `call` is a module function the classify handler calls: the copy's parameter takes another name.
    expect(handlers).toContain('async [__catga.FUSED_HANDLE](query, context, call_1) {');
    expect(handlers).toContain('return call_1.ok(`medium ${call(query.n)}`);');
    // Nested functions keep their own returns.
    expect(handlers).toContain('return x * 2;');
    // A promise returned by a method that is not async is awaited; a value is not.
    expect(handlers).toContain('return call.ok(await Promise.resolve(query.n + 1));');
    expect(handlers).toContain('return call.ok(this.risky(query.fail));');
    // Falling off the end of handle() is a success with no value.
    expect(handlers).toMatch(/effects\.push\(`noted \$\{event\.text\}`\);\n\s+return call\.ok\(undefined\);/);
    expect(handlers.match(/FUSED_HANDLE\]\(/g)).toHaveLength(FUSED.length);
  });
});
