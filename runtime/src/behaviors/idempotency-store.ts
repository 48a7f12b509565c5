import { integerIn } from '../core/option-checks.js';

/** What an idempotency store holds for one key: a claim of a call still running, or the result of a finished one. */
export type IdempotencyRecord = { readonly state: 'pending' } | { readonly state: 'completed'; readonly value: unknown };

/**
 * Where the idempotency behaviour remembers which keys were handled. Implement it over a shared database (Redis,
 * SQL, ...) so duplicates are recognised across processes; {@link MemoryIdempotencyStore} covers one process.
 *
 * Every method may reject when the backend fails; the behaviour turns that into `PERSISTENCE_FAILED` (retryable).
 * Keys are opaque strings built by the behaviour (`Type:key`, or `Type:handler:key` for events); store them as is.
 */
export interface IdempotencyStore {
  /**
   * The record of `key`, or `undefined` when there is none or it has expired. Must never return an expired record:
   * the behaviour treats `pending` as "someone is running this right now".
   */
  get(key: string): Promise<IdempotencyRecord | undefined>;
  /**
   * Atomically claims `key` for the caller: when there is no (unexpired) record, stores `pending` that expires after
   * `pendingTtlMs` and resolves `true`; otherwise leaves the record alone and resolves `false`. Two concurrent
   * callers must never both get `true` (Redis: `SET key pending NX PX pendingTtlMs`).
   */
  tryClaim(key: string, pendingTtlMs: number): Promise<boolean>;
  /**
   * Stores the successful result of the call that claimed `key`, replacing its `pending` record; the record expires
   * after `ttlMs`. `value` is what the handler returned; a store that crosses process boundaries serialises it.
   */
  complete(key: string, value: unknown, ttlMs: number): Promise<void>;
  /**
   * Removes a `pending` claim after the call failed, so that a retry can run. Must leave a `completed` record alone
   * (the claim may have expired and another caller completed the key meanwhile); releasing an absent key is a no-op.
   */
  release(key: string): Promise<void>;
}

/** Options of {@link MemoryIdempotencyStore}. */
export interface MemoryIdempotencyStoreOptions {
  /** Most records kept; when full, the oldest written record is evicted (default 100,000). */
  readonly maxEntries?: number;
}

interface Entry {
  readonly record: IdempotencyRecord;
  /** `Date.now()` time after which the record no longer exists. */
  readonly expiresAt: number;
}

const PENDING: IdempotencyRecord = Object.freeze({ state: 'pending' });

/**
 * An {@link IdempotencyStore} in this process's memory: for tests, single-process apps and as the reference for
 * other stores. Records expire by `Date.now()`, checked lazily when a key is read or claimed (no timers), and at
 * most `maxEntries` are kept so a flood of unique keys cannot exhaust memory; evicting a record early only means a
 * late duplicate may run again, which is the trade-off of any bounded store.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  // Insertion order doubles as age order: every write deletes and re-inserts, so the first key is the oldest write.
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;

  constructor(options: MemoryIdempotencyStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    integerIn(1)(maxEntries, 'MemoryIdempotencyStore.maxEntries');
    this.maxEntries = maxEntries;
  }

  /** Records currently held, including expired ones not yet looked at. */
  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    return this.live(key)?.record;
  }

  async tryClaim(key: string, pendingTtlMs: number): Promise<boolean> {
    if (this.live(key) !== undefined) return false;
    this.write(key, PENDING, pendingTtlMs);
    return true;
  }

  async complete(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.write(key, { state: 'completed', value }, ttlMs);
  }

  async release(key: string): Promise<void> {
    if (this.live(key)?.record.state === 'pending') this.entries.delete(key);
  }

  /** The unexpired entry of `key`; an expired one is deleted on the way. */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > Date.now()) return entry;
    this.entries.delete(key);
    return undefined;
  }

  private write(key: string, record: IdempotencyRecord, ttlMs: number): void {
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { record, expiresAt: Date.now() + ttlMs });
  }
}
