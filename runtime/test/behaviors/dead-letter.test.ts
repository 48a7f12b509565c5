import {
  CatgaCommand,
  CatgaError,
  CatgaEvent,
  CatgaHandler,
  Command,
  Event,
  type CatgaResult,
  type ErrorCode,
  type HandlerContext,
  type MessageDescriptor,
  type PipelineBehavior,
  createCatga,
} from '@catga/runtime';
import { BehaviorOrder } from '../../src/behaviors/behavior-order.js';
import { deadLetterBehavior } from '../../src/behaviors/dead-letter.js';
import { type DeadLetterEntry, type DeadLetterStore, MemoryDeadLetterStore } from '../../src/behaviors/dead-letter-store.js';

@CatgaCommand()
class Ship extends Command<string> {
  constructor(
    readonly orderId: string,
    readonly lines: number,
  ) {
    super();
  }
}

@CatgaCommand({ deadLetter: true })
class Refund extends Command<string> {}

@CatgaCommand({ deadLetter: false })
class Audit extends Command<string> {}

@CatgaEvent()
class Shipped extends Event {
  constructor(readonly orderId: string) {
    super();
  }
}

/** What the next handler calls do, in turn; when the script runs out a handler returns 'done'. */
type Step = (context: HandlerContext) => string | Promise<string>;
let script: Step[] = [];
let handled = 0;

function run(context: HandlerContext): string | Promise<string> {
  handled++;
  const step = script.shift();
  return step === undefined ? 'done' : step(context);
}

const throws = (thrown: unknown): Step => () => {
  throw thrown;
};

@CatgaHandler(Ship)
class ShipHandler {
  handle(_command: Ship, context: HandlerContext): string | Promise<string> {
    return run(context);
  }
}
@CatgaHandler(Refund)
class RefundHandler {
  handle(_command: Refund, context: HandlerContext): string | Promise<string> {
    return run(context);
  }
}
@CatgaHandler(Audit)
class AuditHandler {
  handle(_command: Audit, context: HandlerContext): string | Promise<string> {
    return run(context);
  }
}
@CatgaHandler(Shipped)
class NotifyCustomer {
  async handle(_event: Shipped, context: HandlerContext): Promise<void> {
    await run(context);
  }
}
@CatgaHandler(Shipped)
class UpdateStock {
  async handle(_event: Shipped, context: HandlerContext): Promise<void> {
    await run(context);
  }
}

function build(store: DeadLetterStore, enabled = true, ...behaviors: Array<[PipelineBehavior, number]>) {
  // highPerformance: the preset's own dead-lettering, timeouts and breakers stay off; only the behaviour under test.
  let builder = createCatga({ preset: 'highPerformance' }).use(deadLetterBehavior({ store, enabled }), { order: BehaviorOrder.deadLetter });
  for (const [behavior, order] of behaviors) builder = builder.use(behavior, { order });
  return builder.handler(ShipHandler).handler(RefundHandler).handler(AuditHandler).handler(NotifyCustomer).handler(UpdateStock).build();
}

/** A retry stand-in: calls next() up to three times while the failure is retryable. */
const retryThrice: PipelineBehavior = {
  name: 'retry-thrice',
  async handle(_message, _context, next) {
    let result = await next();
    for (let attempt = 2; attempt <= 3 && !result.ok && result.error.retryable; attempt++) result = await next();
    return result;
  },
};

