/**
 * Suite "Precompiled send": the in-process send of one command, with Catga's code compiled by `@catga/transformer`
 * (`tspc` + the plugin) and, from the very same source, by plain `tsc` (the run-time path), against calling the
 * handler directly and against the two peer libraries of the in-process send suite.
 *
 * The bench package itself is compiled by plain `tsc`, so the Catga program of this suite lives in
 * bench/fixtures/precompiled and is compiled here, at bench time, into bench/.tmp/precompiled/{transformed,plain};
 * the emitted ESM is then imported into this process.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type CatgaResult, compiledHandlerOf, contractOf, type HandlerContext, type MetricsSettings, unwrap } from '@catga/runtime';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { type CaseResult, type HarnessOptions, type LazyVariant, runLazySuite, type Sender } from '../harness.js';
import type { SuiteReport } from '../report.js';
import { directCall, type OrderFields, type Placed, SAMPLE_ORDER } from './order.js';
import { setup as setupMediatr } from './peers/mediatr.js';
import { setup as setupNestCqrs } from './peers/nest-cqrs.js';
import { compile, FIXTURES_DIR, freshDir, occurrences, TMP_DIR } from './precompiled-tools.js';

const TITLE = 'Precompiled send';
const FIXTURE = join(FIXTURES_DIR, 'precompiled');
const OUT_DIR = join(TMP_DIR, 'precompiled');

/** The two builds of the fixture: `transformed` by `tspc` with the plugin, `plain` by `tsc` (plugin entry ignored). */
type Build = 'transformed' | 'plain';

/** The targets of the transformer's issue, as ratios to the direct call measured in the same run. */
const TARGETS = [
  { name: 'Catga precompiled, highPerformance (no behaviours)', label: 'precompiled send, no behaviours', ratio: 1.5 },
  { name: 'Catga precompiled, production behaviour set', label: 'precompiled send, production behaviour set', ratio: 2.5 },
] as const;
const DIAGNOSTIC_VALIDATE_INVOKE = 'diagnostic: generated validate + invoke, no mediator';
const DIAGNOSTIC_CLOCK_READS = 'diagnostic: direct call + the clock read of the production set';
const WITH_METRICS_SDK = 'Catga precompiled, production behaviour set + OTel metrics SDK';

// ---------------------------------------------------------------------------------------------------------------
// The fixture, as the bench sees its emitted JavaScript (bench/fixtures/precompiled/src/app.ts)

interface FixtureApp {
  send(): Promise<CatgaResult<Placed>>;
  close(): Promise<void>;
  readonly transformed: boolean;
}

interface FixtureModule {
  createApp(options: { preset: 'highPerformance' | 'production'; untransformed: 'throw' | 'allow'; order: OrderFields; metrics?: MetricsSettings }): FixtureApp;
  readonly CreateOrder: new (orderId: string, customerId: string, sku: string, qty: number, price: number) => object;
  readonly CreateOrderHandler: new () => { handle(command: object): Promise<Placed> };
}

/**
 * Compiles the fixture both ways (once per run; not timed) and checks that only the `tspc` build carries the
 * transformer's output: the compiled call site, the contract and the handler executor.
 */
async function buildFixture(): Promise<void> {
  await freshDir(OUT_DIR);
  const project = ['-p', join(FIXTURE, 'tsconfig.json')];
  await compile('tspc', [...project, '--outDir', join(OUT_DIR, 'transformed')]);
  await compile('tsc', [...project, '--outDir', join(OUT_DIR, 'plain')]);
  for (const needle of ['sendCompiled(', 'defineContract(', 'defineHandler(']) {
    const found = { transformed: await occurrences(join(OUT_DIR, 'transformed'), needle), plain: await occurrences(join(OUT_DIR, 'plain'), needle) };
    if (found.transformed !== 1 || found.plain !== 0) {
      throw new Error(`expected ${needle}…) once in the tspc build and never in the tsc build, found ${JSON.stringify(found)}`);
    }
  }
}

let built: Promise<void> | undefined;
const modules = new Map<Build, Promise<FixtureModule>>();

/** The emitted app.js of one build, compiled on first use. */
function fixture(build: Build): Promise<FixtureModule> {
  let loaded = modules.get(build);
  if (loaded === undefined) {
    built ??= buildFixture();
    loaded = built.then(() => import(pathToFileURL(join(OUT_DIR, build, 'app.js')).href) as Promise<FixtureModule>);
    modules.set(build, loaded);
  }
  return loaded;
}

