// Internal helpers the Redis stores share for the values they write and read: MessagePack encoding and decoding with
// the checks that go with it, prototype-polluting keys, Buffers, whole-millisecond durations and argument checks.
// Not exported from `@catga/runtime/redis`.
import type { Codec } from '../../codec/codec.js';
import { findForbiddenKey } from '../../codec/rehydrate.js';
import { assertSerializable } from '../../codec/serializable.js';
import { CatgaError } from '../../core/catga-error.js';
import { describeValue } from '../../core/configuration-error.js';
import { ErrorCode } from '../../core/error-codes.js';

/** What msgpackr renames `__proto__` to while decoding: refused as well by {@link findUnsafeKey}. */
const MSGPACKR_RENAMED_KEYS: ReadonlySet<string> = new Set(['__proto_']);

/**
 * The path of a key in decoded data that could pollute prototypes, or `undefined`. msgpackr renames `__proto__` to
 * `__proto_` while decoding, so that name counts too: Catga never writes either (`assertSerializable` refuses them).
 */
export function findUnsafeKey(value: unknown): string | undefined {
  return findForbiddenKey(value, '$', MSGPACKR_RENAMED_KEYS);
}

/** The bytes as a `Buffer` without copying (msgpackr already returns one; ioredis sends Buffers as they are). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Replaces the Buffers msgpack decodes binary data into with plain `Uint8Array` copies, in place: callers get the
 * same types the memory stores give (and nothing that shares memory with the reply).
 */
export function plainBytes(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return new Uint8Array(value);
  if (value === null || typeof value !== 'object' || value instanceof Date || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = plainBytes(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = plainBytes(record[key]);
  return value;
}

/**
 * A TTL Redis accepts (`PX` and `PEXPIRE` want a positive integer): fractions round up, and 0 or less means "at
 * once" (1 ms).
 */
export function ttl(ms: number): number {
  return Math.max(1, Math.ceil(ms));
}

/**
 * Encodes a value a store keeps under `key` and reads back itself (idempotency results, inbox results, dead
 * letters). Throws (plain errors, or what `assertSerializable` throws) for a value MessagePack would alter and for
 * one holding a key {@link decodeRecord} would refuse.
 *
 * @param label names the value in errors, e.g. `the dead letter at "<key>"`
 * @param reader the call that would refuse it, e.g. `list()`
 */
export function encodeRecord(codec: Codec, value: unknown, label: string, reader: string): Buffer {
  assertSerializable(value, label);
  const unsafe = findUnsafeKey(value);
  if (unsafe !== undefined) throw new Error(`${label} has the key ${unsafe}, which ${reader} would refuse`);
  return asBuffer(codec.encode(value));
}

/**
 * Decodes the bytes read from `key`; throws an error naming the key for bytes that are not MessagePack and for data
 * holding a key that could pollute prototypes (see {@link findUnsafeKey}). Checking the shape is the caller's part.
 *
 * @param what what the key should hold, with its article, e.g. `an inbox result`
 */
export function decodeRecord(codec: Codec, bytes: Uint8Array, key: string, what: string): unknown {
  let decoded: unknown;
  try {
    decoded = codec.decode(bytes);
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    throw new Error(`"${key}" holds ${what} that is not valid MessagePack: ${reason}`);
  }
  const unsafe = findUnsafeKey(decoded);
  if (unsafe !== undefined) throw new Error(`"${key}" holds ${what} with the forbidden key ${unsafe}`);
  return decoded;
}

/**
 * Encodes data a caller hands to a store (outbox messages, saga states), refusing with a non-retryable
 * `SERIALIZATION_FAILED` `CatgaError` data holding a `__proto__`/`constructor`/`prototype` key (reading it back would
 * refuse it) and data the codec cannot encode.
 *
 * @param subject names the data in messages, e.g. `saga <id>: the state`
 * @param details the error's details (the forbidden key's path is added as `path`)
 */
export function encodeData(codec: Codec, value: unknown, subject: string, details: Readonly<Record<string, unknown>>): Buffer {
  const forbidden = findUnsafeKey(value);
  if (forbidden !== undefined) {
    throw new CatgaError(ErrorCode.SERIALIZATION_FAILED, `${subject} has a forbidden key at ${forbidden}`, { details: { ...details, path: forbidden } });
  }
  try {
    return asBuffer(codec.encode(value));
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    throw new CatgaError(ErrorCode.SERIALIZATION_FAILED, `${subject} cannot be encoded: ${reason}`, { details, cause: thrown });
  }
}

/**
 * Decodes data {@link encodeData} wrote, with its binary fields as plain `Uint8Array`s (see {@link plainBytes}).
 * Throws what the codec throws for bytes that do not decode, and plain errors for data that is not an object (when
 * `object`) or that holds a `__proto__`/`constructor`/`prototype` key.
 *
 * @param subject names the data in messages, e.g. `saga <id>: the stored state`
 */
export function decodeData(codec: Codec, bytes: Uint8Array, subject: string, object = false): unknown {
  const decoded = codec.decode(bytes);
  if (object && (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded) || decoded instanceof Date || decoded instanceof Uint8Array)) {
    throw new Error(`${subject} is not an object`);
  }
  const forbidden = findUnsafeKey(decoded);
  if (forbidden !== undefined) throw new Error(`${subject} has a forbidden key at ${forbidden}`);
  return plainBytes(decoded);
}

/** The argument checks of one store: each throws a non-retryable `VALIDATION_FAILED` `CatgaError` naming the field. */
export interface ArgumentChecks {
  /** The error for `field`: `<store label>: <field>: <message>`. */
  invalid(field: string, message: string): CatgaError;
  /** An integer >= 0 (a limit). */
  count(value: unknown, field: string): void;
  /** A finite duration >= 0 in ms (at most half the safe integers, so adding it to a clock stays exact), rounded up. */
  wholeMs(value: unknown, field: string): number;
}

/** The {@link ArgumentChecks} of the store whose messages start with `label` (e.g. `Redis outbox`). */
export function argumentChecks(label: string): ArgumentChecks {
  const invalid = (field: string, message: string): CatgaError =>
    new CatgaError(ErrorCode.VALIDATION_FAILED, `${label}: ${field}: ${message}`, { details: { field } });
  return {
    invalid,
    count(value, field) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw invalid(field, `expected an integer >= 0, got ${describeValue(value)}`);
      }
    },
    wholeMs(value, field) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > Number.MAX_SAFE_INTEGER / 2) {
        throw invalid(field, `expected a finite number of ms >= 0, got ${describeValue(value)}`);
      }
      return Math.ceil(value);
    },
  };
}
