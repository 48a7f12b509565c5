import { CatgaConfigurationError } from '../core/configuration-error.js';
import type { ErrorCode } from '../core/error-codes.js';
import type { Event, MessageClass, Request, ResultOf } from '../core/messages.js';
import type { PublishResult } from '../core/publish-result.js';
import type { CatgaResult } from '../core/result.js';
import { typeNameOf } from '../core/metadata.js';

/** Retry of one saga step or compensation: exponential backoff, retryable failures only. */
export interface SagaRetryOptions {
  /** Total attempts including the first, 1-100 (default 1: no retry). */
  readonly attempts: number;
  /** Delay before the second attempt in ms; doubles each retry (default 100). */
  readonly delayMs?: number;
  /** Upper bound of one delay in ms (default 10,000). */
  readonly maxDelayMs?: number;
}

/** Why a saga failed: the step that failed and its error, as stored with the instance. */
export interface SagaFailure {
  /** The step (or `wait`) that failed. */
  readonly step: string;
  readonly code: ErrorCode;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
  /** Set when a compensation failed too, after its retries: the saga ends `failed` and needs a person. */
  readonly compensation?: { readonly step: string; readonly code: ErrorCode; readonly message: string };
}

/** What a step, a compensation or a wait callback receives besides the state. */
export interface SagaStepContext {
  /** The saga instance's id (its correlation key, e.g. the order id). */
  readonly sagaId: string;
  /** The step running. */
  readonly step: string;
  /** 1 for the first attempt of this run of the step. */
  readonly attempt: number;
  /**
   * The same for every run of this step of this instance, also after a crash: a step interrupted before its
   * progress was stored runs again, so put this key in the idempotency key of what it sends.
   */
  readonly idempotencyKey: string;
  /** Aborted when the step's time is up or the instance stops running here. Pass it to your I/O. */
  readonly signal: AbortSignal;
  /** Sends a command or query in the saga's conversation (its correlation id). */
  send<M extends Request>(message: M): Promise<CatgaResult<ResultOf<M>>>;
  /** Publishes an event in the saga's conversation. */
  publish(event: Event): Promise<PublishResult>;
  /**
   * Fails the step for good (no retry): the saga compensates what it did and ends `compensated`. Use it for
   * business outcomes such as a declined payment. Default code `CONFLICT`.
   */
  fail(message: string, options?: { readonly code?: ErrorCode; readonly details?: Readonly<Record<string, unknown>> }): never;
}

/** A change to the saga's state: the fields to set (merged shallowly), or nothing. */
export type SagaPatch<S> = Partial<S> | undefined | void;

/** One forward step: an action, its compensation, and its policies. */
export interface SagaStepOptions<S> {
  /** Does the work; returns the state fields to set (e.g. the reservation id the compensation will need). */
  readonly run: (state: Readonly<S>, context: SagaStepContext) => Promise<SagaPatch<S>>;
  /** Undoes the work when a later step fails. Runs in reverse order of the completed steps; must be idempotent. */
  readonly compensate?: (state: Readonly<S>, context: SagaStepContext) => Promise<void>;
  /** Branching: the step runs only when this returns true for the state so far (default: always). */
  readonly when?: (state: Readonly<S>) => boolean;
  /** Time limit of one attempt in ms (default: the saga's `stepTimeoutMs`, else none). */
  readonly timeoutMs?: number;
  /** Retry of retryable failures (default: the saga's `retry`, else one attempt). Also used for the compensation. */
  readonly retry?: SagaRetryOptions;
}

/** A step that waits for an event correlated to the instance. */
export interface SagaWaitOptions<S, E extends Event> {
  /** The event class awaited. */
  readonly event: MessageClass<E>;
  /** The instance an event belongs to: must return the saga id (e.g. `(e) => e.orderId`); `undefined` for none. */
  readonly correlate: (event: E) => string | undefined;
  /** How long to wait in ms, from when the saga reaches this step. */
  readonly timeoutMs: number;
  /** The state fields to set from the event. */
  readonly onEvent?: (state: Readonly<S>, event: E) => SagaPatch<S>;
  /** What a timeout does: by default the saga fails with `TIMEOUT` and compensates; a function continues instead. */
  readonly onTimeout?: (state: Readonly<S>) => SagaPatch<S>;
  /** Branching: the saga waits only when this returns true for the state so far (default: always). */
  readonly when?: (state: Readonly<S>) => boolean;
}

/** How an event starts an instance (see {@link SagaDefinition.startedBy}). */
export interface SagaStartedByOptions<S, E extends Event> {
  /** The instance id for the event (e.g. `(e) => e.orderId`); `undefined` when this event starts nothing. */
  readonly id: (event: E) => string | undefined;
  /** The instance's first state. */
  readonly state: (event: E) => S;
}

