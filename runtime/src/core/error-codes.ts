/**
 * The stable error codes every Catga failure carries. They are part of the public contract: they travel over
 * transports, appear in logs and metrics, and are safe to switch on.
 */
export const ErrorCode = {
  /** The message failed validation; `details` lists every field error. */
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  /** No handler is registered for the command or query in this Catga instance. */
  HANDLER_NOT_FOUND: 'HANDLER_NOT_FOUND',
  /** The handler threw; `cause` keeps what it threw. */
  HANDLER_FAILED: 'HANDLER_FAILED',
  /** A pipeline behaviour threw (as opposed to returning a failure). */
  PIPELINE_FAILED: 'PIPELINE_FAILED',
  /** The handler did not finish in the time allowed. */
  TIMEOUT: 'TIMEOUT',
  /** The caller's `AbortSignal` aborted the call. */
  CANCELLED: 'CANCELLED',
  /** The circuit breaker is open for this message type. */
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  /** The rate limiter rejected the call. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The concurrency limiter (bulkhead) and its queue are full. */
  CONCURRENCY_LIMITED: 'CONCURRENCY_LIMITED',
  /** A distributed lock could not be taken. */
  LOCK_FAILED: 'LOCK_FAILED',
  /** The transport could not deliver the message or its reply. */
  TRANSPORT_FAILED: 'TRANSPORT_FAILED',
  /** The message or its result could not be encoded or decoded. */
  SERIALIZATION_FAILED: 'SERIALIZATION_FAILED',
  /** A store (outbox, inbox, idempotency, saga) failed. */
  PERSISTENCE_FAILED: 'PERSISTENCE_FAILED',
  /** Domain outcome: the thing asked for does not exist. */
  NOT_FOUND: 'NOT_FOUND',
  /** Domain outcome: the request conflicts with the current state. */
  CONFLICT: 'CONFLICT',
  /** Domain outcome: the caller is not authenticated. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** Domain outcome: the caller may not do this. */
  FORBIDDEN: 'FORBIDDEN',
  /** A defect inside Catga itself or an unexpected state. */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;

/** One of the stable Catga error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Every code, for validation and exhaustive tests. */
export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.values(ErrorCode));

// Transient conditions a later attempt can get past. Domain outcomes and validation are final.
const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.TIMEOUT,
  ErrorCode.CIRCUIT_OPEN,
  ErrorCode.RATE_LIMITED,
  ErrorCode.CONCURRENCY_LIMITED,
  ErrorCode.LOCK_FAILED,
  ErrorCode.TRANSPORT_FAILED,
  ErrorCode.PERSISTENCE_FAILED,
]);

/** Whether failures with this code are worth retrying when nothing more specific is known. */
export function isRetryableByDefault(code: ErrorCode): boolean {
  return RETRYABLE_BY_DEFAULT.has(code);
}

/** Type guard for values that claim to be an error code (e.g. decoded from the wire). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ErrorCode, value);
}

// Outcomes the caller caused or that protect the system on purpose: expected in normal operation, not faults.
const EXPECTED: ReadonlySet<string> = new Set<ErrorCode>([
  ErrorCode.NOT_FOUND,
  ErrorCode.CONFLICT,
  ErrorCode.VALIDATION_FAILED,
  ErrorCode.UNAUTHORIZED,
  ErrorCode.FORBIDDEN,
  ErrorCode.CANCELLED,
  ErrorCode.RATE_LIMITED,
  ErrorCode.CONCURRENCY_LIMITED,
  ErrorCode.CIRCUIT_OPEN,
]);

/**
 * Whether a failure with this code is an expected outcome (a domain answer, a rejected request, load shedding)
 * rather than a fault. Logging writes those at `warn` instead of `error`; tracing leaves the span status unset.
 */
export function isExpectedFailure(code: string): boolean {
  return EXPECTED.has(code);
}
