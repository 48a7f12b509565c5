import { CatgaConfigurationError } from './configuration-error.js';
import type { HandlerOf } from './handler.js';
import type { HandlerOptions } from './handler-options.js';
import {
  type CommandOptions,
  type EventOptions,
  type QueryOptions,
  validateCommandOptions,
  validateEventOptions,
  validateQueryOptions,
} from './message-options.js';
import type { AnyMessage, Command, Event, MessageKind, Query } from './messages.js';
import {
  handlerMetadataOf,
  kindOf,
  messageMetadataOf,
  setHandlerMetadata,
  setMessageMetadata,
} from './metadata.js';
import { bool, checkOptions, matching } from './option-checks.js';

/**
 * A class decorator usable both as a TC39 standard decorator (`(value, context)`) and under
 * `experimentalDecorators` (`(target)`). It records metadata and returns nothing, so the class is unchanged.
 */
export type CatgaClassDecorator<Constraint> = <T extends Constraint>(
  target: T,
  context?: ClassDecoratorContext<T & (abstract new (...args: never[]) => unknown)>,
) => void;

type ClassOf<M> = abstract new (...args: never[]) => M;

function messageDecorator(
  kind: MessageKind,
  decoratorName: string,
  options: object,
  validate: (options: unknown, field: string) => void,
): (target: Function) => void {
  return (target) => {
    const field = `@${decoratorName}(${target.name})`;
    const actual = kindOf(target);
    if (actual !== kind) {
      const base = kind === 'command' ? 'Command<R>' : kind === 'query' ? 'Query<R>' : 'Event';
      throw new CatgaConfigurationError(
        field,
        actual === undefined
          ? `${target.name} must extend ${base} from @catga/runtime`
          : `${target.name} is ${actual === 'event' ? 'an' : 'a'} ${actual}; @${decoratorName} needs a class extending ${base}`,
      );
    }
    if (messageMetadataOf(target) !== undefined) {
      throw new CatgaConfigurationError(field, `${target.name} is decorated twice; keep one message decorator`);
    }
    validate(options, field);
    const typeName = (options as { name?: string }).name ?? target.name;
    setMessageMetadata(target, { kind, typeName, options: Object.freeze({ ...options }) });
  };
}

/** Marks a class extending `Command<R>` as a command, with its options. */
export function CatgaCommand(options: CommandOptions = {}): CatgaClassDecorator<ClassOf<Command<unknown>>> {
  return messageDecorator('command', 'CatgaCommand', options, validateCommandOptions);
}

/** Marks a class extending `Query<R>` as a query, with its options. */
export function CatgaQuery(options: QueryOptions = {}): CatgaClassDecorator<ClassOf<Query<unknown>>> {
  return messageDecorator('query', 'CatgaQuery', options, validateQueryOptions);
}

/** Marks a class extending `Event` as an event, with its options. */
export function CatgaEvent(options: EventOptions = {}): CatgaClassDecorator<ClassOf<Event>> {
  return messageDecorator('event', 'CatgaEvent', options, validateEventOptions);
}

const HANDLER_CHECKS = { name: matching(/^[^\n]{1,200}$/, 'a non-empty one-line name (max 200 characters)'), leaderOnly: bool };

/**
 * Marks a class as the handler of `message`. The class must have a `handle(message, context)` method whose types
 * match the message (checked at compile time). Register it with a Catga instance through the builder's `.handler()`.
 *
 * `@CatgaHandler()` without the message class is accepted for code compiled by `@catga/transformer`, which fills
 * the class in from the `handle` parameter type; untransformed, registering such a handler fails with a clear error.
 */
export function CatgaHandler<M extends AnyMessage>(
  message: ClassOf<M>,
  options?: HandlerOptions,
): CatgaClassDecorator<ClassOf<HandlerOf<M>>>;
export function CatgaHandler(options?: HandlerOptions): CatgaClassDecorator<ClassOf<{ handle: Function }>>;
export function CatgaHandler(
  messageOrOptions?: Function | HandlerOptions,
  maybeOptions?: HandlerOptions,
): (target: Function) => void {
  const messageClass = typeof messageOrOptions === 'function' ? messageOrOptions : undefined;
  const options = (typeof messageOrOptions === 'function' ? maybeOptions : messageOrOptions) ?? {};
  return (target) => {
    const field = `@CatgaHandler(${target.name})`;
    if (messageClass !== undefined && kindOf(messageClass) === undefined) {
      throw new CatgaConfigurationError(
        field,
        `${messageClass.name} is not a message; pass a class extending Command, Query or Event`,
      );
    }
    if (typeof (target.prototype as { handle?: unknown } | undefined)?.handle !== 'function') {
      throw new CatgaConfigurationError(field, `${target.name} has no handle(message, context) method`);
    }
    if (handlerMetadataOf(target) !== undefined) {
      throw new CatgaConfigurationError(field, `${target.name} is decorated twice; keep one @CatgaHandler`);
    }
    checkOptions(options, field, HANDLER_CHECKS);
    setHandlerMetadata(target, {
      messageClass: messageClass as (abstract new (...args: never[]) => object) | undefined,
      options: Object.freeze({ ...options }),
    });
  };
}
