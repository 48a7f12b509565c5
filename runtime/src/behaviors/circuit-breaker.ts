import { CatgaError } from '../core/catga-error.js';
import type { ErrorCode } from '../core/error-codes.js';
import type { CircuitBreakerOptions } from '../core/message-options.js';
import type { PipelineBehavior, PipelineStep } from '../core/pipeline.js';
import { type CatgaResult, type Fail, fail } from '../core/result.js';
import { effectivePolicy } from './policy.js';
import { type HookedStep, hookedStep, Stop } from '../core/step-hooks.js';
import { POLICY_CHECKS } from '../core/message-options.js';

const DEFAULT_FAILURE_RATIO = 0.5;
const DEFAULT_MIN_THROUGHPUT = 10;
const DEFAULT_WINDOW_MS = 60_000;
const DEFAULT_RESET_MS = 30_000;
/** The window is kept as this many buckets (at most): bounded memory whatever the call rate. */
const MAX_BUCKETS = 60;

// Answers about the request, not the handler's health: they neither trip nor heal the circuit.
const NEUTRAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['CANCELLED', 'NOT_FOUND', 'CONFLICT', 'VALIDATION_FAILED', 'UNAUTHORIZED', 'FORBIDDEN']);
// Failures of the handler itself, even when a retry would not help (a bug keeps failing: all the more reason to open).
const FAILURE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['HANDLER_FAILED', 'TIMEOUT', 'INTERNAL_ERROR']);

type Outcome = 'success' | 'failure' | 'neutral';

function outcomeOf(result: CatgaResult<unknown>): Outcome {
  if (result.ok) return 'success';
  const { code, retryable } = result.error;
  if (NEUTRAL_CODES.has(code)) return 'neutral';
  return retryable || FAILURE_CODES.has(code) ? 'failure' : 'neutral';
}

/**
 * Counts of the last `windowMs`, in fixed time buckets. An outcome leaves the window between `windowMs - bucketMs`
 * and `windowMs` after it was recorded (`bucketMs` is 1/60 of the window, at least 1 ms).
 */
class SlidingWindow {
  private readonly bucketMs: number;
  private readonly starts: number[];
  private readonly calls: number[];
  private readonly failures: number[];

  constructor(private readonly windowMs: number) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / MAX_BUCKETS));
    const size = Math.ceil(windowMs / this.bucketMs);
    this.starts = new Array<number>(size).fill(-1);
    this.calls = new Array<number>(size).fill(0);
    this.failures = new Array<number>(size).fill(0);
  }

  /** Counts an outcome at time `at` (monotonic ms). */
  record(at: number, failed: boolean): void {
    const index = Math.floor(at / this.bucketMs);
    const slot = index % this.starts.length;
    const start = this.starts[slot]!;
    // The slot already holds a later bucket: `at` (a long call's start) is older than the whole window.
    if (start > index) return;
    if (start !== index) {
      // The slot holds a bucket that has left the window: reuse it.
      this.starts[slot] = index;
      this.calls[slot] = 0;
      this.failures[slot] = 0;
    }
    this.calls[slot]! += 1;
    if (failed) this.failures[slot]! += 1;
  }

  /** Calls and failures still inside the window at `now`. */
  totals(now: number): { calls: number; failures: number } {
    // A bucket counts while it starts inside the window. (Counting the last `starts.length` buckets instead kept an
    // outcome up to one bucket past `windowMs`, since the buckets together may span a little more than the window.)
    const windowStart = now - this.windowMs;
    let calls = 0;
    let failures = 0;
    for (let slot = 0; slot < this.starts.length; slot++) {
      if (this.starts[slot]! >= 0 && this.starts[slot]! * this.bucketMs >= windowStart) {
        calls += this.calls[slot]!;
        failures += this.failures[slot]!;
      }
    }
    return { calls, failures };
  }

  clear(): void {
    this.starts.fill(-1);
  }
}

interface ResolvedOptions {
  readonly failureRatio: number;
  readonly minThroughput: number;
  readonly failures: number | undefined;
  readonly windowMs: number;
  readonly resetMs: number;
}

/** The circuit of one message type and handler. */
class Circuit {
  private state: 'closed' | 'open' | 'half-open' = 'closed';
  private readonly window: SlidingWindow;
  private openUntil = 0;
  /** Bumped each time the circuit opens, so that calls started before can no longer count in the new window. */
  private generation = 0;
  /** The half-open probe in flight (identity token) and when it started. */
  private probe: object | undefined;
  private probeStartedAt = 0;

  constructor(
    private readonly typeName: string,
    private readonly options: ResolvedOptions,
  ) {
    this.window = new SlidingWindow(options.windowMs);
  }

