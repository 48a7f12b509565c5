import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { CatgaLogger } from '../behaviors/logger.js';
import { rehydrate } from '../codec/rehydrate.js';
import { CatgaError, isCatgaError } from '../core/catga-error.js';
import { CatgaConfigurationError } from '../core/configuration-error.js';
import type { MessageBus } from '../core/dispatch-context.js';
import { ErrorCode, isExpectedFailure } from '../core/error-codes.js';
import { newMessageId } from '../core/message-id.js';
import type { Event, MessageClass } from '../core/messages.js';
import { integerIn } from '../core/option-checks.js';
import { type CatgaResult, fail, ok } from '../core/result.js';
import { FINAL_SAGA_STATUSES, type SagaRecord, type SagaStatus, type SagaStore } from '../persistence/saga-store.js';
import { runWithPolicies } from './run-with-policies.js';
import type { AnySagaDefinition, SagaDefinition, SagaFailure, SagaPatch, SagaStarter, SagaStepContext, SagaStepDefinition } from './saga-definition.js';
import { type BufferedSagaEvent, isSagaProgress, MAX_BUFFERED_EVENTS, MAX_CONSUMED_IDS, type SagaProgress } from './saga-progress.js';

/** Options of {@link SagaHost} (`createCatga().withSagas(definitions, options)`). */
export interface SagaHostOptions {
  /** Where instances live: a `RedisSagaStore` for sagas that survive a process (default: the builder's persistence, else memory). */
  readonly store?: SagaStore;
  /** This host's name in the store (default: the instance name and a random suffix). Unique per process. */
  readonly owner?: string;
  /** How often the host renews the heartbeat of the instances it runs, in ms (default 2,000). */
  readonly heartbeatMs?: number;
  /** After how long without a heartbeat another host takes an instance over, in ms (default 3 × `heartbeatMs`). */
  readonly staleAfterMs?: number;
  /** How often the host looks for abandoned instances to take over, in ms (default `heartbeatMs`). */
  readonly recoverEveryMs?: number;
  /** How many abandoned instances one look takes over at most (default 20). */
  readonly claimBatch?: number;
  readonly logger?: CatgaLogger;
}

/** Where a saga instance stands, as {@link SagaHost.get} and {@link SagaHost.start} report it. */
export interface SagaSnapshot<S> {
  /** The saga's type name. */
  readonly saga: string;
  /** The instance id (its correlation key). */
  readonly id: string;
  readonly status: SagaStatus;
  readonly state: S;
  /** The steps that completed, in order (skipped branches excluded). */
  readonly completedSteps: readonly string[];
  /** Set while the instance waits for an event. */
  readonly waitingFor?: { readonly step: string; readonly event: string; readonly deadlineAt: number };
  readonly failure?: SagaFailure;
  /** The correlation id of every message the instance sent. */
  readonly correlationId: string;
  readonly version: number;
  /** The host running it. */
  readonly owner: string;
}

/** What {@link SagaHost.start} resolves: where the instance stands when it stopped running here. */
export interface SagaStarted<S> extends SagaSnapshot<S> {
  /** `false` when an instance with this id already existed: nothing was started, the snapshot is the existing one. */
  readonly started: boolean;
}

/** Options of {@link SagaHost.start}. */
export interface SagaStartOptions {
  /** The correlation id of everything the instance sends (default: a new id). */
  readonly correlationId?: string;
}

type AnyDefinition = SagaDefinition<object>;
type AnyStep = SagaStepDefinition<object>;
type Progress = SagaProgress<object>;
type Instance = SagaRecord<Progress>;

/** The instance was taken over by another host (or finished elsewhere): stop running it here. */
class OwnershipLost extends Error {}

const ID = /^[^\s{}]{1,200}$/;
const PERSIST_ATTEMPTS = 4;

/**
 * Runs saga instances: starts them, runs each step and stores the progress after it (compare-and-set on the
 * instance's version, so two hosts can never both advance one instance), compensates in reverse on failure, routes
 * awaited events to their instance by correlation key, renews heartbeats of what it runs, and takes over instances
 * whose host stopped beating (a crash): those continue from the last stored step.
 *
 * Steps are at-least-once: a step interrupted by a crash before its progress was stored runs again on the host that
 * takes over; `context.idempotencyKey` is the same both times, so make what the step sends idempotent on it.
 *
 * One host per Catga instance: `createCatga().withSagas([...])` makes it, `catga.sagas` is it.
 */
