import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { CatgaConfigurationError, CatgaError, MemoryDistributedLock, msgpackCodec } from '@catga/runtime';
import { connectRedis, RedisConnection } from '@catga/runtime/redis';
import type { DeadLetterEntry } from '../../src/behaviors/dead-letter-store';
import { acquireLock, withLock } from '../../src/persistence/acquire-lock';
import type { LockHandle } from '../../src/persistence/distributed-lock';
import { RedisDeadLetterStore } from '../../src/persistence/redis/redis-dead-letter-store';
import { RedisDistributedLock } from '../../src/persistence/redis/redis-distributed-lock';
import { RedisIdempotencyStore } from '../../src/persistence/redis/redis-idempotency-store';
import { RedisInboxStore } from '../../src/persistence/redis/redis-inbox-store';
import type { StoredResult } from '../../src/persistence/stored-result';

jest.setTimeout(30_000);

// Redis-specific behaviour of the four stores (key layout, TTLs, round trips, atomicity under concurrency, reads
// that refuse foreign data, a closed connection) against the shared server. The store-independent contract is
// another suite's job. Every test has its own key prefix and deletes its keys afterwards.

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const codec = msgpackCodec();

let admin: Redis;
const connections: RedisConnection[] = [];
const prefixes: string[] = [];

beforeAll(async () => {
  admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
});

afterAll(async () => {
  await admin.quit();
});

afterEach(async () => {
  await Promise.all(connections.splice(0).map((connection) => connection.close()));
  for (const prefix of prefixes.splice(0)) {
    const keys = await keysOf(prefix);
    if (keys.length > 0) await admin.del(...keys);
  }
});

