import type { Codec } from './codec.js';

// JSON has no Date or bytes; tag them so they come back as the same types instead of silently turning into strings.
const DATE_TAG = '$catga.date';
const BYTES_TAG = '$catga.bytes';

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (raw instanceof Date) return { [DATE_TAG]: raw.toISOString() };
  if (raw instanceof Uint8Array) return { [BYTES_TAG]: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const date = record[DATE_TAG];
    if (typeof date === 'string' && Object.keys(record).length === 1) return new Date(date);
    const bytes = record[BYTES_TAG];
    if (typeof bytes === 'string' && Object.keys(record).length === 1) return new Uint8Array(Buffer.from(bytes, 'base64'));
  }
  return value;
}

/** UTF-8 JSON, with `Date` and `Uint8Array` preserved through tagged objects. Readable on the wire. */
export function jsonCodec(): Codec {
  return {
    name: 'json',
    contentType: 'application/json',
    encode: (value) => Buffer.from(JSON.stringify(value, replacer), 'utf8'),
    decode: (bytes) => JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), reviver),
  };
}
