import { CatgaConfigurationError } from './configuration-error.js';
import type { AnyHandler, HandlerContext } from './handler.js';
import { type MessageClass, type MessageKind } from './messages.js';
import { compiledHandlerOf } from './compiled.js';
import { handlerMetadataOf, kindOf, typeNameOf } from './metadata.js';

/** `singleton`: one instance made at build time. `scoped`: a new instance per handled message. */
export type HandlerLifetime = 'singleton' | 'scoped';

/** Makes a handler instance from the registered services (and, for scoped handlers, the message's context). */
export type HandlerFactory<S, H> = (services: S, context: HandlerContext) => H;

/** One handler class registered with one Catga instance. */
export interface HandlerRegistration {
  readonly handlerClass: Function;
  readonly handlerName: string;
  readonly messageClass: MessageClass;
  readonly typeName: string;
  readonly kind: MessageKind;
  readonly lifetime: HandlerLifetime;
  readonly factory: HandlerFactory<unknown, AnyHandler>;
}

/**
 * The handlers and message types of one Catga instance, checked as they are added: one handler per command or
 * query, one registration per handler class, one class per type name.
 */
export class HandlerRegistry {
  readonly registrations: HandlerRegistration[] = [];
  private readonly requestOwners = new Map<Function, HandlerRegistration>();
  private readonly classesByName = new Map<string, MessageClass>();

  add(handlerClass: Function, factory: HandlerFactory<unknown, AnyHandler> | undefined, lifetime: HandlerLifetime): void {
    const field = `handlers.${handlerClass?.name || '(anonymous)'}`;
    if (typeof handlerClass !== 'function') {
      throw new CatgaConfigurationError('handlers', 'expected a handler class decorated with @CatgaHandler');
    }
    const metadata = handlerMetadataOf(handlerClass);
    if (metadata === undefined) {
      throw new CatgaConfigurationError(field, `${handlerClass.name} is not decorated with @CatgaHandler(MessageClass)`);
    }
    // `@CatgaHandler()` leaves the message out; the transformer's generated executor names it.
    const messageClass = (metadata.messageClass ?? compiledHandlerOf(handlerClass)?.message) as MessageClass | undefined;
    if (messageClass === undefined) {
      throw new CatgaConfigurationError(
        field,
        `@CatgaHandler() on ${handlerClass.name} names no message class. Write @CatgaHandler(TheMessage), ` +
          'or compile with @catga/transformer, which fills it in from the handle() parameter type',
      );
    }
    const kind = kindOf(messageClass)!;
    const typeName = this.addMessageType(messageClass);
    const handlerName = metadata.options.name ?? handlerClass.name;

    if (this.registrations.some((r) => r.handlerClass === handlerClass)) {
      throw new CatgaConfigurationError(field, `${handlerName} is registered twice`);
    }
    if (kind !== 'event') {
      const owner = this.requestOwners.get(messageClass);
      if (owner !== undefined) {
        throw new CatgaConfigurationError(
          field,
          `${kind} "${typeName}" already has handler ${owner.handlerName}; ${handlerName} cannot also handle it ` +
            `(a ${kind} has exactly one handler)`,
        );
      }
    }
    const registration: HandlerRegistration = {
      handlerClass,
      handlerName,
      messageClass,
      typeName,
      kind,
      lifetime,
      factory: factory ?? defaultFactory(handlerClass, field),
    };
    this.registrations.push(registration);
    if (kind !== 'event') this.requestOwners.set(messageClass, registration);
  }

  /** Makes a message type known (for decoding) and checks that its type name is not taken by another class. */
  addMessageType(messageClass: MessageClass): string {
    if (typeof messageClass !== 'function' || kindOf(messageClass) === undefined) {
      throw new CatgaConfigurationError('messages', `${String(messageClass?.name ?? messageClass)} is not a message class`);
    }
    const typeName = typeNameOf(messageClass);
    const existing = this.classesByName.get(typeName);
    if (existing !== undefined && existing !== messageClass) {
      throw new CatgaConfigurationError(
        `messages.${typeName}`,
        `two different classes use the type name "${typeName}"; give one a distinct name with the decorator's ` +
          '"name" option',
      );
    }
    this.classesByName.set(typeName, messageClass);
    return typeName;
  }

  /** Message classes by type name. */
  get messageTypes(): ReadonlyMap<string, MessageClass> {
    return this.classesByName;
  }
}

function defaultFactory(handlerClass: Function, field: string): HandlerFactory<unknown, AnyHandler> {
  if (handlerClass.length > 0) {
    throw new CatgaConfigurationError(
      field,
      `${handlerClass.name}'s constructor takes ${handlerClass.length} argument(s); register it with a factory, ` +
        `e.g. .handler(${handlerClass.name}, (services) => new ${handlerClass.name}(services.repository))`,
    );
  }
  const Ctor = handlerClass as new () => AnyHandler;
  return () => new Ctor();
}
