import { createUser } from '@nats-io/nkeys';
import { CatgaCommand, CatgaConfigurationError, CatgaEvent, CatgaHandler, Command, createCatga, Event } from '@catga/runtime';
import { natsTransport } from '@catga/runtime/nats';
import { closeAll, deleteStreams, eventually, RecordingLogger, startOnNats } from './support/catga-nats';
import { freeLoopbackPort, type RunningNatsServer, startNatsServer, uniquePrefix } from './support/nats-server';

jest.setTimeout(30_000);

// Connection life cycle against private nats-servers started by the test on other loopback ports: authentication,
// TLS, a dead server, a server restart under load, health and a draining close.

@CatgaCommand()
class Work extends Command<number> {
  constructor(
    readonly n: number,
    readonly delayMs: number = 0,
  ) {
    super();
  }
}

@CatgaHandler(Work)
class WorkHandler {
  async handle(cmd: Work): Promise<number> {
    if (cmd.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, cmd.delayMs));
    return cmd.n * 2;
  }
}

@CatgaEvent({ qos: 1 })
class Logged extends Event {
  constructor(readonly n: number) {
    super();
  }
}

const servers: RunningNatsServer[] = [];
async function server(options: Parameters<typeof startNatsServer>[0]): Promise<RunningNatsServer> {
  const started = await startNatsServer(options);
  servers.push(started);
  return started;
}

