import {
  type BehaviorSettings,
  builtInBehaviors,
  type DeadLetterSettings,
  type IdempotencySettings,
  type InboxSettings,
  type LoggingSettings,
  type OutboxSettings,
  type MetricsSettings,
  type TracingSettings,
} from '../behaviors/built-in-behaviors.js';
import { consoleLogger, LOG_LEVELS } from '../behaviors/logger.js';
import { toValidateFn, type Validator } from '../behaviors/validator.js';
import type { Codec } from '../codec/codec.js';
import { jsonCodec } from '../codec/json-codec.js';
import { msgpackCodec } from '../codec/msgpack-codec.js';
import { memoryTransport } from '../transport/memory-transport.js';
import { Catga } from './catga.js';
import { type CatgaOptions, PRESETS, type PresetName, type ResolvedCatgaOptions, resolveOptions, validateOptions } from './config.js';
import { CatgaConfigurationError } from './configuration-error.js';
import type { AnyHandler, HandlerContext } from './handler.js';
import { type HandlerFactory, HandlerRegistry } from './handler-registry.js';
import { LocalDispatcher } from './local-dispatcher.js';
import type { CircuitBreakerOptions, ConcurrencyOptions, RateLimitOptions, RetryOptions } from './message-options.js';
import { POLICY_CHECKS } from './message-options.js';
import type { AnyMessage, MessageClass } from './messages.js';
import { checkOptions, integerIn, oneOf, type OptionCheck } from './option-checks.js';
import { OutboxProcessor } from '../persistence/outbox-processor.js';
import type { PersistenceStores } from '../persistence/persistence-stores.js';
import { MemorySagaStore } from '../persistence/saga-store.js';
import { type AnySagaDefinition, SagaDefinition } from '../saga/saga-definition.js';
import { sagaEventHandlerClass } from '../saga/saga-event-handler.js';
import { SagaHost, type SagaHostOptions } from '../saga/saga-host.js';
import type { OrderedBehavior, PipelineBehavior } from './pipeline.js';
import type { Transport } from './transport.js';
import { checkTransformed } from './transform-check.js';
import type { CatgaRegistry } from './compiled.js';

/** Where a behaviour sits in the pipeline; lower runs first (outermost). Equal orders keep insertion order. */
export interface UseOptions {
  /** Default 1000. */
  readonly order?: number;
}

type HandlerClass<H> = abstract new (...args: never[]) => H;


/** An object with these methods (a logger, a provider, a store). */
function objectWith(methods: readonly string[]): OptionCheck {
  return (value, field) => {
    const target = value as Record<string, unknown> | null;
    if (target === null || typeof target !== 'object' || methods.some((m) => typeof target[m] !== 'function')) {
      throw new CatgaConfigurationError(field, `expected an object with ${methods.map((m) => `${m}()`).join(', ')}`);
    }
  };
}

/** Validates a settings object of a `with…()` call; `false` passes through. */
function checked<T>(settings: T | false, method: string, checks: Readonly<Record<string, OptionCheck>>, required: readonly string[] = []): T | false {
  if (settings === false) return false;
  checkOptions(settings, method, checks);
  for (const key of required) {
    if ((settings as Record<string, unknown>)[key] === undefined) throw new CatgaConfigurationError(`${method}.${key}`, 'is required');
  }
  return settings;
}

/** Validates a behaviour policy passed to a `with…()` call with the same checks the decorators use. */
function policy<T>(options: T | false, method: string, check: OptionCheck): T | false {
  if (options !== false) check(options, method);
  return options;
}

function codecFor(option: ResolvedCatgaOptions['codec']): Codec {
  if (option === 'msgpack') return msgpackCodec();
  if (option === 'json') return jsonCodec();
  return option;
}

/**
 * Fluent configuration of one Catga instance: options and presets, services for handler factories, handlers,
 * behaviours and the transport. `build()` validates everything and fails fast, naming the bad field.
 *
 * @typeParam S the services handler factories receive, accumulated by {@link CatgaBuilder.withServices}
 */
export class CatgaBuilder<S extends object = {}> {
  private readonly layers: CatgaOptions[] = [];
  private services: object = {};
  private readonly registry = new HandlerRegistry();
  private readonly behaviors: OrderedBehavior[] = [];
  private transport: Transport | undefined;
  private built = false;
  private readonly settings: BehaviorSettings = { validators: new Map() };
  private sagas: { readonly definitions: readonly AnySagaDefinition[]; readonly options: SagaHostOptions } | undefined;

