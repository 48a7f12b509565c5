import { CatgaError, CatgaEvent, CatgaHandler, Event, type EventHandler, PublishError, createCatga } from '@catga/runtime';

@CatgaEvent()
class StockLow extends Event {
  constructor(readonly sku: string) {
    super();
  }
}

const seen: string[] = [];

@CatgaHandler(StockLow)
class EmailBuyer implements EventHandler<StockLow> {
  async handle(event: StockLow): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    seen.push(`email:${event.sku}`);
  }
}

@CatgaHandler(StockLow)
class BrokenDashboard implements EventHandler<StockLow> {
  handle(): void {
    throw new Error('dashboard down');
  }
}

@CatgaHandler(StockLow)
class Reorder implements EventHandler<StockLow> {
  handle(event: StockLow): void {
    seen.push(`reorder:${event.sku}`);
  }
}

@CatgaHandler(StockLow)
class Unauthorized implements EventHandler<StockLow> {
  handle(): void {
    throw new CatgaError('FORBIDDEN', 'not allowed');
  }
}

describe('publish', () => {
  beforeEach(() => seen.splice(0));

  it('runs every handler and reports ok with the handler count', async () => {
    const catga = createCatga().handler(EmailBuyer).handler(Reorder).build();
    const result = await catga.publish(new StockLow('sku-1'));
    expect(result).toEqual({ ok: true, value: { eventType: 'StockLow', handlers: 2 } });
    expect(seen.sort()).toEqual(['email:sku-1', 'reorder:sku-1']);
  });

  it('is ok with no handlers (an event may have no subscribers)', async () => {
    const result = await createCatga().build().publish(new StockLow('x'));
    expect(result).toEqual({ ok: true, value: { eventType: 'StockLow', handlers: 0 } });
  });

  it('keeps running the other handlers when one fails and reports every failure', async () => {
    const catga = createCatga().handler(EmailBuyer).handler(BrokenDashboard).handler(Reorder).handler(Unauthorized).build();
    const result = await catga.publish(new StockLow('sku-2'));
    expect(seen.sort()).toEqual(['email:sku-2', 'reorder:sku-2']);
    if (result.ok) throw new Error('expected failure');
    const error = result.error as PublishError;
    expect(error).toBeInstanceOf(PublishError);
    expect(error.code).toBe('HANDLER_FAILED'); // mixed codes
    expect(error.handlers).toBe(4);
    expect(error.failures.map((f) => [f.handler, f.error.code])).toEqual([
      ['BrokenDashboard', 'HANDLER_FAILED'],
      ['Unauthorized', 'FORBIDDEN'],
    ]);
    expect(error.message).toBe(
      '2 of 4 handler(s) of event "StockLow" failed: BrokenDashboard (HANDLER_FAILED: BrokenDashboard failed on "StockLow": dashboard down); Unauthorized (FORBIDDEN: not allowed)',
    );
    expect(error.retryable).toBe(false);
  });

  it('uses the common code when every failure shares it', async () => {
    const result = await createCatga().handler(Unauthorized).build().publish(new StockLow('s'));
    expect(result.ok || result.error.code).toBe('FORBIDDEN');
  });

  it('rejects a command passed as an event with VALIDATION_FAILED', async () => {
    const result = await createCatga().build().publish({} as never);
    expect(result.ok || result.error.code).toBe('VALIDATION_FAILED');
  });

  it('publishBatch delivers events in order by default', async () => {
    const order: string[] = [];
    @CatgaEvent()
    class Tick extends Event {
      constructor(readonly n: number) {
        super();
      }
    }
    @CatgaHandler(Tick)
    class Recorder {
      async handle(event: Tick): Promise<void> {
        await new Promise((resolve) => setTimeout(resolve, 5 - event.n));
        order.push(String(event.n));
      }
    }
    const catga = createCatga().handler(Recorder).build();
    const results = await catga.publishBatch([new Tick(1), new Tick(2), new Tick(3)]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(order).toEqual(['1', '2', '3']);
  });
});
