import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { CircuitBreakerOptions, ConcurrencyOptions, RateLimitOptions, RetryOptions } from '../core/message-options.js';
import type { OrderedBehavior } from '../core/pipeline.js';
import { BehaviorOrder } from './behavior-order.js';
import { circuitBreakerBehavior } from './circuit-breaker.js';
import { concurrencyLimitBehavior } from './concurrency-limit.js';
import { deadLetterBehavior } from './dead-letter.js';
import { type DeadLetterStore, MemoryDeadLetterStore } from './dead-letter-store.js';
import { idempotencyBehavior } from './idempotency.js';
import { type IdempotencyStore, MemoryIdempotencyStore } from './idempotency-store.js';
import { type CatgaLogger, consoleLogger, type LogLevel } from './logger.js';
import { loggingBehavior } from './logging.js';
import { metricsBehavior } from './metrics.js';
import { rateLimitBehavior } from './rate-limit.js';
import { retryBehavior } from './retry.js';
import { timeoutBehavior } from './timeout.js';
import { tracingBehavior } from './tracing.js';
import { validationBehavior } from './validation.js';
import type { ValidateFn } from './validator.js';
import { inboxBehavior } from './inbox.js';
import { outboxBehavior } from './outbox.js';
import type { MessageClass } from '../core/messages.js';
import { type InboxStore, MemoryInboxStore } from '../persistence/inbox-store.js';
import { MemoryOutboxStore, type OutboxStore } from '../persistence/outbox-store.js';
import type { OutboxProcessorOptions } from '../persistence/outbox-processor.js';
import type { PersistenceStores } from '../persistence/persistence-stores.js';

/** Logging settings of an instance. */
export interface LoggingSettings {
  /** Default: `consoleLogger()`. A pino logger fits as it is. */
  readonly logger?: CatgaLogger;
  /** Minimum level logged (default: the preset's, else `info`). */
  readonly level?: LogLevel;
}

/** Tracing settings: spans through `@opentelemetry/api`. */
export interface TracingSettings {
  /** Default: the global tracer provider (a no-op until an OTel SDK is registered). */
  readonly tracerProvider?: TracerProvider;
}

/** Metrics settings: instruments through `@opentelemetry/api`. */
export interface MetricsSettings {
  /** Default: the global meter provider (a no-op until an OTel SDK is registered). */
  readonly meterProvider?: MeterProvider;
}

/** Idempotency settings; messages opt in with `idempotent` on their decorator. */
export interface IdempotencySettings {
  /** Default: an in-memory store (one process). The Redis store comes with `@catga/runtime/redis`. */
  readonly store?: IdempotencyStore;
  /** How long results are remembered, in ms (default 24 h). */
  readonly ttlMs?: number;
  /**
   * How long a claim of a running handler blocks duplicates, in ms (default 60 s): bounds the wait after a crash;
   * a handler running longer than this may run again for a late duplicate.
   */
  readonly pendingTtlMs?: number;
}

/** Dead-letter settings. */
export interface DeadLetterSettings {
  /** Default: an in-memory store of up to 10,000 entries. */
  readonly store?: DeadLetterStore;
}

/** Inbox settings: each incoming message runs at most once per handler; redeliveries get the stored result. */
export interface InboxSettings {
  /** Default: the store of `useRedis`/`usePersistence`, else an in-memory store (one process). */
  readonly store?: InboxStore;
  /** How long a consumer's lock lives, in ms (default 60,000). */
  readonly lockTtlMs?: number;
  /** How long results are kept to answer redeliveries, in ms (default 24 h). */
  readonly ttlMs?: number;
}

/** Outbox settings: events published by handlers are stored with their success and published by a processor. */
export interface OutboxSettings
  extends Pick<OutboxProcessorOptions, 'owner' | 'batchSize' | 'leaseMs' | 'pollMs' | 'maxAttempts' | 'retryDelayMs' | 'maxRetryDelayMs' | 'retentionMs' | 'cleanupEveryMs' | 'concurrency'> {
  /** Default: the store of `useRedis`/`usePersistence`, else an in-memory store (which survives nothing). */
  readonly store?: OutboxStore;
}

/** What the instance needs to run the outbox processor, set up once the transport is known. */
export interface OutboxWiring {
  readonly store: OutboxStore;
  readonly settings: OutboxSettings;
  /** Event classes the outbox behaviour saw published in this process, by type name. */
  readonly publishedTypes: Map<string, MessageClass>;
  /** Set by the builder once the processor exists; the behaviour wakes it after every append. */
  wake: () => void;
}

/** What the builder's `with…()` calls set; `undefined` means "as the preset says", `false` means off. */
export interface BehaviorSettings {
  logging?: LoggingSettings | false;
  tracing?: TracingSettings | false;
  metrics?: MetricsSettings | false;
  retry?: RetryOptions | false;
  timeoutMs?: number | false;
  circuitBreaker?: CircuitBreakerOptions | false;
  rateLimit?: RateLimitOptions | false;
  concurrency?: ConcurrencyOptions | false;
  idempotency?: IdempotencySettings;
  deadLetter?: DeadLetterSettings | false;
  inbox?: InboxSettings | false;
  outbox?: OutboxSettings | false;
  /** Stores from `useRedis`/`usePersistence`: the default store of every behaviour that keeps data. */
  persistence?: PersistenceStores;
  readonly validators: Map<Function, ValidateFn[]>;
}

