import { CatgaConfigurationError } from '../core/configuration-error.js';
import { integerIn } from '../core/option-checks.js';

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

/**
 * MurmurHash3 (x86, 32-bit) of the UTF-8 bytes of `text`: fast, well mixed, and the same in every language, so
 * another implementation can compute the same owners. Not a cryptographic hash: keys chosen to collide can crowd one
 * node.
 */
export function hash32(text: string, seed = 0): number {
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3); // UTF-8: at most 3 bytes per UTF-16 unit
  const { written } = encoder.encodeInto(text, scratch);
  return murmur3(scratch, written, seed);
}

function mixBlock(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

function murmur3(bytes: Uint8Array, length: number, seed: number): number {
  let h = seed | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    h ^= mixBlock(bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = length & 3;
  if (rest > 0) {
    let k = bytes[blocks]!;
    if (rest > 1) k |= bytes[blocks + 1]! << 8;
    if (rest > 2) k |= bytes[blocks + 2]! << 16;
    h ^= mixBlock(k);
  }
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Virtual nodes per member when none are given: shares within about ±10 % of even for a handful of members. */
export const DEFAULT_VIRTUAL_NODES = 128;

/**
 * Consistent hashing: each member owns `virtualNodes` points on a 32-bit circle (the hashes of `<member>#<i>`), and a
 * key belongs to the member owning the first point at or after the key's hash. When a member joins it takes about
 * 1/N of the keys, all from the others; when one leaves only its keys move. Immutable: build a new ring for new
 * members. The owner depends only on the set of members, not on the order they are given in, so every node that
 * sees the same members computes the same owners.
 */
export class HashRing {
  /** The members, sorted. */
  readonly members: readonly string[];
  /** Points per member on the circle. */
  readonly virtualNodes: number;
  private readonly points: Uint32Array;
  private readonly owners: readonly string[];

  constructor(members: Iterable<string>, virtualNodes: number = DEFAULT_VIRTUAL_NODES) {
    integerIn(1, 4_096)(virtualNodes, 'hashRing.virtualNodes');
    const unique = [...new Set(members)].sort();
    for (const member of unique) {
      if (typeof member !== 'string' || member === '') throw new CatgaConfigurationError('hashRing.members', 'expected non-empty member ids');
    }
    this.members = Object.freeze(unique);
    this.virtualNodes = virtualNodes;
    const placed: { hash: number; owner: string }[] = [];
    for (const owner of unique) {
      for (let i = 0; i < virtualNodes; i++) placed.push({ hash: hash32(`${owner}#${i}`), owner });
    }
    // Ties (two points with one hash) go to the smaller id, so the order members were given in never matters.
    placed.sort((a, b) => a.hash - b.hash || (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
    this.points = Uint32Array.from(placed, (point) => point.hash);
    this.owners = placed.map((point) => point.owner);
  }

  /** Members on the ring. */
  get size(): number {
    return this.members.length;
  }

  /** The member owning `key`; `undefined` on an empty ring. */
  ownerOf(key: string): string | undefined {
    const points = this.points;
    if (points.length === 0) return undefined;
    const hash = hash32(key);
    let low = 0;
    let high = points.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (points[middle]! < hash) low = middle + 1;
      else high = middle;
    }
    return this.owners[low === points.length ? 0 : low];
  }
}
