import { randomBytes } from 'node:crypto';
import { msgpackCodec } from '../../src/codec/msgpack-codec';
import { CatgaError } from '../../src/core/catga-error';
import type { OutboxFailure } from '../../src/persistence/outbox-store';
import type { NewSagaRecord } from '../../src/persistence/saga-store';
import { connectRedis, type RedisConnection } from '../../src/persistence/redis/redis-connection';
import { RedisOutboxStore } from '../../src/persistence/redis/redis-outbox-store';
import { MAX_SAGA_FIELD_LENGTH, MAX_SAGA_STATE_BYTES, RedisSagaStore } from '../../src/persistence/redis/redis-saga-store';

jest.setTimeout(60_000);

// Redis-specific behaviour of the outbox and saga stores against the shared server (the contract shared with the
// memory stores is tested elsewhere): key layout, msgpack bodies, concurrent claimers on separate connections,
// leases and retries by the server's clock, compare-and-set across connections, limits and a closed connection.

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const codec = msgpackCodec();

const opened: RedisConnection[] = [];
const prefixes: string[] = [];

function uniquePrefix(): string {
  const prefix = `t-${process.pid}-${randomBytes(6).toString('hex')}`;
  prefixes.push(prefix);
  return prefix;
}

async function connect(keyPrefix: string): Promise<RedisConnection> {
  const connection = await connectRedis({ url: REDIS_URL, keyPrefix });
  opened.push(connection);
  return connection;
}

/** Every key of a test prefix, both layouts (`{<prefix>:...` tagged and `<prefix>:...` plain), sorted. */
async function keysOf(connection: RedisConnection, prefix: string): Promise<string[]> {
  const keys = new Set<string>();
  for (const pattern of [`{${prefix}:*`, `${prefix}:*`]) {
    let cursor = '0';
    do {
      const [next, batch] = await connection.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      for (const key of batch) keys.add(key);
      cursor = next;
    } while (cursor !== '0');
  }
  return [...keys].sort();
}

