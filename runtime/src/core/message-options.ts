import { CatgaConfigurationError, describeValue } from './configuration-error.js';
import { bool, checkOptions, integerIn, matching, nested, oneOf, type OptionCheck } from './option-checks.js';

/** Retry policy (retry behaviour): exponential backoff with full jitter, retryable failures only. */
export interface RetryOptions {
  /** Total attempts including the first, 1-100. */
  readonly attempts: number;
  /** Backoff ceiling of the first retry in ms; doubles each retry (default 100). */
  readonly baseDelayMs?: number;
  /** Upper bound of one backoff delay in ms (default 10,000). */
  readonly maxDelayMs?: number;
}

/** Idempotency policy (idempotency behaviour): duplicates get the first successful result. */
export interface IdempotencyOptions {
  /**
   * Key template over message fields, e.g. `'order:{orderId}'`; default: the message id. Two messages with the same
   * key are duplicates. For events the handler name is added, so each handler runs once per key.
   */
  readonly key?: string;
  /** How long a result is remembered, in ms (default: the behaviour's, 24 h). */
  readonly ttlMs?: number;
}

/** Rate limit (rate-limiting behaviour): a token bucket per message type. */
export interface RateLimitOptions {
  /** Tokens added per second. */
  readonly rps: number;
  /** Bucket size: how many calls may pass at once after a quiet period (default: `max(1, ceil(rps))`). */
  readonly burst?: number;
  /** `reject` (default): fail with RATE_LIMITED at once; `wait`: wait for a token up to `maxWaitMs`. */
  readonly mode?: 'reject' | 'wait';
  /** Longest wait for a token in `wait` mode, in ms (default 1,000). */
  readonly maxWaitMs?: number;
}

/** Concurrency limit (bulkhead) per message type. */
export interface ConcurrencyOptions {
  /** Handler calls running at once. */
  readonly limit: number;
  /** Calls that may wait for a free slot; beyond that CONCURRENCY_LIMITED (default 0: reject when full). */
  readonly queue?: number;
}

/** Circuit breaker per message type: stops calling a failing handler for a while. */
export interface CircuitBreakerOptions {
  /** Opens when at least this share of calls in the window failed (0-1, default 0.5)... */
  readonly failureRatio?: number;
  /** ...and the window holds at least this many calls (default 10). */
  readonly minThroughput?: number;
  /** Alternatively: opens after this many failures in the window, whatever the ratio. */
  readonly failures?: number;
  /** Length of the sliding window, in ms (default 60,000). */
  readonly windowMs?: number;
  /** How long the circuit stays open before one probe call is let through, in ms (default 30,000). */
  readonly resetMs?: number;
}

/**
 * Behaviour policies a message can declare. Each overrides the instance-wide setting of the same behaviour for this
 * message; `false` switches that behaviour off for it.
 */
export interface MessagePolicies {
  /** Per-attempt time limit in ms (timeout behaviour). */
  readonly timeoutMs?: number | false;
  /** Retry policy (retry behaviour). */
  readonly retry?: RetryOptions | false;
  /** Token-bucket rate limit. */
  readonly rateLimit?: RateLimitOptions | false;
  /** Concurrency limit with queue. */
  readonly concurrency?: ConcurrencyOptions | false;
  /** Circuit breaker. */
  readonly circuitBreaker?: CircuitBreakerOptions | false;
  /** Store failures that survive retries in the dead-letter store (default: the instance's setting). */
  readonly deadLetter?: boolean;
}

/** Options shared by every message decorator. */
export interface MessageOptions extends MessagePolicies {
  /**
   * Stable type name used on the wire, in subjects and logs. Defaults to the class name; set it when a minifier may
   * rename classes or when two modules declare classes with the same name.
   */
  readonly name?: string;
  /** Overrides the transport subject token for this message (default: the type name). */
  readonly subject?: string;
  /** One-line description for generated docs and diagnostics. */
  readonly description?: string;
}

/** Options of `@CatgaCommand`. */
export interface CommandOptions extends MessageOptions {
  /** Duplicates get the first successful result instead of running the handler again. */
  readonly idempotent?: boolean | IdempotencyOptions;
  /** Marks a command whose loss or duplication is costly; lint rule CATGA013 requires it to be idempotent. */
  readonly critical?: boolean;
  /**
   * Name of the field whose value (a non-empty string or a finite number) picks the node that handles the command
   * in a cluster: on the NATS transport with a `cluster` option, every command with the same key value goes to one
   * node, which handles them one at a time in arrival order (docs/cluster.md). Commands of different types with equal
   * key values share that node and that order. No effect on the in-memory transport (one node) or without `cluster`.
   */
  readonly shardKey?: string;
}

/** Options of `@CatgaQuery`. */
export type QueryOptions = MessageOptions;

/** Delivery guarantee of an event over a transport: 0 at most once, 1 at least once, 2 at least once + dedup. */
export type QualityOfService = 0 | 1 | 2;

/** Options of `@CatgaEvent`. Policies apply to each event handler separately. */
export interface EventOptions extends MessageOptions {
  /** Delivery guarantee over remote transports (default 0). The in-memory transport always delivers in process. */
  readonly qos?: QualityOfService;
  /** Each handler handles a given event (or key) once. */
  readonly idempotent?: boolean | IdempotencyOptions;
  /**
   * Every node gets a copy: on NATS each instance's handlers run, instead of one instance per service (no queue
   * group). For node-local work such as dropping a cache. Only at most once (QoS 0): `qos` 1 or 2 is refused.
   */
  readonly broadcast?: boolean;
}

