import { type DeadLetterStore, MemoryDeadLetterStore } from '../behaviors/dead-letter-store.js';
import { type IdempotencyStore, MemoryIdempotencyStore } from '../behaviors/idempotency-store.js';
import { type DistributedLock, MemoryDistributedLock } from './distributed-lock.js';
import { type InboxStore, MemoryInboxStore } from './inbox-store.js';
import { MemoryOutboxStore, type OutboxStore } from './outbox-store.js';
import { MemorySagaStore, type SagaStore } from './saga-store.js';

/**
 * One backend's set of stores, as `builder.useRedis(...)` / `builder.usePersistence(...)` take it: the behaviours
 * (idempotency, inbox, outbox, dead letter) keep their data here, and locks, sagas and leader election use it too.
 */
export interface PersistenceStores {
  readonly idempotency: IdempotencyStore;
  readonly inbox: InboxStore;
  readonly outbox: OutboxStore;
  readonly deadLetters: DeadLetterStore;
  readonly locks: DistributedLock;
  readonly sagas: SagaStore;
}

/** Every store in this process's memory: the defaults, and a stand-in for Redis in tests. */
export function memoryPersistence(): PersistenceStores {
  return {
    idempotency: new MemoryIdempotencyStore(),
    inbox: new MemoryInboxStore(),
    outbox: new MemoryOutboxStore(),
    deadLetters: new MemoryDeadLetterStore(),
    locks: new MemoryDistributedLock(),
    sagas: new MemorySagaStore(),
  };
}
