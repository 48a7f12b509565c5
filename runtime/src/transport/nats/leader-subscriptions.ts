import type { Subscription } from '@nats-io/nats-core';
import type { CatgaLogger } from '../../behaviors/logger.js';
import type { LeaderElection } from '../../persistence/leader-election.js';

/**
 * The subscriptions of leader-only handlers: opened when this node becomes leader, drained when it stops leading, so
 * only the leader receives their messages. Draining lets messages already delivered finish (their senders get their
 * replies); they may then overlap the first messages of the new leader, which is what the election's term is for.
 */
export class LeaderSubscriptions {
  private open: Subscription[] = [];
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly election: LeaderElection,
    private readonly subscribe: () => Subscription[],
    private readonly logger: CatgaLogger,
  ) {}

  /** Whether this node serves the leader-only handlers now. */
  get serving(): boolean {
    return this.open.length > 0;
  }

  /** Follows the election, starting it (the transport owns it); subscribes at once if this node already leads. */
  async start(): Promise<void> {
    this.unsubscribe = this.election.onChange((change) => {
      if (change.leader) this.subscribeNow();
      else void this.drain();
    });
    await this.election.start();
    if (this.election.isLeader) this.subscribeNow();
  }

  /** Stops following the election and drains the subscriptions. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await this.drain();
  }

  private subscribeNow(): void {
    if (this.stopped || this.open.length > 0) return;
    this.open = this.subscribe();
    this.logger.info({ election: this.election.name, subscriptions: this.open.length }, 'catga: leading; serving the leader-only handlers');
  }

  private async drain(): Promise<void> {
    const closing = this.open.splice(0);
    if (closing.length === 0) return;
    this.logger.info({ election: this.election.name }, 'catga: not leading any more; leader-only handlers given up');
    await Promise.all(closing.map((subscription) => subscription.drain().catch(() => undefined)));
  }
}
