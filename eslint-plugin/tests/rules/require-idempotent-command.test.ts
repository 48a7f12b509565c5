import { requireIdempotentCommand } from '../../src/rules/require-idempotent-command';
import { untypedRuleTester } from '../rule-tester';

// Untyped: `@CatgaCommand` is recognised through its `@catga/runtime` import, option values through static
// evaluation. Suggestion outputs are asserted exactly; there is never an autofix.
const ruleTester = untypedRuleTester();

const criticalFlag = (name: string) => ({
  messageId: 'missingIdempotency' as const,
  data: { name, reason: '`critical: true`' },
});
const addIdempotent = (output: string) => ({ messageId: 'addIdempotent' as const, output });

ruleTester.run('require-idempotent-command', requireIdempotentCommand, {
  valid: [
    {
      name: 'critical and idempotent',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand({ critical: true, idempotent: true })
export class ChargeCard extends Command<void> {}
@CatgaCommand({ critical: true, idempotent: { key: 'refund:{refundId}', ttlMs: 60_000 } })
export class Refund extends Command<void> {}
@CatgaCommand({ critical: true, idempotent: {} })
export class Transfer extends Command<void> {}`,
    },
    {
      name: 'not critical',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand()
export class CreateOrder extends Command<void> {}
@CatgaCommand({ critical: false, retry: { attempts: 3 } })
export class PayInvoice extends Command<void> {}`,
    },
    {
      name: 'without criticalPattern (default) the class name alone does not make a command critical',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand()
export class CreatePayment extends Command<void> {}`,
    },
    {
      name: 'criticalPattern that the name does not match',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand()
export class RenameCustomer extends Command<void> {}`,
      options: [{ criticalPattern: '^(Create|Pay|Refund)' }],
    },
    {
      name: 'a local CatgaCommand is not the runtime decorator',
      code: `
function CatgaCommand(_options: object) { return (_target: unknown) => {}; }
@CatgaCommand({ critical: true })
export class ChargeCard {}`,
    },
    {
      name: 'a CatgaCommand from another module is not the runtime decorator',
      code: `
import { CatgaCommand } from './my-decorators.js';
@CatgaCommand({ critical: true })
export class ChargeCard {}`,
    },
    {
      name: 'queries and events are not commands',
      code: `
import { CatgaEvent, CatgaQuery, Event, Query } from '@catga/runtime';
@CatgaQuery()
export class GetPayment extends Query<string> {}
@CatgaEvent()
export class PaymentTaken extends Event {}`,
      options: [{ criticalPattern: 'Payment' }],
    },
    {
      name: 'options the rule cannot read are given the benefit of the doubt',
      code: `
import { CatgaCommand, Command, type CommandOptions } from '@catga/runtime';
import { flags, defaults } from './settings.js';
const paymentOptions: CommandOptions = { critical: true };
@CatgaCommand(paymentOptions)
export class ChargeCard extends Command<void> {}
@CatgaCommand({ critical: true, idempotent: flags.idempotent })
export class Refund extends Command<void> {}
@CatgaCommand({ critical: true, ...defaults })
export class Transfer extends Command<void> {}`,
    },
    {
      name: 'idempotency from constants and static spreads',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
const IDEMPOTENT = true;
const safe = { idempotent: { key: 'pay:{paymentId}' } };
@CatgaCommand({ critical: true, idempotent: IDEMPOTENT })
export class ChargeCard extends Command<void> {}
@CatgaCommand({ ...safe, critical: true })
export class Refund extends Command<void> {}`,
    },
  ],
  invalid: [
    {
      name: 'critical: true without idempotent',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand({ critical: true })
export class ChargeCard extends Command<void> {}`,
      output: null,
      errors: [
        {
          ...criticalFlag('ChargeCard'),
          line: 3,
          column: 1,
          endColumn: 34,
          suggestions: [
            addIdempotent(`
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand({ critical: true, idempotent: true })
export class ChargeCard extends Command<void> {}`),
          ],
        },
      ],
    },
    {
      name: 'idempotent: false counts as missing and is replaced',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand({ idempotent: false, critical: true })
export class ChargeCard extends Command<void> {}`,
      output: null,
      errors: [
        {
          ...criticalFlag('ChargeCard'),
          line: 3,
          column: 1,
          suggestions: [
            addIdempotent(`
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand({ idempotent: true, critical: true })
export class ChargeCard extends Command<void> {}`),
          ],
        },
      ],
    },
    {
      name: 'shorthand idempotent resolving to false is rewritten whole (a second key would not compile)',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
const idempotent = false;
const CRITICAL = true;
@CatgaCommand({ critical: CRITICAL, idempotent })
export class ChargeCard extends Command<void> {}`,
      output: null,
      errors: [
        {
          ...criticalFlag('ChargeCard'),
          line: 5,
          column: 1,
          suggestions: [
            addIdempotent(`
import { CatgaCommand, Command } from '@catga/runtime';
const idempotent = false;
const CRITICAL = true;
@CatgaCommand({ critical: CRITICAL, idempotent: true })
export class ChargeCard extends Command<void> {}`),
          ],
        },
      ],
    },
    {
      name: 'critical and idempotent: false from a static spread; idempotent: undefined',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
const payments = { critical: true, idempotent: false };
@CatgaCommand({ ...payments, description: 'charge' })
export class ChargeCard extends Command<void> {}
@CatgaCommand({ critical: true, idempotent: undefined })
export class Refund extends Command<void> {}`,
      output: null,
      errors: [
        {
          ...criticalFlag('ChargeCard'),
          line: 4,
          column: 1,
          suggestions: [
            addIdempotent(`
import { CatgaCommand, Command } from '@catga/runtime';
const payments = { critical: true, idempotent: false };
@CatgaCommand({ ...payments, description: 'charge', idempotent: true })
export class ChargeCard extends Command<void> {}
@CatgaCommand({ critical: true, idempotent: undefined })
export class Refund extends Command<void> {}`),
          ],
        },
        {
          ...criticalFlag('Refund'),
          line: 6,
          column: 1,
          suggestions: [
            addIdempotent(`
import { CatgaCommand, Command } from '@catga/runtime';
const payments = { critical: true, idempotent: false };
@CatgaCommand({ ...payments, description: 'charge' })
export class ChargeCard extends Command<void> {}
@CatgaCommand({ critical: true, idempotent: true })
export class Refund extends Command<void> {}`),
          ],
        },
      ],
    },
    {
      name: 'criticalPattern: no argument and an empty object',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand()
export class PayInvoice extends Command<void> {}
@CatgaCommand({})
export class CreateOrder extends Command<void> {}`,
      options: [{ criticalPattern: '^(Create|Pay)' }],
      output: null,
      errors: [
        {
          messageId: 'missingIdempotency',
          data: { name: 'PayInvoice', reason: 'name matches /^(Create|Pay)/' },
          line: 3,
          column: 1,
          suggestions: [
            addIdempotent(`
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand({ idempotent: true })
export class PayInvoice extends Command<void> {}
@CatgaCommand({})
export class CreateOrder extends Command<void> {}`),
          ],
        },
        {
          messageId: 'missingIdempotency',
          data: { name: 'CreateOrder', reason: 'name matches /^(Create|Pay)/' },
          line: 5,
          column: 1,
          suggestions: [
            addIdempotent(`
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand()
export class PayInvoice extends Command<void> {}
@CatgaCommand({ idempotent: true })
export class CreateOrder extends Command<void> {}`),
          ],
        },
      ],
    },
    {
      name: 'renamed and namespace imports of the decorator',
      code: `
import { CatgaCommand as Cmd, Command } from '@catga/runtime';
import * as catga from '@catga/runtime';
@Cmd({ critical: true })
export class ChargeCard extends Command<void> {}
@catga.CatgaCommand({ critical: true })
export class Refund extends catga.Command<void> {}`,
      output: null,
      errors: [
        {
          ...criticalFlag('ChargeCard'),
          line: 4,
          column: 1,
          suggestions: [
            addIdempotent(`
import { CatgaCommand as Cmd, Command } from '@catga/runtime';
import * as catga from '@catga/runtime';
@Cmd({ critical: true, idempotent: true })
export class ChargeCard extends Command<void> {}
@catga.CatgaCommand({ critical: true })
export class Refund extends catga.Command<void> {}`),
          ],
        },
        {
          ...criticalFlag('Refund'),
          line: 6,
          column: 1,
          suggestions: [
            addIdempotent(`
import { CatgaCommand as Cmd, Command } from '@catga/runtime';
import * as catga from '@catga/runtime';
@Cmd({ critical: true })
export class ChargeCard extends Command<void> {}
@catga.CatgaCommand({ critical: true, idempotent: true })
export class Refund extends catga.Command<void> {}`),
          ],
        },
      ],
    },
    {
      name: 'multi-line options with a trailing comma',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand({
  description: 'Moves money between accounts',
  critical: true,
})
export class Transfer extends Command<void> {}`,
      output: null,
      errors: [
        {
          ...criticalFlag('Transfer'),
          line: 3,
          column: 1,
          endLine: 6,
          suggestions: [
            addIdempotent(`
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand({
  description: 'Moves money between accounts',
  critical: true,
  idempotent: true,
})
export class Transfer extends Command<void> {}`),
          ],
        },
      ],
    },
    {
      name: 'multi-line options without a trailing comma',
      code: `
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand({
  critical: true
})
export class Transfer extends Command<void> {}`,
      output: null,
      errors: [
        {
          ...criticalFlag('Transfer'),
          line: 3,
          column: 1,
          suggestions: [
            addIdempotent(`
import { CatgaCommand, Command } from '@catga/runtime';
@CatgaCommand({
  critical: true,
  idempotent: true
})
export class Transfer extends Command<void> {}`),
          ],
        },
      ],
    },
  ],
});
