// Compiled with experimentalDecorators (see tsconfig.test-legacy.json): the same decorators must register and
// dispatch exactly as under TC39 standard decorators.
import {
  CatgaCommand,
  CatgaConfigurationError,
  CatgaEvent,
  CatgaHandler,
  CatgaQuery,
  Command,
  type CommandHandler,
  Event,
  type HandlerContext,
  Query,
  createCatga,
  kindOf,
  typeNameOf,
} from '@catga/runtime';
import { classDecoratorArgumentCount } from '../test/support/decorator-mode.js';

@CatgaCommand({ name: 'legacy-open-account', timeoutMs: 1_000 })
class OpenAccount extends Command<{ accountId: string }> {
  constructor(readonly owner: string) {
    super();
  }
}

@CatgaEvent()
class AccountOpened extends Event {
  constructor(readonly accountId: string) {
    super();
  }
}

@CatgaQuery()
class CountAccounts extends Query<number> {}

const accounts: string[] = [];

@CatgaHandler(OpenAccount)
class OpenAccountHandler implements CommandHandler<OpenAccount> {
  async handle(command: OpenAccount, context: HandlerContext): Promise<{ accountId: string }> {
    const accountId = `acc-${command.owner}`;
    accounts.push(accountId);
    await context.publish(new AccountOpened(accountId));
    return { accountId };
  }
}

@CatgaHandler(CountAccounts)
class CountAccountsHandler {
  handle(): number {
    return accounts.length;
  }
}

const opened: AccountOpened[] = [];

@CatgaHandler(AccountOpened)
class WelcomeMail {
  handle(event: AccountOpened): void {
    opened.push(event);
  }
}

describe('decorators under experimentalDecorators', () => {
  it('really run in legacy mode (a class decorator gets one argument)', () => {
    expect(classDecoratorArgumentCount()).toBe(1);
  });

  it('record the same metadata as standard decorators', () => {
    expect(kindOf(OpenAccount)).toBe('command');
    expect(typeNameOf(OpenAccount)).toBe('legacy-open-account');
    expect(new OpenAccount('x').messageType).toBe('legacy-open-account');
  });

  it('register handlers that send, publish and query with lineage', async () => {
    const catga = createCatga({ preset: 'development' })
      .handler(OpenAccountHandler)
      .handler(CountAccountsHandler)
      .handler(WelcomeMail)
      .build();
    const command = new OpenAccount('ada');
    const result = await catga.send(command);
    expect(result).toEqual({ ok: true, value: { accountId: 'acc-ada' } });
    expect(opened[0]?.causationId).toBe(command.messageId);
    expect(await catga.send(new CountAccounts())).toEqual({ ok: true, value: 1 });
  });

  it('validate options the same way', () => {
    expect(() => CatgaCommand({ timeoutMs: 0 })(OpenAccount)).toThrow(CatgaConfigurationError);
  });
});
