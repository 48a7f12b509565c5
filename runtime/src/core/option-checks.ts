import { CatgaConfigurationError, describeValue } from './configuration-error.js';

/** Checks one option value; throws {@link CatgaConfigurationError} naming `field` when it is wrong. */
export type OptionCheck = (value: unknown, field: string) => void;

/** Validates an options object: every key must have a check (typos fail loudly), every check must pass. */
export function checkOptions(value: unknown, field: string, checks: Readonly<Record<string, OptionCheck>>): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CatgaConfigurationError(field, `expected an options object, got ${describeValue(value)}`);
  }
  const allowed = Object.keys(checks);
  for (const [key, entry] of Object.entries(value)) {
    const check = checks[key];
    if (check === undefined) {
      throw new CatgaConfigurationError(
        `${field}.${key}`,
        `unknown option; allowed options are ${allowed.map((a) => `"${a}"`).join(', ')}`,
        allowed,
      );
    }
    if (entry !== undefined) check(entry, `${field}.${key}`);
  }
}

/** A string matching `pattern` (described as `what` in the error). */
export function matching(pattern: RegExp, what: string): OptionCheck {
  return (value, field) => {
    if (typeof value !== 'string' || !pattern.test(value)) {
      throw new CatgaConfigurationError(field, `expected ${what}, got ${describeValue(value)}`);
    }
  };
}

/** An integer in `[min, max]`. */
export function integerIn(min: number, max: number = Number.MAX_SAFE_INTEGER): OptionCheck {
  return (value, field) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
      throw new CatgaConfigurationError(field, `expected an integer ${range}, got ${describeValue(value)}`);
    }
  };
}

/** A boolean. */
export const bool: OptionCheck = (value, field) => {
  if (typeof value !== 'boolean') {
    throw new CatgaConfigurationError(field, `expected true or false, got ${describeValue(value)}`);
  }
};

/** One of the listed literal values. */
export function oneOf(values: readonly (string | number)[]): OptionCheck {
  const allowed = values.map((v) => (typeof v === 'string' ? `"${v}"` : String(v)));
  return (value, field) => {
    if (!values.includes(value as string | number)) {
      throw new CatgaConfigurationError(
        field,
        `expected one of ${allowed.join(', ')}, got ${describeValue(value)}`,
        values.map(String),
      );
    }
  };
}

/** A nested options object. */
export function nested(checks: Readonly<Record<string, OptionCheck>>, required: readonly string[] = []): OptionCheck {
  return (value, field) => {
    checkOptions(value, field, checks);
    for (const key of required) {
      if ((value as Record<string, unknown>)[key] === undefined) {
        throw new CatgaConfigurationError(`${field}.${key}`, 'is required');
      }
    }
  };
}
