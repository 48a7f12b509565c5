import {
  CatgaCommand,
  CatgaError,
  CatgaEvent,
  CatgaHandler,
  CatgaQuery,
  Command,
  Event,
  type HandlerContext,
  type PipelineBehavior,
  Query,
  createCatga,
  fail,
} from '@catga/runtime';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { BehaviorOrder } from '../../src/behaviors/behavior-order.js';
import { tracingBehavior } from '../../src/behaviors/tracing.js';

@CatgaCommand()
class ReserveStock extends Command<number> {
  constructor(readonly sku: string) {
    super();
  }
}

@CatgaEvent({ name: 'shop-order-placed' })
class OrderPlaced extends Event {}

@CatgaCommand()
class PlaceOrder extends Command<string> {
  constructor(readonly sku: string) {
    super();
  }
}

@CatgaQuery()
class FindOrder extends Query<string> {
  constructor(readonly id: string) {
    super();
  }
}

@CatgaHandler(ReserveStock)
class ReserveStockHandler {
  handle(command: ReserveStock): number {
    if (command.sku === 'crash') throw new Error('stock service down');
    return 3;
  }
}

@CatgaHandler(PlaceOrder)
class PlaceOrderHandler {
  async handle(command: PlaceOrder, ctx: HandlerContext): Promise<string> {
    const reserved = await ctx.send(new ReserveStock(command.sku));
    if (!reserved.ok) throw reserved.error;
    await ctx.publish(new OrderPlaced());
    return `placed ${command.sku}`;
  }
}

@CatgaHandler(FindOrder)
class FindOrderHandler {
  handle(query: FindOrder): string {
    throw new CatgaError('NOT_FOUND', `no order ${query.id}`);
  }
}

@CatgaHandler(OrderPlaced)
class EmailCustomer {
  handle(): void {}
}

@CatgaHandler(OrderPlaced)
class UpdateStats {
  handle(): void {}
}

let exporter: InMemorySpanExporter;
let tracerProvider: TracerProvider;

beforeEach(() => {
  exporter = new InMemorySpanExporter();
  tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
});

afterEach(async () => {
  await tracerProvider.shutdown();
});

// `highPerformance` installs no built-in behaviours, so every span seen is the one under test's; asyncDispatch
// keeps the remote-like hop between caller and handler that context propagation has to survive.
function build(extra?: PipelineBehavior) {
  const builder = createCatga({ preset: 'highPerformance', asyncDispatch: true }).use(tracingBehavior({ tracerProvider }), { order: BehaviorOrder.tracing });
  if (extra !== undefined) builder.use(extra, { order: BehaviorOrder.validation });
  return builder
    .handler(PlaceOrderHandler)
    .handler(ReserveStockHandler)
    .handler(FindOrderHandler)
    .handler(EmailCustomer)
    .handler(UpdateStats)
    .build();
}