export class SagaHost {
  readonly owner: string;
  private readonly store: SagaStore;
  private readonly definitions = new Map<string, AnyDefinition>();
  private readonly startersByEvent = new Map<string, { definition: AnyDefinition; starter: SagaStarter<object> }[]>();
  private readonly waitsByEvent = new Map<string, { definition: AnyDefinition; step: AnyStep & { kind: 'wait' } }[]>();
  private readonly heartbeatMs: number;
  private readonly staleAfterMs: number;
  private readonly recoverEveryMs: number;
  private readonly claimBatch: number;
  private readonly logger: CatgaLogger | undefined;
  private readonly stopping = new AbortController();
  /** Instances this host runs right now. */
  private readonly running = new Map<string, Promise<Instance | undefined>>();
  /** Instances this host owns that wait for an event, with the timer of their deadline. */
  private readonly parked = new Map<string, NodeJS.Timeout>();
  private readonly settledListeners = new Map<string, Set<() => void>>();
  /** Instances changed for this host while it was running them: looked at again when that run ends. */
  private readonly lookAgain = new Set<string>();
  private bus: MessageBus | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private recoverTimer: NodeJS.Timeout | undefined;
  private recovering: Promise<void> | undefined;

  /** @internal Made by `createCatga().withSagas(...)`. */
  constructor(definitions: readonly AnySagaDefinition[], store: SagaStore, options: Omit<SagaHostOptions, 'store'> & { readonly instanceName: string }) {
    this.store = store;
    this.owner = options.owner ?? `${options.instanceName}-${randomUUID().slice(0, 8)}`;
    this.heartbeatMs = options.heartbeatMs ?? 2_000;
    this.staleAfterMs = options.staleAfterMs ?? 3 * this.heartbeatMs;
    this.recoverEveryMs = options.recoverEveryMs ?? this.heartbeatMs;
    this.claimBatch = options.claimBatch ?? 20;
    this.logger = options.logger;
    // Every running step listens to this one signal: many instances at once are normal, not a leak.
    setMaxListeners(0, this.stopping.signal);
    integerIn(1, 2_147_483_647)(this.heartbeatMs, 'withSagas.heartbeatMs');
    integerIn(this.heartbeatMs + 1, 2_147_483_647)(this.staleAfterMs, 'withSagas.staleAfterMs (more than heartbeatMs)');
    integerIn(1, 2_147_483_647)(this.recoverEveryMs, 'withSagas.recoverEveryMs');
    integerIn(1, 1_000)(this.claimBatch, 'withSagas.claimBatch');
    for (const definition of definitions as unknown as readonly AnyDefinition[]) {
      if (this.definitions.has(definition.name)) throw new CatgaConfigurationError(`withSagas.${definition.name}`, 'two sagas have this name');
      this.definitions.set(definition.name, definition);
      for (const starter of definition.starters) {
        const list = this.startersByEvent.get(starter.eventType) ?? [];
        list.push({ definition, starter });
        this.startersByEvent.set(starter.eventType, list);
      }
      for (const step of definition.steps) {
        if (step.kind !== 'wait') continue;
        const list = this.waitsByEvent.get(step.eventType) ?? [];
        list.push({ definition, step });
        this.waitsByEvent.set(step.eventType, list);
      }
    }
  }

  /** The event classes some saga waits for: the builder registers a handler for each that calls {@link SagaHost.deliver}. */
  get awaitedEvents(): readonly MessageClass[] {
    return [...new Set([...this.definitions.values()].flatMap((definition) => definition.awaitedEvents))];
  }

  /** @internal Connects the host to its Catga instance and starts heartbeats and recovery. */
  attach(bus: MessageBus): void {
    this.bus = bus;
  }

