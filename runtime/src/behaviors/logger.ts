import { CatgaConfigurationError, describeValue } from '../core/configuration-error.js';

/**
 * The structured fields of one log entry. Values are whatever the entry carries (strings, numbers, booleans, an
 * `Error` under `err`); `undefined` values mean "not set" and loggers may drop them.
 */
export type LogFields = Readonly<Record<string, unknown>>;

/** The levels Catga logs at, from the most to the least verbose. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Every {@link LogLevel}, from the most to the least verbose (the order {@link isLevelEnabled} compares by). */
export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['debug', 'info', 'warn', 'error'] as const);

/**
 * Where Catga writes its logs. The shape is pino's `(fields, message)`, so a pino (or pino-compatible) logger fits
 * as it is; `console` fits the type too, though it prints the fields before the message (use {@link consoleLogger}
 * for one readable line per entry).
 *
 * Methods are called as methods (`logger.info(...)`), so loggers that rely on `this` work unbound.
 */
export interface CatgaLogger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
}

/** Options of {@link consoleLogger}. */
export interface ConsoleLoggerOptions {
  /** Minimum level written (default `info`). */
  readonly level?: LogLevel;
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Whether `value` is one of the {@link LOG_LEVELS} (for options coming from JavaScript or configuration files). */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(RANK, value);
}

/** Whether an entry at `level` passes a `minimum` level (`warn` passes `info`, `debug` does not). */
export function isLevelEnabled(level: LogLevel, minimum: LogLevel): boolean {
  return RANK[level] >= RANK[minimum];
}

/**
 * The minimum level of an option, `info` when unset; throws {@link CatgaConfigurationError} naming `field` for
 * anything else than a {@link LogLevel} (an unknown level would otherwise silently suppress every entry).
 */
export function checkedLevel(level: unknown, field: string): LogLevel {
  if (level === undefined) return 'info';
  if (isLogLevel(level)) return level;
  throw new CatgaConfigurationError(field, `expected a log level, got ${describeValue(level)}`, LOG_LEVELS);
}

// JSON.stringify drops an Error's own fields (they are not enumerable) and throws on bigint: keep what matters to
// a reader. A CatgaError never reaches here as an Error, because its toJSON() runs first.
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function ignore(): void {}

function render(fields: LogFields): string {
  try {
    return JSON.stringify(fields, replacer);
  } catch (thrown) {
    // A circular structure (or a throwing toJSON) must not lose the entry: the message still gets written.
    return JSON.stringify({ unserializableFields: thrown instanceof Error ? thrown.message : String(thrown) });
  }
}

/**
 * A logger that writes one line per entry to the console: `catga <message> {json fields}`. `debug` and `info` go to
 * `console.debug`/`console.info` (stdout), `warn` and `error` to `console.warn`/`console.error` (stderr), so the level
 * survives in the stream. Meant for development and simple deployments; use pino (or another structured logger) in
 * production.
 *
 * @param options minimum level (default `info`)
 */
export function consoleLogger(options: ConsoleLoggerOptions = {}): CatgaLogger {
  const minimum = checkedLevel(options.level, 'consoleLogger.level');
  const write = (level: LogLevel): ((fields: LogFields, message: string) => void) => {
    // Decided once: a suppressed level is a no-op that does not even render its fields.
    if (!isLevelEnabled(level, minimum)) return ignore;
    return (fields, message) => {
      // Looked up per call rather than captured, so that a console patched or mocked later (tests, log shippers)
      // still receives the line.
      console[level](`catga ${message} ${render(fields)}`);
    };
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
