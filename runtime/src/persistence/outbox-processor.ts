import { randomUUID } from 'node:crypto';
import type { DeadLetterEntry, DeadLetterStore } from '../behaviors/dead-letter-store.js';
import type { CatgaLogger } from '../behaviors/logger.js';
import { findForbiddenKey, rehydrate } from '../codec/rehydrate.js';
import { CatgaError } from '../core/catga-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { newMessageId } from '../core/message-id.js';
import type { Event, MessageClass } from '../core/messages.js';
import { integerIn } from '../core/option-checks.js';
import { PublishError, type PublishResult } from '../core/publish-result.js';
import type { OutboxEntry, OutboxLease, OutboxStore } from './outbox-store.js';

/** Options of {@link OutboxProcessor}. */
export interface OutboxProcessorOptions {
  readonly store: OutboxStore;
  /** Publishes one event (the Catga instance's transport). */
  readonly publish: (event: Event, signal: AbortSignal) => Promise<PublishResult>;
  /** Event classes by type name, to rebuild stored events as instances of their class. */
  readonly messageTypes: { get(typeName: string): MessageClass | undefined };
  /** Where events that failed `maxAttempts` times (or cannot be rebuilt) are kept; default: nowhere but the log. */
  readonly deadLetters?: DeadLetterStore;
  readonly logger?: CatgaLogger;
  /** Names this processor in leases (default: a random id); must differ between processors. */
  readonly owner?: string;
  /** Entries claimed per batch (default 100). */
  readonly batchSize?: number;
  /** How long a claim lasts, in ms (default 30,000): a processor that dies holds its batch this long. */
  readonly leaseMs?: number;
  /** How often the outbox is polled when nothing woke the processor, in ms (default 1,000). */
  readonly pollMs?: number;
  /** Attempts before an event is dead-lettered (default 10). */
  readonly maxAttempts?: number;
  /** Delay before the first retry, doubled per attempt up to `maxRetryDelayMs`, in ms (default 1,000). */
  readonly retryDelayMs?: number;
  /** Longest delay between two attempts, in ms (default 60,000). */
  readonly maxRetryDelayMs?: number;
  /** How long published and dead entries stay in the outbox before cleanup, in ms (default 24 h). */
  readonly retentionMs?: number;
  /** How often cleanup runs, in ms (default 60,000). */
  readonly cleanupEveryMs?: number;
  /** Events of one batch published at once (default 1: one processor publishes in append order). */
  readonly concurrency?: number;
}

const MS = integerIn(1, 2_147_483_647);
const COUNT = integerIn(1, 1_000_000);
// Publishing stops this long before the lease ends: a publish that started later could finish after another
// processor claimed the entry again, and both would publish it.
const LEASE_MARGIN = 0.2;
/** How long after an entry's retry is due the processor polls for it. */
const RETRY_SLACK_MS = 5;

/**
 * Publishes what the outbox holds: claims a batch under a lease, rebuilds each event, publishes it through the
 * transport, marks it published, or failed (retried with exponential backoff; dead-lettered after `maxAttempts`).
 * Several processors (one per process) can share one store: a claim gives each entry to one lease at a time.
 *
 * Guarantee: every stored event is published at least once. It is published exactly once unless a processor
 * stalls past its lease between publishing and marking (it stops publishing `LEASE_MARGIN` of the lease before the
 * end to make that rare), or crashes between the two: consumers deduplicate by message id (inbox, JetStream QoS 2).
 *
 * A transport that accepted the event is a success even when some of its local handlers then failed (the in-memory
 * transport runs handlers inside `publish`): those failures are the handlers' own pipelines' business (their retry
 * and dead-letter behaviours); publishing again would re-run the handlers that succeeded.
 */
export class OutboxProcessor {
  private readonly store: OutboxStore;
  private readonly options: OutboxProcessorOptions;
  private readonly owner: string;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly retentionMs: number;
  private readonly cleanupEveryMs: number;
  private readonly concurrency: number;
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private wakeRequested = false;
  private started = false;
  private lastCleanup = 0;
  /** When the earliest entry this processor put back for a retry is due (it polls then, not at the next poll). */
  private retryDueAt = Number.POSITIVE_INFINITY;

  constructor(options: OutboxProcessorOptions) {
    this.options = options;
    this.store = options.store;
    this.owner = options.owner ?? `outbox-${randomUUID()}`;
    this.batchSize = options.batchSize ?? 100;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 1_000;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 60_000;
    this.retentionMs = options.retentionMs ?? 24 * 60 * 60 * 1000;
    this.cleanupEveryMs = options.cleanupEveryMs ?? 60_000;
    this.concurrency = options.concurrency ?? 1;
    COUNT(this.batchSize, 'outbox.batchSize');
    MS(this.leaseMs, 'outbox.leaseMs');
    MS(this.pollMs, 'outbox.pollMs');
    COUNT(this.maxAttempts, 'outbox.maxAttempts');
    MS(this.retryDelayMs, 'outbox.retryDelayMs');
    MS(this.maxRetryDelayMs, 'outbox.maxRetryDelayMs');
    MS(this.retentionMs, 'outbox.retentionMs');
    MS(this.cleanupEveryMs, 'outbox.cleanupEveryMs');
    COUNT(this.concurrency, 'outbox.concurrency');
  }

  /** Starts polling (and publishing whenever woken). */
  start(): void {
    if (this.started || this.stopping.signal.aborted) return;
    this.started = true;
    this.schedule(0);
  }

