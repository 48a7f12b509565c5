import { CatgaError, assertSerializable, jsonCodec, msgpackCodec } from '@catga/runtime';

const sample = {
  id: 'o-1',
  total: 12.5,
  paid: false,
  note: null,
  lines: [{ sku: 'a', qty: 2 }],
  at: new Date('2026-11-24T10:00:00.000Z'),
  blob: new Uint8Array([1, 2, 3]),
};

describe.each([msgpackCodec(), jsonCodec()])('$name codec', (codec) => {
  it('round-trips plain data with Date and bytes intact', () => {
    const decoded = codec.decode(codec.encode(sample)) as typeof sample;
    expect(decoded).toEqual(sample);
    expect(decoded.at).toBeInstanceOf(Date);
    expect(Array.from(decoded.blob)).toEqual([1, 2, 3]);
  });

  it('throws on malformed bytes instead of returning garbage', () => {
    expect(() => codec.decode(new Uint8Array([0xc1, 0xff, 0x00]))).toThrow();
  });

  it('does not pollute prototypes when decoding __proto__ keys', () => {
    const hostile = codec.name === 'json'
      ? Buffer.from('{"__proto__":{"polluted":true},"a":1}')
      : msgpackCodec().encode(JSON.parse('{"__proto__":{"polluted":true},"a":1}'));
    const decoded = codec.decode(hostile) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
  });
});

describe('assertSerializable', () => {
  const failure = (value: unknown): CatgaError => {
    try {
      assertSerializable(value, 'command "X"');
    } catch (error) {
      if (error instanceof CatgaError) return error;
      throw error;
    }
    throw new Error('expected SERIALIZATION_FAILED');
  };

  it('accepts data that every codec carries unchanged', () => {
    class DataOnly {
      constructor(readonly a = 1) {}
    }
    expect(() => assertSerializable({ ...sample, nested: [[1], { x: undefined }], data: new DataOnly() }, 'x')).not.toThrow();
  });

  it.each([
    [{ callback: () => 1 }, '$.callback', 'is a function'],
    [{ id: Symbol('s') }, '$.id', 'is a symbol'],
    [{ big: 10n }, '$.big', 'is a bigint'],
    [{ n: Number.NaN }, '$.n', 'is NaN'],
    [{ list: [1, Infinity] }, '$.list[1]', 'is Infinity'],
    [{ index: new Map() }, '$.index', 'is a Map'],
    [{ when: new Date('nope') }, '$.when', 'invalid Date'],
    [{ pending: Promise.resolve(1) }, '$.pending', 'is a Promise'],
    [{ money: new (class Money { constructor(readonly cents = 1) {} add(): void {} })() }, '$.money', 'instance with members (add)'],
  ])('rejects %p at its path', (value, path, reason) => {
    const error = failure(value);
    expect(error.code).toBe('SERIALIZATION_FAILED');
    expect(error.details.path).toBe(path);
    expect(error.message).toContain(reason);
    expect(error.message).toContain('command "X" cannot cross a transport');
  });

  it('rejects keys a decoder would drop or refuse', () => {
    expect(failure(JSON.parse('{"a":{"__proto__":{"x":1}}}')).details.path).toBe('$.a.__proto__');
    expect(failure({ b: [{ constructor: 'x' }] }).details.path).toBe('$.b[0].constructor');
  });

  it('rejects circular references', () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    expect(failure(loop).details.path).toBe('$.self');
  });
});
