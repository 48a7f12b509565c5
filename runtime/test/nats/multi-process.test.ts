import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { context as otelContext, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { jetstreamManager, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { type Catga, CatgaCommand, CatgaEvent, Command, Event, createCatga } from '@catga/runtime';
import { natsTransport, type NatsTransportOptions } from '@catga/runtime/nats';
import { NATS_URL, uniquePrefix } from './support/nats-server';

// Real multi-process integration tests against the shared NATS server (NATS_URL): the workers are separate Node
// processes running test/nats/workers/catga-worker.mjs against the BUILT package (`npm test` builds first), the
// test process is the client. What only shows across processes: queue groups sharing load, JetStream redelivery
// after a failure or a dead worker, dead-lettering, and one trace spanning both sides.

jest.setTimeout(30_000);

const runtimeDir = join(__dirname, '..', '..');
const workerScript = join(__dirname, 'workers', 'catga-worker.mjs');
const SERVICE = 'svc';
const HANDLER = 'HappenedHandler'; // the worker's handler class: durable consumer `${SERVICE}__${HANDLER}`

// --- The messages, with the same type names as in the worker ---------------------------------------------------------

interface WorkReply {
  n: number;
  pid: number;
  messageId: string;
}

@CatgaCommand()
class Work extends Command<WorkReply> {
  constructor(readonly n: number) {
    super();
  }
}

@CatgaEvent({ qos: 1 })
class Happened extends Event {
  constructor(readonly n: number) {
    super();
  }
}

// --- Worker processes --------------------------------------------------------------------------------------------------

interface WorkerConfig {
  prefix: string;
  role: 'commands' | 'events';
  behavior?: 'ok' | 'fail-first' | 'always-fail' | 'hang';
  jetstream?: NatsTransportOptions['jetstream'];
  tracing?: boolean;
}

interface Report {
  tag: string;
  data: Record<string, unknown>;
}

interface HandlerReport {
  id: string;
  n: number;
  pid: number;
  attempt: number;
  ok?: boolean;
}

interface DoneReport {
  pid: number;
  handled: Record<string, number>;
  attempts: Record<string, number>;
}

interface SpanReport {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

const REPORT_LINE = /^([A-Z]+) (\{.*\})$/;

/** A worker process and everything it reported on stdout (`<TAG> <json>` lines) and stderr. */
class Worker {
  readonly reports: Report[] = [];
  private stderr = '';
  private readonly exited: Promise<void>;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = REPORT_LINE.exec(line);
      if (match) this.reports.push({ tag: match[1]!, data: JSON.parse(match[2]!) as Record<string, unknown> });
      else this.stderr += `[stdout] ${line}\n`;
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-8_000);
    });
    child.stdin!.on('error', () => undefined); // EPIPE when it is already gone
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
      child.once('error', (error) => {
        this.stderr += `[spawn error] ${error.message}\n`;
        this.exit ??= { code: null, signal: null };
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  of<T>(tag: string): T[] {
    return this.reports.filter((report) => report.tag === tag).map((report) => report.data as T);
  }

  /** Polls until `condition` holds; fails early, with the worker's output, if the worker exits. */
  async waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (!this.running) throw new Error(`worker ${this.name} exited (${JSON.stringify(this.exit)}) while waiting for ${what}\n${this.output()}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} from worker ${this.name}\n${this.output()}`);
      await sleep(10);
    }
  }

  /** SIGTERM: the worker closes Catga and prints its summary (and spans); SIGKILL if it takes over 10 s. */
  async stop(): Promise<DoneReport> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
    const done = this.of<DoneReport>('DONE');
    if (done.length !== 1 || this.exit?.code !== 0) {
      throw new Error(`worker ${this.name} did not shut down cleanly (${JSON.stringify(this.exit)})\n${this.output()}`);
    }
    return done[0]!;
  }

  /** SIGKILL, no goodbye. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }

  output(): string {
    const lines = this.reports.map((report) => `${report.tag} ${JSON.stringify(report.data)}`).slice(-40);
    return `--- ${this.name} (pid ${this.pid}) stdout (last reports) ---\n${lines.join('\n')}\n--- stderr (tail) ---\n${this.stderr.slice(-3_000)}`;
  }
}

const workers: Worker[] = [];

/** Starts a worker from the runtime dir (so `@catga/runtime` is the built package) and waits for its READY line. */
async function startWorker(name: string, config: WorkerConfig): Promise<Worker> {
  const argument = JSON.stringify({ servers: NATS_URL, service: SERVICE, ...config });
  const child = spawn(process.execPath, [workerScript, argument], { cwd: runtimeDir, stdio: ['pipe', 'pipe', 'pipe'] });
  const worker = new Worker(name, child);
  workers.push(worker);
  await worker.waitFor(() => worker.of('READY').length > 0, 'READY', 15_000);
  return worker;
}

