import { readFileSync } from 'node:fs';
import { CatgaConfigurationError, CatgaError, ErrorCode } from '@catga/runtime';
import { connectRedis, type RedisConnection, type RedisConnectionOptions } from '@catga/runtime/redis';
import { Cluster, Redis } from 'ioredis';
import {
  REDIS_URL,
  deleteKeys,
  freeLoopbackPort,
  startCluster,
  startRedisServer,
  startSentinelSetup,
  uniqueKeyPrefix,
  type RunningRedisCluster,
  type RunningRedisServer,
  type RunningSentinelSetup,
} from './support/redis-server';

jest.setTimeout(60_000);

// connectRedis against real servers: the shared one for the plain case, private ones started by the test on other
// loopback ports for authentication, TLS, Sentinel, Cluster, a dead server and a server that dies and comes back.

const opened: RedisConnection[] = [];
const servers: { stop(): Promise<void> }[] = [];

/** connectRedis, remembered so afterAll closes it even when the test fails. */
async function connect(options: RedisConnectionOptions): Promise<RedisConnection> {
  const connection = await connectRedis(options);
  opened.push(connection);
  return connection;
}

async function server(options: Parameters<typeof startRedisServer>[0] = {}): Promise<RunningRedisServer> {
  const started = await startRedisServer(options);
  servers.push(started);
  return started;
}

afterAll(async () => {
  await Promise.all(opened.map((connection) => connection.close()));
  await Promise.all(servers.map((each) => each.stop()));
});

/** Awaits `promise`, which must reject, and returns what it rejected with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** The rejection of `promise` and how long it took, in ms. */
async function timedRejection(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await rejection(promise);
  return { error, ms: performance.now() - started };
}

function expectPersistenceFailed(error: unknown, message?: RegExp): void {
  expect(error).toBeInstanceOf(CatgaError);
  const catgaError = error as CatgaError;
  expect(catgaError.code).toBe(ErrorCode.PERSISTENCE_FAILED);
  expect(catgaError.retryable).toBe(true);
  if (message) expect(catgaError.message).toMatch(message);
}

function expectConfigurationError(thrown: unknown, field: string): void {
  expect(thrown).toBeInstanceOf(CatgaConfigurationError);
  expect((thrown as CatgaConfigurationError).field).toBe(field);
}

