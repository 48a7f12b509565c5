import type { ValidationIssue } from '../behaviors/validator.js';
import type { CompiledPipeline } from './compiled-pipeline.js';
import { CatgaConfigurationError } from './configuration-error.js';
import type { HandlerContext, PublishOptions, SendOptions } from './handler.js';
import type { Event, MessageClass, MessageKind, Request, ResultOf } from './messages.js';
import { kindOf } from './metadata.js';
import type { PublishResult } from './publish-result.js';
import type { CatgaResult, Fail, Ok } from './result.js';

// The surface `@catga/transformer` (and `catga generate`) emit calls to. It is small on purpose: generated code
// only describes classes; the runtime decides what to do with the descriptions.

const CONTRACT = Symbol.for('catga.message.contract');
const COMPILED_HANDLER = Symbol.for('catga.handler.compiled');
/**
 * Key of the method `@catga/transformer` adds to a handler class: handle() compiled once more so that it returns
 * the `CatgaResult` itself (see {@link FusedHandle}).
 */
export const FUSED_HANDLE = Symbol.for('catga.handler.fused');
/** Key of the method a bus offers for call sites the transformer compiled (see {@link sendCompiled}). */
export const SEND_COMPILED = Symbol.for('catga.bus.sendCompiled');
/** Key of the method a bus offers for compiled publish call sites (see {@link publishCompiled}). */
export const PUBLISH_COMPILED = Symbol.for('catga.bus.publishCompiled');

/** One field of a message contract, as the transformer read it from the class. */
export interface ContractField {
  readonly name: string;
  /** The declared type as the type checker prints it, e.g. `readonly OrderLine[]`. */
  readonly type: string;
  readonly optional: boolean;
}

/** The contract `@catga/transformer` generates for a `@CatgaCommand` / `@CatgaQuery` / `@CatgaEvent` class. */
export interface CompiledContract {
  /** Stable type name (the decorator's `name`, else the class name). */
  readonly typeName: string;
  readonly kind: MessageKind;
  /** Subject relative to the transport prefix: `cmd.<Subject>`, `qry.<Subject>` or `evt.<Subject>`. */
  readonly subject: string;
  /** The result type as the checker prints it (`void` for a command without result); absent for events. */
  readonly result?: string;
  /** The message's own fields (the contract fields `messageId`, `correlationId`, … are common to all messages). */
  readonly fields: readonly ContractField[];
  /** Field order for record-structured codecs: the own fields in declaration order, then the contract fields. */
  readonly record: readonly string[];
  /** Checks the field types (and JSDoc constraints); returns the issues, or `undefined` when the message is valid. */
  readonly validate?: (message: never) => ValidationIssue[] | undefined;
  /** Where the class is declared, `file:line`. */
  readonly source: string;
}

/** How `handle()` returns, read from its declared return type. */
export type HandlerReturn = 'promise' | 'value' | 'either';

/** What the fused handle() gets from the runtime as its third argument: one per handler. */
export interface FusedCall {
  /** Wraps handle()'s value in a success. The call has ended. */
  ok<T>(value: T): Ok<T>;
  /** Maps what handle() threw to a failure (`HANDLER_FAILED`, a `CatgaError`'s own code, or `CANCELLED`). The call has ended. */
  fail(thrown: unknown, context: HandlerContext): Fail;
}

/**
 * The fused handle() the transformer adds to a handler class under {@link FUSED_HANDLE}: the same body, each
 * `return x` returning `call.ok(x)`, anything thrown going to `call.fail`. One async frame per call.
 */
export type FusedHandle = (message: never, context: HandlerContext, call: FusedCall) => Promise<CatgaResult<unknown>>;

/** What `@catga/transformer` generates for a `@CatgaHandler` class. */
export interface CompiledHandler {
  /** The message class, from `handle()`'s first parameter type. */
  readonly message: MessageClass;
  /** `promise` when `handle()` always returns a promise, `value` when it never does, `either` otherwise. */
  readonly returns: HandlerReturn;
  /** The handler call, with no lookup. */
  readonly invoke: (handler: never, message: never, context: HandlerContext) => unknown;
  /** Whether the class carries the fused handle() under {@link FUSED_HANDLE}. */
  readonly fused?: boolean;
  /**
   * The handler's hooked behaviours as straight-line code, run instead of the runtime's shared hooked run where the
   * route's behaviours fit its slots (absent with the plugin's `compilePipelines: false`).
   */
  readonly pipeline?: CompiledPipeline;
  /** Where the class is declared, `file:line`. */
  readonly source: string;
}

/** Whether generated code handed in a pipeline the dispatcher can run (`slots` and a `create` function). */
function isPipeline(value: unknown): value is CompiledPipeline {
  if (typeof value !== 'object' || value === null) return false;
  const { create, slots } = value as Partial<Record<keyof CompiledPipeline, unknown>>;
  return (
    typeof create === 'function' &&
    Array.isArray(slots) &&
    slots.every((slot: Partial<Record<string, unknown>> | null) => typeof slot?.['name'] === 'string' && typeof slot['within'] === 'boolean' && typeof slot['leave'] === 'boolean')
  );
}

