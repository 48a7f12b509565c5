import {
  type Catga,
  CatgaCommand,
  CatgaError,
  CatgaEvent,
  CatgaHandler,
  Command,
  createCatga,
  ErrorCode,
  Event,
  type HandlerContext,
  MemorySagaStore,
  saga,
  type SagaFailure,
  type SagaStore,
  unwrap,
} from '@catga/runtime';

// A trip booking: flight, hotel, then payment, then the traveller's confirmation (an event, correlated by trip id).

/** Side effects in the order they happened, e.g. `book-flight t1`. */
let ledger: string[] = [];
/** What the next calls of a handler do, by handler name: `ok`, `busy` (retryable), `refuse` (final), `hang`. */
let scripts: Record<string, string[]> = {};
const next = (handler: string): string => scripts[handler]?.shift() ?? 'ok';

async function act(handler: string, effect: string, signal: AbortSignal): Promise<void> {
  const mode = next(handler);
  if (mode === 'busy') throw new CatgaError(ErrorCode.TRANSPORT_FAILED, `${handler} busy`, { retryable: true });
  if (mode === 'refuse') throw new CatgaError(ErrorCode.CONFLICT, `${handler} refused`);
  if (mode === 'hang') {
    await new Promise((resolve) => signal.addEventListener('abort', resolve));
    throw new CatgaError(ErrorCode.CANCELLED, `${handler} gave up`);
  }
  ledger.push(effect);
}

@CatgaCommand()
class BookFlight extends Command<string> {
  constructor(readonly tripId: string) {
    super();
  }
}
@CatgaCommand()
class CancelFlight extends Command<void> {
  constructor(readonly tripId: string) {
    super();
  }
}
@CatgaCommand()
class BookHotel extends Command<string> {
  constructor(readonly tripId: string, readonly nights: number) {
    super();
  }
}
@CatgaCommand()
class CancelHotel extends Command<void> {
  constructor(readonly tripId: string) {
    super();
  }
}
@CatgaCommand()
class Charge extends Command<{ approved: boolean }> {
  constructor(readonly tripId: string, readonly cents: number, readonly key: string) {
    super();
  }
}
@CatgaEvent()
class TravellerConfirmed extends Event {
  constructor(readonly tripId: string, readonly seat: string) {
    super();
  }
}
@CatgaEvent()
class TripBooked extends Event {
  constructor(readonly tripId: string) {
    super();
  }
}
@CatgaEvent()
class TripFailed extends Event {
  constructor(readonly tripId: string, readonly step: string, readonly code: string) {
    super();
  }
}

@CatgaHandler(BookFlight)
class BookFlightHandler {
  async handle(command: BookFlight, ctx: HandlerContext): Promise<string> {
    await act('BookFlight', `book-flight ${command.tripId}`, ctx.signal);
    return `F-${command.tripId}`;
  }
}
@CatgaHandler(CancelFlight)
class CancelFlightHandler {
  async handle(command: CancelFlight, ctx: HandlerContext): Promise<void> {
    await act('CancelFlight', `cancel-flight ${command.tripId}`, ctx.signal);
  }
}
@CatgaHandler(BookHotel)
class BookHotelHandler {
  async handle(command: BookHotel, ctx: HandlerContext): Promise<string> {
    await act('BookHotel', `book-hotel ${command.tripId}`, ctx.signal);
    return `H-${command.tripId}`;
  }
}
@CatgaHandler(CancelHotel)
class CancelHotelHandler {
  async handle(command: CancelHotel, ctx: HandlerContext): Promise<void> {
    await act('CancelHotel', `cancel-hotel ${command.tripId}`, ctx.signal);
  }
}
@CatgaHandler(Charge)
class ChargeHandler {
  async handle(command: Charge, ctx: HandlerContext): Promise<{ approved: boolean }> {
    if (next('Charge.decision') === 'decline') return { approved: false };
    await act('Charge', `charge ${command.tripId} ${command.cents} key=${command.key}`, ctx.signal);
    return { approved: true };
  }
}
const published: Event[] = [];
@CatgaHandler(TripBooked)
class TripBookedHandler {
  handle(event: TripBooked): void {
    published.push(event);
  }
}
@CatgaHandler(TripFailed)
class TripFailedHandler {
  handle(event: TripFailed): void {
    published.push(event);
  }
}

interface Trip {
  tripId: string;
  nights: number;
  cents: number;
  flight?: string;
  hotel?: string;
  seat?: string;
  upgraded?: boolean;
}

