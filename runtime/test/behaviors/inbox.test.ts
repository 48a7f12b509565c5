import {
  CatgaCommand,
  CatgaError,
  CatgaEvent,
  CatgaHandler,
  CatgaQuery,
  Command,
  ErrorCode,
  Event,
  type InboxClaim,
  type InboxStore,
  MemoryInboxStore,
  Query,
  type StoredResult,
  createCatga,
} from '@catga/runtime';

@CatgaCommand()
class Charge extends Command<{ charged: number }> {
  constructor(readonly orderId: string, readonly amount: number) {
    super();
  }
}

@CatgaQuery()
class Balance extends Query<number> {}

@CatgaEvent()
class OrderPaid extends Event {
  constructor(readonly orderId: string) {
    super();
  }
}

/** What the next Charge calls do; by default they succeed. */
let behaviour: Array<() => Promise<{ charged: number }>> = [];
let charges = 0;
let balances = 0;
const eventCalls: string[] = [];
let failReceiptOnce = false;

@CatgaHandler(Charge)
class ChargeHandler {
  async handle(command: Charge): Promise<{ charged: number }> {
    charges++;
    const next = behaviour.shift();
    return next === undefined ? { charged: command.amount } : next();
  }
}
@CatgaHandler(Balance)
class BalanceHandler {
  handle(): number {
    return ++balances;
  }
}
@CatgaHandler(OrderPaid)
class SendReceipt {
  handle(event: OrderPaid): void {
    eventCalls.push(`receipt:${event.orderId}`);
    if (failReceiptOnce) {
      failReceiptOnce = false;
      throw new CatgaError(ErrorCode.TRANSPORT_FAILED, 'mail server down', { retryable: true });
    }
  }
}
@CatgaHandler(OrderPaid)
class ShipOrder {
  handle(event: OrderPaid): void {
    eventCalls.push(`ship:${event.orderId}`);
  }
}

/** An inbox store whose calls are logged and that can be made to fail. */
class SpyInbox implements InboxStore {
  readonly inner = new MemoryInboxStore();
  readonly log: string[] = [];
  failing = false;
  private check(entry: string): void {
    this.log.push(entry);
    if (this.failing) throw new Error('redis down');
  }
  async tryLock(id: string, lockTtlMs: number): Promise<InboxClaim> {
    this.check(`tryLock ${id}`);
    return this.inner.tryLock(id, lockTtlMs);
  }
  async markProcessed(id: string, token: string, result: StoredResult, ttlMs: number): Promise<boolean> {
    this.check(`markProcessed ${id}`);
    return this.inner.markProcessed(id, token, result, ttlMs);
  }
  async release(id: string, token: string): Promise<boolean> {
    this.check(`release ${id}`);
    return this.inner.release(id, token);
  }
}

function build(store: InboxStore) {
  return createCatga({ preset: 'highPerformance' })
    .withInbox({ store })
    .withRetry(false)
    .handler(ChargeHandler)
    .handler(BalanceHandler)
    .handler(SendReceipt)
    .handler(ShipOrder)
    .build();
}

beforeEach(() => {
  behaviour = [];
  charges = 0;
  balances = 0;
  eventCalls.length = 0;
  failReceiptOnce = false;
});

