/**
 * Thrown at start-up (builder `.build()`, handler registration, decorator evaluation) when configuration is wrong.
 * It is the one error Catga throws instead of returning a result: a misconfigured app must not start.
 */
export class CatgaConfigurationError extends Error {
  /** Dotted path of the offending field, e.g. `options.codec` or `CreateOrder.timeoutMs`. */
  readonly field: string;
  /** What the field accepts, when that can be listed. */
  readonly allowed: readonly string[] | undefined;

  constructor(field: string, message: string, allowed?: readonly string[]) {
    super(`Invalid Catga configuration at "${field}": ${message}`);
    this.name = 'CatgaConfigurationError';
    this.field = field;
    this.allowed = allowed;
  }
}

/** Describes a received value briefly for error messages without dumping large objects. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : `an object`;
  return String(value);
}