// Names travel in NATS subjects and Redis keys: no spaces, no wildcards, no separators that change meaning.
const TYPE_NAME = matching(/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/, 'a type name of letters, digits, "_" or "-" (max 128), starting with a letter or "_"');
const SUBJECT_TOKEN = matching(/^[A-Za-z0-9_-]{1,128}$/, 'a subject token of letters, digits, "_" or "-" (max 128)');
const DESCRIPTION: OptionCheck = matching(/^[^\n]{0,500}$/, 'a one-line description (max 500 characters)');
const MS = integerIn(1, 2_147_483_647);
const DELAY_MS = integerIn(0, 3_600_000);

function ratio(value: unknown, field: string): void {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    throw new CatgaConfigurationError(field, `expected a number above 0 and at most 1, got ${describeValue(value)}`);
  }
}

function positiveNumber(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new CatgaConfigurationError(field, `expected a positive number, got ${describeValue(value)}`);
  }
}

/** `false`, or what `check` accepts. */
function orFalse(check: OptionCheck): OptionCheck {
  return (value, field) => {
    if (value !== false) check(value, field);
  };
}

/** `true`/`false`, or what `check` accepts. */
function orBoolean(check: OptionCheck): OptionCheck {
  return (value, field) => {
    if (typeof value !== 'boolean') check(value, field);
  };
}

// A property name that is also safe to print in errors and docs (no computed or symbol keys).
const FIELD_NAME = matching(/^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/, 'the name of a field of the command (letters, digits, "_" or "$", max 128)');

const KEY_TEMPLATE = matching(/^[^{}]*(\{[A-Za-z_$][A-Za-z0-9_$]*\}[^{}]*)*$/, 'a key template such as "order:{orderId}"');

/** Checks of every behaviour option object, shared with the builder's instance-wide settings. */
export const POLICY_CHECKS = {
  retry: nested({ attempts: integerIn(1, 100), baseDelayMs: DELAY_MS, maxDelayMs: DELAY_MS }, ['attempts']),
  idempotency: nested({ key: KEY_TEMPLATE, ttlMs: MS }),
  rateLimit: nested({ rps: positiveNumber, burst: integerIn(1, 1_000_000), mode: oneOf(['reject', 'wait']), maxWaitMs: DELAY_MS }, ['rps']),
  concurrency: nested({ limit: integerIn(1, 100_000), queue: integerIn(0, 1_000_000) }, ['limit']),
  circuitBreaker: nested({
    failureRatio: ratio,
    minThroughput: integerIn(1, 1_000_000),
    failures: integerIn(1, 1_000_000),
    windowMs: MS,
    resetMs: MS,
  }),
  timeoutMs: MS,
} as const;

const POLICIES = {
  timeoutMs: orFalse(POLICY_CHECKS.timeoutMs),
  retry: orFalse(POLICY_CHECKS.retry),
  rateLimit: orFalse(POLICY_CHECKS.rateLimit),
  concurrency: orFalse(POLICY_CHECKS.concurrency),
  circuitBreaker: orFalse(POLICY_CHECKS.circuitBreaker),
  deadLetter: bool,
};
const COMMON = { name: TYPE_NAME, subject: SUBJECT_TOKEN, description: DESCRIPTION, ...POLICIES };
const IDEMPOTENT = orBoolean(POLICY_CHECKS.idempotency);
const COMMAND_CHECKS = { ...COMMON, idempotent: IDEMPOTENT, critical: bool, shardKey: FIELD_NAME };
const QUERY_CHECKS = COMMON;
const EVENT_CHECKS = { ...COMMON, qos: oneOf([0, 1, 2]), idempotent: IDEMPOTENT, broadcast: bool };

/** Validates decorator options; `field` names the decorator and class, e.g. `@CatgaCommand(CreateOrder)`. */
export function validateCommandOptions(options: unknown, field: string): void {
  checkOptions(options, field, COMMAND_CHECKS);
}

/** See {@link validateCommandOptions}. */
export function validateQueryOptions(options: unknown, field: string): void {
  checkOptions(options, field, QUERY_CHECKS);
}

/** See {@link validateCommandOptions}. */
export function validateEventOptions(options: unknown, field: string): void {
  checkOptions(options, field, EVENT_CHECKS);
  const { broadcast, qos } = (options ?? {}) as EventOptions;
  if (broadcast === true && qos !== undefined && qos !== 0) {
    // A copy per node is a core subscription without queue group; JetStream consumers are shared, not per node.
    throw new CatgaConfigurationError(`${field}.broadcast`, `broadcast events are delivered at most once (qos 0); remove qos: ${qos} or broadcast`);
  }
}

/**
 * Validates the options of a message decorator of the given kind. `@catga/transformer` calls it at compile time on
 * the literal options it can read, so a bad option fails the build with the same message the decorator would throw.
 */
export function validateMessageOptions(kind: 'command' | 'query' | 'event', options: unknown, field: string): void {
  if (kind === 'command') validateCommandOptions(options, field);
  else if (kind === 'query') validateQueryOptions(options, field);
  else validateEventOptions(options, field);
}
