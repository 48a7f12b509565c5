/**
 * Suite "NATS JetStream publish": reliable publishing, where `publish` resolves once the stream has stored the
 * message. Catga's `client.publish()` of a `@CatgaEvent({ qos: 1 })` event against the raw nats.js
 * `js.publish(subject, data)`, both to a file-storage stream on the same server, with the same body bytes, with 1
 * and with 100 publishes in flight.
 *
 * Timing is fixed-time closed-loop load in interleaved rounds (nats-common.ts), not Benchmark.js. Every stream the
 * run created (the raw one, Catga's `<PREFIX>_EVT_<Type>`, any `<PREFIX>_DLQ`) is deleted at the end.
 */
import { type Catga, createCatga, type PublishResult } from '@catga/runtime';
import { natsTransport } from '@catga/runtime/nats';
import { DiscardPolicy, jetstream, type JetStreamManager, jetstreamManager, type PubAck, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { type Msg, MsgHdrsImpl, nanos, type NatsConnection } from '@nats-io/nats-core';
import type { SuiteReport } from '../report.js';
import {
  caseResults,
  connectRaw,
  interleavedRounds,
  latencyTable,
  loadSettings,
  type LoadVariant,
  msFromUs,
  NATS_URL,
  type NatsSuiteOptions,
  OrderPlacedReliably,
  probeServer,
  summarize,
  targetLines,
  type TargetRow,
  targetTable,
  times,
  uniquePrefix,
  withTimeout,
} from './nats-common.js';
import { SAMPLE_ORDER } from './order.js';

const TITLE = 'NATS JetStream publish';
/** The issue's targets: Catga's reliable publish at ≥ 0.90× the raw throughput, with a p99 of at most 20 ms. */
const TARGET_VS_RAW = 0.9;
const TARGET_P99_MS = 20;
const CONCURRENCY = [1, 100] as const;
const CHECK_TIMEOUT_MS = 10_000;
/** Catga's defaults for an event stream (reliable-events.ts), given to the raw stream too so both store alike. */
const MAX_AGE_MS = 7 * 24 * 3_600_000;
const DUPLICATE_WINDOW_MS = 120_000;

interface Group {
  readonly concurrency: number;
  readonly raw: LoadVariant;
  readonly catga: LoadVariant;
  readonly diagnostic: LoadVariant;
}

/** Catga's stream name rule (wire-names.ts): `<PREFIX uppercased>_…`; every stream of this run starts so. */
const streamPrefix = (prefix: string): string => `${prefix.toUpperCase()}_`;

/** Deletes every stream whose name starts with this run's prefix, whoever created it. */
async function deleteStreams(jsm: JetStreamManager, prefix: string, log: (line: string) => void): Promise<string[]> {
  const deleted: string[] = [];
  const names: string[] = [];
  for await (const name of jsm.streams.names()) if (name.startsWith(streamPrefix(prefix))) names.push(name);
  for (const name of names) {
    try {
      await jsm.streams.delete(name);
      deleted.push(name);
    } catch (error) {
      log(`  could not delete stream ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  return deleted;
}

function catgaFailure(output: unknown): string | undefined {
  const result = output as PublishResult;
  return result.ok ? undefined : `${result.error.code}: ${result.error.message}`;
}

function ackFailure(output: unknown): string | undefined {
  return (output as PubAck).seq > 0 ? undefined : 'no stream sequence in the ack';
}

/** Creates the streams and connections, times every variant, then deletes the streams and closes everything. */
export async function natsJetStream(options: NatsSuiteOptions = {}): Promise<SuiteReport> {
  const log = options.log ?? (() => undefined);
  const serverVersion = await probeServer(true);
  const prefix = uniquePrefix();
  const rawStream = `${streamPrefix(prefix)}RAW`;
  const rawSubject = `${prefix}.raw.${OrderPlacedReliably.name}`;
  const connections: NatsConnection[] = [];
  let client: Catga | undefined;
  let jsm: JetStreamManager | undefined;
  try {
    const raw = await connectRaw({ name: 'catga-bench-js-raw' });
    connections.push(raw);
    const traceless = await connectRaw({ name: 'catga-bench-js-raw-no-traces', noAsyncTraces: true });
    connections.push(traceless);
    jsm = await jetstreamManager(raw);
    await jsm.streams.add({
      name: rawStream,
      subjects: [`${prefix}.raw.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: 1,
      max_age: nanos(MAX_AGE_MS),
      discard: DiscardPolicy.Old,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    });
    client = await createCatga({ name: 'bench-publisher', preset: 'highPerformance' })
      .messages(OrderPlacedReliably)
      .withTransport(natsTransport({ servers: NATS_URL, prefix }))
      .start();
    const catga = client;
    const { orderId, customerId, sku, qty, price } = SAMPLE_ORDER;
    const event = new OrderPlacedReliably(orderId, customerId, sku, qty, price);
    const publishCatga = (): Promise<PublishResult> => catga.publish(event);

    // Check before timing, and the body bytes of a Catga event, captured by a one-message spy on its subject (the
    // first publish also creates Catga's stream, untimed). The raw rows publish those very bytes, without headers.
    const captured = new Promise<Msg>((resolve) => raw.subscribe(`${prefix}.evt.${OrderPlacedReliably.name}`, { max: 1, callback: (_, msg) => resolve(msg) }));
    await raw.flush();
    const first = await withTimeout(publishCatga(), CHECK_TIMEOUT_MS, 'JetStream did not acknowledge a Catga publish');
    if (!first.ok || first.value.sequence === undefined) {
      throw new Error(`Catga publish of a qos: 1 event returned ${first.ok ? JSON.stringify(first.value) : `${first.error.code}: ${first.error.message}`}`);
    }
    const wire = await withTimeout(captured, CHECK_TIMEOUT_MS, 'the Catga event was not seen on its subject');
    const payload = Uint8Array.from(wire.data);
    const headerBytes = wire.headers instanceof MsgHdrsImpl ? wire.headers.encode().byteLength : 0;
    const js = jetstream(raw);
    const jsTraceless = jetstream(traceless);
    for (const [what, publisher] of [['js.publish()', js], ['js.publish() (noAsyncTraces)', jsTraceless]] as const) {
      const ack = await withTimeout(publisher.publish(rawSubject, payload), CHECK_TIMEOUT_MS, `JetStream did not acknowledge ${what}`);
      if (ack.stream !== rawStream) throw new Error(`${what} was stored by ${ack.stream}, expected ${rawStream}`);
    }
    const catgaStream = await jsm.streams.find(`${prefix}.evt.${OrderPlacedReliably.name}`);
    const catgaConfig = (await jsm.streams.info(catgaStream)).config;
    if (catgaConfig.storage !== StorageType.File) throw new Error(`Catga's stream ${catgaStream} uses ${catgaConfig.storage} storage, expected file`);

    const groups: Group[] = CONCURRENCY.map((concurrency) => ({
      concurrency,
      raw: {
        name: `raw js.publish() (floor), ${concurrency} in flight`,
        concurrency,
        send: () => js.publish(rawSubject, payload),
        failure: ackFailure,
      },
      catga: {
        name: `Catga client.publish(), qos 1, ${concurrency} in flight`,
        concurrency,
        send: publishCatga,
        failure: catgaFailure,
      },
      diagnostic: {
        name: `diagnostic: raw js.publish(), connection with noAsyncTraces, ${concurrency} in flight`,
        concurrency,
        send: () => jsTraceless.publish(rawSubject, payload),
        failure: ackFailure,
      },
    }));
    const variants = groups.flatMap((g) => [g.raw, g.catga, g.diagnostic]);
    const floorOf = new Map(groups.flatMap((g) => [g.raw, g.catga, g.diagnostic].map((v) => [v, g.raw] as const)));

    const samples = await interleavedRounds(variants, options);
    const cases = caseResults(variants, samples, (variant) => floorOf.get(variant)!);

    const summary = (variant: LoadVariant) => summarize(samples.get(variant)!);
    const targets: TargetRow[] = [];
    for (const group of groups) {
      const ratio = summary(group.catga).opsPerSec / summary(group.raw).opsPerSec;
      targets.push({
        label: `Catga / raw js.publish(), ${group.concurrency} in flight (ops/s)`,
        measured: times(ratio),
        target: `≥ ${TARGET_VS_RAW.toFixed(2)}×`,
        met: ratio >= TARGET_VS_RAW,
      });
    }
    for (const group of groups) {
      const p99 = summary(group.catga).p99Us;
      targets.push({
        label: `Catga p99 latency, ${group.concurrency} in flight (raw: ${msFromUs(summary(group.raw).p99Us)})`,
        measured: msFromUs(p99),
        target: `≤ ${TARGET_P99_MS} ms`,
        met: p99 <= TARGET_P99_MS * 1_000,
      });
    }
    const table = latencyTable(variants, samples);
    log(`\n${table}\n${targetLines(targets)}`);

    const { rounds, durationMs, warmupMs } = loadSettings(options);
    const notes = [
      `One op is one publish that resolves once JetStream has stored the message (nats-server ${serverVersion} on ` +
        `${NATS_URL}, loopback, file storage, one replica, no consumer). *Catga client.publish()* publishes an event ` +
        'with the in-process suites\' five fields (built once), declared `@CatgaEvent({ qos: 1 })`, from a Catga ' +
        'instance (`highPerformance` preset, `natsTransport({ servers, prefix })`: default msgpack codec and file ' +
        `storage); Catga's first publish, untimed, created its stream \`${catgaStream}\`. A Catga event is ` +
        `${payload.byteLength} bytes of body plus ${headerBytes} bytes of headers; the result is a \`PublishResult\` ` +
        'with the stream sequence.',
      `*raw js.publish()* is \`jetstream(nc).publish(subject, data)\` with default options on a connection with ` +
        `default options, to a stream created for the run with Catga's settings (file storage, limits retention, ` +
        `7-day max age, 2-minute duplicate window), publishing those very ${payload.byteLength} body bytes without ` +
        'headers: the floor. The *diagnostic* row is the same on a connection opened with `noAsyncTraces: true`, the ' +
        'option Catga\'s transport sets (`js.publish` is an `nc.request()` underneath, which otherwise creates an ' +
        '`Error` per call for async stack traces).',
      `Method: as in the request/reply suite, each variant runs for a fixed ${durationMs / 1_000} s with 1 or 100 ` +
        `loops awaiting one publish after another, after an untimed ${warmupMs / 1_000} s run of every variant; ` +
        `${rounds} timed rounds, order reversed every other round; medians of the rounds. Every output gets one cheap ` +
        'check (`result.ok`, a stream sequence). The streams grow during the run (up to a few hundred thousand ' +
        'messages) and are deleted at the end.',
      table,
      'The targets, from the medians above. Not a target, for reference: Catga / the diagnostic row (the same raw ' +
        `publish on a connection with noAsyncTraces) ${groups.map((g) => `${times(summary(g.catga).opsPerSec / summary(g.diagnostic).opsPerSec)} at ${g.concurrency} in flight`).join(' and ')}.`,
      targetTable(targets),
      'In the table below, in the format of the other suites, ops/s is the median of the rounds, ns/op its ' +
        'reciprocal (not a latency when 100 are in flight), ±rme the 95 % margin of error of the mean ops/s of the ' +
        'rounds, samples the number of rounds, and × floor is relative to raw `js.publish()` at the same concurrency.',
    ];
    return { title: TITLE, batchSize: 1, cases, notes };
  } finally {
    await client?.close().catch((error: unknown) => log(`  closing the Catga client failed: ${error instanceof Error ? error.message : String(error)}\n`));
    if (jsm !== undefined) {
      const deleted = await deleteStreams(jsm, prefix, log).catch((error: unknown) => {
        log(`  could not list streams to delete: ${error instanceof Error ? error.message : String(error)}\n`);
        return [];
      });
      log(`  deleted streams: ${deleted.join(', ') || 'none'}\n`);
    }
    await Promise.allSettled(connections.map((nc) => nc.close()));
  }
}
