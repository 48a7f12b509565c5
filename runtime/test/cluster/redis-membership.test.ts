import { CatgaConfigurationError, type MembershipChange } from '@catga/runtime';
import { connectRedis, type RedisConnection, RedisMembership, type RedisMembershipOptions } from '@catga/runtime/redis';
import { eventually, RecordingLogger } from '../nats/support/catga-nats';
import { deleteKeys, REDIS_URL, uniqueKeyPrefix } from '../redis/support/redis-server';

jest.setTimeout(20_000);

// RedisMembership against the real server: each member on its own connection, like separate processes.

const connections: RedisConnection[] = [];
const memberships: RedisMembership[] = [];
const prefixes: string[] = [];

async function member(prefix: string, nodeId: string, options: RedisMembershipOptions = {}): Promise<{ membership: RedisMembership; connection: RedisConnection }> {
  const connection = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
  connections.push(connection);
  const membership = new RedisMembership(connection, { cluster: 'orders', nodeId, heartbeatMs: 50, ...options });
  memberships.push(membership);
  return { membership, connection };
}

function newPrefix(label: string): string {
  const prefix = uniqueKeyPrefix(label);
  prefixes.push(prefix);
  return prefix;
}

afterEach(async () => {
  await Promise.all(memberships.splice(0).map((membership) => membership.stop()));
  await Promise.all(connections.splice(0).map((connection) => connection.close()));
  for (const prefix of prefixes.splice(0)) await deleteKeys(REDIS_URL, prefix);
});

describe('RedisMembership', () => {
  it('joins and leaves through one sorted set, and the others see both at once', async () => {
    const prefix = newPrefix('members_join');
    // Renewals every minute: whatever the others see within the test comes from the announcements.
    const slow = { heartbeatMs: 60_000, failAfterMs: 180_000 };
    const { membership: a, connection } = await member(prefix, 'a', slow);
    const { membership: b } = await member(prefix, 'b', slow);
    await a.start();
    expect(a.members()).toEqual(['a']);
    const changes: MembershipChange[] = [];
    a.onChange((change) => changes.push(change));
    await b.start();
    expect(b.members()).toEqual(['a', 'b']);
    await eventually(() => a.members().length === 2, 'a to see b join');
    // The layout: `<keyPrefix>:cluster:<cluster>`, node ids scored by the server's clock in ms.
    const scores = await connection.client.zrange(`${prefix}:cluster:orders`, 0, '-1', 'WITHSCORES');
    expect(scores.filter((_, i) => i % 2 === 0).sort()).toEqual(['a', 'b']);
    const [seconds, micros] = await connection.client.time();
    expect(Math.abs(Number(scores[1]) - (Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)))).toBeLessThan(60_000);
    expect(await connection.client.pttl(`${prefix}:cluster:orders`)).toBeGreaterThan(180_000);
    await b.stop();
    expect(b.members()).toEqual([]);
    await eventually(() => a.members().length === 1, 'a to see b leave');
    expect(changes).toEqual([
      { members: ['a', 'b'], joined: ['b'], left: [] },
      { members: ['a'], joined: [], left: ['b'] },
    ]);
    expect(await connection.client.zrange(`${prefix}:cluster:orders`, 0, '-1')).toEqual(['a']);
  });

  it('drops a member that stops renewing (crash) after failAfterMs', async () => {
    const prefix = newPrefix('members_crash');
    const logger = new RecordingLogger();
    const { membership: a } = await member(prefix, 'a', { failAfterMs: 300 });
    const { membership: b } = await member(prefix, 'b', { failAfterMs: 300 });
    const { membership: c, connection: cConnection } = await member(prefix, 'c', { failAfterMs: 300, logger });
    for (const membership of [a, b, c]) await membership.start();
    await eventually(() => a.members().length === 3 && b.members().length === 3, 'everyone to see everyone');
    const crashedAt = performance.now();
    await cConnection.close(); // c's renewals fail from now on: like a process that lost Redis or died
    await eventually(() => a.members().length === 2 && b.members().length === 2, 'a and b to drop c');
    expect(performance.now() - crashedAt).toBeGreaterThanOrEqual(300 - 50 - 10);
    expect(a.members()).toEqual(['a', 'b']);
    // c keeps its last view and says why.
    await eventually(() => logger.messages('warn').some((message) => message.includes('cannot renew cluster membership')), 'c to warn');
    expect(c.members()).toEqual(['a', 'b', 'c']);
  });

  it('rejects start() with PERSISTENCE_FAILED when Redis is unreachable, and refuses bad options', async () => {
    const prefix = newPrefix('members_bad');
    const { membership, connection } = await member(prefix, 'a');
    await connection.close();
    await expect(membership.start()).rejects.toMatchObject({ code: 'PERSISTENCE_FAILED' });
    expect(membership.members()).toEqual([]);
    const live = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
    connections.push(live);
    expect(() => new RedisMembership(live, { nodeId: 'a:b' })).toThrow(CatgaConfigurationError);
    expect(() => new RedisMembership(live, { nodeId: 'a:b' })).toThrow('redisMembership.nodeId');
    expect(() => new RedisMembership(live, { store: 'a{b}' })).toThrow('redisMembership.store');
    expect(() => new RedisMembership(live, { heartbeatMs: 1_000, failAfterMs: 500 })).toThrow('redisMembership.failAfterMs');
    expect(() => new RedisMembership(live, { ttlMs: 5 } as RedisMembershipOptions)).toThrow('unknown option');
  });
});