describe('dead-letter behaviour', () => {
  beforeEach(() => {
    script = [];
    handled = 0;
  });
  afterEach(() => jest.useRealTimers());

  it('stores a crashed message with its ids, fields and error, and returns the failure unchanged', async () => {
    jest.useFakeTimers({ now: new Date('2025-03-01T12:00:00Z') });
    const store = new MemoryDeadLetterStore();
    const catga = build(store);
    const ship = new Ship('o-1', 2);
    script = [throws(new Error('warehouse offline'))];
    const result = await catga.send(ship);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const entries = await store.list();
    expect(entries).toHaveLength(1);
    const entry = entries[0]!;
    expect(entry.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(entry.id).not.toBe(ship.messageId);
    expect({ ...entry, id: 'x' }).toEqual({
      id: 'x',
      messageType: 'Ship',
      kind: 'command',
      handler: 'ShipHandler',
      messageId: ship.messageId,
      correlationId: ship.correlationId,
      causationId: undefined,
      message: {
        messageId: ship.messageId,
        correlationId: ship.correlationId,
        causationId: undefined,
        createdAt: Date.parse('2025-03-01T12:00:00Z'),
        orderId: 'o-1',
        lines: 2,
      },
      error: {
        code: 'HANDLER_FAILED',
        message: 'ShipHandler failed on "Ship": warehouse offline',
        retryable: true,
        details: { handler: 'ShipHandler', messageType: 'Ship', messageId: ship.messageId },
      },
      failedAt: Date.parse('2025-03-01T12:00:00Z'),
    });
    expect(result.error.toJSON()).toEqual(entry.error);
    expect((result.error.cause as Error).message).toBe('warehouse offline');
  });

  it('stores retryable failures and crashes only; never cancellations, invalid messages or domain outcomes', async () => {
    const store = new MemoryDeadLetterStore();
    const catga = build(store);
    const cases: Array<[string, unknown]> = [
      ['TIMEOUT', new CatgaError('TIMEOUT', 'slow')],
      ['INTERNAL_ERROR', new CatgaError('INTERNAL_ERROR', 'bug')],
      ['PIPELINE_FAILED', new CatgaError('PIPELINE_FAILED', 'behaviour broke')],
      ['HANDLER_FAILED (TypeError, not retryable)', new TypeError('x is undefined')],
      ['TRANSPORT_FAILED (retryable)', new CatgaError('TRANSPORT_FAILED', 'nats down')],
      ['SERIALIZATION_FAILED (not retryable)', new CatgaError('SERIALIZATION_FAILED', 'bad bytes')],
      ['CANCELLED', new CatgaError('CANCELLED', 'gone')],
      ['VALIDATION_FAILED', new CatgaError('VALIDATION_FAILED', 'bad')],
      ['NOT_FOUND', new CatgaError('NOT_FOUND', 'no order')],
      ['CONFLICT (even retryable)', new CatgaError('CONFLICT', 'busy', { retryable: true })],
      ['UNAUTHORIZED', new CatgaError('UNAUTHORIZED', 'who')],
      ['FORBIDDEN', new CatgaError('FORBIDDEN', 'no')],
    ];
    const stored: string[] = [];
    for (const [label, thrown] of cases) {
      script = [throws(thrown)];
      const before = await store.size();
      await catga.send(new Ship(label, 1));
      if ((await store.size()) > before) stored.push(label);
    }
    expect(stored).toEqual([
      'TIMEOUT',
      'INTERNAL_ERROR',
      'PIPELINE_FAILED',
      'HANDLER_FAILED (TypeError, not retryable)',
      'TRANSPORT_FAILED (retryable)',
    ]);
  });

  it('stores nothing for a success', async () => {
    const store = new MemoryDeadLetterStore();
    expect(await build(store).send(new Ship('o-1', 1))).toEqual({ ok: true, value: 'done' });
    expect(await store.size()).toBe(0);
  });

  it('follows the instance setting unless the message says otherwise', async () => {
    const off = new MemoryDeadLetterStore();
    const offCatga = build(off, false);
    for (const message of [new Ship('o-1', 1), new Refund(), new Audit()]) {
      script = [throws(new Error('down'))];
      await offCatga.send(message);
    }
    expect((await off.list()).map((entry) => entry.messageType)).toEqual(['Refund']);

    const on = new MemoryDeadLetterStore();
    const onCatga = build(on, true);
    for (const message of [new Ship('o-1', 1), new Refund(), new Audit()]) {
      script = [throws(new Error('down'))];
      await onCatga.send(message);
    }
    expect((await on.list()).map((entry) => entry.messageType)).toEqual(['Ship', 'Refund']);

    const descriptor: MessageDescriptor = { typeName: 'Ship', kind: 'command', handlerName: 'ShipHandler', messageClass: Ship, options: {} };
    expect(deadLetterBehavior({ store: on, enabled: false }).forMessage?.(descriptor)).toBeUndefined();
  });

  it('stores one entry per failed event handler', async () => {
    const store = new MemoryDeadLetterStore();
    script = [() => 'notified', throws(new Error('stock db down'))];
    const published = await build(store).publish(new Shipped('o-1'));
    expect(published.ok).toBe(false);
    const entries = await store.list();
    expect(entries.map((entry) => [entry.kind, entry.messageType, entry.handler, entry.message['orderId']])).toEqual([['event', 'Shipped', 'UpdateStock', 'o-1']]);
  });

  it('returns the original failure when the store fails', async () => {
    const broken: DeadLetterStore = {
      add: () => Promise.reject(new Error('disk full')),
      list: () => Promise.resolve([]),
      remove: () => Promise.resolve(false),
      size: () => Promise.resolve(0),
    };
    const thrown = new CatgaError('TIMEOUT', 'slow');
    script = [throws(thrown)];
    const result: CatgaResult<string> = await build(broken).send(new Ship('o-1', 1));
    expect(result).toEqual({ ok: false, error: thrown });
    expect(result.ok || result.error).toBe(thrown);
  });

  it('sits outside retry: only a failure that survived every attempt is stored, once', async () => {
    const store = new MemoryDeadLetterStore();
    const catga = build(store, true, [retryThrice, BehaviorOrder.retry]);
    script = [throws(new Error('flaky')), throws(new Error('flaky'))];
    expect(await catga.send(new Ship('o-1', 1))).toEqual({ ok: true, value: 'done' });
    expect(await store.size()).toBe(0);

    handled = 0;
    script = [throws(new Error('down 1')), throws(new Error('down 2')), throws(new Error('down 3'))];
    await catga.send(new Ship('o-2', 1));
    expect(handled).toBe(3);
    const entries = await store.list();
    expect(entries.map((entry) => entry.error.message)).toEqual(['ShipHandler failed on "Ship": down 3']);
  });

  it('does not store a call the caller cancelled', async () => {
    const store = new MemoryDeadLetterStore();
    const controller = new AbortController();
    let handlerGaveUp!: () => void;
    const gaveUp = new Promise<void>((resolve) => (handlerGaveUp = resolve));
    script = [
      (context) =>
        new Promise<string>((_resolve, reject) =>
          context.signal.addEventListener('abort', () => {
            reject(new Error('aborted by caller'));
            handlerGaveUp();
          }),
        ),
    ];
    const call = build(store).send(new Ship('o-1', 1), { signal: controller.signal });
    await Promise.resolve();
    controller.abort(new Error('client went away'));
    const result = await call;
    expect(result.ok || result.error.code).toBe('CANCELLED');
    await gaveUp;
    for (let i = 0; i < 10; i++) await Promise.resolve(); // let the pipeline finish behind the caller
    expect(handled).toBe(1);
    expect(await store.size()).toBe(0);
  });
});

describe('MemoryDeadLetterStore', () => {
  function entry(id: string, messageType = 'Ship'): DeadLetterEntry {
    return {
      id,
      messageType,
      kind: 'command',
      handler: `${messageType}Handler`,
      messageId: `m-${id}`,
      correlationId: `m-${id}`,
      causationId: undefined,
      message: {},
      error: { code: 'HANDLER_FAILED' as ErrorCode, message: 'boom', retryable: true, details: {} },
      failedAt: 0,
    };
  }

  it('lists oldest first, filtered by type and limited, and removes by id', async () => {
    const store = new MemoryDeadLetterStore();
    for (const [id, type] of [['1', 'Ship'], ['2', 'Refund'], ['3', 'Ship'], ['4', 'Ship']] as const) await store.add(entry(id, type));
    expect((await store.list()).map((e) => e.id)).toEqual(['1', '2', '3', '4']);
    expect((await store.list({ messageType: 'Ship', limit: 2 })).map((e) => e.id)).toEqual(['1', '3']);
    expect(await store.remove('3')).toBe(true);
    expect(await store.remove('3')).toBe(false);
    expect(await store.size()).toBe(3);
  });

  it('drops the oldest entries beyond maxEntries and counts them', async () => {
    const store = new MemoryDeadLetterStore({ maxEntries: 2 });
    for (const id of ['1', '2', '3', '4']) await store.add(entry(id));
    expect((await store.list()).map((e) => e.id)).toEqual(['3', '4']);
    expect(store.dropped).toBe(2);
    expect(() => new MemoryDeadLetterStore({ maxEntries: 0 })).toThrow('maxEntries');
  });
});