  /** @internal Use {@link createCatga}. */
  constructor(options?: CatgaOptions) {
    if (options !== undefined) this.configure(options);
  }

  /** Starts from a preset's defaults. Options set with `configure` win over the preset, whatever the order. */
  preset(name: PresetName): this {
    return this.configure({ preset: name });
  }

  /** Sets options; validated now and again at `build()`. */
  configure(options: CatgaOptions): this {
    validateOptions(options);
    this.layers.push({ ...options });
    return this;
  }

  /** Adds services (repositories, clients, ...) that handler factories receive, typed. */
  withServices<T extends object>(services: T): CatgaBuilder<S & T> {
    if (services === null || typeof services !== 'object') {
      throw new CatgaConfigurationError('services', 'expected an object of services');
    }
    this.services = { ...this.services, ...services };
    return this as unknown as CatgaBuilder<S & T>;
  }

  /**
   * Registers a handler class decorated with `@CatgaHandler(Message)`, as a singleton made once at build time by
   * `factory(services)` (or by `new HandlerClass()` when it takes no arguments). Registering a second handler for
   * a command or query throws, naming both.
   */
  handler<H extends AnyHandler>(handlerClass: HandlerClass<H>, factory?: (services: S) => H): this {
    this.registry.add(handlerClass, factory as HandlerFactory<unknown, AnyHandler> | undefined, 'singleton');
    return this;
  }

  /** Registers a handler made anew for every message, from the services and the message's context. */
  scopedHandler<H extends AnyHandler>(handlerClass: HandlerClass<H>, factory: (services: S, context: HandlerContext) => H): this {
    if (typeof factory !== 'function') {
      throw new CatgaConfigurationError(`handlers.${handlerClass?.name}`, 'a scoped handler needs a factory function');
    }
    this.registry.add(handlerClass, factory as HandlerFactory<unknown, AnyHandler>, 'scoped');
    return this;
  }

  /**
   * Registers every handler of a program's registry (the `catgaRegistry` that `catga generate` writes) as a
   * singleton, and makes every message class of it known. A handler whose constructor takes arguments needs a
   * factory, keyed by its class name; a factory naming no handler of the registry is an error.
   *
   * @example
   * createCatga().withServices({ orders }).handlers(catgaRegistry, { PlaceOrderHandler: (s) => new PlaceOrderHandler(s.orders) })
   */
  handlers(registry: CatgaRegistry, factories: Readonly<Record<string, (services: S) => AnyHandler>> = {}): this {
    if (registry === null || typeof registry !== 'object' || !Array.isArray(registry.messages) || !Array.isArray(registry.handlers)) {
      throw new CatgaConfigurationError('handlers', 'expected a registry { messages, handlers } (the catgaRegistry of catga generate)');
    }
    const names = new Set(registry.handlers.map((handlerClass) => handlerClass.name));
    for (const name of Object.keys(factories)) {
      if (!names.has(name)) throw new CatgaConfigurationError(`handlers.${name}`, `the registry has no handler named ${name}`, [...names]);
    }
    for (const messageClass of registry.messages) this.registry.addMessageType(messageClass);
    for (const handlerClass of registry.handlers) {
      this.registry.add(handlerClass, factories[handlerClass.name] as HandlerFactory<unknown, AnyHandler> | undefined, 'singleton');
    }
    return this;
  }

  /** Makes message classes known without a local handler (so transports can decode them). */
  messages(...messageClasses: MessageClass[]): this {
    for (const messageClass of messageClasses) this.registry.addMessageType(messageClass);
    return this;
  }

  /**
   * Adds a pipeline behaviour around every handler it applies to. A behaviour named like a built-in one
   * (`idempotency`, `retry`, `timeout`, ...) replaces the built-in instead of stacking on it.
   */
  use(behavior: PipelineBehavior, options: UseOptions = {}): this {
    if (
      behavior === null ||
      typeof behavior !== 'object' ||
      typeof behavior.name !== 'string' ||
      (typeof behavior.handle !== 'function' && typeof behavior.forMessage !== 'function')
    ) {
      throw new CatgaConfigurationError('behaviors', 'expected a behaviour object { name, handle(message, context, next) } or { name, forMessage(descriptor) }');
    }
    const order = options.order ?? 1000;
    if (!Number.isFinite(order)) {
      throw new CatgaConfigurationError(`behaviors.${behavior.name}.order`, `expected a finite number, got ${String(order)}`);
    }
    this.behaviors.push({ behavior, order });
    return this;
  }

