import { randomUUID } from 'node:crypto';
import type { CatgaLogger } from '../behaviors/logger.js';
import { integerIn } from '../core/option-checks.js';
import type { DistributedLock, LockHandle } from './distributed-lock.js';

/** Options of {@link LeaderElection}. */
export interface LeaderElectionOptions {
  /** The lock the lease lives in: a `RedisDistributedLock` to elect among processes. */
  readonly lock: DistributedLock;
  /** What is being led (one leader per name), e.g. `billing-scheduler`. */
  readonly name: string;
  /** This candidate's name in logs and events (default: a random id). */
  readonly candidate?: string;
  /** How long a lease lasts without renewal, in ms (default 15,000): how long a dead leader blocks the others. */
  readonly leaseMs?: number;
  /** How often the leader renews and the others try to take over, in ms (default `leaseMs / 3`). */
  readonly renewEveryMs?: number;
  readonly logger?: CatgaLogger;
}

/** What a leadership change listener receives. */
export interface LeadershipChange {
  readonly name: string;
  readonly candidate: string;
  /** Whether this candidate leads now. */
  readonly leader: boolean;
  /** The fencing token of the lease (increases with every new leader); `undefined` when not leading. */
  readonly term: number | undefined;
}

/** What {@link LeaderElection.runIfLeader} did. */
export type LeaderRun<T> = { readonly ran: true; readonly value: T } | { readonly ran: false };

// A leader counts itself leader only until this share of the lease has passed since it sent the request that
// took or renewed it: the others can take over only after the whole lease, so the two never overlap even if
// clocks run at slightly different speeds or the event loop stalls for a moment.
const SAFE_SHARE = 0.8;

/**
 * Leader election on a lease: the candidate holding lock `name` leads; it renews the lease every `renewEveryMs`,
 * and the others try to take it over just as often. Two candidates never both believe they lead: a leader that cannot
 * renew (store down, event loop blocked) steps down on its own before its lease can expire and be taken over.
 *
 * `stop()` releases the lease, so another candidate takes over at its next attempt instead of waiting for the
 * lease to expire (clean hand-over on shutdown).
 */
export class LeaderElection {
  readonly name: string;
  readonly candidate: string;
  private readonly lock: DistributedLock;
  private readonly leaseMs: number;
  private readonly renewEveryMs: number;
  private readonly logger: CatgaLogger | undefined;
  private readonly listeners = new Set<(change: LeadershipChange) => void>();
  private handle: LockHandle | undefined;
  /** `performance.now()` after which this candidate no longer counts itself leader without a renewal. */
  private leadUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private stepDownTimer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;

  constructor(options: LeaderElectionOptions) {
    this.lock = options.lock;
    this.name = options.name;
    this.candidate = options.candidate ?? `candidate-${randomUUID()}`;
    this.leaseMs = options.leaseMs ?? 15_000;
    this.renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(this.leaseMs / 3));
    this.logger = options.logger;
    integerIn(1, 2_147_483_647)(this.leaseMs, 'leaderElection.leaseMs');
    integerIn(1, Math.floor(this.leaseMs * SAFE_SHARE))(this.renewEveryMs, 'leaderElection.renewEveryMs');
  }

  /** Whether this candidate leads right now. */
  get isLeader(): boolean {
    return this.handle !== undefined && performance.now() < this.leadUntil;
  }

  /** The fencing token of the current lease while leading: pass it to resources that must refuse an old leader. */
  get term(): number | undefined {
    return this.isLeader ? this.handle?.fencingToken : undefined;
  }

  /** Calls `listener` on every change of this candidate's leadership; returns a function that unsubscribes. */
  onChange(listener: (change: LeadershipChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes part in the election; resolves after the first attempt (so `isLeader` is already meaningful). */
  async start(): Promise<void> {
    if (this.stopped) throw new Error(`leader election "${this.name}" was stopped; make a new one`);
    if (this.round !== undefined || this.timer !== undefined) return;
    await this.tick();
  }

  /**
   * Runs `work` only while this candidate leads, with a signal that aborts if leadership is lost meanwhile.
   * Resolves `{ ran: false }` at once when it does not lead.
   */
  async runIfLeader<T>(work: (signal: AbortSignal, term: number) => Promise<T>): Promise<LeaderRun<T>> {
    const term = this.term;
    if (term === undefined) return { ran: false };
    const lost = new AbortController();
    const unsubscribe = this.onChange((change) => {
      if (!change.leader || change.term !== term) lost.abort(new Error(`leadership of "${this.name}" lost`));
    });
    try {
      return { ran: true, value: await work(lost.signal, term) };
    } finally {
      unsubscribe();
    }
  }

  /** Leaves the election: stops renewing and releases the lease if held, so another candidate can lead at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    const handle = this.handle;
    this.stepDown();
    if (handle !== undefined) {
      try {
        await this.lock.release(handle);
      } catch (thrown) {
        this.logger?.warn({ err: thrown, election: this.name }, 'leader election: could not release the lease; it expires on its own');
      }
    }
  }

  private tick(): Promise<void> {
    this.round = this.attempt().finally(() => {
      this.round = undefined;
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.tick(), this.renewEveryMs);
        this.timer.unref();
      }
    });
    return this.round;
  }

  private async attempt(): Promise<void> {
    const sentAt = performance.now();
    try {
      const handle = this.handle === undefined ? await this.lock.tryAcquire(this.name, this.leaseMs) : await this.lock.extend(this.handle, this.leaseMs);
      if (this.stopped && handle !== undefined && this.handle === undefined) {
        await this.lock.release(handle); // stop() came while we were acquiring: give it straight back
        return;
      }
      if (handle === undefined) {
        if (this.handle !== undefined) this.stepDown();
        return;
      }
      const becameLeader = this.handle === undefined;
      this.handle = handle;
      this.leadUntil = sentAt + this.leaseMs * SAFE_SHARE;
      this.armStepDown();
      if (becameLeader) this.emit(true, handle.fencingToken);
    } catch (thrown) {
      // Store unreachable: keep leading only until the safe share of the lease is over (the step-down timer).
      this.logger?.warn({ err: thrown, election: this.name, candidate: this.candidate }, 'leader election: lease store failed');
    }
  }

  /** Steps down by itself when the lease's safe share passes with no renewal. */
  private armStepDown(): void {
    clearTimeout(this.stepDownTimer);
    if (this.handle === undefined) return;
    const left = this.leadUntil - performance.now();
    if (left <= 0) {
      this.stepDown();
      return;
    }
    // Timers count from the event loop's cached clock, so one can fire before `leadUntil` by the length of a busy
    // tick: check again then rather than keep leading past the safe share.
    this.stepDownTimer = setTimeout(() => this.armStepDown(), Math.ceil(left) + 1);
    this.stepDownTimer.unref();
  }

  private stepDown(): void {
    clearTimeout(this.stepDownTimer);
    if (this.handle === undefined) return;
    this.handle = undefined;
    this.leadUntil = 0;
    this.emit(false, undefined);
  }

  private emit(leader: boolean, term: number | undefined): void {
    this.logger?.info({ election: this.name, candidate: this.candidate, term }, leader ? 'leader election: leading' : 'leader election: not leading any more');
    const change: LeadershipChange = { name: this.name, candidate: this.candidate, leader, term };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (thrown) {
        this.logger?.error({ err: thrown, election: this.name }, 'leader election: a leadership listener threw');
      }
    }
  }
}
