// Golden tests through the real ts-patch entry, executed.
//
// Each fixture app under test/fixtures/golden/<fixture>/src is compiled by the real `tspc` binary (child process,
// `plugins: [{ "transform": "@catga/transformer" }]`) in every variant of the matrix
//   {TC39 decorators, experimentalDecorators} x {CommonJS, ESM (NodeNext)} x {TS 5.9.3 + ts-patch 3.3.0, TS 6.0.3 + ts-patch 4.0.1},
// every emitted .js file is compared with test/golden/<fixture>/<decorators>-<module>/ (shared by both TypeScript
// lines when their output is byte for byte the same, else TS 6 has <decorators>-<module>.ts6/), and main.js is run
// with node and its printed results asserted. The same sources compiled by plain `tsc` (no plugin) must refuse to
// start with `untransformed: 'throw'` and give the same results for valid input with `untransformed: 'allow'`.
//
// Re-bless the goldens after an intended change of the generated code:
//   CATGA_BLESS=1 npx jest --selectProjects transformer
//
// Needs `npm run build` (the plugin loads transformer/dist; the fixtures import runtime/dist) and the TS 6 line:
//   npm install --prefix transformer/toolchains/ts6
import { join } from 'node:path';
import {
  compile,
  describeVariant,
  emittedJs,
  type ProcessResult,
  type Project,
  runNode,
  type Variant,
  VARIANTS,
  variantName,
  writeProject,
} from './support/compile.js';
import { assertMatchesGolden, BLESS, blessGolden } from './support/goldens.js';
import { assertBuilt, assertToolchainInstalled, type Toolchain, TOOLCHAINS } from './support/toolchains.js';

const FIXTURE = 'basics';

interface Build {
  readonly variant: Variant;
  readonly toolchain: Toolchain;
  readonly project: Project;
  readonly compiled: ProcessResult;
  readonly emitted: Map<string, string>;
  readonly run: ProcessResult;
}

interface PlainBuild {
  readonly variant: Variant;
  readonly project: Project;
  readonly compiled: ProcessResult;
  readonly emitted: Map<string, string>;
  /** main.js with the fixture's default `untransformed: 'throw'`. */
  readonly throwRun: ProcessResult;
  /** main.js with `untransformed: 'allow'`. */
  readonly allowRun: ProcessResult;
}

const toolchains = [TOOLCHAINS.ts5, TOOLCHAINS.ts6];
const builds: Build[] = [];
const plainBuilds: PlainBuild[] = [];

function runMain(project: Project, env: Record<string, string> = {}): Promise<ProcessResult> {
  return runNode(join(project.outDir, 'main.js'), [], { cwd: project.dir, env });
}

async function build(variant: Variant, toolchain: Toolchain): Promise<Build> {
  const project = writeProject(`golden/${FIXTURE}`, `${FIXTURE}-${variantName(variant)}-${toolchain.name}`, { variant, plugin: true });
  const compiled = await compile(project, toolchain);
  const run = await runMain(project);
  return { variant, toolchain, project, compiled, emitted: emittedJs(project.outDir), run };
}

async function plainBuild(variant: Variant): Promise<PlainBuild> {
  const project = writeProject(`golden/${FIXTURE}`, `${FIXTURE}-${variantName(variant)}-plain`, { variant, plugin: false });
  const compiled = await compile(project, TOOLCHAINS.ts5, true);
  const [throwRun, allowRun] = await Promise.all([runMain(project), runMain(project, { CATGA_UNTRANSFORMED: 'allow' })]);
  return { variant, project, compiled, emitted: emittedJs(project.outDir), throwRun, allowRun };
}

beforeAll(async () => {
  assertBuilt();
  for (const toolchain of toolchains) assertToolchainInstalled(toolchain);
  const [compiled, plain] = await Promise.all([
    Promise.all(VARIANTS.flatMap((variant) => toolchains.map((toolchain) => build(variant, toolchain)))),
    Promise.all(VARIANTS.map(plainBuild)),
  ]);
  builds.push(...compiled);
  plainBuilds.push(...plain);
  if (BLESS) {
    // Never bless the output of a failed compile.
    const failed = builds.filter((b) => b.compiled.status !== 0 || b.compiled.stdout + b.compiled.stderr !== '');
    if (failed.length > 0) throw new Error(`Not blessing: ${failed.map((b) => `${b.toolchain.label} ${variantName(b.variant)}: ${b.compiled.stdout}${b.compiled.stderr}`).join('\n')}`);
    for (const variant of VARIANTS) {
      const of = (name: 'ts5' | 'ts6') => builds.find((b) => b.variant === variant && b.toolchain.name === name)!.emitted;
      blessGolden(FIXTURE, variantName(variant), { ts5: of('ts5'), ts6: of('ts6') });
    }
  }
}, 180_000);

