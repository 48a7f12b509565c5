import type { PersistenceStores } from '../persistence-stores.js';
import type { RedisConnection } from './redis-connection.js';
import { RedisDeadLetterStore } from './redis-dead-letter-store.js';
import { RedisDistributedLock } from './redis-distributed-lock.js';
import { RedisIdempotencyStore } from './redis-idempotency-store.js';
import { RedisInboxStore } from './redis-inbox-store.js';
import { RedisOutboxStore } from './redis-outbox-store.js';
import { RedisSagaStore } from './redis-saga-store.js';

/** Every Redis store on one connection, as `builder.useRedis(...)` takes them. */
export interface RedisPersistence extends PersistenceStores {
  readonly idempotency: RedisIdempotencyStore;
  readonly inbox: RedisInboxStore;
  readonly outbox: RedisOutboxStore;
  readonly deadLetters: RedisDeadLetterStore;
  readonly locks: RedisDistributedLock;
  readonly sagas: RedisSagaStore;
  /** The connection the stores share. */
  readonly connection: RedisConnection;
  /** Closes the connection (after `catga.close()`, which stops the outbox processor first). */
  close(): Promise<void>;
}

/**
 * The Redis stores on one connection: pass the result to `createCatga().useRedis(...)`.
 *
 * @example
 * const redis = redisPersistence(await connectRedis({ url: process.env.REDIS_URL, keyPrefix: 'shop' }));
 * const catga = await createCatga().useRedis(redis).withInbox().withOutbox().withTransport(nats).start();
 * // ...
 * await catga.close();
 * await redis.close();
 */
export function redisPersistence(connection: RedisConnection): RedisPersistence {
  return {
    idempotency: new RedisIdempotencyStore(connection),
    inbox: new RedisInboxStore(connection),
    outbox: new RedisOutboxStore(connection),
    deadLetters: new RedisDeadLetterStore(connection),
    locks: new RedisDistributedLock(connection),
    sagas: new RedisSagaStore(connection),
    connection,
    close: () => connection.close(),
  };
}
