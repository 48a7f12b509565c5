/**
 * Suite "Compile time of the transformer": what `tspc` + `@catga/transformer` costs over plain `tsc` on a generated
 * 200-message project (compile-time-project.ts), each compile a fresh process, and how much larger the emitted
 * JavaScript is.
 *
 * An op takes seconds, so, like the lint suites, this one does not go through Benchmark.js: it times interleaved
 * rounds with a plain loop and reports medians in the harness's row format, plus tables in milliseconds and bytes.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CaseResult } from '../harness.js';
import { markdownTable, type SuiteReport } from '../report.js';
import { median, rmePercent } from '../stats.js';
import { type GeneratedProject, writeProject } from './compile-time-project.js';
import { compile, type Compiler, type CompileTimes, freshDir, jsBytes, jsFiles, occurrences, TMP_DIR } from './precompiled-tools.js';

const TITLE = 'Compile time of the transformer';
const PROJECT_DIR = join(TMP_DIR, 'compile-time');
/** The target: `tspc` with the plugin may take at most 30 % longer than plain `tsc`. */
const TARGET_RATIO = 1.3;

/** Options of {@link compileTime}. */
export interface CompileTimeOptions {
  /** Commands (and handlers) in the generated project. Default 200. */
  readonly messages?: number;
  /** Timed rounds; each compiles once with every variant, each compile a new process. Default 9. */
  readonly rounds?: number;
  /** Untimed rounds first (disk cache, ts-patch's cache of the patched compiler). Default 1. */
  readonly warmupRounds?: number;
  /** Progress lines (stderr in run.ts). */
  readonly log?: (line: string) => void;
}

interface Variant {
  readonly key: 'tsc' | 'tspc-no-plugin' | 'tspc';
  readonly name: string;
  readonly compiler: Compiler;
  readonly plugin: boolean;
}

/** Report order; the first is the floor. */
const VARIANTS: readonly Variant[] = [
  { key: 'tsc', name: 'tsc -p (floor)', compiler: 'tsc', plugin: false },
  { key: 'tspc', name: 'tspc -p, with @catga/transformer', compiler: 'tspc', plugin: true },
  { key: 'tspc-no-plugin', name: 'diagnostic: tspc -p, no plugin', compiler: 'tspc', plugin: false },
];
const FLOOR = VARIANTS[0]!;
const WITH_PLUGIN = VARIANTS[1]!;

// ---------------------------------------------------------------------------------------------------------------
// Formatting

const ms = (value: number): string => value.toLocaleString('en-US', { maximumFractionDigits: 0 });
const kib = (bytes: number): string => (bytes / 1024).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

// ---------------------------------------------------------------------------------------------------------------
// Compiling and checking

const outDir = (variant: Variant): string => join(PROJECT_DIR, 'out', variant.key);

/** One cold compile of the project by `variant` into its own output directory (emptied first, not timed). */
async function compileOnce(project: GeneratedProject, variant: Variant): Promise<CompileTimes> {
  const out = outDir(variant);
  await freshDir(out);
  return compile(variant.compiler, ['-p', variant.plugin ? project.tsconfig : project.tsconfigNoPlugin, '--outDir', out]);
}

const execFileAsync = promisify(execFile);

/**
 * Throws unless each build emitted one .js file per source file, only the plugin build carries the transformer's
 * output (a contract per command, an executor per handler, a compiled call site per send), and each build's main
 * sends every command successfully: the plugin build with `untransformed: 'throw'`, the plain ones with `'allow'`.
 */