  /** Replaces the default in-memory transport. */
  withTransport(transport: Transport): this {
    if (transport === null || typeof transport !== 'object' || typeof transport.request !== 'function') {
      throw new CatgaConfigurationError('transport', 'expected a Transport object');
    }
    this.transport = transport;
    return this;
  }

  /** Logs every handled message with structured fields (pino fits as the logger); `false` switches it off. */
  withLogging(settings: LoggingSettings | false = {}): this {
    this.settings.logging = checked(settings, 'withLogging', { logger: objectWith(['debug', 'info', 'warn', 'error']), level: oneOf(LOG_LEVELS) });
    return this;
  }

  /** One OpenTelemetry span per handled message; `false` switches it off. */
  withTracing(settings: TracingSettings | false = {}): this {
    this.settings.tracing = checked(settings, 'withTracing', { tracerProvider: objectWith(['getTracer']) });
    return this;
  }

  /** OpenTelemetry metrics: `catga.requests`, `catga.request.duration`, `catga.requests.active`, `catga.requests.failed`. */
  withMetrics(settings: MetricsSettings | false = {}): this {
    this.settings.metrics = checked(settings, 'withMetrics', { meterProvider: objectWith(['getMeter']) });
    return this;
  }

  /** Retries retryable failures of every message (a message's own `retry` wins; `retry: false` opts out). */
  withRetry(options: RetryOptions | false): this {
    this.settings.retry = policy(options, 'withRetry', POLICY_CHECKS.retry);
    return this;
  }

  /** Per-attempt time limit for every message (a message's own `timeoutMs` wins). */
  withTimeout(options: { readonly timeoutMs: number } | false): this {
    this.settings.timeoutMs = options === false ? false : (checked(options, 'withTimeout', { timeoutMs: POLICY_CHECKS.timeoutMs }, ['timeoutMs']) as { timeoutMs: number }).timeoutMs;
    return this;
  }

  /** A circuit breaker per message type, e.g. `{ failures: 5, resetMs: 60_000 }`. */
  withCircuitBreaker(options: CircuitBreakerOptions | false = {}): this {
    this.settings.circuitBreaker = policy(options, 'withCircuitBreaker', POLICY_CHECKS.circuitBreaker);
    return this;
  }

  /** A token bucket per message type, e.g. `{ rps: 100, burst: 200 }`. */
  withRateLimiting(options: RateLimitOptions | false): this {
    this.settings.rateLimit = policy(options, 'withRateLimiting', POLICY_CHECKS.rateLimit);
    return this;
  }

  /** A concurrency limit (bulkhead) per message type, with a queue. */
  withConcurrencyLimit(options: ConcurrencyOptions | false): this {
    this.settings.concurrency = policy(options, 'withConcurrencyLimit', POLICY_CHECKS.concurrency);
    return this;
  }

  /** The store and TTL for messages declared `idempotent`. */
  withIdempotency(settings: IdempotencySettings): this {
    this.settings.idempotency = checked(settings, 'withIdempotency', { store: objectWith(['get', 'tryClaim', 'complete', 'release']), ttlMs: POLICY_CHECKS.timeoutMs }) as IdempotencySettings;
    return this;
  }

  /** Keeps failures that survive every attempt in a dead-letter store (`catga.deadLetters`); `false` switches it off. */
  withDeadLetter(settings: DeadLetterSettings | false = {}): this {
    this.settings.deadLetter = checked(settings, 'withDeadLetter', { store: objectWith(['add', 'list', 'remove', 'size']) });
    return this;
  }

  /**
   * Runs each incoming command and event handler at most once per message id and answers redeliveries with the
   * stored result (see `inboxBehavior`). The store is `settings.store`, else the one of `useRedis`, else memory.
   */
  withInbox(settings: InboxSettings | false = {}): this {
    this.settings.inbox = checked(settings, 'withInbox', { store: objectWith(['tryLock', 'markProcessed', 'release']), lockTtlMs: POLICY_CHECKS.timeoutMs, ttlMs: POLICY_CHECKS.timeoutMs });
    return this;
  }

