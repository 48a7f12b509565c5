/**
 * Suite "NATS request/reply": throughput and latency of one command sent to a handler in another process over a
 * NATS server, through Catga's NATS transport (`client.send()`), against the raw nats.js client: `nc.request()` as
 * users call it, and the floor of what a client can do (`nc.publish` with a reply subject, one wildcard reply
 * subscription, a `Map` for correlation). Each row runs with 1 and with 100 requests in flight.
 *
 * The responders run in forked processes (nats-worker.ts). Timing is fixed-time closed-loop load in interleaved
 * rounds (nats-common.ts), not Benchmark.js.
 */
import { type Catga, type CatgaResult, createCatga, isCatgaError } from '@catga/runtime';
import { natsTransport } from '@catga/runtime/nats';
import { isDeepStrictEqual } from 'node:util';
import { createInbox, type Msg, MsgHdrsImpl, type NatsConnection } from '@nats-io/nats-core';
import type { SuiteReport } from '../report.js';
import { CreateOrder } from './catga-variants.js';
import {
  caseResults,
  connectRaw,
  interleavedRounds,
  latencyTable,
  loadSettings,
  type LoadVariant,
  NATS_URL,
  type NatsSuiteOptions,
  probeServer,
  rawRequestSubject,
  type Responder,
  startResponder,
  stopAll,
  summarize,
  targetLines,
  type TargetRow,
  targetTable,
  times,
  uniquePrefix,
  withTimeout,
} from './nats-common.js';
import { type Placed, SAMPLE_ORDER } from './order.js';

const TITLE = 'NATS request/reply';
/** The issue's targets, as throughput ratios measured in the same run. */
const TARGET_VS_REQUEST = 3; // Catga / raw nc.request(), at 100 in flight
const TARGET_VS_FLOOR = 0.85; // Catga / raw floor, at every concurrency
const CONCURRENCY = [1, 100] as const;
const CHECK_TIMEOUT_MS = 10_000;

/** The rows of one concurrency, in report order: the floor first. */
interface Group {
  readonly concurrency: number;
  readonly floor: LoadVariant;
  readonly request: LoadVariant;
  readonly catga: LoadVariant;
  readonly diagnostic: LoadVariant;
}

/** What one Catga request looks like on the wire, captured once before timing. */
interface CatgaWire {
  readonly body: Uint8Array;
  readonly headerBytes: number;
}

const expected: Placed = { orderId: SAMPLE_ORDER.orderId, total: SAMPLE_ORDER.qty * SAMPLE_ORDER.price };

/**
 * The raw floor: every reply comes back on one wildcard subscription of a private inbox and is matched to its
 * request through a `Map` by the last subject token, the least a correct request/reply client can do. No timeout:
 * the floor pays for nothing it does not need here.
 */
function floorRequester(nc: NatsConnection): { request(subject: string, data: Uint8Array): Promise<Uint8Array> } {
  const inbox = createInbox();
  const pending = new Map<number, (data: Uint8Array) => void>();
  let next = 0;
  nc.subscribe(`${inbox}.*`, {
    callback: (error, msg) => {
      if (error !== null) return;
      const id = Number.parseInt(msg.subject.slice(inbox.length + 1), 36);
      const resolve = pending.get(id);
      if (resolve === undefined) return;
      pending.delete(id);
      resolve(msg.data);
    },
  });
  return {
    request: (subject, data) =>
      new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        nc.publish(subject, data, { reply: `${inbox}.${id.toString(36)}` });
      }),
  };
}

/** Captures the body and header size of one Catga request with a one-message spy subscription (before timing). */
async function captureCatgaRequest(spy: NatsConnection, prefix: string, send: () => Promise<unknown>): Promise<CatgaWire> {
  const captured = new Promise<Msg>((resolve) => spy.subscribe(`${prefix}.cmd.${CreateOrder.name}`, { max: 1, callback: (_, msg) => resolve(msg) }));
  await spy.flush();
  await send();
  const msg = await withTimeout(captured, CHECK_TIMEOUT_MS, 'the Catga request was not seen on its subject');
  return { body: Uint8Array.from(msg.data), headerBytes: msg.headers instanceof MsgHdrsImpl ? msg.headers.encode().byteLength : 0 };
}

function catgaFailure(output: unknown): string | undefined {
  const result = output as CatgaResult<Placed>;
  return result.ok ? undefined : `${result.error.code}: ${result.error.message}`;
}

