import { NEVER_ABORTED, raceAbort } from './abort.js';
import { cancelled, handlerFailed, handlerNotFound, pipelineFailed } from './failures.js';
import { DispatchContext, type MessageBus } from './dispatch-context.js';
import type { AnyHandler } from './handler.js';
import type { HandlerRegistration, HandlerRegistry } from './handler-registry.js';
import type { Event, Message, MessageClass } from './messages.js';
import { handlerMetadataOf, kindOf, messageMetadataOf } from './metadata.js';
import type { MessageDescriptor, OrderedBehavior, PipelineContext, PipelineStep, PrecheckStep } from './pipeline.js';
import { type HandlerFailure, PublishError, type PublishResult } from './publish-result.js';
import { type CatgaResult, fail, ok } from './result.js';
import { ErrorCode } from './error-codes.js';
import type { InboundDispatcher } from './transport.js';
import { CatgaConfigurationError } from './configuration-error.js';
import { compiledHandlerOf } from './compiled.js';

/** Runs one handler for one message through its pipeline. Never rejects. */
type Executor = (message: Message, context: PipelineContext) => Promise<CatgaResult<unknown>>;

/** A handler ready to run: its pipeline is composed once, when the instance is built. */
interface Route {
  readonly typeName: string;
  readonly handlerName: string;
  readonly execute: Executor;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}

function handlerCall(registration: HandlerRegistration, resolve: (context: PipelineContext) => AnyHandler): Executor {
  const { handlerName, typeName } = registration;
  const failed = (thrown: unknown, message: Message, context: PipelineContext): CatgaResult<never> =>
    handlerFailed(thrown, handlerName, typeName, message.messageId, context.signal);
  const compiled = compiledHandlerOf(registration.handlerClass);
  const invoke = compiled?.invoke as ((handler: AnyHandler, message: Message, context: PipelineContext) => unknown) | undefined;
  if (invoke !== undefined && compiled?.returns === 'promise') {
    // The transformer read handle()'s return type: no thenable probe, and the handler's own promise is chained
    // (one reaction) instead of awaited in an async frame of ours.
    return (message, context) => {
      try {
        return (invoke(resolve(context), message, context) as Promise<unknown>).then(ok, (thrown: unknown) => failed(thrown, message, context));
      } catch (thrown) {
        return Promise.resolve(failed(thrown, message, context));
      }
    };
  }
  if (invoke !== undefined && compiled?.returns === 'value') {
    // A synchronous handler: no async frame at all.
    return (message, context) => {
      try {
        return Promise.resolve(ok(invoke(resolve(context), message, context)));
      } catch (thrown) {
        return Promise.resolve(failed(thrown, message, context));
      }
    };
  }
  return (message, context) => {
    try {
      const output: unknown = resolve(context).handle(message as never, context);
      if (!isThenable(output)) return Promise.resolve(ok(output));
      return Promise.resolve(output).then(ok, (thrown: unknown) => failed(thrown, message, context));
    } catch (thrown) {
      return Promise.resolve(failed(thrown, message, context));
    }
  };
}

/** A synchronous check composed inline: no promise, no closure per call. */
function precheckCall(name: string, precheck: PrecheckStep['precheck'], next: Executor, typeName: string): Executor {
  return (message, context) => {
    let stop: CatgaResult<unknown> | undefined;
    try {
      stop = precheck(message, context);
    } catch (thrown) {
      return Promise.resolve(pipelineFailed(thrown, name, typeName, context.signal));
    }
    return stop === undefined ? next(message, context) : Promise.resolve(stop);
  };
}

function behaviorCall(name: string, step: PipelineStep, next: Executor, typeName: string): Executor {
  const precheck = (step as Partial<PrecheckStep>).precheck;
  if (typeof precheck === 'function') return precheckCall(name, precheck, next, typeName);
  // Enforces "a behaviour never rejects and always returns a result" with then() instead of another async frame:
  // each layer of the pipeline then costs the step's own promise only.
  return (message, context) => {
    const onThrow = (thrown: unknown): CatgaResult<unknown> => pipelineFailed(thrown, name, typeName, context.signal);
    const checked = (result: unknown): CatgaResult<unknown> =>
      typeof (result as { ok?: unknown } | undefined)?.ok === 'boolean'
        ? (result as CatgaResult<unknown>)
        : onThrow(new TypeError(`handle() returned ${String(result)} instead of a CatgaResult`));
    let pending: Promise<CatgaResult<unknown>>;
    try {
      pending = step(message, context, (inner) => next(message, inner ?? context));
    } catch (thrown) {
      return Promise.resolve(onThrow(thrown));
    }
    // A JavaScript behaviour may return a plain result instead of a promise.
    if (typeof (pending as { then?: unknown } | undefined)?.then !== 'function') return Promise.resolve(checked(pending));
    return pending.then(checked, onThrow);
  };
}

/** The step a behaviour contributes for one message type, or `undefined` when it stays out. */
function stepFor(ordered: OrderedBehavior, descriptor: MessageDescriptor): PipelineStep | undefined {
  const { behavior } = ordered;
  if (behavior.forMessage !== undefined) return behavior.forMessage(descriptor);
  if (behavior.handle === undefined || behavior.appliesTo?.(descriptor) === false) return undefined;
  return behavior.handle.bind(behavior);
}

function describe(registration: HandlerRegistration): MessageDescriptor {
  return {
    typeName: registration.typeName,
    kind: registration.kind,
    handlerName: registration.handlerName,
    messageClass: registration.messageClass,
    options: (messageMetadataOf(registration.messageClass)?.options ?? {}) as Readonly<Record<string, unknown>>,
  };
}

