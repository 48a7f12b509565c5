import type { Awaitable } from '../core/handler.js';
import type { AnyMessage, MessageClass } from '../core/messages.js';

/** One field error. */
export interface ValidationIssue {
  /** Path of the offending field, e.g. `lines[0].qty`. */
  readonly field: string;
  /** What is wrong, for people. */
  readonly message: string;
  /** Optional machine-readable rule name, e.g. `minimum`. */
  readonly rule?: string;
}

/** Validates a message; returns every issue found (empty, `undefined` or nothing when valid). */
export type ValidatorFunction<M> = (message: M) => Awaitable<readonly ValidationIssue[] | undefined | void>;

/** A validator object (e.g. an instance of a validator class). */
export interface ValidatorObject<M> {
  validate(message: M): Awaitable<readonly ValidationIssue[] | undefined | void>;
}

/** A validator class with a no-argument constructor; instantiated once. */
export type ValidatorClass<M> = new () => ValidatorObject<M>;

/** Anything accepted where a validator is expected. */
export type Validator<M> = ValidatorFunction<M> | ValidatorObject<M> | ValidatorClass<M>;

/** A validator reduced to one callable. */
export type ValidateFn = (message: AnyMessage) => Awaitable<readonly ValidationIssue[] | undefined | void>;

/** Turns any accepted validator form into one function. */
export function toValidateFn<M>(validator: Validator<M>): ValidateFn {
  if (typeof validator === 'function') {
    const proto = (validator as { prototype?: { validate?: unknown } }).prototype;
    if (proto !== undefined && typeof proto.validate === 'function') {
      const instance = new (validator as ValidatorClass<M>)();
      return (message) => instance.validate(message as M);
    }
    return validator as ValidateFn;
  }
  if (validator !== null && typeof validator === 'object' && typeof validator.validate === 'function') {
    return (message) => validator.validate(message as M);
  }
  throw new TypeError('a validator is a function, an object with validate(message), or a class with one');
}

const ATTACHED = Symbol.for('catga.message.validators');

/**
 * Attaches a validator to a message class itself, for every Catga instance (a shared library's own checks, say).
 * Hand-written per-instance validators go through the builder's `.validate(MessageClass, validator)`; the one
 * `@catga/transformer` generates from the field types travels in the class's contract (`defineContract`).
 */
export function attachValidator<M extends AnyMessage>(messageClass: MessageClass<M>, validator: Validator<M>): void {
  const own = Object.prototype.hasOwnProperty.call(messageClass, ATTACHED)
    ? ((messageClass as unknown as Record<symbol, ValidateFn[]>)[ATTACHED] as ValidateFn[])
    : [];
  if (own.length === 0) Object.defineProperty(messageClass, ATTACHED, { value: own, enumerable: false });
  own.push(toValidateFn(validator));
}

/** Validators attached to this exact class (not inherited). */
export function attachedValidatorsOf(messageClass: Function): readonly ValidateFn[] {
  return Object.prototype.hasOwnProperty.call(messageClass, ATTACHED)
    ? ((messageClass as unknown as Record<symbol, ValidateFn[]>)[ATTACHED] as ValidateFn[])
    : [];
}