function newPrefix(): string {
  const prefix = `t-${process.pid}-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  return prefix;
}

async function connect(keyPrefix: string): Promise<RedisConnection> {
  const connection = await connectRedis({ url: REDIS_URL, keyPrefix });
  connections.push(connection);
  return connection;
}

/** Every key of a prefix, plain (`p:...`) and hash-tagged (`{p:...`), sorted. */
async function keysOf(prefix: string): Promise<string[]> {
  const found: string[] = [];
  for (const pattern of [`${prefix}:*`, `{${prefix}:*`]) {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found.sort();
}

/** The names of the commands `client` sends while `work` runs, as sent (a script's first EVAL included). */
async function commandsDuring(connection: RedisConnection, work: () => Promise<unknown>): Promise<string[]> {
  const client = connection.client as Redis;
  const original = client.sendCommand;
  const names: string[] = [];
  client.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
    names.push(args[0].name);
    return original.apply(this, args);
  } as Redis['sendCommand'];
  try {
    await work();
  } finally {
    client.sendCommand = original;
  }
  return names;
}

/** The Redis server's clock, in ms. */
async function serverNow(): Promise<number> {
  const [seconds, micros] = await admin.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** Closes a connection inside a test (closing it again in afterEach would keep the process alive for a while). */
async function closeNow(connection: RedisConnection): Promise<void> {
  connections.splice(connections.indexOf(connection), 1);
  await connection.close();
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function expectPersistenceFailed(promise: Promise<unknown>, messagePart?: string): Promise<CatgaError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(CatgaError);
  expect((error as CatgaError).code).toBe('PERSISTENCE_FAILED');
  expect((error as CatgaError).retryable).toBe(true);
  if (messagePart !== undefined) expect((error as CatgaError).message).toContain(messagePart);
  return error as CatgaError;
}

describe('RedisIdempotencyStore', () => {
  it('keeps one string key per idempotency key, expiring with the record', async () => {
    const prefix = newPrefix();
    const store = new RedisIdempotencyStore(await connect(prefix));
    const key = `${prefix}:idempotency:PlaceOrder:o-1`;

    await expect(store.get('PlaceOrder:o-1')).resolves.toBeUndefined();
    await expect(store.tryClaim('PlaceOrder:o-1', 10_000)).resolves.toBe(true);
    expect(await keysOf(prefix)).toEqual([key]);
    expect(await admin.get(key)).toBe('p');
    const pendingTtl = await admin.pttl(key);
    expect(pendingTtl).toBeGreaterThan(5_000);
    expect(pendingTtl).toBeLessThanOrEqual(10_000);
    await expect(store.get('PlaceOrder:o-1')).resolves.toEqual({ state: 'pending' });
    await expect(store.tryClaim('PlaceOrder:o-1', 10_000)).resolves.toBe(false);

    const value = { orderId: 'o-1', lines: [{ sku: 'a', qty: 2 }], placedAt: new Date(1_700_000_000_000), note: undefined };
    await store.complete('PlaceOrder:o-1', value, 60_000);
    const completedTtl = await admin.pttl(key);
    expect(completedTtl).toBeGreaterThan(50_000);
    expect(completedTtl).toBeLessThanOrEqual(60_000);
    await expect(store.get('PlaceOrder:o-1')).resolves.toEqual({ state: 'completed', value });
    await expect(store.tryClaim('PlaceOrder:o-1', 10_000)).resolves.toBe(false);
  });

  it('uses the store option as the key segment', async () => {
    const prefix = newPrefix();
    const store = new RedisIdempotencyStore(await connect(prefix), { store: 'idem-v2' });
    await store.tryClaim('k', 1_000);
    expect(await keysOf(prefix)).toEqual([`${prefix}:idem-v2:k`]);
  });

  it('releases a pending claim but never a completed record; releasing nothing is a no-op', async () => {
    const store = new RedisIdempotencyStore(await connect(newPrefix()));
    await store.tryClaim('a', 10_000);
    await store.release('a');
    await expect(store.get('a')).resolves.toBeUndefined();
    await expect(store.tryClaim('a', 10_000)).resolves.toBe(true);

    await store.complete('a', 42, 10_000);
    await store.release('a');
    await expect(store.get('a')).resolves.toEqual({ state: 'completed', value: 42 });
    await expect(store.release('never-claimed')).resolves.toBeUndefined();
  });

  it('completed values never look like the pending marker', async () => {
    const store = new RedisIdempotencyStore(await connect(newPrefix()));
    for (const value of ['p', '', 0, null, undefined, false, [], {}]) {
      await store.complete('v', value, 10_000);
      await expect(store.get('v')).resolves.toEqual({ state: 'completed', value });
    }
  });

  it('forgets a claim when its TTL runs out', async () => {
    const store = new RedisIdempotencyStore(await connect(newPrefix()));
    await expect(store.tryClaim('short', 50)).resolves.toBe(true);
    await delay(200);
    await expect(store.get('short')).resolves.toBeUndefined();
    await expect(store.tryClaim('short', 50)).resolves.toBe(true);
  });

  it('claims with exactly one SET NX PX, completes with one SET and releases with one EVALSHA', async () => {
    const connection = await connect(newPrefix());
    const store = new RedisIdempotencyStore(connection);
    await store.release('warm-up'); // loads the script on this connection

    expect(await commandsDuring(connection, () => store.tryClaim('k', 5_000))).toEqual(['set']);
    expect(await commandsDuring(connection, () => store.get('k'))).toEqual(['get']);
    expect(await commandsDuring(connection, () => store.release('k'))).toEqual(['evalsha']);
    await store.tryClaim('k', 5_000);
    expect(await commandsDuring(connection, () => store.complete('k', { ok: 1 }, 5_000))).toEqual(['set']);
  });

  it('gives exactly one of 50 concurrent claims across 5 connections', async () => {
    const prefix = newPrefix();
    const stores = await Promise.all(Array.from({ length: 5 }, async () => new RedisIdempotencyStore(await connect(prefix))));
    const claims = await Promise.all(Array.from({ length: 50 }, (_, i) => stores[i % 5]!.tryClaim('contended', 10_000)));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('refuses a value it did not write, naming the key', async () => {
    const prefix = newPrefix();
    const store = new RedisIdempotencyStore(await connect(prefix));
    const key = `${prefix}:idempotency:foreign`;

    await admin.set(key, 'garbage');
    await expectPersistenceFailed(store.get('foreign'), key);
    await admin.set(key, Buffer.concat([Buffer.from('c'), Buffer.from([0xc1, 0xff])]));
    await expectPersistenceFailed(store.get('foreign'), key);
    await admin.del(key);
    await admin.hset(key, 'state', 'completed');
    await expectPersistenceFailed(store.get('foreign'));
  });

  it('refuses decoded results carrying __proto__ or constructor keys, and does not store them', async () => {
    const prefix = newPrefix();
    const store = new RedisIdempotencyStore(await connect(prefix));
    const key = `${prefix}:idempotency:hostile`;
    for (const hostile of ['{"a":{"__proto__":{"polluted":true}}}', '{"constructor":{"prototype":{"polluted":true}}}']) {
      await admin.set(key, Buffer.concat([Buffer.from('c'), Buffer.from(codec.encode(JSON.parse(hostile)))]));
      const error = await expectPersistenceFailed(store.get('hostile'), key);
      expect(error.message).toMatch(/forbidden key \$\.(a\.__proto_|constructor)/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectPersistenceFailed(store.complete('hostile', JSON.parse('{"__proto__":{"polluted":true}}'), 1_000));
    await expectPersistenceFailed(store.complete('fn', { run: () => 1 }, 1_000), 'is a function');
  });
});

describe('RedisInboxStore', () => {
  const success: StoredResult = { ok: true, value: { orderId: 'o-1', total: 12.5, at: new Date(1_700_000_000_000) } };

  it('keeps one hash per message id: a lock by the server clock, then the processed result', async () => {
    const prefix = newPrefix();
    const inbox = new RedisInboxStore(await connect(prefix));
    const key = `${prefix}:inbox:msg-1`;

    const before = await serverNow();
    const claim = await inbox.tryLock('msg-1', 5_000);
    const after = await serverNow();
    if (claim.state !== 'locked') throw new Error(`expected a lock, got ${claim.state}`);
    expect(claim.expiresAt).toBeGreaterThanOrEqual(before + 5_000);
    expect(claim.expiresAt).toBeLessThanOrEqual(after + 5_000);
    expect(await keysOf(prefix)).toEqual([key]);
    expect(await admin.hgetall(key)).toEqual({ state: 'locked', token: claim.token, expiresAt: String(claim.expiresAt) });
    const lockTtl = await admin.pttl(key);
    expect(lockTtl).toBeGreaterThan(1_000);
    expect(lockTtl).toBeLessThanOrEqual(5_000);
    await expect(inbox.tryLock('msg-1', 5_000)).resolves.toEqual({ state: 'busy', expiresAt: claim.expiresAt });

    await expect(inbox.markProcessed('msg-1', claim.token, success, 60_000)).resolves.toBe(true);
    expect(await admin.hget(key, 'state')).toBe('processed');
    expect(await admin.hexists(key, 'token')).toBe(0);
    const processedTtl = await admin.pttl(key);
    expect(processedTtl).toBeGreaterThan(50_000);
    expect(processedTtl).toBeLessThanOrEqual(60_000);
    await expect(inbox.tryLock('msg-1', 5_000)).resolves.toEqual({ state: 'processed', result: success });
    await expect(inbox.markProcessed('msg-1', claim.token, { ok: true, value: 'other' }, 60_000)).resolves.toBe(false);
    await expect(inbox.release('msg-1', claim.token)).resolves.toBe(false);
    await expect(inbox.tryLock('msg-1', 5_000)).resolves.toEqual({ state: 'processed', result: success });
  });

  it('stores failures as plain data', async () => {
    const inbox = new RedisInboxStore(await connect(newPrefix()));
    const failure: StoredResult = {
      ok: false,
      error: new CatgaError('NOT_FOUND', 'no order o-9', { details: { orderId: 'o-9' } }).toJSON(),
    };
    const claim = await inbox.tryLock('m', 1_000);
    if (claim.state !== 'locked') throw new Error('expected a lock');
    await inbox.markProcessed('m', claim.token, failure, 10_000);
    await expect(inbox.tryLock('m', 1_000)).resolves.toEqual({ state: 'processed', result: failure });
  });

  it('releases only the holder’s lock, after which the message can be locked again', async () => {
    const inbox = new RedisInboxStore(await connect(newPrefix()));
    const first = await inbox.tryLock('m', 10_000);
    if (first.state !== 'locked') throw new Error('expected a lock');
    await expect(inbox.release('m', 'someone-else')).resolves.toBe(false);
    await expect(inbox.release('m', first.token)).resolves.toBe(true);
    await expect(inbox.release('m', first.token)).resolves.toBe(false);
    const second = await inbox.tryLock('m', 10_000);
    expect(second.state).toBe('locked');
    expect(second.state === 'locked' && second.token).not.toBe(first.token);
  });

  it('lets an expired lock be taken over, and still keeps the first holder’s late result', async () => {
    const inbox = new RedisInboxStore(await connect(newPrefix()));
    const stale = await inbox.tryLock('m', 50);
    if (stale.state !== 'locked') throw new Error('expected a lock');
    await delay(200);
    const fresh = await inbox.tryLock('m', 10_000);
    expect(fresh.state).toBe('locked');
    // The work was done: the stale holder's result is kept even though the lock is now someone else's.
    await expect(inbox.markProcessed('m', stale.token, success, 10_000)).resolves.toBe(true);
    await expect(inbox.release('m', fresh.state === 'locked' ? fresh.token : '')).resolves.toBe(false);
    await expect(inbox.tryLock('m', 10_000)).resolves.toEqual({ state: 'processed', result: success });
  });

  it('takes one EVALSHA per call', async () => {
    const connection = await connect(newPrefix());
    const inbox = new RedisInboxStore(connection);
    await inbox.tryLock('warm-up', 1_000);
    await inbox.markProcessed('warm-up', 'x', success, 1_000);
    await inbox.release('warm-up', 'x');

    let token = '';
    expect(
      await commandsDuring(connection, async () => {
        const claim = await inbox.tryLock('m', 5_000);
        token = claim.state === 'locked' ? claim.token : '';
      }),
    ).toEqual(['evalsha']);
    expect(await commandsDuring(connection, () => inbox.release('m', token))).toEqual(['evalsha']);
    expect(await commandsDuring(connection, () => inbox.markProcessed('m', token, success, 5_000))).toEqual(['evalsha']);
  });

  it('gives exactly one of 50 concurrent tryLock calls across 5 connections the lock', async () => {
    const prefix = newPrefix();
    const inboxes = await Promise.all(Array.from({ length: 5 }, async () => new RedisInboxStore(await connect(prefix))));
    const claims = await Promise.all(Array.from({ length: 50 }, (_, i) => inboxes[i % 5]!.tryLock('contended', 10_000)));
    const locked = claims.filter((claim) => claim.state === 'locked');
    expect(locked).toHaveLength(1);
    const expiresAt = locked[0]!.expiresAt;
    expect(claims.filter((claim) => claim.state === 'busy' && claim.expiresAt === expiresAt)).toHaveLength(49);
  });

  it('refuses keys and results it did not write, naming the key', async () => {
    const prefix = newPrefix();
    const inbox = new RedisInboxStore(await connect(prefix));
    const key = `${prefix}:inbox:foreign`;

    await admin.set(key, 'garbage');
    await expectPersistenceFailed(inbox.tryLock('foreign', 1_000), key);
    await expectPersistenceFailed(inbox.markProcessed('foreign', 't', success, 1_000), key);
    await expectPersistenceFailed(inbox.release('foreign', 't'), key);
    expect(await admin.get(key)).toBe('garbage'); // left alone

    await admin.del(key);
    await admin.hset(key, 'state', 'weird');
    await expectPersistenceFailed(inbox.tryLock('foreign', 1_000), key);

    await admin.hset(key, 'state', 'processed', 'result', Buffer.from([0xc1, 0xff]));
    await expectPersistenceFailed(inbox.tryLock('foreign', 1_000), key);
    await admin.hset(key, 'result', Buffer.from(codec.encode({ something: 'else' })));
    await expectPersistenceFailed(inbox.tryLock('foreign', 1_000), 'not a stored result');
    await admin.hset(key, 'result', Buffer.from(codec.encode(JSON.parse('{"ok":true,"value":{"__proto__":{"polluted":true}}}'))));
    await expectPersistenceFailed(inbox.tryLock('foreign', 1_000), 'forbidden key $.value.__proto_');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('RedisDeadLetterStore', () => {
  let sequence = 0;
  function entry(messageType: string, failedAt: number, id = `01J${String(++sequence).padStart(10, '0')}`): DeadLetterEntry {
    return {
      id,
      messageType,
      kind: 'command',
      handler: `${messageType}Handler`,
      messageId: `m-${id}`,
      correlationId: `c-${id}`,
      causationId: undefined,
      message: { orderId: id, at: new Date(failedAt) },
      error: new CatgaError('HANDLER_FAILED', 'boom', { details: { attempt: 3 } }).toJSON(),
      failedAt,
    };
  }

  it('indexes entries by time and type under one hash tag, oldest first, without expiry', async () => {
    const prefix = newPrefix();
    const store = new RedisDeadLetterStore(await connect(prefix));
    const tag = `{${prefix}:deadletter}`;
    const late = entry('Ship', 3_000, 'id-c');
    const tieB = entry('Pay', 2_000, 'id-b');
    const tieA = entry('Ship', 2_000, 'id-a');
    for (const each of [late, tieB, tieA]) await store.add(each);

    expect(await keysOf(prefix)).toEqual(
      [`${tag}:entry:id-a`, `${tag}:entry:id-b`, `${tag}:entry:id-c`, `${tag}:index`, `${tag}:type:Pay`, `${tag}:type:Ship`, `${tag}:types`].sort(),
    );
    expect(await admin.zrange(`${tag}:index`, '0', '-1', 'WITHSCORES')).toEqual(['id-a', '2000', 'id-b', '2000', 'id-c', '3000']);
    expect(await admin.pttl(`${tag}:entry:id-a`)).toBe(-1);
    expect(await admin.pttl(`${tag}:index`)).toBe(-1);

    await expect(store.list()).resolves.toEqual([tieA, tieB, late]);
    await expect(store.list({ limit: 2 })).resolves.toEqual([tieA, tieB]);
    await expect(store.list({ limit: 0 })).resolves.toEqual([]);
    await expect(store.list({ messageType: 'Ship' })).resolves.toEqual([tieA, late]);
    await expect(store.list({ messageType: 'Ship', limit: 1 })).resolves.toEqual([tieA]);
    await expect(store.list({ messageType: 'Nothing' })).resolves.toEqual([]);
    await expect(store.size()).resolves.toBe(3);

    await expect(store.remove('id-a')).resolves.toBe(true);
    await expect(store.remove('id-a')).resolves.toBe(false);
    await expect(store.size()).resolves.toBe(2);
    await expect(store.list({ messageType: 'Ship' })).resolves.toEqual([late]);
    expect(await admin.exists(`${tag}:entry:id-a`)).toBe(0);
    expect(await admin.hexists(`${tag}:types`, 'id-a')).toBe(0);
    await store.remove('id-b');
    await store.remove('id-c');
    await expect(store.size()).resolves.toBe(0);
    expect(await keysOf(prefix)).toEqual([]);
  });

  it('replaces an entry added again with the same id, moving it to its new type', async () => {
    const store = new RedisDeadLetterStore(await connect(newPrefix()));
    await store.add(entry('A', 1_000, 'same'));
    const replacement = entry('B', 1_500, 'same');
    await store.add(replacement);
    await expect(store.size()).resolves.toBe(1);
    await expect(store.list({ messageType: 'A' })).resolves.toEqual([]);
    await expect(store.list({ messageType: 'B' })).resolves.toEqual([replacement]);
  });

  it('trims the oldest entries past maxEntries atomically and counts them', async () => {
    const prefix = newPrefix();
    const store = new RedisDeadLetterStore(await connect(prefix), { maxEntries: 3 });
    const added = [entry('A', 1), entry('B', 2), entry('A', 3), entry('B', 4), entry('A', 5)];
    for (const each of added) await store.add(each);

    await expect(store.size()).resolves.toBe(3);
    await expect(store.dropped()).resolves.toBe(2);
    await expect(store.list()).resolves.toEqual(added.slice(2));
    await expect(store.list({ messageType: 'A' })).resolves.toEqual([added[2], added[4]]);
    await expect(store.list({ messageType: 'B' })).resolves.toEqual([added[3]]);
    const tag = `{${prefix}:deadletter}`;
    expect(await admin.exists(`${tag}:entry:${added[0]!.id}`, `${tag}:entry:${added[1]!.id}`)).toBe(0);
    expect(await admin.hlen(`${tag}:types`)).toBe(3);
    expect(await admin.get(`${tag}:dropped`)).toBe('2');

    // An entry older than all the others is still kept: room is made among the ones already there.
    const backdated = entry('C', 0);
    await store.add(backdated);
    await expect(store.list()).resolves.toEqual([backdated, added[3], added[4]]);
    await expect(store.dropped()).resolves.toBe(3);
  });

  it('counts dropped entries as zero before any trimming, and refuses a maxEntries below 1', async () => {
    const connection = await connect(newPrefix());
    await expect(new RedisDeadLetterStore(connection).dropped()).resolves.toBe(0);
    expect(() => new RedisDeadLetterStore(connection, { maxEntries: 0 })).toThrow(CatgaConfigurationError);
  });

  it('reads list, size and dropped through the reader, writes through the client', async () => {
    const prefix = newPrefix();
    const client = new Redis(REDIS_URL, { lazyConnect: true });
    const reader = new Redis(REDIS_URL, { lazyConnect: true });
    await Promise.all([client.connect(), reader.connect()]);
    const connection = new RedisConnection(client, reader, prefix, [client, reader]);
    connections.push(connection);
    const store = new RedisDeadLetterStore(connection);
    await store.add(entry('A', 1));

    const readerCommands = jest.spyOn(reader, 'sendCommand');
    const clientCommands = jest.spyOn(client, 'sendCommand');
    await store.list();
    await store.list({ messageType: 'A' });
    await store.size();
    await store.dropped();
    expect(clientCommands).not.toHaveBeenCalled();
    expect(readerCommands.mock.calls.map(([command]) => command.name)).toEqual(['zrange', 'mget', 'zrange', 'mget', 'zcard', 'get']);
    await store.add(entry('A', 2));
    await store.remove('nothing');
    expect(readerCommands).toHaveBeenCalledTimes(6);
    expect(clientCommands).toHaveBeenCalledTimes(2);
  });

  it('refuses stored entries it did not write, naming the key', async () => {
    const prefix = newPrefix();
    const store = new RedisDeadLetterStore(await connect(prefix));
    const tag = `{${prefix}:deadletter}`;
    await store.add(entry('A', 1, 'fine'));
    await admin.zadd(`${tag}:index`, 2, 'bad');

    await admin.set(`${tag}:entry:bad`, 'garbage');
    await expectPersistenceFailed(store.list(), `${tag}:entry:bad`);
    await admin.set(`${tag}:entry:bad`, Buffer.from(codec.encode({ id: 'bad', note: 'not an entry' })));
    await expectPersistenceFailed(store.list(), 'does not hold a dead letter entry');
    await admin.set(`${tag}:entry:bad`, Buffer.from(codec.encode(entry('A', 2, 'other-id'))));
    await expectPersistenceFailed(store.list(), 'does not hold a dead letter entry');
    const hostile = { ...entry('A', 2, 'bad'), message: JSON.parse('{"__proto__":{"polluted":true}}') as Record<string, unknown> };
    await admin.set(`${tag}:entry:bad`, Buffer.from(codec.encode(hostile)));
    await expectPersistenceFailed(store.list(), 'forbidden key $.message.__proto_');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expect(store.list({ limit: 1 })).resolves.toHaveLength(1); // only the readable one
  });
});

describe('RedisDistributedLock', () => {
  it('keeps a lock key holding the token and a fence counter, both tagged by the lock name', async () => {
    const prefix = newPrefix();
    const lock = new RedisDistributedLock(await connect(prefix));
    const key = `${prefix}:lock:{jobs/nightly}`;

    const before = await serverNow();
    const first = await lock.tryAcquire('jobs/nightly', 5_000);
    expect(first).toMatchObject({ name: 'jobs/nightly', fencingToken: 1 });
    expect(first!.expiresAt).toBeGreaterThanOrEqual(before + 5_000);
    expect(first!.expiresAt).toBeLessThanOrEqual((await serverNow()) + 5_000);
    expect(await keysOf(prefix)).toEqual([key, `${key}:fence`]);
    expect(await admin.get(key)).toBe(first!.token);
    expect(await admin.get(`${key}:fence`)).toBe('1');
    const leaseTtl = await admin.pttl(key);
    expect(leaseTtl).toBeGreaterThan(1_000);
    expect(leaseTtl).toBeLessThanOrEqual(5_000);
    expect(await admin.pttl(`${key}:fence`)).toBe(-1);

    await expect(lock.tryAcquire('jobs/nightly', 5_000)).resolves.toBeUndefined();
    await expect(lock.release(first!)).resolves.toBe(true);
    await expect(lock.release(first!)).resolves.toBe(false);
    expect(await keysOf(prefix)).toEqual([`${key}:fence`]);
    await expect(lock.tryAcquire('jobs/nightly', 5_000)).resolves.toMatchObject({ fencingToken: 2 });
  });

  it('extends the lease of the holder only', async () => {
    const prefix = newPrefix();
    const lock = new RedisDistributedLock(await connect(prefix));
    const held = await lock.tryAcquire('l', 1_000);
    const extended = await lock.extend(held!, 30_000);
    expect(extended).toEqual({ ...held, expiresAt: expect.any(Number) });
    expect(extended!.expiresAt).toBeGreaterThan(held!.expiresAt);
    expect(await admin.pttl(`${prefix}:lock:{l}`)).toBeGreaterThan(20_000);
    await expect(lock.extend({ ...held!, token: 'forged' }, 30_000)).resolves.toBeUndefined();
    await expect(lock.release({ ...held!, token: 'forged' })).resolves.toBe(false);
  });

  it('takes one EVALSHA per call', async () => {
    const connection = await connect(newPrefix());
    const lock = new RedisDistributedLock(connection);
    const warm = await lock.tryAcquire('warm-up', 1_000);
    await lock.extend(warm!, 1_000);
    await lock.release(warm!);

    let held: LockHandle | undefined;
    expect(await commandsDuring(connection, async () => (held = await lock.tryAcquire('l', 1_000)))).toEqual(['evalsha']);
    expect(await commandsDuring(connection, () => lock.extend(held!, 1_000))).toEqual(['evalsha']);
    expect(await commandsDuring(connection, () => lock.release(held!))).toEqual(['evalsha']);
  });

  it('fences off a stale holder: the next holder gets a higher token, the stale one can neither extend nor release', async () => {
    const prefix = newPrefix();
    const lockA = new RedisDistributedLock(await connect(prefix));
    const lockB = new RedisDistributedLock(await connect(prefix));
    const a = await lockA.tryAcquire('resource', 200);
    expect(a).toBeDefined();
    await delay(300);
    const b = await lockB.tryAcquire('resource', 10_000);
    expect(b).toBeDefined();
    expect(b!.fencingToken).toBeGreaterThan(a!.fencingToken);
    await expect(lockA.extend(a!, 10_000)).resolves.toBeUndefined();
    await expect(lockA.release(a!)).resolves.toBe(false);
    expect(await admin.get(`${prefix}:lock:{resource}`)).toBe(b!.token);
    await expect(lockB.extend(b!, 10_000)).resolves.toBeDefined();
  });

  it('never lets two withLock holders on separate connections overlap', async () => {
    const prefix = newPrefix();
    const locks = [new RedisDistributedLock(await connect(prefix)), new RedisDistributedLock(await connect(prefix))];
    let inside = 0;
    let overlaps = 0;
    const fences: number[] = [];
    const worker = async (lock: RedisDistributedLock): Promise<void> => {
      for (let i = 0; i < 20; i++) {
        const result = await withLock(lock, 'counter', { ttlMs: 5_000, waitMs: 20_000, retryMs: 2 }, async (handle) => {
          inside++;
          if (inside !== 1) overlaps++;
          fences.push(handle.fencingToken);
          await delay(2);
          inside--;
        });
        expect(result).toEqual({ ok: true, value: undefined });
      }
    };
    await Promise.all(locks.map(worker));
    expect(overlaps).toBe(0);
    expect(fences).toHaveLength(40);
    expect(fences).toEqual([...fences].sort((x, y) => x - y)); // in acquisition order, strictly increasing
    expect(new Set(fences).size).toBe(40);
    expect(await keysOf(prefix)).toEqual([`${prefix}:lock:{counter}:fence`]); // released after the last run
  });
});

describe('acquireLock and withLock', () => {
  it('fails with LOCK_FAILED once waitMs has passed', async () => {
    const lock = new RedisDistributedLock(await connect(newPrefix()));
    await lock.tryAcquire('busy', 10_000);
    const result = await acquireLock(lock, 'busy', { ttlMs: 1_000, waitMs: 150, retryMs: 20 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('LOCK_FAILED');
    expect(result.error.retryable).toBe(true);
    expect(result.error.details).toMatchObject({ lock: 'busy' });
    expect(result.error.details['waitedMs']).toBeGreaterThanOrEqual(150);
    const once = await acquireLock(lock, 'busy', { ttlMs: 1_000 });
    expect(once.ok || once.error.code).toBe('LOCK_FAILED');
  });

  it('gets the lock as soon as the holder lets go', async () => {
    const lock = new RedisDistributedLock(await connect(newPrefix()));
    const holder = await lock.tryAcquire('handover', 10_000);
    setTimeout(() => void lock.release(holder!), 100);
    const result = await acquireLock(lock, 'handover', { ttlMs: 1_000, waitMs: 10_000, retryMs: 10 });
    expect(result.ok && result.value.fencingToken).toBe(holder!.fencingToken + 1);
  });

  it('is CANCELLED when the signal aborts while waiting, or was aborted already', async () => {
    const lock = new RedisDistributedLock(await connect(newPrefix()));
    await lock.tryAcquire('busy', 10_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    const waited = await acquireLock(lock, 'busy', { ttlMs: 1_000, waitMs: 10_000, retryMs: 10, signal: controller.signal });
    expect(waited.ok).toBe(false);
    expect(!waited.ok && waited.error.code).toBe('CANCELLED');
    expect(!waited.ok && waited.error.message).toContain('shutting down');

    const free = await acquireLock(lock, 'free', { ttlMs: 1_000, signal: AbortSignal.abort() });
    expect(!free.ok && free.error.code).toBe('CANCELLED');
    await expect(lock.tryAcquire('free', 1_000)).resolves.toBeDefined(); // nothing left held
  });

  it('turns a failing store into a PERSISTENCE_FAILED result, never a rejection', async () => {
    const connection = await connect(newPrefix());
    const lock = new RedisDistributedLock(connection);
    await closeNow(connection);
    const result = await acquireLock(lock, 'l', { ttlMs: 1_000, waitMs: 1_000 });
    expect(!result.ok && result.error.code).toBe('PERSISTENCE_FAILED');
    const work = jest.fn(async () => 1);
    const guarded = await withLock(lock, 'l', { ttlMs: 1_000 }, work);
    expect(!guarded.ok && guarded.error.code).toBe('PERSISTENCE_FAILED');
    expect(work).not.toHaveBeenCalled();
  });

  it('rejects wrong options with a configuration error', async () => {
    const lock = new MemoryDistributedLock();
    await expect(acquireLock(lock, 'l', { ttlMs: 0 })).rejects.toThrow(CatgaConfigurationError);
    await expect(acquireLock(lock, 'l', { ttlMs: 100, waitMs: -1 })).rejects.toThrow(CatgaConfigurationError);
    await expect(acquireLock(lock, 'l', { ttlMs: 100, retry: 5 } as never)).rejects.toThrow(/unknown option/);
  });

  it('works with any DistributedLock, here the memory one', async () => {
    const lock = new MemoryDistributedLock();
    const result = await withLock(lock, 'l', { ttlMs: 1_000 }, async (handle) => handle.fencingToken);
    expect(result).toEqual({ ok: true, value: 1 });
    await expect(lock.tryAcquire('l', 1_000)).resolves.toMatchObject({ fencingToken: 2 });
  });

  it('keeps the lease alive while the work runs longer than ttlMs, then releases it', async () => {
    const prefix = newPrefix();
    const connection = await connect(prefix);
    const lock = new RedisDistributedLock(connection);
    const rival = new RedisDistributedLock(await connect(prefix));
    const result = await withLock(lock, 'long', { ttlMs: 150 }, async (_handle, signal) => {
      await delay(500);
      expect(signal.aborted).toBe(false);
      return rival.tryAcquire('long', 1_000);
    });
    expect(result).toEqual({ ok: true, value: undefined });
    expect(await admin.exists(`${prefix}:lock:{long}`)).toBe(0);
  });

  it('aborts the work’s signal with LOCK_FAILED when an extension finds the lock lost', async () => {
    const prefix = newPrefix();
    const lock = new RedisDistributedLock(await connect(prefix));
    const result = await withLock(lock, 'fragile', { ttlMs: 150 }, async (_handle, signal) => {
      await admin.set(`${prefix}:lock:{fragile}`, 'taken-over', 'PX', 10_000);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      signal.throwIfAborted();
    });
    expect(!result.ok && result.error.code).toBe('LOCK_FAILED');
    expect(!result.ok && result.error.message).toContain('lost');
    expect(await admin.get(`${prefix}:lock:{fragile}`)).toBe('taken-over'); // not released: no longer ours
  });

  it('passes the caller’s abort on to the work as CANCELLED', async () => {
    const lock = new RedisDistributedLock(await connect(newPrefix()));
    const controller = new AbortController();
    const result = await withLock(lock, 'l', { ttlMs: 5_000, signal: controller.signal }, async (_handle, signal) => {
      setTimeout(() => controller.abort(), 20);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      signal.throwIfAborted();
    });
    expect(!result.ok && result.error.code).toBe('CANCELLED');
    await expect(lock.tryAcquire('l', 1_000)).resolves.toBeDefined();
  });

  it('releases the lock when the work throws, and reports what it threw', async () => {
    const lock = new RedisDistributedLock(await connect(newPrefix()));
    const thrown = await withLock(lock, 'l', { ttlMs: 5_000 }, async () => {
      throw new Error('disk full');
    });
    expect(!thrown.ok && thrown.error.code).toBe('HANDLER_FAILED');
    expect(!thrown.ok && thrown.error.message).toContain('disk full');
    const domain = await withLock(lock, 'l', { ttlMs: 5_000 }, async () => {
      throw new CatgaError('CONFLICT', 'already shipped');
    });
    expect(!domain.ok && domain.error.code).toBe('CONFLICT');
    await expect(lock.tryAcquire('l', 1_000)).resolves.toBeDefined();
  });
});

describe('a closed connection', () => {
  it('makes every store method reject with PERSISTENCE_FAILED at once instead of hanging', async () => {
    const connection = await connect(newPrefix());
    const idempotency = new RedisIdempotencyStore(connection);
    const inbox = new RedisInboxStore(connection);
    const deadLetters = new RedisDeadLetterStore(connection);
    const lock = new RedisDistributedLock(connection);
    const handle: LockHandle = { name: 'l', token: 't', fencingToken: 1, expiresAt: Date.now() + 1_000 };
    await closeNow(connection);

    const calls: [string, () => Promise<unknown>][] = [
      ['idempotency.get', () => idempotency.get('k')],
      ['idempotency.tryClaim', () => idempotency.tryClaim('k', 1_000)],
      ['idempotency.complete', () => idempotency.complete('k', 1, 1_000)],
      ['idempotency.release', () => idempotency.release('k')],
      ['inbox.tryLock', () => inbox.tryLock('m', 1_000)],
      ['inbox.markProcessed', () => inbox.markProcessed('m', 't', { ok: true, value: 1 }, 1_000)],
      ['inbox.release', () => inbox.release('m', 't')],
      ['deadletter.add', () => deadLetters.add({ ...someEntry(), id: 'x' })],
      ['deadletter.list', () => deadLetters.list()],
      ['deadletter.remove', () => deadLetters.remove('x')],
      ['deadletter.size', () => deadLetters.size()],
      ['deadletter.dropped', () => deadLetters.dropped()],
      ['lock.tryAcquire', () => lock.tryAcquire('l', 1_000)],
      ['lock.extend', () => lock.extend(handle, 1_000)],
      ['lock.release', () => lock.release(handle)],
    ];
    for (const [operation, call] of calls) {
      const started = Date.now();
      const error = await expectPersistenceFailed(call(), `Redis ${operation} failed`);
      expect(error.details).toMatchObject({ store: operation.split('.')[0], operation: operation.split('.')[1] });
      expect(Date.now() - started).toBeLessThan(5_000); // generous: it fails at once, not after a timeout
    }
  });

  function someEntry(): DeadLetterEntry {
    return {
      id: 'x',
      messageType: 'T',
      kind: 'command',
      handler: 'H',
      messageId: 'm',
      correlationId: 'c',
      causationId: undefined,
      message: {},
      error: new CatgaError('HANDLER_FAILED', 'boom').toJSON(),
      failedAt: 1,
    };
  }
});
