import { CatgaError } from '../core/catga-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { PipelineBehavior } from '../core/pipeline.js';
import { fail } from '../core/result.js';
import { attachedValidatorsOf, type ValidateFn, type ValidationIssue } from './validator.js';

function isThenable<T>(value: unknown): value is PromiseLike<T> {
  return value !== null && typeof value === 'object' && typeof (value as PromiseLike<T>).then === 'function';
}

/**
 * Runs every validator of the message (those attached to its class, then those given to this instance) and fails
 * with `VALIDATION_FAILED` listing every issue of every validator, so a client fixes all fields in one round trip.
 * Types without validators get no step at all.
 *
 * @param instanceValidators validators registered with the builder, by message class
 */
export function validationBehavior(instanceValidators: ReadonlyMap<Function, readonly ValidateFn[]>): PipelineBehavior {
  return {
    name: 'validation',
    forMessage(descriptor) {
      const validators = [...attachedValidatorsOf(descriptor.messageClass), ...(instanceValidators.get(descriptor.messageClass) ?? [])];
      if (validators.length === 0) return undefined;
      const { typeName } = descriptor;
      return async (message, _context, next) => {
        let issues: ValidationIssue[] | undefined;
        for (const validate of validators) {
          const found = validate(message);
          const list = isThenable<readonly ValidationIssue[] | undefined | void>(found) ? await found : found;
          if (list && list.length > 0) (issues ??= []).push(...list);
        }
        if (issues === undefined) return next();
        const summary = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
        return fail(
          new CatgaError(ErrorCode.VALIDATION_FAILED, `${typeName} is invalid: ${summary}`, {
            retryable: false,
            details: { messageType: typeName, errors: issues },
          }),
        );
      };
    },
  };
}
