import {
  CatgaCommand,
  CatgaConfigurationError,
  CatgaEvent,
  CatgaHandler,
  Command,
  compiledHandlerOf,
  contractOf,
  createCatga,
  defineContract,
  defineHandler,
  Event,
  type HandlerContext,
  publishCompiled,
  sendCompiled,
} from '@catga/runtime';
import type { MessageBus } from '../src/core/dispatch-context.js';

// What @catga/transformer emits, written by hand: the runtime side of compiled code (the transformer's own tests
// compile real fixtures and run them).

@CatgaCommand()
class Rename extends Command<string> {
  constructor(readonly name: string) {
    super();
  }
}
defineContract(Rename, {
  typeName: 'Rename',
  kind: 'command',
  subject: 'cmd.Rename',
  result: 'string',
  fields: [{ name: 'name', type: 'string', optional: false }],
  record: ['name', 'messageId', 'correlationId', 'causationId', 'createdAt'],
  validate: (m: { name: unknown }) => (typeof m.name === 'string' ? undefined : [{ field: 'name', rule: 'type', message: 'must be a string' }]),
  source: 'test/compiled.test.ts:21',
});

@CatgaEvent()
class Renamed extends Event {
  constructor(readonly name: string) {
    super();
  }
}
defineContract(Renamed, { typeName: 'Renamed', kind: 'event', subject: 'evt.Renamed', fields: [], record: [], source: 'x:1' });

const seen: string[] = [];

// `@CatgaHandler()` names no message: the generated executor does.
@CatgaHandler()
class RenameHandler {
  async handle(command: Rename, ctx: HandlerContext): Promise<string> {
    await publishCompiled(ctx, new Renamed(command.name));
    return `renamed to ${command.name}`;
  }
}
defineHandler(RenameHandler, {
  message: Rename,
  returns: 'promise',
  invoke: (handler: RenameHandler, message: Rename, context: HandlerContext) => handler.handle(message, context),
  source: 'test/compiled.test.ts:50',
});

@CatgaHandler(Renamed)
class RenamedHandler {
  handle(event: Renamed): void {
    seen.push(`${event.name} caused by ${event.causationId}`);
  }
}
defineHandler(RenamedHandler, { message: Renamed, returns: 'value', invoke: (h: RenamedHandler, m: Renamed) => h.handle(m), source: 'x:2' });

@CatgaHandler(Rename)
class PlainRenameHandler {
  handle(command: Rename): string {
    return command.name;
  }
}

@CatgaCommand()
class Untouched extends Command<string> {}

@CatgaHandler(Untouched)
class UntouchedHandler {
  handle(): string {
    return 'plain';
  }
}

describe('compiled code on the runtime', () => {
  beforeEach(() => seen.splice(0));

  it('records contracts and executors on the classes', () => {
    expect(contractOf(Rename)?.subject).toBe('cmd.Rename');
    expect(contractOf(PlainRenameHandler)).toBeUndefined();
    expect(compiledHandlerOf(RenameHandler)?.message).toBe(Rename);
    expect(() => defineContract(Rename, contractOf(Rename)!)).toThrow(/two generated contracts/);
    expect(() => defineContract(Renamed, { ...contractOf(Rename)!, kind: 'command' })).toThrow(/is not a command/);
  });

  it('sends through the compiled path with the message filled in from the executor, and stamps lineage on ctx.publish', async () => {
    const catga = createCatga({ untransformed: 'throw' }).handler(RenameHandler).handler(RenamedHandler).build();
    const command = new Rename('ada');
    const result = await sendCompiled(catga, command);
    expect(result).toEqual({ ok: true, value: 'renamed to ada' });
    expect(seen).toEqual([`ada caused by ${command.messageId}`]);
    await catga.close();
    expect(await sendCompiled(catga, new Rename('x'))).toMatchObject({ ok: false, error: { code: 'TRANSPORT_FAILED' } });
  });

  it('runs the generated validator before the handler', async () => {
    const catga = createCatga().handler(RenameHandler).handler(RenamedHandler).build();
    const result = await sendCompiled(catga, new Rename(42 as unknown as string));
    expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', details: { errors: [{ field: 'name', rule: 'type' }] } } });
    expect(seen).toEqual([]);
  });

  it('adds hand-written validators after the generated one, reporting both', async () => {
    const catga = createCatga()
      .handler(RenameHandler)
      .handler(RenamedHandler)
      .validate(Rename, async () => [{ field: 'other', message: 'always wrong' }])
      .build();
    const result = await catga.send(new Rename(1 as unknown as string));
    expect(result.ok ? [] : (result.error.details as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['name', 'other']);
  });

  it('falls back to plain send/publish on a bus without a compiled path', async () => {
    const calls: string[] = [];
    const bus: MessageBus = {
      send: async () => (calls.push('send'), { ok: true as const, value: undefined as never }),
      publish: async () => (calls.push('publish'), { ok: true as const, value: { eventType: 'Renamed', handlers: 0 } }),
    };
    await sendCompiled(bus, new Rename('a'));
    await publishCompiled(bus, new Renamed('a'));
    expect(calls).toEqual(['send', 'publish']);
  });

  it('refuses to start with untransformed classes when told to, naming them and the likely cause', () => {
    const build = () => createCatga({ untransformed: 'throw' }).handler(PlainRenameHandler).build();
    expect(build).toThrow(CatgaConfigurationError);
    expect(build).toThrow(/handler PlainRenameHandler/);
    expect(build).toThrow(/plain `tsc` instead of `tspc`/);
  });

  it('warns about a mix of compiled and untransformed classes by default, and stays silent when nothing is compiled', () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (_fields: object, message: string) => warnings.push(message) };
    createCatga().withLogging({ logger }).handler(UntouchedHandler).build();
    expect(warnings).toEqual([]);
    createCatga().withLogging({ logger }).handler(PlainRenameHandler).handler(RenamedHandler).build();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('1 registered class(es) of Catga instance "catga" were not compiled by @catga/transformer: handler PlainRenameHandler.');
    createCatga({ untransformed: 'allow' }).withLogging({ logger }).handler(PlainRenameHandler).handler(RenamedHandler).build();
    expect(warnings).toHaveLength(1);
    expect(() => createCatga({ untransformed: 'sometimes' as never })).toThrow(/untransformed/);
  });

  it('registers a whole registry, with factories by class name', async () => {
    const registry = { messages: [Rename, Renamed, Untouched], handlers: [RenameHandler, RenamedHandler, UntouchedHandler] };
    const made: string[] = [];
    const catga = createCatga()
      .withServices({ tag: 'svc' })
      .handlers(registry, { UntouchedHandler: (s) => (made.push(s.tag), new UntouchedHandler()) })
      .build();
    expect(made).toEqual(['svc']);
    expect(await catga.send(new Rename('b'))).toEqual({ ok: true, value: 'renamed to b' });
    expect(await catga.send(new Untouched())).toEqual({ ok: true, value: 'plain' });
    expect(() => createCatga().handlers(registry, { Nope: () => new UntouchedHandler() })).toThrow(/the registry has no handler named Nope/);
    expect(() => createCatga().handlers({} as never)).toThrow(/expected a registry/);
    expect(() => createCatga().handlers(registry).handler(RenameHandler)).toThrow(/registered twice/);
  });
});
