import { randomUUID } from 'node:crypto';

/** A held lock. */
export interface LockHandle {
  readonly name: string;
  /** Random value proving ownership to `extend` and `release`. */
  readonly token: string;
  /**
   * Increases with every acquisition of this lock name, never reused. Pass it to the resource the lock protects and
   * have the resource refuse a token lower than the highest it has seen: a holder that stalled past its lease (GC
   * pause, network partition) and still believes it holds the lock is then rejected instead of overwriting the work
   * of the next holder.
   */
  readonly fencingToken: number;
  /** When the lease ends unless extended (ms since the Unix epoch, by the store's clock). */
  readonly expiresAt: number;
}

/**
 * Mutual exclusion with a lease: a holder that dies without releasing loses the lock when its lease ends. Every
 * method may reject when the backend fails; a store that crosses processes rejects with a `PERSISTENCE_FAILED`
 * `CatgaError`. Waiting for a lock is {@link acquireLock}'s job, on top of `tryAcquire`.
 */
export interface DistributedLock {
  /** Takes `name` for `ttlMs` if nobody holds it (atomically), with a new fencing token; `undefined` otherwise. */
  tryAcquire(name: string, ttlMs: number): Promise<LockHandle | undefined>;
  /** Extends the lease to `ttlMs` from now if the caller still holds it; `undefined` when the lock is no longer its. */
  extend(handle: LockHandle, ttlMs: number): Promise<LockHandle | undefined>;
  /** Gives the lock up if the caller still holds it; `false` when it was no longer the caller's (nothing changed). */
  release(handle: LockHandle): Promise<boolean>;
}

/**
 * A {@link DistributedLock} in this process's memory (mutual exclusion between callers in one process), and the
 * reference the Redis lock is checked against.
 */
export class MemoryDistributedLock implements DistributedLock {
  private readonly held = new Map<string, { token: string; expiresAt: number }>();
  private readonly fences = new Map<string, number>();

  async tryAcquire(name: string, ttlMs: number): Promise<LockHandle | undefined> {
    const now = Date.now();
    const current = this.held.get(name);
    if (current !== undefined && current.expiresAt > now) return undefined;
    const fencingToken = (this.fences.get(name) ?? 0) + 1;
    this.fences.set(name, fencingToken);
    const token = randomUUID();
    const expiresAt = now + ttlMs;
    this.held.set(name, { token, expiresAt });
    return { name, token, fencingToken, expiresAt };
  }

  async extend(handle: LockHandle, ttlMs: number): Promise<LockHandle | undefined> {
    const current = this.current(handle);
    if (current === undefined) return undefined;
    current.expiresAt = Date.now() + ttlMs;
    return { ...handle, expiresAt: current.expiresAt };
  }

  async release(handle: LockHandle): Promise<boolean> {
    if (this.current(handle) === undefined) return false;
    this.held.delete(handle.name);
    return true;
  }

  /** The live lease of `handle`, if it is still the holder's. */
  private current(handle: LockHandle): { token: string; expiresAt: number } | undefined {
    const current = this.held.get(handle.name);
    if (current === undefined || current.token !== handle.token || current.expiresAt <= Date.now()) return undefined;
    return current;
  }
}
