import { CatgaError } from '../core/catga-error.js';
import { ErrorCode, isErrorCode } from '../core/error-codes.js';
import { type CatgaResult, fail, ok } from '../core/result.js';

/**
 * A handler's final outcome as plain data, as the inbox keeps it to answer duplicates: a success with its value, or
 * a failure with its error as `CatgaError.toJSON()` gives it. Plain data so that any store can serialise it.
 */
export type StoredResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: ReturnType<CatgaError['toJSON']> };

/** The plain-data form of a result, for storing. */
export function toStoredResult(result: CatgaResult<unknown>): StoredResult {
  return result.ok ? { ok: true, value: result.value } : { ok: false, error: result.error.toJSON() };
}

/** The result a {@link StoredResult} stands for; the error is rebuilt as a `CatgaError` with its code and details. */
export function fromStoredResult(stored: StoredResult): CatgaResult<unknown> {
  if (stored.ok) return ok(stored.value);
  const { code, message, retryable, details } = stored.error;
  return fail(new CatgaError(isErrorCode(code) ? code : ErrorCode.INTERNAL_ERROR, message, { retryable, ...(details === undefined ? {} : { details }) }));
}

/** Whether `value` has the shape of a {@link StoredResult} (stores check what they read back). */
export function isStoredResult(value: unknown): value is StoredResult {
  if (value === null || typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  if (record['ok'] === true) return 'value' in record;
  if (record['ok'] !== false) return false;
  const error = record['error'] as Record<string, unknown> | null | undefined;
  return error !== null && typeof error === 'object' && typeof error['code'] === 'string' && typeof error['message'] === 'string';
}
