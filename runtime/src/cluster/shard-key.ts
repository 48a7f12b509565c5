import { ErrorCode } from '../core/error-codes.js';
import type { Message } from '../core/messages.js';
import { type Fail, fail } from '../core/result.js';

function describe(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'string') return 'an empty string';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The shard key of `message`: the value of its `field` as a string (numbers in their shortest form, so 42 and "42"
 * are one key), or a `VALIDATION_FAILED` failure naming the field when it is missing, empty, or not a string or a
 * finite number.
 */
export function shardKeyOf(message: Message, field: string): string | Fail {
  const value: unknown = (message as unknown as Record<string, unknown>)[field];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return fail(
    ErrorCode.VALIDATION_FAILED,
    `"${message.messageType}" is sharded by its field "${field}", which is ${describe(value)}; a shard key must be a non-empty string or a finite number`,
    { details: { messageType: message.messageType, shardKey: field } },
  );
}
