import { setHandlerMetadata, typeNameOf } from '../core/metadata.js';
import type { Event, MessageClass } from '../core/messages.js';
import type { SagaHost } from './saga-host.js';

const RUNTIME_HANDLER = Symbol.for('catga.handler.runtime');

/** A handler the runtime makes itself: there is no source for the transformer to compile. */
export function isRuntimeHandler(handlerClass: Function): boolean {
  return (handlerClass as unknown as Record<symbol, unknown>)[RUNTIME_HANDLER] === true;
}

/**
 * Makes the handler class that hands events of `eventClass` to the saga host, so they reach the instances waiting
 * for them whatever transport brings them (and with the inbox, idempotency and dead-letter behaviours like any
 * other handler). Named `SagaEvents<Type>` in logs.
 */
export function sagaEventHandlerClass(eventClass: MessageClass, host: SagaHost): new () => { handle(event: Event): Promise<void> } {
  const handlerClass = class {
    handle(event: Event): Promise<void> {
      return host.deliver(event);
    }
  };
  Object.defineProperty(handlerClass, 'name', { value: `SagaEvents${typeNameOf(eventClass)}` });
  Object.defineProperty(handlerClass, RUNTIME_HANDLER, { value: true });
  setHandlerMetadata(handlerClass, { messageClass: eventClass as unknown as abstract new (...args: never[]) => object, options: {} });
  return handlerClass;
}
