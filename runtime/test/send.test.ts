import {
  CatgaCommand,
  CatgaError,
  CatgaHandler,
  CatgaQuery,
  Command,
  type CommandHandler,
  ErrorCode,
  Event,
  type HandlerContext,
  Query,
  createCatga,
} from '@catga/runtime';

interface Quote {
  readonly sku: string;
  readonly price: number;
}

@CatgaQuery()
class GetQuote extends Query<Quote> {
  constructor(readonly sku: string) {
    super();
  }
}

@CatgaHandler(GetQuote)
class GetQuoteHandler {
  // Synchronous on purpose: the runtime accepts plain values (the fast path).
  handle(query: GetQuote): Quote {
    if (query.sku === 'missing') throw new CatgaError('NOT_FOUND', `No product ${query.sku}`, { details: { sku: query.sku } });
    if (query.sku === 'bug') return (undefined as unknown as { boom(): Quote }).boom();
    if (query.sku === 'flaky') throw new Error('connection reset');
    if (query.sku === 'string') throw 'plain string';
    return { sku: query.sku, price: 42 };
  }
}

@CatgaCommand()
class Archive extends Command {
  constructor(readonly id: string) {
    super();
  }
}

const archived: string[] = [];

@CatgaHandler(Archive)
class ArchiveHandler implements CommandHandler<Archive> {
  async handle(command: Archive): Promise<void> {
    archived.push(command.id);
  }
}

@CatgaCommand()
class Slow extends Command<string> {}

@CatgaHandler(Slow)
class SlowHandler {
  seenSignal: AbortSignal | undefined;
  handle(_command: Slow, context: HandlerContext): Promise<string> {
    this.seenSignal = context.signal;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve('done'), 5_000);
      context.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new Error('aborted by signal'));
      });
    });
  }
}

@CatgaCommand()
class Stubborn extends Command<string> {}

@CatgaHandler(Stubborn)
class StubbornHandler {
  handle(): Promise<string> {
    // Ignores its signal: the caller must still get CANCELLED promptly.
    return new Promise((resolve) => setTimeout(() => resolve('late'), 50));
  }
}

function build() {
  const slow = new SlowHandler();
  const catga = createCatga({ name: 'send-test' })
    .handler(GetQuoteHandler)
    .handler(ArchiveHandler)
    .handler(SlowHandler, () => slow)
    .handler(StubbornHandler)
    .build();
  return { catga, slow };
}

describe('send', () => {
  it('returns the handler value as an ok result', async () => {
    const { catga } = build();
    const result = await catga.send(new GetQuote('sku-1'));
    expect(result).toEqual({ ok: true, value: { sku: 'sku-1', price: 42 } });
  });

  it('runs a command without result through the same path (value undefined)', async () => {
    const { catga } = build();
    const result = await catga.send(new Archive('a-1'));
    expect(result).toEqual({ ok: true, value: undefined });
    expect(archived).toContain('a-1');
  });

  it('works with destructured methods', async () => {
    const { send } = build().catga;
    expect((await send(new GetQuote('x'))).ok).toBe(true);
  });

  it('reports HANDLER_NOT_FOUND for a command nobody handles', async () => {
    class Orphan extends Command<number> {}
    const result = await build().catga.send(new Orphan());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(ErrorCode.HANDLER_NOT_FOUND);
    expect(result.error.message).toBe('No handler for command "Orphan" in Catga instance "send-test"');
    expect(result.error.retryable).toBe(false);
  });

  it('keeps the code of a CatgaError thrown by the handler', async () => {
    const result = await build().catga.send(new GetQuote('missing'));
    expect(result.ok || result.error.code).toBe('NOT_FOUND');
    expect(result.ok || result.error.details).toEqual({ sku: 'missing' });
  });

  it('turns any other throw into HANDLER_FAILED with the cause kept', async () => {
    const result = await build().catga.send(new GetQuote('flaky'));
    if (result.ok) throw new Error('expected failure');
    expect(result.error).toBeInstanceOf(CatgaError);
    expect(result.error.code).toBe('HANDLER_FAILED');
    expect(result.error.message).toBe('GetQuoteHandler failed on "GetQuote": connection reset');
    expect((result.error.cause as Error).message).toBe('connection reset');
    expect(result.error.retryable).toBe(true);
    expect(result.error.details).toMatchObject({ handler: 'GetQuoteHandler', messageType: 'GetQuote' });
  });

  it('marks programming errors (TypeError) as not retryable', async () => {
    const result = await build().catga.send(new GetQuote('bug'));
    expect(result.ok || [result.error.code, result.error.retryable]).toEqual(['HANDLER_FAILED', false]);
    expect(result.ok || result.error.cause).toBeInstanceOf(TypeError);
  });

  it('handles a thrown non-Error value', async () => {
    const result = await build().catga.send(new GetQuote('string'));
    expect(result.ok || result.error.message).toContain('plain string');
    expect(result.ok || result.error.cause).toBe('plain string');
  });

  it('never rejects for bad input: not a message, an event, null', async () => {
    const { catga } = build();
    class Happened extends Event {}
    for (const bad of [null, undefined, 42, { messageType: 'GetQuote' }, new Happened()]) {
      const result = await catga.send(bad as never);
      expect(result.ok || result.error.code).toBe('VALIDATION_FAILED');
    }
    const eventResult = await catga.send(new Happened() as never);
    expect(eventResult.ok || eventResult.error.message).toBe('send() expects a Command or Query instance, got an instance of Happened');
  });

  it('does not run the handler inside the caller\'s call stack (asynchronous dispatch)', async () => {
    const { catga } = build();
    const before = archived.length;
    const pending = catga.send(new Archive('async-1'));
    expect(archived.length).toBe(before);
    await pending;
    expect(archived).toContain('async-1');
  });

  it('starts the handler inside send() with asyncDispatch: false (highPerformance), same result', async () => {
    const catga = createCatga({ preset: 'highPerformance' }).handler(ArchiveHandler).handler(GetQuoteHandler).build();
    expect(catga.options.asyncDispatch).toBe(false);
    const pending = catga.send(new Archive('inline-1'));
    expect(archived).toContain('inline-1');
    expect(await pending).toEqual({ ok: true, value: undefined });
    expect(await catga.send(new GetQuote('flaky'))).toMatchObject({ ok: false, error: { code: 'HANDLER_FAILED' } });
  });
});

describe('send with an AbortSignal', () => {
  it('returns CANCELLED without running the handler when already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    const before = archived.length;
    const result = await build().catga.send(new Archive('never'), { signal: controller.signal });
    expect(result.ok || [result.error.code, result.error.message]).toEqual(['CANCELLED', '"Archive" was cancelled: user left']);
    expect(archived.length).toBe(before);
  });

  it('passes the signal to the handler and returns CANCELLED when it aborts mid-flight', async () => {
    const { catga, slow } = build();
    const controller = new AbortController();
    const pending = catga.send(new Slow(), { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(slow.seenSignal?.aborted).toBe(false);
    controller.abort();
    const result = await pending;
    expect(result.ok || result.error.code).toBe('CANCELLED');
    expect(slow.seenSignal?.aborted).toBe(true);
  });

  it('returns CANCELLED promptly even when the handler ignores the signal', async () => {
    const controller = new AbortController();
    const pending = build().catga.send(new Stubborn(), { signal: controller.signal });
    setTimeout(() => controller.abort(), 1);
    const result = await pending;
    expect(result.ok || result.error.code).toBe('CANCELLED');
    await new Promise((resolve) => setTimeout(resolve, 60)); // the abandoned handler settles without an unhandled rejection
  });
});
