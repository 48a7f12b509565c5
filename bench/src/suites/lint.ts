/**
 * Suites "Lint cost of the Catga typed config": what adding `catga.configs['recommended-type-checked']` to
 * typescript-eslint's `recommendedTypeChecked` costs on a cold, type-aware lint of the example app (fixtures/shop),
 * measured twice: in this process with typescript-eslint's caches reset before every lint, and as a fresh Node
 * process per lint (lint-worker.ts), which is what a CI job pays.
 *
 * An op takes seconds, not microseconds, so these suites do not go through Benchmark.js (see harness.ts): they time
 * interleaved rounds with a plain loop and report medians in the harness's row format, plus tables in milliseconds.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import catga from '@catga/eslint-plugin';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import type { CaseResult } from '../harness.js';
import { markdownTable, type SuiteReport } from '../report.js';
import { median, rmePercent } from '../stats.js';
import { type LintSummary, type LintVariantKey, PATTERNS, SHOP_DIR, lintConfig, summarize } from './lint-common.js';
import type { WorkerOutput } from './lint-worker.js';

const TITLE = 'Lint cost of the Catga typed config';
const WORKER = fileURLToPath(new URL('./lint-worker.js', import.meta.url));
const CATGA_RULES = Object.keys(catga.configs['recommended-type-checked'].rules ?? {}).sort();
/** The issue's target: the Catga config may add at most 50 % to the lint time. */
const TARGET_RATIO = 1.5;

/** Options of {@link lintCost}. The defaults keep both suites together near a minute on the bench VM. */
export interface LintCostOptions {
  /**
   * Timed in-process rounds; each lints once with both variants. Default 10: round-to-round spread on the bench VM
   * is about ±10 %, so five rounds a variant could not resolve a difference of a few percent.
   */
  readonly rounds?: number;
  /**
   * Untimed in-process rounds after the check, default 4: TypeScript's checker is large, and lints keep getting
   * faster for about that many rounds while the JIT optimises it.
   */
  readonly warmupRounds?: number;
  /** Untimed in-process lints of the Catga variant with `stats: true`, for per-rule times. Default 3. */
  readonly statsRuns?: number;
  /** Timed fresh-process rounds; each starts one process per variant. Default 5. */
  readonly processRounds?: number;
  /** Untimed fresh-process rounds first (disk cache). Default 1. */
  readonly processWarmupRounds?: number;
  /** Progress lines (stderr in run.ts). */
  readonly log?: (line: string) => void;
}

interface Variant {
  readonly key: LintVariantKey;
  readonly name: string;
}

/** Report order; the first is the floor. */
const VARIANTS: readonly [Variant, Variant] = [
  { key: 'baseline', name: 'typescript-eslint recommendedTypeChecked (floor)' },
  { key: 'catga', name: "+ catga.configs['recommended-type-checked']" },
];

// ---------------------------------------------------------------------------------------------------------------
// Formatting

const ms = (value: number): string => value.toLocaleString('en-US', { maximumFractionDigits: 0 });
const ms1 = (value: number): string => value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const pct = (value: number): string => `${value.toFixed(1)} %`;
const signedPct = (fraction: number): string => `${fraction < 0 ? '−' : '+'}${pct(Math.abs(fraction) * 100)}`;

