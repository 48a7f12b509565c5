import { noFloatingPromiseInHandler } from '../../src/rules/no-floating-promise-in-handler';
import { typedRuleTester } from '../rule-tester';

// Typed: "is this a promise" is the checker's answer (structural thenables included). Every case shares the
// two-line prelude; handler bodies start on line 4. No autofix ever (output: null); suggestions asserted exactly.
const ruleTester = typedRuleTester();

const PRELUDE = `import { CatgaHandler, Command, Event, type CommandHandler, type HandlerContext } from '@catga/runtime';
class Ping extends Command<string> {} class Pinged extends Event {}
`;

/** A decorated handler whose `handle` body is `body` (line 4 onwards). */
const handler = (body: string, modifier = 'async '): string =>
  `${PRELUDE}@CatgaHandler(Ping) class PingHandler implements CommandHandler<Ping> {
  ${modifier}handle(c: Ping, ctx: HandlerContext) {
${body}
    return 'pong';
  }
}`;

ruleTester.run('no-floating-promise-in-handler', noFloatingPromiseInHandler, {
  valid: [
    { name: 'awaited', code: handler(`    await ctx.publish(new Pinged());`) },
    { name: 'void-ed', code: handler(`    void ctx.publish(new Pinged());`) },
    { name: 'assigned', code: handler(`    const pending = ctx.publish(new Pinged()); await pending;`) },
    { name: 'caught', code: handler(`    ctx.publish(new Pinged()).catch((error: unknown) => console.error(error));`) },
    { name: 'then with a rejection handler', code: handler(`    ctx.publish(new Pinged()).then(() => {}, () => {});`) },
    { name: 'caught, then finally', code: handler(`    ctx.publish(new Pinged()).catch(() => {}).finally(() => {});`) },
    {
      name: 'returned from a nested callback',
      code: handler(`    const later = () => ctx.publish(new Pinged()); await later();`),
    },
    { name: 'promise array awaited', code: handler(`    await Promise.all([1, 2].map(async () => ctx.publish(new Pinged())));`) },
    { name: 'forEach with a synchronous callback', code: handler(`    [1, 2].forEach((n) => console.log(n));`) },
    { name: 'a plain call that returns no promise', code: handler(`    console.log(c.messageId);`) },
    {
      name: 'then() that is not a thenable (type-based: takes a number, not a callback)',
      code: handler(`    const box = { then(n: number) { return n; } };
    box.then(1);`),
    },
    {
      name: 'a forEach that hands the promises back (returns them, not void)',
      code: `${PRELUDE}class Jobs { forEach(f: (n: number) => Promise<void>): Array<Promise<void>> { return [1].map(f); } }
@CatgaHandler(Ping) class PingHandler {
  async handle(c: Ping, ctx: HandlerContext) {
    await Promise.all(new Jobs().forEach(async () => {}));
    return 'pong';
  }
}`,
    },
    {
      name: 'not a handler class: same code, no report',
      code: `${PRELUDE}class PingService {
  async handle(c: Ping, ctx: HandlerContext) {
    ctx.publish(new Pinged());
    [1, 2].forEach(async () => { await ctx.publish(new Pinged()); });
    return 'pong';
  }
}`,
    },
    {
      name: 'outside any handler',
      code: `${PRELUDE}export function notify(ctx: HandlerContext) { ctx.publish(new Pinged()); }`,
    },
    {
      name: 'allowForKnownSafeCalls: full dotted name',
      code: handler(`    ctx.publish(new Pinged());`),
      options: [{ allowForKnownSafeCalls: ['ctx.publish'] }],
    },
    {
      name: 'allowForKnownSafeCalls: last name only',
      code: handler(`    ctx.publish(new Pinged());`),
      options: [{ allowForKnownSafeCalls: ['publish'] }],
    },
  ],
  invalid: [
    {
      name: 'context.publish not awaited, in an async handle: await and void',
      code: handler(`    ctx.publish(new Pinged());`),
      output: null,
      errors: [
        {
          messageId: 'floating',
          data: { call: 'ctx.publish(…)' },
          line: 5,
          column: 5,
          endLine: 5,
          endColumn: 30,
          suggestions: [
            { messageId: 'addAwait', output: handler(`    await ctx.publish(new Pinged());`) },
            { messageId: 'addVoid', output: handler(`    void ctx.publish(new Pinged());`) },
          ],
        },
      ],
    },
    {
      name: 'context.send in a synchronous handle: void only',
      code: handler(`    ctx.send(new Ping());`, ''),
      output: null,
      errors: [
        {
          messageId: 'floating',
          data: { call: 'ctx.send(…)' },
          line: 5,
          column: 5,
          suggestions: [{ messageId: 'addVoid', output: handler(`    void ctx.send(new Ping());`, '') }],
        },
      ],
    },
    {
      name: 'inside a nested non-async callback: void only',
      code: handler(`    setTimeout(() => { ctx.publish(new Pinged()); }, 0);`),
      output: null,
      errors: [
        {
          messageId: 'floating',
          data: { call: 'ctx.publish(…)' },
          line: 5,
          column: 24,
          suggestions: [{ messageId: 'addVoid', output: handler(`    setTimeout(() => { void ctx.publish(new Pinged()); }, 0);`) }],
        },
      ],
    },
    {
      name: 'then without a rejection handler',
      code: handler(`    ctx.send(new Ping()).then((r) => r.ok);`),
      output: null,
      errors: [
        {
          messageId: 'floating',
          data: { call: 'ctx.send(new Ping()).then(…)' },
          line: 5,
          column: 5,
          suggestions: [
            { messageId: 'addAwait', output: handler(`    await ctx.send(new Ping()).then((r) => r.ok);`) },
            { messageId: 'addVoid', output: handler(`    void ctx.send(new Ping()).then((r) => r.ok);`) },
          ],
        },
      ],
    },
    {
      name: 'catch() without a handler, and finally() on an unhandled promise',
      code: handler(`    ctx.publish(new Pinged()).catch();
    ctx.publish(new Pinged()).finally(() => {});`, ''),
      output: null,
      errors: [
        {
          messageId: 'floating',
          data: { call: 'ctx.publish(new Pinged()).catch()' },
          line: 5,
          column: 5,
          suggestions: [
            {
              messageId: 'addVoid',
              output: handler(`    void ctx.publish(new Pinged()).catch();
    ctx.publish(new Pinged()).finally(() => {});`, ''),
            },
          ],
        },
        {
          messageId: 'floating',
          data: { call: 'ctx.publish(new Pinged()).finally(…)' },
          line: 6,
          column: 5,
          suggestions: [
            {
              messageId: 'addVoid',
              output: handler(`    ctx.publish(new Pinged()).catch();
    void ctx.publish(new Pinged()).finally(() => {});`, ''),
            },
          ],
        },
      ],
    },
    {
      name: 'conditional: parenthesised by the suggestions',
      code: handler(`    c.messageId ? ctx.publish(new Pinged()) : undefined;`),
      output: null,
      errors: [
        {
          messageId: 'floating',
          data: { call: 'ctx.publish(…)' },
          line: 5,
          column: 5,
          suggestions: [
            { messageId: 'addAwait', output: handler(`    await (c.messageId ? ctx.publish(new Pinged()) : undefined);`) },
            { messageId: 'addVoid', output: handler(`    void (c.messageId ? ctx.publish(new Pinged()) : undefined);`) },
          ],
        },
      ],
    },
    {
      name: 'optional call',
      code: handler(`    const maybe = Math.random() > 0.5 ? ctx : undefined;
    maybe?.publish(new Pinged());`),
      output: null,
      errors: [
        {
          messageId: 'floating',
          data: { call: 'maybe?.publish(…)' },
          line: 6,
          column: 5,
          suggestions: [
            {
              messageId: 'addAwait',
              output: handler(`    const maybe = Math.random() > 0.5 ? ctx : undefined;
    await maybe?.publish(new Pinged());`),
            },
            {
              messageId: 'addVoid',
              output: handler(`    const maybe = Math.random() > 0.5 ? ctx : undefined;
    void maybe?.publish(new Pinged());`),
            },
          ],
        },
      ],
    },
    {
      name: 'an async IIFE',
      code: handler(`    (async () => { await ctx.publish(new Pinged()); })();`),
      output: null,
      errors: [
        {
          messageId: 'floating',
          data: { call: '(async () => { await ctx.publish(new Pi…()' },
          line: 5,
          column: 5,
          suggestions: [
            { messageId: 'addAwait', output: handler(`    await (async () => { await ctx.publish(new Pinged()); })();`) },
            { messageId: 'addVoid', output: handler(`    void (async () => { await ctx.publish(new Pinged()); })();`) },
          ],
        },
      ],
    },
    {
      name: 'an array of promises as a statement',
      code: handler(`    [1, 2].map(async () => ctx.publish(new Pinged()));`),
      output: null,
      errors: [
        {
          messageId: 'floatingArray',
          data: { call: '[1, 2].map(…)' },
          line: 5,
          column: 5,
          suggestions: [
            { messageId: 'awaitAll', output: handler(`    await Promise.all([1, 2].map(async () => ctx.publish(new Pinged())));`) },
            { messageId: 'voidAll', output: handler(`    void Promise.all([1, 2].map(async () => ctx.publish(new Pinged())));`) },
          ],
        },
      ],
    },
    {
      name: 'forEach(async …) in an async function: Promise.all(map) suggested',
      code: handler(`    const ids = [c.messageId];
    ids.forEach(async (id) => { await ctx.publish(new Pinged()); });`),
      output: null,
      errors: [
        {
          messageId: 'forEachAsync',
          data: { call: 'ids.forEach(…)' },
          line: 6,
          column: 17,
          endLine: 6,
          endColumn: 67,
          suggestions: [
            {
              messageId: 'usePromiseAll',
              output: handler(`    const ids = [c.messageId];
    await Promise.all(ids.map(async (id) => { await ctx.publish(new Pinged()); }));`),
            },
          ],
        },
      ],
    },
    {
      name: 'forEach with a method reference that returns a promise (type-based), in a synchronous handle: no suggestion',
      code: `${PRELUDE}@CatgaHandler(Ping) class PingHandler {
  private async notify(id: string): Promise<void> { void id; }
  handle(c: Ping) {
    [c.messageId].forEach(this.notify);
    return 'pong';
  }
}`,
      output: null,
      errors: [{ messageId: 'forEachAsync', data: { call: '[c.messageId].forEach(…)' }, line: 6, column: 27, suggestions: [] }],
    },
    {
      name: 'Set.forEach(async …) drops promises too; no map() on a Set, so no suggestion',
      code: handler(`    new Set([1]).forEach(async () => { await ctx.publish(new Pinged()); });`),
      output: null,
      errors: [{ messageId: 'forEachAsync', data: { call: 'new Set([1]).forEach(…)' }, line: 5, column: 26, suggestions: [] }],
    },
    {
      name: 'allowForKnownSafeCalls does not cover other calls',
      code: handler(`    ctx.send(new Ping());`),
      options: [{ allowForKnownSafeCalls: ['publish'] }],
      output: null,
      errors: [
        {
          messageId: 'floating',
          data: { call: 'ctx.send(…)' },
          line: 5,
          column: 5,
          suggestions: [
            { messageId: 'addAwait', output: handler(`    await ctx.send(new Ping());`) },
            { messageId: 'addVoid', output: handler(`    void ctx.send(new Ping());`) },
          ],
        },
      ],
    },
    {
      name: 'handler recognised by its interface alone',
      code: `${PRELUDE}class PingHandler implements CommandHandler<Ping> {
  handle(c: Ping, ctx: HandlerContext) { ctx.publish(new Pinged()); return 'pong'; }
}`,
      output: null,
      errors: [
        {
          messageId: 'floating',
          data: { call: 'ctx.publish(…)' },
          line: 4,
          column: 42,
          suggestions: [
            {
              messageId: 'addVoid',
              output: `${PRELUDE}class PingHandler implements CommandHandler<Ping> {
  handle(c: Ping, ctx: HandlerContext) { void ctx.publish(new Pinged()); return 'pong'; }
}`,
            },
          ],
        },
      ],
    },
  ],
});