afterEach(async () => {
  await closeAll();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function roundTrip(url: string, auth: Parameters<typeof natsTransport>[0]): Promise<unknown> {
  const prefix = uniquePrefix('auth');
  await startOnNats('worker', { servers: url, prefix, ...auth }, (b) => b.handler(WorkHandler));
  const client = await startOnNats('client', { servers: url, prefix, ...auth }, (b) => b.messages(Work));
  return client.catga.send(new Work(21));
}

describe('authentication and TLS', () => {
  it('connects with user and password, and refuses a wrong password with a clear error', async () => {
    const nats = await server({ users: [{ user: 'orders', password: 's3cret' }] });
    await expect(roundTrip(nats.url, { auth: { user: 'orders', password: 's3cret' } })).resolves.toEqual({ ok: true, value: 42 });
    const refused = createCatga({ name: 'intruder' })
      .messages(Work)
      .withTransport(natsTransport({ servers: nats.url, auth: { user: 'orders', password: 'guess' } }))
      .start();
    await expect(refused).rejects.toMatchObject({ code: 'TRANSPORT_FAILED', message: expect.stringMatching(/Cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: .*[Aa]uthorization/) });
  });

  it('connects with a token', async () => {
    const nats = await server({ token: 'tok-123' });
    await expect(roundTrip(nats.url, { auth: { token: 'tok-123' } })).resolves.toEqual({ ok: true, value: 42 });
  });

  it('connects with an NKey seed, and refuses an unknown key', async () => {
    const known = createUser();
    const nats = await server({ nkeys: [known.getPublicKey()] });
    const seed = new TextDecoder().decode(known.getSeed());
    await expect(roundTrip(nats.url, { auth: { nkeySeed: seed } })).resolves.toEqual({ ok: true, value: 42 });
    const stranger = new TextDecoder().decode(createUser().getSeed());
    await expect(createCatga({ name: 'x' }).withTransport(natsTransport({ servers: nats.url, auth: { nkeySeed: stranger } })).start()).rejects.toMatchObject({
      code: 'TRANSPORT_FAILED',
    });
  });

  it('connects over TLS verified with the given CA', async () => {
    const nats = await server({ tls: true });
    await expect(roundTrip(nats.url, { tls: { caFile: nats.caFile! } })).resolves.toEqual({ ok: true, value: 42 });
  });
});

describe('bad configuration and dead servers', () => {
  it('names the bad option', () => {
    expect(() => natsTransport({ prefix: 'a.b' })).toThrow(CatgaConfigurationError);
    expect(() => natsTransport({ prefix: 'a.b' })).toThrow(/natsTransport\.prefix/);
    expect(() => natsTransport({ requestTimeout: 5 } as never)).toThrow(/natsTransport\.requestTimeout.*unknown option/);
    expect(() => natsTransport({ auth: { user: 'x' } as never })).toThrow(/natsTransport\.auth/);
    expect(() => natsTransport({ jetstream: { maxDeliveries: 0 } })).toThrow(/natsTransport\.jetstream\.maxDeliveries/);
  });

  it('refuses to start when nothing listens, with the address in the error', async () => {
    const port = await freeLoopbackPort();
    const starting = createCatga({ name: 'lonely' }).withTransport(natsTransport({ servers: `nats://127.0.0.1:${port}` })).start();
    await expect(starting).rejects.toMatchObject({ code: 'TRANSPORT_FAILED', message: expect.stringContaining(`127.0.0.1:${port}`) });
  });

  it('refuses a maxPayloadBytes above the server max_payload', async () => {
    const nats = await server({ maxPayload: 4_096 });
    const starting = createCatga({ name: 'big' }).withTransport(natsTransport({ servers: nats.url, maxPayloadBytes: 8_192 })).start();
    await expect(starting).rejects.toThrow(/maxPayloadBytes.*over the server's max_payload of 4096/);
  });

  it('fails sends with TRANSPORT_FAILED before start and after close', async () => {
    const unstarted = await natsTransport().request(new Work(1), new AbortController().signal);
    expect(!unstarted.ok && unstarted.error.message).toContain('not connected yet (await builder.start())');
    const node = await startOnNats('closing', { prefix: uniquePrefix('closed') }, (b) => b.messages(Work));
    await node.catga.close();
    const result = await node.transport.request(new Work(1), new AbortController().signal);
    expect(!result.ok && result.error.code).toBe('TRANSPORT_FAILED');
    expect(!result.ok && result.error.message).toContain('closed');
  });
});

describe('life cycle', () => {
  it('reports health: connected with a round-trip time, then closed', async () => {
    const node = await startOnNats('healthy', { prefix: uniquePrefix('health') }, (b) => b.messages(Work));
    const health = await node.transport.health();
    expect(health).toMatchObject({ ok: true, state: 'open', pendingSends: 0, runningHandlers: 0 });
    expect(typeof health.rttMs).toBe('number');
    await node.catga.close();
    await expect(node.transport.health()).resolves.toMatchObject({ ok: false, state: 'closed' });
  });

  it('close() lets running handlers finish and reply before the connection goes', async () => {
    const prefix = uniquePrefix('drain');
    const worker = await startOnNats('worker', { prefix }, (b) => b.handler(WorkHandler));
    const client = await startOnNats('client', { prefix }, (b) => b.messages(Work));
    const pending = client.catga.send(new Work(5, 300));
    await eventually(async () => (await worker.transport.health()).runningHandlers === 1, 'the handler to start');
    await worker.catga.close();
    await expect(pending).resolves.toEqual({ ok: true, value: 10 });
  });

  it('survives a server restart under load: every send settles, no unhandled rejection, traffic resumes', async () => {
    const nats = await server({ jetstream: true });
    const prefix = uniquePrefix('restart');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const options = { servers: nats.url, prefix, requestTimeoutMs: 2_000, reconnectWaitMs: 50 };
      await startOnNats('worker', options, (b) => b.handler(WorkHandler));
      const client = await startOnNats('client', options, (b) => b.messages(Work, Logged));
      const outcomes = new Map<string, number>();
      let running = true;
      const load = (async () => {
        let n = 0;
        while (running) {
          const batch = await Promise.all(Array.from({ length: 20 }, () => client.catga.send(new Work(n++, 5))));
          for (const result of batch) {
            const key = result.ok ? 'ok' : result.error.code;
            outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
          }
        }
      })();
      await eventually(() => (outcomes.get('ok') ?? 0) > 100, 'traffic before the restart');
      await nats.kill();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await nats.restart();
      const okBefore = outcomes.get('ok') ?? 0;
      await eventually(() => (outcomes.get('ok') ?? 0) > okBefore + 100, 'traffic after the restart', 20_000);
      running = false;
      await load;
      expect([...outcomes.keys()].every((code) => ['ok', 'TRANSPORT_FAILED', 'TIMEOUT'].includes(code))).toBe(true);
      expect((outcomes.get('TRANSPORT_FAILED') ?? 0) + (outcomes.get('TIMEOUT') ?? 0)).toBeGreaterThan(0); // the outage was seen
      await expect(client.catga.publish(new Logged(1))).resolves.toMatchObject({ ok: true }); // JetStream back too
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await closeAll();
      await deleteStreams(prefix, nats.url).catch(() => undefined);
    }
  });

  it('logs the lost connection and its return', async () => {
    const nats = await server({});
    const logger = new RecordingLogger();
    const node = await startOnNats('watcher', { servers: nats.url, prefix: uniquePrefix('watch'), logger, reconnectWaitMs: 50 }, (b) => b.messages(Work));
    await nats.kill();
    await eventually(() => logger.messages('warn').some((m) => m.includes('connection lost')), 'the disconnect');
    expect((await node.transport.health()).state).toBe('reconnecting');
    await nats.restart();
    await eventually(() => logger.messages('info').some((m) => m.includes('connection restored')), 'the reconnect');
  });
});