  /** @internal Starts heartbeats and the look for abandoned instances (once the transport is connected). */
  begin(): void {
    if (this.stopping.signal.aborted || this.heartbeatTimer !== undefined) return;
    this.heartbeatTimer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.heartbeatTimer.unref();
    this.recoverTimer = setInterval(() => void this.recover(), this.recoverEveryMs);
    this.recoverTimer.unref();
    void this.recover();
  }

  /**
   * Starts an instance of `definition` with id `id` (its correlation key, e.g. the order id) and runs it until it
   * finishes, waits for an event, or stops running here. Starting an id that exists starts nothing and reports the
   * existing instance (`started: false`), so a redelivered "start" command is harmless.
   *
   * Fails with `VALIDATION_FAILED` for a bad id or an unknown saga, `PERSISTENCE_FAILED` when the store fails.
   */
  async start<S extends object>(definition: SagaDefinition<S>, id: string, state: S, options: SagaStartOptions = {}): Promise<CatgaResult<SagaStarted<S>>> {
    const known = this.known(definition, id);
    if (known !== undefined) return known;
    if (this.stopping.signal.aborted) return fail(ErrorCode.TRANSPORT_FAILED, `The saga host "${this.owner}" is closed; ${definition.name} ${id} was not started`);
    if (state === null || typeof state !== 'object' || Array.isArray(state)) {
      return fail(ErrorCode.VALIDATION_FAILED, `${definition.name} ${id}: the state must be a plain object`, { details: { saga: definition.name, id } });
    }
    const progress: Progress = { data: state, correlationId: options.correlationId ?? newMessageId(), next: 0, compensable: [], completed: [], buffered: [], consumed: [] };
    let created: Instance | undefined;
    try {
      created = await this.store.create<Progress>({ id: recordId(definition.name, id), type: definition.name, owner: this.owner, state: progress });
      if (created === undefined) {
        const existing = await this.store.get<Progress>(recordId(definition.name, id));
        if (existing === undefined) return fail(ErrorCode.CONFLICT, `${definition.name} ${id} existed a moment ago and is gone now`, { retryable: true });
        return ok({ ...snapshotOf<S>(definition.name, id, existing), started: false });
      }
    } catch (thrown) {
      return storeFailure(`start ${definition.name} ${id}`, thrown);
    }
    const last = (await this.launch(definition as unknown as AnyDefinition, created)) ?? (await this.store.get<Progress>(created.id).catch(() => undefined)) ?? created;
    return ok({ ...snapshotOf<S>(definition.name, id, last), started: true });
  }

  /** The stored state of an instance: `NOT_FOUND` when there is none. */
  async get<S extends object>(definition: SagaDefinition<S>, id: string): Promise<CatgaResult<SagaSnapshot<S>>> {
    const known = this.known(definition, id);
    if (known !== undefined) return known;
    try {
      const record = await this.store.get<Progress>(recordId(definition.name, id));
      if (record === undefined) return fail(ErrorCode.NOT_FOUND, `There is no ${definition.name} instance "${id}"`, { details: { saga: definition.name, id } });
      if (!isSagaProgress(record.state)) return fail(ErrorCode.PERSISTENCE_FAILED, `${definition.name} ${id}: the stored instance is not saga progress`, { retryable: false });
      return ok(snapshotOf<S>(definition.name, id, record));
    } catch (thrown) {
      return storeFailure(`read ${definition.name} ${id}`, thrown);
    }
  }