  /**
   * Holds the events handlers publish until the handler succeeded, stores them in the outbox and publishes them
   * from there with a background processor that retries until the transport takes them (see `outboxBehavior` and
   * `OutboxProcessor`). The store is `settings.store`, else the one of `useRedis`, else memory (which survives
   * nothing: use Redis for the guarantee).
   */
  withOutbox(settings: OutboxSettings | false = {}): this {
    const count = integerIn(1, 1_000_000);
    this.settings.outbox = checked(settings, 'withOutbox', {
      store: objectWith(['append', 'claim', 'markPublished', 'markFailed', 'cleanup', 'counts']),
      owner: (value, field) => {
        if (typeof value !== 'string' || value === '') throw new CatgaConfigurationError(field, 'expected a non-empty string');
      },
      batchSize: count,
      leaseMs: POLICY_CHECKS.timeoutMs,
      pollMs: POLICY_CHECKS.timeoutMs,
      maxAttempts: count,
      retryDelayMs: POLICY_CHECKS.timeoutMs,
      maxRetryDelayMs: POLICY_CHECKS.timeoutMs,
      retentionMs: POLICY_CHECKS.timeoutMs,
      cleanupEveryMs: POLICY_CHECKS.timeoutMs,
      concurrency: count,
    });
    return this;
  }

  /**
   * Keeps the behaviours' data in these stores: idempotency keys, the inbox, the outbox and dead letters (each
   * unless its own `with…({ store })` names another). Only where they are kept changes: switch the inbox and the
   * outbox on with `withInbox()` / `withOutbox()`.
   */
  usePersistence(stores: PersistenceStores): this {
    for (const store of ['idempotency', 'inbox', 'outbox', 'deadLetters', 'locks', 'sagas'] as const) {
      const value: unknown = (stores as Partial<PersistenceStores> | null | undefined)?.[store];
      if (value === null || typeof value !== 'object') throw new CatgaConfigurationError(`usePersistence.${store}`, 'expected a store object');
    }
    this.settings.persistence = stores;
    return this;
  }

  /**
   * Keeps the behaviours' data in Redis: pass what `redisPersistence(connection)` from `@catga/runtime/redis`
   * returns. The same as {@link CatgaBuilder.usePersistence}, named for the common case.
   *
   * @example
   * const redis = redisPersistence(await connectRedis({ url: 'redis://127.0.0.1:6379', keyPrefix: 'shop' }));
   * const catga = await createCatga().useRedis(redis).withInbox().withOutbox().withTransport(nats).start();
   */
  useRedis(redis: PersistenceStores): this {
    return this.usePersistence(redis);
  }

  /**
   * Runs these sagas on this instance: `catga.sagas.start(definition, id, state)` starts one. Instances are kept in
   * `options.store`, else the store of `useRedis`/`usePersistence`, else memory (which survives nothing: use Redis
   * so another instance takes over after a crash). The events the sagas wait for get a handler each, so they reach
   * their instance over any transport. See docs/sagas.md.
   */
  withSagas(definitions: readonly AnySagaDefinition[], options: SagaHostOptions = {}): this {
    if (!Array.isArray(definitions) || definitions.length === 0 || definitions.some((definition) => !(definition instanceof SagaDefinition))) {
      throw new CatgaConfigurationError('withSagas', 'expected a non-empty array of sagas made with saga(name)');
    }
    if (this.sagas !== undefined) throw new CatgaConfigurationError('withSagas', 'already called: pass every saga in one call');
    checkOptions(options, 'withSagas', {
        store: objectWith(['create', 'get', 'update', 'heartbeat', 'claimStale', 'delete']),
        owner: (value, field) => {
          if (typeof value !== 'string' || !/^[^\s{}]{1,200}$/.test(value)) throw new CatgaConfigurationError(field, 'expected 1-200 characters without spaces or braces');
        },
        heartbeatMs: POLICY_CHECKS.timeoutMs,
        staleAfterMs: POLICY_CHECKS.timeoutMs,
        recoverEveryMs: POLICY_CHECKS.timeoutMs,
        claimBatch: integerIn(1, 1_000),
        logger: objectWith(['debug', 'info', 'warn', 'error']),
    });
    this.sagas = { definitions, options };
    return this;
  }

  /** Adds a validator for one message type (a function, an object with `validate`, or a class with one). */
  validate<M extends AnyMessage>(messageClass: MessageClass<M>, validator: Validator<M>): this {
    if (typeof messageClass !== 'function') throw new CatgaConfigurationError('validate', 'expected a message class');
    let validate;
    try {
      validate = toValidateFn(validator);
    } catch (error) {
      throw new CatgaConfigurationError(`validate.${messageClass.name}`, (error as Error).message);
    }
    const list = this.settings.validators.get(messageClass) ?? [];
    list.push(validate);
    this.settings.validators.set(messageClass, list);
    return this;
  }

