/**
 * What the NATS suites (nats-request.ts, nats-jetstream.ts) share: the server they run against, the messages they
 * send, the responder processes they fork, and the closed-loop load they time.
 *
 * An op takes microseconds to milliseconds and depends on a server, so these suites do not go through Benchmark.js
 * (see harness.ts): each variant runs for a fixed time with a fixed number of operations in flight, in interleaved
 * rounds, and the rows report medians of the rounds in the harness's row format, plus tables with latencies.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CatgaEvent, Event } from '@catga/runtime';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import type { CaseResult } from '../harness.js';
import { markdownTable } from '../report.js';
import { median, rmePercent } from '../stats.js';
import type { OrderFields } from './order.js';

/** The server of every NATS suite: `NATS_URL`, else the loopback default. */
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** How long the suites wait for the server to answer before they give up with a clear message. */
const CONNECT_TIMEOUT_MS = 5_000;

/** Why a NATS suite cannot run, as one line a reader can act on. */
function unreachable(what: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(
    `the NATS suites need a nats-server at ${NATS_URL}, with JetStream for nats-jetstream (set NATS_URL to use another loopback server): ${what}: ${reason}`,
    { cause },
  );
}

/**
 * A plain connection with nats.js's default options (what a user of the raw client gets), or the ones given. Fails
 * within {@link CONNECT_TIMEOUT_MS} with a message naming the server instead of retrying.
 */
export async function connectRaw(options: { name: string; noAsyncTraces?: boolean }): Promise<NatsConnection> {
  try {
    return await connect({ servers: NATS_URL, name: options.name, timeout: CONNECT_TIMEOUT_MS, ...(options.noAsyncTraces ? { noAsyncTraces: true } : {}) });
  } catch (error) {
    throw unreachable('cannot connect', error);
  }
}

/** Host and port of the first server of a NATS URL list (`nats://host:port`, `host:port`; default port 4222). */
function hostAndPort(urls: string): { host: string; port: number } {
  const url = urls.split(',')[0]!.trim();
  const parsed = new URL(/^[a-z]+:\/\//i.test(url) ? url : `nats://${url}`);
  return { host: parsed.hostname, port: parsed.port === '' ? 4222 : Number(parsed.port) };
}

/** The server's INFO greeting, read over a plain socket that is always destroyed (connected or not, answered or not). */
function readGreeting(url: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const { host, port } = hostAndPort(url);
    const socket = createConnection({ host, port });
    let received = '';
    const done = (error: Error | undefined, info?: Record<string, unknown>): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error === undefined) resolve(info!);
      else reject(error);
    };
    const timer = setTimeout(() => done(new Error(`no INFO greeting within ${CONNECT_TIMEOUT_MS} ms (is it a NATS server?)`)), CONNECT_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('error', (error) => done(error));
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\r\n');
      if (end < 0) return;
      const line = received.slice(0, end);
      if (!line.startsWith('INFO ')) return done(new Error(`it greeted with "${line.slice(0, 40)}", not a NATS INFO line`));
      try {
        done(undefined, JSON.parse(line.slice(5)) as Record<string, unknown>);
      } catch (error) {
        done(error as Error);
      }
    });
  });
}

/**
 * Checks that the server answers (and, for `jetstream`, that JetStream is on) before anything is forked or built,
 * so an unreachable server fails the suite at once. Reads the greeting over a plain socket rather than with nats.js,
 * whose `connect` leaves its socket open after a timeout (the process would then never exit). Returns the server's
 * version for the notes.
 */
export async function probeServer(jetstream: boolean): Promise<string> {
  let info: Record<string, unknown>;
  try {
    info = await readGreeting(NATS_URL);
  } catch (error) {
    throw unreachable('cannot connect', error);
  }
  if (jetstream && info.jetstream !== true) {
    throw unreachable('JetStream is not available', new Error('the server\'s INFO has no "jetstream": true (start nats-server with -js)'));
  }
  return typeof info.version === 'string' ? info.version : 'unknown';
}