/** Rows in the harness's format from per-round milliseconds: ns/op and × floor are medians, ±rme is of the mean. */
function caseResults(samples: ReadonlyMap<Variant, readonly number[]>): CaseResult[] {
  const floor = median(samples.get(VARIANTS[0])!);
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

/** The "Catga / floor" paragraph: ratio of medians, the target, and whether the difference is within the noise. */
function verdict(cases: readonly CaseResult[], sharper?: string): string {
  const ratio = cases[1]!.timesFloor;
  const withinNoise = Math.abs(ratio - 1) * 100 < Math.max(...cases.map((c) => c.rmePercent));
  return (
    `**Catga / floor: ${ratio.toFixed(2)}×** (medians; ${signedPct(ratio - 1)}). Target: at most ` +
    `${TARGET_RATIO.toFixed(1)}× (+${((TARGET_RATIO - 1) * 100).toFixed(0)} %): ${ratio <= TARGET_RATIO ? 'met' : '**not met**'}.` +
    (withinNoise ? ` The rows differ by less than their margin of error, so this ratio is noise around the true cost${sharper ?? ''}.` : '')
  );
}

/**
 * Interleaved rounds, order alternating (A B, B A, …) so that a drift over the run (JIT, heap, neighbours on the VM)
 * weighs on both variants alike. Returns the timed milliseconds per variant.
 */
async function interleave(
  label: string,
  rounds: number,
  log: (line: string) => void,
  op: (variant: Variant) => Promise<number>,
): Promise<Map<Variant, number[]>> {
  const samples = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const variant of order) {
      const took = await op(variant);
      samples.get(variant)!.push(took);
      log(`  ${label} ${round + 1}/${rounds}, ${variant.name}: ${ms(took)} ms\n`);
    }
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks shared by both suites

async function shopFiles(): Promise<string[]> {
  const entries = await readdir(`${SHOP_DIR}/src`, { recursive: true });
  return entries.filter((f) => f.endsWith('.ts')).map((f) => `${SHOP_DIR}/src/${f}`);
}

/**
 * Throws unless the lint covered every shop file, nothing is fatal (a parse or project-service error would make a
 * lint cheap and wrong), the Catga rules report nothing (the shop is clean), and the other findings are the
 * reference's. So the variants compare in cost, not output.
 */
function assertOutput(what: string, summary: LintSummary, files: number, reference: readonly string[]): void {
  if (summary.files !== files) throw new Error(`${what} linted ${summary.files} files, expected ${files}`);
  if (summary.fatal.length > 0) throw new Error(`${what} had fatal errors:\n${summary.fatal.join('\n')}`);
  if (summary.catga.length > 0) throw new Error(`${what}: Catga rules report findings in the shop:\n${summary.catga.join('\n')}`);
  if (JSON.stringify(summary.other) !== JSON.stringify(reference)) {
    throw new Error(`${what}: findings differ from the baseline's:\n${summary.other.join('\n')}\n---\n${reference.join('\n')}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// In-process suite

/**
 * typescript-eslint keeps one TypeScript project service per process (module state of
 * @typescript-eslint/typescript-estree), so a fresh `ESLint` instance alone would reuse the previous lint's programs.
 * Its parser exports `clearCaches()` to drop them. It is loaded the way typescript-eslint loads it, and checked to be
 * the very parser the configs use, so clearing really resets what the next lint sees.
 */
function parserCacheReset(): () => void {
  const requireFromTsEslint = createRequire(import.meta.resolve('typescript-eslint'));
  const parser = requireFromTsEslint('@typescript-eslint/parser') as { clearCaches(): void; parseForESLint: unknown };
  if (parser.parseForESLint !== tseslint.parser.parseForESLint) {
    throw new Error('@typescript-eslint/parser resolved from typescript-eslint is not the parser its configs use');
  }
  return () => parser.clearCaches();
}

/**
 * A full collection before each op, so every lint starts from the same heap instead of paying, at a random point,
 * for the project service the previous lint dropped (a CI run starts from an empty heap too). `bench` runs without
 * --expose-gc, so the flag is set at runtime; `gc` is then found in a new context.
 */
function garbageCollector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

interface Lint {
  readonly ms: number;
  readonly eslint: ESLint;
  readonly results: ESLint.LintResult[];
}

/** Per-rule milliseconds of one lint (summed over files and passes), plus the parse time. */
interface RuleTimes {
  readonly parse: number;
  readonly rules: ReadonlyMap<string, number>;
}

function ruleTimes(results: readonly ESLint.LintResult[]): RuleTimes {
  let parse = 0;
  const rules = new Map<string, number>();
  for (const result of results) {
    for (const pass of result.stats?.times.passes ?? []) {
      parse += pass.parse?.total ?? 0;
      for (const [id, { total }] of Object.entries(pass.rules ?? {})) rules.set(id, (rules.get(id) ?? 0) + total);
    }
  }
  return { parse, rules };
}

async function inProcessSuite(
  files: readonly string[],
  options: LintCostOptions,
  log: (line: string) => void,
): Promise<{ report: SuiteReport; reference: readonly string[] }> {
  const rounds = options.rounds ?? 10;
  const warmupRounds = options.warmupRounds ?? 4;
  const statsRuns = options.statsRuns ?? 3;
  const resetCaches = parserCacheReset();
  const collectGarbage = garbageCollector();
  const configs = new Map<Variant, Linter.Config[]>();
  for (const variant of VARIANTS) configs.set(variant, await lintConfig(variant.key));

  const coldLint = async (variant: Variant, stats = false): Promise<Lint> => {
    resetCaches();
    collectGarbage();
    const started = performance.now();
    const eslint = new ESLint({ cwd: SHOP_DIR, overrideConfigFile: true, overrideConfig: configs.get(variant)!, stats });
    const results = await eslint.lintFiles(PATTERNS);
    return { ms: performance.now() - started, eslint, results };
  };

  // Check: lint once with each variant; the baseline's findings are the reference for everything after.
  const baseline = await coldLint(VARIANTS[0]);
  log(`  check, ${VARIANTS[0].name}: ${ms(baseline.ms)} ms\n`);
  const reference = summarize(baseline.results).other;
  assertOutput(`"${VARIANTS[0].name}"`, summarize(baseline.results), files.length, reference);
  const withCatga = await coldLint(VARIANTS[1]);
  log(`  check, ${VARIANTS[1].name}: ${ms(withCatga.ms)} ms\n`);
  assertOutput(`"${VARIANTS[1].name}"`, summarize(withCatga.results), files.length, reference);
  // Zero Catga findings mean something only if the Catga rules were on.
  const computed = (await withCatga.eslint.calculateConfigForFile(files[0]!)) as Linter.Config | undefined;
  const off = CATGA_RULES.filter((id) => {
    const entry: unknown = computed?.rules?.[id];
    const severity: unknown = Array.isArray(entry) ? entry[0] : entry;
    return severity === undefined || severity === 0 || severity === 'off';
  });
  if (off.length > 0) throw new Error(`Catga rules not enabled in "${VARIANTS[1].name}": ${off.join(', ')}`);

  await interleave('warm-up', warmupRounds, log, async (variant) => (await coldLint(variant)).ms);
  const samples = await interleave('round', rounds, log, async (variant) => (await coldLint(variant)).ms);

  // Per-rule times need `stats: true`, which wraps every rule listener in a timer: taken apart from the timed rounds.
  const statRuns: RuleTimes[] = [];
  for (let run = 0; run < statsRuns; run++) statRuns.push(ruleTimes((await coldLint(VARIANTS[1], true)).results));
  resetCaches(); // leave no project service behind for what runs next
  collectGarbage();

  const cases = caseResults(samples);
  const msTable = markdownTable(
    ['variant', 'ms/op (median)', 'min', 'max', 'rounds', '× floor'],
    ['l', 'r', 'r', 'r', 'r', 'r'],
    VARIANTS.map((variant, i) => {
      const values = samples.get(variant)!;
      return [variant.name, ms(median(values)), ms(Math.min(...values)), ms(Math.max(...values)), String(values.length), `${cases[i]!.timesFloor.toFixed(2)}×`];
    }),
  );

  const notes = [
    `What is linted: \`fixtures/shop/src/**/*.ts\`, ${files.length} files (the example app), type-aware ` +
      '(`parserOptions.projectService: true`, `tsconfigRootDir` = fixtures/shop, so fixtures/shop/tsconfig.json). ' +
      'The floor is `tseslint.configs.recommendedTypeChecked` alone; the second row adds ' +
      `\`catga.configs['recommended-type-checked']\` from the built plugin (${CATGA_RULES.length} rules: ` +
      `${CATGA_RULES.map((id) => `\`${id}\``).join(', ')}). Before timing, each variant lints once and the run stops ` +
      'unless every file was linted, nothing is fatal, the Catga rules are on in the computed config and report ' +
      `nothing (the shop is clean), and the other findings are the same in both variants (${reference.length}, from ` +
      'typescript-eslint rules): the rows differ in cost, not in output.',
    'One op is one cold full lint in this process: typescript-eslint\'s caches are cleared (`clearCaches()` of ' +
      '@typescript-eslint/parser) and the heap collected, then a fresh `ESLint` (`overrideConfigFile: true`, the config ' +
      'passed inline, no cache) runs `lintFiles([\'src/**/*.ts\'])`. The parser keeps one TypeScript project service ' +
      'per process, which a new `ESLint` instance alone would reuse (the next lint then takes a fraction of the time); ' +
      'with the reset, every op builds the project service and the program from scratch, as a CI run does. Not in the ' +
      'op: starting Node and loading ESLint, typescript-eslint and the plugin, loaded once, with the JIT warm after ' +
      `the check lints and ${warmupRounds} untimed warm-up rounds; the next section times whole processes instead. ` +
      `${rounds} timed rounds, each linting once with both variants, order alternating between rounds.`,
    'These suites do not use Benchmark.js or batches (the Method section below describes the other suites). In the ' +
      'last table of each of them, in the format of the others, ns/op and × floor are medians of the rounds (ops/s ' +
      'rounds to 0 or 1 at this scale), ±rme is the 95 % margin of error of the mean of the rounds, shown as a measure ' +
      'of noise, and samples is the number of rounds. The same medians in milliseconds, with the spread of the rounds:',
    msTable,
  ];

  if (statRuns.length > 0) {
    const perRun = (pick: (run: RuleTimes) => number): number => median(statRuns.map(pick));
    const allRules = perRun((run) => [...run.rules.values()].reduce((a, b) => a + b, 0));
    const catgaTotal = perRun((run) => CATGA_RULES.reduce((a, id) => a + (run.rules.get(id) ?? 0), 0));
    const parse = perRun((run) => run.parse);
    const floor = cases[0]!.nsPerOp / 1e6;
    notes.push(
      verdict(cases, '; the Catga rules\' own time, below, is the sharper estimate'),
      `Where the time goes, from ${statRuns.length} more cold lints of the Catga variant with ESLint's \`stats: true\` ` +
        '(time in each rule\'s listeners summed over all files; medians of the runs; not in the rounds above, since ' +
        `the timers add overhead): parsing, which includes building the type-aware program, ${ms(parse)} ms; all rules ` +
        `${ms(allRules)} ms, of which the Catga rules ${ms1(catgaTotal)} ms (${pct((catgaTotal / allRules) * 100)} of ` +
        `rule time, ${pct((catgaTotal / floor) * 100)} of the floor's median lint). A rule that asks the type checker ` +
        'pays for what the checker computes on demand, so that work is in its time.',
      markdownTable(
        ['Catga rule', 'ms per lint'],
        ['l', 'r'],
        [...CATGA_RULES.map((id) => [`\`${id}\``, ms1(perRun((run) => run.rules.get(id) ?? 0))]), ['**all Catga rules**', `**${ms1(catgaTotal)}**`]],
      ),
    );
  } else {
    notes.push(verdict(cases));
  }

  log(`\n${msTable}\n  Catga / floor: ${cases[1]!.timesFloor.toFixed(2)}×\n`);
  return { report: { title: `${TITLE}, in process`, batchSize: 1, cases, notes }, reference };
}

// ---------------------------------------------------------------------------------------------------------------
// Fresh-process suite

const execFileAsync = promisify(execFile);

async function processLint(variant: Variant): Promise<{ wallMs: number; output: WorkerOutput }> {
  const started = performance.now();
  const { stdout } = await execFileAsync(process.execPath, [WORKER, variant.key], { cwd: SHOP_DIR, maxBuffer: 16 * 1024 * 1024 });
  const wallMs = performance.now() - started;
  return { wallMs, output: JSON.parse(stdout) as WorkerOutput };
}

async function freshProcessSuite(
  files: readonly string[],
  reference: readonly string[],
  options: LintCostOptions,
  log: (line: string) => void,
): Promise<SuiteReport> {
  const rounds = options.processRounds ?? 5;
  const warmupRounds = options.processWarmupRounds ?? 1;
  const split = new Map<Variant, Array<{ loadMs: number; lintMs: number }>>(VARIANTS.map((v) => [v, []]));
  // Every process's output is checked, warm-up or timed: a worker that failed fast would otherwise look cheap.
  const op = (keep: boolean) => async (variant: Variant): Promise<number> => {
    const { wallMs, output } = await processLint(variant);
    assertOutput(`fresh-process "${variant.name}"`, output.summary, files.length, reference);
    if (keep) split.get(variant)!.push({ loadMs: output.loadMs, lintMs: output.lintMs });
    return wallMs;
  };
  await interleave('warm-up', warmupRounds, log, op(false));
  const samples = await interleave('round', rounds, log, op(true));

  const cases = caseResults(samples);
  const msTable = markdownTable(
    ['variant', 'wall ms/op (median)', 'min', 'max', 'loading (median)', 'linting (median)', 'rounds', '× floor'],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    VARIANTS.map((variant, i) => {
      const values = samples.get(variant)!;
      const parts = split.get(variant)!;
      return [
        variant.name,
        ms(median(values)),
        ms(Math.min(...values)),
        ms(Math.max(...values)),
        ms(median(parts.map((p) => p.loadMs))),
        ms(median(parts.map((p) => p.lintMs))),
        String(values.length),
        `${cases[i]!.timesFloor.toFixed(2)}×`,
      ];
    }),
  );
  const notes = [
    'The same lint and the same two configs, each op a new Node process (bench/dist/suites/lint-worker.js) that ' +
      'imports ESLint and typescript-eslint (and, for the second row only, the Catga plugin), builds the config, lints ' +
      '`src/**/*.ts` once and exits: what `npx eslint` costs in a CI job, minus finding and loading an ' +
      'eslint.config file. The time is the process\'s wall time, Node start-up included; *loading* and *linting* split ' +
      'it as the worker measured them (the rest is Node start-up and exit). The output of every process is checked ' +
      `as above. ${warmupRounds} untimed ${warmupRounds === 1 ? 'round' : 'rounds'}, then ${rounds} timed rounds, order ` +
      'alternating between rounds.',
    msTable,
    verdict(cases),
  ];
  log(`\n${msTable}\n  Catga / floor: ${cases[1]!.timesFloor.toFixed(2)}×\n`);
  return { title: `${TITLE}, fresh process per lint`, batchSize: 1, cases, notes };
}

/** Both lint-cost suites: in process (cold project service, warm JIT), then one fresh process per lint. */
export async function lintCost(options: LintCostOptions = {}): Promise<SuiteReport[]> {
  const log = options.log ?? (() => undefined);
  const files = await shopFiles();
  if (files.length === 0) throw new Error(`no .ts files under ${SHOP_DIR}/src`);
  log('  in process\n');
  const { report, reference } = await inProcessSuite(files, options, log);
  log('  fresh process per lint\n');
  return [report, await freshProcessSuite(files, reference, options, log)];
}
