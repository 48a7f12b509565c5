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
  const idempotencyStore = settings.idempotency?.store ?? new MemoryIdempotencyStore();
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
  const deadLetters = (deadLetter !== false ? deadLetter.store : undefined) ?? new MemoryDeadLetterStore();
  add(deadLetterBehavior({ store: deadLetters, enabled: deadLetter !== false }), BehaviorOrder.deadLetter);

  add(retryBehavior(settings.retry || undefined), BehaviorOrder.retry);
  const timeoutMs = settings.timeoutMs ?? preset.timeoutMs;
  add(timeoutBehavior(timeoutMs === false ? undefined : timeoutMs), BehaviorOrder.timeout);
  return { behaviors: list, deadLetters, idempotencyStore };
}
