import type { Message, MessageClass } from '../core/messages.js';

// Keys that would change an object's prototype or shadow its constructor when copied onto it.
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Finds a key anywhere in decoded data that could pollute prototypes; returns its path, or `undefined`.
 *
 * @param value the decoded data
 * @param path the path reported for `value` itself (default `$`)
 * @param extraKeys keys refused as well as {@link FORBIDDEN_KEYS} (e.g. what a codec renames those to)
 */
export function findForbiddenKey(value: unknown, path = '$', extraKeys?: ReadonlySet<string>): string | undefined {
  if (value === null || typeof value !== 'object' || value instanceof Date || value instanceof Uint8Array) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findForbiddenKey(value[i], `${path}[${i}]`, extraKeys);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key) || extraKeys?.has(key) === true) return `${path}.${key}`;
    const found = findForbiddenKey((value as Record<string, unknown>)[key], `${path}.${key}`, extraKeys);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Rebuilds a message instance of `messageClass` from decoded fields without running its constructor (which would
 * draw a new id). Callers must have checked the fields with {@link findForbiddenKey}.
 */
export function rehydrate<M extends Message>(messageClass: MessageClass<M>, fields: Record<string, unknown>): M {
  const instance = Object.create(messageClass.prototype as object) as Record<string, unknown>;
  for (const key of Object.keys(fields)) instance[key] = fields[key];
  return instance as unknown as M;
}