/** What main.js prints, parsed; throws with the process output when it did not print one JSON line. */
function outputOf(run: ProcessResult): Record<string, Record<string, unknown>> {
  const lines = run.stdout.trim().split('\n');
  if (run.status !== 0 || lines.length !== 1) throw new Error(`main.js exited ${run.status}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  return JSON.parse(lines[0]!) as Record<string, Record<string, unknown>>;
}

const PLACED_C1 = { orderId: 'order-c1-1', status: 'placed', lines: 2 };
const PLACED_C2 = { orderId: 'order-c2-2', status: 'placed', lines: 0 };
const AUDIT_PLACED = [
  'placed order-c1-1 (2 lines) at 2026-01-02T00:00:00.000Z',
  'placed order-c2-2 (0 lines) at 2026-01-02T00:00:00.000Z',
  'placed manual (0 lines) at 2026-01-03T00:00:00.000Z',
];
const NOTIFIED = ['notify order-c1-1', 'notify order-c2-2', 'notify manual'];

/** Valid messages: the same on the compiled and the run-time path. */
const EXPECTED_VALID = {
  placeOrder: { ok: true, value: { orderId: 'order-c1-1', lines: 2 } },
  placeOrderMinimal: { ok: true, value: { orderId: 'order-c2-2', lines: 0 } },
  getOrder: { ok: true, value: PLACED_C1 },
  getMissingOrder: { ok: true, value: null },
  ping: { ok: true, value: 'pongpong' },
  publish: { ok: true, value: { eventType: 'OrderPlaced', handlers: 2 } },
  // Both OrderPlaced handlers ran for each of the three events (two from PlaceOrderHandler's context.publish).
  effects: { orders: [PLACED_C1, PLACED_C2], audit: AUDIT_PLACED, notifications: NOTIFIED },
};

const EFFECTS_AFTER_CANCEL = {
  orders: [{ ...PLACED_C1, status: 'cancelled' }, PLACED_C2],
  audit: [...AUDIT_PLACED, 'cancelled order-c1-1: changed my mind'],
  notifications: NOTIFIED,
};

const invalid = (...issues: string[]) => ({ ok: false, code: 'VALIDATION_FAILED', issues });

const matrix = VARIANTS.flatMap((variant) => toolchains.map((toolchain) => ({ variant, toolchain, title: `${toolchain.label}, ${describeVariant(variant)}` })));

describe.each(matrix)(
  `${FIXTURE}: $title`,
  ({ variant, toolchain }) => {
    const current = (): Build => builds.find((b) => b.variant === variant && b.toolchain === toolchain)!;

    it(`tspc exits 0 with no diagnostics`, () => {
      const { compiled } = current();
      expect(compiled.stdout + compiled.stderr).toBe('');
      expect(compiled.status).toBe(0);
    });

    it(`every emitted file equals its golden`, () => {
      const { emitted } = current();
      expect([...emitted.keys()]).toEqual(['handlers.js', 'main.js', 'messages.js', 'store.js']);
      assertMatchesGolden(FIXTURE, variantName(variant), toolchain.name, emitted);
    });

    it(`emits in the module format asked for`, () => {
      const main = current().emitted.get('main.js')!;
      if (variant.module === 'esm') {
        expect(main).toContain('import * as __catga from "@catga/runtime";');
        expect(main).not.toContain('require(');
      } else {
        expect(main).toContain('require("@catga/runtime")');
        expect(main).not.toMatch(/^import /m);
      }
    });

    it(`runs with untransformed: 'throw'; valid messages succeed and events reach both handlers`, () => {
      const { run } = current();
      expect(run.stderr).toBe('');
      expect(outputOf(run)['valid']).toEqual(EXPECTED_VALID);
    });

    it(`@CatgaHandler() is registered from the generated executor; its context.send/publish work`, () => {
      expect(outputOf(current().run)['cancel']).toEqual({
        registration: 'ok',
        cancelOrder: { ok: true, value: null },
        cancelMissing: { ok: false, code: 'NOT_FOUND' },
        effects: EFFECTS_AFTER_CANCEL,
      });
    });

    it(`invalid messages fail with VALIDATION_FAILED, every issue at its field path; no handler runs`, () => {
      expect(outputOf(current().run)['invalid']).toEqual({
        placeOrder: invalid(
          'customerId: minLength',
          'lines[0].sku: minLength',
          'lines[0].quantity: integer',
          'lines[1].sku: type',
          'lines[1].quantity: maximum',
          'lines[2]: type',
          'shipTo.street: minLength',
          'shipTo.zip: pattern',
          'shipTo.note: type',
          'priority: type',
          'deliverBy: type',
        ),
        placeOrderMissingFields: invalid('customerId: type', 'lines: type', 'shipTo: type'),
        ping: invalid('times: maximum'),
        pingNotANumber: invalid('times: type'),
        getOrder: invalid('orderId: type'),
        getOrderEmptyId: invalid('orderId: minLength'),
        effects: EFFECTS_AFTER_CANCEL,
      });
    });
  },
);

describe(`${FIXTURE}: the matrix agrees`, () => {
  it('every variant prints the same results', () => {
    const outputs = builds.map((b) => b.run.stdout);
    expect(outputs).toHaveLength(VARIANTS.length * toolchains.length);
    expect(new Set(outputs).size).toBe(1);
  });

  it('generated code differs between decorator modes only around the class definitions, not in the contracts', () => {
    const contracts = (b: Build) => b.emitted.get('messages.js')!.slice(b.emitted.get('messages.js')!.indexOf('__catga.defineContract(PlaceOrder'));
    const first = contracts(builds[0]!).split('\n').slice(0, 60).join('\n');
    expect(first).toContain('validate: function validatePlaceOrder(m) {');
    for (const b of builds) expect(contracts(b).split('\n').slice(0, 60).join('\n')).toBe(first);
  });
});

describe.each(VARIANTS.map((variant) => ({ variant, title: describeVariant(variant) })))(`${FIXTURE} compiled by plain tsc 5.9.3, no plugin: $title`, ({ variant }) => {
  const current = (): PlainBuild => plainBuilds.find((b) => b.variant === variant)!;

  it('compiles, with no generated code', () => {
    const { compiled, emitted } = current();
    expect(compiled.stdout + compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
    for (const text of emitted.values()) {
      expect(text).not.toContain('__catga');
      expect(text).not.toContain('defineContract');
    }
  });

  it("with untransformed: 'throw', build() refuses to start, naming every uncompiled class", () => {
    const { throwRun } = current();
    expect(throwRun.status).toBe(1);
    expect(throwRun.stdout).toBe('');
    expect(throwRun.stderr).toContain('CatgaConfigurationError');
    expect(throwRun.stderr).toContain('were not compiled by @catga/transformer:');
    for (const name of ['command PlaceOrder', 'query GetOrder', 'command Ping', 'event OrderPlaced', 'event OrderCancelled', 'handler PlaceOrderHandler', 'handler GetOrderHandler', 'handler PingHandler', 'handler AuditOrderPlaced', 'handler NotifyOrderPlaced', 'handler AuditOrderCancelled']) {
      expect(throwRun.stderr).toContain(name);
    }
    expect(throwRun.stderr).toContain('plain `tsc` instead of `tspc`');
  });

  it("with untransformed: 'allow', valid messages give the same results as the transformed build", () => {
    const { allowRun } = current();
    expect(allowRun.stderr).toBe('');
    const output = outputOf(allowRun);
    expect(output['valid']).toEqual(EXPECTED_VALID);
    const transformed = outputOf(builds.find((b) => b.variant === variant && b.toolchain.name === 'ts5')!.run);
    expect(output['valid']).toEqual(transformed['valid']);
  });

  it('untransformed, @CatgaHandler() cannot be registered and nothing validates the field types', () => {
    const output = outputOf(current().allowRun);
    expect(output['cancel']!['registration']).toContain('@CatgaHandler() on CancelOrderHandler names no message class');
    expect(output['cancel']!['cancelOrder']).toMatchObject({ ok: false, code: 'HANDLER_NOT_FOUND' });
    // The generated validator is what rejects these: on the run-time path they reach the handler.
    expect(output['invalid']!['ping']).toEqual({ ok: true, value: 'pong'.repeat(11) });
    expect(output['invalid']!['pingNotANumber']).toEqual({ ok: true, value: 'pongpongpong' });
  });
});