  /** Publishes soon instead of at the next poll (called after an append). */
  wake(): void {
    if (!this.started || this.stopping.signal.aborted) return;
    if (this.running !== undefined) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops polling and waits for the batch being published; unpublished entries stay in the store for later. */
  async stop(): Promise<void> {
    this.stopping.abort(new CatgaError(ErrorCode.CANCELLED, 'outbox processor stopped'));
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Claims and publishes one batch; resolves how many entries it claimed. Store failures reject (the polling loop
   * logs them and tries again at the next poll).
   */
  async runOnce(): Promise<number> {
    const lease = await this.store.claim(this.owner, this.batchSize, this.leaseMs);
    if (lease.entries.length === 0) return 0;
    // Measured on our clock from before the claim, so a slow claim only shortens the time we allow ourselves.
    const publishUntil = Date.now() + this.leaseMs * (1 - LEASE_MARGIN);
    const queue = [...lease.entries];
    const worker = async (): Promise<void> => {
      for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) {
        if (Date.now() >= publishUntil || this.stopping.signal.aborted) return; // left to expire and be claimed again
        await this.publishEntry(entry, lease);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
    return lease.entries.length;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.loop().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    let full = false;
    // Retries due (with some slack for timer and clock differences) are claimed by this run: forget them.
    if (Date.now() >= this.retryDueAt + RETRY_SLACK_MS) this.retryDueAt = Number.POSITIVE_INFINITY;
    try {
      do {
        this.wakeRequested = false;
        full = (await this.runOnce()) >= this.batchSize;
      } while ((full || this.wakeRequested) && !this.stopping.signal.aborted);
      await this.cleanupIfDue();
    } catch (thrown) {
      this.options.logger?.warn({ err: thrown, owner: this.owner }, 'outbox processor: store failed; trying again at the next poll');
    }
    if (this.stopping.signal.aborted) return;
    // A run that comes too early for a retry (timers may fire early, the store's clock may differ) leaves retryDueAt
    // set, so the next run is scheduled for it again instead of waiting for the next poll.
    const untilRetry = Math.max(0, this.retryDueAt + RETRY_SLACK_MS - Date.now());
    this.schedule(this.wakeRequested ? 0 : Math.min(this.pollMs, untilRetry));
  }

  private async cleanupIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < this.cleanupEveryMs) return;
    this.lastCleanup = now;
    await this.store.cleanup();
  }

  private async publishEntry(entry: OutboxEntry, lease: OutboxLease): Promise<void> {
    const event = this.rebuild(entry);
    if (event instanceof CatgaError) {
      // An unknown type may be known to another processor sharing the store: retried, dead after maxAttempts.
      await this.fail(entry, lease, event, event.retryable ? this.maxAttempts : 0);
      return;
    }
    const result = await this.options.publish(event, this.stopping.signal);
    if (result.ok || result.error instanceof PublishError) {
      await this.store.markPublished(entry.id, lease.token, this.retentionMs);
      return;
    }
    // A failure the transport calls final (an oversize event, say) would fail the same way every time.
    await this.fail(entry, lease, result.error, result.error.retryable ? this.maxAttempts : 0, event);
  }

  private rebuild(entry: OutboxEntry): Event | CatgaError {
    if (entry.unreadable !== undefined) {
      return new CatgaError(ErrorCode.SERIALIZATION_FAILED, `outbox entry ${entry.id}: ${entry.unreadable}`, { retryable: false });
    }
    const messageClass = this.options.messageTypes.get(entry.messageType);
    if (messageClass === undefined) {
      return new CatgaError(ErrorCode.SERIALIZATION_FAILED, `outbox entry ${entry.id}: unknown event type "${entry.messageType}" (not published or registered in this process)`, { retryable: true });
    }
    const forbidden = findForbiddenKey(entry.message);
    if (forbidden !== undefined) {
      return new CatgaError(ErrorCode.SERIALIZATION_FAILED, `outbox entry ${entry.id}: forbidden key at ${forbidden}`, { retryable: false });
    }
    return rehydrate(messageClass as MessageClass<Event>, { ...entry.message });
  }

  private async fail(entry: OutboxEntry, lease: OutboxLease, error: CatgaError, maxAttempts: number, event?: Event): Promise<void> {
    const retryDelayMs = Math.min(this.retryDelayMs * 2 ** Math.max(0, entry.attempts - 1), this.maxRetryDelayMs);
    const outcome = await this.store.markFailed(entry.id, lease.token, { error: `${error.code}: ${error.message}`, retryDelayMs, maxAttempts, retentionMs: this.retentionMs });
    const fields = { owner: this.owner, entry: entry.id, messageType: entry.messageType, attempts: entry.attempts, code: error.code };
    if (outcome === 'retry') this.retryDueAt = Math.min(this.retryDueAt, Date.now() + retryDelayMs);
    if (outcome !== 'dead') {
      this.options.logger?.warn({ ...fields, outcome }, `outbox: publishing "${entry.messageType}" failed (${error.message})`);
      return;
    }
    this.options.logger?.error(fields, `outbox: "${entry.messageType}" dead-lettered after ${entry.attempts} attempt(s): ${error.message}`);
    await this.options.deadLetters?.add(deadLetterOf(entry, error, event)).catch((thrown: unknown) => {
      this.options.logger?.error({ ...fields, err: thrown }, 'outbox: the dead-letter store failed; the entry stays in the outbox as dead');
    });
  }
}

function deadLetterOf(entry: OutboxEntry, error: CatgaError, event: Event | undefined): DeadLetterEntry {
  const text = (field: string): string | undefined => {
    const value = entry.message[field];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    id: newMessageId(),
    messageType: entry.messageType,
    kind: 'event',
    handler: 'outbox',
    messageId: event?.messageId ?? text('messageId') ?? entry.id,
    correlationId: event?.correlationId ?? text('correlationId') ?? entry.id,
    causationId: event?.causationId ?? text('causationId'),
    message: entry.message,
    error: error.toJSON(),
    failedAt: Date.now(),
  };
}
