import { preferSyncHandlerFastPath } from '../../src/rules/prefer-sync-handler-fast-path';
import { typedRuleTester } from '../rule-tester';

// Typed: whether a returned value is a promise is the checker's call. Every case shares the two-line prelude, so
// reported lines start at 3. Suggestion outputs are asserted exactly (the rewrite is never an autofix).
const ruleTester = typedRuleTester();

const PRELUDE = `import { CatgaHandler, Command, Event, type CommandHandler, type EventHandler, type HandlerContext } from '@catga/runtime';
class Ping extends Command<string> {} class Pinged extends Event {}
`;

const code = (body: string): string => PRELUDE + body;

ruleTester.run('prefer-sync-handler-fast-path', preferSyncHandlerFastPath, {
  valid: [
    {
      // The missing await is catga/no-floating-promise-in-handler's finding; removing async would cement it.
      name: 'drops a promise (a floating publish): not reported here',
      code: code(`@CatgaHandler(Ping) class PingHandler implements CommandHandler<Ping> {
  async handle(c: Ping, ctx: HandlerContext) { ctx.publish(new Pinged()); return 'pong'; }
}`),
    },
    {
      name: 'awaits',
      code: code(`@CatgaHandler(Ping) class PingHandler implements CommandHandler<Ping> {
  async handle(c: Ping, ctx: HandlerContext) { await ctx.publish(new Pinged()); return 'pong'; }
}`),
    },
    {
      name: 'for await',
      code: code(`declare const feed: AsyncIterable<string>;
@CatgaHandler(Ping) class PingHandler {
  async handle(c: Ping) { let last = ''; for await (const s of feed) last = s; return last; }
}`),
    },
    {
      name: 'await using',
      code: code(`declare function open(): AsyncDisposable;
@CatgaHandler(Ping) class PingHandler {
  async handle(c: Ping) { await using r = open(); return 'pong'; }
}`),
    },
    {
      name: 'returns a promise (type-based)',
      code: code(`declare function lookup(): Promise<string>;
@CatgaHandler(Ping) class PingHandler {
  async handle(c: Ping) { return lookup(); }
}`),
    },
    {
      name: 'returns a custom thenable (structural, not by name)',
      code: code(`interface Deferred<T> { then(onDone: (value: T) => void): void }
declare function later(): Deferred<string>;
@CatgaHandler(Ping) class PingHandler {
  async handle(c: Ping) { return later(); }
}`),
    },
    {
      name: 'returns any: may be a promise, so no report',
      code: code(`declare const loose: any;
@CatgaHandler(Ping) class PingHandler {
  async handle(c: Ping) { return loose; }
}`),
    },
    {
      name: 'already synchronous',
      code: code(`@CatgaHandler(Ping) class PingHandler implements CommandHandler<Ping> {
  handle(c: Ping) { return 'pong'; }
}`),
    },
    {
      name: 'not a handler class: same code, no decorator or handler interface',
      code: code(`class PingService {
  async handle(c: Ping) { return 'pong'; }
}`),
    },
    {
      name: 'a decorator named CatgaHandler that is not the runtime one',
      code: `import { Command } from '@catga/runtime';
function CatgaHandler(_m: unknown) { return (_t: unknown) => {}; }
class Ping extends Command<string> {}
@CatgaHandler(Ping) class PingHandler {
  async handle(c: Ping) { return 'pong'; }
}`,
    },
    {
      name: 'another method of a handler',
      code: code(`@CatgaHandler(Ping) class PingHandler {
  handle(c: Ping) { return 'pong'; }
  async warmUp() { return 1; }
}`),
    },
    {
      name: 'async generator',
      code: code(`@CatgaHandler(Ping) class PingHandler {
  async *handle(c: Ping) { yield 'pong'; }
}`),
    },
  ],
  invalid: [
    {
      name: 'no return annotation: async removed',
      code: code(`@CatgaHandler(Ping) class PingHandler implements CommandHandler<Ping> {
  async handle(c: Ping, ctx: HandlerContext) { return 'pong'; }
}`),
      output: null,
      errors: [
        {
          messageId: 'asyncWithoutAwait',
          data: { handler: 'PingHandler' },
          line: 4,
          column: 3,
          endLine: 4,
          endColumn: 15,
          suggestions: [
            {
              messageId: 'removeAsync',
              output: code(`@CatgaHandler(Ping) class PingHandler implements CommandHandler<Ping> {
  handle(c: Ping, ctx: HandlerContext) { return 'pong'; }
}`),
            },
          ],
        },
      ],
    },
    {
      name: 'Promise<T> annotation becomes T',
      code: code(`@CatgaHandler(Ping) class PingHandler {
  public async handle(c: Ping): Promise<string> { return c.messageId; }
}`),
      output: null,
      errors: [
        {
          messageId: 'asyncWithoutAwait',
          data: { handler: 'PingHandler' },
          line: 4,
          column: 10,
          suggestions: [
            {
              messageId: 'removeAsync',
              output: code(`@CatgaHandler(Ping) class PingHandler {
  public handle(c: Ping): string { return c.messageId; }
}`),
            },
          ],
        },
      ],
    },
    {
      name: 'Promise<void> annotation becomes void (event handler via its interface only)',
      code: code(`class Audit implements EventHandler<Pinged> {
  seen = 0;
  async handle(e: Pinged): Promise<void> {
    this.seen++;
  }
}`),
      output: null,
      errors: [
        {
          messageId: 'asyncWithoutAwait',
          data: { handler: 'Audit' },
          line: 5,
          column: 3,
          suggestions: [
            {
              messageId: 'removeAsync',
              output: code(`class Audit implements EventHandler<Pinged> {
  seen = 0;
  handle(e: Pinged): void {
    this.seen++;
  }
}`),
            },
          ],
        },
      ],
    },
    {
      name: 'await inside a nested callback does not count',
      code: code(`@CatgaHandler(Ping) class PingHandler {
  async handle(c: Ping, ctx: HandlerContext) {
    const later = async () => { await ctx.publish(new Pinged()); };
    void later;
    return 'pong';
  }
}`),
      output: null,
      errors: [
        {
          messageId: 'asyncWithoutAwait',
          data: { handler: 'PingHandler' },
          line: 4,
          column: 3,
          suggestions: [
            {
              messageId: 'removeAsync',
              output: code(`@CatgaHandler(Ping) class PingHandler {
  handle(c: Ping, ctx: HandlerContext) {
    const later = async () => { await ctx.publish(new Pinged()); };
    void later;
    return 'pong';
  }
}`),
            },
          ],
        },
      ],
    },
    {
      name: 'a returned promise inside a nested function does not count either',
      code: code(`@CatgaHandler(Ping) class PingHandler {
  async handle(c: Ping, ctx: HandlerContext) {
    const send = () => { return ctx.publish(new Pinged()); };
    return typeof send;
  }
}`),
      output: null,
      errors: [
        {
          messageId: 'asyncWithoutAwait',
          data: { handler: 'PingHandler' },
          line: 4,
          column: 3,
          suggestions: [
            {
              messageId: 'removeAsync',
              output: code(`@CatgaHandler(Ping) class PingHandler {
  handle(c: Ping, ctx: HandlerContext) {
    const send = () => { return ctx.publish(new Pinged()); };
    return typeof send;
  }
}`),
            },
          ],
        },
      ],
    },
    {
      name: 'anonymous handler class expression, namespace import',
      code: `import * as catga from '@catga/runtime';
class Ping extends catga.Command<string> {}
export const handler = new (@catga.CatgaHandler(Ping) class {
  async handle() { return 'pong'; }
})();`,
      output: null,
      errors: [
        {
          messageId: 'asyncWithoutAwait',
          data: { handler: '(anonymous class)' },
          line: 4,
          column: 3,
          suggestions: [
            {
              messageId: 'removeAsync',
              output: `import * as catga from '@catga/runtime';
class Ping extends catga.Command<string> {}
export const handler = new (@catga.CatgaHandler(Ping) class {
  handle() { return 'pong'; }
})();`,
            },
          ],
        },
      ],
    },
    {
      name: 'return annotation that is not literally Promise<T>: reported without a suggestion',
      code: code(`type Reply = Promise<string>;
@CatgaHandler(Ping) class PingHandler {
  async handle(c: Ping): Reply { return 'pong'; }
}`),
      output: null,
      errors: [{ messageId: 'asyncWithoutAwait', data: { handler: 'PingHandler' }, line: 5, column: 3, suggestions: [] }],
    },
  ],
});