/**
 * One Catga instance of the fixture. The transformed build runs with `untransformed: 'throw'` (it would refuse to
 * start if a class had escaped the transformer), the plain one with `untransformed: 'allow'`.
 */
async function setupCatga(build: Build, preset: 'highPerformance' | 'production', metrics?: MetricsSettings): Promise<Sender<Placed>> {
  const { createApp } = await fixture(build);
  const app = createApp({ preset, untransformed: build === 'transformed' ? 'throw' : 'allow', order: SAMPLE_ORDER, ...(metrics === undefined ? {} : { metrics }) });
  if (app.transformed !== (build === 'transformed')) {
    await app.close();
    throw new Error(`the ${build} build of the fixture ${app.transformed ? 'carries' : 'lacks'} the transformer's contract and executor`);
  }
  return {
    send: app.send,
    normalise: (output) => unwrap(output as CatgaResult<Placed>),
    close: () => app.close(),
  };
}

/** A reader that never exports: the SDK aggregates every measurement, nothing leaves the process. */
class IdleReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The production set with metrics that record: an OTel SDK `MeterProvider` (with a reader, so the SDK aggregates)
 * instead of the API's no-op meter, for which the metrics behaviour adds no step.
 */
async function setupWithMetricsSdk(): Promise<Sender<Placed>> {
  const meterProvider = new MeterProvider({ readers: [new IdleReader()] });
  const sender = await setupCatga('transformed', 'production', { meterProvider });
  return {
    ...sender,
    close: async () => {
      await sender.close();
      await meterProvider.shutdown();
    },
  };
}

/** The handler executor the transformer generated, with the pieces it is called with. */
async function generated(): Promise<{
  invoke: (handler: never, message: never, context: HandlerContext) => unknown;
  validate: (message: never) => unknown;
  handler: never;
  command: never;
}> {
  const { CreateOrder, CreateOrderHandler } = await fixture('transformed');
  const executor = compiledHandlerOf(CreateOrderHandler);
  const validate = contractOf(CreateOrder)?.validate;
  if (executor === undefined || validate === undefined) throw new Error('the tspc build of the fixture has no generated executor or validator');
  const { orderId, customerId, sku, qty, price } = SAMPLE_ORDER;
  const command = new CreateOrder(orderId, customerId, sku, qty, price) as never;
  const issues = validate(command);
  if (issues !== undefined) throw new Error(`the generated validator rejects the sample order: ${JSON.stringify(issues)}`);
  return { invoke: executor.invoke, validate, handler: new CreateOrderHandler() as never, command };
}

/**
 * Diagnostic: the generated `invoke` called directly, no mediator (the handler ignores its context, so none is
 * made). Against the floor, this is the cost of the generated executor itself.
 */
async function setupInvoke(): Promise<Sender<Placed>> {
  const { invoke, handler, command } = await generated();
  const context = undefined as unknown as HandlerContext;
  return { send: () => invoke(handler, command, context) as Promise<Placed>, close: async () => undefined };
}

/**
 * Diagnostic: the generated validator, then the generated `invoke`, no mediator: what the transformer's output
 * costs per send. The rest of a precompiled send's time is the mediator's (transport, dispatch, pipeline, result).
 * The validator's verdict is checked before timing (it accepts the sample order), not in the loop.
 */
async function setupValidateInvoke(): Promise<Sender<Placed>> {
  const { invoke, validate, handler, command } = await generated();
  const context = undefined as unknown as HandlerContext;
  return {
    send: () => {
      validate(command);
      return invoke(handler, command, context) as Promise<Placed>;
    },
    close: async () => undefined,
  };
}

/**
 * Diagnostic: a direct call with the clock read the production behaviour set cannot do without (the call's start:
 * the timeout's deadline and the circuit breaker's window; with no OTel SDK, nothing measures a duration), and
 * nothing else. Against the floor, this is what that read alone costs on this machine.
 */
