import { type ErrorCode, isRetryableByDefault } from './error-codes.js';

/** Structured, serialisable extra information attached to a {@link CatgaError}. */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/** Options accepted by the {@link CatgaError} constructor. */
export interface CatgaErrorOptions {
  /** Whether a retry may succeed. Defaults to the code's default (see {@link isRetryableByDefault}). */
  readonly retryable?: boolean;
  /** Structured extra information, e.g. field errors or the handler's name. */
  readonly details?: ErrorDetails;
  /** What caused this failure (the handler's thrown value, a transport error, ...). */
  readonly cause?: unknown;
}

/**
 * The error inside every failed {@link CatgaResult}. Handlers may also throw one to fail with a specific code:
 * `throw new CatgaError('NOT_FOUND', 'Order o-1 does not exist')` becomes a result with code `NOT_FOUND`
 * instead of `HANDLER_FAILED`.
 */
export class CatgaError extends Error {
  /** The stable error code. */
  readonly code: ErrorCode;
  /** Whether a retry may succeed. */
  readonly retryable: boolean;
  /** Structured extra information. Empty when there is none. */
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: CatgaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CatgaError';
    this.code = code;
    this.retryable = options.retryable ?? isRetryableByDefault(code);
    this.details = options.details ?? EMPTY_DETAILS;
  }

  /** A plain-data view, for logs and for transports that send the error to another process. */
  toJSON(): { code: ErrorCode; message: string; retryable: boolean; details: ErrorDetails } {
    return { code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

const EMPTY_DETAILS: ErrorDetails = Object.freeze({});

/** True for any {@link CatgaError}, including one from another copy of this package (dual ESM/CJS load). */
export function isCatgaError(value: unknown): value is CatgaError {
  return (
    value instanceof CatgaError ||
    (value instanceof Error &&
      typeof (value as Partial<CatgaError>).code === 'string' &&
      typeof (value as Partial<CatgaError>).retryable === 'boolean' &&
      value.name === 'CatgaError')
  );
}