const TripSaga = saga<Trip>('TripSaga')
  .step('flight', {
    run: async (trip, ctx) => ({ flight: unwrap(await ctx.send(new BookFlight(trip.tripId))) }),
    compensate: async (trip, ctx) => void unwrap(await ctx.send(new CancelFlight(trip.tripId))),
  })
  .step('hotel', {
    // Branching on the state: a day trip books no hotel (and so has nothing to cancel).
    when: (trip) => trip.nights > 0,
    retry: { attempts: 3, delayMs: 1 },
    run: async (trip, ctx) => ({ hotel: unwrap(await ctx.send(new BookHotel(trip.tripId, trip.nights))) }),
    compensate: async (trip, ctx) => void unwrap(await ctx.send(new CancelHotel(trip.tripId))),
  })
  .step('payment', {
    timeoutMs: 200,
    run: async (trip, ctx) => {
      const charge = unwrap(await ctx.send(new Charge(trip.tripId, trip.cents, ctx.idempotencyKey)));
      if (!charge.approved) ctx.fail(`card declined for ${trip.tripId}`, { details: { cents: trip.cents } });
    },
  })
  .waitFor('traveller', {
    event: TravellerConfirmed,
    correlate: (event) => event.tripId,
    timeoutMs: 300,
    onEvent: (_trip, event) => ({ seat: event.seat }),
  })
  .onCompleted((trip) => new TripBooked(trip.tripId))
  .onFailed((trip, failure) => new TripFailed(trip.tripId, failure.step, failure.code));

const instances: Catga[] = [];
async function host(store: SagaStore, options: { heartbeatMs?: number; staleAfterMs?: number; owner?: string } = {}): Promise<Catga> {
  const catga = await createCatga({ name: options.owner ?? 'trips' })
    .withLogging(false)
    .handler(BookFlightHandler)
    .handler(CancelFlightHandler)
    .handler(BookHotelHandler)
    .handler(CancelHotelHandler)
    .handler(ChargeHandler)
    .handler(TripBookedHandler)
    .handler(TripFailedHandler)
    .withSagas([TripSaga], { store, heartbeatMs: options.heartbeatMs ?? 1_000, staleAfterMs: options.staleAfterMs, owner: options.owner })
    .start();
  instances.push(catga);
  return catga;
}

beforeEach(() => {
  ledger = [];
  scripts = {};
  published.length = 0;
});
afterEach(async () => {
  await Promise.all(instances.splice(0).map((catga) => catga.close()));
});

const trip = (tripId: string, nights = 2): Trip => ({ tripId, nights, cents: 50_000 });

