import {
  CatgaCommand,
  CatgaHandler,
  Command,
  type HandlerContext,
  PRESETS,
  createCatga,
} from '@catga/runtime';
import { configError } from './support/config-error.js';

@CatgaCommand()
class Deposit extends Command<number> {
  constructor(readonly amount: number) {
    super();
  }
}

class Ledger {
  balance = 0;
}

@CatgaHandler(Deposit)
class DepositHandler {
  constructor(private readonly ledger: Ledger) {}
  handle(command: Deposit): number {
    this.ledger.balance += command.amount;
    return this.ledger.balance;
  }
}

@CatgaHandler(Deposit, { name: 'DepositHandlerV2' })
class DepositHandlerV2 {
  handle(): number {
    return 0;
  }
}

describe('createCatga builder', () => {
  it('injects services into handler factories', async () => {
    const ledger = new Ledger();
    const catga = createCatga()
      .withServices({ ledger })
      .handler(DepositHandler, (services) => new DepositHandler(services.ledger))
      .build();
    await catga.send(new Deposit(5));
    const result = await catga.send(new Deposit(7));
    expect(result).toEqual({ ok: true, value: 12 });
    expect(ledger.balance).toBe(12);
  });

  it('makes scoped handlers per message, with the message context', async () => {
    const made: string[] = [];
    @CatgaHandler(Deposit)
    class ScopedDeposit {
      constructor(private readonly tenant: string) {}
      handle(command: Deposit): number {
        return command.amount + this.tenant.length;
      }
    }
    const catga = createCatga()
      .withServices({ tenantOf: (context: HandlerContext) => `tenant-${context.message.correlationId.slice(-2)}` })
      .scopedHandler(ScopedDeposit, (services, context) => {
        made.push(context.message.messageId);
        return new ScopedDeposit(services.tenantOf(context));
      })
      .build();
    const first = new Deposit(1);
    const second = new Deposit(1);
    await catga.send(first);
    await catga.send(second);
    expect(made).toEqual([first.messageId, second.messageId]);
  });

  it('refuses a second handler for one command, naming both', () => {
    const error = configError(() => createCatga().handler(DepositHandler, () => new DepositHandler(new Ledger())).handler(DepositHandlerV2));
    expect(error.message).toContain('command "Deposit" already has handler DepositHandler; DepositHandlerV2 cannot also handle it');
  });

  it('refuses a handler whose constructor needs arguments when no factory is given', () => {
    const error = configError(() => createCatga().handler(DepositHandler));
    expect(error.field).toBe('handlers.DepositHandler');
    expect(error.message).toContain("constructor takes 1 argument(s); register it with a factory");
  });

  it('refuses an undecorated handler and @CatgaHandler() without message class (untransformed code)', () => {
    class Plain {
      handle(): void {}
    }
    expect(configError(() => createCatga().handler(Plain)).message).toContain('is not decorated with @CatgaHandler');
    @CatgaHandler()
    class NeedsTransformer {
      handle(_c: Deposit): number {
        return 1;
      }
    }
    expect(configError(() => createCatga().handler(NeedsTransformer)).message).toContain('compile with @catga/transformer');
  });

  it('fails at build when a singleton factory throws', () => {
    const builder = createCatga().handler(DepositHandler, () => {
      throw new Error('database unreachable');
    });
    const error = configError(() => builder.build());
    expect(error.message).toContain('the factory threw: database unreachable');
  });

  it('refuses two message classes with one type name', () => {
    @CatgaCommand({ name: 'Deposit' })
    class OtherDeposit extends Command<number> {}
    expect(configError(() => createCatga().messages(Deposit, OtherDeposit)).message).toContain('two different classes use the type name "Deposit"');
  });

  it('can be built only once', () => {
    const builder = createCatga();
    builder.build();
    expect(configError(() => builder.build()).field).toBe('builder');
  });
});

describe('configuration validation', () => {
  it('names the field and the allowed values of a bad preset', () => {
    const error = configError(() => createCatga({ preset: 'dev' as never }));
    expect(error.field).toBe('options.preset');
    expect(error.message).toBe(
      'Invalid Catga configuration at "options.preset": expected one of "development", "production", "highPerformance", got "dev"',
    );
    expect(error.allowed).toEqual(['development', 'production', 'highPerformance']);
  });

  it('rejects unknown options, bad numbers and bad codecs', () => {
    expect(configError(() => createCatga({ timeout: 5 } as never)).field).toBe('options.timeout');
    expect(configError(() => createCatga().configure({ maxPayloadBytes: 0 })).field).toBe('options.maxPayloadBytes');
    expect(configError(() => createCatga({ batchConcurrency: 1.5 })).message).toContain('expected an integer between 1 and 10000');
    expect(configError(() => createCatga({ codec: 'xml' as never })).allowed).toEqual(['msgpack', 'json', 'Codec']);
    expect(configError(() => createCatga({ name: 'has spaces' })).field).toBe('options.name');
  });

  it('applies presets, with explicit options winning whatever the order', () => {
    expect(createCatga().build().options).toMatchObject({ preset: 'production', roundTripMessages: false, name: 'catga' });
    expect(createCatga().preset('development').build().options.roundTripMessages).toBe(true);
    const explicit = createCatga().configure({ roundTripMessages: false }).preset('development').build();
    expect(explicit.options).toMatchObject({ preset: 'development', roundTripMessages: false });
    expect(createCatga({ preset: 'highPerformance' }).build().options).toMatchObject({
      batchConcurrency: PRESETS.highPerformance.batchConcurrency,
      asyncDispatch: false,
    });
    expect(configError(() => createCatga({ asyncDispatch: 'no' as never })).field).toBe('options.asyncDispatch');
  });
});

describe('instances', () => {
  it('never see each other\'s handlers', async () => {
    const ledgerA = new Ledger();
    const a = createCatga({ name: 'a' }).handler(DepositHandler, () => new DepositHandler(ledgerA)).build();
    const b = createCatga({ name: 'b' }).build();
    expect((await a.send(new Deposit(3))).ok).toBe(true);
    const fromB = await b.send(new Deposit(3));
    expect(fromB.ok || fromB.error.message).toBe('No handler for command "Deposit" in Catga instance "b"');
    expect(ledgerA.balance).toBe(3);
  });

  it('after close(), waits for in-flight handlers and refuses new sends with TRANSPORT_FAILED', async () => {
    let finished = false;
    @CatgaCommand()
    class Work extends Command<string> {}
    @CatgaHandler(Work)
    class WorkHandler {
      async handle(): Promise<string> {
        await new Promise((resolve) => setTimeout(resolve, 20));
        finished = true;
        return 'done';
      }
    }
    const catga = createCatga().handler(WorkHandler).build();
    const inFlight = catga.send(new Work());
    await Promise.resolve();
    await catga.close();
    expect(finished).toBe(true);
    expect(await inFlight).toEqual({ ok: true, value: 'done' });
    const late = await catga.send(new Work());
    expect(late.ok || [late.error.code, late.error.message]).toEqual([
      'TRANSPORT_FAILED',
      'Catga instance "catga" is closed; "Work" was not sent',
    ]);
  });
});
