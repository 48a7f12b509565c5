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

const CODES = Array.from(ALPHABET, (char) => char.charCodeAt(0));

/** The 8 base32 digits of a 40-bit value, in one string allocation. */
function encode40(value: number): string {
  const high = Math.floor(value / 2 ** 20); // two 20-bit halves: bit operations stay within 32 bits
  const low = value % 2 ** 20;
  return String.fromCharCode(
    CODES[(high >>> 15) & 31]!, CODES[(high >>> 10) & 31]!, CODES[(high >>> 5) & 31]!, CODES[high & 31]!,
    CODES[(low >>> 15) & 31]!, CODES[(low >>> 10) & 31]!, CODES[(low >>> 5) & 31]!, CODES[low & 31]!,
  );
}

/** The 10 base32 digits of a 48-bit millisecond timestamp. */
function encodeTime(time: number): string {
  const top = Math.floor(time / 2 ** 40); // the bits above the low 40: the first two digits
  return String.fromCharCode(CODES[(top >>> 5) & 31]!, CODES[top & 31]!) + encode40(time % 2 ** 40);
}

// The time digits and the high random digits change once per millisecond: encoded then, reused for every id of it.
let timeDigits = '';
let highDigits = '';

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
    timeDigits = encodeTime(now);
    highDigits = encode40(randomHigh);
  } else {
    // Same millisecond (or the clock went back): keep order by incrementing instead of drawing new randomness.
    randomLow += 1;
    if (randomLow >= RANDOM_HALF_MAX) {
      randomLow = 0;
      randomHigh = (randomHigh + 1) % RANDOM_HALF_MAX;
      highDigits = encode40(randomHigh);
    }
  }
  return timeDigits + highDigits + encode40(randomLow);
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
