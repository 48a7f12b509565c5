import { CatgaConfigurationError } from '../core/configuration-error.js';
import { isExpectedFailure } from '../core/error-codes.js';
import type { AnyMessage } from '../core/messages.js';
import type { PipelineBehavior, PipelineStep } from '../core/pipeline.js';
import { hookedStep } from '../core/step-hooks.js';
import { isThenable } from '../core/thenable.js';
import { type CatgaLogger, checkedLevel, isLevelEnabled, type LogFields, type LogLevel } from './logger.js';

/** Options of {@link loggingBehavior}. */
export interface LoggingBehaviorOptions {
  /** Where entries go: a pino logger, `consoleLogger()`, or anything with the {@link CatgaLogger} shape. */
  readonly logger: CatgaLogger;
  /** Minimum level logged (default `info`). Entries below it are not even built. */
  readonly level?: LogLevel;
}

/**
 * Failures that are expected outcomes of a healthy system (a domain answer, the caller's own doing, or a protective
 * behaviour doing its job): logged at `warn`. Every other code (HANDLER_FAILED, TIMEOUT, PIPELINE_FAILED,
 * INTERNAL_ERROR, transport/persistence/serialisation/lock failures, and any code added later) is a defect or an
 * outage and is logged at `error`, so that a new code errs on the loud side.
 */

/** The level a failure with `code` is logged at. */
export function failureLevel(code: string): 'warn' | 'error' {
  return isExpectedFailure(code) ? 'warn' : 'error';
}

function ignore(): void {}

/**
 * Writes one entry, ignoring a logger that throws or rejects. Why: logging observes the call, it must never decide
 * its outcome. Letting the exception through would turn it into PIPELINE_FAILED, after the handler has already done
 * its work, so the caller would see a failure (and might retry a command that in fact succeeded). There is nowhere
 * better to report a broken logger than the logger itself.
 */
function write(logger: CatgaLogger, level: LogLevel, fields: LogFields, message: string): void {
  try {
    const returned: unknown = logger[level](fields, message);
    // An async logger's rejection would otherwise surface as an unhandled rejection and may crash the process.
    if (isThenable(returned)) {
      returned.then(undefined, ignore);
    }
  } catch {
    // Deliberately ignored: see above.
  }
}

// Microsecond precision is plenty for a log line and keeps it readable (0.042 rather than 0.04199999570846558).
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * Logs every handler call with structured fields: `messageType`, `kind`, `messageId`, `correlationId`,
 * `causationId`, `handler`, `durationMs`, `outcome` (`ok` | `failed`) and, on failure, `errorCode`, `retryable`,
 * `errorMessage` and `err` (the failure's cause, when it is an `Error`).
 *
 * - `debug` "handling <Type>" when the call starts (without duration and outcome);
 * - `info` "handled <Type>" on success;
 * - `warn` "failed <Type>" for expected outcomes (NOT_FOUND, CONFLICT, VALIDATION_FAILED, UNAUTHORIZED, FORBIDDEN,
 *   CANCELLED, RATE_LIMITED, CONCURRENCY_LIMITED, CIRCUIT_OPEN), `error` "failed <Type>" for everything else.
 *
 * The messages are constant per type (computed once per handler at build time) so that log tools can group by
 * them; what varies is in the fields. Place it outermost (`BehaviorOrder.logging`) to log the final outcome
 * and the full duration, retries and short-circuits included. A logger that throws never affects the call.
 *
 * @throws {@link CatgaConfigurationError} when `logger` lacks a level method or `level` is not a {@link LogLevel}
 */
export function loggingBehavior(options: LoggingBehaviorOptions): PipelineBehavior {
  const { logger } = options;
  for (const method of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof (logger as Partial<CatgaLogger> | undefined)?.[method] !== 'function') {
      throw new CatgaConfigurationError('logging.logger', `expected a logger with ${method}(fields, message)`);
    }
  }
  const minimum = checkedLevel(options.level, 'logging.level');
  // Decided once: the hot path tests a boolean instead of comparing levels.
  const debug = isLevelEnabled('debug', minimum);
  const info = isLevelEnabled('info', minimum);
  const warn = isLevelEnabled('warn', minimum);
  const error = isLevelEnabled('error', minimum);

  return {
    name: 'logging',
    forMessage({ typeName, kind, handlerName }): PipelineStep {
      const handling = `handling ${typeName}`;
      const handled = `handled ${typeName}`;
      const failed = `failed ${typeName}`;
      // The fields every entry of this type carries; built only for levels that are on.
      const baseFields = (message: AnyMessage): LogFields => ({
        messageType: typeName,
        kind,
        messageId: message.messageId,
        correlationId: message.correlationId,
        causationId: message.causationId,
        handler: handlerName,
      });
      return hookedStep<undefined>({
        timed: true,
        enter(message) {
          if (debug) write(logger, 'debug', baseFields(message), handling);
          return undefined;
        },
        leave(_state, result, message, startedAt) {
          if (result.ok) {
            if (!info) return result;
            const fields: LogFields = { ...baseFields(message), durationMs: roundMs(performance.now() - startedAt), outcome: 'ok' };
            write(logger, 'info', fields, handled);
            return result;
          }
          const failure = result.error;
          const level = failureLevel(failure.code);
          if (level === 'warn' ? !warn : !error) return result;
          const cause: unknown = failure.cause;
          const fields: LogFields = {
            ...baseFields(message),
            durationMs: roundMs(performance.now() - startedAt),
            outcome: 'failed',
            errorCode: failure.code,
            retryable: failure.retryable,
            errorMessage: failure.message,
            ...(cause instanceof Error ? { err: cause } : undefined),
          };
          write(logger, level, fields, failed);
          return result;
        },
      });
    },
  };
}