/** The behaviours a preset switches on when the builder does not say otherwise. */
export interface PresetBehaviors {
  /** Minimum level of the console logger, or `false` for no logging. */
  readonly logging: LogLevel | false;
  readonly tracing: boolean;
  readonly metrics: boolean;
  /** Failures that survive every attempt go to the dead-letter store. */
  readonly deadLetter: boolean;
  /** Instance-wide per-attempt timeout, or `false`. */
  readonly timeoutMs: number | false;
  /** Instance-wide circuit breaker with default thresholds. */
  readonly circuitBreaker: boolean;
}

/** The instance's behaviours and the stores users may inspect. */
export interface BuiltInBehaviors {
  readonly behaviors: readonly OrderedBehavior[];
  readonly deadLetters: DeadLetterStore;
  readonly idempotencyStore: IdempotencyStore;
  /** Present when the outbox is on. */
  readonly outbox: OutboxWiring | undefined;
}

/**
 * Resolves the builder's settings over the preset's defaults into the ordered built-in behaviours. Every behaviour
 * that a message may switch on through its decorator (retry, timeout, limits, circuit breaker, idempotency,
 * validation) is always installed: its `forMessage` returns no step for types that use nothing, so they cost nothing.
 */
export function builtInBehaviors(settings: BehaviorSettings, preset: PresetBehaviors, replaced: ReadonlySet<string> = new Set()): BuiltInBehaviors {
  const list: OrderedBehavior[] = [];
  // A behaviour the user added with .use() under a built-in's name replaces it (e.g. idempotency on another store).
  const add = (behavior: OrderedBehavior['behavior'], order: number): void => {
    if (!replaced.has(behavior.name)) list.push({ behavior, order });
  };

  const logging = settings.logging ?? (preset.logging === false ? false : { level: preset.logging });
  if (logging !== false) {
    const level = logging.level ?? (preset.logging === false ? 'info' : preset.logging);
    add(loggingBehavior({ logger: logging.logger ?? consoleLogger({ level }), level }), BehaviorOrder.logging);
  }
  const tracing = settings.tracing ?? (preset.tracing ? {} : false);
  if (tracing !== false) add(tracingBehavior(tracing), BehaviorOrder.tracing);
  const metrics = settings.metrics ?? (preset.metrics ? {} : false);
  if (metrics !== false) add(metricsBehavior(metrics), BehaviorOrder.metrics);

  add(validationBehavior(settings.validators), BehaviorOrder.validation);
  const stores = settings.persistence;
  if (settings.inbox !== undefined && settings.inbox !== false) {
    const { store, lockTtlMs, ttlMs: inboxTtlMs } = settings.inbox;
    add(
      inboxBehavior({
        store: store ?? stores?.inbox ?? new MemoryInboxStore(),
        ...(lockTtlMs === undefined ? {} : { lockTtlMs }),
        ...(inboxTtlMs === undefined ? {} : { ttlMs: inboxTtlMs }),
      }),
      BehaviorOrder.inbox,
    );
  }
  const idempotencyStore = settings.idempotency?.store ?? stores?.idempotency ?? new MemoryIdempotencyStore();
  const { ttlMs, pendingTtlMs } = settings.idempotency ?? {};
  add(
    idempotencyBehavior({
      store: idempotencyStore,
      ...(ttlMs === undefined ? {} : { ttlMs }),
      ...(pendingTtlMs === undefined ? {} : { pendingTtlMs }),
    }),
    BehaviorOrder.idempotency,
  );
  add(rateLimitBehavior(settings.rateLimit || undefined), BehaviorOrder.rateLimit);
  add(concurrencyLimitBehavior(settings.concurrency || undefined), BehaviorOrder.concurrencyLimit);
  const breaker = settings.circuitBreaker ?? (preset.circuitBreaker ? {} : false);
  add(circuitBreakerBehavior(breaker || undefined), BehaviorOrder.circuitBreaker);

  const deadLetter = settings.deadLetter ?? (preset.deadLetter ? {} : false);
  const deadLetters = (deadLetter !== false ? deadLetter.store : undefined) ?? stores?.deadLetters ?? new MemoryDeadLetterStore();
  add(deadLetterBehavior({ store: deadLetters, enabled: deadLetter !== false }), BehaviorOrder.deadLetter);

  add(retryBehavior(settings.retry || undefined), BehaviorOrder.retry);
  const timeoutMs = settings.timeoutMs ?? preset.timeoutMs;
  add(timeoutBehavior(timeoutMs === false ? undefined : timeoutMs), BehaviorOrder.timeout);

  let outbox: OutboxWiring | undefined;
  if (settings.outbox !== undefined && settings.outbox !== false) {
    const wiring: OutboxWiring = {
      store: settings.outbox.store ?? stores?.outbox ?? new MemoryOutboxStore(),
      settings: settings.outbox,
      publishedTypes: new Map(),
      wake: () => undefined,
    };
    outbox = wiring;
    add(outboxBehavior({ store: wiring.store, publishedTypes: wiring.publishedTypes, onAppended: () => wiring.wake() }), BehaviorOrder.outbox);
  }
  return { behaviors: list, deadLetters, idempotencyStore, outbox };
}