/** A compiled handler as the runtime keeps it: with the handle() its fused copy was made from, when it has one. */
export interface DefinedHandler extends CompiledHandler {
  /**
   * `prototype.handle` when the class was defined. A handler object whose handle is another function (a subclass
   * overriding it, a test spy) runs through `invoke`, never through the fused copy of this one.
   */
  readonly fusedFrom?: Function;
}

function own<T>(target: Function, key: symbol): T | undefined {
  return Object.prototype.hasOwnProperty.call(target, key) ? ((target as unknown as Record<symbol, T>)[key] as T) : undefined;
}

/**
 * Records the compiled contract of a message class, with its generated validator. Called by generated code
 * right after the class definition (so after its decorator ran).
 */
export function defineContract(messageClass: MessageClass, contract: CompiledContract): void {
  const field = `contract.${contract.typeName}`;
  if (kindOf(messageClass) !== contract.kind) {
    throw new CatgaConfigurationError(field, `${messageClass.name} is not a ${contract.kind}; the generated contract does not match the class (rebuild)`);
  }
  if (own(messageClass, CONTRACT) !== undefined) throw new CatgaConfigurationError(field, `${messageClass.name} has two generated contracts`);
  // The validation behaviour runs `contract.validate` (inline, it is synchronous) before any other validator.
  Object.defineProperty(messageClass, CONTRACT, { value: Object.freeze(contract), enumerable: false });
}

/** The compiled contract of this exact class, or `undefined` when its file was not compiled by the transformer. */
export function contractOf(messageClass: Function): CompiledContract | undefined {
  return own<CompiledContract>(messageClass, CONTRACT);
}

/** Records the compiled executor of a handler class. Called by generated code right after the class definition. */
export function defineHandler(handlerClass: Function, compiled: CompiledHandler): void {
  const field = `handlers.${handlerClass.name}`;
  if (typeof compiled.invoke !== 'function' || kindOf(compiled.message) === undefined || (compiled.pipeline !== undefined && !isPipeline(compiled.pipeline))) {
    throw new CatgaConfigurationError(field, 'the generated handler description is malformed (rebuild)');
  }
  if (own(handlerClass, COMPILED_HANDLER) !== undefined) throw new CatgaConfigurationError(field, `${handlerClass.name} has two generated executors`);
  const prototype = (handlerClass as { prototype?: Record<PropertyKey, unknown> }).prototype;
  const fusedFrom = compiled.fused === true && typeof prototype?.[FUSED_HANDLE] === 'function' ? prototype['handle'] : undefined;
  if (compiled.fused === true && typeof fusedFrom !== 'function') {
    throw new CatgaConfigurationError(field, `${handlerClass.name} is described as fused but has no fused handle() (rebuild)`);
  }
  const defined: DefinedHandler = { ...compiled, ...(fusedFrom === undefined ? {} : { fusedFrom: fusedFrom as Function }) };
  Object.defineProperty(handlerClass, COMPILED_HANDLER, { value: Object.freeze(defined), enumerable: false });
}

/** The compiled executor of this exact handler class, or `undefined` when its file was not compiled. */
export function compiledHandlerOf(handlerClass: Function): DefinedHandler | undefined {
  return own<DefinedHandler>(handlerClass, COMPILED_HANDLER);
}

/**
 * The message and handler classes of a program, listed at compile time: `catga generate` writes one as
 * `catgaRegistry`. The builder's `.handlers(registry, factories)` registers all of it, with no run-time scan.
 */
export interface CatgaRegistry {
  readonly messages: readonly MessageClass[];
  readonly handlers: readonly (abstract new (...args: never[]) => object)[];
}

/** A bus (a Catga instance or a handler context) as compiled call sites see it. */
interface CompiledBus {
  send<M extends Request>(message: M, options?: SendOptions): Promise<CatgaResult<ResultOf<M>>>;
  publish(event: Event, options?: PublishOptions): Promise<PublishResult>;
  [SEND_COMPILED]?(message: Request, options?: SendOptions): Promise<CatgaResult<unknown>>;
  [PUBLISH_COMPILED]?(event: Event, options?: PublishOptions): Promise<PublishResult>;
}

/**
 * What a `bus.send(new X(...))` call site becomes once compiled: the transformer proved `X` is a command or query
 * with a handler, so the bus skips its run-time checks. Any other bus gets a plain `send`.
 */
export function sendCompiled<M extends Request>(bus: CompiledBus, message: M, options?: SendOptions): Promise<CatgaResult<ResultOf<M>>> {
  const fast = bus[SEND_COMPILED];
  return (fast === undefined ? bus.send(message, options) : fast.call(bus, message, options)) as Promise<CatgaResult<ResultOf<M>>>;
}

/** What a `bus.publish(new E(...))` call site becomes once compiled. See {@link sendCompiled}. */
export function publishCompiled(bus: CompiledBus, event: Event, options?: PublishOptions): Promise<PublishResult> {
  const fast = bus[PUBLISH_COMPILED];
  return fast === undefined ? bus.publish(event, options) : fast.call(bus, event, options);
}
