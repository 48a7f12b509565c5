import { CatgaError, type CatgaErrorOptions } from './catga-error.js';
import type { ErrorCode } from './error-codes.js';

/** A successful outcome carrying the handler's value. */
export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}

/** A failed outcome carrying a {@link CatgaError} with a stable code. */
export interface Fail<E extends CatgaError = CatgaError> {
  readonly ok: false;
  readonly error: E;
}

/**
 * What `send` returns: never a thrown exception for handler, pipeline or transport failures.
 * Narrow on `ok` to reach `value` or `error`.
 */
export type CatgaResult<T, E extends CatgaError = CatgaError> = Ok<T> | Fail<E>;

/** Builds a successful result. */
export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

/** Builds a failed result from a code and a message (or from an existing {@link CatgaError}). */
export function fail(code: ErrorCode, message: string, options?: CatgaErrorOptions): Fail;
export function fail<E extends CatgaError>(error: E): Fail<E>;
export function fail(codeOrError: ErrorCode | CatgaError, message?: string, options?: CatgaErrorOptions): Fail {
  const error = typeof codeOrError === 'string' ? new CatgaError(codeOrError, message ?? codeOrError, options) : codeOrError;
  return { ok: false, error };
}

/** Returns the value of a successful result or throws its error: for scripts and tests where a failure is fatal. */
export function unwrap<T>(result: CatgaResult<T>): T {
  if (result.ok) return result.value;
  throw result.error;
}