  /**
   * Waits until an instance ends (`completed`, `compensated` or `failed`) wherever it runs, and resolves its final
   * snapshot; `TIMEOUT` after `timeoutMs` (default 30,000).
   */
  async whenSettled<S extends object>(definition: SagaDefinition<S>, id: string, options: { readonly timeoutMs?: number; readonly pollMs?: number } = {}): Promise<CatgaResult<SagaSnapshot<S>>> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    const key = recordId(definition.name, id);
    for (;;) {
      const current = await this.get(definition, id);
      if (!current.ok && current.error.code !== ErrorCode.PERSISTENCE_FAILED) return current;
      if (current.ok && FINAL_SAGA_STATUSES.has(current.value.status)) return current;
      const left = deadline - Date.now();
      if (left <= 0) {
        return fail(ErrorCode.TIMEOUT, `${definition.name} ${id} did not end within ${options.timeoutMs ?? 30_000} ms`, {
          details: { saga: definition.name, id, status: current.ok ? current.value.status : undefined },
        });
      }
      // Woken at once by an instance that ends here; polled for one that ends on another host.
      await new Promise<void>((resolve) => {
        const listeners = this.settledListeners.get(key) ?? new Set();
        this.settledListeners.set(key, listeners);
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(done);
          if (listeners.size === 0) this.settledListeners.delete(key);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, options.pollMs ?? 100));
        listeners.add(done);
      });
    }
  }

  /**
   * Routes an event to the instances waiting for it (by each waiting step's `correlate`): the instance that waits
   * for it now continues here; one that has not reached the wait yet keeps the event until it does. An event that
   * belongs to no instance is ignored. Called by the event handler the builder registers; resolves once the event
   * is stored with its instance (so the transport may acknowledge it).
   */
  async deliver(event: Event): Promise<void> {
    for (const { definition, starter } of this.startersByEvent.get(event.messageType) ?? []) {
      const id = starter.id(event);
      if (id === undefined) continue;
      const started = await this.start(definition, id, starter.state(event), { correlationId: event.correlationId });
      // Thrown so that the transport redelivers the event (or dead-letters it); a duplicate start is no failure.
      if (!started.ok) throw started.error;
    }
    for (const { definition, step } of this.waitsByEvent.get(event.messageType) ?? []) {
      const key = step.correlate(event);
      if (typeof key !== 'string' || !ID.test(key)) continue;
      await this.route(definition, key, event);
    }
  }

  /** Stops running instances here (they stay in the store and are taken over after `staleAfterMs`) and the timers. */
  async close(): Promise<void> {
    this.stopping.abort('the saga host is closing');
    clearInterval(this.heartbeatTimer);
    clearInterval(this.recoverTimer);
    for (const timer of this.parked.values()) clearTimeout(timer);
    this.parked.clear();
    await Promise.all([...this.running.values(), this.recovering]);
  }

  private known<S extends object>(definition: SagaDefinition<S>, id: string): CatgaResult<never> | undefined {
    if (this.definitions.get(definition?.name) !== (definition as unknown as AnyDefinition)) {
      return fail(ErrorCode.VALIDATION_FAILED, `The saga ${String(definition?.name)} is not registered with this Catga instance (withSagas)`, { details: { saga: definition?.name } });
    }
    if (typeof id !== 'string' || !ID.test(id)) {
      return fail(ErrorCode.VALIDATION_FAILED, `${definition.name}: a saga id is 1-200 characters without spaces or braces, got ${JSON.stringify(id)}`, { details: { saga: definition.name } });
    }
    return undefined;
  }

  /**
   * Runs an instance here unless it already runs here; resolves where it stood when it stopped running here. When it
   * already runs (e.g. an event was consumed for it while it was about to park), it is looked at again once that run
   * ends, so it does not sit parked until its deadline.
   */
  private launch(definition: AnyDefinition, instance: Instance): Promise<Instance | undefined> {
    const existing = this.running.get(instance.id);
    if (existing !== undefined) {
      this.lookAgain.add(instance.id);
      return existing;
    }
    clearTimeout(this.parked.get(instance.id));
    this.parked.delete(instance.id);
    const run = this.drive(definition, instance).finally(() => {
      this.running.delete(instance.id);
      if (this.lookAgain.delete(instance.id)) void this.resumeParked(definition, instance.id, 0);
      for (const listener of [...(this.settledListeners.get(instance.id) ?? [])]) listener();
    });
    this.running.set(instance.id, run);
    return run;
  }

  private async drive(definition: AnyDefinition, start: Instance): Promise<Instance | undefined> {
    let current = start;
    const id = idOf(definition.name, current.id);
    try {
      while (!this.stopping.signal.aborted) {
        const progress = current.state;
        if (current.status === 'running') {
          const step = definition.steps[progress.next];
          if (step === undefined) return await this.finish(definition, current, 'completed');
          const skip = step.when === undefined ? false : guard(() => !step.when!(progress.data));
          if (typeof skip !== 'boolean') {
            current = await this.persist(current, 'compensating', (p) => ({ ...p, failure: failureOf(step.name, skip) }));
            continue;
          }
          if (skip) {
            current = await this.persist(current, 'running', (p) => ({ ...p, next: p.next + 1 }));
            continue;
          }
          if (step.kind === 'wait') {
            const waited = await this.atWait(definition, current, step);
            current = waited.instance;
            if (waited.parked) return current;
            continue;
          }
          const outcome = await runWithPolicies(
            `${definition.name} ${id}: step "${step.name}"`,
            (attempt, signal) => step.run(progress.data, this.context(definition, current, step.name, step.name, attempt, signal)),
            policiesOf(definition, step),
            this.stopping.signal,
          );
          if (this.stopping.signal.aborted) return current;
          if (outcome.ok) {
            const patch = outcome.value;
            current = await this.persist(current, 'running', (p) => ({
              ...p,
              data: merged(p.data, patch),
              next: p.next + 1,
              completed: [...p.completed, step.name],
              compensable: step.compensate === undefined ? p.compensable : [...p.compensable, step.name],
            }));
          } else {
            // A business outcome (declined, not found) is part of the saga's design; anything else is worth a warning.
            const level = isExpectedFailure(outcome.error.code) ? 'info' : 'warn';
            this.logger?.[level]({ saga: definition.name, id, step: step.name, err: outcome.error }, `saga: ${definition.name} ${id} step "${step.name}" failed; compensating`);
            current = await this.persist(current, 'compensating', (p) => ({ ...p, failure: failureOf(step.name, outcome.error) }));
          }
        } else if (current.status === 'compensating') {
          const name = progress.compensable.at(-1);
          if (name === undefined) return await this.finish(definition, current, 'compensated');
          const step = definition.steps.find((candidate) => candidate.name === name);
          const compensate = step?.kind === 'step' ? step.compensate : undefined;
          const outcome =
            compensate === undefined
              ? { ok: false as const, error: new CatgaError(ErrorCode.INTERNAL_ERROR, `${definition.name} has no compensation for step "${name}" any more (changed definition?)`) }
              : await runWithPolicies(
                  `${definition.name} ${id}: compensation of "${name}"`,
                  (attempt, signal) => compensate(progress.data, this.context(definition, current, name, `${name}:compensate`, attempt, signal)),
                  policiesOf(definition, step),
                  this.stopping.signal,
                );
          if (this.stopping.signal.aborted) return current;
          if (outcome.ok) {
            current = await this.persist(current, 'compensating', (p) => ({ ...p, compensable: p.compensable.slice(0, -1) }));
          } else {
            this.logger?.error({ saga: definition.name, id, step: name, err: outcome.error }, `saga: ${definition.name} ${id}: compensation of "${name}" failed; the instance ends failed`);
            const failure = progress.failure ?? failureOf(name, outcome.error);
            return await this.finish(definition, current, 'failed', { ...failure, compensation: { step: name, code: outcome.error.code, message: outcome.error.message } });
          }
        } else {
          return current;
        }
      }
      return current;
    } catch (thrown) {
      if (thrown instanceof OwnershipLost) {
        this.logger?.info({ saga: definition.name, id, owner: this.owner }, `saga: ${definition.name} ${id} is run by another host now; stopped here`);
      } else {
        this.logger?.error({ saga: definition.name, id, err: thrown }, `saga: ${definition.name} ${id} stopped here: the saga store failed; another host (or this one) takes it over after ${this.staleAfterMs} ms`);
      }
      return undefined;
    }
  }

  /** At a wait step: consumes an early event, times out, or parks the instance until the event or the deadline. */
  private async atWait(definition: AnyDefinition, current: Instance, step: AnyStep & { kind: 'wait' }): Promise<{ instance: Instance; parked: boolean }> {
    if (current.state.waiting?.step !== step.name) {
      const deadlineAt = Date.now() + step.timeoutMs;
      current = await this.persist(current, 'running', (p) => ({ ...p, waiting: { step: step.name, eventType: step.eventType, deadlineAt } }));
    }
    const progress = current.state;
    let status: SagaStatus = 'running';
    let change: ((p: Progress) => Progress) | undefined;
    const early = progress.buffered.find((event) => event.eventType === step.eventType);
    if (early !== undefined) {
      const event = rehydrate(step.event as MessageClass<Event>, { ...early.fields });
      const patch = guard(() => step.onEvent?.(progress.data, event));
      if (patch instanceof Failed) {
        status = 'compensating';
        change = (p) => ({ ...p, waiting: undefined, failure: failureOf(step.name, patch) });
      } else {
        change = (p) => consume(p, step.name, early.messageId, patch);
      }
    } else if (Date.now() >= progress.waiting!.deadlineAt) {
      const patch = step.onTimeout === undefined ? undefined : guard(() => step.onTimeout!(progress.data));
      if (step.onTimeout !== undefined && !(patch instanceof Failed)) {
        change = (p) => ({ ...p, waiting: undefined, data: merged(p.data, patch), next: p.next + 1, completed: [...p.completed, step.name] });
      } else {
        const error =
          patch instanceof Failed
            ? patch
            : new CatgaError(ErrorCode.TIMEOUT, `${definition.name} ${idOf(definition.name, current.id)}: no ${step.eventType} within ${step.timeoutMs} ms (step "${step.name}")`, {
                details: { timeoutMs: step.timeoutMs, event: step.eventType },
              });
        status = 'compensating';
        change = (p) => ({ ...p, waiting: undefined, failure: failureOf(step.name, error) });
      }
    }
    if (change !== undefined) return { instance: await this.persist(current, status, change), parked: false };
    const parkedVersion = current.version;
    const key = current.id;
    const timer = setTimeout(() => {
      this.parked.delete(key);
      void this.resumeParked(definition, key, parkedVersion);
    }, progress.waiting!.deadlineAt - Date.now() + 1);
    timer.unref();
    this.parked.set(key, timer);
    return { instance: current, parked: true };
  }

  /** A parked instance's deadline passed (or it changed while running here): continue it here if it is still ours. */
  private async resumeParked(definition: AnyDefinition, key: string, version: number): Promise<void> {
    try {
      const record = await this.store.get<Progress>(key);
      if (record === undefined || record.owner !== this.owner || FINAL_SAGA_STATUSES.has(record.status) || !isSagaProgress(record.state)) return;
      if (record.version < version) return;
      await this.launch(definition, record as Instance);
    } catch (thrown) {
      // The deadline is stored: the recovery of whoever holds the instance next times it out.
      this.logger?.warn({ saga: definition.name, key, err: thrown }, 'saga: could not read a waiting instance at its deadline');
    }
  }

  private async route(definition: AnyDefinition, key: string, event: Event): Promise<void> {
    const storeKey = recordId(definition.name, key);
    for (let attempt = 0; attempt < 20; attempt++) {
      const record = await this.store.get<Progress>(storeKey);
      if (record === undefined || FINAL_SAGA_STATUSES.has(record.status) || !isSagaProgress(record.state)) {
        this.logger?.debug({ saga: definition.name, id: key, event: event.messageType }, 'saga: event for no running instance; ignored');
        return;
      }
      const progress = record.state;
      if (progress.consumed.includes(event.messageId) || progress.buffered.some((early) => early.messageId === event.messageId)) return; // redelivery
      if (record.status !== 'running') {
        this.logger?.info({ saga: definition.name, id: key, event: event.messageType }, `saga: ${event.messageType} reached ${definition.name} ${key} while it compensates; ignored`);
        return;
      }
      const step = definition.steps[progress.next];
      if (step?.kind === 'wait' && step.eventType === event.messageType && progress.waiting?.step === step.name) {
        const patch = guard(() => step.onEvent?.(progress.data, event));
        const state: Progress = patch instanceof Failed ? { ...progress, waiting: undefined, failure: failureOf(step.name, patch) } : consume(progress, step.name, event.messageId, patch);
        const taken = await this.store.update<Progress>(storeKey, record.version, { owner: this.owner, status: patch instanceof Failed ? 'compensating' : 'running', state });
        if (taken === undefined) continue; // changed meanwhile: look again
        void this.launch(definition, taken);
        return;
      }
      if (progress.buffered.length >= MAX_BUFFERED_EVENTS) {
        this.logger?.error({ saga: definition.name, id: key, event: event.messageType, messageId: event.messageId }, `saga: ${definition.name} ${key} already holds ${MAX_BUFFERED_EVENTS} early events; ${event.messageType} was not kept`);
        throw new CatgaError(ErrorCode.CONFLICT, `${definition.name} ${key} holds too many events it does not wait for yet`, { retryable: false });
      }
      const early: BufferedSagaEvent = { eventType: event.messageType, messageId: event.messageId, fields: { ...event } };
      const kept = await this.store.update<Progress>(storeKey, record.version, { state: { ...progress, buffered: [...progress.buffered, early] } });
      if (kept !== undefined) {
        // The owner may have reached the wait meanwhile and parked: if that is here, look again now.
        if (this.parked.has(storeKey)) void this.resumeParked(definition, storeKey, kept.version);
        return;
      }
    }
    throw new CatgaError(ErrorCode.CONFLICT, `${definition.name} ${key} changed on every try to hand it ${event.messageType}`, { retryable: true });
  }

  /**
   * Stores the instance's next progress as a compare-and-set on its version. When the version moved only because
   * an early event was kept with it (same owner, same place), the change is applied again on the fresh record; any
   * other change means another host runs it now.
   */
  private async persist(current: Instance, status: SagaStatus, change: (progress: Progress) => Progress): Promise<Instance> {
    let base = current;
    for (let attempt = 1; ; attempt++) {
      let updated: Instance | undefined;
      try {
        updated = await this.store.update<Progress>(base.id, base.version, { status, state: change(base.state) });
      } catch (thrown) {
        if (attempt >= PERSIST_ATTEMPTS || this.stopping.signal.aborted) throw thrown;
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        continue;
      }
      if (updated !== undefined) return updated;
      const fresh = await this.store.get<Progress>(base.id);
      if (
        fresh === undefined ||
        fresh.owner !== this.owner ||
        fresh.status !== base.status ||
        !isSagaProgress(fresh.state) ||
        fresh.state.next !== base.state.next ||
        fresh.state.compensable.length !== base.state.compensable.length ||
        fresh.state.waiting?.step !== base.state.waiting?.step
      ) {
        throw new OwnershipLost();
      }
      base = fresh;
    }
  }

  /** Ends an instance: publishes its completion or failure event (at least once), then stores the final status. */
  private async finish(definition: AnyDefinition, current: Instance, status: 'completed' | 'compensated' | 'failed', failure?: SagaFailure): Promise<Instance> {
    const progress = current.state;
    const finalFailure = failure ?? progress.failure;
    const make = status === 'completed' ? () => definition.completedEvent?.(progress.data) : () => definition.failedEvent?.(progress.data, finalFailure!);
    const event = guard(make);
    const id = idOf(definition.name, current.id);
    if (event instanceof Failed) {
      this.logger?.error({ saga: definition.name, id, err: event.error }, `saga: ${definition.name} ${id}: making its ${status} event threw; none was published`);
    } else if (event !== undefined) {
      const published = await this.bus!.publish(event, { correlationId: progress.correlationId });
      if (!published.ok) this.logger?.error({ saga: definition.name, id, event: event.messageType, err: published.error }, `saga: ${definition.name} ${id}: its ${status} event ${event.messageType} was not published`);
    }
    return this.persist(current, status, (p) => ({ ...p, waiting: undefined, buffered: [], ...(finalFailure === undefined ? {} : { failure: finalFailure }) }));
  }

  private context(definition: AnyDefinition, current: Instance, step: string, key: string, attempt: number, signal: AbortSignal): SagaStepContext {
    const bus = this.bus!;
    const correlationId = current.state.correlationId;
    const sagaId = idOf(definition.name, current.id);
    return {
      sagaId,
      step,
      attempt,
      signal,
      idempotencyKey: `${definition.name}:${sagaId}:${key}`,
      send: (message) => bus.send(message, { correlationId, signal }),
      publish: (event) => bus.publish(event, { correlationId, signal }),
      fail: (message, options = {}) => {
        throw new CatgaError(options.code ?? ErrorCode.CONFLICT, message, { retryable: false, details: options.details ?? {} });
      },
    };
  }

  private async beat(): Promise<void> {
    for (const key of new Set([...this.running.keys(), ...this.parked.keys()])) {
      try {
        if (!(await this.store.heartbeat(key, this.owner))) {
          // Taken over (or ended elsewhere): forget it; a running drive stops at its next store write.
          clearTimeout(this.parked.get(key));
          this.parked.delete(key);
        }
      } catch (thrown) {
        this.logger?.warn({ key, err: thrown }, 'saga: heartbeat failed; the instance may be taken over if this lasts');
      }
    }
  }

  private recover(): Promise<void> {
    if (this.recovering !== undefined || this.stopping.signal.aborted) return this.recovering ?? Promise.resolve();
    this.recovering = (async () => {
      try {
        const claimed = await this.store.claimStale(this.owner, this.staleAfterMs, this.claimBatch, [...this.definitions.keys()]);
        for (const record of claimed) {
          const definition = this.definitions.get(record.type);
          if (definition === undefined || !isSagaProgress(record.state)) {
            this.logger?.error({ key: record.id, type: record.type }, 'saga: took over an instance this host cannot run');
            continue;
          }
          this.logger?.info({ saga: record.type, key: record.id }, `saga: took over ${record.id}, abandoned by its host`);
          void this.launch(definition, record as Instance);
        }
      } catch (thrown) {
        this.logger?.warn({ err: thrown }, 'saga: looking for abandoned instances failed');
      } finally {
        this.recovering = undefined;
      }
    })();
    return this.recovering;
  }
}

