import { abortReason, NEVER_ABORTED, sleep } from '../core/abort.js';
import { CatgaError, isCatgaError } from '../core/catga-error.js';
import { CatgaConfigurationError } from '../core/configuration-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { checkOptions, integerIn, type OptionCheck } from '../core/option-checks.js';
import { type CatgaResult, type Fail, fail, ok } from '../core/result.js';
import type { DistributedLock, LockHandle } from './distributed-lock.js';

/** Options of {@link acquireLock} and {@link withLock}. */
export interface AcquireLockOptions {
  /** Length of the lease in ms: a holder that dies loses the lock this long after its last acquire or extend. */
  readonly ttlMs: number;
  /** How long to keep trying while someone else holds the lock, in ms (default 0: one attempt). */
  readonly waitMs?: number;
  /** Pause between attempts, in ms (default 50). */
  readonly retryMs?: number;
  /** Stops waiting (and, in {@link withLock}, is passed on to the work). */
  readonly signal?: AbortSignal;
}

const abortSignal: OptionCheck = (value, field) => {
  if (!(value instanceof AbortSignal)) throw new CatgaConfigurationError(field, 'expected an AbortSignal');
};

const OPTION_CHECKS: Readonly<Record<keyof AcquireLockOptions, OptionCheck>> = {
  ttlMs: integerIn(1, 2_147_483_647),
  waitMs: integerIn(0, 2_147_483_647),
  retryMs: integerIn(1, 2_147_483_647),
  signal: abortSignal,
};

function checkLockOptions(options: AcquireLockOptions): void {
  checkOptions(options, 'lock options', OPTION_CHECKS);
  // checkOptions skips absent keys; the lease length has no sensible default, so it must be given.
  if ((options as Partial<AcquireLockOptions> | undefined)?.ttlMs === undefined) {
    throw new CatgaConfigurationError('lock options.ttlMs', 'expected the lease length in ms');
  }
}

/**
 * Takes the lock `name` from any {@link DistributedLock}, trying again every `retryMs` while someone else holds it,
 * for up to `waitMs`. Resolves, never rejects:
 *
 * - `ok(handle)`: the caller holds the lock; give it back with `lock.release(handle)` (or use {@link withLock});
 * - `LOCK_FAILED` (retryable, `details: { lock, waitedMs }`) when still held by someone else after `waitMs`;
 * - `CANCELLED` when `signal` aborts first (a lock taken just as it aborted is given back);
 * - `PERSISTENCE_FAILED` (retryable) when the lock's store fails.
 *
 * Only options that are wrong (a `CatgaConfigurationError`) reject.
 *
 * @example
 * const taken = await acquireLock(locks, 'nightly-report', { ttlMs: 30_000, waitMs: 5_000 });
 * if (taken.ok) try { await report(taken.value.fencingToken); } finally { await locks.release(taken.value); }
 */
export async function acquireLock(lock: DistributedLock, name: string, options: AcquireLockOptions): Promise<CatgaResult<LockHandle>> {
  checkLockOptions(options);
  const { ttlMs, waitMs = 0, retryMs = 50, signal = NEVER_ABORTED } = options;
  const started = Date.now();
  for (;;) {
    if (signal.aborted) return lockCancelled(name, signal);
    let handle: LockHandle | undefined;
    try {
      handle = await lock.tryAcquire(name, ttlMs);
    } catch (thrown) {
      return fail(storeFailed(name, 'tryAcquire', thrown));
    }
    if (handle !== undefined) {
      if (!signal.aborted) return ok(handle);
      // Nobody wants it any more: holding it until the lease ends would only keep others waiting.
      await releaseQuietly(lock, handle);
      return lockCancelled(name, signal);
    }
    const waitedMs = Date.now() - started;
    const remaining = waitMs - waitedMs;
    if (remaining <= 0) {
      const waited = waitMs > 0 ? ` after waiting ${waitedMs} ms` : '';
      return fail(ErrorCode.LOCK_FAILED, `Lock "${name}" is held by someone else${waited}`, {
        retryable: true,
        details: { lock: name, waitedMs },
      });
    }
    if (!(await sleep(Math.min(retryMs, remaining), signal))) return lockCancelled(name, signal);
  }
}

