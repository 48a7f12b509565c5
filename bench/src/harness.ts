/**
 * A thin wrapper around the `benchmark` package for async cases: each iteration awaits a batch of sequential
 * operations, so per-op numbers come from (mean seconds per iteration) / batch size.
 */
import { isDeepStrictEqual } from 'node:util';
import Benchmark from 'benchmark';

/** Something that performs one operation per `send()` and can be shut down. */
export interface Sender<T> {
  /** Performs exactly one operation, the way a user of the library would call it (nothing added around it). */
  send(): Promise<unknown>;
  /**
   * Turns what `send()` resolved with into the common value (e.g. unwraps a `CatgaResult`), for the correctness
   * check before timing only, so no variant pays for adapting its output inside the timed loop.
   */
  normalise?(output: unknown): T;
  /** Releases what the sender holds (app contexts, instances). */
  close(): Promise<void>;
}

/** One row of a suite: a named way of performing the operation. */
export interface Variant<T> {
  readonly name: string;
  /** Performs exactly one operation. Called unbound, so it must not rely on `this`. */
  send(): Promise<unknown>;
  /** See {@link Sender.normalise}; identity when absent. */
  normalise?(output: unknown): T;
}

/** How long and how often to sample. Defaults keep a six-case suite well under 90 s. */
export interface HarnessOptions {
  /** Sequential operations per timed iteration. Default 1000. */
  readonly batchSize?: number;
  /** Seconds spent sampling each case. Default 4. */
  readonly maxTime?: number;
  /** Fewest samples per case, even past `maxTime`. Default 20. */
  readonly minSamples?: number;
  /** Called as each case finishes, e.g. to print progress. */
  readonly onCase?: (result: CaseResult) => void;
}

/** The measurements of one variant. */
export interface CaseResult {
  readonly name: string;
  /** Operations per second. */
  readonly opsPerSec: number;
  /** Mean nanoseconds per operation. */
  readonly nsPerOp: number;
  /** Relative margin of error of the mean, in percent (95 % confidence). */
  readonly rmePercent: number;
  /** Timed iterations (each one a batch of `batchSize` operations). */
  readonly samples: number;
  /** This case's ns/op divided by the floor's (the suite's first case), from the same run. */
  readonly timesFloor: number;
}

/** The measurements of one suite, cases in the order they were given (the first is the floor). */
export interface SuiteResult {
  readonly title: string;
  readonly batchSize: number;
  readonly cases: readonly CaseResult[];
}

/** The defaults of {@link HarnessOptions}: 1000 sends per iteration, about 4 s and at least 20 samples per case. */
export const HARNESS_DEFAULTS = { batchSize: 1000, maxTime: 4, minSamples: 20 } as const;

/**
 * Runs every variant once and throws unless all of them resolve with deeply equal values. Done before timing so a
 * broken variant fails loudly instead of producing a fast wrong number, and so the timed loop asserts nothing.
 */
export async function assertSameResult<T>(variants: readonly Variant<T>[]): Promise<T> {
  const [reference, ...others] = variants;
  if (reference === undefined) throw new Error('a suite needs at least one variant');
  const valueOf = async (variant: Variant<T>): Promise<T> => {
    const output = await variant.send();
    return variant.normalise ? variant.normalise(output) : (output as T);
  };
  const expected = await valueOf(reference);
  for (const variant of others) {
    const actual = await valueOf(variant);
    if (!isDeepStrictEqual(actual, expected)) {
      throw new Error(
        `"${variant.name}" returned ${JSON.stringify(actual)}, but "${reference.name}" returned ${JSON.stringify(expected)}`,
      );
    }
  }
  return expected;
}

async function batch(send: () => Promise<unknown>, size: number): Promise<void> {
  for (let i = 0; i < size; i++) await send();
}

/**
 * Times each variant with a deferred (async) Benchmark.js case and reports per-operation numbers. The first
 * variant is the floor every "× floor" ratio is computed against.
 */
export async function runSuite<T>(title: string, variants: readonly Variant<T>[], options: HarnessOptions = {}): Promise<SuiteResult> {
  const batchSize = options.batchSize ?? HARNESS_DEFAULTS.batchSize;
  await assertSameResult(variants);

  const suite = new Benchmark.Suite(title);
  let failure: unknown;
  for (const variant of variants) {
    suite.add(variant.name, {
      defer: true,
      maxTime: options.maxTime ?? HARNESS_DEFAULTS.maxTime,
      minSamples: options.minSamples ?? HARNESS_DEFAULTS.minSamples,
      fn: (deferred: Benchmark.Deferred) => {
        batch(variant.send, batchSize).then(
          () => deferred.resolve(),
          (error: unknown) => {
            // A rejected batch would never resolve the deferred and hang the run: stop and report instead.
            failure ??= error;
            suite.abort();
            deferred.resolve();
          },
        );
      },
    });
  }

  const stats: Array<Omit<CaseResult, 'timesFloor'>> = [];
  suite.on('cycle', (event: Benchmark.Event) => {
    const bench = event.target as unknown as Benchmark; // the typings model targets loosely; at runtime it is the Benchmark
    if (bench.error) failure ??= bench.error;
    const nsPerOp = (bench.stats.mean / batchSize) * 1e9;
    const measured = {
      name: String(bench.name),
      opsPerSec: 1e9 / nsPerOp,
      nsPerOp,
      rmePercent: bench.stats.rme,
      samples: bench.stats.sample.length,
    };
    stats.push(measured);
    const floor = stats[0]!;
    options.onCase?.({ ...measured, timesFloor: nsPerOp / floor.nsPerOp });
  });

  await new Promise<void>((resolve) => {
    suite.on('complete', () => resolve());
    suite.on('abort', () => resolve());
    suite.run({ async: true });
  });
  if (failure !== undefined) throw failure;
  const floor = stats[0];
  if (floor === undefined || stats.length !== variants.length) throw new Error(`suite "${title}" did not time every variant`);

  return {
    title,
    batchSize,
    cases: stats.map((measured) => ({ ...measured, timesFloor: measured.nsPerOp / floor.nsPerOp })),
  };
}

/** A variant whose sender is made only when the suite runs. */
export interface LazyVariant<T> {
  readonly name: string;
  setup(): Sender<T> | Promise<Sender<T>>;
}

/**
 * Sets up every variant in order, times them with {@link runSuite}, and closes every sender that was opened, also
 * when a setup or the run fails (setups are lazy so a failing one still lets the others be closed).
 */
export async function runLazySuite<T>(title: string, lazyVariants: readonly LazyVariant<T>[], options: HarnessOptions = {}): Promise<SuiteResult> {
  const opened: Sender<T>[] = [];
  try {
    const variants: Variant<T>[] = [];
    for (const { name, setup } of lazyVariants) {
      const sender = await setup();
      opened.push(sender);
      variants.push({ name, send: sender.send, ...(sender.normalise ? { normalise: sender.normalise.bind(sender) } : {}) });
    }
    return await runSuite(title, variants, options);
  } finally {
    for (const sender of opened) await sender.close();
  }
}