  /**
   * Validates the configuration and creates the instance. Throws {@link CatgaConfigurationError} on any mistake.
   * Use {@link CatgaBuilder.start} instead for a transport that connects asynchronously.
   */
  build(): Catga {
    const { catga, connecting } = this.assemble();
    if (connecting instanceof Promise) {
      connecting.catch(() => undefined); // reported by start(); here we refuse before anyone can await it
      throw new CatgaConfigurationError('transport', 'this transport connects asynchronously; use `await builder.start()`');
    }
    return catga;
  }

  /** Like {@link CatgaBuilder.build}, but waits for the transport to connect. */
  async start(): Promise<Catga> {
    const { catga, connecting } = this.assemble();
    await connecting;
    return catga;
  }

  private assemble(): { catga: Catga; connecting: void | Promise<void> } {
    if (this.built) throw new CatgaConfigurationError('builder', 'build() was already called on this builder');
    this.built = true;
    const options = resolveOptions(this.layers);
    const sagaHost = this.sagaHost(options.name);
    checkTransformed(options.name, this.registry, options.untransformed, () => (this.settings.logging || undefined)?.logger ?? consoleLogger());
    const transport =
      this.transport ??
      memoryTransport({
        codec: options.roundTripMessages ? codecFor(options.codec) : false,
        maxPayloadBytes: options.maxPayloadBytes,
        asyncDispatch: options.asyncDispatch,
      });
    const builtIn = builtInBehaviors(this.settings, PRESETS[options.preset].behaviors, new Set(this.behaviors.map((b) => b.behavior.name)));
    const wiring = builtIn.outbox;
    let outbox: OutboxProcessor | undefined;
    if (wiring !== undefined) {
      const known = this.registry.messageTypes;
      outbox = new OutboxProcessor({
        ...wiring.settings,
        store: wiring.store,
        publish: (event, signal) => transport.publish(event, signal),
        messageTypes: { get: (typeName) => wiring.publishedTypes.get(typeName) ?? known.get(typeName) },
        deadLetters: builtIn.deadLetters,
        logger: (this.settings.logging || undefined)?.logger ?? consoleLogger(),
      });
      wiring.wake = () => outbox?.wake();
    }
    const catga = new Catga(options, transport, builtIn.deadLetters, outbox, sagaHost);
    sagaHost?.attach(catga);
    const behaviors = [...builtIn.behaviors, ...this.behaviors];
    const dispatcher = new LocalDispatcher(options.name, this.registry, this.services, behaviors, catga);
    const connecting = transport.connect(dispatcher);
    // The outbox publishes and the saga host takes over abandoned instances once the transport can carry messages.
    const begin = (): void => {
      outbox?.start();
      sagaHost?.begin();
    };
    if (connecting === undefined) {
      begin();
      return { catga, connecting };
    }
    return { catga, connecting: connecting.then(begin) };
  }

  /** Makes the saga host of `withSagas` and registers a handler for every event its sagas wait for. */
  private sagaHost(instanceName: string): SagaHost | undefined {
    if (this.sagas === undefined) return undefined;
    const { definitions, options } = this.sagas;
    const store = options.store ?? this.settings.persistence?.sagas ?? new MemorySagaStore();
    const host = new SagaHost(definitions, store, {
      ...options,
      instanceName,
      logger: options.logger ?? (this.settings.logging || undefined)?.logger ?? consoleLogger({ level: 'warn' }),
    });
    for (const eventClass of host.awaitedEvents) {
      const handlerClass = sagaEventHandlerClass(eventClass, host);
      this.registry.add(handlerClass, () => new handlerClass(), 'singleton');
    }
    return host;
  }
}

/**
 * Starts configuring a Catga instance.
 *
 * @example
 * const catga = createCatga({ preset: 'development' })
 *   .withServices({ orders: new OrderRepository() })
 *   .handler(CreateOrderHandler, (s) => new CreateOrderHandler(s.orders))
 *   .build();
 * const result = await catga.send(new CreateOrder('o-1', lines)); // CatgaResult<OrderPlaced>
 */
export function createCatga(options?: CatgaOptions): CatgaBuilder {
  return new CatgaBuilder(options);
}
