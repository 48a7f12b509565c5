/**
 * @catga/runtime/redis: Redis persistence for Catga (ioredis 6): idempotency, inbox, outbox, distributed locks,
 * saga state, leader election leases, cluster membership and dead letters. Loads `ioredis` only when imported.
 *
 * @packageDocumentation
 */
export { connectRedis, RedisConnection } from './redis-connection.js';
export type { RedisAddress, RedisClient, RedisConnectionOptions, RedisTlsOptions } from './redis-connection.js';
export { redisPersistence } from './redis-persistence.js';
export type { RedisPersistence } from './redis-persistence.js';
export { RedisIdempotencyStore } from './redis-idempotency-store.js';
export type { RedisIdempotencyStoreOptions } from './redis-idempotency-store.js';
export { RedisInboxStore } from './redis-inbox-store.js';
export type { RedisInboxStoreOptions } from './redis-inbox-store.js';
export { RedisOutboxStore } from './redis-outbox-store.js';
export type { RedisOutboxStoreOptions } from './redis-outbox-store.js';
export { RedisDeadLetterStore } from './redis-dead-letter-store.js';
export type { RedisDeadLetterStoreOptions } from './redis-dead-letter-store.js';
export { RedisDistributedLock } from './redis-distributed-lock.js';
export type { RedisDistributedLockOptions } from './redis-distributed-lock.js';
export { MAX_SAGA_FIELD_LENGTH, MAX_SAGA_STATE_BYTES, RedisSagaStore } from './redis-saga-store.js';
export type { RedisSagaStoreOptions } from './redis-saga-store.js';
export { RedisMembership } from './redis-membership.js';
export type { RedisMembershipOptions } from './redis-membership.js';
