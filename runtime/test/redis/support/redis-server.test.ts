import { existsSync, readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import {
  REDIS_URL,
  deleteKeys,
  freeLoopbackPort,
  startCluster,
  startRedisServer,
  startSentinelSetup,
  uniqueKeyPrefix,
  type RunningRedisServer,
} from './redis-server';

// The harness that the Redis integration tests rely on to get private, disposable redis-servers: if it is wrong,
// they are flaky.

jest.setTimeout(30_000);

/** Runs `body` against a fresh server and always stops it, so a failed expectation leaks nothing. */
async function withServer(server: RunningRedisServer, body: (server: RunningRedisServer) => Promise<void>): Promise<void> {
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

/** A plain ioredis client that fails at once instead of retrying, closed after `body`. */
async function withClient<T>(url: string, options: RedisOptions, body: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, ...options });
  let emitted: Error | undefined; // connect() rejects with "Connection is closed."; the cause comes as an 'error' event
  client.on('error', (error: Error) => {
    emitted ??= error;
  });
  try {
    try {
      await client.connect();
    } catch (error) {
      throw emitted ?? error;
    }
    return await body(client);
  } finally {
    client.disconnect();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether a TCP connection to the port is refused (nothing listens there). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('startRedisServer', () => {
  it('starts a private server on loopback that answers, persists nothing, and stop() ends it', async () => {
    const server = await startRedisServer();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(server.port).not.toBe(6379);
    expect(server.tlsFiles).toBeUndefined();
    expect(isAlive(server.pid)).toBe(true);
    await withServer(server, async () => {
      await withClient(server.url, {}, async (client) => {
        expect(await client.ping()).toBe('PONG');
        await client.set('k', 'v');
        expect(await client.get('k')).toBe('v');
        expect(await client.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
        expect(await client.config('GET', 'save')).toEqual(['save', '']);
        expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
        expect(await client.info('server')).toMatch(new RegExp(`process_id:${server.pid}\\r\\n`));
      });
    });
    expect(isAlive(server.pid)).toBe(false);
    expect(await refused(server.port)).toBe(true);
    await expect(server.stop()).resolves.toBeUndefined(); // idempotent
    await expect(server.restart()).rejects.toThrow(/stopped/);
  });

  it('gives each server its own port', async () => {
    const [first, second] = await Promise.all([startRedisServer(), startRedisServer()]);
    try {
      expect(first.port).not.toBe(second.port);
      await withClient(first.url, {}, (client) => client.set('only-here', '1'));
      expect(await withClient(second.url, {}, (client) => client.exists('only-here'))).toBe(0);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  it('restarts a killed server on the same port (without its data)', async () => {
    await withServer(await startRedisServer(), async (server) => {
      const { port, pid } = server;
      await withClient(server.url, {}, (client) => client.set('before', '1'));

      await server.kill();
      expect(isAlive(pid)).toBe(false);
      expect(await refused(port)).toBe(true);
      await server.restart();

      expect(server.port).toBe(port);
      expect(server.pid).not.toBe(pid);
      expect(isAlive(server.pid)).toBe(true);
      await withClient(server.url, {}, async (client) => {
        expect(await client.ping()).toBe('PONG');
        expect(await client.exists('before')).toBe(0);
      });
    });
  });

  it('keeps the data of a durable server across kill() and restart()', async () => {
    await withServer(await startRedisServer({ durable: true }), async (server) => {
      await withClient(server.url, {}, async (client) => {
        expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
        for (let index = 0; index < 100; index++) await client.rpush('durable-list', String(index));
        await client.set('durable-key', 'kept');
      });

      await server.kill(); // SIGKILL: no shutdown save, only the fsynced append-only file
      await server.restart();

      await withClient(server.url, {}, async (client) => {
        expect(await client.get('durable-key')).toBe('kept');
        expect(await client.llen('durable-list')).toBe(100);
      });
    });
  });

  it('restart() also works on a running server', async () => {
    await withServer(await startRedisServer(), async (server) => {
      const { pid } = server;
      await server.restart();
      expect(isAlive(pid)).toBe(false);
      expect(await withClient(server.url, {}, (client) => client.ping())).toBe('PONG');
    });
  });

  it('requires the password given as `password`', async () => {
    await withServer(await startRedisServer({ password: 'pa"ss \\word' }), async ({ url }) => {
      expect(await withClient(url, { password: 'pa"ss \\word' }, (client) => client.ping())).toBe('PONG');
      await expect(withClient(url, { password: 'wrong' }, (client) => client.ping())).rejects.toThrow(/WRONGPASS|invalid/i);
    });
  });

  it('creates ACL users with their rules', async () => {
    const users = [
      { name: 'alice', password: 'alice-secret', rules: '~* +@all' },
      { name: 'reader', password: 'reader-secret', rules: '~* +get +ping +info' },
    ];
    await withServer(await startRedisServer({ users }), async ({ url }) => {
      await withClient(url, { username: 'alice', password: 'alice-secret' }, async (client) => {
        expect(await client.call('ACL', 'WHOAMI')).toBe('alice');
        await client.set('k', 'v');
      });
      await withClient(url, { username: 'reader', password: 'reader-secret' }, async (client) => {
        expect(await client.get('k')).toBe('v');
        await expect(client.set('k', 'other')).rejects.toThrow(/NOPERM/);
      });
      await expect(withClient(url, { username: 'alice', password: 'wrong' }, (client) => client.ping())).rejects.toThrow(/WRONGPASS/);
    });
  });

  it('serves TLS only, with a certificate for 127.0.0.1 that verifies against tlsFiles.ca', async () => {
    const server = await startRedisServer({ tls: true });
    await withServer(server, async ({ url, port, tlsFiles }) => {
      expect(url).toBe(`rediss://127.0.0.1:${port}`);
      expect(tlsFiles).toBeDefined();
      for (const file of Object.values(tlsFiles ?? {})) expect(existsSync(file)).toBe(true);
      const ca = readFileSync(tlsFiles!.ca);
      expect(await withClient(url, { tls: { ca } }, (client) => client.ping())).toBe('PONG');
      // Without the CA the client must not trust the throwaway certificate.
      await expect(withClient(url, { tls: {} }, (client) => client.ping())).rejects.toThrow(/certificate/i);
      // No plain-text port: a plain client gets no answer.
      await expect(withClient(`redis://127.0.0.1:${port}`, { connectTimeout: 2_000 }, (client) => client.ping())).rejects.toThrow();
    });
  });

  it('starts a replica of another server', async () => {
    const primary = await startRedisServer();
    await withServer(primary, async () => {
      await withServer(await startRedisServer({ replicaOf: { host: '127.0.0.1', port: primary.port } }), async (replica) => {
        expect(await withClient(replica.url, {}, (client) => client.info('replication'))).toMatch(
          new RegExp(`role:slave\\r\\nmaster_host:127\\.0\\.0\\.1\\r\\nmaster_port:${primary.port}\\r\\n`),
        );
      });
    });
  });

  it('rejects options it cannot express', async () => {
    await expect(startRedisServer({ password: '' })).rejects.toThrow(/password/);
    await expect(startRedisServer({ users: [{ name: 'default', password: 'x', rules: '+@all' }] })).rejects.toThrow(/user name/);
    await expect(startRedisServer({ users: [{ name: 'bob', password: 'line\nbreak', rules: '+@all' }] })).rejects.toThrow(/control characters/);
  });
});

describe('startSentinelSetup', () => {
  it('starts a primary, an in-sync replica and a sentinel that knows both', async () => {
    const setup = await startSentinelSetup('harness-primary');
    try {
      expect(setup.name).toBe('harness-primary');
      expect(setup.sentinels).toHaveLength(1);
      const [sentinel] = setup.sentinels;
      await withClient(`redis://${sentinel!.host}:${sentinel!.port}`, { enableReadyCheck: false }, async (client) => {
        expect(await client.call('SENTINEL', 'get-master-addr-by-name', 'harness-primary')).toEqual(['127.0.0.1', String(setup.primary.port)]);
        const replicas = (await client.call('SENTINEL', 'replicas', 'harness-primary')) as string[][];
        expect(replicas).toHaveLength(1);
        const fields = replicas[0]!;
        expect(fields[fields.indexOf('port') + 1]).toBe(String(setup.replica.port));
      });
      await withClient(setup.primary.url, {}, (client) => client.set('replicated', 'yes'));
      await withClient(setup.replica.url, {}, async (client) => {
        const deadline = Date.now() + 10_000;
        while ((await client.get('replicated')) !== 'yes' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(await client.get('replicated')).toBe('yes');
      });
    } finally {
      await setup.stop();
    }
    expect(isAlive(setup.primary.pid)).toBe(false);
    expect(isAlive(setup.replica.pid)).toBe(false);
    expect(await refused(setup.sentinels[0]!.port)).toBe(true);
  });
});

describe('startCluster', () => {
  it('starts three masters that together serve every slot', async () => {
    const cluster = await startCluster();
    try {
      expect(cluster.nodes).toHaveLength(3);
      expect(new Set(cluster.nodes.map(({ port }) => port)).size).toBe(3);
      for (const node of cluster.nodes) {
        const info = await withClient(`redis://${node.host}:${node.port}`, {}, (client) => client.cluster('INFO'));
        expect(info).toMatch(/cluster_state:ok/);
        expect(info).toMatch(/cluster_slots_assigned:16384/);
        expect(info).toMatch(/cluster_known_nodes:3/);
      }
      const client = new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })), { lazyConnect: true });
      client.on('error', () => undefined);
      try {
        await client.connect();
        const keys = Array.from({ length: 20 }, (_, index) => `harness-key-${index}`);
        for (const key of keys) await client.set(key, key);
        for (const key of keys) expect(await client.get(key)).toBe(key);
        // The keys spread over more than one master.
        const slots = await Promise.all(keys.map((key) => client.cluster('KEYSLOT', key)));
        expect(new Set(slots).size).toBeGreaterThan(1);
      } finally {
        client.disconnect();
      }
    } finally {
      await cluster.stop();
    }
    for (const server of cluster.servers) expect(isAlive(server.pid)).toBe(false);
  });

  it('refuses fewer than three masters', async () => {
    await expect(startCluster(2)).rejects.toThrow(/at least 3/);
  });
});

describe('helpers', () => {
  it('uniqueKeyPrefix makes distinct prefixes of safe characters', () => {
    const first = uniqueKeyPrefix('orders {v1} *:x');
    const second = uniqueKeyPrefix('orders {v1} *:x');
    expect(first).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(second).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(first).not.toBe(second);
  });

  it('deleteKeys removes the keys of a prefix, plain and hash-tagged, and nothing else', async () => {
    const prefix = uniqueKeyPrefix('delete');
    const neighbour = `${prefix}x`; // shares the text but not the `<prefix>:` segment
    await withClient(REDIS_URL, {}, async (client) => {
      try {
        const ours = Array.from({ length: 1_500 }, (_, index) => `${prefix}:store:${index}`);
        await client.mset(...ours.flatMap((key) => [key, '1']));
        await client.set(`{${prefix}:outbox}:a`, '1');
        await client.set(`{${prefix}:outbox}:b`, '1');
        await client.set(`${neighbour}:store:1`, '1');
        await client.set(`{${neighbour}:outbox}:a`, '1');

        expect(await deleteKeys(REDIS_URL, prefix)).toBe(1_502);

        expect(await client.exists(ours[0]!, ours[1_499]!, `{${prefix}:outbox}:a`, `{${prefix}:outbox}:b`)).toBe(0);
        expect(await client.exists(`${neighbour}:store:1`, `{${neighbour}:outbox}:a`)).toBe(2);
      } finally {
        await deleteKeys(REDIS_URL, neighbour);
      }
      expect(await client.exists(`${neighbour}:store:1`, `{${neighbour}:outbox}:a`)).toBe(0);
    });
  });

  it('deleteKeys refuses an empty prefix', async () => {
    await expect(deleteKeys(REDIS_URL, '')).rejects.toThrow(/empty/);
  });

  it('freeLoopbackPort returns a usable port', async () => {
    const port = await freeLoopbackPort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
  });

  it('REDIS_URL defaults to the shared server', () => {
    expect(REDIS_URL).toBe(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });
});
