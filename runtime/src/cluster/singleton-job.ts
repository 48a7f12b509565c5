import type { CatgaLogger } from '../behaviors/logger.js';
import { CatgaConfigurationError } from '../core/configuration-error.js';
import { checkOptions, integerIn, matching, type OptionCheck } from '../core/option-checks.js';
import type { LeaderElection, LeadershipChange } from '../persistence/leader-election.js';
import { ELECTION, LOGGER } from './cluster-checks.js';

/** Options of {@link singletonJob}. */
export interface SingletonJobOptions {
  /** The election deciding where the job runs: it runs on the node that leads it. */
  readonly election: LeaderElection;
  /**
   * The work. It gets a signal that aborts when this node stops leading (or the job stops) and the lease's fencing
   * token (`term`): pass the term to what the job writes, so a store can refuse a leader that was replaced while it
   * stalled. Resolving ends the job for this term; throwing restarts it after `restartDelayMs` while still leading.
   */
  readonly run: (signal: AbortSignal, term: number) => Promise<void>;
  /** Name in logs (default `singleton-job`). */
  readonly name?: string;
  /** Pause before restarting work that failed, in ms (default 1,000). */
  readonly restartDelayMs?: number;
  readonly logger?: CatgaLogger;
}

const CHECKS: Readonly<Record<keyof SingletonJobOptions, OptionCheck>> = {
  election: ELECTION,
  run: (value, field) => {
    if (typeof value !== 'function') throw new CatgaConfigurationError(field, 'expected a function (signal, term) => Promise<void>');
  },
  name: matching(/^[^\n]{1,200}$/, 'a one-line name (max 200 characters)'),
  restartDelayMs: integerIn(0, 3_600_000),
  logger: LOGGER,
};

/**
 * Background work that runs on exactly one node of a cluster: the leader of `election`. When this node becomes leader
 * the work starts; when it stops leading the work's signal aborts (the work must then stop) and the new leader starts
 * its own run. Built on {@link LeaderElection}'s lease, so two nodes never both believe they lead; a run that ignores
 * its signal can still overlap the next leader's, which is what the `term` guards against.
 *
 * `start()` starts the election too if it was not started; `stop()` stops the job, not the election (stop that, or
 * close the transport that owns it, to hand leadership over).
 */
export class SingletonJob {
  /** The job's name in logs. */
  readonly name: string;
  private readonly election: LeaderElection;
  private readonly work: SingletonJobOptions['run'];
  private readonly restartDelayMs: number;
  private readonly logger: CatgaLogger | undefined;
  private unsubscribe: (() => void) | undefined;
  private controller: AbortController | undefined;
  private current: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** The term the work last started in: a run that finished is not started again in the same term. */
  private launchedTerm: number | undefined;
  private stopped = false;

  constructor(options: SingletonJobOptions) {
    checkOptions(options, 'singletonJob', CHECKS);
    if (options.election === undefined || options.run === undefined) throw new CatgaConfigurationError('singletonJob', 'election and run are required');
    this.election = options.election;
    this.work = options.run;
    this.name = options.name ?? 'singleton-job';
    this.restartDelayMs = options.restartDelayMs ?? 1_000;
    this.logger = options.logger;
  }

  /** Whether the work is running on this node now. */
  get running(): boolean {
    return this.current !== undefined;
  }

  /** Follows the election (starting it if needed); the work starts now if this node already leads. */
  async start(): Promise<void> {
    if (this.stopped) throw new Error(`singleton job "${this.name}" was stopped; make a new one`);
    if (this.unsubscribe !== undefined) return;
    this.unsubscribe = this.election.onChange((change) => this.follow(change));
    await this.election.start();
    const term = this.election.term;
    if (term !== undefined && term !== this.launchedTerm) this.launch(term);
  }

  /** Aborts the work and waits for it to settle. The election keeps running. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.restartTimer);
    this.controller?.abort(new Error(`singleton job "${this.name}" stopped`));
    await this.current;
  }

  private follow(change: LeadershipChange): void {
    if (change.leader && change.term !== undefined) {
      if (change.term !== this.launchedTerm) this.launch(change.term);
      return;
    }
    clearTimeout(this.restartTimer);
    this.controller?.abort(new Error(`leadership of "${this.election.name}" lost`));
  }

  private launch(term: number): void {
    if (this.stopped || this.current !== undefined) return;
    const controller = new AbortController();
    this.controller = controller;
    this.launchedTerm = term;
    this.logger?.info({ job: this.name, term }, 'singleton job: starting on this node');
    const run = async (): Promise<void> => {
      try {
        await this.work(controller.signal, term);
      } catch (thrown) {
        if (controller.signal.aborted) return; // it stopped because it was told to
        this.logger?.error({ err: thrown, job: this.name, term }, `singleton job: failed; restarting in ${this.restartDelayMs} ms`);
        this.restartLater(term);
      }
    };
    this.current = run().finally(() => {
      this.current = undefined;
      this.controller = undefined;
      // Leadership came back (a new term) while this run was still winding down: start the new term's run now.
      const now = this.election.term;
      if (!this.stopped && now !== undefined && now !== term) this.launch(now);
    });
  }

  private restartLater(term: number): void {
    this.restartTimer = setTimeout(() => {
      if (this.election.term === term) this.launch(term);
    }, this.restartDelayMs);
    this.restartTimer.unref();
  }
}

/** Creates a {@link SingletonJob}; call `start()` on it. */
export function singletonJob(options: SingletonJobOptions): SingletonJob {
  return new SingletonJob(options);
}