function resolver(registration: HandlerRegistration, services: unknown): (context: PipelineContext) => AnyHandler {
  const { factory, handlerName, lifetime } = registration;
  const check = (handler: AnyHandler): AnyHandler => {
    if (typeof handler?.handle !== 'function') {
      throw new CatgaConfigurationError(`handlers.${handlerName}`, 'the factory returned an object without handle()');
    }
    return handler;
  };
  if (lifetime === 'scoped') return (context) => check(factory(services, context));
  let singleton: AnyHandler;
  try {
    // Built at start-up so a broken factory stops the app instead of failing its first message.
    singleton = check(factory(services, undefined as unknown as PipelineContext));
  } catch (thrown) {
    if (thrown instanceof CatgaConfigurationError) throw thrown;
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    throw new CatgaConfigurationError(`handlers.${handlerName}`, `the factory threw: ${reason}`);
  }
  return () => singleton;
}

/**
 * The local handlers of one Catga instance: what transports deliver to. Routes are keyed by message class (an
 * identity lookup, no string hashing on the hot path).
 */
export class LocalDispatcher implements InboundDispatcher {
  private readonly requests = new Map<Function, Route>();
  private readonly events = new Map<Function, Route[]>();
  readonly messageTypes: ReadonlyMap<string, MessageClass>;
  readonly requestClasses: readonly MessageClass[];
  readonly eventHandlers: ReadonlyMap<MessageClass, readonly string[]>;
  readonly leaderOnlyHandlers: ReadonlyMap<MessageClass, readonly string[]>;

  constructor(
    readonly instanceName: string,
    registry: HandlerRegistry,
    services: unknown,
    behaviors: readonly OrderedBehavior[],
    private readonly bus: MessageBus,
  ) {
    this.messageTypes = registry.messageTypes;
    const leaderOnly = new Map<MessageClass, string[]>();
    const ordered = [...behaviors].sort((a, b) => a.order - b.order);
    for (const registration of registry.registrations) {
      const descriptor = describe(registration);
      let execute = handlerCall(registration, resolver(registration, services));
      for (let i = ordered.length - 1; i >= 0; i--) {
        const entry = ordered[i]!;
        const step = stepFor(entry, descriptor);
        if (step !== undefined) execute = behaviorCall(entry.behavior.name, step, execute, registration.typeName);
      }
      const route: Route = { typeName: registration.typeName, handlerName: registration.handlerName, execute };
      if (handlerMetadataOf(registration.handlerClass)?.options.leaderOnly === true) {
        const names = leaderOnly.get(registration.messageClass) ?? [];
        names.push(registration.handlerName);
        leaderOnly.set(registration.messageClass, names);
      }
      if (registration.kind === 'event') {
        const list = this.events.get(registration.messageClass) ?? [];
        list.push(route);
        this.events.set(registration.messageClass, list);
      } else {
        this.requests.set(registration.messageClass, route);
      }
    }
    this.requestClasses = [...this.requests.keys()] as MessageClass[];
    const eventHandlers = new Map<MessageClass, readonly string[]>();
    for (const [eventClass, routes] of this.events) eventHandlers.set(eventClass as MessageClass, routes.map((route) => route.handlerName));
    this.eventHandlers = eventHandlers;
    this.leaderOnlyHandlers = leaderOnly;
  }

  /** Whether a command or query of this class has a local handler. */
  hasRequestHandler(messageClass: Function): boolean {
    return this.requests.has(messageClass);
  }

  dispatchRequest(message: Message, signal: AbortSignal): Promise<CatgaResult<unknown>> {
    const route = this.requests.get(message.constructor);
    if (route === undefined) {
      const kind = kindOf(message.constructor) ?? 'command';
      return Promise.resolve(handlerNotFound(kind, message.messageType, this.instanceName));
    }
    return this.run(route, message, signal);
  }

  async dispatchEvent(event: Event, signal: AbortSignal): Promise<PublishResult> {
    const routes = this.events.get(event.constructor);
    const eventType = event.messageType;
    if (routes === undefined) return ok({ eventType, handlers: 0 });
    // Every handler runs, concurrently; one failing does not stop the others.
    const results = await Promise.all(routes.map((route) => this.run(route, event, signal)));
    let failures: HandlerFailure[] | undefined;
    for (let i = 0; i < results.length; i++) {
      const result = results[i]!;
      if (!result.ok) (failures ??= []).push({ handler: routes[i]!.handlerName, error: result.error });
    }
    if (failures === undefined) return ok({ eventType, handlers: routes.length });
    return { ok: false, error: new PublishError(eventType, routes.length, failures) };
  }

  dispatchEventTo(event: Event, handlerName: string, signal: AbortSignal): Promise<CatgaResult<unknown>> {
    const route = this.events.get(event.constructor)?.find((candidate) => candidate.handlerName === handlerName);
    if (route === undefined) {
      return Promise.resolve(
        fail(ErrorCode.HANDLER_NOT_FOUND, `Event "${event.messageType}" has no handler ${handlerName} in Catga instance "${this.instanceName}"`, {
          details: { messageType: event.messageType, kind: 'event', handler: handlerName, instance: this.instanceName },
        }),
      );
    }
    return this.run(route, event, signal);
  }

  private run(route: Route, message: Message, signal: AbortSignal): Promise<CatgaResult<unknown>> {
    if (signal.aborted) return Promise.resolve(cancelled(route.typeName, signal));
    const context = new DispatchContext(this.bus, message, signal);
    const work = route.execute(message, context);
    return signal === NEVER_ABORTED ? work : raceAbort(work, signal, () => cancelled(route.typeName, signal));
  }
}