// --- The client (this process) and the server's state ---------------------------------------------------------------

let admin: NatsConnection;
let jsm: JetStreamManager;
const clients: Catga[] = [];
const prefixes: string[] = [];

function newPrefix(label: string): string {
  const prefix = uniquePrefix(label);
  prefixes.push(prefix);
  return prefix;
}

async function startClient(prefix: string, options: NatsTransportOptions = {}): Promise<Catga> {
  const catga = await createCatga({ name: 'client', preset: 'highPerformance' })
    .messages(Work, Happened)
    .withTransport(natsTransport({ servers: NATS_URL, prefix, ...options }))
    .start();
  clients.push(catga);
  return catga;
}

const streamOf = (prefix: string) => `${prefix.toUpperCase()}_EVT_Happened`;
const deadLetterStreamOf = (prefix: string) => `${prefix.toUpperCase()}_DLQ`;

/** Polls the handler's durable consumer until every one of `count` events is acknowledged (or terminated). */
async function allAcknowledged(prefix: string, count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await jsm.consumers.info(streamOf(prefix), `${SERVICE}__${HANDLER}`);
    if (info.ack_floor.stream_seq === count && info.num_ack_pending === 0 && info.num_pending === 0) return;
    if (Date.now() > deadline) {
      const state = { ack_floor: info.ack_floor, delivered: info.delivered, num_ack_pending: info.num_ack_pending, num_pending: info.num_pending };
      throw new Error(`the consumer did not acknowledge ${count} events within ${timeoutMs} ms: ${JSON.stringify(state)}`);
    }
    await sleep(25);
  }
}

