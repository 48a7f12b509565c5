import {
  CatgaCommand,
  CatgaError,
  CatgaEvent,
  CatgaHandler,
  Command,
  Event,
  type PipelineBehavior,
  createCatga,
  fail,
} from '@catga/runtime';

@CatgaCommand({ timeoutMs: 100 })
class Pay extends Command<string> {
  constructor(readonly amount: number) {
    super();
  }
}

@CatgaEvent()
class Paid extends Event {}

const trace: string[] = [];

@CatgaHandler(Pay)
class PayHandler {
  handle(command: Pay): string {
    trace.push('handler');
    return `paid ${command.amount}`;
  }
}

@CatgaHandler(Paid)
class PaidHandler {
  handle(): void {
    trace.push('event handler');
  }
}

function recorder(name: string): PipelineBehavior {
  return {
    name,
    async handle(_message, _context, next) {
      trace.push(`${name}:before`);
      const result = await next();
      trace.push(`${name}:after`);
      return result;
    },
  };
}

describe('pipeline behaviours (contract)', () => {
  beforeEach(() => trace.splice(0));

  it('wrap the handler in order (lower order outermost; ties keep insertion order)', async () => {
    const catga = createCatga()
      .use(recorder('inner'), { order: 900 })
      .use(recorder('outer'), { order: 100 })
      .use(recorder('last-added'), { order: 900 })
      .handler(PayHandler)
      .build();
    expect(await catga.send(new Pay(5))).toEqual({ ok: true, value: 'paid 5' });
    expect(trace).toEqual([
      'outer:before',
      'inner:before',
      'last-added:before',
      'handler',
      'last-added:after',
      'inner:after',
      'outer:after',
    ]);
  });

  it('may short-circuit with a result of its own', async () => {
    const guard: PipelineBehavior = {
      name: 'guard',
      handle: async (message, _context, next) =>
        (message as Pay).amount > 100 ? fail('FORBIDDEN', 'limit exceeded') : next(),
    };
    const catga = createCatga().use(guard).handler(PayHandler).build();
    const refused = await catga.send(new Pay(500));
    expect(refused.ok || refused.error.code).toBe('FORBIDDEN');
    expect(trace).toEqual([]);
  });

  it('turns a throwing behaviour into PIPELINE_FAILED, or keeps a thrown CatgaError code', async () => {
    const broken: PipelineBehavior = { name: 'broken', handle: async () => { throw new Error('metrics backend down'); } };
    const result = await createCatga().use(broken).handler(PayHandler).build().send(new Pay(1));
    expect(result.ok || [result.error.code, result.error.message, result.error.details.behavior]).toEqual([
      'PIPELINE_FAILED',
      'Behaviour "broken" failed on "Pay": metrics backend down',
      'broken',
    ]);
    const validating: PipelineBehavior = {
      name: 'validation',
      handle: async () => { throw new CatgaError('VALIDATION_FAILED', 'amount must be positive'); },
    };
    const invalid = await createCatga().use(validating).handler(PayHandler).build().send(new Pay(-1));
    expect(invalid.ok || invalid.error.code).toBe('VALIDATION_FAILED');
  });

  it('reports a behaviour that returns something other than a result', async () => {
    const sloppy = { name: 'sloppy', handle: async () => 'oops' } as unknown as PipelineBehavior;
    const result = await createCatga().use(sloppy).handler(PayHandler).build().send(new Pay(1));
    expect(result.ok || result.error.message).toBe('Behaviour "sloppy" failed on "Pay": handle() returned oops instead of a CatgaResult');
  });

  it('accepts a JavaScript behaviour that returns a plain result or throws synchronously', async () => {
    const plain = { name: 'plain', handle: (_m: unknown, _c: unknown, next: () => unknown) => (trace.push('plain'), fail('CONFLICT', 'sync')) } as unknown as PipelineBehavior;
    const syncThrow = { name: 'sync-throw', handle: () => { throw new Error('sync boom'); } } as unknown as PipelineBehavior;
    const conflict = await createCatga().use(plain).handler(PayHandler).build().send(new Pay(1));
    expect(conflict.ok || conflict.error.code).toBe('CONFLICT');
    const boom = await createCatga().use(syncThrow).handler(PayHandler).build().send(new Pay(1));
    expect(boom.ok || [boom.error.code, boom.error.message]).toEqual(['PIPELINE_FAILED', 'Behaviour "sync-throw" failed on "Pay": sync boom']);
  });

  it('apply only where appliesTo says so, and see the decorator options', async () => {
    const seen: Array<[string, unknown]> = [];
    const commandsOnly: PipelineBehavior = {
      name: 'commands-only',
      appliesTo: (descriptor) => {
        seen.push([descriptor.typeName, descriptor.options.timeoutMs]);
        return descriptor.kind === 'command';
      },
      handle: recorder('commands-only').handle,
    };
    const catga = createCatga().use(commandsOnly).handler(PayHandler).handler(PaidHandler).build();
    await catga.send(new Pay(1));
    await catga.publish(new Paid());
    expect(seen).toEqual([
      ['Pay', 100],
      ['Paid', undefined],
    ]);
    expect(trace).toEqual(['commands-only:before', 'handler', 'commands-only:after', 'event handler']);
  });

  it('run around each event handler as well', async () => {
    const catga = createCatga().use(recorder('b')).handler(PaidHandler).build();
    await catga.publish(new Paid());
    expect(trace).toEqual(['b:before', 'event handler', 'b:after']);
  });
});