/** Why a callback failed, kept apart from what it returned. */
class Failed {
  constructor(readonly error: unknown) {}
}

function guard<T>(call: () => T): T | Failed {
  try {
    return call();
  } catch (thrown) {
    return new Failed(thrown);
  }
}

function failureOf(step: string, thrown: unknown): SagaFailure {
  const error = thrown instanceof Failed ? thrown.error : thrown;
  if (isCatgaError(error)) return { step, code: error.code, message: error.message, details: { ...error.details } };
  return { step, code: ErrorCode.HANDLER_FAILED, message: error instanceof Error ? error.message : String(error), details: {} };
}

function merged(data: object, patch: SagaPatch<object> | Failed): object {
  return patch === undefined || patch === null || patch instanceof Failed ? data : { ...data, ...patch };
}

function consume(progress: Progress, step: string, messageId: string, patch: SagaPatch<object>): Progress {
  return {
    ...progress,
    data: merged(progress.data, patch),
    next: progress.next + 1,
    completed: [...progress.completed, step],
    waiting: undefined,
    buffered: progress.buffered.filter((early) => early.messageId !== messageId),
    consumed: [...progress.consumed, messageId].slice(-MAX_CONSUMED_IDS),
  };
}

function policiesOf(definition: AnyDefinition, step: AnyStep | undefined): { timeoutMs?: number; retry?: SagaDefinition<object>['options']['retry'] } {
  const own = step?.kind === 'step' ? step : undefined;
  return { timeoutMs: own?.timeoutMs ?? definition.options.stepTimeoutMs, retry: own?.retry ?? definition.options.retry };
}

function recordId(sagaName: string, id: string): string {
  return `${sagaName}:${id}`;
}

function idOf(sagaName: string, key: string): string {
  return key.slice(sagaName.length + 1);
}

function snapshotOf<S>(sagaName: string, id: string, record: Instance): SagaSnapshot<S> {
  const progress = record.state;
  return {
    saga: sagaName,
    id,
    status: record.status,
    state: progress.data as S,
    completedSteps: progress.completed,
    ...(progress.waiting === undefined ? {} : { waitingFor: { step: progress.waiting.step, event: progress.waiting.eventType, deadlineAt: progress.waiting.deadlineAt } }),
    ...(progress.failure === undefined ? {} : { failure: progress.failure }),
    correlationId: progress.correlationId,
    version: record.version,
    owner: record.owner,
  };
}

function storeFailure(operation: string, thrown: unknown): CatgaResult<never> {
  if (isCatgaError(thrown)) return fail(thrown);
  return fail(ErrorCode.PERSISTENCE_FAILED, `The saga store failed to ${operation}: ${thrown instanceof Error ? thrown.message : String(thrown)}`, { retryable: true, cause: thrown });
}
