import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  connectRedis,
  type RedisConnection,
  RedisDeadLetterStore,
  RedisDistributedLock,
  RedisIdempotencyStore,
  RedisInboxStore,
  RedisOutboxStore,
  RedisSagaStore,
} from '@catga/runtime/redis';
import { deadLetterStoreContract } from '../persistence/contracts/dead-letter-contract.js';
import { idempotencyStoreContract } from '../persistence/contracts/idempotency-contract.js';
import { inboxStoreContract } from '../persistence/contracts/inbox-contract.js';
import { distributedLockContract } from '../persistence/contracts/lock-contract.js';
import { outboxStoreContract } from '../persistence/contracts/outbox-contract.js';
import { sagaStoreContract } from '../persistence/contracts/saga-contract.js';
import type { ContractSubject } from '../persistence/contracts/subject.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Deletes every key of one test's prefix (plain and hash-tagged). */
async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    for (const pattern of [`${prefix}:*`, `{${prefix}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * A Redis store as a contract subject: a fresh key prefix per test on the shared server, and peers on connections
 * of their own (so concurrency tests race real clients).
 */
function onRedis<T>(make: (connection: RedisConnection) => T): () => Promise<ContractSubject<T>> {
  return async () => {
    const keyPrefix = `ct-${process.pid}-${randomUUID().slice(0, 8)}`;
    const connections: RedisConnection[] = [await connectRedis({ url: REDIS_URL, keyPrefix })];
    return {
      store: make(connections[0]!),
      peer: async () => {
        const connection = await connectRedis({ url: REDIS_URL, keyPrefix });
        connections.push(connection);
        return make(connection);
      },
      dispose: async () => {
        await Promise.all(connections.map((connection) => connection.close()));
        await deleteKeys(keyPrefix);
      },
    };
  };
}

idempotencyStoreContract('redis', onRedis((connection) => new RedisIdempotencyStore(connection)));
inboxStoreContract('redis', onRedis((connection) => new RedisInboxStore(connection)));
outboxStoreContract('redis', onRedis((connection) => new RedisOutboxStore(connection)));
distributedLockContract('redis', onRedis((connection) => new RedisDistributedLock(connection)));
sagaStoreContract('redis', onRedis((connection) => new RedisSagaStore(connection)));
deadLetterStoreContract('redis', onRedis((connection) => new RedisDeadLetterStore(connection)));
