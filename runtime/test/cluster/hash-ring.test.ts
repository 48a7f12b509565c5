import { HashRing, hash32 } from '@catga/runtime';

// Consistent hashing: the reference vectors of MurmurHash3 x86_32, balance over a few members, and how few keys move
// when a member joins or leaves. Node ids and keys are fixed, so every figure here is deterministic.

const keys = Array.from({ length: 30_000 }, (_, i) => `order-${i}`);

function owners(ring: HashRing): Map<string, string> {
  return new Map(keys.map((key) => [key, ring.ownerOf(key)!]));
}

function shares(assignment: Map<string, string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const owner of assignment.values()) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  return new Map([...counts].map(([owner, count]) => [owner, count / assignment.size]));
}

describe('hash32', () => {
  it('is MurmurHash3 x86_32 over UTF-8 (reference vectors)', () => {
    expect(hash32('')).toBe(0);
    expect(hash32('', 1)).toBe(0x514e28b7);
    expect(hash32('hello')).toBe(0x248bfa47);
    expect(hash32('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723);
    // Multi-byte characters hash their UTF-8 bytes: "é" is C3 A9, not the UTF-16 unit E9.
    expect(hash32('é')).toBe(hash32(Buffer.from([0xc3, 0xa9]).toString('utf8')));
    expect(hash32('é')).not.toBe(hash32('\u00e9\u0000'));
  });

  it('handles keys longer than its scratch buffer', () => {
    const long = 'x'.repeat(10_000);
    expect(hash32(long)).toBe(hash32(long));
    expect(hash32(`${long}y`)).not.toBe(hash32(long));
  });
});

describe('HashRing', () => {
  it('gives every key an owner, the same whatever order the members are given in', () => {
    const a = new HashRing(['node-a', 'node-b', 'node-c']);
    const b = new HashRing(['node-c', 'node-a', 'node-b', 'node-a']);
    expect(a.members).toEqual(['node-a', 'node-b', 'node-c']);
    expect(b.members).toEqual(a.members);
    for (const key of keys.slice(0, 1_000)) expect(b.ownerOf(key)).toBe(a.ownerOf(key));
    expect(new HashRing([]).ownerOf('order-1')).toBeUndefined();
    expect(new HashRing(['solo']).ownerOf('order-1')).toBe('solo');
  });

  it('spreads keys evenly over the members with 128 virtual nodes each', () => {
    const ring = new HashRing(['node-a', 'node-b', 'node-c']);
    const share = shares(owners(ring));
    expect([...share.keys()].sort()).toEqual(['node-a', 'node-b', 'node-c']);
    for (const value of share.values()) {
      expect(value).toBeGreaterThan(0.25);
      expect(value).toBeLessThan(0.42);
    }
    // Ten members: each within about a third of the even share.
    const ten = shares(owners(new HashRing(Array.from({ length: 10 }, (_, i) => `worker-${i}`))));
    for (const value of ten.values()) {
      expect(value).toBeGreaterThan(0.065);
      expect(value).toBeLessThan(0.135);
    }
  });

  it('moves only about 1/N of the keys, all to the newcomer, when a member joins', () => {
    const before = owners(new HashRing(['node-a', 'node-b', 'node-c']));
    const after = owners(new HashRing(['node-a', 'node-b', 'node-c', 'node-d']));
    const moved = keys.filter((key) => before.get(key) !== after.get(key));
    expect(moved.length / keys.length).toBeGreaterThan(0.15);
    expect(moved.length / keys.length).toBeLessThan(0.35);
    for (const key of moved) expect(after.get(key)).toBe('node-d');
  });

  it('moves only the keys of the member that leaves', () => {
    const before = owners(new HashRing(['node-a', 'node-b', 'node-c', 'node-d']));
    const after = owners(new HashRing(['node-a', 'node-c', 'node-d']));
    for (const key of keys) {
      if (before.get(key) === 'node-b') expect(after.get(key)).not.toBe('node-b');
      else expect(after.get(key)).toBe(before.get(key));
    }
    const moved = keys.filter((key) => before.get(key) !== after.get(key)).length / keys.length;
    expect(moved).toBeGreaterThan(0.15);
    expect(moved).toBeLessThan(0.35);
  });

  it('refuses a bad virtual node count', () => {
    expect(() => new HashRing(['a'], 0)).toThrow('hashRing.virtualNodes');
    expect(() => new HashRing(['a'], 1.5)).toThrow('expected an integer between 1 and 4096');
  });
});
