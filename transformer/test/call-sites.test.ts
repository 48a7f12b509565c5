import { compileFixture } from './support/findings';

describe('call-site rewriting', () => {
  const { findings, typeErrors, emitted } = compileFixture('call-sites');
  const js = [...emitted.entries()].find(([name]) => name.endsWith('messages.js'))?.[1] ?? [...emitted.keys()].join(', ');

  it('compiles cleanly', () => {
    expect(typeErrors).toEqual([]);
    expect(findings).toEqual([]);
  });

  it('rewrites nested ctx.send calls inside each other, and ctx.publish', () => {
    expect(js).toContain('await __catga.sendCompiled(ctx, new Double((await __catga.sendCompiled(ctx, new Double(0))).ok ? command.n : 0))');
    expect(js).toContain('await __catga.publishCompiled(ctx, new Doubled())');
  });

  it('rewrites bus.send of a statically typed message, and leaves detached methods and `any` arguments alone', () => {
    expect(js).toContain('await __catga.sendCompiled(catga, new Double(2))');
    expect(js).toContain('await send(new Double(3))');
    expect(js).toContain('await __catga.sendCompiled(catga, untyped)');
    expect(js).toContain("await catga.send(JSON.parse('{}'))");
  });
});