/** Sets up every variant (responders forked, connections opened), times them, and releases everything. */
export async function natsRequest(options: NatsSuiteOptions = {}): Promise<SuiteReport> {
  const log = options.log ?? (() => undefined);
  const serverVersion = await probeServer(false);
  const prefix = uniquePrefix();
  const responders: Responder[] = [];
  const connections: NatsConnection[] = [];
  let client: Catga | undefined;
  try {
    responders.push(await startResponder('raw', prefix), await startResponder('catga', prefix));
    log(`  responders forked (pids ${responders.map((r) => r.pid).join(', ')}), subject prefix ${prefix}, nats-server ${serverVersion}\n`);
    const raw = await connectRaw({ name: 'catga-bench-raw-client' });
    connections.push(raw);
    const traceless = await connectRaw({ name: 'catga-bench-raw-client-no-traces', noAsyncTraces: true });
    connections.push(traceless);
    client = await createCatga({ name: 'bench-client', preset: 'highPerformance' })
      .messages(CreateOrder)
      .withTransport(natsTransport({ servers: NATS_URL, prefix }))
      .start();
    const catga = client;
    const { orderId, customerId, sku, qty, price } = SAMPLE_ORDER;
    const command = new CreateOrder(orderId, customerId, sku, qty, price);
    const sendCatga = (): Promise<CatgaResult<Placed>> => catga.send(command);

    // Check before timing: Catga's reply is the handler's value; the raw responder echoes the bytes it was sent,
    // which are the very body of a Catga request (same payload size; the raw rows send no headers).
    const first = await withTimeout(sendCatga(), CHECK_TIMEOUT_MS, 'no reply to a Catga send');
    if (!first.ok || !isDeepStrictEqual(first.value, expected)) {
      throw new Error(`Catga send over NATS returned ${first.ok ? JSON.stringify(first.value) : `${first.error.code}: ${first.error.message}`}`);
    }
    const wire = await captureCatgaRequest(raw, prefix, sendCatga);
    const payload = wire.body;
    const rawSubject = rawRequestSubject(prefix);
    const floor = floorRequester(raw);
    const echoed = (data: Uint8Array, what: string): void => {
      if (Buffer.compare(data, payload) !== 0) throw new Error(`${what} did not echo the request's bytes`);
    };
    echoed((await withTimeout(raw.request(rawSubject, payload), CHECK_TIMEOUT_MS, 'no reply to nc.request()')).data, 'nc.request()');
    echoed(await withTimeout(floor.request(rawSubject, payload), CHECK_TIMEOUT_MS, 'no reply to the floor'), 'the floor');
    echoed((await withTimeout(traceless.request(rawSubject, payload), CHECK_TIMEOUT_MS, 'no reply to nc.request()')).data, 'nc.request() (noAsyncTraces)');

    const sizeMismatch = (data: Uint8Array): string | undefined => (data.byteLength === payload.byteLength ? undefined : `reply of ${data.byteLength} bytes`);
    const groups: Group[] = CONCURRENCY.map((concurrency) => ({
      concurrency,
      floor: {
        name: `raw floor: nc.publish + one wildcard reply subscription, ${concurrency} in flight`,
        concurrency,
        send: () => floor.request(rawSubject, payload),
        failure: (output) => sizeMismatch(output as Uint8Array),
      },
      request: {
        name: `raw nc.request(), ${concurrency} in flight`,
        concurrency,
        send: () => raw.request(rawSubject, payload),
        failure: (output) => sizeMismatch((output as Msg).data),
      },
      catga: {
        name: `Catga client.send(), ${concurrency} in flight`,
        concurrency,
        send: sendCatga,
        failure: catgaFailure,
      },
      diagnostic: {
        name: `diagnostic: raw nc.request(), connection with noAsyncTraces, ${concurrency} in flight`,
        concurrency,
        send: () => traceless.request(rawSubject, payload),
        failure: (output) => sizeMismatch((output as Msg).data),
      },
    }));
    const variants = groups.flatMap((g) => [g.floor, g.request, g.catga, g.diagnostic]);
    const floorOf = new Map(groups.flatMap((g) => [g.floor, g.request, g.catga, g.diagnostic].map((v) => [v, g.floor] as const)));

    const samples = await interleavedRounds(variants, options);
    const cases = caseResults(variants, samples, (variant) => floorOf.get(variant)!);

    const ops = (variant: LoadVariant): number => summarize(samples.get(variant)!).opsPerSec;
    const targets: TargetRow[] = [];
    for (const group of groups) {
      const vsRequest = ops(group.catga) / ops(group.request);
      if (group.concurrency === 100) {
        targets.push({
          label: `Catga / raw nc.request(), ${group.concurrency} in flight (ops/s)`,
          measured: times(vsRequest),
          target: `≥ ${TARGET_VS_REQUEST.toFixed(1)}×`,
          met: vsRequest >= TARGET_VS_REQUEST,
        });
      }
      const vsFloor = ops(group.catga) / ops(group.floor);
      targets.push({
        label: `Catga / raw floor, ${group.concurrency} in flight (ops/s)`,
        measured: times(vsFloor),
        target: `≥ ${TARGET_VS_FLOOR.toFixed(2)}×`,
        met: vsFloor >= TARGET_VS_FLOOR,
      });
    }
    const sequential = groups.find((g) => g.concurrency === 1)!;
    const table = latencyTable(variants, samples);
    log(`\n${table}\n${targetLines(targets)}`);

    const { rounds, durationMs, warmupMs } = loadSettings(options);
    const notes = [
      `One op is one request answered by another process through nats-server ${serverVersion} on ${NATS_URL} ` +
        '(loopback), awaited by the caller. *Catga client.send()* sends the in-process suites\' command (five fields: ' +
        'orderId, customerId, sku, qty, price; built once) from a Catga instance (`highPerformance` preset, ' +
        '`natsTransport({ servers, prefix })`, default msgpack codec, `.messages(CreateOrder)` and no local handler) to ' +
        'a forked process running a Catga instance with the order handler (returns `{ orderId, total: qty * price }`); ' +
        `the result is a \`CatgaResult\`. A Catga request is ${wire.body.byteLength} bytes of body plus ` +
        `${wire.headerBytes} bytes of headers (message id, type, correlation id, creation time, content type).`,
      `The raw rows use one nats.js connection with default options and send those very ${payload.byteLength} body ` +
        'bytes, without headers, to another forked process that only runs ' +
        '`nc.subscribe(subject, { callback: (e, m) => m.respond(m.data) })` (no decoding, the reply is the request). ' +
        '*raw nc.request()* is `nc.request(subject, data)` with default options. *raw floor* is what a client cannot ' +
        'do with less: `nc.publish(subject, data, { reply })` with reply subjects under one wildcard subscription ' +
        '(`createInbox() + \'.*\'`), replies matched to requests through a `Map` by the last subject token, no timeout. ' +
        'The *diagnostic* row is `nc.request()` on a connection opened with `noAsyncTraces: true`, the option Catga\'s ' +
        'transport sets (nats.js otherwise creates an `Error` per request for async stack traces): it shows how much ' +
        'of the gap to `nc.request()` that option alone explains.',
      `Method: this suite does not use Benchmark.js. Each variant runs for a fixed ${durationMs / 1_000} s with ` +
        '1 or 100 loops, each awaiting one op after another (a closed loop: 100 requests always in flight); every op\'s ' +
        'latency is recorded and every output gets one cheap check (a `result.ok`, a byte length), so a failing server ' +
        `stops the run instead of producing a fast wrong number. After an untimed ${warmupMs / 1_000} s run of every ` +
        `variant, ${rounds} timed rounds run every variant once, order reversed every other round. The table gives ` +
        'medians of the rounds: throughput (ops completed over the wall time of the run) and the 50th and 99th ' +
        'percentile latencies of one op as its caller sees it (at 100 in flight that includes waiting behind the ' +
        'other 99). The client, the responders and nats-server share the 2-vCPU VM, so absolute numbers move between ' +
        'runs; compare rows of one run.',
      table,
      'The targets, as ratios of the medians above (ops/s of Catga over ops/s of the raw row at the same ' +
        'concurrency). Not targets, for reference: Catga / raw nc.request() at 1 in flight ' +
        `${times(ops(sequential.catga) / ops(sequential.request))}, and Catga / the diagnostic row (nc.request() with ` +
        `noAsyncTraces) ${groups.map((g) => `${times(ops(g.catga) / ops(g.diagnostic))} at ${g.concurrency} in flight`).join(' and ')}.`,
      targetTable(targets),
      'In the table below, in the format of the other suites, ops/s is the median of the rounds, ns/op its ' +
        'reciprocal (wall time per completed op, not a latency when 100 are in flight), ±rme the 95 % margin of error of ' +
        'the mean ops/s of the rounds, samples the number of rounds, and × floor is relative to the floor row of the ' +
        'same concurrency.',
    ];
    return { title: TITLE, batchSize: 1, cases, notes };
  } finally {
    await client?.close().catch((error: unknown) => log(`  closing the Catga client failed: ${describe(error)}\n`));
    await stopAll(responders);
    await Promise.allSettled(connections.map((nc) => nc.close()));
  }
}

function describe(error: unknown): string {
  if (isCatgaError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
