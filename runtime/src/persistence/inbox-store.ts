import { randomUUID } from 'node:crypto';
import type { StoredResult } from './stored-result.js';

/** What {@link InboxStore.tryLock} found. */
export type InboxClaim =
  /** The caller holds the lock until `expiresAt` and must process the message, then `markProcessed` or `release`. */
  | { readonly state: 'locked'; readonly token: string; readonly expiresAt: number }
  /** Another consumer holds an unexpired lock: the message is being processed right now. */
  | { readonly state: 'busy'; readonly expiresAt: number }
  /** The message was processed; this is its stored result, to be replayed to the duplicate. */
  | { readonly state: 'processed'; readonly result: StoredResult };

/**
 * Remembers which incoming messages were processed, so a redelivered or duplicated message is answered with the
 * stored result instead of running its handler again. The life of one message id:
 *
 * 1. `tryLock` takes a lock with an expiry (atomically: two consumers never both hold it);
 * 2. the handler runs;
 * 3. `markProcessed` stores the result: only from then on is the message "processed";
 * 4. or `release` gives the lock back so a redelivery can run it.
 *
 * A lock whose holder died expires and can be taken over by the next `tryLock`. "Processed" is never reported for a
 * message that is only locked (the .NET original's inbox answered `EXISTS` and so lost messages). Every method may
 * reject when the backend fails; a store that crosses processes rejects with a `PERSISTENCE_FAILED` `CatgaError`.
 */
export interface InboxStore {
  /** Locks `id` for `lockTtlMs`, or says who has it: see {@link InboxClaim}. */
  tryLock(id: string, lockTtlMs: number): Promise<InboxClaim>;
  /**
   * Stores the result of processing `id`, kept for `ttlMs`, and drops the lock. Succeeds (`true`) when the caller
   * still holds the lock, and also when the lock expired and nobody has finished since: the work was done, so its
   * result is worth keeping. Resolves `false`, leaving the stored result alone, when `id` was processed meanwhile.
   */
  markProcessed(id: string, token: string, result: StoredResult, ttlMs: number): Promise<boolean>;
  /** Drops the caller's lock so a redelivery can process `id`; `false` when the lock is no longer the caller's. */
  release(id: string, token: string): Promise<boolean>;
}

type Entry =
  | { readonly state: 'locked'; readonly token: string; readonly expiresAt: number }
  | { readonly state: 'processed'; readonly result: StoredResult; readonly expiresAt: number };

/** Options of {@link MemoryInboxStore}. */
export interface MemoryInboxStoreOptions {
  /** Most entries kept; when full, the oldest written is evicted (default 100,000). */
  readonly maxEntries?: number;
}

/**
 * An {@link InboxStore} in this process's memory: for tests, single-process apps and as the reference the Redis
 * store is checked against (both pass one contract suite). Entries expire by `Date.now()`, checked when read.
 */
export class MemoryInboxStore implements InboxStore {
  // Insertion order is write order: every write deletes and re-inserts, so the first key is the oldest write.
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;

  constructor(options: MemoryInboxStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  async tryLock(id: string, lockTtlMs: number): Promise<InboxClaim> {
    const entry = this.live(id);
    if (entry?.state === 'processed') return { state: 'processed', result: entry.result };
    if (entry?.state === 'locked') return { state: 'busy', expiresAt: entry.expiresAt };
    const locked = { state: 'locked', token: randomUUID(), expiresAt: Date.now() + lockTtlMs } as const;
    this.write(id, locked);
    return locked;
  }

  async markProcessed(id: string, _token: string, result: StoredResult, ttlMs: number): Promise<boolean> {
    const entry = this.live(id);
    if (entry?.state === 'processed') return false;
    // A lock that is not ours (ours expired and was taken over) does not stop us: our result is just as final, and
    // the new holder's markProcessed will then find it processed. The token matters for `release` only.
    this.write(id, { state: 'processed', result, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async release(id: string, token: string): Promise<boolean> {
    const entry = this.live(id);
    if (entry?.state !== 'locked' || entry.token !== token) return false;
    this.entries.delete(id);
    return true;
  }

  private live(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.expiresAt > Date.now()) return entry;
    this.entries.delete(id);
    return undefined;
  }

  private write(id: string, entry: Entry): void {
    this.entries.delete(id);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(id, entry);
  }
}
