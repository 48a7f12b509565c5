import {
  CatgaCommand,
  CatgaError,
  CatgaEvent,
  CatgaHandler,
  Command,
  Event,
  createCatga,
  jsonCodec,
  memoryTransport,
} from '@catga/runtime';

@CatgaCommand()
class Book extends Command<{ room: string; from: Date; nights: number }> {
  constructor(
    readonly room: string,
    readonly from: Date,
    readonly nights: number,
    readonly extras: unknown = [],
  ) {
    super();
  }
  /** Methods on the message's own class are fine: the receiver rebuilds the same class. */
  get summary(): string {
    return `${this.room} x${this.nights}`;
  }
}

@CatgaEvent()
class Booked extends Event {
  constructor(readonly room: string) {
    super();
  }
}

const received: Book[] = [];
const events: Booked[] = [];

@CatgaHandler(Book)
class BookHandler {
  handle(command: Book): { room: string; from: Date; nights: number } {
    received.push(command);
    // Deliberately wrong at run time; the cast gets it past the compile-time check the decorator performs.
    if (command.room === 'leaky') return { leak: () => undefined } as unknown as { room: string; from: Date; nights: number };
    if (command.room === 'odd-error') throw new CatgaError('CONFLICT', 'taken', { details: { holder: new Map() } });
    if (command.room === 'clone') return { ...structuredClone({ room: 'clone', nights: 1 }), from: command.from };
    if (command.room === 'clone-date') return structuredClone({ room: 'clone', from: command.from, nights: 1 });
    if (command.room === 'huge') return { room: 'x'.repeat(2_000), from: command.from, nights: 1 };
    return { room: command.summary, from: command.from, nights: command.nights };
  }
}

@CatgaHandler(Booked)
class BookedHandler {
  handle(event: Booked): void {
    events.push(event);
  }
}

const development = () =>
  createCatga({ preset: 'development', maxPayloadBytes: 1_024 }).handler(BookHandler).handler(BookedHandler).build();

describe('memory transport in the development preset (codec round trip)', () => {
  beforeEach(() => {
    received.splice(0);
    events.splice(0);
  });

  it('hands the handler a decoded copy of the same class, with contract and Date intact', async () => {
    const original = new Book('101', new Date('2026-12-01T00:00:00Z'), 2);
    const result = await development().send(original);
    expect(result.ok).toBe(true);
    const copy = received[0]!;
    expect(copy).not.toBe(original);
    expect(copy).toBeInstanceOf(Book);
    expect(copy.summary).toBe('101 x2');
    expect(copy.from).toEqual(original.from);
    expect([copy.messageId, copy.correlationId, copy.createdAt, copy.messageType]).toEqual([
      original.messageId,
      original.correlationId,
      original.createdAt,
      'Book',
    ]);
    if (result.ok) expect(result.value.from).toBeInstanceOf(Date);
  });

  it('catches a message that cannot cross a transport, before the handler runs', async () => {
    const result = await development().send(new Book('102', new Date(), 1, { callback: () => 1 }));
    expect(result.ok || [result.error.code, result.error.details.path]).toEqual(['SERIALIZATION_FAILED', '$.extras.callback']);
    expect(received).toHaveLength(0);
  });

  it('catches a result that cannot cross a transport', async () => {
    const result = await development().send(new Book('leaky', new Date(), 1));
    expect(result.ok || result.error.message).toBe('the result of "Book" cannot cross a transport: $.leak is a function (leak)');
  });

  it('checks that a failure\'s details could cross a transport too, keeping the original error as cause', async () => {
    const result = await development().send(new Book('odd-error', new Date(), 1));
    if (result.ok) throw new Error('expected failure');
    expect(result.error.code).toBe('SERIALIZATION_FAILED');
    expect(result.error.message).toBe('the CONFLICT error of "Book" cannot cross a transport: $.details.holder is a Map; use an array or a plain object');
    expect((result.error.cause as CatgaError).code).toBe('CONFLICT');
  });

  it('accepts plain objects from another realm (structuredClone under jest)', async () => {
    const result = await development().send(new Book('clone', new Date(), 1));
    expect(result.ok || result.error.message).toBe(true);
    const foreignDate = await development().send(new Book('clone-date', new Date(), 1));
    expect(foreignDate.ok || foreignDate.error.message).toContain('$.from is a Date from another realm');
  });

  it('enforces the payload size limit on messages and results', async () => {
    const big = await development().send(new Book('103', new Date(), 1, 'y'.repeat(5_000)));
    expect(big.ok || [big.error.code, big.error.details.limit]).toEqual(['SERIALIZATION_FAILED', 1_024]);
    expect(received).toHaveLength(0);
    const bigResult = await development().send(new Book('huge', new Date(), 1));
    expect(bigResult.ok || bigResult.error.message).toMatch(/^the result of "Book" is \d+ bytes, over the 1024-byte limit$/);
  });

  it('refuses decoded messages with prototype-polluting keys', async () => {
    const hostile = new Book('104', new Date(), 1, JSON.parse('{"__proto__":{"admin":true}}'));
    const result = await development().send(hostile);
    expect(result.ok || [result.error.code, result.error.details.path, result.error.message]).toEqual([
      'SERIALIZATION_FAILED',
      '$.extras.__proto__',
      'command "Book" cannot cross a transport: $.extras.__proto__ is a key codecs cannot carry safely',
    ]);
    expect(received).toHaveLength(0);
  });

  it('round-trips events too', async () => {
    const event = new Booked('105');
    const result = await development().publish(event);
    expect(result.ok).toBe(true);
    expect(events[0]).toBeInstanceOf(Booked);
    expect(events[0]).not.toBe(event);
    expect(events[0]!.messageId).toBe(event.messageId);
  });

  it('passes instances straight through in production (no copy)', async () => {
    const original = new Book('106', new Date(), 1);
    await createCatga({ preset: 'production' }).handler(BookHandler).build().send(original);
    expect(received[0]).toBe(original);
  });

  it('accepts an explicit transport with the JSON codec', async () => {
    const catga = createCatga().withTransport(memoryTransport({ codec: jsonCodec() })).handler(BookHandler).build();
    const result = await catga.send(new Book('107', new Date('2026-01-02T03:04:05Z'), 3));
    expect(result.ok && result.value.from.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(received[0]).toBeInstanceOf(Book);
  });
});
