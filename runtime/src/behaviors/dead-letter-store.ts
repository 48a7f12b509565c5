import type { CatgaError } from '../core/catga-error.js';
import type { MessageKind } from '../core/messages.js';
import { integerIn } from '../core/option-checks.js';

/** One message whose handling failed for good, with everything needed to inspect it and send it again. */
export interface DeadLetterEntry {
  /** Unique, time-sortable id of the entry (not of the message). */
  readonly id: string;
  readonly messageType: string;
  readonly kind: MessageKind;
  /** The handler that failed (an event may have several). */
  readonly handler: string;
  readonly messageId: string;
  readonly correlationId: string;
  readonly causationId: string | undefined;
  /** A shallow copy of the message's own enumerable fields, as a codec would see them. */
  readonly message: Readonly<Record<string, unknown>>;
  /** The final failure, as plain data. */
  readonly error: ReturnType<CatgaError['toJSON']>;
  /** When the entry was made, ms since the Unix epoch. */
  readonly failedAt: number;
}

/** Options of {@link DeadLetterStore.list}. */
export interface DeadLetterListOptions {
  /** Most entries returned (default: all). */
  readonly limit?: number;
  /** Only entries of this message type. */
  readonly messageType?: string;
}

/**
 * Where the dead-letter behaviour keeps failed messages. Implement it over a database or a queue to keep them
 * across restarts; {@link MemoryDeadLetterStore} keeps them in this process. Every method may reject when the
 * backend fails.
 */
export interface DeadLetterStore {
  /** Stores an entry. Its `id` is unique; storing the same id again may replace or keep the first. */
  add(entry: DeadLetterEntry): Promise<void>;
  /** Entries oldest first, optionally only of one type and at most `limit` of them. */
  list(options?: DeadLetterListOptions): Promise<readonly DeadLetterEntry[]>;
  /** Removes an entry (e.g. once it was re-sent); resolves whether it was there. */
  remove(id: string): Promise<boolean>;
  /** How many entries the store holds. */
  size(): Promise<number>;
}

/** Options of {@link MemoryDeadLetterStore}. */
export interface MemoryDeadLetterStoreOptions {
  /** Most entries kept; when full, the oldest is dropped and counted in `dropped` (default 10,000). */
  readonly maxEntries?: number;
}

/**
 * A {@link DeadLetterStore} in this process's memory. It is bounded so that a handler failing on every message
 * cannot exhaust memory: past `maxEntries` the oldest entry makes room, and {@link MemoryDeadLetterStore.dropped}
 * counts those so losing them is visible (export it as a metric or check it in health reports).
 */
export class MemoryDeadLetterStore implements DeadLetterStore {
  // Insertion order is age order: the first key is the oldest entry.
  private readonly entries = new Map<string, DeadLetterEntry>();
  private readonly maxEntries: number;
  private droppedCount = 0;

  constructor(options: MemoryDeadLetterStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 10_000;
    integerIn(1)(maxEntries, 'MemoryDeadLetterStore.maxEntries');
    this.maxEntries = maxEntries;
  }

  /** How many entries were dropped to make room since the store was made. */
  get dropped(): number {
    return this.droppedCount;
  }

  async add(entry: DeadLetterEntry): Promise<void> {
    this.entries.delete(entry.id);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
      this.droppedCount++;
    }
    this.entries.set(entry.id, entry);
  }

  async list(options: DeadLetterListOptions = {}): Promise<readonly DeadLetterEntry[]> {
    const { limit = Number.POSITIVE_INFINITY, messageType } = options;
    const found: DeadLetterEntry[] = [];
    for (const entry of this.entries.values()) {
      if (found.length >= limit) break;
      if (messageType === undefined || entry.messageType === messageType) found.push(entry);
    }
    return found;
  }

  async remove(id: string): Promise<boolean> {
    return this.entries.delete(id);
  }

  async size(): Promise<number> {
    return this.entries.size;
  }
}
