import { Packr } from 'msgpackr';
import type { Codec } from './codec.js';

/**
 * MessagePack through msgpackr, the default codec: faster than JSON to bytes and smaller (a codec suite in bench/
 * will put numbers on it for this project). Objects are
 * plain MessagePack maps (no msgpackr records), so any MessagePack peer can read them; `Date` round-trips natively.
 */
export function msgpackCodec(): Codec {
  const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
  return {
    name: 'msgpack',
    contentType: 'application/msgpack',
    encode: (value) => packr.pack(value),
    decode: (bytes) => packr.unpack(bytes),
  };
}
