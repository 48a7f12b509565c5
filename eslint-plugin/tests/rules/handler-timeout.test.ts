import { handlerTimeout } from '../../src/rules/handler-timeout';
import { untypedRuleTester } from '../rule-tester';

// Untyped: decorators, builders and handler classes are recognised through their `@catga/runtime` imports, and
// timeout values through static evaluation. Suggestion outputs are asserted exactly; there is never an autofix.
const ruleTester = untypedRuleTester();

const tooLong = (value: string, max = '30_000') => ({ messageId: 'timeoutTooLong' as const, data: { value, max } });
const useMax = (output: string, max = '30_000') => ({ messageId: 'useMaxTimeout' as const, data: { max }, output });

ruleTester.run('handler-timeout', handlerTimeout, {
  valid: [
    {
      name: 'timeouts at or below the maximum',
      code: `
import { CatgaCommand, CatgaQuery, Command, Query } from '@catga/runtime';
@CatgaCommand({ timeoutMs: 30_000 })
export class CreateOrder extends Command<void> {}
@CatgaQuery({ timeoutMs: 5 * 1000 })
export class GetOrder extends Query<string> {}`,
    },
    {
      name: 'timeoutMs: false (the timeout behaviour switched off) is not a number',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand({ timeoutMs: false })
export class CreateOrder extends Command<void> {}`,
    },
    {
      name: 'unresolvable values are not reported',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
import { settings } from './settings.js';
let longTimeout = 60_000;
longTimeout += 1;
@CatgaCommand({ timeoutMs: settings.createOrderTimeoutMs })
export class CreateOrder extends Command<void> {}
@CatgaCommand({ timeoutMs: longTimeout })
export class UpdateOrder extends Command<void> {}`,
    },
    {
      name: 'a local CatgaCommand is not the runtime decorator',
      code: `
function CatgaCommand(_options: { timeoutMs: number }) { return (_target: unknown) => {}; }
@CatgaCommand({ timeoutMs: 600_000 })
export class CreateOrder {}`,
    },
    {
      name: 'a CatgaCommand from another module is not the runtime decorator',
      code: `
import { CatgaCommand } from './decorators.js';
@CatgaCommand({ timeoutMs: 600_000 })
export class CreateOrder {}`,
    },
    {
      name: 'withTimeout on something that is not a Catga builder',
      code: `
import { createCatga } from '@catga/runtime';
import { http } from './http.js';
export const client = http.withTimeout({ timeoutMs: 120_000 });
export const catga = createCatga().build();`,
    },
    {
      name: 'createCatga that is not the runtime one',
      code: `
import { createCatga } from './my-catga.js';
createCatga().withTimeout({ timeoutMs: 120_000 });`,
    },
    {
      name: 'a builder variable that is reassigned is not trusted',
      code: `
import { createCatga } from '@catga/runtime';
import { other } from './other.js';
let builder = createCatga();
builder = other;
builder.withTimeout({ timeoutMs: 120_000 });`,
    },
    {
      name: 'instance-wide timeout within the maximum',
      code: `
import { createCatga } from '@catga/runtime';
export const catga = createCatga({ preset: 'production' }).withTimeout({ timeoutMs: 10_000 }).build();`,
    },
    {
      name: 'AbortSignal.timeout outside handler classes',
      code: `
export async function download(url: string) {
  return fetch(url, { signal: AbortSignal.timeout(120_000) });
}
export class Downloader {
  get(url: string) { return fetch(url, { signal: AbortSignal.timeout(120_000) }); }
}`,
    },
    {
      name: 'AbortSignal shadowed by a local binding',
      code: `
import { CatgaHandler, Command } from '@catga/runtime';
import { AbortSignal } from './polyfill.js';
class Ship extends Command<void> {}
@CatgaHandler(Ship)
export class ShipHandler {
  handle() { return AbortSignal.timeout(120_000); }
}`,
    },
    {
      name: 'a higher maxTimeoutMs',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand({ timeoutMs: 60_000 })
export class CreateOrder extends Command<void> {}`,
      options: [{ maxTimeoutMs: 120_000 }],
    },
    {
      name: 'requireTimeout off (default): a command without timeoutMs is fine',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand()
export class CreateOrder extends Command<void> {}`,
    },
    {
      name: 'requireTimeout: an instance-wide timeout in the same file counts, even below the messages',
      code: `
import { CatgaCommand, Command, createCatga } from '@catga/runtime';
@CatgaCommand()
export class CreateOrder extends Command<void> {}
export const catga = createCatga().withTimeout({ timeoutMs: 5_000 }).build();`,
      options: [{ requireTimeout: true }],
    },
    {
      name: 'requireTimeout: events, options the rule cannot read, explicit false and unknown spreads are not reported',
      code: `
import { CatgaCommand, CatgaEvent, CatgaQuery, Command, Event, Query, type CommandOptions } from '@catga/runtime';
import { defaults } from './defaults.js';
const shared: CommandOptions = { timeoutMs: 1_000 };
@CatgaEvent()
export class OrderPlaced extends Event {}
@CatgaCommand(shared)
export class CreateOrder extends Command<void> {}
@CatgaQuery({ timeoutMs: false })
export class GetOrder extends Query<string> {}
@CatgaCommand({ ...defaults })
export class CancelOrder extends Command<void> {}`,
      options: [{ requireTimeout: true }],
    },
  ],
  invalid: [
    {
      name: '@CatgaCommand timeoutMs literal',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand({ timeoutMs: 60_000 })
export class CreateOrder extends Command<void> {}`,
      output: null,
      errors: [
        {
          ...tooLong('60_000'),
          line: 3,
          column: 28,
          endColumn: 34,
          suggestions: [
            useMax(`
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand({ timeoutMs: 30_000 })
export class CreateOrder extends Command<void> {}`),
          ],
        },
      ],
    },
    {
      name: 'a constant resolved statically; the use site is rewritten, not the constant',
      code: `
import { CatgaQuery, Query } from '@catga/runtime';
const FIVE_MIN = 5 * 60_000;
@CatgaQuery({ description: 'report', timeoutMs: FIVE_MIN })
export class BuildReport extends Query<string> {}`,
      output: null,
      errors: [
        {
          ...tooLong('300_000'),
          line: 4,
          column: 49,
          suggestions: [
            useMax(`
import { CatgaQuery, Query } from '@catga/runtime';
const FIVE_MIN = 5 * 60_000;
@CatgaQuery({ description: 'report', timeoutMs: 30_000 })
export class BuildReport extends Query<string> {}`),
          ],
        },
      ],
    },
    {
      name: 'shorthand property: rewritten as a full property',
      code: `
import { CatgaEvent, Event } from '@catga/runtime';
const timeoutMs = 45_000;
@CatgaEvent({ timeoutMs })
export class OrderPlaced extends Event {}`,
      output: null,
      errors: [
        {
          ...tooLong('45_000'),
          line: 4,
          column: 15,
          suggestions: [
            useMax(`
import { CatgaEvent, Event } from '@catga/runtime';
const timeoutMs = 45_000;
@CatgaEvent({ timeoutMs: 30_000 })
export class OrderPlaced extends Event {}`),
          ],
        },
      ],
    },
    {
      name: 'renamed decorator import',
      code: `
import { CatgaCommand as Cmd, Command } from '@catga/runtime';
@Cmd({ timeoutMs: 31000 })
export class CreateOrder extends Command<void> {}`,
      output: null,
      errors: [
        {
          ...tooLong('31_000'),
          line: 3,
          column: 19,
          suggestions: [
            useMax(`
import { CatgaCommand as Cmd, Command } from '@catga/runtime';
@Cmd({ timeoutMs: 30_000 })
export class CreateOrder extends Command<void> {}`),
          ],
        },
      ],
    },
    {
      name: 'namespace import; spreads before the property do not hide it',
      code: `
import * as catga from '@catga/runtime';
const base = { retry: { attempts: 3 } };
@catga.CatgaCommand({ ...base, 'timeoutMs': 2 * 60 * 1000 })
export class CreateOrder extends catga.Command<void> {}`,
      output: null,
      errors: [
        {
          ...tooLong('120_000'),
          line: 4,
          column: 45,
          suggestions: [
            useMax(`
import * as catga from '@catga/runtime';
const base = { retry: { attempts: 3 } };
@catga.CatgaCommand({ ...base, 'timeoutMs': 30_000 })
export class CreateOrder extends catga.Command<void> {}`),
          ],
        },
      ],
    },
    {
      name: 'withTimeout on a createCatga() chain',
      code: `
import { createCatga } from '@catga/runtime';
export const catga = createCatga({ preset: 'production' })
  .withServices({})
  .withTimeout({ timeoutMs: 120_000 })
  .build();`,
      output: null,
      errors: [
        {
          ...tooLong('120_000'),
          line: 5,
          column: 29,
          suggestions: [
            useMax(`
import { createCatga } from '@catga/runtime';
export const catga = createCatga({ preset: 'production' })
  .withServices({})
  .withTimeout({ timeoutMs: 30_000 })
  .build();`),
          ],
        },
      ],
    },
    {
      name: 'withTimeout on a const builder, a typed parameter and new CatgaBuilder()',
      code: `
import { CatgaBuilder, createCatga } from '@catga/runtime';
const builder = createCatga().withServices({});
builder.withTimeout({ timeoutMs: 60_000 });
export function configure(b: CatgaBuilder) {
  return b.withTimeout({ timeoutMs: 60_000 });
}
new CatgaBuilder().withTimeout({ timeoutMs: 60_000 } as const);`,
      output: null,
      errors: [
        {
          ...tooLong('60_000'),
          line: 4,
          column: 34,
          suggestions: [
            useMax(`
import { CatgaBuilder, createCatga } from '@catga/runtime';
const builder = createCatga().withServices({});
builder.withTimeout({ timeoutMs: 30_000 });
export function configure(b: CatgaBuilder) {
  return b.withTimeout({ timeoutMs: 60_000 });
}
new CatgaBuilder().withTimeout({ timeoutMs: 60_000 } as const);`),
          ],
        },
        {
          ...tooLong('60_000'),
          line: 6,
          column: 37,
          suggestions: [
            useMax(`
import { CatgaBuilder, createCatga } from '@catga/runtime';
const builder = createCatga().withServices({});
builder.withTimeout({ timeoutMs: 60_000 });
export function configure(b: CatgaBuilder) {
  return b.withTimeout({ timeoutMs: 30_000 });
}
new CatgaBuilder().withTimeout({ timeoutMs: 60_000 } as const);`),
          ],
        },
        {
          ...tooLong('60_000'),
          line: 8,
          column: 45,
          suggestions: [
            useMax(`
import { CatgaBuilder, createCatga } from '@catga/runtime';
const builder = createCatga().withServices({});
builder.withTimeout({ timeoutMs: 60_000 });
export function configure(b: CatgaBuilder) {
  return b.withTimeout({ timeoutMs: 60_000 });
}
new CatgaBuilder().withTimeout({ timeoutMs: 30_000 } as const);`),
          ],
        },
      ],
    },
    {
      name: 'AbortSignal.timeout inside a handler class (decorated, and implementing an interface)',
      code: `
import { CatgaHandler, Command, type QueryHandler } from '@catga/runtime';
import { GetRate } from './get-rate.js';
class Ship extends Command<void> {}
@CatgaHandler(Ship)
export class ShipHandler {
  async handle() {
    await fetch('https://carrier', { signal: AbortSignal.timeout(2 * 60_000) });
  }
}
export class RateHandler implements QueryHandler<GetRate> {
  private readonly signal = AbortSignal.timeout(90_000);
  handle() { return this.signal.aborted ? 0 : 1; }
}`,
      output: null,
      errors: [
        {
          ...tooLong('120_000'),
          line: 8,
          column: 66,
          suggestions: [
            useMax(`
import { CatgaHandler, Command, type QueryHandler } from '@catga/runtime';
import { GetRate } from './get-rate.js';
class Ship extends Command<void> {}
@CatgaHandler(Ship)
export class ShipHandler {
  async handle() {
    await fetch('https://carrier', { signal: AbortSignal.timeout(30_000) });
  }
}
export class RateHandler implements QueryHandler<GetRate> {
  private readonly signal = AbortSignal.timeout(90_000);
  handle() { return this.signal.aborted ? 0 : 1; }
}`),
          ],
        },
        {
          ...tooLong('90_000'),
          line: 12,
          column: 49,
          suggestions: [
            useMax(`
import { CatgaHandler, Command, type QueryHandler } from '@catga/runtime';
import { GetRate } from './get-rate.js';
class Ship extends Command<void> {}
@CatgaHandler(Ship)
export class ShipHandler {
  async handle() {
    await fetch('https://carrier', { signal: AbortSignal.timeout(2 * 60_000) });
  }
}
export class RateHandler implements QueryHandler<GetRate> {
  private readonly signal = AbortSignal.timeout(30_000);
  handle() { return this.signal.aborted ? 0 : 1; }
}`),
          ],
        },
      ],
    },
    {
      name: 'custom maxTimeoutMs, below 1,000 and above',
      code: `
import { CatgaCommand, CatgaQuery, Command, Query } from '@catga/runtime';
@CatgaCommand({ timeoutMs: 750 })
export class CreateOrder extends Command<void> {}
@CatgaQuery({ timeoutMs: 1500 })
export class GetOrder extends Query<string> {}`,
      options: [{ maxTimeoutMs: 500 }],
      output: null,
      errors: [
        {
          ...tooLong('750', '500'),
          line: 3,
          column: 28,
          suggestions: [
            useMax(
              `
import { CatgaCommand, CatgaQuery, Command, Query } from '@catga/runtime';
@CatgaCommand({ timeoutMs: 500 })
export class CreateOrder extends Command<void> {}
@CatgaQuery({ timeoutMs: 1500 })
export class GetOrder extends Query<string> {}`,
              '500',
            ),
          ],
        },
        {
          ...tooLong('1_500', '500'),
          line: 5,
          column: 26,
          suggestions: [
            useMax(
              `
import { CatgaCommand, CatgaQuery, Command, Query } from '@catga/runtime';
@CatgaCommand({ timeoutMs: 750 })
export class CreateOrder extends Command<void> {}
@CatgaQuery({ timeoutMs: 500 })
export class GetOrder extends Query<string> {}`,
              '500',
            ),
          ],
        },
      ],
    },
    {
      name: 'requireTimeout: commands and queries without timeoutMs (no argument, empty object, other options, multi-line)',
      code: `
import { CatgaCommand, CatgaQuery, Command, Query, createCatga } from '@catga/runtime';
@CatgaCommand()
export class CreateOrder extends Command<void> {}
@CatgaCommand({})
export class CancelOrder extends Command<void> {}
@CatgaQuery({ description: 'one order' })
export class GetOrder extends Query<string> {}
@CatgaQuery({
  description: 'all orders',
})
export class ListOrders extends Query<string[]> {}
createCatga().withTimeout(false);`,
      options: [{ requireTimeout: true }],
      output: null,
      errors: [
        {
          messageId: 'missingTimeout',
          data: { decorator: 'CatgaCommand', name: 'CreateOrder' },
          line: 3,
          column: 1,
          suggestions: [
            {
              messageId: 'addTimeout',
              data: { max: '30_000' },
              output: `
import { CatgaCommand, CatgaQuery, Command, Query, createCatga } from '@catga/runtime';
@CatgaCommand({ timeoutMs: 30_000 })
export class CreateOrder extends Command<void> {}
@CatgaCommand({})
export class CancelOrder extends Command<void> {}
@CatgaQuery({ description: 'one order' })
export class GetOrder extends Query<string> {}
@CatgaQuery({
  description: 'all orders',
})
export class ListOrders extends Query<string[]> {}
createCatga().withTimeout(false);`,
            },
          ],
        },
        {
          messageId: 'missingTimeout',
          data: { decorator: 'CatgaCommand', name: 'CancelOrder' },
          line: 5,
          column: 1,
          suggestions: [
            {
              messageId: 'addTimeout',
              data: { max: '30_000' },
              output: `
import { CatgaCommand, CatgaQuery, Command, Query, createCatga } from '@catga/runtime';
@CatgaCommand()
export class CreateOrder extends Command<void> {}
@CatgaCommand({ timeoutMs: 30_000 })
export class CancelOrder extends Command<void> {}
@CatgaQuery({ description: 'one order' })
export class GetOrder extends Query<string> {}
@CatgaQuery({
  description: 'all orders',
})
export class ListOrders extends Query<string[]> {}
createCatga().withTimeout(false);`,
            },
          ],
        },
        {
          messageId: 'missingTimeout',
          data: { decorator: 'CatgaQuery', name: 'GetOrder' },
          line: 7,
          column: 1,
          suggestions: [
            {
              messageId: 'addTimeout',
              data: { max: '30_000' },
              output: `
import { CatgaCommand, CatgaQuery, Command, Query, createCatga } from '@catga/runtime';
@CatgaCommand()
export class CreateOrder extends Command<void> {}
@CatgaCommand({})
export class CancelOrder extends Command<void> {}
@CatgaQuery({ description: 'one order', timeoutMs: 30_000 })
export class GetOrder extends Query<string> {}
@CatgaQuery({
  description: 'all orders',
})
export class ListOrders extends Query<string[]> {}
createCatga().withTimeout(false);`,
            },
          ],
        },
        {
          messageId: 'missingTimeout',
          data: { decorator: 'CatgaQuery', name: 'ListOrders' },
          line: 9,
          column: 1,
          suggestions: [
            {
              messageId: 'addTimeout',
              data: { max: '30_000' },
              output: `
import { CatgaCommand, CatgaQuery, Command, Query, createCatga } from '@catga/runtime';
@CatgaCommand()
export class CreateOrder extends Command<void> {}
@CatgaCommand({})
export class CancelOrder extends Command<void> {}
@CatgaQuery({ description: 'one order' })
export class GetOrder extends Query<string> {}
@CatgaQuery({
  description: 'all orders',
  timeoutMs: 30_000,
})
export class ListOrders extends Query<string[]> {}
createCatga().withTimeout(false);`,
            },
          ],
        },
      ],
    },
  ],
});