describe('sagas', () => {
  it('runs every step, stores the state after each, waits for the correlated event and publishes completion', async () => {
    const store = new MemorySagaStore();
    const catga = await host(store);
    const started = unwrap(await catga.sagas.start(TripSaga, 't1', trip('t1')));
    expect(started).toMatchObject({ started: true, status: 'running', completedSteps: ['flight', 'hotel', 'payment'], waitingFor: { step: 'traveller', event: 'TravellerConfirmed' } });
    expect(started.state).toEqual({ ...trip('t1'), flight: 'F-t1', hotel: 'H-t1' });
    // A confirmation for another trip does not move this one.
    unwrap(await catga.publish(new TravellerConfirmed('t-other', '1A')));
    expect(unwrap(await catga.sagas.get(TripSaga, 't1')).status).toBe('running');
    unwrap(await catga.publish(new TravellerConfirmed('t1', '12C')));
    const done = unwrap(await catga.sagas.whenSettled(TripSaga, 't1', { timeoutMs: 2_000 }));
    expect(done).toMatchObject({ status: 'completed', completedSteps: ['flight', 'hotel', 'payment', 'traveller'], state: { seat: '12C' } });
    expect(ledger).toEqual(['book-flight t1', 'book-hotel t1', 'charge t1 50000 key=TripSaga:t1:payment']);
    expect(published.map((event) => event.messageType)).toEqual(['TripBooked']);
    // Everything the saga sent shares its correlation id.
    expect(published[0]!.correlationId).toBe(started.correlationId);
  });

  it('compensates completed steps in reverse order when a step fails, then publishes the failure', async () => {
    const catga = await host(new MemorySagaStore());
    scripts['Charge.decision'] = ['decline'];
    const result = unwrap(await catga.sagas.start(TripSaga, 't2', trip('t2')));
    expect(result.status).toBe('compensated');
    expect(result.failure).toMatchObject({ step: 'payment', code: 'CONFLICT', message: 'card declined for t2', details: { cents: 50_000 } });
    expect(ledger).toEqual(['book-flight t2', 'book-hotel t2', 'cancel-hotel t2', 'cancel-flight t2']);
    expect(published).toEqual([expect.objectContaining({ messageType: 'TripFailed', tripId: 't2', step: 'payment', code: 'CONFLICT' })]);
  });

  it('skips a branch whose condition is false, and compensates only what ran', async () => {
    const catga = await host(new MemorySagaStore());
    scripts['Charge.decision'] = ['decline'];
    const result = unwrap(await catga.sagas.start(TripSaga, 't3', trip('t3', 0)));
    expect(result.completedSteps).toEqual(['flight']);
    expect(ledger).toEqual(['book-flight t3', 'cancel-flight t3']);
  });

  it('retries a retryable step failure and times out a step that hangs', async () => {
    const catga = await host(new MemorySagaStore());
    scripts.BookHotel = ['busy', 'busy'];
    scripts.Charge = ['hang'];
    const result = unwrap(await catga.sagas.start(TripSaga, 't4', trip('t4')));
    expect(result.status).toBe('compensated');
    expect(result.failure).toMatchObject({ step: 'payment', code: 'TIMEOUT' });
    expect(ledger).toEqual(['book-flight t4', 'book-hotel t4', 'cancel-hotel t4', 'cancel-flight t4']);
  });

  it('fails the saga when the awaited event does not come in time', async () => {
    const catga = await host(new MemorySagaStore());
    unwrap(await catga.sagas.start(TripSaga, 't5', trip('t5')));
    const done = unwrap(await catga.sagas.whenSettled(TripSaga, 't5', { timeoutMs: 3_000 }));
    expect(done.status).toBe('compensated');
    expect(done.failure).toMatchObject({ step: 'traveller', code: 'TIMEOUT' });
    expect(ledger).toEqual(['book-flight t5', 'book-hotel t5', 'charge t5 50000 key=TripSaga:t5:payment', 'cancel-hotel t5', 'cancel-flight t5']);
  });

  it('keeps an event that arrives before the saga waits for it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const SlowSaga = saga<Trip>('SlowTripSaga')
      .step('pause', { run: async () => void (await gate) })
      .waitFor('traveller', { event: TravellerConfirmed, correlate: (event) => event.tripId, timeoutMs: 1_000, onEvent: (_t, event) => ({ seat: event.seat }) });
    const slow = await createCatga({ name: 'slow' }).withSagas([SlowSaga]).start();
    instances.push(slow);
    const running = slow.sagas.start(SlowSaga, 't6', trip('t6'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    unwrap(await slow.publish(new TravellerConfirmed('t6', '3F')));
    release();
    expect(unwrap(await running)).toMatchObject({ status: 'completed', completedSteps: ['pause', 'traveller'], state: { seat: '3F' } });
  });

  it('starts an instance from an event, once per id, in the event\'s conversation', async () => {
    const Booked = saga<Trip>('BookedTripSaga')
      .startedBy(TripBooked, { id: (event) => event.tripId, state: (event) => trip(event.tripId) })
      .step('flight', { run: async (t, ctx) => ({ flight: unwrap(await ctx.send(new BookFlight(t.tripId))) }) });
    const catga = await createCatga({ name: 'booked' }).withLogging(false).handler(BookFlightHandler).withSagas([Booked]).start();
    instances.push(catga);
    const first = new TripBooked('t12');
    unwrap(await catga.publish(first));
    unwrap(await catga.publish(new TripBooked('t12'))); // a second start of the same id starts nothing
    const done = unwrap(await catga.sagas.whenSettled(Booked, 't12'));
    expect(done).toMatchObject({ status: 'completed', state: { flight: 'F-t12' }, correlationId: first.correlationId });
    expect(ledger).toEqual(['book-flight t12']);
    expect(() => saga<Trip>('S').startedBy(TripBooked, { id: (e) => e.tripId, state: () => trip('x') }).startedBy(TripBooked, { id: (e) => e.tripId, state: () => trip('x') })).toThrow(/already starts/);
  });

  it('skips a wait whose condition is false, and runs many instances at once without warnings', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const Maybe = saga<Trip>('MaybeWaitSaga')
        .step('flight', { run: async (t, ctx) => ({ flight: unwrap(await ctx.send(new BookFlight(t.tripId))) }) })
        .waitFor('traveller', { event: TravellerConfirmed, correlate: (e) => e.tripId, timeoutMs: 1_000, when: (t) => t.nights > 0 });
      const catga = await createCatga({ name: 'maybe' }).withLogging(false).handler(BookFlightHandler).withSagas([Maybe]).start();
      instances.push(catga);
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => catga.sagas.start(Maybe, `d${i}`, trip(`d${i}`, 0))));
      expect(results.map((result) => unwrap(result).status)).toEqual(Array(40).fill('completed'));
      expect(unwrap(results[0]!).completedSteps).toEqual(['flight']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('starts an id once: a second start reports the existing instance', async () => {
    const catga = await host(new MemorySagaStore());
    unwrap(await catga.sagas.start(TripSaga, 't7', trip('t7')));
    const again = unwrap(await catga.sagas.start(TripSaga, 't7', trip('t7', 5)));
    expect(again).toMatchObject({ started: false, state: { nights: 2 } });
    expect(ledger.filter((line) => line.startsWith('book-flight'))).toHaveLength(1);
  });

  it('takes over an instance whose host stopped beating and continues without repeating completed steps', async () => {
    const store = new MemorySagaStore();
    // Host A crashes (is closed without finishing) while the hotel booking hangs.
    const a = await host(store, { owner: 'host-a', heartbeatMs: 50, staleAfterMs: 150 });
    scripts.BookHotel = ['hang'];
    const crashed = a.sagas.start(TripSaga, 't8', trip('t8'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await a.close();
    expect(unwrap(await crashed).status).toBe('running');
    expect(ledger).toEqual(['book-flight t8']);
    const b = await host(store, { owner: 'host-b', heartbeatMs: 50, staleAfterMs: 150 });
    // B finds it, runs the hotel step again (it never completed) and stops at the wait.
    await waitFor(async () => unwrap(await b.sagas.get(TripSaga, 't8')).waitingFor !== undefined);
    const taken = unwrap(await b.sagas.get(TripSaga, 't8'));
    expect(taken.owner).toBe('host-b');
    unwrap(await b.publish(new TravellerConfirmed('t8', '7A')));
    expect(unwrap(await b.sagas.whenSettled(TripSaga, 't8')).status).toBe('completed');
    expect(ledger).toEqual(['book-flight t8', 'book-hotel t8', 'charge t8 50000 key=TripSaga:t8:payment']);
  });

  it('routes an event to the instance waiting for it, even when another host owns it', async () => {
    const store = new MemorySagaStore();
    const a = await host(store, { owner: 'host-a' });
    const b = await host(store, { owner: 'host-b' });
    unwrap(await a.sagas.start(TripSaga, 't9', trip('t9')));
    unwrap(await a.sagas.start(TripSaga, 't10', trip('t10')));
    // The confirmation of t10 reaches host B (another process, in production): B takes t10 over and finishes it.
    unwrap(await b.publish(new TravellerConfirmed('t10', '1A')));
    const t10 = unwrap(await b.sagas.whenSettled(TripSaga, 't10'));
    expect(t10).toMatchObject({ status: 'completed', owner: 'host-b', state: { seat: '1A' } });
    expect(unwrap(await a.sagas.get(TripSaga, 't9'))).toMatchObject({ status: 'running', owner: 'host-a' });
  });

  it('ends failed when a compensation keeps failing, naming both failures', async () => {
    const catga = await host(new MemorySagaStore());
    scripts['Charge.decision'] = ['decline'];
    scripts.CancelHotel = ['refuse'];
    const result = unwrap(await catga.sagas.start(TripSaga, 't11', trip('t11')));
    expect(result.status).toBe('failed');
    expect(result.failure).toMatchObject<Partial<SagaFailure>>({ step: 'payment', compensation: { step: 'hotel', code: 'CONFLICT', message: 'CancelHotel refused' } });
    expect(ledger).toEqual(['book-flight t11', 'book-hotel t11']);
    expect(published).toEqual([expect.objectContaining({ messageType: 'TripFailed', step: 'payment' })]);
  });

  it('refuses bad ids, unknown sagas and bad definitions clearly', async () => {
    const catga = await host(new MemorySagaStore());
    const bad = await catga.sagas.start(TripSaga, 'has space', trip('x'));
    expect(!bad.ok && bad.error.code).toBe('VALIDATION_FAILED');
    const Other = saga<Trip>('Other').step('a', { run: async () => undefined });
    const unknown = await catga.sagas.start(Other, 'x', trip('x'));
    expect(!unknown.ok && unknown.error.message).toMatch(/not registered/);
    expect((await catga.sagas.get(TripSaga, 'nope')).ok).toBe(false);
    expect(() => saga('bad name')).toThrow(/saga name/);
    expect(() => saga<Trip>('S').step('a', { run: async () => undefined }).step('a', { run: async () => undefined })).toThrow(/already exists/);
    expect(() => saga<Trip>('S').step('a', { run: async () => undefined, retry: { attempts: 0 } })).toThrow(/attempts/);
    expect(() => saga<Trip>('S').waitFor('w', { event: TravellerConfirmed, correlate: (e) => e.tripId, timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(() => createCatga().withSagas([])).toThrow(/non-empty/);
    expect(() => createCatga().withSagas([TripSaga], { heartbeatMs: 0 })).toThrow(/heartbeatMs/);
    expect(() => createCatga().withSagas([TripSaga], { heartbeatMs: 100, staleAfterMs: 50 }).build()).toThrow(/staleAfterMs/);
    expect(() => createCatga().build().sagas).toThrow(/withSagas/);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
