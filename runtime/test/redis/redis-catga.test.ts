/**
 * Catga on Redis: the behaviours and the outbox processor against a real Redis, across several connections as
 * several processes would have them. The shared server gets a key prefix per test; the restart test runs its own
 * durable server.
 */
import {
  CatgaCommand,
  CatgaError,
  CatgaEvent,
  CatgaHandler,
  Command,
  ErrorCode,
  Event,
  type HandlerContext,
  LeaderElection,
  type MessageClass,
  OutboxProcessor,
  type PublishResult,
  createCatga,
  memoryTransport,
  type Catga,
} from '@catga/runtime';
import { connectRedis, type RedisConnection, RedisDistributedLock, RedisOutboxStore, redisPersistence } from '@catga/runtime/redis';
import { deleteKeys, REDIS_URL, startRedisServer, uniqueKeyPrefix } from './support/redis-server.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

@CatgaEvent()
class StockReserved extends Event {
  constructor(readonly orderId: string) {
    super();
  }
}

@CatgaCommand()
class ReserveStock extends Command<string> {
  constructor(readonly orderId: string) {
    super();
  }
}

@CatgaCommand({ idempotent: { key: 'charge:{orderId}' } })
class ChargeCard extends Command<string> {
  constructor(readonly orderId: string) {
    super();
  }
}

/** Handler runs, by order id, across every instance of the test. */
const runs = new Map<string, number>();
const count = (orderId: string): void => {
  runs.set(orderId, (runs.get(orderId) ?? 0) + 1);
};
/** Event handler deliveries, by order id. */
const delivered = new Map<string, number>();

@CatgaHandler(ReserveStock)
class ReserveStockHandler {
  async handle(command: ReserveStock, ctx: HandlerContext): Promise<string> {
    count(command.orderId);
    await sleep(20); // long enough for duplicates to arrive while it runs
    await ctx.publish(new StockReserved(command.orderId));
    return `reserved ${command.orderId}`;
  }
}

@CatgaHandler(ChargeCard)
class ChargeCardHandler {
  async handle(command: ChargeCard): Promise<string> {
    count(command.orderId);
    if (command.orderId.startsWith('crash')) throw new Error(`card processor crashed on ${command.orderId}`);
    await sleep(20);
    return `charged ${command.orderId}`;
  }
}

@CatgaHandler(StockReserved)
class StockProjection {
  handle(event: StockReserved): void {
    delivered.set(event.orderId, (delivered.get(event.orderId) ?? 0) + 1);
  }
}

const connections: RedisConnection[] = [];
const instances: Catga[] = [];
const prefixes: string[] = [];

async function connect(keyPrefix: string, url = REDIS_URL): Promise<RedisConnection> {
  const connection = await connectRedis({ url, keyPrefix, commandTimeoutMs: 2_000, connectTimeoutMs: 2_000 });
  connections.push(connection);
  return connection;
}

/** One "process": a Catga instance on its own Redis connection, with the inbox and the outbox on Redis. */
async function instance(keyPrefix: string, url = REDIS_URL, transport = memoryTransport()): Promise<Catga> {
  const redis = redisPersistence(await connect(keyPrefix, url));
  const catga = await createCatga({ preset: 'highPerformance' })
    .withLogging(false)
    .useRedis(redis)
    .withDeadLetter()
    .withInbox()
    // A batch leased when Redis goes down cannot be marked and waits for its lease to end: keep that short here.
    .withOutbox({ pollMs: 50, leaseMs: 1_000, retryDelayMs: 50, maxRetryDelayMs: 200, maxAttempts: 1_000 })
    .withTransport(transport)
    .handler(ReserveStockHandler)
    .handler(ChargeCardHandler)
    .handler(StockProjection)
    .start();
  instances.push(catga);
  return catga;
}

function prefix(label: string): string {
  const made = uniqueKeyPrefix(label);
  prefixes.push(made);
  return made;
}

beforeEach(() => {
  runs.clear();
  delivered.clear();
});

afterEach(async () => {
  await Promise.all(instances.splice(0).map((catga) => catga.close()));
  await Promise.all(connections.splice(0).map((connection) => connection.close()));
  await Promise.all(prefixes.splice(0).map((made) => deleteKeys(REDIS_URL, made)));
});

// Several connections and instances per test: generous limits for a busy machine (no timing is asserted).
jest.setTimeout(30_000);

