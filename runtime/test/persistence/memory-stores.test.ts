import { MemoryDeadLetterStore } from '../../src/behaviors/dead-letter-store.js';
import { MemoryIdempotencyStore } from '../../src/behaviors/idempotency-store.js';
import { MemoryDistributedLock } from '../../src/persistence/distributed-lock.js';
import { MemoryInboxStore } from '../../src/persistence/inbox-store.js';
import { MemoryOutboxStore } from '../../src/persistence/outbox-store.js';
import { MemorySagaStore } from '../../src/persistence/saga-store.js';
import { deadLetterStoreContract } from './contracts/dead-letter-contract.js';
import { idempotencyStoreContract } from './contracts/idempotency-contract.js';
import { inboxStoreContract } from './contracts/inbox-contract.js';
import { distributedLockContract } from './contracts/lock-contract.js';
import { outboxStoreContract } from './contracts/outbox-contract.js';
import { sagaStoreContract } from './contracts/saga-contract.js';
import type { ContractSubject } from './contracts/subject.js';

/** A memory store as a contract subject: its peers are the store itself (one process, one map). */
function inMemory<T>(make: () => T): () => Promise<ContractSubject<T>> {
  return async () => {
    const store = make();
    return { store, peer: async () => store, dispose: async () => undefined };
  };
}

idempotencyStoreContract('memory', inMemory(() => new MemoryIdempotencyStore()));
inboxStoreContract('memory', inMemory(() => new MemoryInboxStore()));
outboxStoreContract('memory', inMemory(() => new MemoryOutboxStore()));
distributedLockContract('memory', inMemory(() => new MemoryDistributedLock()));
sagaStoreContract('memory', inMemory(() => new MemorySagaStore()));
deadLetterStoreContract('memory', inMemory(() => new MemoryDeadLetterStore()));