describe('inbox behaviour', () => {
  it('runs a redelivered command once and answers the duplicate with the stored result', async () => {
    const store = new SpyInbox();
    const catga = build(store);
    const command = new Charge('o-1', 30);
    expect(await catga.send(command)).toEqual({ ok: true, value: { charged: 30 } });
    expect(await catga.send(command)).toEqual({ ok: true, value: { charged: 30 } });
    expect(charges).toBe(1);
    expect(store.log).toEqual([`tryLock Charge:${command.messageId}`, `markProcessed Charge:${command.messageId}`, `tryLock Charge:${command.messageId}`]);
    // A new message (new id) with the same fields is another message: it runs.
    expect(await catga.send(new Charge('o-1', 30))).toMatchObject({ ok: true });
    expect(charges).toBe(2);
  });

  it('answers a duplicate that arrives while the first is running with a retryable LOCK_FAILED', async () => {
    let finish!: () => void;
    behaviour = [() => new Promise((resolve) => (finish = () => resolve({ charged: 1 })))];
    const catga = build(new MemoryInboxStore());
    const command = new Charge('o-1', 1);
    const first = catga.send(command);
    await new Promise((resolve) => setImmediate(resolve));
    const duplicate = await catga.send(command);
    expect(duplicate).toMatchObject({ ok: false, error: { code: 'LOCK_FAILED', retryable: true, details: { messageType: 'Charge', messageId: command.messageId } } });
    finish();
    expect(await first).toEqual({ ok: true, value: { charged: 1 } });
    expect(await catga.send(command)).toEqual({ ok: true, value: { charged: 1 } });
    expect(charges).toBe(1);
  });

  it('unlocks after a retryable failure so that the redelivery runs, and replays final answers', async () => {
    const catga = build(new MemoryInboxStore());
    behaviour = [async () => {
      throw new CatgaError(ErrorCode.TRANSPORT_FAILED, 'bank unreachable', { retryable: true });
    }];
    const flaky = new Charge('o-1', 5);
    expect(await catga.send(flaky)).toMatchObject({ ok: false, error: { code: 'TRANSPORT_FAILED' } });
    expect(await catga.send(flaky)).toEqual({ ok: true, value: { charged: 5 } });
    expect(charges).toBe(2);

    behaviour = [async () => {
      throw new CatgaError(ErrorCode.FORBIDDEN, 'card blocked', { details: { card: 'x' } });
    }];
    const denied = new Charge('o-2', 5);
    const first = await catga.send(denied);
    const replay = await catga.send(denied);
    expect(first).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: 'card blocked' } });
    expect(replay).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: 'card blocked', retryable: false, details: { card: 'x' } } });
    expect(!replay.ok && replay.error).toBeInstanceOf(CatgaError);
    expect(charges).toBe(3);
  });

  it('unlocks after a crash (HANDLER_FAILED), so a re-sent dead letter runs again', async () => {
    const catga = build(new MemoryInboxStore());
    behaviour = [async () => {
      throw new Error('bug');
    }];
    const command = new Charge('o-1', 5);
    expect(await catga.send(command)).toMatchObject({ ok: false, error: { code: 'HANDLER_FAILED' } });
    expect(await catga.send(command)).toEqual({ ok: true, value: { charged: 5 } });
  });

  it('fails with PERSISTENCE_FAILED without running the handler when the store is down', async () => {
    const store = new SpyInbox();
    store.failing = true;
    const catga = build(store);
    const result = await catga.send(new Charge('o-1', 5));
    expect(result).toMatchObject({ ok: false, error: { code: 'PERSISTENCE_FAILED', retryable: true, message: expect.stringContaining('redis down') } });
    expect(charges).toBe(0);
  });

  it('keeps each event handler apart: a redelivery runs only the handler that failed', async () => {
    const catga = build(new MemoryInboxStore());
    failReceiptOnce = true;
    const event = new OrderPaid('o-9');
    expect(await catga.publish(event)).toMatchObject({ ok: false, error: { code: 'TRANSPORT_FAILED' } });
    expect(await catga.publish(event)).toMatchObject({ ok: true });
    expect(await catga.publish(event)).toMatchObject({ ok: true });
    expect(eventCalls.sort()).toEqual(['receipt:o-9', 'receipt:o-9', 'ship:o-9']);
  });

  it('leaves queries alone', async () => {
    const store = new SpyInbox();
    const catga = build(store);
    const query = new Balance();
    expect(await catga.send(query)).toEqual({ ok: true, value: 1 });
    expect(await catga.send(query)).toEqual({ ok: true, value: 2 });
    expect(store.log).toEqual([]);
  });

  it('refuses bad settings with the field named', () => {
    expect(() => createCatga().withInbox({ lockTtlMs: -1 })).toThrow(/withInbox\.lockTtlMs/);
    expect(() => createCatga().withInbox({ store: {} as InboxStore })).toThrow(/withInbox\.store/);
  });
});
