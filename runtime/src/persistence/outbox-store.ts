import { randomUUID } from 'node:crypto';

/** An event waiting in the outbox, as the outbox behaviour appends it. */
export interface NewOutboxEntry {
  /** Unique id of the entry: the event's `messageId`, so a retried append cannot add the event twice. */
  readonly id: string;
  readonly messageType: string;
  /** The event's own enumerable fields (contract fields included), as a codec would see them. */
  readonly message: Readonly<Record<string, unknown>>;
}

/** An entry as the outbox holds it. */
export interface OutboxEntry extends NewOutboxEntry {
  /** When it was appended, ms since the Unix epoch. */
  readonly createdAt: number;
  /** How many times it was claimed for publishing, this claim included. */
  readonly attempts: number;
  /** Why the previous attempt failed, if one did. */
  readonly lastError?: string;
  /**
   * Set when the store could not read the stored message back (corrupt or foreign data); `message` is then empty.
   * The processor dead-letters such an entry at once.
   */
  readonly unreadable?: string;
}

/** Entries claimed by one processor: only it may mark them, and only while its lease lasts. */
export interface OutboxLease {
  readonly owner: string;
  /** Proves the lease in `markPublished`/`markFailed`; a new claim of the same entries gets a new token. */
  readonly token: string;
  /** When the lease ends (store time, ms since the Unix epoch); after that another processor may claim the entries. */
  readonly expiresAt: number;
  readonly entries: readonly OutboxEntry[];
}

/** What `markFailed` did with the entry. */
export type OutboxFailureOutcome =
  /** Back to pending, due again at `retryAt`. */
  | 'retry'
  /** Out of attempts: kept as dead (not claimed again) until cleanup; the caller dead-letters it. */
  | 'dead'
  /** The lease was lost (expired and claimed by another processor, or the entry is gone): nothing changed. */
  | 'lost';

/** A failed publishing attempt, as {@link OutboxStore.markFailed} records it. */
export interface OutboxFailure {
  /** Why it failed (kept as the entry's `lastError`). */
  readonly error: string;
  /** When the entry is due again, from now. */
  readonly retryDelayMs: number;
  /** Attempts after which the entry is dead instead of retried. */
  readonly maxAttempts: number;
  /** How long a dead entry is kept before cleanup removes it. */
  readonly retentionMs: number;
}

/** How many entries are in each state. */
export interface OutboxCounts {
  readonly pending: number;
  readonly leased: number;
  readonly published: number;
  readonly dead: number;
}

/**
 * Durable queue of events that handlers produced, published afterwards by an outbox processor. Every operation is
 * atomic on its own; none spans the store and the user's business data (see docs/redis.md, "what is atomic with
 * what"). Several processors may share one store: `claim` hands each entry to one lease at a time, so two
 * processors never publish the same entry while their leases hold.
 *
 * Every method may reject when the backend fails; a store that crosses processes rejects with a
 * `PERSISTENCE_FAILED` `CatgaError`.
 */
export interface OutboxStore {
  /** Appends entries all together or not at all; an id that is already in the outbox is left as it is. */
  append(entries: readonly NewOutboxEntry[]): Promise<void>;
  /**
   * Leases up to `limit` entries that are due (pending with a due time in the past, or leased under a lease that
   * expired) to `owner` for `leaseMs`, oldest due first, counting one more attempt on each.
   */
  claim(owner: string, limit: number, leaseMs: number): Promise<OutboxLease>;
  /** Marks an entry of the lease published (kept for `retentionMs`, then removed); `false` when the lease was lost. */
  markPublished(id: string, token: string, retentionMs: number): Promise<boolean>;
  /**
   * Records a failed attempt: back to pending, due `retryDelayMs` from now, or dead when `attempts` reached
   * `maxAttempts`. Dead entries are kept for `retentionMs`.
   */
  markFailed(id: string, token: string, failure: OutboxFailure): Promise<OutboxFailureOutcome>;
  /** Removes published and dead entries whose retention has passed; resolves how many it removed. */
  cleanup(limit?: number): Promise<number>;
  /** How many entries are in each state (for health reports and tests). */
  counts(): Promise<OutboxCounts>;
}

