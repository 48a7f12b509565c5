// A Catga service in its own process, for runtime/test/nats/multi-process.test.ts. Run from the runtime directory
// (`node test/nats/workers/catga-worker.mjs '<json config>'`) so that `@catga/runtime` is the built package.
//
// Config (one JSON argument):
//   servers, prefix, service  where to connect and who this is (service = durable consumer / queue group name)
//   role                      'commands': handles `Work` (replies { n, pid, messageId })
//                             'events':   handles `Happened` (QoS 1) with `behavior`:
//                                         'ok' | 'fail-first' (throws on the first delivery of each event) |
//                                         'always-fail' | 'hang' (never settles)
//   jetstream                 natsTransport's jetstream options (ackWaitMs, maxDeliveries, backoffMs, ...)
//   tracing                   true: OpenTelemetry in this process (ALS context manager, W3C propagator, in-memory
//                             exporter) and `withTracing()`; finished spans are printed on shutdown
//
// Protocol: one line per report on stdout, `<TAG> <json>`:
//   READY   {pid}                               once start() resolved
//   STARTED {id, n, pid}                        a handler call began
//   HANDLED {id, n, pid, attempt, ok}           a handler call ended (ok: false = it threw)
//   SPAN    {traceId, spanId, parentSpanId, name, kind}   on shutdown, every finished span (tracing only)
//   DONE    {pid, handled, attempts}            on shutdown, after close(): per message id, successes and attempts
// SIGTERM (or stdin closing, i.e. the test process went away) closes Catga, prints the summary and exits 0.
// Diagnostics (the transport's log) go to stderr.

import { Command, Event, CatgaCommand, CatgaEvent, CatgaHandler, createCatga } from '@catga/runtime';
import { natsTransport } from '@catga/runtime/nats';

const config = JSON.parse(process.argv[2] ?? '{}');

function report(tag, data) {
  process.stdout.write(`${tag} ${JSON.stringify(data)}\n`);
}

const logger = Object.fromEntries(
  ['debug', 'info', 'warn', 'error'].map((level) => [
    level,
    (fields, message) => {
      if (level !== 'debug') process.stderr.write(`[${process.pid} ${level}] ${message} ${safeJson(fields)}\n`);
    },
  ]),
);

function safeJson(value) {
  try {
    return JSON.stringify(value, (_key, v) => (v instanceof Error ? `${v.name}: ${v.message}` : v));
  } catch {
    return String(value);
  }
}

// --- OpenTelemetry, only when asked: a process without an SDK must work too -----------------------------------------
let telemetry;
if (config.tracing) {
  const { context, propagation, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = await import('@opentelemetry/sdk-trace');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  trace.setGlobalTracerProvider(tracerProvider);
  telemetry = { exporter, tracerProvider };
}

// --- Messages and handlers (same type names as the test process) ---------------------------------------------------
class Work extends Command {
  constructor(n) {
    super();
    this.n = n;
  }
}
CatgaCommand()(Work);

class Happened extends Event {
  constructor(n) {
    super();
    this.n = n;
  }
}
CatgaEvent({ qos: 1 })(Happened);

const attempts = new Map(); // messageId -> handler calls
const handled = new Map(); // messageId -> successful handler calls

function begin(message) {
  const attempt = (attempts.get(message.messageId) ?? 0) + 1;
  attempts.set(message.messageId, attempt);
  report('STARTED', { id: message.messageId, n: message.n, pid: process.pid, attempt });
  return attempt;
}

function succeeded(message, attempt) {
  handled.set(message.messageId, (handled.get(message.messageId) ?? 0) + 1);
  report('HANDLED', { id: message.messageId, n: message.n, pid: process.pid, attempt, ok: true });
}

function failed(message, attempt, reason) {
  report('HANDLED', { id: message.messageId, n: message.n, pid: process.pid, attempt, ok: false });
  throw new Error(reason);
}

class WorkHandler {
  async handle(command) {
    const attempt = begin(command);
    await new Promise((resolve) => setTimeout(resolve, 1)); // a little real work, so requests overlap
    succeeded(command, attempt);
    return { n: command.n, pid: process.pid, messageId: command.messageId };
  }
}
CatgaHandler(Work)(WorkHandler);

class HappenedHandler {
  handle(event) {
    const attempt = begin(event);
    switch (config.behavior) {
      case 'ok':
        return succeeded(event, attempt);
      case 'fail-first':
        if (attempt === 1) return failed(event, attempt, `first delivery of ${event.messageId} fails on purpose`);
        return succeeded(event, attempt);
      case 'always-fail':
        return failed(event, attempt, `attempt ${attempt} of ${event.messageId} fails on purpose`);
      case 'hang':
        return new Promise(() => {}); // never settles: the test kills this process
      default:
        throw new Error(`unknown behavior ${config.behavior}`);
    }
  }
}
CatgaHandler(Happened)(HappenedHandler);

// --- Start ----------------------------------------------------------------------------------------------------------
let builder = createCatga({ name: config.service, preset: 'highPerformance' });
if (config.tracing) builder = builder.withTracing({ tracerProvider: telemetry.tracerProvider });
builder = config.role === 'commands' ? builder.handler(WorkHandler) : builder.handler(HappenedHandler);
const catga = await builder
  .withTransport(
    natsTransport({
      servers: config.servers,
      prefix: config.prefix,
      service: config.service,
      logger,
      drainTimeoutMs: 2_000,
      ...(config.jetstream ? { jetstream: config.jetstream } : {}),
    }),
  )
  .start();

let stopping;
function shutdown(reason) {
  stopping ??= (async () => {
    let exitCode = 0;
    try {
      await catga.close();
    } catch (error) {
      process.stderr.write(`[${process.pid}] close() failed on ${reason}: ${error?.stack ?? error}\n`);
      exitCode = 1;
    }
    if (telemetry) {
      await telemetry.tracerProvider.forceFlush();
      for (const span of telemetry.exporter.getFinishedSpans()) {
        const own = span.spanContext();
        report('SPAN', {
          traceId: own.traceId,
          spanId: own.spanId,
          parentSpanId: span.parentSpanContext?.spanId,
          name: span.name,
          kind: span.kind,
        });
      }
    }
    report('DONE', { pid: process.pid, reason, handled: Object.fromEntries(handled), attempts: Object.fromEntries(attempts) });
    process.exit(exitCode);
  })();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.stdin.on('end', () => shutdown('stdin closed'));
process.stdin.on('error', () => shutdown('stdin error'));
process.stdin.resume();

report('READY', { pid: process.pid });