function setupClockReads(): Sender<Placed> {
  const direct = directCall();
  let sink = 0;
  return {
    send: () => {
      sink += performance.now();
      return direct.send();
    },
    close: async () => {
      // Read once so that the reads above are not dead code to the optimiser.
      if (Number.isNaN(sink)) throw new Error('unreachable: a clock returned NaN');
      await direct.close();
    },
  };
}

/** The variants in report order; the first is the floor. Setups are lazy so a failing one still lets us close the rest. */
const VARIANTS: readonly LazyVariant<Placed>[] = [
  { name: 'direct call (floor)', setup: directCall },
  { name: TARGETS[0].name, setup: () => setupCatga('transformed', 'highPerformance') },
  { name: TARGETS[1].name, setup: () => setupCatga('transformed', 'production') },
  { name: WITH_METRICS_SDK, setup: setupWithMetricsSdk },
  { name: 'Catga run-time path (tsc), highPerformance (no behaviours)', setup: () => setupCatga('plain', 'highPerformance') },
  { name: 'Catga run-time path (tsc), production behaviour set', setup: () => setupCatga('plain', 'production') },
  { name: '@nestjs/cqrs CommandBus.execute', setup: setupNestCqrs },
  { name: 'mediatr-ts send', setup: setupMediatr },
  { name: 'diagnostic: generated invoke, called directly', setup: setupInvoke },
  { name: DIAGNOSTIC_VALIDATE_INVOKE, setup: setupValidateInvoke },
  { name: DIAGNOSTIC_CLOCK_READS, setup: async () => setupClockReads() },
];

const NOTES = [
  'The command, handler and returned value of the in-process send suite (five fields; the handler returns ' +
    '`{ orderId, total: qty * price }`), written as a Catga application in bench/fixtures/precompiled. Before the ' +
    'suite runs, that one source is compiled twice into bench/.tmp/precompiled (not timed): with `tspc` and ' +
    '`{ "transform": "@catga/transformer" }` (*precompiled*: the `catga.send(command)` call site becomes ' +
    '`__catga.sendCompiled(catga, command)`, the command gets a generated contract with a validator of its five ' +
    'field types, the handler a generated executor and a fused copy of `handle()` that returns the result itself), ' +
    'and with plain `tsc`, which ignores the plugin entry (*run-time ' +
    'path*; `@CatgaHandler(CreateOrder)` names the message, so it runs untransformed). The run stops unless only the ' +
    '`tspc` build contains `sendCompiled`, `defineContract` and `defineHandler`; the precompiled instances are built ' +
    'with `untransformed: \'throw\'` (they would refuse to start if a class had escaped the transformer), the ' +
    'run-time ones with `untransformed: \'allow\'`.',
  '*highPerformance (no behaviours)* is `createCatga({ preset: \'highPerformance\' })`; in the precompiled build ' +
    'the generated validator still runs on every send (the validation behaviour installs it for any compiled ' +
    'message; it checks `typeof` of each field; with nothing else in the pipeline the runtime calls it and the fused ' +
    '`handle()` from one function), the run-time build has no validator. Every row sends one message type in a loop, ' +
    'so the dispatcher\'s one-entry route cache always hits; an app alternating types pays its map lookup (~5 ns). *production behaviour set* is ' +
    '`createCatga({ preset: \'production\' })`: logging at `warn` (to a logger whose methods do nothing, so no console ' +
    'I/O; a successful call is not logged at `warn` anyway), tracing and metrics with no OTel SDK registered (spans ' +
    'are `@opentelemetry/api` no-ops; the metrics behaviour adds no step at all, since the API\'s no-op meter can ' +
    'never record), dead letter, the 30 s timeout, the circuit breaker, and the preset\'s `asyncDispatch` (one ' +
    'microtask hop per send). *+ OTel metrics SDK* is the same set with metrics that record: an SDK `MeterProvider` ' +
    '(`@opentelemetry/sdk-metrics`, a reader that never exports) passed to `withMetrics`, so each send also counts, ' +
    'times and records its duration in the SDK\'s aggregations. *@nestjs/cqrs* and *mediatr-ts* are the in-process ' +
    'send suite\'s set-ups, reused.',
  'The two *diagnostic* rows take the mediator away: the generated `invoke(handler, command, context)` of the ' +
    'handler called directly, then the generated validator followed by that call. Against the floor they show what ' +
    'the transformer\'s output costs per send; the rest of a precompiled row is the runtime\'s dispatch and pipeline. ' +
    '(The precompiled rows run the fused copy of `handle()` instead of `invoke`; that copy, which also builds the ' +
    'result object, costs about what `invoke` does.)',
  'The production set\'s behaviours are synchronous enter/leave hooks around the handler call, with no promise per ' +
    'layer. In the precompiled build they run through the pipeline the transformer generated for the handler: the ' +
    'hooks written out slot by slot, so each hook has call sites of its own that V8 inlines. The run-time build ' +
    'runs the same hooks from the runtime\'s shared hooked run, a loop whose call sites see every behaviour; that is ' +
    'most of the gap between the two production rows. What neither can avoid per send: one clock read (the call\'s start, shared by ' +
    'the timeout\'s deadline and the circuit breaker\'s window; it costs about as much as the whole floor on this ' +
    'VM), an OTel span, the timeout\'s race (a promise and a per-attempt cancellable context, linked into its ' +
    'deadline queue), and the `asyncDispatch` hop. The last diagnostic row is the floor plus that clock read alone. ' +
    'With an SDK meter, metrics add a second read (the call\'s end) and the SDK\'s own recording.',
];