/** Rejects with `message` when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A subject prefix of this run only (`bench_<hex>`), so runs and other users of the server never collide. */
export function uniquePrefix(): string {
  return `bench_${randomBytes(5).toString('hex')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

/**
 * The reliable event of the JetStream suite: the five fields of the in-process suites' command, as an event stored
 * by JetStream before `publish` resolves (`qos: 1`).
 */
@CatgaEvent({ qos: 1 })
export class OrderPlacedReliably extends Event implements OrderFields {
  constructor(
    readonly orderId: string,
    readonly customerId: string,
    readonly sku: string,
    readonly qty: number,
    readonly price: number,
  ) {
    super();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Responder processes

const WORKER = fileURLToPath(new URL('./nats-worker.js', import.meta.url));
const WORKER_READY_TIMEOUT_MS = 20_000;
const WORKER_STOP_TIMEOUT_MS = 5_000;

/** What a responder process runs: a raw nats.js echo responder, or a Catga instance with the order handler. */
export type ResponderKind = 'raw' | 'catga';

/** What a worker reports over IPC. */
export type WorkerReport = { readonly type: 'ready' } | { readonly type: 'failed'; readonly message: string };

/** The subject the raw responder answers on. */
export function rawRequestSubject(prefix: string): string {
  return `${prefix}.raw.echo`;
}

/** A forked responder; `stop()` closes its connection and waits for it to exit (killing it if it does not). */
export interface Responder {
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Forks bench/dist/suites/nats-worker.js and resolves once its subscriptions are registered on the server. Rejects
 * (and kills the child) when it reports a failure, exits, or is not ready within {@link WORKER_READY_TIMEOUT_MS}.
 */
export async function startResponder(kind: ResponderKind, prefix: string): Promise<Responder> {
  // The worker's output (a log line of Catga's transport, say) goes to stderr: stdout carries only the tables.
  const child = fork(WORKER, [kind, NATS_URL, kind === 'raw' ? rawRequestSubject(prefix) : prefix], { stdio: ['ignore', 2, 2, 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send('stop');
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), WORKER_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        child.on('message', (report: WorkerReport) => {
          if (report.type === 'ready') resolve();
          else reject(new Error(`the ${kind} responder process failed: ${report.message}`));
        });
        child.once('error', reject);
        child.once('exit', (code, signal) => reject(new Error(`the ${kind} responder process exited (${signal ?? `code ${code}`}) before it was ready`)));
      }),
      WORKER_READY_TIMEOUT_MS,
      `the ${kind} responder process was not ready`,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: child.pid, stop };
}

/** Stops every responder, also when one fails to stop. */
export async function stopAll(responders: readonly Responder[]): Promise<void> {
  await Promise.allSettled(responders.map((responder) => responder.stop()));
}

// ---------------------------------------------------------------------------------------------------------------
// Closed-loop load

/** One timed way of doing the operation at one number of operations in flight. */
export interface LoadVariant {
  readonly name: string;
  /** Operations in flight: each of this many loops awaits one op, then starts the next. */
  readonly concurrency: number;
  /** Performs exactly one operation. */
  send(): Promise<unknown>;
  /**
   * Why an op's output is a failure, or `undefined`: one property read (`result.ok`, a byte length), so a failing
   * server cannot produce a fast wrong number. The same cheap check for every row.
   */
  failure(output: unknown): string | undefined;
}

/** What one fixed-time run of one variant measured. */
export interface LoadSample {
  readonly ops: number;
  readonly opsPerSec: number;
  /** Latency percentiles of the run's ops, in microseconds. */
  readonly p50Us: number;
  readonly p99Us: number;
}

/**
 * How long after a run's end its last ops may take before the run is declared stalled. Far above any healthy
 * latency (tens of ms at 100 in flight); the raw floor has no timeout of its own, and Catga's send waits 30 s.
 */
const STALL_MS = 10_000;

/** The `q`-quantile (nearest rank) of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * Runs `variant` for `durationMs`: `concurrency` loops, each timing one awaited op after another until the time is
 * up (ops started before then are awaited and counted). Throughput is ops over the wall time until the last one
 * ended. Throws on the first failed op.
 */
export async function runFor(variant: LoadVariant, durationMs: number): Promise<LoadSample> {
  const latencies: number[] = [];
  let failed: string | undefined;
  const started = performance.now();
  const end = started + durationMs;
  const loop = async (): Promise<void> => {
    let before = performance.now();
    while (before < end && failed === undefined) {
      let problem: string | undefined;
      try {
        problem = variant.failure(await variant.send());
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
      }
      const after = performance.now();
      latencies.push(after - before);
      if (problem !== undefined) failed ??= problem;
      before = after;
    }
  };
  // A server that stops answering must not hang the run: ops without a timeout of their own (the raw floor) would
  // wait forever, so the run gives up a while after its time is over.
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    watchdog = setTimeout(() => {
      failed ??= 'stalled';
      reject(new Error(`"${variant.name}" stalled: ops still unanswered ${STALL_MS / 1_000} s after the run's end (is the NATS server still up?)`));
    }, durationMs + STALL_MS);
  });
  try {
    await Promise.race([Promise.all(Array.from({ length: variant.concurrency }, loop)), stalled]);
  } finally {
    clearTimeout(watchdog);
  }
  const elapsedMs = performance.now() - started;
  if (failed !== undefined) throw new Error(`"${variant.name}" failed while timed: ${failed}`);
  const sorted = Float64Array.from(latencies).sort();
  return {
    ops: latencies.length,
    opsPerSec: (latencies.length / elapsedMs) * 1_000,
    p50Us: quantile(sorted, 0.5) * 1_000,
    p99Us: quantile(sorted, 0.99) * 1_000,
  };
}

