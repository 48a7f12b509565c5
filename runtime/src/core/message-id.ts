import { randomBytes } from 'node:crypto';

// Crockford base32: sortable as text, no ambiguous letters.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_HALF_MAX = 2 ** 40; // two 40-bit halves make the 80 random bits of a ULID

let lastTime = -1;
let randomHigh = 0;
let randomLow = 0;
let pool = randomBytes(0);
let poolOffset = 0;

function random40(): number {
  if (poolOffset + 5 > pool.length) {
    pool = randomBytes(5 * 256); // refill in bulk: one syscall per 256 ids at most
    poolOffset = 0;
  }
  const value =
    pool[poolOffset]! * 2 ** 32 +
    pool[poolOffset + 1]! * 2 ** 24 +
    pool[poolOffset + 2]! * 2 ** 16 +
    pool[poolOffset + 3]! * 2 ** 8 +
    pool[poolOffset + 4]!;
  poolOffset += 5;
  return value;
}

function encode(value: number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[value % 32]! + out;
    value = Math.floor(value / 32);
  }
  return out;
}

/**
 * A new message id: a 26-character ULID (48-bit millisecond timestamp + 80 random bits, Crockford base32).
 * Ids sort by creation time as plain strings; within one millisecond of one process they are strictly increasing
 * (the random part is incremented, as the ULID spec's monotonic mode says). Generated locally, no network call.
 */
export function newMessageId(now: number = Date.now()): string {
  if (now > lastTime) {
    lastTime = now;
    randomHigh = random40();
    randomLow = random40();
  } else {
    // Same millisecond (or the clock went back): keep order by incrementing instead of drawing new randomness.
    randomLow += 1;
    if (randomLow >= RANDOM_HALF_MAX) {
      randomLow = 0;
      randomHigh = (randomHigh + 1) % RANDOM_HALF_MAX;
    }
  }
  return encode(lastTime, 10) + encode(randomHigh, 8) + encode(randomLow, 8);
}

/** The creation time (ms since epoch) encoded in a message id produced by {@link newMessageId}. */
export function messageIdTime(id: string): number {
  let time = 0;
  for (let i = 0; i < 10; i++) {
    const digit = ALPHABET.indexOf(id[i] ?? '');
    if (digit < 0) throw new RangeError(`Not a Catga message id: ${JSON.stringify(id)}`);
    time = time * 32 + digit;
  }
  return time;
}
