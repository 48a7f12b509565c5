import {
  CatgaCommand,
  CatgaError,
  CatgaEvent,
  CatgaHandler,
  Command,
  ErrorCode,
  Event,
  type Event as AnyEvent,
  type HandlerContext,
  type InboundDispatcher,
  MemoryDeadLetterStore,
  MemoryOutboxStore,
  type Message,
  type NewOutboxEntry,
  type PublishResult,
  type Transport,
  createCatga,
  memoryTransport,
} from '@catga/runtime';

@CatgaEvent()
class OrderPlaced extends Event {
  constructor(readonly orderId: string, readonly seq: number) {
    super();
  }
}

@CatgaEvent()
class WithCallback extends Event {
  constructor(readonly callback: () => void) {
    super();
  }
}

@CatgaCommand({ retry: { attempts: 2, baseDelayMs: 1 } })
class PlaceOrder extends Command<string> {
  constructor(readonly orderId: string) {
    super();
  }
}

/** What the next PlaceOrder attempts do after publishing; by default they succeed. */
let attempts: Array<'fail' | 'ok' | 'leak' | 'bad-event'> = [];
let leaked: Promise<PublishResult> | undefined;
let badEvent: PublishResult | undefined;
const seen: string[] = [];

@CatgaHandler(PlaceOrder)
class PlaceOrderHandler {
  async handle(command: PlaceOrder, ctx: HandlerContext): Promise<string> {
    const mode = attempts.shift() ?? 'ok';
    const receipt = await ctx.publish(new OrderPlaced(command.orderId, 1));
    if (!receipt.ok || receipt.value.outbox !== true) throw new Error(`expected an outbox receipt, got ${JSON.stringify(receipt)}`);
    await ctx.publish(new OrderPlaced(command.orderId, 2));
    if (mode === 'fail') throw new CatgaError(ErrorCode.TRANSPORT_FAILED, 'db hiccup', { retryable: true });
    if (mode === 'leak') setTimeout(() => (leaked = ctx.publish(new OrderPlaced(command.orderId, 99))), 5);
    if (mode === 'bad-event') badEvent = await ctx.publish(new WithCallback(() => undefined));
    return command.orderId;
  }
}

@CatgaHandler(OrderPlaced)
class Projection {
  handle(event: OrderPlaced): void {
    seen.push(`${event.orderId}#${event.seq}`);
  }
}

/** A memory transport whose publish fails while `failures` > 0. */
class FlakyTransport implements Transport {
  readonly name = 'flaky';
  private readonly inner = memoryTransport();
  failures = 0;
  finalFailure = false;
  connect(inbound: InboundDispatcher): void | Promise<void> {
    return this.inner.connect(inbound);
  }
  request(message: Message, signal: AbortSignal) {
    return this.inner.request(message, signal);
  }
  async publish(event: AnyEvent, signal: AbortSignal): Promise<PublishResult> {
    if (this.failures > 0) {
      this.failures--;
      return { ok: false, error: new CatgaError(ErrorCode.TRANSPORT_FAILED, 'broker down', { retryable: !this.finalFailure }) };
    }
    return this.inner.publish(event, signal);
  }
  close() {
    return this.inner.close();
  }
}

function build(options: { store?: MemoryOutboxStore; transport?: Transport; maxAttempts?: number } = {}) {
  const store = options.store ?? new MemoryOutboxStore();
  const deadLetters = new MemoryDeadLetterStore();
  const catga = createCatga({ preset: 'highPerformance' })
    .withLogging(false)
    .withDeadLetter({ store: deadLetters })
    .withOutbox({ store, pollMs: 60_000, retryDelayMs: 1, maxAttempts: options.maxAttempts ?? 3, cleanupEveryMs: 60_000 })
    .withTransport(options.transport ?? memoryTransport())
    .handler(PlaceOrderHandler)
    .handler(Projection)
    .build();
  return { catga, store, deadLetters };
}

