import { CatgaError } from '../core/catga-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { contractOf } from '../core/compiled.js';
import type { AnyMessage } from '../core/messages.js';
import type { PipelineBehavior, PrecheckStep } from '../core/pipeline.js';
import type { CatgaResult } from '../core/result.js';
import { isThenable } from '../core/thenable.js';
import { fail } from '../core/result.js';
import { attachedValidatorsOf, type ValidateFn, type ValidationIssue } from './validator.js';

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
      // The validator the transformer generated from the field types is synchronous; the others may not be.
      const generated = contractOf(descriptor.messageClass)?.validate as ((message: AnyMessage) => ValidationIssue[] | undefined) | undefined;
      const validators = [...attachedValidatorsOf(descriptor.messageClass), ...(instanceValidators.get(descriptor.messageClass) ?? [])];
      const { typeName } = descriptor;
      if (generated !== undefined && validators.length === 0) {
        // Only the generated check: run inline, before the inner layers, with no promise of its own.
        const precheck = (message: AnyMessage): CatgaResult<unknown> | undefined => {
          const issues = generated(message);
          return issues === undefined ? undefined : invalid(typeName, issues);
        };
        const step = (message: AnyMessage, _context: unknown, next: () => Promise<CatgaResult<unknown>>) => {
          const stop = precheck(message);
          return stop === undefined ? next() : Promise.resolve(stop);
        };
        return Object.assign(step, { precheck }) as PrecheckStep;
      }
      if (generated !== undefined) validators.unshift(generated);
      if (validators.length === 0) return undefined;
      return async (message, _context, next) => {
        let issues: ValidationIssue[] | undefined;
        for (const validate of validators) {
          const found = validate(message);
          const list = isThenable<readonly ValidationIssue[] | undefined | void>(found) ? await found : found;
          if (list && list.length > 0) (issues ??= []).push(...list);
        }
        return issues === undefined ? next() : invalid(typeName, issues);
      };
    },
  };
}

function invalid(typeName: string, issues: readonly ValidationIssue[]): CatgaResult<never> {
  const summary = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
  return fail(
    new CatgaError(ErrorCode.VALIDATION_FAILED, `${typeName} is invalid: ${summary}`, {
      retryable: false,
      details: { messageType: typeName, errors: issues },
    }),
  );
}