/** Saga-wide defaults and events. */
export interface SagaOptions {
  /** Default time limit of one step attempt, in ms. */
  readonly stepTimeoutMs?: number;
  /** Default retry of steps and compensations. */
  readonly retry?: SagaRetryOptions;
}

/** @internal An event that starts instances, as the host handles it. */
export type SagaStarter<S> = { readonly eventType: string; readonly event: MessageClass } & SagaStartedByOptions<S, Event>;

/** @internal A step as the host runs it. */
export type SagaStepDefinition<S> =
  | ({ readonly kind: 'step'; readonly name: string } & SagaStepOptions<S>)
  | ({ readonly kind: 'wait'; readonly name: string; readonly eventType: string } & SagaWaitOptions<S, Event>);

/** What `withSagas` takes: any saga made with {@link saga}, whatever its state type. */
export interface AnySagaDefinition {
  readonly name: string;
  /** The event classes some step waits for. */
  readonly awaitedEvents: readonly MessageClass[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
const MAX_MS = 2_147_483_647;

/**
 * A saga: a long-running process over several services that keeps its state in the saga store, resumes on another
 * instance after a crash, and undoes what it did when a step fails. Make one with {@link saga}, register it with
 * `createCatga().withSagas([...])`, start instances with `catga.sagas.start(definition, id, state)`.
 */
export class SagaDefinition<S extends object> implements AnySagaDefinition {
  /** @internal */
  readonly steps: readonly SagaStepDefinition<S>[];
  /** @internal */
  readonly completedEvent: ((state: Readonly<S>) => Event) | undefined;
  /** @internal */
  readonly failedEvent: ((state: Readonly<S>, failure: SagaFailure) => Event) | undefined;
  /** @internal */
  readonly starters: readonly SagaStarter<S>[];

  /** @internal Use {@link saga}. */
  constructor(
    /** The saga's type name: stored with every instance, so it must stay the same across deployments. */
    readonly name: string,
    readonly options: SagaOptions,
    parts: {
      readonly steps?: readonly SagaStepDefinition<S>[];
      readonly starters?: readonly SagaStarter<S>[];
      readonly completedEvent?: (state: Readonly<S>) => Event;
      readonly failedEvent?: (state: Readonly<S>, failure: SagaFailure) => Event;
    } = {},
  ) {
    this.steps = parts.steps ?? [];
    this.starters = parts.starters ?? [];
    this.completedEvent = parts.completedEvent;
    this.failedEvent = parts.failedEvent;
  }

  /**
   * Starts an instance whenever `event` arrives (at least once: a redelivered event finds the instance and starts
   * nothing). The instance sends in the event's conversation (its correlation id).
   */
  startedBy<E extends Event>(event: MessageClass<E>, options: SagaStartedByOptions<S, E>): SagaDefinition<S> {
    const field = `${this.name}.startedBy`;
    if (typeof event !== 'function') throw new CatgaConfigurationError(field, 'expected an event class');
    if (typeof options?.id !== 'function' || typeof options.state !== 'function') throw new CatgaConfigurationError(field, 'expected { id: (event) => string, state: (event) => state }');
    const starter = { event, eventType: typeNameOf(event), ...options } as unknown as SagaStarter<S>;
    if (this.starters.some((known) => known.eventType === starter.eventType)) throw new CatgaConfigurationError(field, `${starter.eventType} already starts this saga`);
    return new SagaDefinition(this.name, this.options, { ...this.parts(), starters: [...this.starters, starter] });
  }

  /** Adds a step that does some work and, optionally, knows how to undo it. Step names are unique per saga. */
  step(name: string, options: SagaStepOptions<S>): SagaDefinition<S> {
    this.checkName(name);
    if (typeof options?.run !== 'function') throw new CatgaConfigurationError(`${this.name}.${name}.run`, 'expected a function');
    for (const key of ['compensate', 'when'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'function') throw new CatgaConfigurationError(`${this.name}.${name}.${key}`, 'expected a function');
    }
    checkPolicies(`${this.name}.${name}`, options);
    return this.with({ kind: 'step', name, ...options });
  }

  /** Adds a step that waits for an event correlated to this instance, with a timeout. */
  waitFor<E extends Event>(name: string, options: SagaWaitOptions<S, E>): SagaDefinition<S> {
    this.checkName(name);
    const field = `${this.name}.${name}`;
    if (typeof options?.event !== 'function') throw new CatgaConfigurationError(`${field}.event`, 'expected an event class');
    if (typeof options.correlate !== 'function') throw new CatgaConfigurationError(`${field}.correlate`, 'expected a function returning the saga id');
    checkMs(options.timeoutMs, `${field}.timeoutMs`);
    for (const key of ['onEvent', 'onTimeout', 'when'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'function') throw new CatgaConfigurationError(`${field}.${key}`, 'expected a function');
    }
    const wait = { kind: 'wait', name, eventType: typeNameOf(options.event), ...options } as unknown as SagaStepDefinition<S>;
    return this.with(wait);
  }

  /** The event published when every step succeeded. */
  onCompleted(event: (state: Readonly<S>) => Event): SagaDefinition<S> {
    if (typeof event !== 'function') throw new CatgaConfigurationError(`${this.name}.onCompleted`, 'expected a function returning an event');
    return new SagaDefinition(this.name, this.options, { ...this.parts(), completedEvent: event });
  }

  /** The event published when the saga failed (after compensating, or when a compensation failed too). */
  onFailed(event: (state: Readonly<S>, failure: SagaFailure) => Event): SagaDefinition<S> {
    if (typeof event !== 'function') throw new CatgaConfigurationError(`${this.name}.onFailed`, 'expected a function returning an event');
    return new SagaDefinition(this.name, this.options, { ...this.parts(), failedEvent: event });
  }

  /** The event classes that start instances or that some step waits for (what the saga host subscribes to). */
  get awaitedEvents(): readonly MessageClass[] {
    const waited = this.steps.flatMap((step) => (step.kind === 'wait' ? [step.event as MessageClass] : []));
    return [...new Set([...this.starters.map((starter) => starter.event), ...waited])];
  }

  private parts(): ConstructorParameters<typeof SagaDefinition<S>>[2] {
    return { steps: this.steps, starters: this.starters, completedEvent: this.completedEvent, failedEvent: this.failedEvent };
  }

  private with(step: SagaStepDefinition<S>): SagaDefinition<S> {
    return new SagaDefinition(this.name, this.options, { ...this.parts(), steps: [...this.steps, step] });
  }

  private checkName(name: string): void {
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new CatgaConfigurationError(`${this.name}.steps`, `a step name is letters, digits, "_", "." or "-" (max 128), got ${JSON.stringify(name)}`);
    }
    if (this.steps.some((step) => step.name === name)) throw new CatgaConfigurationError(`${this.name}.${name}`, 'a step with this name already exists');
  }
}

/**
 * Starts defining a saga whose state has type `S` (plain data: it is stored after every step).
 *
 * @example
 * const TransferSaga = saga<Transfer>('TransferSaga')
 *   .step('debit', {
 *     run: async (s, ctx) => void unwrap(await ctx.send(new Debit(s.from, s.amount, `${ctx.idempotencyKey}`))),
 *     compensate: async (s, ctx) => void unwrap(await ctx.send(new Credit(s.from, s.amount, `${ctx.idempotencyKey}`))),
 *   })
 *   .step('credit', { run: async (s, ctx) => void unwrap(await ctx.send(new Credit(s.to, s.amount, ctx.idempotencyKey))) })
 *   .onCompleted((s) => new TransferCompleted(s.transferId))
 *   .onFailed((s, failure) => new TransferFailed(s.transferId, failure.message));
 */
export function saga<S extends object>(name: string, options: SagaOptions = {}): SagaDefinition<S> {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new CatgaConfigurationError('saga.name', `a saga name is letters, digits, "_", "." or "-" (max 128), got ${JSON.stringify(name)}`);
  }
  checkPolicies(name, options);
  return new SagaDefinition<S>(name, { ...options });
}

function checkMs(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_MS) {
    throw new CatgaConfigurationError(field, `expected a whole number of ms from 1 to ${MAX_MS}, got ${String(value)}`);
  }
}

function checkPolicies(field: string, options: { readonly timeoutMs?: number; readonly stepTimeoutMs?: number; readonly retry?: SagaRetryOptions }): void {
  if (options.timeoutMs !== undefined) checkMs(options.timeoutMs, `${field}.timeoutMs`);
  if (options.stepTimeoutMs !== undefined) checkMs(options.stepTimeoutMs, `${field}.stepTimeoutMs`);
  const retry = options.retry;
  if (retry === undefined) return;
  if (typeof retry !== 'object' || retry === null || !Number.isInteger(retry.attempts) || retry.attempts < 1 || retry.attempts > 100) {
    throw new CatgaConfigurationError(`${field}.retry.attempts`, `expected a whole number from 1 to 100, got ${String((retry as { attempts?: unknown })?.attempts)}`);
  }
  if (retry.delayMs !== undefined) checkMs(retry.delayMs, `${field}.retry.delayMs`);
  if (retry.maxDelayMs !== undefined) checkMs(retry.maxDelayMs, `${field}.retry.maxDelayMs`);
}
