import { type Catga, CatgaCommand, CatgaEvent, CatgaHandler, Command, createCatga, Event, saga, unwrap } from '@catga/runtime';
import { connectRedis, type RedisConnection, RedisSagaStore } from '@catga/runtime/redis';
import { deleteKeys, REDIS_URL, uniqueKeyPrefix } from './support/redis-server';

jest.setTimeout(30_000);

// Sagas on the Redis saga store, each host on its own connection as separate processes would be: takeover after a
// host stops beating, an awaited event handled by a host that does not own the instance, and a race of hosts for
// one event. (A real kill -9 of a process mid-saga is tested with the bank fixture.)

/** Side effects, by the idempotency key of the step that caused them: a repeated side effect shows as a count > 1. */
const effects = new Map<string, number>();
/** The key of a step whose next run hangs until the host stops it (a crash mid-step). */
let hangKey: string | undefined;

@CatgaCommand()
class Reserve extends Command<void> {
  constructor(readonly key: string) {
    super();
  }
}
@CatgaEvent()
class Approved extends Event {
  constructor(readonly caseId: string) {
    super();
  }
}
@CatgaHandler(Reserve)
class ReserveHandler {
  async handle(command: Reserve, ctx: { signal: AbortSignal }): Promise<void> {
    if (command.key === hangKey) {
      hangKey = undefined;
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      throw new Error('abandoned');
    }
    effects.set(command.key, (effects.get(command.key) ?? 0) + 1);
  }
}

interface Case {
  caseId: string;
  approvedBy?: string;
}
const CaseSaga = saga<Case>('CaseSaga')
  .step('first', { run: async (_c, ctx) => void unwrap(await ctx.send(new Reserve(ctx.idempotencyKey))) })
  .step('second', { run: async (_c, ctx) => void unwrap(await ctx.send(new Reserve(ctx.idempotencyKey))) })
  .waitFor('approval', { event: Approved, correlate: (event) => event.caseId, timeoutMs: 10_000, onEvent: () => ({ approvedBy: 'someone' }) });

const connections: RedisConnection[] = [];
const hosts: Catga[] = [];
let prefix: string;

async function host(owner: string): Promise<Catga> {
  const connection = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
  connections.push(connection);
  const catga = await createCatga({ name: owner })
    .withLogging(false)
    .handler(ReserveHandler)
    .withSagas([CaseSaga], { store: new RedisSagaStore(connection), owner, heartbeatMs: 50, staleAfterMs: 200, recoverEveryMs: 50 })
    .start();
  hosts.push(catga);
  return catga;
}

beforeEach(() => {
  prefix = uniqueKeyPrefix('saga-host');
  effects.clear();
  hangKey = undefined;
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((catga) => catga.close()));
  await Promise.all(connections.splice(0).map((connection) => connection.close()));
  await deleteKeys(REDIS_URL, prefix);
});

describe('sagas on Redis', () => {
  it('takes over an instance whose host stopped, without repeating its completed step', async () => {
    const a = await host('host-a');
    hangKey = 'CaseSaga:c1:second';
    // "first" completes on A; "second" hangs there until A goes away.
    const running = a.sagas.start(CaseSaga, 'c1', { caseId: 'c1' });
    await until(async () => effects.size === 1 && hangKey === undefined);
    await a.close();
    await running;
    const b = await host('host-b');
    await until(async () => {
      const read = await b.sagas.get(CaseSaga, 'c1');
      return read.ok && read.value.waitingFor !== undefined;
    });
    unwrap(await b.publish(new Approved('c1')));
    const done = unwrap(await b.sagas.whenSettled(CaseSaga, 'c1'));
    expect(done).toMatchObject({ status: 'completed', owner: 'host-b', completedSteps: ['first', 'second', 'approval'], state: { approvedBy: 'someone' } });
    expect(Object.fromEntries(effects)).toEqual({ 'CaseSaga:c1:first': 1, 'CaseSaga:c1:second': 1 });
  });

  it('hands an event to the waiting instance exactly once when several hosts receive it', async () => {
    const [a, b, c] = [await host('host-a'), await host('host-b'), await host('host-c')];
    unwrap(await a.sagas.start(CaseSaga, 'c2', { caseId: 'c2' }));
    const event = new Approved('c2');
    // The same event (one message id) delivered to three hosts at once, as a redelivery storm would.
    await Promise.all([a, b, c].map((catga) => catga.publish(event)));
    const done = unwrap(await a.sagas.whenSettled(CaseSaga, 'c2'));
    expect(done.status).toBe('completed');
    expect(done.completedSteps).toEqual(['first', 'second', 'approval']);
    expect(Object.fromEntries(effects)).toEqual({ 'CaseSaga:c2:first': 1, 'CaseSaga:c2:second': 1 });
  });
});

async function until(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
