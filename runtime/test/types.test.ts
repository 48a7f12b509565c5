import { join } from 'node:path';
import { typeCheck } from './support/type-check.js';

// Type-level tests: compile test/types/*.ts with the real compiler. Each `@ts-expect-error` must match an error
// (TS2578 "Unused @ts-expect-error" otherwise), and no other diagnostic may appear.
describe('type-level API (tsc over test/types)', () => {
  const file = join(__dirname, 'types', 'send-types.ts');

  it('rejects every wrong use and accepts every right one (TC39 decorators)', () => {
    expect(typeCheck(file)).toEqual([]);
  });

  it('gives the same verdicts under experimentalDecorators', () => {
    expect(typeCheck(file, { experimentalDecorators: true })).toEqual([]);
  });

  it('really reports an error when an expectation is removed (the check can fail)', () => {
    const probe = join(__dirname, 'types', 'probe.fixture.ts');
    const diagnostics = typeCheck(probe);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toContain('TS2345');
  });
});
