import { CatgaCommand, CatgaHandler, CatgaQuery, Command, type HandlerContext, Query, createCatga } from '@catga/runtime';

@CatgaQuery()
class Square extends Query<number> {
  constructor(readonly n: number) {
    super();
  }
}

@CatgaCommand()
class Label extends Command<string> {
  constructor(readonly n: number) {
    super();
  }
}

let running = 0;
let peak = 0;

@CatgaHandler(Square)
class SquareHandler {
  async handle(query: Square, context: HandlerContext): Promise<number> {
    running++;
    peak = Math.max(peak, running);
    // Later inputs finish first, so ordered output is really the runtime's doing.
    await new Promise((resolve) => setTimeout(resolve, 10 - (query.n % 10)));
    running--;
    if (context.signal.aborted) throw new Error('aborted');
    if (query.n < 0) throw new Error('negative');
    return query.n * query.n;
  }
}

@CatgaHandler(Label)
class LabelHandler {
  handle(command: Label): string {
    return `#${command.n}`;
  }
}

const build = () => createCatga({ batchConcurrency: 4 }).handler(SquareHandler).handler(LabelHandler).build();

async function* numbers(count: number): AsyncGenerator<Square> {
  for (let n = 0; n < count; n++) {
    await Promise.resolve();
    yield new Square(n);
  }
}

describe('sendBatch', () => {
  beforeEach(() => {
    running = 0;
    peak = 0;
  });

  it('returns one result per message, in input order, typed per element', async () => {
    const [square, label, failed] = await build().sendBatch([new Square(3), new Label(7), new Square(-1)] as const);
    const n: number = square.ok ? square.value : -1;
    const s: string = label.ok ? label.value : '';
    expect([n, s]).toEqual([9, '#7']);
    expect(failed.ok || failed.error.code).toBe('HANDLER_FAILED');
  });

  it('bounds concurrency by the instance option and by the call option', async () => {
    const inputs = Array.from({ length: 20 }, (_, n) => new Square(n));
    const results = await build().sendBatch(inputs);
    expect(results.map((r) => (r.ok ? r.value : null))).toEqual(inputs.map((q) => q.n * q.n));
    expect(peak).toBe(4);
    peak = 0;
    await build().sendBatch(inputs, { concurrency: 2 });
    expect(peak).toBe(2);
  });

  it('rejects an invalid concurrency with VALIDATION_FAILED', async () => {
    await expect(build().sendBatch([new Square(1)], { concurrency: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('sendStream', () => {
  beforeEach(() => {
    running = 0;
    peak = 0;
  });

  it('yields results of an async iterable in input order, with bounded concurrency', async () => {
    const values: number[] = [];
    for await (const result of build().sendStream(numbers(12), { concurrency: 3 })) {
      if (result.ok) values.push(result.value);
    }
    expect(values).toEqual(Array.from({ length: 12 }, (_, n) => n * n));
    expect(peak).toBe(3);
  });

  it('accepts a plain iterable and sends one at a time by default', async () => {
    const values: number[] = [];
    for await (const result of build().sendStream([new Square(2), new Square(4)])) if (result.ok) values.push(result.value);
    expect(values).toEqual([4, 16]);
    expect(peak).toBe(1);
  });

  it('stops pulling input once the signal aborts', async () => {
    const controller = new AbortController();
    let pulled = 0;
    async function* endless(): AsyncGenerator<Square> {
      for (let n = 0; ; n++) {
        pulled++;
        yield new Square(n);
      }
    }
    const codes: string[] = [];
    for await (const result of build().sendStream(endless(), { signal: controller.signal })) {
      codes.push(result.ok ? 'ok' : result.error.code);
      if (codes.length === 3) controller.abort();
    }
    expect(codes.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
    expect(pulled).toBeLessThanOrEqual(5);
  });

  it('rethrows an error of the input iterable itself', async () => {
    async function* broken(): AsyncGenerator<Square> {
      yield new Square(1);
      throw new Error('source failed');
    }
    const consume = async (): Promise<void> => {
      for await (const _ of build().sendStream(broken())) void _;
    };
    await expect(consume()).rejects.toThrow('source failed');
  });
});