/** Options of the NATS suites. The defaults keep each of them near a minute on the bench VM. */
export interface NatsSuiteOptions {
  /**
   * Timed rounds; each runs every variant once for `durationMs`, order alternating. Default 5: the client, the
   * responder and the server share two vCPUs, and a median of five shrugs off a round a neighbour disturbed.
   */
  readonly rounds?: number;
  /** Length of one timed run, in ms. Default 1,500. */
  readonly durationMs?: number;
  /** Untimed run of every variant before the rounds (JIT, connections, the server's caches), in ms. Default 1,000. */
  readonly warmupMs?: number;
  /** Progress lines (stderr in run.ts). */
  readonly log?: (line: string) => void;
}

/** {@link NatsSuiteOptions} with the defaults applied. */
export function loadSettings(options: NatsSuiteOptions): { rounds: number; durationMs: number; warmupMs: number } {
  return { rounds: options.rounds ?? 5, durationMs: options.durationMs ?? 1_500, warmupMs: options.warmupMs ?? 1_000 };
}

/** Every timed run of every variant, by variant. */
export type LoadSamples = ReadonlyMap<LoadVariant, readonly LoadSample[]>;

const integer = (value: number): string => value.toLocaleString('en-US', { maximumFractionDigits: 0 });
const oneDecimal = (value: number): string => value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/**
 * One untimed warm-up run of every variant, then interleaved timed rounds, order reversed every other round so a
 * drift over the run (JIT, heap, neighbours on the VM, the stream growing) weighs on every variant alike.
 */
export async function interleavedRounds(variants: readonly LoadVariant[], options: NatsSuiteOptions): Promise<LoadSamples> {
  const { rounds, durationMs, warmupMs } = loadSettings(options);
  const log = options.log ?? (() => undefined);
  const describe = (sample: LoadSample): string =>
    `${integer(sample.opsPerSec)} ops/s, p50 ${oneDecimal(sample.p50Us)} µs, p99 ${oneDecimal(sample.p99Us)} µs`;
  if (warmupMs > 0) {
    for (const variant of variants) log(`  warm-up, ${variant.name}: ${describe(await runFor(variant, warmupMs))}\n`);
  }
  const samples = new Map<LoadVariant, LoadSample[]>(variants.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const sample = await runFor(variant, durationMs);
      samples.get(variant)!.push(sample);
      log(`  round ${round + 1}/${rounds}, ${variant.name}: ${describe(sample)}\n`);
    }
  }
  return samples;
}

