import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { createUser } from '@nats-io/nkeys';
// From nats-core, which transport-node re-exports via '@nats-io/nats-core/internal': a subpath export that the
// runtime's Node10 module resolution cannot see, so those re-exports do not type-check from transport-node.
import { AuthorizationError, nkeyAuthenticator, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { NATS_URL, freeLoopbackPort, startNatsServer, uniquePrefix, type RunningNatsServer } from './support/nats-server';

// The harness that integration tests rely on to get private, disposable nats-servers: if it is wrong, they are flaky.

jest.setTimeout(15_000);

/** Runs `body` against a fresh server and always stops it, so a failed expectation leaks nothing. */
async function withServer(server: RunningNatsServer, body: (server: RunningNatsServer) => Promise<void>): Promise<void> {
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

/** Runs `body` with a connection and always closes it. */
async function withConnection(connecting: Promise<NatsConnection>, body: (nc: NatsConnection) => Promise<void>): Promise<void> {
  const nc = await connecting;
  try {
    await body(nc);
  } finally {
    await nc.close();
  }
}

/** Publishes one message to a fresh subscription and returns what the subscription received. */
async function roundtrip(nc: NatsConnection, payload: string): Promise<string | undefined> {
  const subject = `${uniquePrefix('roundtrip')}.ping`;
  const sub = nc.subscribe(subject, { max: 1 });
  const received = (async () => {
    for await (const msg of sub) return msg.string();
    return undefined;
  })();
  await nc.flush(); // the server knows the subscription before the publish
  nc.publish(subject, payload);
  return received;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startNatsServer', () => {
  it('starts a plain server on loopback that routes messages, and stop() ends it', async () => {
    const server = await startNatsServer();
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    expect(server.caFile).toBeUndefined();
    await withServer(server, async () => {
      await withConnection(connect({ servers: server.url }), async (nc) => {
        expect(await roundtrip(nc, 'hello')).toBe('hello');
      });
    });
    expect(isAlive(server.pid)).toBe(false);
    await expect(server.stop()).resolves.toBeUndefined(); // idempotent
    await expect(server.restart()).rejects.toThrow(/stopped/);
  });

  it('accepts configured users and rejects wrong credentials', async () => {
    const users = [{ user: 'alice', password: 'p"a\\ss $word' }]; // characters the config file must quote
    await withServer(await startNatsServer({ users }), async ({ url }) => {
      await withConnection(connect({ servers: url, user: 'alice', pass: users[0]!.password }), async (nc) => {
        expect(await roundtrip(nc, 'as alice')).toBe('as alice');
      });
      await expect(connect({ servers: url, user: 'alice', pass: 'wrong' })).rejects.toBeInstanceOf(AuthorizationError);
      await expect(connect({ servers: url })).rejects.toBeInstanceOf(AuthorizationError);
    });
  });

  it('accepts the token and rejects another', async () => {
    await withServer(await startNatsServer({ token: 's3cr3t' }), async ({ url }) => {
      await withConnection(connect({ servers: url, token: 's3cr3t' }), async (nc) => {
        expect(await roundtrip(nc, 'with token')).toBe('with token');
      });
      await expect(connect({ servers: url, token: 'other' })).rejects.toBeInstanceOf(AuthorizationError);
    });
  });

  it('accepts allowed nkeys, alongside password users, and rejects other nkeys', async () => {
    const allowed = createUser();
    const stranger = createUser();
    const options = { nkeys: [allowed.getPublicKey()], users: [{ user: 'bob', password: 'pw' }] };
    await withServer(await startNatsServer(options), async ({ url }) => {
      await withConnection(connect({ servers: url, authenticator: nkeyAuthenticator(allowed.getSeed()) }), async (nc) => {
        expect(await roundtrip(nc, 'with nkey')).toBe('with nkey');
      });
      await withConnection(connect({ servers: url, user: 'bob', pass: 'pw' }), async (nc) => {
        expect(await roundtrip(nc, 'as bob')).toBe('as bob');
      });
      const asStranger = connect({ servers: url, authenticator: nkeyAuthenticator(stranger.getSeed()) });
      await expect(asStranger).rejects.toBeInstanceOf(AuthorizationError);
    });
  });

  it('refuses token auth combined with users or nkeys', async () => {
    await expect(startNatsServer({ token: 't', users: [{ user: 'u', password: 'p' }] })).rejects.toThrow(/token.*cannot be combined/);
    await expect(startNatsServer({ token: 't', nkeys: [createUser().getPublicKey()] })).rejects.toThrow(/token.*cannot be combined/);
  });

  it('requires TLS with a certificate for 127.0.0.1 that verifies against caFile', async () => {
    const server = await startNatsServer({ tls: true });
    expect(server.caFile).toMatch(/ca\.pem$/);
    await withServer(server, async ({ url, caFile }) => {
      await withConnection(connect({ servers: url, tls: { caFile } }), async (nc) => {
        expect(await roundtrip(nc, 'over tls')).toBe('over tls');
      });
      // Without the CA the client must not trust the throwaway certificate.
      await expect(connect({ servers: url, tls: {} })).rejects.toThrow(/certificate/);
    });
  });

  it('applies maxPayload', async () => {
    await withServer(await startNatsServer({ maxPayload: 4096 }), async ({ url }) => {
      await withConnection(connect({ servers: url }), async (nc) => {
        expect(nc.info?.max_payload).toBe(4096);
      });
    });
  });

  it('enables JetStream', async () => {
    await withServer(await startNatsServer({ jetstream: true }), async ({ url }) => {
      await withConnection(connect({ servers: url }), async (nc) => {
        await expect((await jetstreamManager(nc)).getAccountInfo()).resolves.toMatchObject({ streams: 0 });
      });
    });
  });

  it('restarts a killed server on the same port with its file store', async () => {
    const stream = uniquePrefix('restart');
    await withServer(await startNatsServer({ jetstream: true }), async (server) => {
      const { port, pid } = server;
      await withConnection(connect({ servers: server.url }), async (nc) => {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], storage: StorageType.File });
      });

      await server.kill();
      expect(isAlive(pid)).toBe(false);
      await server.restart();

      expect(server.port).toBe(port);
      expect(server.pid).not.toBe(pid);
      await withConnection(connect({ servers: server.url }), async (nc) => {
        const jsm = await jetstreamManager(nc);
        await expect(jsm.streams.info(stream)).resolves.toMatchObject({ config: { name: stream } });
      });
    });
  });
});

describe('helpers', () => {
  it('uniquePrefix makes distinct subject-token- and stream-name-safe prefixes', () => {
    const first = uniquePrefix('orders.v1 *>');
    const second = uniquePrefix('orders.v1 *>');
    expect(first).toMatch(/^[A-Za-z0-9_]+$/);
    expect(second).toMatch(/^[A-Za-z0-9_]+$/);
    expect(first).not.toBe(second);
  });

  it('freeLoopbackPort returns a usable port', async () => {
    const port = await freeLoopbackPort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
  });

  it('NATS_URL defaults to the shared CI server', () => {
    expect(NATS_URL).toBe(process.env.NATS_URL ?? 'nats://127.0.0.1:4222');
  });
});
