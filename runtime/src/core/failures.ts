import { abortReason } from './abort.js';
import { CatgaError, isCatgaError } from './catga-error.js';
import { ErrorCode } from './error-codes.js';
import type { MessageKind } from './messages.js';
import { type Fail, fail } from './result.js';

// Defects in the handler's own code: retrying runs into the same bug.
function isProgrammingError(thrown: unknown): boolean {
  return (
    thrown instanceof TypeError ||
    thrown instanceof ReferenceError ||
    thrown instanceof SyntaxError ||
    thrown instanceof RangeError
  );
}

function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === 'string') return thrown;
  return `non-Error value thrown (${typeof thrown})`;
}

/** No handler for a command or query in this instance. */
export function handlerNotFound(kind: MessageKind, typeName: string, instanceName: string): Fail {
  return fail(ErrorCode.HANDLER_NOT_FOUND, `No handler for ${kind} "${typeName}" in Catga instance "${instanceName}"`, {
    details: { messageType: typeName, kind, instance: instanceName },
  });
}

/** The call was cancelled through the caller's signal. */
export function cancelled(typeName: string, signal: AbortSignal, cause?: unknown): Fail {
  return fail(ErrorCode.CANCELLED, `"${typeName}" was cancelled: ${abortReason(signal)}`, {
    details: { messageType: typeName },
    cause: cause ?? signal.reason,
  });
}

/**
 * Turns whatever a handler threw into a failure: a `CatgaError` keeps its code, an abort after cancellation is
 * `CANCELLED`, anything else is `HANDLER_FAILED` with the thrown value as `cause`.
 */
export function handlerFailed(
  thrown: unknown,
  handlerName: string,
  typeName: string,
  messageId: string,
  signal: AbortSignal,
): Fail {
  if (isCatgaError(thrown)) return fail(thrown);
  if (signal.aborted) return cancelled(typeName, signal, thrown);
  return fail(
    new CatgaError(ErrorCode.HANDLER_FAILED, `${handlerName} failed on "${typeName}": ${describeThrown(thrown)}`, {
      retryable: !isProgrammingError(thrown),
      details: { handler: handlerName, messageType: typeName, messageId },
      cause: thrown,
    }),
  );
}

/** A behaviour threw instead of returning a result. */
export function pipelineFailed(thrown: unknown, behaviorName: string, typeName: string, signal: AbortSignal): Fail {
  if (isCatgaError(thrown)) return fail(thrown);
  if (signal.aborted) return cancelled(typeName, signal, thrown);
  return fail(
    new CatgaError(ErrorCode.PIPELINE_FAILED, `Behaviour "${behaviorName}" failed on "${typeName}": ${describeThrown(thrown)}`, {
      retryable: false,
      details: { behavior: behaviorName, messageType: typeName },
      cause: thrown,
    }),
  );
}

/** The argument of `send`/`publish` is not a message of the right kind. */
export function notAMessage(operation: 'send' | 'publish', received: unknown): Fail {
  const what =
    received === null || typeof received !== 'object'
      ? String(received === null ? 'null' : typeof received)
      : `an instance of ${(received as object).constructor?.name ?? 'an unknown class'}`;
  const expected = operation === 'send' ? 'a Command or Query instance' : 'an Event instance';
  return fail(ErrorCode.VALIDATION_FAILED, `${operation}() expects ${expected}, got ${what}`, {
    details: { operation, received: what },
  });
}