/**
 * Runs `work` while holding the lock `name`: takes it as {@link acquireLock} does (same options and failures), keeps
 * the lease alive by extending it every `ttlMs / 3` while `work` runs, and releases it when `work` settles. A
 * release that fails is ignored: the lease then ends by itself after `ttlMs`.
 *
 * `work` gets the handle (pass `handle.fencingToken` to the protected resource) and a signal that aborts, with a
 * `LOCK_FAILED` `CatgaError` as its reason, when the lock is lost meanwhile: an extension found it taken or expired,
 * or the store could not be reached for a whole lease. It also aborts with `options.signal`. Stop touching the
 * protected resource when it does: someone else may hold the lock now.
 *
 * Resolves, never rejects: `ok(value)` with what `work` resolved to (even if the lock was lost after `work` chose to
 * finish anyway); a failure when the lock could not be taken; when `work` throws, `LOCK_FAILED` if the lock had been
 * lost, `CANCELLED` if `options.signal` aborted, the error itself if it is a `CatgaError`, else `HANDLER_FAILED`
 * with what it threw as `cause`.
 *
 * @example
 * const result = await withLock(locks, `order:${id}`, { ttlMs: 10_000, waitMs: 2_000 }, async (handle, signal) => {
 *   return ledger.post(entry, { fencingToken: handle.fencingToken, signal });
 * });
 */
export async function withLock<T>(
  lock: DistributedLock,
  name: string,
  options: AcquireLockOptions,
  work: (handle: LockHandle, signal: AbortSignal) => Promise<T>,
): Promise<CatgaResult<T>> {
  const acquired = await acquireLock(lock, name, options);
  if (!acquired.ok) return acquired;
  const first = acquired.value;
  const lost = new AbortController();
  const lostError = new CatgaError(ErrorCode.LOCK_FAILED, `Lock "${name}" was lost while its work ran (lease expired or taken over)`, {
    retryable: true,
    details: { lock: name, fencingToken: first.fencingToken },
  });
  const stopRenewing = new AbortController();
  const renewal = keepAlive(lock, first, options.ttlMs, stopRenewing.signal, () => lost.abort(lostError));
  const signal = options.signal === undefined ? lost.signal : AbortSignal.any([options.signal, lost.signal]);
  try {
    return ok(await work(first, signal));
  } catch (thrown) {
    if (lost.signal.aborted) return fail(lostError);
    if (options.signal?.aborted === true) return lockCancelled(name, options.signal, thrown, `Work under lock "${name}"`);
    if (isCatgaError(thrown)) return fail(thrown);
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    return fail(ErrorCode.HANDLER_FAILED, `Work under lock "${name}" failed: ${reason}`, { details: { lock: name }, cause: thrown });
  } finally {
    stopRenewing.abort();
    // Waits for an extension in flight, so that it cannot land after the release and revive the lease.
    const last = await renewal;
    await releaseQuietly(lock, last);
  }
}

/**
 * Extends the lease every `ttlMs / 3` until `stop` aborts; calls `onLost` (and stops) when an extension finds the
 * lock no longer the holder's, or when no extension succeeded for a whole lease (the store is unreachable, so the
 * lease has ended by now). Resolves the latest handle.
 */
async function keepAlive(lock: DistributedLock, first: LockHandle, ttlMs: number, stop: AbortSignal, onLost: () => void): Promise<LockHandle> {
  const intervalMs = Math.max(1, Math.floor(ttlMs / 3));
  let handle = first;
  // Local time at which the last successful acquire or extend was asked: the lease certainly lasts ttlMs from then.
  let leaseFrom = Date.now();
  while (await sleep(intervalMs, stop)) {
    const asked = Date.now();
    let extended: LockHandle | undefined;
    try {
      extended = await lock.extend(handle, ttlMs);
    } catch {
      // A store hiccup: try again at the next tick, unless the lease has run out meanwhile.
      if (Date.now() - leaseFrom >= ttlMs) {
        onLost();
        return handle;
      }
      continue;
    }
    if (extended === undefined) {
      onLost();
      return handle;
    }
    handle = extended;
    leaseFrom = asked;
  }
  return handle;
}

async function releaseQuietly(lock: DistributedLock, handle: LockHandle): Promise<void> {
  try {
    await lock.release(handle);
  } catch {
    // Deliberately ignored: the lease ends by itself after ttlMs.
  }
}

function lockCancelled(name: string, signal: AbortSignal, cause?: unknown, what = `Waiting for lock "${name}"`): Fail {
  return fail(ErrorCode.CANCELLED, `${what} was cancelled: ${abortReason(signal)}`, {
    details: { lock: name },
    cause: cause ?? signal.reason,
  });
}

/** What a failing lock store threw, as a retryable `PERSISTENCE_FAILED` (kept as is when it already is one). */
function storeFailed(name: string, operation: string, thrown: unknown): CatgaError {
  if (isCatgaError(thrown) && thrown.code === ErrorCode.PERSISTENCE_FAILED) return thrown;
  const reason = thrown instanceof Error ? thrown.message : String(thrown);
  return new CatgaError(ErrorCode.PERSISTENCE_FAILED, `Lock store failed to ${operation} "${name}": ${reason}`, {
    retryable: true,
    details: { lock: name, operation },
    cause: thrown,
  });
}