describe('Catga on Redis', () => {
  it('runs a handler once for concurrent duplicates of one message arriving at two instances (inbox)', async () => {
    const keyPrefix = prefix('inbox-dup');
    const [a, b] = [await instance(keyPrefix), await instance(keyPrefix)];
    const command = new ReserveStock('o-1');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).send(command)));
    expect(runs.get('o-1')).toBe(1);
    const oks = results.filter((result) => result.ok);
    const locked = results.filter((result) => !result.ok && result.error.code === ErrorCode.LOCK_FAILED);
    expect(oks.length + locked.length).toBe(20);
    expect(oks.length).toBeGreaterThanOrEqual(1);
    // Once processed, every redelivery gets the stored result, on either instance.
    expect(await b.send(command)).toEqual({ ok: true, value: 'reserved o-1' });
    expect(await a.send(command)).toEqual({ ok: true, value: 'reserved o-1' });
    expect(runs.get('o-1')).toBe(1);
    await eventually(() => delivered.get('o-1') === 1, 'the event to be delivered once');
  });

  it('runs an idempotent handler once; duplicates on both instances wait and get its result', async () => {
    const keyPrefix = prefix('idem-dup');
    const [a, b] = [await instance(keyPrefix), await instance(keyPrefix)];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).send(new ChargeCard('o-2'))));
    expect(runs.get('o-2')).toBe(1);
    expect(results.every((result) => result.ok && result.value === 'charged o-2')).toBe(true);
  });

  it('publishes each of 10,000 outbox entries exactly once with 4 processors on 4 connections', async () => {
    const keyPrefix = prefix('outbox-4');
    const writer = new RedisOutboxStore(await connect(keyPrefix));
    const total = 10_000;
    for (let start = 0; start < total; start += 500) {
      await writer.append(Array.from({ length: 500 }, (_, i) => ({ id: `e${start + i}`, messageType: 'StockReserved', message: { messageId: `e${start + i}`, orderId: `o-${start + i}` } })));
    }
    const published = new Map<string, number>();
    const classes = new Map<string, MessageClass>([['StockReserved', StockReserved as MessageClass]]);
    const processors = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const processor = new OutboxProcessor({
          store: new RedisOutboxStore(await connect(keyPrefix)),
          owner: `processor-${i}`,
          messageTypes: classes,
          batchSize: 100,
          concurrency: 8,
          pollMs: 20,
          publish: async (event): Promise<PublishResult> => {
            published.set(event.messageId, (published.get(event.messageId) ?? 0) + 1);
            return { ok: true, value: { eventType: event.messageType, handlers: 0 } };
          },
        });
        processor.start();
        return processor;
      }),
    );
    try {
      await eventually(async () => (await writer.counts()).published === total, 'every entry to be published', 60_000);
    } finally {
      await Promise.all(processors.map((processor) => processor.stop()));
    }
    expect(published.size).toBe(total);
    expect([...published.values()].every((times) => times === 1)).toBe(true);
    expect(await writer.counts()).toEqual({ pending: 0, leased: 0, published: total, dead: 0 });
  }, 90_000);

  it('keeps dead letters in Redis, including an outbox entry that cannot be read back', async () => {
    const keyPrefix = prefix('dead');
    const catga = await instance(keyPrefix);
    expect(await catga.send(new ChargeCard('crash-1'))).toMatchObject({ ok: false, error: { code: 'HANDLER_FAILED' } });
    const stored = await redisPersistence(await connect(keyPrefix)).deadLetters.list();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ messageType: 'ChargeCard', handler: 'ChargeCardHandler', message: { orderId: 'crash-1' }, error: { code: 'HANDLER_FAILED' } });

    // Foreign bytes in an entry: the processor dead-letters it instead of stalling the outbox on it.
    const raw = await connect(keyPrefix);
    await new RedisOutboxStore(raw).append([{ id: 'corrupt', messageType: 'StockReserved', message: { orderId: 'x' } }]);
    await raw.client.hset(`{${keyPrefix}:outbox}:entry:corrupt`, 'message', Buffer.from([0x92, 0x01, 0x02])); // msgpack [1, 2]
    await eventually(async () => (await catga.deadLetters.size()) === 2, 'the unreadable entry to be dead-lettered');
    expect((await catga.deadLetters.list({ messageType: 'StockReserved' }))[0]).toMatchObject({ handler: 'outbox', error: { code: 'SERIALIZATION_FAILED' } });
    expect(await catga.send(new ReserveStock('after-corrupt'))).toMatchObject({ ok: true });
    await eventually(() => delivered.has('after-corrupt'), 'the outbox to go on publishing');
  });

  it('never has two leaders among candidates on separate connections', async () => {
    const keyPrefix = prefix('leader');
    const candidates = await Promise.all(
      ['a', 'b', 'c'].map(async (name) => new LeaderElection({ lock: new RedisDistributedLock(await connect(keyPrefix)), name: 'nightly-job', candidate: name, leaseMs: 300 })),
    );
    await Promise.all(candidates.map((candidate) => candidate.start()));
    let overlaps = 0;
    let samples = 0;
    const leaders = new Set<string>();
    const sampler = setInterval(() => {
      samples++;
      const leading = candidates.filter((candidate) => candidate.isLeader);
      if (leading.length > 1) overlaps++;
      for (const candidate of leading) leaders.add(candidate.candidate);
    }, 2);
    try {
      for (let round = 0; round < 4; round++) {
        await sleep(250);
        const leader = candidates.find((candidate) => candidate.isLeader);
        if (leader === undefined) continue;
        const index = candidates.indexOf(leader);
        await leader.stop(); // clean hand-over
        candidates[index] = new LeaderElection({ lock: new RedisDistributedLock(await connect(keyPrefix)), name: 'nightly-job', candidate: `${leader.candidate}+`, leaseMs: 300 });
        await candidates[index]!.start();
      }
      await sleep(250);
    } finally {
      clearInterval(sampler);
      await Promise.all(candidates.map((candidate) => candidate.stop()));
    }
    expect(samples).toBeGreaterThan(100);
    expect(overlaps).toBe(0);
    expect(leaders.size).toBeGreaterThanOrEqual(3); // leadership did move around
  }, 30_000);

  it('survives a Redis restart: PERSISTENCE_FAILED while down, nothing in the outbox lost, processing resumes', async () => {
    const server = await startRedisServer({ durable: true });
    try {
      const keyPrefix = uniqueKeyPrefix('restart');
      // A transport that refuses events while `blocked`, so entries pile up in the outbox before the restart.
      const inner = memoryTransport();
      let blocked = true;
      const transport = {
        name: 'gated',
        connect: inner.connect.bind(inner),
        request: inner.request.bind(inner),
        close: inner.close.bind(inner),
        publish: async (event: Event, signal: AbortSignal): Promise<PublishResult> =>
          blocked ? { ok: false, error: new CatgaError(ErrorCode.TRANSPORT_FAILED, 'broker down', { retryable: true }) } : inner.publish(event, signal),
      };
      const catga = await instance(keyPrefix, server.url, transport);
      const held = Array.from({ length: 100 }, (_, i) => `held-${i}`);
      for (const orderId of held) expect(await catga.send(new ReserveStock(orderId))).toMatchObject({ ok: true });

      await server.kill();
      const whileDown = await Promise.all(Array.from({ length: 10 }, (_, i) => catga.send(new ReserveStock(`down-${i}`))));
      for (const result of whileDown) expect(result).toMatchObject({ ok: false, error: { code: 'PERSISTENCE_FAILED', retryable: true } });
      const probe = redisPersistence(connections.at(-1)!);
      await expect(probe.outbox.counts()).rejects.toMatchObject({ code: 'PERSISTENCE_FAILED' });
      await expect(probe.locks.tryAcquire('x', 1_000)).rejects.toMatchObject({ code: 'PERSISTENCE_FAILED' });

      await server.restart();
      blocked = false;
      await eventually(async () => (await catga.send(new ReserveStock('after-restart'))).ok, 'sends to succeed again');
      await eventually(() => held.every((orderId) => (delivered.get(orderId) ?? 0) >= 1), 'every held event to be published');
      await eventually(() => delivered.has('after-restart'), 'the new event to be published');
      // Whatever failed while Redis was down never ran its events: nothing half-done.
      for (let i = 0; i < 10; i++) expect(delivered.has(`down-${i}`)).toBe(false);
    } finally {
      await Promise.all(instances.splice(0).map((catga) => catga.close()));
      await server.stop();
    }
  }, 60_000);
});