afterEach(async () => {
  const cleaner = await connectRedis({ url: REDIS_URL });
  try {
    for (const prefix of prefixes.splice(0)) {
      const keys = await keysOf(cleaner, prefix);
      for (let i = 0; i < keys.length; i += 500) await cleaner.client.del(...keys.slice(i, i + 500));
    }
  } finally {
    await cleaner.close();
    await Promise.all(opened.splice(0).map((connection) => connection.close()));
  }
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function serverTime(connection: RedisConnection): Promise<number> {
  const [seconds, micros] = await connection.client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

function failure(overrides: Partial<OutboxFailure> = {}): OutboxFailure {
  return { error: 'boom', retryDelayMs: 0, maxAttempts: 5, retentionMs: 60_000, ...overrides };
}

async function outboxOf(): Promise<{ connection: RedisConnection; outbox: RedisOutboxStore; prefix: string }> {
  const prefix = uniquePrefix();
  const connection = await connect(prefix);
  return { connection, outbox: new RedisOutboxStore(connection), prefix };
}

async function sagasOf(): Promise<{ connection: RedisConnection; sagas: RedisSagaStore; prefix: string }> {
  const prefix = uniquePrefix();
  const connection = await connect(prefix);
  return { connection, sagas: new RedisSagaStore(connection), prefix };
}

describe('RedisOutboxStore', () => {
  it('keeps the documented key layout, all under one hash tag', async () => {
    const { connection, outbox, prefix } = await outboxOf();
    const before = await serverTime(connection);
    await outbox.append([
      { id: 'a', messageType: 'Shipped', message: { n: 1 } },
      { id: 'b', messageType: 'Shipped', message: { n: 2 } },
      { id: 'c', messageType: 'Shipped', message: { n: 3 } },
      { id: 'd', messageType: 'Shipped', message: { n: 4 } },
    ]);
    const lease = await outbox.claim('p1', 3, 30_000);
    expect(lease.entries.map((entry) => entry.id)).toEqual(['a', 'b', 'c']);
    await expect(outbox.markPublished('a', lease.token, 60_000)).resolves.toBe(true);
    await expect(outbox.markFailed('b', lease.token, failure({ maxAttempts: 1 }))).resolves.toBe('dead');

    const tag = `{${prefix}:outbox}`;
    expect(await keysOf(connection, prefix)).toEqual(
      [`${tag}:dead`, `${tag}:entry:a`, `${tag}:entry:b`, `${tag}:entry:c`, `${tag}:entry:d`, `${tag}:leased`, `${tag}:pending`, `${tag}:published`, `${tag}:seq`].sort(),
    );
    const { client } = connection;
    for (const set of ['pending', 'leased', 'published', 'dead']) await expect(client.type(`${tag}:${set}`)).resolves.toBe('zset');
    await expect(client.type(`${tag}:entry:a`)).resolves.toBe('hash');
    await expect(client.get(`${tag}:seq`)).resolves.toBe('4');
    // Members are `<16-digit append sequence>:<id>`.
    await expect(client.zrange(`${tag}:pending`, '0', '-1')).resolves.toEqual(['0000000000000004:d']);
    await expect(client.zrange(`${tag}:leased`, '0', '-1')).resolves.toEqual(['0000000000000003:c']);
    await expect(client.zrange(`${tag}:published`, '0', '-1')).resolves.toEqual(['0000000000000001:a']);
    await expect(client.zrange(`${tag}:dead`, '0', '-1')).resolves.toEqual(['0000000000000002:b']);
    await expect(client.zscore(`${tag}:leased`, '0000000000000003:c')).resolves.toBe(String(lease.expiresAt));

    const published = await client.hgetall(`${tag}:entry:a`);
    expect(Object.keys(published).sort()).toEqual(['attempts', 'createdAt', 'message', 'messageType', 'owner', 'removeAt', 'seq', 'state']);
    expect(published).toMatchObject({ messageType: 'Shipped', attempts: '1', state: 'published', owner: 'p1', seq: '0000000000000001' });
    expect(Number(published['createdAt'])).toBeGreaterThanOrEqual(before);
    expect(Number(published['removeAt'])).toBeGreaterThanOrEqual(Number(published['createdAt']) + 60_000);
    const leased = await client.hgetall(`${tag}:entry:c`);
    expect(leased).toMatchObject({ state: 'leased', owner: 'p1', token: lease.token, leaseExpiresAt: String(lease.expiresAt), attempts: '1' });
    expect(await client.hgetall(`${tag}:entry:b`)).toMatchObject({ state: 'dead', lastError: 'boom' });
    expect(await client.hgetall(`${tag}:entry:d`)).toMatchObject({ state: 'pending', attempts: '0' });
    const message = await client.hgetallBuffer(`${tag}:entry:d`);
    expect(codec.decode(message['message']!)).toEqual({ n: 4 });

    // A second store with another name on the same connection: its own tag, the scripts defined once are shared.
    const other = new RedisOutboxStore(connection, { name: 'outbox2' });
    await other.append([{ id: 'a', messageType: 'Other', message: {} }]);
    await expect(client.exists(`{${prefix}:outbox2}:entry:a`)).resolves.toBe(1);
    expect(await other.counts()).toEqual({ pending: 1, leased: 0, published: 0, dead: 0 });
    expect(() => new RedisOutboxStore(connection, { name: 'x}y' })).toThrow(/redis\.outbox\.name/);
  });

  it('round-trips message bodies through msgpack: dates, nested arrays, bytes, unicode', async () => {
    const { outbox } = await outboxOf();
    const message = {
      at: new Date('2024-02-29T12:34:56.789Z'),
      nested: [[1, [2, 'x']], { deep: [true, null, -0.5] }],
      bytes: new Uint8Array([0, 1, 127, 128, 255]),
      text: 'größe ✓ 🚚',
      big: Number.MAX_SAFE_INTEGER,
    };
    await outbox.append([{ id: 'm-1', messageType: 'Shipped', message }]);
    const [entry] = (await outbox.claim('p1', 10, 30_000)).entries;
    expect(entry).toBeDefined();
    expect(entry!.message).toStrictEqual(message);
    const bytes = entry!.message['bytes'];
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(bytes)).toBe(false);
    expect(entry!.message['at']).toBeInstanceOf(Date);
  });

  it('appends a batch atomically in one call and leaves existing ids alone', async () => {
    const { outbox } = await outboxOf();
    await outbox.append([{ id: 'x', messageType: 'First', message: { v: 1 } }]);
    await outbox.append([
      { id: 'x', messageType: 'Second', message: { v: 2 } },
      { id: 'y', messageType: 'Second', message: { v: 3 } },
      { id: 'y', messageType: 'Third', message: { v: 4 } },
    ]);
    const lease = await outbox.claim('p1', 10, 30_000);
    expect(lease.entries.map(({ id, messageType, message }) => ({ id, messageType, message }))).toEqual([
      { id: 'x', messageType: 'First', message: { v: 1 } },
      { id: 'y', messageType: 'Second', message: { v: 3 } },
    ]);
    // Nothing is sent when one entry of the batch is unusable.
    await expect(outbox.append([{ id: 'z', messageType: 'T', message: {} }, { id: 'w', messageType: 'T', message: JSON.parse('{"a":{"__proto__":1}}') as Record<string, unknown> }])).rejects.toMatchObject({
      code: 'SERIALIZATION_FAILED',
      message: expect.stringContaining('$.a.__proto__'),
    });
    expect(await outbox.counts()).toEqual({ pending: 0, leased: 2, published: 0, dead: 0 });
  });

  it('hands every entry to exactly one of 4 concurrent claimers on separate connections (10,000 entries)', async () => {
    const prefix = uniquePrefix();
    const setup = await connect(prefix);
    const total = 10_000;
    const entries = Array.from({ length: total }, (_, i) => ({ id: `e-${i}`, messageType: 'Tick', message: { i } }));
    await new RedisOutboxStore(setup).append(entries);
    const claimers = await Promise.all(Array.from({ length: 4 }, async () => new RedisOutboxStore(await connect(prefix))));
    const published = await Promise.all(
      claimers.map(async (store, n) => {
        const ids: string[] = [];
        for (;;) {
          const lease = await store.claim(`claimer-${n}`, 100, 30_000);
          if (lease.entries.length === 0) return ids;
          const marked = await Promise.all(lease.entries.map((entry) => store.markPublished(entry.id, lease.token, 60_000)));
          expect(marked.every(Boolean)).toBe(true);
          for (const entry of lease.entries) {
            expect(entry.attempts).toBe(1);
            ids.push(entry.id);
          }
        }
      }),
    );
    const all = published.flat();
    expect(all).toHaveLength(total);
    expect(new Set(all).size).toBe(total);
    expect(new Set(all)).toEqual(new Set(entries.map((entry) => entry.id)));
    // Every claimer got work: the claims really ran side by side.
    for (const ids of published) expect(ids.length).toBeGreaterThan(0);
    expect(await claimers[0]!.counts()).toEqual({ pending: 0, leased: 0, published: total, dead: 0 });
  });

  it('lets another owner reclaim an expired lease; the first owner then loses its marks', async () => {
    const prefix = uniquePrefix();
    const first = new RedisOutboxStore(await connect(prefix));
    const second = new RedisOutboxStore(await connect(prefix));
    await first.append([{ id: 'x', messageType: 'T', message: {} }]);
    const lease1 = await first.claim('p1', 10, 100);
    expect(lease1.entries.map((entry) => [entry.id, entry.attempts])).toEqual([['x', 1]]);
    // While the lease holds nobody else gets it.
    expect((await second.claim('p2', 10, 30_000)).entries).toEqual([]);
    expect(await second.counts()).toEqual({ pending: 0, leased: 1, published: 0, dead: 0 });
    await sleep(250);
    const lease2 = await second.claim('p2', 10, 30_000);
    expect(lease2.token).not.toBe(lease1.token);
    expect(lease2.entries.map((entry) => [entry.id, entry.attempts])).toEqual([['x', 2]]);
    await expect(first.markPublished('x', lease1.token, 60_000)).resolves.toBe(false);
    await expect(first.markFailed('x', lease1.token, failure())).resolves.toBe('lost');
    await expect(second.markPublished('x', lease2.token, 60_000)).resolves.toBe(true);
    await expect(second.markPublished('x', lease2.token, 60_000)).resolves.toBe(false);
    expect(await first.counts()).toEqual({ pending: 0, leased: 0, published: 1, dead: 0 });
  });

  it('claims the oldest due first, merging due pending entries and expired leases', async () => {
    const { outbox } = await outboxOf();
    await outbox.append([{ id: 'leased', messageType: 'T', message: {} }]);
    await outbox.claim('p0', 10, 200); // due again when this lease expires, ~200 ms from now
    await sleep(20);
    await outbox.append([{ id: 'early', messageType: 'T', message: {} }]);
    await sleep(300);
    await outbox.append(['z', 'y', 'x'].map((id) => ({ id, messageType: 'T', message: {} })));
    const lease = await outbox.claim('p1', 10, 30_000);
    // Same due time (one batch): append order, not id order.
    expect(lease.entries.map((entry) => [entry.id, entry.attempts])).toEqual([
      ['early', 1],
      ['leased', 2],
      ['z', 1],
      ['y', 1],
      ['x', 1],
    ]);
    // The limit applies to both sources together.
    await outbox.append(['a', 'b'].map((id) => ({ id, messageType: 'T', message: {} })));
    expect((await outbox.claim('p2', 1, 30_000)).entries.map((entry) => entry.id)).toEqual(['a']);
  });

  it('retries a failed entry only once its delay has passed, and makes it dead after maxAttempts', async () => {
    const { connection, outbox, prefix } = await outboxOf();
    await outbox.append([{ id: 'r', messageType: 'T', message: { v: 1 } }]);
    const lease1 = await outbox.claim('p1', 10, 30_000);
    const failedAt = await serverTime(connection);
    await expect(outbox.markFailed('r', lease1.token, failure({ error: 'broker down', retryDelayMs: 500, maxAttempts: 2 }))).resolves.toBe('retry');
    const due = Number(await connection.client.zscore(`{${prefix}:outbox}:pending`, '0000000000000001:r'));
    expect(due).toBeGreaterThanOrEqual(failedAt + 500);
    expect(due).toBeLessThan(failedAt + 5_500);
    expect(await outbox.counts()).toEqual({ pending: 1, leased: 0, published: 0, dead: 0 });
    expect((await outbox.claim('p1', 10, 30_000)).entries).toEqual([]);
    // The mark of the old lease is refused now that the entry is pending again.
    await expect(outbox.markPublished('r', lease1.token, 60_000)).resolves.toBe(false);

    while ((await serverTime(connection)) < due) await sleep(50);
    const lease2 = await outbox.claim('p2', 10, 30_000);
    expect(lease2.entries).toEqual([{ id: 'r', messageType: 'T', message: { v: 1 }, createdAt: expect.any(Number), attempts: 2, lastError: 'broker down' }]);
    await expect(outbox.markFailed('r', lease2.token, failure({ error: 'still down', retryDelayMs: 0, maxAttempts: 2 }))).resolves.toBe('dead');
    expect(await outbox.counts()).toEqual({ pending: 0, leased: 0, published: 0, dead: 1 });
    expect((await outbox.claim('p2', 10, 30_000)).entries).toEqual([]);
    await expect(connection.client.hget(`{${prefix}:outbox}:entry:r`, 'lastError')).resolves.toBe('still down');
  });

  it('cleans up only published and dead entries whose retention has passed, within the limit', async () => {
    const { connection, outbox, prefix } = await outboxOf();
    const ids = ['pub-old-1', 'pub-old-2', 'pub-new', 'dead-old', 'dead-new', 'leased', 'pending'];
    await outbox.append(ids.map((id) => ({ id, messageType: 'T', message: {} })));
    const lease = await outbox.claim('p1', 6, 30_000);
    expect(lease.entries).toHaveLength(6);
    await outbox.markPublished('pub-old-1', lease.token, 0);
    await outbox.markPublished('pub-old-2', lease.token, 0);
    await outbox.markPublished('pub-new', lease.token, 60_000);
    await outbox.markFailed('dead-old', lease.token, failure({ maxAttempts: 1, retentionMs: 0 }));
    await outbox.markFailed('dead-new', lease.token, failure({ maxAttempts: 1, retentionMs: 60_000 }));
    await sleep(5);
    // Expired entries no longer count, as if cleanup had already run.
    expect(await outbox.counts()).toEqual({ pending: 1, leased: 1, published: 1, dead: 1 });
    await expect(outbox.cleanup(2)).resolves.toBe(2);
    await expect(outbox.cleanup()).resolves.toBe(1);
    await expect(outbox.cleanup()).resolves.toBe(0);
    const tag = `{${prefix}:outbox}`;
    expect((await keysOf(connection, prefix)).filter((key) => key.startsWith(`${tag}:entry:`))).toEqual(
      ['dead-new', 'leased', 'pending', 'pub-new'].map((id) => `${tag}:entry:${id}`),
    );
    await expect(connection.client.zcard(`${tag}:published`)).resolves.toBe(1);
    await expect(connection.client.zcard(`${tag}:dead`)).resolves.toBe(1);
    expect(await outbox.counts()).toEqual({ pending: 1, leased: 1, published: 1, dead: 1 });
  });

  it('hands back a stored message with a forbidden key, or one that is not an object, as unreadable instead of stalling', async () => {
    const { connection, outbox, prefix } = await outboxOf();
    await outbox.append([{ id: 'p', messageType: 'T', message: { ok: true } }, { id: 'q', messageType: 'T', message: { ok: true } }]);
    await connection.client.hset(`{${prefix}:outbox}:entry:p`, 'message', Buffer.from(codec.encode({ nested: { constructor: { evil: true } } })));
    await connection.client.hset(`{${prefix}:outbox}:entry:q`, 'message', Buffer.from(codec.encode([1, 2])));
    const lease = await outbox.claim('p1', 10, 10_000);
    expect(lease.entries.map((e) => [e.id, e.message, e.unreadable])).toEqual([
      ['p', {}, expect.stringContaining('forbidden key at $.nested.constructor')],
      ['q', {}, expect.stringContaining('not an object')],
    ]);
  });

  it('rejects bad arguments with VALIDATION_FAILED before sending anything', async () => {
    const { outbox } = await outboxOf();
    await expect(outbox.claim('p1', -1, 1000)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    await expect(outbox.claim('p1', 10, Number.NaN)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(outbox.markPublished('x', 't', -5)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(outbox.append([{ id: 'x', messageType: 'T', message: null as unknown as Record<string, unknown> }])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('RedisSagaStore', () => {
  it('keeps the documented key layout; a final status leaves the active set', async () => {
    const { connection, sagas, prefix } = await sagasOf();
    const created = await sagas.create({ id: 's-1', type: 'Checkout', owner: 'node-1', state: { step: 1 } });
    expect(created).toEqual({ id: 's-1', type: 'Checkout', status: 'running', version: 1, owner: 'node-1', heartbeatAt: expect.any(Number), state: { step: 1 } });
    await sagas.create({ id: 's-2', type: 'Checkout', owner: 'node-1', state: {}, status: 'completed' });
    const tag = `{${prefix}:saga}`;
    expect(await keysOf(connection, prefix)).toEqual([`${tag}:active`, `${tag}:instance:s-1`, `${tag}:instance:s-2`, `${tag}:seq`]);
    const { client } = connection;
    // Final from the start: never in `active`.
    await expect(client.zrange(`${tag}:active`, '0', '-1', 'WITHSCORES')).resolves.toEqual(['0000000000000001:s-1', String(created!.heartbeatAt)]);
    const stored = await client.hgetall(`${tag}:instance:s-1`);
    expect(Object.keys(stored).sort()).toEqual(['heartbeatAt', 'owner', 'seq', 'state', 'status', 'type', 'version']);
    expect(stored).toMatchObject({ type: 'Checkout', status: 'running', version: '1', owner: 'node-1', heartbeatAt: String(created!.heartbeatAt), seq: '0000000000000001' });
    expect(codec.decode((await client.hgetallBuffer(`${tag}:instance:s-1`))['state']!)).toEqual({ step: 1 });

    await sagas.update('s-1', 1, { status: 'compensating' });
    await expect(client.zcard(`${tag}:active`)).resolves.toBe(1);
    const done = await sagas.update('s-1', 2, { status: 'compensated', state: { step: 2 } });
    expect(done).toMatchObject({ status: 'compensated', version: 3, state: { step: 2 } });
    await expect(client.exists(`${tag}:active`)).resolves.toBe(0);
    expect(await sagas.claimStale('node-2', 0, 10)).toEqual([]);
    await expect(sagas.heartbeat('s-1', 'node-1')).resolves.toBe(false);

    await expect(sagas.delete('s-1')).resolves.toBe(true);
    await expect(sagas.delete('s-1')).resolves.toBe(false);
    await expect(sagas.get('s-1')).resolves.toBeUndefined();
  });

  it('creates once, and round-trips states through msgpack', async () => {
    const { sagas } = await sagasOf();
    const state = { at: new Date('2024-01-01T00:00:00Z'), lines: [[1, 'a'], [2, ['b', null]]], receipt: new Uint8Array([9, 8, 7]) };
    const created = await sagas.create({ id: 'once', type: 'Checkout', owner: 'node-1', state });
    expect(created?.state).toStrictEqual(state);
    await expect(sagas.create({ id: 'once', type: 'Other', owner: 'node-2', state: {} })).resolves.toBeUndefined();
    const read = await sagas.get<typeof state>('once');
    expect(read).toStrictEqual(created);
    expect(read?.state.receipt).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(read?.state.receipt)).toBe(false);
    // A state of another shape (a bare value) is fine too.
    await sagas.create({ id: 'bare', type: 'Counter', owner: 'node-1', state: 42 });
    await expect(sagas.get('bare')).resolves.toMatchObject({ state: 42 });
  });

  it('lets exactly one of two concurrent updates with the same expected version win, across connections', async () => {
    const prefix = uniquePrefix();
    const a = new RedisSagaStore(await connect(prefix));
    const b = new RedisSagaStore(await connect(prefix));
    await a.create({ id: 'cas', type: 'Checkout', owner: 'node-1', state: { by: 'nobody' } });
    for (let round = 1; round <= 20; round++) {
      const results = await Promise.all([a.update('cas', round, { state: { by: 'a', round } }), b.update('cas', round, { state: { by: 'b', round } })]);
      const winners = results.filter((result) => result !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0]!.version).toBe(round + 1);
      expect(await a.get('cas')).toEqual(winners[0]);
    }
    await expect(a.update('cas', 1, { status: 'failed' })).resolves.toBeUndefined();
    await expect(a.update('missing', 1, { status: 'failed' })).resolves.toBeUndefined();
  });

  it('renews the heartbeat for the owner only', async () => {
    const { sagas } = await sagasOf();
    const created = await sagas.create({ id: 'h', type: 'Checkout', owner: 'node-1', state: {} });
    await expect(sagas.heartbeat('h', 'node-2')).resolves.toBe(false);
    await expect(sagas.heartbeat('missing', 'node-1')).resolves.toBe(false);
    await sleep(5);
    await expect(sagas.heartbeat('h', 'node-1')).resolves.toBe(true);
    const read = await sagas.get('h');
    expect(read!.heartbeatAt).toBeGreaterThan(created!.heartbeatAt);
    expect(read!.version).toBe(1);
  });

  it('claims only stale instances that are not final, oldest first, and bumps their version', async () => {
    const prefix = uniquePrefix();
    const node1 = new RedisSagaStore(await connect(prefix));
    const node2 = new RedisSagaStore(await connect(prefix));
    for (const id of ['old-b', 'old-a']) await node1.create({ id, type: 'Checkout', owner: 'node-1', state: { id } });
    await node1.create({ id: 'done', type: 'Checkout', owner: 'node-1', state: {}, status: 'failed' });
    await node1.create({ id: 'fresh', type: 'Checkout', owner: 'node-1', state: {} });
    await sleep(400);
    await node1.heartbeat('fresh', 'node-1');
    const claimed = await node2.claimStale('node-2', 300, 10);
    expect(claimed.map((record) => record.id).sort()).toEqual(['old-a', 'old-b']);
    for (const record of claimed) expect(record).toMatchObject({ owner: 'node-2', version: 2, status: 'running', state: { id: record.id } });
    await expect(node1.get('old-a')).resolves.toMatchObject({ owner: 'node-2', version: 2, heartbeatAt: claimed[0]!.heartbeatAt });
    // The stale owner's next update and heartbeat fail.
    await expect(node1.update('old-a', 1, { state: { lost: true } })).resolves.toBeUndefined();
    await expect(node1.heartbeat('old-a', 'node-1')).resolves.toBe(false);
    // Just claimed: fresh again.
    expect(await node2.claimStale('node-3', 300, 10)).toEqual([]);
    // A limit takes the oldest heartbeat first.
    await sleep(50);
    await node2.heartbeat('old-b', 'node-2');
    await node1.heartbeat('fresh', 'node-1');
    expect((await node1.claimStale('node-1', 0, 1)).map((record) => record.id)).toEqual(['old-a']);
  });

  it('takes instances with equal heartbeats in creation order', async () => {
    const { connection, sagas, prefix } = await sagasOf();
    for (const id of ['c', 'b', 'a']) await sagas.create({ id, type: 'T', owner: 'node-1', state: {} });
    // Give them one heartbeat so that only the creation sequence tells them apart.
    const tag = `{${prefix}:saga}`;
    await connection.client.zadd(`${tag}:active`, 1000, '0000000000000001:c', 1000, '0000000000000002:b', 1000, '0000000000000003:a');
    expect((await sagas.claimStale('node-2', 0, 2)).map((record) => record.id)).toEqual(['c', 'b']);
  });

  it('enforces the limits: 256 characters for id, type and owner, 1 MB of encoded state, known statuses', async () => {
    const { sagas } = await sagasOf();
    const long = 'x'.repeat(MAX_SAGA_FIELD_LENGTH + 1);
    const max = 'y'.repeat(MAX_SAGA_FIELD_LENGTH);
    await expect(sagas.create({ id: max, type: max, owner: max, state: {} })).resolves.toMatchObject({ id: max });
    const rejected: NewSagaRecord[] = [
      { id: long, type: 'T', owner: 'o', state: {} },
      { id: 's', type: long, owner: 'o', state: {} },
      { id: 's', type: 'T', owner: long, state: {} },
      { id: '', type: 'T', owner: 'o', state: {} },
      { id: 's', type: 'T', owner: 'o', state: { blob: new Uint8Array(MAX_SAGA_STATE_BYTES) } },
      { id: 's', type: 'T', owner: 'o', state: {}, status: 'paused' as 'running' },
    ];
    for (const record of rejected) {
      await expect(sagas.create(record)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    }
    await expect(sagas.get(long)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(sagas.update(max, 1, { owner: long })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(sagas.update(max, 1, { state: { blob: new Uint8Array(MAX_SAGA_STATE_BYTES) } })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(sagas.heartbeat(max, long)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(sagas.claimStale(long, 0, 1)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(sagas.create({ id: 'evil', type: 'T', owner: 'o', state: { constructor: 1 } })).rejects.toMatchObject({ code: 'SERIALIZATION_FAILED' });
    // Just under the limit is stored and read back whole.
    const big = new Uint8Array(MAX_SAGA_STATE_BYTES - 64).fill(7);
    await expect(sagas.create({ id: 'big', type: 'T', owner: 'o', state: { big } })).resolves.toBeDefined();
    const stored = (await sagas.get<{ big: Uint8Array }>('big'))?.state.big;
    expect(stored).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(Buffer.from(stored!), Buffer.from(big))).toBe(0);
  });

  it('refuses a stored state with a forbidden key with PERSISTENCE_FAILED', async () => {
    const { connection, sagas, prefix } = await sagasOf();
    await sagas.create({ id: 'p', type: 'T', owner: 'o', state: {} });
    await connection.client.hset(`{${prefix}:saga}:instance:p`, 'state', Buffer.from(codec.encode({ list: [{ prototype: 1 }] })));
    await expect(sagas.get('p')).rejects.toMatchObject({ code: 'PERSISTENCE_FAILED', message: expect.stringContaining('$.list[0].prototype') });
    await expect(sagas.update('p', 1, { status: 'failed' })).rejects.toMatchObject({ code: 'PERSISTENCE_FAILED' });
  });
});

describe('a closed connection', () => {
  it('makes every method of both stores reject with PERSISTENCE_FAILED at once', async () => {
    const prefix = uniquePrefix();
    const connection = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
    const outbox = new RedisOutboxStore(connection);
    const sagas = new RedisSagaStore(connection);
    await connection.close();
    const calls: [string, () => Promise<unknown>][] = [
      ['outbox.append', () => outbox.append([{ id: 'x', messageType: 'T', message: {} }])],
      ['outbox.claim', () => outbox.claim('p1', 10, 1000)],
      ['outbox.markPublished', () => outbox.markPublished('x', 't', 1000)],
      ['outbox.markFailed', () => outbox.markFailed('x', 't', failure())],
      ['outbox.cleanup', () => outbox.cleanup()],
      ['outbox.counts', () => outbox.counts()],
      ['saga.create', () => sagas.create({ id: 's', type: 'T', owner: 'o', state: {} })],
      ['saga.get', () => sagas.get('s')],
      ['saga.update', () => sagas.update('s', 1, { status: 'failed' })],
      ['saga.heartbeat', () => sagas.heartbeat('s', 'o')],
      ['saga.claimStale', () => sagas.claimStale('o', 0, 10)],
      ['saga.delete', () => sagas.delete('s')],
    ];
    for (const [name, call] of calls) {
      const started = performance.now();
      const thrown = await call().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect({ name, isCatgaError: thrown instanceof CatgaError }).toEqual({ name, isCatgaError: true });
      expect(thrown).toMatchObject({ code: 'PERSISTENCE_FAILED', retryable: true });
      // Generous: it must fail at once, not after a command timeout or a reconnect loop.
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });
});