/** The medians of one variant's rounds. */
export interface LoadSummary {
  readonly opsPerSec: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** 95 % margin of error of the mean ops/s of the rounds, in percent (a measure of noise). */
  readonly rmePercent: number;
  readonly rounds: number;
}

export function summarize(samples: readonly LoadSample[]): LoadSummary {
  return {
    opsPerSec: median(samples.map((s) => s.opsPerSec)),
    p50Us: median(samples.map((s) => s.p50Us)),
    p99Us: median(samples.map((s) => s.p99Us)),
    rmePercent: rmePercent(samples.map((s) => s.opsPerSec)),
    rounds: samples.length,
  };
}

/**
 * Rows in the harness's format: ops/s is the median of the rounds and ns/op its reciprocal (wall time per completed
 * op: at more than one op in flight that is not a latency), ±rme is of the mean ops/s, samples is the number of
 * rounds, and × floor is this row's ns/op over that of `floorOf(variant)`, the baseline measured at the same
 * concurrency in the same run.
 */
export function caseResults(
  variants: readonly LoadVariant[],
  samples: LoadSamples,
  floorOf: (variant: LoadVariant) => LoadVariant,
): CaseResult[] {
  return variants.map((variant) => {
    const summary = summarize(samples.get(variant)!);
    const floor = summarize(samples.get(floorOf(variant))!);
    return {
      name: variant.name,
      opsPerSec: summary.opsPerSec,
      nsPerOp: 1e9 / summary.opsPerSec,
      rmePercent: summary.rmePercent,
      samples: summary.rounds,
      timesFloor: floor.opsPerSec / summary.opsPerSec,
    };
  });
}

/** The table of medians with latencies: variant | in flight | ops/s | p50 µs | p99 µs | ±rme | rounds. */
export function latencyTable(variants: readonly LoadVariant[], samples: LoadSamples): string {
  return markdownTable(
    ['variant', 'in flight', 'ops/s (median)', 'p50 µs', 'p99 µs', '±rme (ops/s)', 'rounds'],
    ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    variants.map((variant) => {
      const s = summarize(samples.get(variant)!);
      return [variant.name, String(variant.concurrency), integer(s.opsPerSec), oneDecimal(s.p50Us), oneDecimal(s.p99Us), `±${s.rmePercent.toFixed(1)} %`, String(s.rounds)];
    }),
  );
}

/** One measured target: a label, the measured value as text, the target as text, and whether it is met. */
export interface TargetRow {
  readonly label: string;
  readonly measured: string;
  readonly target: string;
  readonly met: boolean;
}

/** The targets table: target | measured | target | verdict ("met" or "**not met**", from the measurement). */
export function targetTable(rows: readonly TargetRow[]): string {
  return markdownTable(
    ['target', 'measured', 'target', 'verdict'],
    ['l', 'r', 'r', 'l'],
    rows.map((row) => [row.label, row.measured, row.target, row.met ? 'met' : '**not met**']),
  );
}

/** The targets as progress lines. */
export function targetLines(rows: readonly TargetRow[]): string {
  return rows.map((row) => `  ${row.label}: ${row.measured} (target ${row.target}: ${row.met ? 'met' : 'not met'})\n`).join('');
}

/** Formats a ratio like `3.42×`. */
export const times = (ratio: number): string => `${ratio.toFixed(2)}×`;

/** Formats microseconds as milliseconds with one decimal, e.g. `12.3 ms`. */
export const msFromUs = (us: number): string => `${oneDecimal(us / 1_000)} ms`;
