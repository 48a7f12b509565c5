import { newMessageId } from './message-id.js';
import { setMessageKind, typeNameOf } from './metadata.js';

/**
 * Type-only brand carrying a message's result type. It exists in declarations only (no runtime value), which is
 * what lets `send(new CreateOrder(...))` infer `CatgaResult<OrderPlaced>` without generics and without a transformer.
 */
export declare const resultType: unique symbol;
/** Type-only brand that keeps commands, queries and events apart (an event cannot be passed to `send`). */
export declare const messageKind: unique symbol;

/** The three kinds of message. */
export type MessageKind = 'command' | 'query' | 'event';

/**
 * The contract every message carries. The members are real, enumerable fields set by the constructor, so they are
 * visible to the type checker, the editor, `console.log` and every codec.
 */
export interface MessageContract {
  /** Unique, time-sortable id (a ULID), generated locally when the message is created. */
  readonly messageId: string;
  /** Id shared by every message of one conversation; a root message correlates to its own id. */
  readonly correlationId: string;
  /** Id of the message whose handler sent this one; `undefined` for a root message. */
  readonly causationId: string | undefined;
  /** Creation time, milliseconds since the Unix epoch. */
  readonly createdAt: number;
  /** Stable type name: the decorator's `name` option, or the class name. Used on the wire and in logs. */
  readonly messageType: string;
}

/** Base of every Catga message. Extend {@link Command}, {@link Query} or {@link Event} rather than this class. */
export abstract class Message implements MessageContract {
  readonly messageId: string;
  readonly correlationId: string;
  readonly causationId: string | undefined;
  readonly createdAt: number;

  constructor() {
    const now = Date.now();
    this.messageId = newMessageId(now);
    this.correlationId = this.messageId;
    this.causationId = undefined;
    this.createdAt = now;
  }

  get messageType(): string {
    return typeNameOf(this.constructor);
  }
}

/**
 * A request to change state, handled by exactly one handler. `R` is the handler's result type; leave it out for a
 * command without a result (`class ShipOrder extends Command {}` gives `CatgaResult<void>`).
 */
export abstract class Command<R = void> extends Message {
  declare readonly [resultType]?: [R];
  declare readonly [messageKind]?: 'command';
}

/** A request to read state, handled by exactly one handler, returning `R`. */
export abstract class Query<R> extends Message {
  declare readonly [resultType]?: [R];
  declare readonly [messageKind]?: 'query';
}

/** A fact that happened, delivered to every handler subscribed to it (zero or more). */
export abstract class Event extends Message {
  declare readonly [messageKind]?: 'event';
}

setMessageKind(Command, 'command');
setMessageKind(Query, 'query');
setMessageKind(Event, 'event');

/** Any command or query: what `send` accepts. */
export type Request = Command<unknown> | Query<unknown>;

/** Any message. */
export type AnyMessage = Request | Event;

/** The result type of a command or query (`void` for a command without result). */
// The brand holds `[R]`, not `R`: inferring from an optional property would drop `undefined` from `Query<T | undefined>`.
export type ResultOf<M> = M extends { readonly [resultType]?: [infer R] } ? R : never;

/** A message class, abstract or concrete, whatever its constructor parameters. */
export type MessageClass<M extends Message = Message> = abstract new (...args: never[]) => M;
