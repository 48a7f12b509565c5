import { bool, checkOptions, integerIn, matching, nested, oneOf, type OptionCheck } from './option-checks.js';

/** Retry policy of a message (applied by the retry behaviour). */
export interface RetryOptions {
  /** Total attempts including the first, 1-100. */
  readonly attempts: number;
  /** First backoff delay in ms before jitter (default chosen by the retry behaviour). */
  readonly baseDelayMs?: number;
  /** Upper bound of one backoff delay in ms. */
  readonly maxDelayMs?: number;
}

/** Options shared by every message decorator. */
export interface MessageOptions {
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
  /** Duplicates (same message id) run the handler once and get the first result (idempotency behaviour). */
  readonly idempotent?: boolean;
  /** Marks a command whose loss or duplication is costly; lint rule CATGA013 requires it to be idempotent. */
  readonly critical?: boolean;
  /** Per-attempt time limit in ms (timeout behaviour). */
  readonly timeoutMs?: number;
  /** Retry policy (retry behaviour). */
  readonly retry?: RetryOptions;
}

/** Options of `@CatgaQuery`. */
export interface QueryOptions extends MessageOptions {
  /** Per-attempt time limit in ms (timeout behaviour). */
  readonly timeoutMs?: number;
  /** Retry policy (retry behaviour). */
  readonly retry?: RetryOptions;
}

/** Delivery guarantee of an event over a transport: 0 at most once, 1 at least once, 2 at least once + dedup. */
export type QualityOfService = 0 | 1 | 2;

/** Options of `@CatgaEvent`. */
export interface EventOptions extends MessageOptions {
  /** Delivery guarantee over remote transports (default 0). The in-memory transport always delivers in process. */
  readonly qos?: QualityOfService;
}

// Names travel in NATS subjects and Redis keys: no spaces, no wildcards, no separators that change meaning.
const TYPE_NAME = matching(/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/, 'a type name of letters, digits, "_" or "-" (max 128), starting with a letter or "_"');
const SUBJECT_TOKEN = matching(/^[A-Za-z0-9_-]{1,128}$/, 'a subject token of letters, digits, "_" or "-" (max 128)');
const DESCRIPTION: OptionCheck = matching(/^[^\n]{0,500}$/, 'a one-line description (max 500 characters)');
const TIMEOUT_MS = integerIn(1, 2_147_483_647);
const RETRY = nested(
  { attempts: integerIn(1, 100), baseDelayMs: integerIn(0, 3_600_000), maxDelayMs: integerIn(0, 3_600_000) },
  ['attempts'],
);

const COMMON = { name: TYPE_NAME, subject: SUBJECT_TOKEN, description: DESCRIPTION };
const COMMAND_CHECKS = { ...COMMON, idempotent: bool, critical: bool, timeoutMs: TIMEOUT_MS, retry: RETRY };
const QUERY_CHECKS = { ...COMMON, timeoutMs: TIMEOUT_MS, retry: RETRY };
const EVENT_CHECKS = { ...COMMON, qos: oneOf([0, 1, 2]) };

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
}