async function eventually(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

beforeEach(() => {
  attempts = [];
  leaked = undefined;
  badEvent = undefined;
  seen.length = 0;
});

describe('outbox behaviour and processor', () => {
  it('stores a successful handler\'s events and publishes them afterwards, in order', async () => {
    const { catga, store } = build();
    expect(await catga.send(new PlaceOrder('o-1'))).toEqual({ ok: true, value: 'o-1' });
    // Woken by the append, the processor publishes without waiting for its poll.
    await eventually(() => seen.length === 2, 'the events to be handled');
    expect(seen).toEqual(['o-1#1', 'o-1#2']);
    expect(await store.counts()).toEqual({ pending: 0, leased: 0, published: 2, dead: 0 });
    await catga.close();
  });

  it('drops the events of a failed attempt; the retry stores its own', async () => {
    const append = jest.spyOn(MemoryOutboxStore.prototype, 'append');
    try {
      const { catga } = build();
      attempts = ['fail', 'ok'];
      expect(await catga.send(new PlaceOrder('o-2'))).toEqual({ ok: true, value: 'o-2' });
      expect(append).toHaveBeenCalledTimes(1);
      expect(append.mock.calls[0]![0].map((e: NewOutboxEntry) => e.message['seq'])).toEqual([1, 2]);
      await eventually(() => seen.length === 2, 'the events to be handled');
      expect(seen).toEqual(['o-2#1', 'o-2#2']);
      await catga.close();
    } finally {
      append.mockRestore();
    }
  });

  it('publishes nothing when the handler fails for good', async () => {
    const { catga, store } = build();
    attempts = ['fail', 'fail'];
    expect(await catga.send(new PlaceOrder('o-3'))).toMatchObject({ ok: false, error: { code: 'TRANSPORT_FAILED' } });
    expect(await store.counts()).toEqual({ pending: 0, leased: 0, published: 0, dead: 0 });
    await catga.outbox!.runOnce();
    expect(seen).toEqual([]);
    await catga.close();
  });

  it('fails the call with PERSISTENCE_FAILED, publishing nothing, when the append fails', async () => {
    const store = new MemoryOutboxStore();
    store.append = async () => {
      throw new Error('redis down');
    };
    const { catga } = build({ store });
    const result = await catga.send(new PlaceOrder('o-4'));
    expect(result).toMatchObject({ ok: false, error: { code: 'PERSISTENCE_FAILED', retryable: true, details: { events: ['OrderPlaced', 'OrderPlaced'] } } });
    expect(seen).toEqual([]);
    await catga.close();
  });

  it('refuses a publish after the handler returned, and an event that cannot be serialised', async () => {
    const { catga, store } = build();
    attempts = ['leak'];
    await catga.send(new PlaceOrder('o-5'));
    await eventually(() => leaked !== undefined, 'the late publish');
    expect(await leaked).toMatchObject({ ok: false, error: { code: 'PIPELINE_FAILED', message: expect.stringContaining('after its call') } });
    attempts = ['bad-event'];
    await catga.send(new PlaceOrder('o-6'));
    expect(badEvent).toMatchObject({ ok: false, error: { code: 'SERIALIZATION_FAILED' } });
    await eventually(async () => (await store.counts()).published === 4, 'the good events');
    await catga.close();
  });

  it('retries a failed publish with backoff until the transport takes it', async () => {
    const transport = new FlakyTransport();
    transport.failures = 2;
    const { catga, store } = build({ transport, maxAttempts: 5 });
    await catga.send(new PlaceOrder('o-7'));
    await eventually(() => seen.length === 2, 'the retried events');
    expect(seen.sort()).toEqual(['o-7#1', 'o-7#2']);
    expect(await store.counts()).toMatchObject({ published: 2, dead: 0 });
    await catga.close();
  });

  it('dead-letters an event after maxAttempts, and at once after a final failure', async () => {
    const transport = new FlakyTransport();
    transport.failures = 1_000;
    const { catga, store, deadLetters } = build({ transport, maxAttempts: 2 });
    await catga.send(new PlaceOrder('o-8'));
    await eventually(async () => (await store.counts()).dead === 2, 'two dead entries');
    const entries = await deadLetters.list();
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ messageType: 'OrderPlaced', kind: 'event', handler: 'outbox', error: { code: 'TRANSPORT_FAILED' }, message: { orderId: 'o-8' } });
    await catga.close();

    const final = new FlakyTransport();
    final.failures = 1;
    final.finalFailure = true;
    const second = build({ transport: final, maxAttempts: 5 });
    await second.catga.send(new PlaceOrder('o-9'));
    await eventually(async () => (await second.store.counts()).dead === 1 && (await second.store.counts()).published === 1, 'one dead, one published');
    await second.catga.close();
  });

  it('dead-letters an entry it cannot rebuild, without publishing it', async () => {
    const store = new MemoryOutboxStore();
    const { catga, deadLetters } = build({ store });
    await store.append([{ id: 'x1', messageType: 'OrderPlaced', message: { orderId: 'o', nested: JSON.parse('{"__proto__": {"polluted": true}}') } }]);
    await store.append([{ id: 'x2', messageType: 'NoSuchEvent', message: {} }]);
    for (let i = 0; i < 3; i++) {
      await catga.outbox!.runOnce();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(seen).toEqual([]);
    expect((await deadLetters.list()).map((e) => [e.messageType, e.error.code])).toEqual([
      ['OrderPlaced', 'SERIALIZATION_FAILED'],
      ['NoSuchEvent', 'SERIALIZATION_FAILED'],
    ]);
    await catga.close();
  });

  it('stops on close and leaves what it did not publish in the store', async () => {
    const transport = new FlakyTransport();
    transport.failures = 1_000;
    const { catga, store } = build({ transport, maxAttempts: 1_000 });
    await catga.send(new PlaceOrder('o-10'));
    await catga.close();
    const counts = await store.counts();
    expect(counts.pending + counts.leased).toBe(2);
    expect(await catga.send(new PlaceOrder('o-11'))).toMatchObject({ ok: false, error: { code: 'TRANSPORT_FAILED' } });
  });

  it('refuses bad settings with the field named', () => {
    expect(() => createCatga().withOutbox({ batchSize: 0 })).toThrow(/withOutbox\.batchSize/);
    expect(() => createCatga().withOutbox({ leaseMs: -5 })).toThrow(/withOutbox\.leaseMs/);
    expect(() => createCatga().withOutbox({ bogus: 1 } as never)).toThrow(/withOutbox\.bogus/);
  });
});