function spanNamed(name: string, spans: readonly ReadableSpan[] = exporter.getFinishedSpans()): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1) throw new Error(`expected one span "${name}", found ${found.length} among ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

describe('tracing behaviour', () => {
  it('creates a SERVER span "process <Type>" with the messaging attributes for a command', async () => {
    const catga = build();
    const command = new ReserveStock('sku-1');
    expect(await catga.send(command)).toEqual({ ok: true, value: 3 });

    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    const span = spans[0]!;
    expect(span.name).toBe('process ReserveStock');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.attributes).toEqual({
      'messaging.system': 'catga',
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'ReserveStock',
      'messaging.message.id': command.messageId,
      'messaging.message.conversation_id': command.messageId,
      'catga.message.kind': 'command',
      'catga.handler': 'ReserveStockHandler',
      'catga.outcome': 'ok',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.events).toEqual([]);
    expect(span.instrumentationScope.name).toBe('@catga/runtime');
    expect(span.parentSpanContext).toBeUndefined();
  });

  it('creates one CONSUMER span per event handler, named after the decorator type name', async () => {
    const catga = build();
    const event = new OrderPlaced();
    const published = await catga.publish(event);
    expect(published).toEqual({ ok: true, value: { eventType: 'shop-order-placed', handlers: 2 } });

    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => [span.name, span.kind, span.attributes['catga.handler']]).sort()).toEqual([
      ['process shop-order-placed', SpanKind.CONSUMER, 'EmailCustomer'],
      ['process shop-order-placed', SpanKind.CONSUMER, 'UpdateStats'],
    ]);
    for (const span of spans) {
      expect(span.attributes['messaging.destination.name']).toBe('shop-order-placed');
      expect(span.attributes['catga.message.kind']).toBe('event');
      expect(span.attributes['messaging.message.id']).toBe(event.messageId);
    }
  });

  it('marks a handler crash as ERROR with error.type and records the cause as an exception', async () => {
    const catga = build();
    const result = await catga.send(new ReserveStock('crash'));
    expect(result.ok || result.error.code).toBe('HANDLER_FAILED');

    const span = spanNamed('process ReserveStock');
    expect(span.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'ReserveStockHandler failed on "ReserveStock": stock service down',
    });
    expect(span.attributes['catga.outcome']).toBe('failed');
    expect(span.attributes['error.type']).toBe('HANDLER_FAILED');
    expect(span.attributes['catga.error.code']).toBe('HANDLER_FAILED');
    expect(span.events.map((event) => [event.name, event.attributes?.['exception.type'], event.attributes?.['exception.message']])).toEqual([
      ['exception', 'Error', 'stock service down'],
    ]);
  });

  it('leaves the status of a domain failure unset (an answer, not a fault) but records its code', async () => {
    const catga = build();
    const query = new FindOrder('o-9');
    const result = await catga.send(query);
    expect(result.ok || result.error.code).toBe('NOT_FOUND');

    const span = spanNamed('process FindOrder');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.attributes['catga.message.kind']).toBe('query');
    expect(span.status).toEqual({ code: SpanStatusCode.UNSET });
    expect(span.attributes['error.type']).toBe('NOT_FOUND');
    expect(span.events).toEqual([]);
  });

  it('records the outcome of an inner behaviour that short-circuits', async () => {
    const refuse: PipelineBehavior = { name: 'refuse', handle: async () => fail('FORBIDDEN', 'not today') };
    const catga = build(refuse);
    const result = await catga.send(new ReserveStock('sku-1'));
    expect(result.ok || result.error.code).toBe('FORBIDDEN');
    const span = spanNamed('process ReserveStock');
    expect([span.attributes['catga.outcome'], span.attributes['error.type'], span.status.code]).toEqual(['failed', 'FORBIDDEN', SpanStatusCode.UNSET]);
  });

  it('records nothing for an unsampled call, and the call still succeeds', async () => {
    const sampledOut = new TracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const catga = createCatga({ preset: 'highPerformance' })
      .use(tracingBehavior({ tracerProvider: sampledOut }), { order: BehaviorOrder.tracing })
      .handler(ReserveStockHandler)
      .build();
    expect(await catga.send(new ReserveStock('sku-1'))).toEqual({ ok: true, value: 3 });
    expect(exporter.getFinishedSpans()).toEqual([]);
    await sampledOut.shutdown();
  });

  describe('with a context manager (as the Node SDK registers)', () => {
    const contextManager = new AsyncLocalStorageContextManager();

    beforeAll(() => {
      expect(context.setGlobalContextManager(contextManager.enable())).toBe(true);
    });

    afterAll(() => {
      context.disable();
      contextManager.disable();
    });

    it("makes what a handler sends and publishes children of the handler's span", async () => {
      const catga = build();
      const command = new PlaceOrder('sku-1');
      expect(await catga.send(command)).toEqual({ ok: true, value: 'placed sku-1' });

      const spans = exporter.getFinishedSpans();
      expect(spans).toHaveLength(4);
      const parent = spanNamed('process PlaceOrder', spans);
      const reserve = spanNamed('process ReserveStock', spans);
      const events = spans.filter((span) => span.name === 'process shop-order-placed');
      expect(events).toHaveLength(2);

      const parentContext = parent.spanContext();
      expect(parent.parentSpanContext).toBeUndefined();
      for (const child of [reserve, ...events]) {
        expect(child.parentSpanContext?.spanId).toBe(parentContext.spanId);
        expect(child.spanContext().traceId).toBe(parentContext.traceId);
        // Lineage in attributes matches the span tree: the child was caused by the parent's message.
        expect(child.attributes['catga.causation_id']).toBe(command.messageId);
        expect(child.attributes['messaging.message.conversation_id']).toBe(command.messageId);
      }
      expect(parent.attributes['catga.causation_id']).toBeUndefined();
    });

    it("nests under the caller's active span", async () => {
      const catga = build();
      const outer = tracerProvider.getTracer('test').startSpan('HTTP POST /stock');
      const result = await context.with(trace.setSpan(context.active(), outer), () => catga.send(new ReserveStock('sku-1')));
      outer.end();
      expect(result.ok).toBe(true);
      const span = spanNamed('process ReserveStock');
      expect(span.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(outer.spanContext().traceId);
    });
  });

  it('without a context manager a nested send starts a new trace (why the SDK setup matters)', async () => {
    const catga = build();
    expect((await catga.send(new PlaceOrder('sku-1'))).ok).toBe(true);
    const reserve = spanNamed('process ReserveStock');
    expect(reserve.parentSpanContext).toBeUndefined();
    expect(reserve.spanContext().traceId).not.toBe(spanNamed('process PlaceOrder').spanContext().traceId);
  });

  it('uses the global tracer provider by default, even one registered after the behaviour was created', async () => {
    const behavior = tracingBehavior();
    const catga = createCatga({ preset: 'highPerformance' }).use(behavior, { order: BehaviorOrder.tracing }).handler(ReserveStockHandler).build();
    expect(trace.setGlobalTracerProvider(tracerProvider)).toBe(true);
    try {
      expect((await catga.send(new ReserveStock('sku-1'))).ok).toBe(true);
    } finally {
      trace.disable();
    }
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['process ReserveStock']);
  });
});