/** Every message of a stream, in order. */
async function readStream(stream: string): Promise<StoredMsg[]> {
  const { state } = await jsm.streams.info(stream);
  const messages: StoredMsg[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const message = await jsm.streams.getMessage(stream, { seq });
    if (message !== null) messages.push(message);
  }
  return messages;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `task` for every item, at most `limit` at once. */
async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

beforeAll(async () => {
  // No skip when NATS is down: this rejects and every test fails.
  admin = await connect({ servers: NATS_URL, timeout: 5_000 });
  jsm = await jetstreamManager(admin);
});

afterAll(async () => {
  await admin?.close();
});

afterEach(async () => {
  // Even after a failure: no process, connection or stream outlives its test.
  await Promise.all(workers.splice(0).map((worker) => worker.kill()));
  await Promise.all(clients.splice(0).map((catga) => catga.close().catch(() => undefined)));
  for (const prefix of prefixes.splice(0)) {
    for (const stream of [streamOf(prefix), deadLetterStreamOf(prefix)]) {
      await jsm.streams.delete(stream).catch(() => undefined); // not every test creates both
    }
  }
});

describe('NATS transport across processes', () => {
  it('two worker processes in one queue group share 200 commands, each handled exactly once', async () => {
    const prefix = newPrefix('queue');
    const [first, second] = await Promise.all([
      startWorker('worker-1', { prefix, role: 'commands' }),
      startWorker('worker-2', { prefix, role: 'commands' }),
    ]);
    const client = await startClient(prefix);

    const numbers = Array.from({ length: 200 }, (_, n) => n);
    const results = await pool(numbers, 16, (n) => client.send(new Work(n)));

    const failures = results.flatMap((result, n) => (result.ok ? [] : [`${n}: ${result.error.code} ${result.error.message}`]));
    expect(failures).toEqual([]);
    const replies = results.map((result) => (result.ok ? result.value : undefined)!);
    expect(replies.map((reply) => reply.n)).toEqual(numbers);
    expect(new Set(replies.map((reply) => reply.messageId)).size).toBe(200);
    const replyPids = new Set(replies.map((reply) => reply.pid));
    expect(replyPids).toEqual(new Set([first!.pid, second!.pid])); // both took a share of the load

    const [doneFirst, doneSecond] = await Promise.all([first!.stop(), second!.stop()]);
    const handledFirst = Object.keys(doneFirst.handled);
    const handledSecond = Object.keys(doneSecond.handled);
    expect(handledFirst.length).toBeGreaterThan(0);
    expect(handledSecond.length).toBeGreaterThan(0);
    expect(handledFirst.filter((id) => handledSecond.includes(id))).toEqual([]); // never by both
    expect(handledFirst.length + handledSecond.length).toBe(200);
    expect(new Set([...handledFirst, ...handledSecond])).toEqual(new Set(replies.map((reply) => reply.messageId)));
    for (const done of [doneFirst, doneSecond]) {
      expect(Object.values(done.attempts).every((calls) => calls === 1)).toBe(true); // never twice in one worker
    }
    // Every reply names the worker whose summary lists the command.
    for (const reply of replies) expect((reply.pid === first!.pid ? doneFirst : doneSecond).handled[reply.messageId]).toBe(1);
  });

  it('redelivers a QoS 1 event after its handler failed; each is then handled exactly once', async () => {
    const prefix = newPrefix('redeliver');
    const worker = await startWorker('fail-first', {
      prefix,
      role: 'events',
      behavior: 'fail-first',
      jetstream: { ackWaitMs: 1_000, maxDeliveries: 3, backoffMs: [50] },
    });
    const client = await startClient(prefix);

    const events = Array.from({ length: 20 }, (_, n) => new Happened(n));
    const published = await Promise.all(events.map((event) => client.publish(event)));
    expect(published.filter((result) => !result.ok)).toEqual([]);

    const succeeded = () => worker.of<HandlerReport>('HANDLED').filter((report) => report.ok);
    await worker.waitFor(() => succeeded().length >= events.length, `${events.length} successful handler calls`);
    await allAcknowledged(prefix, events.length);
    const done = await worker.stop();

    const ids = events.map((event) => event.messageId).sort();
    expect(Object.keys(done.handled).sort()).toEqual(ids);
    expect(Object.values(done.handled).every((count) => count === 1)).toBe(true);
    expect(Object.values(done.attempts).every((count) => count === 2)).toBe(true); // one failure, one redelivery
    for (const event of events) {
      const calls = worker.of<HandlerReport>('HANDLED').filter((report) => report.id === event.messageId);
      expect(calls.map(({ n, attempt, ok }) => ({ n, attempt, ok }))).toEqual([
        { n: event.n, attempt: 1, ok: false },
        { n: event.n, attempt: 2, ok: true },
      ]);
    }
  });

  it('redelivers an event to another instance after the worker handling it was killed', async () => {
    const prefix = newPrefix('killed');
    const jetstream = { ackWaitMs: 1_000, maxDeliveries: 3, backoffMs: [50] };
    const hung = await startWorker('A (hangs)', { prefix, role: 'events', behavior: 'hang', jetstream });
    const client = await startClient(prefix);

    const event = new Happened(42);
    const published = await client.publish(event);
    expect(published.ok).toBe(true);
    await hung.waitFor(() => hung.of<HandlerReport>('STARTED').some((report) => report.id === event.messageId), 'A to start the event');
    await hung.kill(); // mid-message: no ack, no nak, no goodbye

    const rescuer = await startWorker('B', { prefix, role: 'events', behavior: 'ok', jetstream });
    await rescuer.waitFor(() => rescuer.of<HandlerReport>('HANDLED').some((report) => report.id === event.messageId && report.ok), 'B to handle the redelivered event');
    await allAcknowledged(prefix, 1);
    const done = await rescuer.stop();

    expect(hung.of<HandlerReport>('STARTED').map(({ id, attempt }) => ({ id, attempt }))).toEqual([{ id: event.messageId, attempt: 1 }]);
    expect(hung.of('HANDLED')).toEqual([]);
    expect(done.handled).toEqual({ [event.messageId]: 1 });
    expect(rescuer.of<HandlerReport>('HANDLED').map(({ id, n, ok }) => ({ id, n, ok }))).toEqual([{ id: event.messageId, n: 42, ok: true }]);
  });

  it('dead-letters an event after maxDeliveries failed deliveries, with the reason in headers and the original payload', async () => {
    const prefix = newPrefix('dlq');
    const worker = await startWorker('always-fails', {
      prefix,
      role: 'events',
      behavior: 'always-fail',
      jetstream: { ackWaitMs: 1_000, maxDeliveries: 3, backoffMs: [50] },
    });
    const client = await startClient(prefix, { codec: 'json' });

    const event = new Happened(7);
    const published = await client.publish(event);
    expect(published.ok).toBe(true);

    const deadLetterStream = deadLetterStreamOf(prefix);
    const deadline = Date.now() + 10_000;
    while ((await jsm.streams.info(deadLetterStream)).state.messages === 0) {
      if (Date.now() > deadline) throw new Error(`nothing arrived in ${deadLetterStream} within 10 s\n${worker.output()}`);
      await sleep(25);
    }
    // Longer than ackWaitMs: an event that was dead-lettered but not really terminated is redelivered by now.
    await sleep(1_500);
    const done = await worker.stop();

    // Exactly one dead letter: the copy made on the third failed delivery.
    const deadLetters = await readStream(deadLetterStream);
    expect(deadLetters.map(({ subject, header }) => ({
      subject,
      code: header.get('catga-dead-letter-code'),
      handler: header.get('catga-dead-letter-handler'),
      deliveries: header.get('catga-dead-letter-deliveries'),
    }))).toEqual([{ subject: `${prefix}.dlq.Happened`, code: 'HANDLER_FAILED', handler: HANDLER, deliveries: '3' }]);
    const deadLetter = deadLetters[0]!;
    const headers = deadLetter.header;
    expect(headers.get('catga-dead-letter-subject')).toBe(`${prefix}.evt.Happened`);
    expect(headers.get('catga-dead-letter-reason')).toContain('attempt 3');
    expect(headers.get('catga-message-id')).toBe(event.messageId);
    expect(headers.get('catga-message-type')).toBe('Happened');
    const original = await jsm.streams.getMessage(streamOf(prefix), { seq: 1 });
    expect(Buffer.from(deadLetter.data).equals(Buffer.from(original!.data))).toBe(true);
    expect(deadLetter.json()).toMatchObject({ n: 7, messageId: event.messageId });

    // Terminated after the copy: settled on the server, never delivered a fourth time.
    const consumer = await jsm.consumers.info(streamOf(prefix), `${SERVICE}__${HANDLER}`);
    expect({ delivered: consumer.delivered.consumer_seq, ackFloor: consumer.ack_floor.stream_seq, ackPending: consumer.num_ack_pending }).toEqual({
      delivered: 3,
      ackFloor: 1,
      ackPending: 0,
    });
    expect(done.attempts).toEqual({ [event.messageId]: 3 });
    expect(done.handled).toEqual({});
    expect(worker.of<HandlerReport>('HANDLED').map(({ attempt, ok }) => ({ attempt, ok }))).toEqual([
      { attempt: 1, ok: false },
      { attempt: 2, ok: false },
      { attempt: 3, ok: false },
    ]);
  });

  it('continues the trace of the sending process in the handling process', async () => {
    const prefix = newPrefix('trace');
    const contextManager = new AsyncLocalStorageContextManager().enable();
    otelContext.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    trace.setGlobalTracerProvider(tracerProvider);
    try {
      const worker = await startWorker('traced', { prefix, role: 'commands', tracing: true });
      const client = await startClient(prefix);

      const tracer = tracerProvider.getTracer('multi-process.test');
      const { result, root } = await tracer.startActiveSpan('checkout', async (span) => {
        try {
          return { result: await client.send(new Work(1)), root: span.spanContext() };
        } finally {
          span.end();
        }
      });
      expect(result.ok && result.value.pid).toBe(worker.pid);

      const sends = exporter.getFinishedSpans().filter((span) => span.name === 'send Work');
      expect(sends).toHaveLength(1);
      const send = sends[0]!;
      expect(send.kind).toBe(SpanKind.CLIENT);
      expect(send.spanContext().traceId).toBe(root.traceId);
      expect(send.parentSpanContext?.spanId).toBe(root.spanId);

      await worker.stop();
      const handled = worker.of<SpanReport>('SPAN').filter((span) => span.name === 'process Work');
      expect(handled).toEqual([
        {
          traceId: root.traceId, // one trace across both processes
          spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
          parentSpanId: send.spanContext().spanId, // the client span that carried the context over NATS
          name: 'process Work',
          kind: SpanKind.SERVER,
        },
      ]);
    } finally {
      await tracerProvider.shutdown();
      trace.disable();
      propagation.disable();
      otelContext.disable();
      contextManager.disable();
    }
  });
});
