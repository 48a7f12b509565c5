/**
 * Entry point of `npm run bench`: runs every suite, prints the tables to stdout and writes
 * docs/benchmarks/RESULTS.md at the repository root (found from this file, whatever the working directory).
 *
 * `npm run bench -w bench -- <key>…` runs only the suites named (keys: {@link SUITE_KEYS}) and prints their
 * sections, notes included, with the machine they ran on, without writing RESULTS.md (which holds a full run).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CaseResult, HARNESS_DEFAULTS, type HarnessOptions } from './harness.js';
import { collectMachineInfo, type MachineInfo } from './machine.js';
import { renderReport, renderSuiteTable, type SuiteReport } from './report.js';
import { codecSuite } from './suites/codec.js';
import { compileTime } from './suites/compile-time.js';
import { inProcessSend } from './suites/in-process-send.js';
import { lintCost } from './suites/lint.js';
import { natsJetStream } from './suites/nats-jetstream.js';
import { natsRequest } from './suites/nats-request.js';
import { pipelineBehaviors } from './suites/pipeline-behaviors.js';
import { precompiledSend } from './suites/precompiled-send.js';
import { redisSuites } from './suites/redis.js';

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

/** The suites in run order, by the key that selects them on the command line. */
const SUITE_KEYS = ['in-process', 'precompiled', 'pipeline', 'codec', 'lint', 'compile-time', 'nats-request', 'nats-jetstream', 'redis'] as const;
type SuiteKey = (typeof SUITE_KEYS)[number];

/** The suites named on the command line, or `undefined` (all of them) when none is. */
function selectedSuites(args: readonly string[]): ReadonlySet<SuiteKey> | undefined {
  if (args.length === 0) return undefined;
  const unknown = args.filter((arg) => !(SUITE_KEYS as readonly string[]).includes(arg));
  if (unknown.length > 0) throw new Error(`unknown suite ${unknown.join(', ')}; the suites are ${SUITE_KEYS.join(', ')}`);
  return new Set(args as SuiteKey[]);
}

/** The machine table of RESULTS.md on one line, for the sections a partial run prints. */
function machineLine(machine: MachineInfo): string {
  return (
    `${machine.cpuModel} × ${machine.cpuCount}, ${(machine.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB, Node.js ${machine.node}, ` +
    `${machine.os}, load average at start ${machine.loadAverage.map((l) => l.toFixed(2)).join(' / ')}, ${machine.date}, ` +
    `msgpackr native acceleration ${machine.msgpackrNative ? 'on' : 'off'}`
  );
}

async function main(): Promise<void> {
  const started = performance.now();
  const selected = selectedSuites(process.argv.slice(2));
  const runs = (key: SuiteKey): boolean => selected === undefined || selected.has(key);
  const log = (line: string): void => void process.stderr.write(line);
  const machine = await collectMachineInfo();
  const options: HarnessOptions = { ...HARNESS_DEFAULTS, onCase: progress };

  const suites: SuiteReport[] = [];
  if (runs('in-process')) {
    process.stderr.write('In-process send\n');
    suites.push(await inProcessSend(options));
  }
  // Compiles bench/fixtures/precompiled with tspc and tsc first. Before the pipeline suite, for the mediatr-ts row.
  if (runs('precompiled')) {
    process.stderr.write('Precompiled send\n');
    suites.push(await precompiledSend({ ...options, log }));
  }
  // After the in-process suites: mediatr-ts behaviours are global once registered (see suites/peers/mediatr-behaviors.ts).
  if (runs('pipeline')) {
    process.stderr.write('Pipeline behaviours\n');
    suites.push(await pipelineBehaviors(options));
  }
  // Benchmark.js like the suites above: the runtime's codecs and the NATS transport's wire path, no network.
  if (runs('codec')) {
    process.stderr.write('Codec: msgpack against JSON\n');
    suites.push(await codecSuite({ ...options, log }));
  }
  // Seconds per op, so not Benchmark.js: interleaved cold lints timed by the suite itself (see suites/lint.ts).
  if (runs('lint')) {
    process.stderr.write('Lint cost of the Catga typed config\n');
    suites.push(...(await lintCost({ log })));
  }
  // Seconds per op as well: interleaved cold tsc/tspc processes (see suites/compile-time.ts).
  if (runs('compile-time')) {
    process.stderr.write('Compile time of the transformer\n');
    suites.push(await compileTime({ log }));
  }
  // Fixed-time closed-loop load against the NATS server (NATS_URL or nats://127.0.0.1:4222), not Benchmark.js
  // (see suites/nats-common.ts); each fails at once with a clear message when the server is not reachable.
  if (runs('nats-request')) {
    process.stderr.write('NATS request/reply (responders in forked processes)\n');
    suites.push(await natsRequest({ log }));
  }
  if (runs('nats-jetstream')) {
    process.stderr.write('NATS JetStream publish\n');
    suites.push(await natsJetStream({ log }));
  }
  // The same closed-loop method against Redis (REDIS_URL or redis://127.0.0.1:6379), plus the outbox's throughput
  // (see suites/redis.ts); fails at once with a clear message when the server is not reachable.
  if (runs('redis')) {
    process.stderr.write('Redis persistence\n');
    suites.push(...(await redisSuites({ log })));
  }

  if (selected !== undefined) {
    // A partial run: RESULTS.md keeps the last full run. Print the sections as the report would render them.
    process.stdout.write(`\nMachine: ${machineLine(machine)}\n`);
    for (const suite of suites) {
      process.stdout.write(`\n## ${suite.title}\n\n${[...(suite.notes ?? []), renderSuiteTable(suite)].join('\n\n')}\n`);
    }
    process.stdout.write(`\nPartial run (${[...selected].join(', ')}, ${Math.round((performance.now() - started) / 1000)} s): RESULTS.md not written.\n`);
    return;
  }

  const markdown = renderReport({ machine, suites, settings: HARNESS_DEFAULTS, elapsedSeconds: (performance.now() - started) / 1000 });
  for (const suite of suites) process.stdout.write(`\n## ${suite.title}\n\n${renderSuiteTable(suite)}\n`);
  await mkdir(dirname(RESULTS_FILE), { recursive: true });
  await writeFile(RESULTS_FILE, markdown);
  process.stdout.write(`\nWrote ${relative(REPO_ROOT, RESULTS_FILE)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
  // A failed suite may leave a handle open (nats.js keeps the socket of a connect that timed out): exit anyway.
  setTimeout(() => process.exit(1), 5_000).unref();
});
