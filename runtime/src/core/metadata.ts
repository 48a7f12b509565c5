import type { MessageKind } from './messages.js';
import type { CommandOptions, EventOptions, QueryOptions } from './message-options.js';
import type { HandlerOptions } from './handler-options.js';

// Metadata lives on the classes under registered symbols, so a class decorated by one copy of this package (ESM)
// is understood by another (CJS). It is data about the class, never a registry of handlers: handlers belong to
// Catga instances.
const KIND = Symbol.for('catga.message.kind');
const MESSAGE_META = Symbol.for('catga.message.meta');
const HANDLER_META = Symbol.for('catga.handler.meta');

/** What a message decorator recorded about a message class. */
export interface MessageMetadata {
  readonly kind: MessageKind;
  readonly typeName: string;
  readonly options: Readonly<CommandOptions | QueryOptions | EventOptions>;
}

/** What `@CatgaHandler` recorded about a handler class. */
export interface HandlerMetadata {
  /** The message class handled; `undefined` when `@CatgaHandler()` was used without the transformer filling it in. */
  readonly messageClass: (abstract new (...args: never[]) => object) | undefined;
  readonly options: Readonly<HandlerOptions>;
}

type Tagged = Record<symbol, unknown>;

/** Marks a base class (Command, Query, Event) with its kind; subclasses inherit it. */
export function setMessageKind(base: Function, kind: MessageKind): void {
  Object.defineProperty(base, KIND, { value: kind, enumerable: false });
}

/** The kind of a message class, inherited from its base (`undefined` for a class that is not a message). */
export function kindOf(messageClass: Function): MessageKind | undefined {
  return (messageClass as unknown as Tagged)[KIND] as MessageKind | undefined;
}

/** Records decorator metadata on a message class (own property: subclasses do not inherit a parent's name). */
export function setMessageMetadata(messageClass: Function, metadata: MessageMetadata): void {
  Object.defineProperty(messageClass, MESSAGE_META, { value: Object.freeze(metadata), enumerable: false });
}

/** Decorator metadata of this exact class, or `undefined` when it is not decorated. */
export function messageMetadataOf(messageClass: Function): MessageMetadata | undefined {
  return Object.prototype.hasOwnProperty.call(messageClass, MESSAGE_META)
    ? ((messageClass as unknown as Tagged)[MESSAGE_META] as MessageMetadata)
    : undefined;
}

/** The stable type name of a message class: the decorator's `name`, else the class name. */
export function typeNameOf(messageClass: Function): string {
  return messageMetadataOf(messageClass)?.typeName ?? messageClass.name;
}

/** Records `@CatgaHandler` metadata on a handler class. */
export function setHandlerMetadata(handlerClass: Function, metadata: HandlerMetadata): void {
  Object.defineProperty(handlerClass, HANDLER_META, { value: Object.freeze(metadata), enumerable: false });
}

/** `@CatgaHandler` metadata of this exact class, or `undefined`. */
export function handlerMetadataOf(handlerClass: Function): HandlerMetadata | undefined {
  return Object.prototype.hasOwnProperty.call(handlerClass, HANDLER_META)
    ? ((handlerClass as unknown as Tagged)[HANDLER_META] as HandlerMetadata)
    : undefined;
}