async function checkBuilds(project: GeneratedProject): Promise<void> {
  const expected = { transformed: { defineContract: project.messages, defineHandler: project.handlers, sendCompiled: project.messages } };
  for (const variant of VARIANTS) {
    const out = outDir(variant);
    const files = (await jsFiles(out)).length;
    if (files !== project.sourceFiles) throw new Error(`${variant.name} emitted ${files} .js files for ${project.sourceFiles} sources`);
    for (const [needle, count] of Object.entries(expected.transformed)) {
      const found = await occurrences(out, `__catga.${needle}(`);
      const want = variant.plugin ? count : 0;
      if (found !== want) throw new Error(`${variant.name}: expected ${want} calls of ${needle}, found ${found}`);
    }
    const { stdout } = await execFileAsync(process.execPath, [join(out, 'main.js')], {
      env: { ...process.env, CATGA_UNTRANSFORMED: variant.plugin ? 'throw' : 'allow' },
    });
    const outcome = JSON.parse(stdout) as { ok: number; failed: number };
    if (outcome.ok !== project.messages || outcome.failed !== 0) {
      throw new Error(`${variant.name}: main sent ${outcome.ok} commands successfully and ${outcome.failed} failed, expected ${project.messages} and 0`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The suite

/**
 * Interleaved rounds, order reversed every other round, so that a drift over the run (disk cache, neighbours on the
 * VM) weighs on every variant alike.
 */
async function interleave(
  label: string,
  rounds: number,
  log: (line: string) => void,
  op: (variant: Variant) => Promise<CompileTimes>,
): Promise<{ wall: Map<Variant, number[]>; cpu: Map<Variant, number[]> }> {
  const wall = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  const cpu = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const variant of order) {
      const took = await op(variant);
      wall.get(variant)!.push(took.wallMs);
      cpu.get(variant)!.push(took.cpuMs);
      log(`  ${label} ${round + 1}/${rounds}, ${variant.name}: ${ms(took.wallMs)} ms (CPU ${ms(took.cpuMs)} ms)\n`);
    }
  }
  return { wall, cpu };
}

/** Rows in the harness's format from per-round milliseconds: ns/op and × floor are medians, ±rme is of the mean. */
function caseResults(samples: ReadonlyMap<Variant, readonly number[]>): CaseResult[] {
  const floor = median(samples.get(FLOOR)!);
  return VARIANTS.map((variant) => {
    const values = samples.get(variant)!;
    const nsPerOp = median(values) * 1e6;
    return {
      name: variant.name,
      opsPerSec: 1e9 / nsPerOp,
      nsPerOp,
      rmePercent: rmePercent(values),
      samples: values.length,
      timesFloor: median(values) / floor,
    };
  });
}

/** Generates the project, checks both builds, then times interleaved cold compiles. */
export async function compileTime(options: CompileTimeOptions = {}): Promise<SuiteReport> {
  const log = options.log ?? (() => undefined);
  const messages = options.messages ?? 200;
  const rounds = options.rounds ?? 9;
  const warmupRounds = options.warmupRounds ?? 1;

  await freshDir(PROJECT_DIR);
  const project = await writeProject(join(PROJECT_DIR, 'project'), messages);
  log(`  generated ${project.sourceFiles} files (${kib(project.sourceBytes)} KiB) into ${PROJECT_DIR}\n`);

  // The warm-up compiles are also the ones checked: every variant must build, emit and run correctly before timing.
  await interleave('warm-up', warmupRounds, log, (variant) => compileOnce(project, variant));
  await checkBuilds(project);
  const { wall: samples, cpu } = await interleave('round', rounds, log, (variant) => compileOnce(project, variant));
  // The timed compiles wrote the same files again: check the last ones too, then measure what they emitted.
  await checkBuilds(project);
  const bytes = new Map<Variant, number>();
  for (const variant of VARIANTS) bytes.set(variant, await jsBytes(outDir(variant)));

  const cases = caseResults(samples);
  const ratio = cases[1]!.timesFloor;
  const cpuMedian = (variant: Variant): number => median(cpu.get(variant)!);
  const cpuRatio = cpuMedian(WITH_PLUGIN) / cpuMedian(FLOOR);
  const sizeRatio = bytes.get(WITH_PLUGIN)! / bytes.get(FLOOR)!;
  const withinNoise = Math.abs(ratio - 1) * 100 < Math.max(...cases.map((c) => c.rmePercent));

  const msTable = markdownTable(
    ['variant', 'wall ms/op (median)', 'min', 'max', 'rounds', '× floor', 'CPU ms/op (median)', '× floor (CPU)', 'emitted .js', '× floor (size)'],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    VARIANTS.map((variant, i) => {
      const values = samples.get(variant)!;
      return [
        variant.name,
        ms(median(values)),
        ms(Math.min(...values)),
        ms(Math.max(...values)),
        String(values.length),
        `${cases[i]!.timesFloor.toFixed(2)}×`,
        ms(cpuMedian(variant)),
        `${(cpuMedian(variant) / cpuMedian(FLOOR)).toFixed(2)}×`,
        `${kib(bytes.get(variant)!)} KiB`,
        `${(bytes.get(variant)! / bytes.get(FLOOR)!).toFixed(2)}×`,
      ];
    }),
  );
  // The split uses CPU medians, the steadier measure: ts-patch alone, then the transformer on top of it.
  const tspcOnly = cpuMedian(VARIANTS[2]!) - cpuMedian(FLOOR);
  const plugin = cpuMedian(WITH_PLUGIN) - cpuMedian(VARIANTS[2]!);

  const notes = [
    `What is compiled: a generated project in bench/.tmp/compile-time/project, ${project.sourceFiles} files ` +
      `(${kib(project.sourceBytes)} KiB of TypeScript): ${messages} commands, each a \`@CatgaCommand()\` class ` +
      'extending `Command<Result>` with four to seven typed fields (`string`, `number`, a string-literal union, ' +
      '`readonly Line[]` of an interface with JSDoc constraints, and depending on the command a `Date`, a `boolean` ' +
      `and an optional \`string\`); ${messages} handlers, each \`@CatgaHandler(CommandNNN)\` with an async ` +
      '`handle(command, context)`; a shared types file; and a main that registers every handler and sends every ' +
      'command once (so one `catga.send(new CommandNNN(…))` call site per command). The handlers name their message, ' +
      'so plain `tsc` compiles the same sources into a program that runs (on the run-time path).',
    'Each op is one fresh Node process compiling the whole project (`-p <tsconfig> --outDir <dir>`, the output ' +
      'directory emptied first, not timed; no incremental build info), timed as wall time, Node start-up included; ' +
      'the process\'s CPU time (user + system, all threads, read by a `--require` probe as it exits) is shown too, ' +
      'since other work on the shared VM stretches wall time much more than it adds CPU time. ' +
      '*tsc -p* is the floor: plain TypeScript, which ignores the `plugins` entry of the tsconfig. *tspc -p, with ' +
      '@catga/transformer* is ts-patch 3.3.0 running the plugin. The *diagnostic* row is `tspc` on the same tsconfig ' +
      'with `plugins: []`: ts-patch\'s own cost (it loads a patched copy of the compiler) without the transformer. ' +
      'Target ES2022, NodeNext modules, `strict`, `skipLibCheck`; no declarations or source maps, so the sizes compare ' +
      'JavaScript only.',
    `Before timing, ${warmupRounds} untimed ${warmupRounds === 1 ? 'round' : 'rounds'} compile with every variant, ` +
      'and the run stops unless each build emitted one .js file per source, only the plugin build contains the ' +
      `transformer's output (${messages} \`__catga.defineContract\`, ${messages} \`__catga.defineHandler\` and ` +
      `${messages} \`__catga.sendCompiled\` calls, none in the others), and each build's main.js, run once, sends all ` +
      `${messages} commands successfully (the plugin build with \`untransformed: 'throw'\`, the others with ` +
      `\`'allow'\`); the last timed builds are checked again. Then ${rounds} timed rounds, each compiling once with ` +
      'every variant, order reversed every other round. ns/op and × floor in the last table are medians of the ' +
      'rounds, as in the lint suites; the same medians in milliseconds, with the emitted JavaScript (sum of the .js ' +
      'files):',
    msTable,
    `**tspc + plugin / tsc: ${ratio.toFixed(2)}× in wall time, ${cpuRatio.toFixed(2)}× in CPU time** (medians). ` +
      `Target: at most ${TARGET_RATIO.toFixed(1)}×: ${ratio <= TARGET_RATIO ? 'met' : '**not met**'} in wall time, ` +
      `${cpuRatio <= TARGET_RATIO ? 'met' : '**not met**'} in CPU time.` +
      (withinNoise
        ? ' The wall-time rows differ by less than their margin of error, so that ratio is noise around the true cost; ' +
          'the CPU-time ratio is the steadier estimate.'
        : '') +
      ` Of the CPU-time difference, ts-patch alone (diagnostic row minus floor) accounts for ${ms(tspcOnly)} ms and ` +
      `the transformer (plugin row minus diagnostic row) for ${ms(plugin)} ms. **Emitted JavaScript: ${sizeRatio.toFixed(2)}×** ` +
      `(${kib(bytes.get(WITH_PLUGIN)!)} KiB vs ${kib(bytes.get(FLOOR)!)} KiB): the generated contracts with their ` +
      'validators, the handler executors and the rewritten call sites.',
  ];
  log(
    `\n${msTable}\n  tspc + plugin / tsc: ${ratio.toFixed(2)}× wall, ${cpuRatio.toFixed(2)}× CPU (target ≤ ${TARGET_RATIO}×), ` +
      `emitted JS ${sizeRatio.toFixed(2)}×\n`,
  );
  return { title: TITLE, batchSize: 1, cases, notes };
}