function targetNotes(cases: readonly CaseResult[]): { lines: string[]; table: string; split: string } {
  const byName = new Map(cases.map((c) => [c.name, c]));
  const plain = (name: string): CaseResult | undefined => byName.get(name.replace('Catga precompiled', 'Catga run-time path (tsc)'));
  const rows = TARGETS.map(({ name, label, ratio }) => {
    const measured = byName.get(name)!;
    const runtime = plain(name);
    return {
      cells: [
        label,
        measured.nsPerOp.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
        `${measured.timesFloor.toFixed(2)}×`,
        `≤ ${ratio.toFixed(1)}×`,
        measured.timesFloor <= ratio ? 'met' : '**not met**',
        runtime === undefined ? '' : `${(measured.nsPerOp / runtime.nsPerOp).toFixed(2)}×`,
      ],
    };
  });
  const header = ['target', 'ns/op', '× floor', 'target × floor', 'verdict', 'precompiled / run-time path'];
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const table = [line(header), line(['---', '---:', '---:', '---:', '---', '---:']), ...rows.map((r) => line(r.cells))].join('\n');
  // Where a precompiled send's time goes: the generated code (diagnostic row minus floor), the rest is the runtime's.
  const floor = cases[0]!.nsPerOp;
  const generatedCode = byName.get(DIAGNOSTIC_VALIDATE_INVOKE)!.nsPerOp;
  const ns = (value: number): string => value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const split =
    `Split of the precompiled rows (differences of this run's means): the floor's ${ns(floor)} ns, then the ` +
    `generated validator and executor ${ns(generatedCode - floor)} ns (diagnostic row minus floor), then the ` +
    `runtime: ${ns(byName.get(TARGETS[0].name)!.nsPerOp - generatedCode)} ns of dispatch without behaviours ` +
    `(highPerformance row minus diagnostic row) and ${ns(byName.get(TARGETS[1].name)!.nsPerOp - byName.get(TARGETS[0].name)!.nsPerOp)} ns ` +
    'more with the production behaviour set. ' +
    `The floor plus the production set's clock read alone is ${byName.get(DIAGNOSTIC_CLOCK_READS)!.timesFloor.toFixed(2)}× the floor ` +
    `(target of the production row: ≤ ${TARGETS[1].ratio.toFixed(1)}×).`;
  return { lines: rows.map((r) => `  ${r.cells[0]}: ${r.cells[2]} (target ${r.cells[3]}: ${r.cells[4]}), ${r.cells[5]} the run-time path`), table, split };
}

/** Compiles the fixture, sets up every variant, times them, and closes them all (also on failure). */
export async function precompiledSend(options: HarnessOptions & { log?: (line: string) => void } = {}): Promise<SuiteReport> {
  const result = await runLazySuite(TITLE, VARIANTS, options);
  const { lines, table, split } = targetNotes(result.cases);
  options.log?.(`${lines.join('\n')}\n  ${split}\n`);
  return {
    ...result,
    notes: [
      ...NOTES,
      'The targets, as ratios to the floor of this run; the last column compares each precompiled row with the same ' +
        'preset on the run-time path:',
      table,
      split,
    ],
  };
}
