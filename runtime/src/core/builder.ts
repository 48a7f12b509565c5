import type { Codec } from '../codec/codec.js';
import { jsonCodec } from '../codec/json-codec.js';
import { msgpackCodec } from '../codec/msgpack-codec.js';
import { memoryTransport } from '../transport/memory-transport.js';
import { Catga } from './catga.js';
import { type CatgaOptions, type PresetName, type ResolvedCatgaOptions, resolveOptions, validateOptions } from './config.js';
import { CatgaConfigurationError } from './configuration-error.js';
import type { AnyHandler, HandlerContext } from './handler.js';
import { type HandlerFactory, HandlerRegistry } from './handler-registry.js';
import { LocalDispatcher } from './local-dispatcher.js';
import type { MessageClass } from './messages.js';
import type { OrderedBehavior, PipelineBehavior } from './pipeline.js';
import type { Transport } from './transport.js';

/** Where a behaviour sits in the pipeline; lower runs first (outermost). Equal orders keep insertion order. */
export interface UseOptions {
  /** Default 1000. */
  readonly order?: number;
}

type HandlerClass<H> = abstract new (...args: never[]) => H;

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

  /** Makes message classes known without a local handler (so transports can decode them). */
  messages(...messageClasses: MessageClass[]): this {
    for (const messageClass of messageClasses) this.registry.addMessageType(messageClass);
    return this;
  }

  /** Adds a pipeline behaviour around every handler it applies to. */
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
    const transport =
      this.transport ??
      memoryTransport({
        codec: options.roundTripMessages ? codecFor(options.codec) : false,
        maxPayloadBytes: options.maxPayloadBytes,
        asyncDispatch: options.asyncDispatch,
      });
    const catga = new Catga(options, transport);
    const dispatcher = new LocalDispatcher(options.name, this.registry, this.services, this.behaviors, catga);
    return { catga, connecting: transport.connect(dispatcher) };
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