/** Retries `check` until it resolves, or throws its last error after `timeoutMs`. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('connectRedis: a single node (the shared server)', () => {
  const keyPrefix = uniqueKeyPrefix('connection');

  afterAll(async () => {
    await deleteKeys(REDIS_URL, keyPrefix);
  });

  it('connects, pings and lays keys out under the prefix', async () => {
    const connection = await connect({ url: REDIS_URL, keyPrefix });
    expect(connection.keyPrefix).toBe(keyPrefix);
    expect(connection.client).toBeInstanceOf(Redis);
    expect(connection.reader).toBe(connection.client); // no replica to read from
    expect(connection.client.status).toBe('ready');

    const rtt = await connection.ping();
    expect(typeof rtt).toBe('number');
    expect(rtt).toBeGreaterThanOrEqual(0);

    expect(connection.key('saga', 'order-1')).toBe(`${keyPrefix}:saga:order-1`);
    expect(connection.taggedKey('outbox', 'pending')).toBe(`{${keyPrefix}:outbox}:pending`);

    await connection.client.set(connection.key('saga', 'order-1'), 'state');
    await connection.client.set(connection.taggedKey('outbox', 'pending'), 'list');
    expect(await connection.run('saga', 'get', () => connection.client.get(connection.key('saga', 'order-1')))).toBe('state');
    expect(await connection.reader.get(connection.taggedKey('outbox', 'pending'))).toBe('list');
    expect((await deleteKeys(REDIS_URL, keyPrefix)) >= 2).toBe(true);
  });

  it('defaults to keyPrefix catga', async () => {
    const connection = await connect({ url: REDIS_URL });
    expect(connection.keyPrefix).toBe('catga');
    expect(connection.key('inbox', 'm1')).toBe('catga:inbox:m1');
    expect(connection.taggedKey('lock', 'l1')).toBe('{catga:lock}:l1');
  });

  it('turns a Redis error into PERSISTENCE_FAILED naming the store and operation', async () => {
    const connection = await connect({ url: REDIS_URL, keyPrefix });
    const key = connection.key('inbox', 'not-a-list');
    await connection.client.set(key, 'string');
    const error = await rejection(connection.run('inbox', 'push', () => connection.client.lpush(key, 'x')));
    expectPersistenceFailed(error, /Redis inbox\.push failed: WRONGTYPE/);
    expect((error as CatgaError).details).toEqual({ store: 'inbox', operation: 'push' });
    expect((error as CatgaError).cause).toBeInstanceOf(Error);
  });

  it('close() ends the client; commands after it fail with PERSISTENCE_FAILED', async () => {
    const connection = await connectRedis({ url: REDIS_URL, keyPrefix });
    await connection.close();
    expectPersistenceFailed(await rejection(connection.ping()), /connection\.ping/);
    await eventually(async () => expect(connection.client.status).toBe('end'));
    await expect(connection.close()).resolves.toBeUndefined(); // closing twice is harmless
  });

  it('uses a client you pass in as it is and does not close it', async () => {
    const own = new Redis(REDIS_URL, { lazyConnect: true });
    await own.connect();
    try {
      const connection = await connectRedis({ client: own, keyPrefix });
      expect(connection.client).toBe(own);
      expect(connection.reader).toBe(own);
      await connection.close();
      expect(own.status).toBe('ready');
      expect(await own.ping()).toBe('PONG');
    } finally {
      own.disconnect();
    }
  });
});

describe('connectRedis: authentication', () => {
  it('connects as an ACL user with the right password, and rejects a wrong one at once', async () => {
    const { url } = await server({ users: [{ name: 'catga', password: 'right-secret', rules: '~* +@all' }] });
    const connection = await connect({ url, username: 'catga', password: 'right-secret' });
    expect(await connection.client.call('ACL', 'WHOAMI')).toBe('catga');
    await connection.ping();

    // connectTimeoutMs is the default 10 s: a wrong password must not wait for it.
    const { error, ms } = await timedRejection(connectRedis({ url, username: 'catga', password: 'wrong-secret' }));
    expectPersistenceFailed(error, /connection\.connect failed: WRONGPASS/);
    expect(ms).toBeLessThan(5_000);
  });

  it('takes the ACL user and password from the URL', async () => {
    const { port } = await server({ users: [{ name: 'urluser', password: 'url-secret', rules: '~* +@all' }] });
    const connection = await connect({ url: `redis://urluser:url-secret@127.0.0.1:${port}` });
    expect(await connection.client.call('ACL', 'WHOAMI')).toBe('urluser');
  });

  it('connects with a requirepass password alone, and rejects a wrong or missing one', async () => {
    const { url } = await server({ password: 'only-a-password' });
    const connection = await connect({ url, password: 'only-a-password' });
    expect(await connection.client.call('ACL', 'WHOAMI')).toBe('default');

    const wrong = await timedRejection(connectRedis({ url, password: 'not-it' }));
    expectPersistenceFailed(wrong.error, /WRONGPASS/);
    expect(wrong.ms).toBeLessThan(5_000);

    const missing = await timedRejection(connectRedis({ url, connectTimeoutMs: 3_000 }));
    expectPersistenceFailed(missing.error, /NOAUTH/);
    expect(missing.ms).toBeLessThan(8_000);
  });
});

describe('connectRedis: TLS', () => {
  let tlsServer: RunningRedisServer;
  let ca: Buffer;

  beforeAll(async () => {
    tlsServer = await server({ tls: true });
    ca = readFileSync(tlsServer.tlsFiles!.ca);
  });

  it('connects over TLS with the CA that signed the server certificate', async () => {
    expect(tlsServer.url).toMatch(/^rediss:\/\//);
    const connection = await connect({ url: tlsServer.url, tls: { ca } });
    await connection.ping();
    await connection.client.set('tls-key', 'over tls');
    expect(await connection.client.get('tls-key')).toBe('over tls');
  });

  it('accepts a PEM string as the CA, with a redis:// URL and tls set', async () => {
    const connection = await connect({ url: `redis://127.0.0.1:${tlsServer.port}`, tls: { ca: ca.toString('utf8') } });
    expect(await connection.client.ping()).toBe('PONG');
  });

  it('rejects a server certificate it cannot verify (tls: true uses the system CAs)', async () => {
    const error = await rejection(connectRedis({ url: tlsServer.url, tls: true, connectTimeoutMs: 3_000 }));
    expectPersistenceFailed(error, /certificate/i);
  });

  it('fails a plain connection to the TLS port', async () => {
    const { error, ms } = await timedRejection(connectRedis({ url: `redis://127.0.0.1:${tlsServer.port}`, connectTimeoutMs: 1_000 }));
    expectPersistenceFailed(error, /connection\.connect/);
    expect(ms).toBeLessThan(5_000);
  });
});

describe('connectRedis: Sentinel', () => {
  let setup: RunningSentinelSetup;

  beforeAll(async () => {
    setup = await startSentinelSetup('catga-sentinel-test');
    servers.push(setup);
  });

  it('finds the primary through the sentinel and writes and reads there', async () => {
    const connection = await connect({ sentinel: { sentinels: setup.sentinels, name: setup.name }, keyPrefix: 'sentinel' });
    expect(connection.reader).toBe(connection.client);
    const key = connection.key('saga', 's1');
    await connection.client.set(key, 'through sentinel');
    expect(await connection.client.get(key)).toBe('through sentinel');
    const replication = await connection.client.info('replication');
    expect(replication).toMatch(/role:master/);
    expect(await connection.client.info('server')).toMatch(new RegExp(`tcp_port:${setup.primary.port}\\r\\n`));
  });

  it('with readFromReplicas, reads through a reader connected to the replica', async () => {
    const connection = await connect({ sentinel: { sentinels: setup.sentinels, name: setup.name }, keyPrefix: 'sentinel', readFromReplicas: true });
    expect(connection.reader).not.toBe(connection.client);
    expect(await connection.reader.info('replication')).toMatch(/role:slave/);
    expect(await connection.reader.info('server')).toMatch(new RegExp(`tcp_port:${setup.replica.port}\\r\\n`));
    expect(await connection.client.info('replication')).toMatch(/role:master/);

    const key = connection.key('dead-letter', 'count');
    await connection.client.set(key, '42');
    expect(await eventually(async () => {
      const value = await connection.reader.get(key);
      if (value !== '42') throw new Error(`the replica has ${value} so far`);
      return value;
    })).toBe('42');
    // The replica refuses writes: the reader is not the primary.
    await expect(connection.reader.set(key, 'x')).rejects.toThrow(/READONLY/);
  });

  it('rejects an unknown primary name with PERSISTENCE_FAILED', async () => {
    const error = await rejection(connectRedis({ sentinel: { sentinels: setup.sentinels, name: 'no-such-primary' }, connectTimeoutMs: 2_000 }));
    expectPersistenceFailed(error, /connection\.connect failed: not connected after 2000 ms: .*No such master/);
  });
});

describe('connectRedis: Cluster', () => {
  let cluster: RunningRedisCluster;

  beforeAll(async () => {
    cluster = await startCluster(3);
    servers.push(cluster);
  });

  it('connects to the cluster and runs a script over two keys with the same hash tag', async () => {
    const connection = await connect({ cluster: { nodes: cluster.nodes }, keyPrefix: 'clustered' });
    expect(connection.client).toBeInstanceOf(Cluster);
    await connection.ping();

    const first = connection.taggedKey('outbox', 'a');
    const second = connection.taggedKey('outbox', 'b');
    expect(await connection.client.cluster('KEYSLOT', first)).toBe(await connection.client.cluster('KEYSLOT', second));
    const script = "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[2]); return redis.call('MGET', KEYS[1], KEYS[2])";
    const result = await connection.run('outbox', 'script', () => connection.client.eval(script, 2, first, second, 'one', 'two'));
    expect(result).toEqual(['one', 'two']);
  });

  it('fails the same script over untagged keys in different slots with CROSSSLOT', async () => {
    const connection = await connect({ cluster: { nodes: cluster.nodes }, keyPrefix: 'clustered' });
    const first = connection.key('outbox', 'a');
    const second = connection.key('outbox', 'b');
    expect(await connection.client.cluster('KEYSLOT', first)).not.toBe(await connection.client.cluster('KEYSLOT', second));
    const script = "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[2]); return 1";
    const error = await rejection(connection.run('outbox', 'script', () => connection.client.eval(script, 2, first, second, 'one', 'two')));
    expectPersistenceFailed(error, /CROSSSLOT/);
  });

  it('with readFromReplicas, makes a separate reader that still reads (masters serve when there is no replica)', async () => {
    const connection = await connect({ cluster: { nodes: cluster.nodes }, keyPrefix: 'clustered', readFromReplicas: true });
    expect(connection.reader).not.toBe(connection.client);
    const key = connection.key('saga', 'r1');
    await connection.client.set(key, 'value');
    expect(await connection.reader.get(key)).toBe('value');
  });
});

describe('connectRedis: failures', () => {
  it('rejects with PERSISTENCE_FAILED when no cluster node answers', async () => {
    const nodes = [{ host: '127.0.0.1', port: await freeLoopbackPort() }];
    const { error, ms } = await timedRejection(connectRedis({ cluster: { nodes }, connectTimeoutMs: 1_000 }));
    expectPersistenceFailed(error, /connection\.connect failed: None of startup nodes is available/);
    expect(ms).toBeLessThan(5_000);
  });

  it('rejects with PERSISTENCE_FAILED within about connectTimeoutMs when nobody listens', async () => {
    const port = await freeLoopbackPort();
    const { error, ms } = await timedRejection(connectRedis({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 }));
    expectPersistenceFailed(error, /connection\.connect failed: .*ECONNREFUSED/);
    expect(ms).toBeLessThan(3_000);
  });

  it('fails commands fast while the server is down, and works again on the same connection after it is back', async () => {
    const victim = await server();
    const connection = await connect({ url: victim.url, keyPrefix: 'failfast' });
    await connection.client.set('k', 'before');
    expect(await connection.run('x', 'y', () => connection.client.get('k'))).toBe('before');

    await victim.kill();

    const { error, ms } = await timedRejection(connection.run('x', 'y', () => connection.client.get('k')));
    expectPersistenceFailed(error, /Redis x\.y failed/);
    expect((error as CatgaError).details).toEqual({ store: 'x', operation: 'y' });
    expect(ms).toBeLessThan(3_000); // well below the 5 s command timeout: no waiting for the server
    const again = await timedRejection(connection.ping());
    expectPersistenceFailed(again.error);
    expect(again.ms).toBeLessThan(3_000);

    await victim.restart();

    // The client reconnects in the background (back-off capped at 2 s); the restarted server has lost the data.
    const value = await eventually(() => connection.run('x', 'y', () => connection.client.get('k')), 20_000);
    expect(value).toBeNull();
    await connection.client.set('k', 'after');
    expect(await connection.client.get('k')).toBe('after');
  });
});

describe('connectRedis: options', () => {
  const cases: [string, RedisConnectionOptions, string][] = [
    ['a keyPrefix with braces', { keyPrefix: 'a{b}' }, 'redis.keyPrefix'],
    ['a keyPrefix with a space', { keyPrefix: 'a b' }, 'redis.keyPrefix'],
    ['an empty keyPrefix', { keyPrefix: '' }, 'redis.keyPrefix'],
    ['two modes at once', { url: REDIS_URL, cluster: { nodes: [{ host: '127.0.0.1', port: 7000 }] } }, 'redis'],
    ['a url that is not redis://', { url: 'http://127.0.0.1:6379' }, 'redis.url'],
    ['a sentinel setup without sentinels', { sentinel: { sentinels: [], name: 'primary' } }, 'redis.sentinel'],
    ['a cluster without nodes', { cluster: { nodes: [] } }, 'redis.cluster.nodes'],
    ['a negative connectTimeoutMs', { connectTimeoutMs: -1 }, 'redis.connectTimeoutMs'],
    ['a fractional commandTimeoutMs', { commandTimeoutMs: 1.5 }, 'redis.commandTimeoutMs'],
  ];

  it.each(cases)('rejects %s with a CatgaConfigurationError naming the field', async (_, options, field) => {
    expectConfigurationError(await rejection(connectRedis(options)), field);
  });
});
