/**
 * Entry point of `npm run bench`: runs every suite, prints the tables to stdout and writes
 * docs/benchmarks/RESULTS.md at the repository root (found from this file, whatever the working directory).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CaseResult, HARNESS_DEFAULTS, type HarnessOptions } from './harness.js';
import { collectMachineInfo } from './machine.js';
import { renderReport, renderSuiteTable, type SuiteReport } from './report.js';
import { inProcessSend } from './suites/in-process-send.js';
import { lintCost } from './suites/lint.js';
import { pipelineBehaviors } from './suites/pipeline-behaviors.js';

// Compiled to bench/dist/run.js, so the repository root is two levels up.
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS_FILE = fileURLToPath(new URL('../../docs/benchmarks/RESULTS.md', import.meta.url));

function progress(result: CaseResult): void {
  // Progress goes to stderr so stdout carries only the tables.
  process.stderr.write(
    `  ${result.name}: ${Math.round(result.opsPerSec).toLocaleString('en-US')} ops/s, ` +
      `${result.nsPerOp.toFixed(1)} ns/op ±${result.rmePercent.toFixed(1)} % (${result.samples} samples)\n`,
  );
}

async function main(): Promise<void> {
  const started = performance.now();
  const machine = await collectMachineInfo();
  const options: HarnessOptions = { ...HARNESS_DEFAULTS, onCase: progress };

  const suites: SuiteReport[] = [];
  process.stderr.write('In-process send\n');
  suites.push(await inProcessSend(options));
  // After the in-process suite: mediatr-ts behaviours are global once registered (see suites/peers/mediatr-behaviors.ts).
  process.stderr.write('Pipeline behaviours\n');
  suites.push(await pipelineBehaviors(options));
  // Seconds per op, so not Benchmark.js: interleaved cold lints timed by the suite itself (see suites/lint.ts).
  process.stderr.write('Lint cost of the Catga typed config\n');
  suites.push(...(await lintCost({ log: (line) => process.stderr.write(line) })));

  const markdown = renderReport({ machine, suites, settings: HARNESS_DEFAULTS, elapsedSeconds: (performance.now() - started) / 1000 });
  for (const suite of suites) process.stdout.write(`\n## ${suite.title}\n\n${renderSuiteTable(suite)}\n`);
  await mkdir(dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, markdown);
  process.stdout.write(`\nWrote ${relative(REPO_ROOT, RESULTS_FILE)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