type State =
  | { readonly kind: 'pending'; readonly dueAt: number }
  | { readonly kind: 'leased'; readonly owner: string; readonly token: string; readonly expiresAt: number }
  | { readonly kind: 'published' | 'dead'; readonly removeAt: number };

interface Slot {
  entry: OutboxEntry;
  state: State;
}

/**
 * An {@link OutboxStore} in this process's memory: it survives nothing, so it gives the outbox's ordering and
 * retries but not its durability. For tests, single-process apps and as the reference the Redis store is checked
 * against (both pass one contract suite).
 */
export class MemoryOutboxStore implements OutboxStore {
  // Insertion order is append order, which is also the order claims take pending entries in.
  private readonly slots = new Map<string, Slot>();

  async append(entries: readonly NewOutboxEntry[]): Promise<void> {
    const createdAt = Date.now();
    for (const { id, messageType, message } of entries) {
      if (this.slots.has(id)) continue;
      this.slots.set(id, { entry: { id, messageType, message: structuredClone(message), createdAt, attempts: 0 }, state: { kind: 'pending', dueAt: createdAt } });
    }
  }

  async claim(owner: string, limit: number, leaseMs: number): Promise<OutboxLease> {
    const now = Date.now();
    const token = randomUUID();
    const expiresAt = now + leaseMs;
    const due: Slot[] = [];
    for (const slot of this.slots.values()) {
      const { state } = slot;
      const dueAt = state.kind === 'pending' ? state.dueAt : state.kind === 'leased' ? state.expiresAt : undefined;
      if (dueAt !== undefined && dueAt <= now) due.push(slot);
    }
    due.sort((a, b) => dueTime(a) - dueTime(b));
    const entries: OutboxEntry[] = [];
    for (const slot of due.slice(0, limit)) {
      slot.entry = { ...slot.entry, attempts: slot.entry.attempts + 1 };
      slot.state = { kind: 'leased', owner, token, expiresAt };
      entries.push(slot.entry);
    }
    return { owner, token, expiresAt, entries };
  }

  async markPublished(id: string, token: string, retentionMs: number): Promise<boolean> {
    const slot = this.leasedBy(id, token);
    if (slot === undefined) return false;
    slot.state = { kind: 'published', removeAt: Date.now() + retentionMs };
    return true;
  }

  async markFailed(id: string, token: string, failure: OutboxFailure): Promise<OutboxFailureOutcome> {
    const slot = this.leasedBy(id, token);
    if (slot === undefined) return 'lost';
    slot.entry = { ...slot.entry, lastError: failure.error };
    const now = Date.now();
    if (slot.entry.attempts >= failure.maxAttempts) {
      slot.state = { kind: 'dead', removeAt: now + failure.retentionMs };
      return 'dead';
    }
    slot.state = { kind: 'pending', dueAt: now + failure.retryDelayMs };
    return 'retry';
  }

  async cleanup(limit = Number.POSITIVE_INFINITY): Promise<number> {
    const now = Date.now();
    let removed = 0;
    for (const [id, { state }] of this.slots) {
      if (removed >= limit) break;
      if ((state.kind === 'published' || state.kind === 'dead') && state.removeAt <= now) {
        this.slots.delete(id);
        removed++;
      }
    }
    return removed;
  }

  async counts(): Promise<OutboxCounts> {
    const now = Date.now();
    const counts = { pending: 0, leased: 0, published: 0, dead: 0 };
    for (const { state } of this.slots.values()) {
      if ((state.kind === 'published' || state.kind === 'dead') && state.removeAt <= now) continue;
      counts[state.kind]++;
    }
    return counts;
  }

  private leasedBy(id: string, token: string): Slot | undefined {
    const slot = this.slots.get(id);
    if (slot?.state.kind !== 'leased' || slot.state.token !== token) return undefined;
    return slot;
  }
}

function dueTime(slot: Slot): number {
  const { state } = slot;
  return state.kind === 'pending' ? state.dueAt : state.kind === 'leased' ? state.expiresAt : Number.POSITIVE_INFINITY;
}