  /**
   * What a call entering the circuit is: `number`, the generation of the closed circuit it ran in; an object, the
   * token of the half-open probe it is.
   */
  readonly step: HookedStep<number | object> = hookedStep<number | object>({
    // The circuit's clock is the run's start time (`performance.now()`), shared with metrics and the timeout: a
    // successful call reads no clock of its own.
    timed: true,
    enter: (_message, _context, now) => {
      if (this.state === 'closed') return this.generation;
      if (this.state === 'open') {
        if (now < this.openUntil) return new Stop(this.refuse(this.openUntil - now));
        this.state = 'half-open';
        this.probe = undefined;
      }
      // One probe at a time; a probe that never settles (no timeout behaviour) must not keep the circuit shut
      // forever, so after `resetMs` another call may probe.
      const probeAgeMs = now - this.probeStartedAt;
      if (this.probe !== undefined && probeAgeMs < this.options.resetMs) return new Stop(this.refuse(this.options.resetMs - probeAgeMs));
      const token = {};
      this.probe = token;
      this.probeStartedAt = now;
      return token;
    },
    leave: (entered, result, _message, startedAt) => {
      if (typeof entered === 'number') {
        // The circuit opened meanwhile (other calls failed): this late outcome belongs to a window that is gone.
        if (this.state === 'closed' && entered === this.generation) this.record(result, startedAt);
      } else {
        this.probeEnded(entered, result);
      }
      return result;
    },
  });

  private probeEnded(token: object, result: CatgaResult<unknown>): void {
    if (this.probe !== token) return; // superseded by a later probe
    this.probe = undefined;
    const outcome = outcomeOf(result);
    if (outcome === 'success') {
      this.state = 'closed'; // with an empty window: it was cleared when the circuit opened
    } else if (outcome === 'failure') {
      this.open(performance.now());
    }
    // Neutral (cancelled, domain answer): proves nothing either way; the next call probes again.
  }

  /** Counts a closed circuit's call; a success counts at the call's start, a failure when it ended. */
  private record(result: CatgaResult<unknown>, startedAt: number): void {
    const outcome = outcomeOf(result);
    if (outcome === 'neutral') return;
    if (outcome === 'success') {
      // Only a failure can push the circuit over a threshold.
      this.window.record(startedAt, false);
      return;
    }
    // The circuit opens (and its reset time counts) from the failure, not from when the failed call started.
    const now = performance.now();
    this.window.record(now, true);
    const { calls, failures } = this.window.totals(now);
    const { failureRatio, minThroughput, failures: failureLimit } = this.options;
    const tripped = (calls >= minThroughput && failures / calls >= failureRatio) || (failureLimit !== undefined && failures >= failureLimit);
    if (tripped) this.open(now);
  }

  private open(now: number): void {
    this.state = 'open';
    this.openUntil = now + this.options.resetMs;
    this.generation++;
    // Nothing is recorded until the circuit closes again, and then it starts afresh.
    this.window.clear();
  }

  private refuse(untilMs: number): Fail {
    const retryAfterMs = Math.ceil(untilMs);
    return fail(
      new CatgaError('CIRCUIT_OPEN', `The circuit of "${this.typeName}" is open: calls are refused for ${retryAfterMs} ms`, {
        retryable: true,
        details: { messageType: this.typeName, retryAfterMs },
      }),
    );
  }
}

/**
 * Stops calling a handler that keeps failing. Each message type and handler has its own circuit. While closed it
 * counts outcomes over a sliding window of `windowMs`; it opens when at least `minThroughput` calls saw a failure
 * share of `failureRatio` or more, or (when `failures` is set) after that many failures. While open every call
 * fails at once with `CIRCUIT_OPEN` (retryable, `details.retryAfterMs`) without reaching the handler. After
 * `resetMs` one probe call goes through: success closes the circuit, failure opens it again.
 *
 * Failures are failed results that are retryable or have code `HANDLER_FAILED`, `TIMEOUT` or `INTERNAL_ERROR`.
 * `CANCELLED` and domain outcomes (`NOT_FOUND`, `CONFLICT`, `VALIDATION_FAILED`, `UNAUTHORIZED`, `FORBIDDEN`) count
 * neither way. Place it outside retry ({@link BehaviorOrder}) so that one call with all its attempts counts once.
 *
 * The policy of a message type is its `circuitBreaker` decorator option merged over `instanceWide`;
 * `circuitBreaker: false` turns it off for that type. Types without a policy get no step at all.
 *
 * Its clock is monotonic (`performance.now()`, the pipeline's start time of the call): changing the wall clock moves
 * no window and no reset. A success counts at the time its call started, a failure at the time it ended.
 *
 * @param instanceWide policy for every message type that does not declare its own
 */
export function circuitBreakerBehavior(instanceWide?: CircuitBreakerOptions): PipelineBehavior {
  if (instanceWide !== undefined) POLICY_CHECKS.circuitBreaker(instanceWide, 'circuitBreakerBehavior');
  return {
    name: 'circuit-breaker',
    forMessage(descriptor): PipelineStep | undefined {
      const policy = effectivePolicy(descriptor, 'circuitBreaker', instanceWide);
      if (policy === undefined) return undefined;
      const circuit = new Circuit(descriptor.typeName, {
        failureRatio: policy.failureRatio ?? DEFAULT_FAILURE_RATIO,
        minThroughput: policy.minThroughput ?? DEFAULT_MIN_THROUGHPUT,
        failures: policy.failures,
        windowMs: policy.windowMs ?? DEFAULT_WINDOW_MS,
        resetMs: policy.resetMs ?? DEFAULT_RESET_MS,
      });
      return circuit.step;
    },
  };
}
