import { NEVER_ABORTED } from '../core/abort.js';
import type { ClusterMembership } from './cluster-membership.js';
import { HashRing } from './hash-ring.js';

/**
 * Which node owns a shard key now: a {@link HashRing} over the live members, rebuilt on every membership change, and
 * a way to wait for the next change (a send whose owner did not answer waits for the membership to drop it).
 */
export class ShardRouter {
  private ring: HashRing;
  private readonly waiters = new Set<() => void>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    /** The membership the ring is built over. */
    readonly membership: ClusterMembership,
    private readonly virtualNodes: number,
  ) {
    this.ring = new HashRing([], virtualNodes);
  }

  /** Follows the membership (call after it started, so the first ring is already complete). */
  start(): void {
    this.unsubscribe ??= this.membership.onChange((change) => this.rebuild(change.members));
    this.rebuild(this.membership.members());
  }

  /** The members the ring is built over. */
  get members(): readonly string[] {
    return this.ring.members;
  }

  /** The node owning `key`; `undefined` while no member is alive. */
  ownerOf(key: string): string | undefined {
    return this.ring.ownerOf(key);
  }

  /** Resolves `true` at the next membership change, `false` after `ms` or when `signal` aborts. */
  nextChange(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const finish = (changed: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(onChange);
        if (signal !== NEVER_ABORTED) signal.removeEventListener('abort', onAbort);
        resolve(changed);
      };
      const onChange = (): void => finish(true);
      const onAbort = (): void => finish(false);
      const timer = setTimeout(() => finish(false), Math.max(0, ms));
      this.waiters.add(onChange);
      if (signal !== NEVER_ABORTED) signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stops following the membership; waiters are released. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const wake of [...this.waiters]) wake();
  }

  private rebuild(members: readonly string[]): void {
    this.ring = new HashRing(members, this.virtualNodes);
    for (const wake of [...this.waiters]) wake();
  }
}
