import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { CatgaConfigurationError, type MembershipChange } from '@catga/runtime';
import { NatsMembership, type NatsMembershipOptions } from '@catga/runtime/nats';
import { eventually, RecordingLogger } from '../nats/support/catga-nats';
import { NATS_URL, uniquePrefix } from '../nats/support/nats-server';

jest.setTimeout(20_000);

// NatsMembership against the real server: joining, leaving, and a crash (a node whose connection dies without a
// word), each member on its own connection like separate processes.

const connections: NatsConnection[] = [];
const memberships: NatsMembership[] = [];

async function member(prefix: string, nodeId: string, options: Partial<NatsMembershipOptions> = {}): Promise<{ membership: NatsMembership; connection: NatsConnection }> {
  const connection = await connect({ servers: NATS_URL });
  connections.push(connection);
  const membership = new NatsMembership({ connection, prefix, cluster: 'orders', nodeId, heartbeatMs: 50, ...options });
  memberships.push(membership);
  return { membership, connection };
}

afterEach(async () => {
  await Promise.all(memberships.splice(0).map((membership) => membership.stop()));
  await Promise.all(connections.splice(0).map((connection) => connection.close().catch(() => undefined)));
});

describe('NatsMembership', () => {
  it('knows the members there are as soon as start() resolves, and they learn of it', async () => {
    const prefix = uniquePrefix('members_join');
    const { membership: a } = await member(prefix, 'a');
    expect(a.members()).toEqual([]);
    await a.start();
    expect(a.members()).toEqual(['a']);
    const { membership: b } = await member(prefix, 'b');
    await b.start();
    const { membership: c } = await member(prefix, 'c');
    await c.start();
    // The newcomer asked who is there and waited for the answers.
    expect(c.members()).toEqual(['a', 'b', 'c']);
    await eventually(() => a.members().length === 3 && b.members().length === 3, 'a and b to see c');
    expect(a.members()).toEqual(['a', 'b', 'c']);
    // Another cluster name on the same prefix is another cluster.
    const { membership: other } = await member(prefix, 'x', { cluster: 'billing' });
    await other.start();
    expect(other.members()).toEqual(['x']);
    expect(a.members()).toEqual(['a', 'b', 'c']);
  });

  it('drops a member that leaves at once, long before its failure timeout', async () => {
    const prefix = uniquePrefix('members_leave');
    const slow = { heartbeatMs: 60_000, failAfterMs: 180_000 };
    const { membership: a } = await member(prefix, 'a', slow);
    const { membership: b } = await member(prefix, 'b', slow);
    await a.start();
    await b.start();
    await eventually(() => a.members().length === 2, 'a to see b');
    const changes: MembershipChange[] = [];
    a.onChange((change) => changes.push(change));
    await b.stop();
    expect(b.members()).toEqual([]);
    await eventually(() => a.members().length === 1, 'a to drop b');
    expect(changes).toEqual([{ members: ['a'], joined: [], left: ['b'] }]);
  });

  it('drops a member that stops heartbeating (crash) after failAfterMs, and takes it back when it returns', async () => {
    const prefix = uniquePrefix('members_crash');
    const { membership: a } = await member(prefix, 'a', { failAfterMs: 300 });
    const { membership: b } = await member(prefix, 'b', { failAfterMs: 300 });
    const { membership: c, connection: cConnection } = await member(prefix, 'c', { failAfterMs: 300 });
    for (const membership of [a, b, c]) await membership.start();
    await eventually(() => a.members().length === 3 && b.members().length === 3, 'everyone to see everyone');
    const crashedAt = performance.now();
    await cConnection.close(); // no leave: like a process killed
    await eventually(() => a.members().length === 2 && b.members().length === 2, 'a and b to drop c');
    // Not before its last heartbeat was failAfterMs old (the last one came at most one heartbeat before the crash).
    expect(performance.now() - crashedAt).toBeGreaterThanOrEqual(300 - 50 - 10);
    expect(a.members()).toEqual(['a', 'b']);
    // The same node id coming back (a restart) is a member again.
    const { membership: again } = await member(prefix, 'c', { failAfterMs: 300 });
    await again.start();
    expect(again.members()).toEqual(['a', 'b', 'c']);
    await eventually(() => a.members().length === 3, 'a to see c again');
  });

  it('ignores malformed cluster messages and reports a node id used twice', async () => {
    const prefix = uniquePrefix('members_bad');
    const logger = new RecordingLogger();
    const { membership: a, connection } = await member(prefix, 'a', { logger });
    await a.start();
    for (const body of ['not json', '{"node":"b.c","inc":"1"}', '{"node":"b"}', JSON.stringify({ node: 'b', inc: 'x'.repeat(100) }), 'x'.repeat(600)]) {
      connection.publish(`${prefix}.cluster.orders.heartbeat`, body);
    }
    await connection.flush();
    const { membership: twin } = await member(prefix, 'a');
    await twin.start();
    await eventually(() => logger.messages('error').some((message) => message.includes('another process uses this node id "a"')), 'the duplicate to be reported');
    expect(a.members()).toEqual(['a']);
  });

  it('refuses bad options, naming the field', async () => {
    const connection = await connect({ servers: NATS_URL });
    connections.push(connection);
    const make = (options: object) => () => new NatsMembership({ connection, ...options } as NatsMembershipOptions);
    expect(make({ nodeId: 'a b' })).toThrow(CatgaConfigurationError);
    expect(make({ nodeId: 'a b' })).toThrow('natsMembership.nodeId');
    expect(make({ cluster: 'a.b' })).toThrow('natsMembership.cluster');
    expect(make({ heartbeatMs: 5 })).toThrow('natsMembership.heartbeatMs');
    expect(make({ heartbeatMs: 100, failAfterMs: 100 })).toThrow('natsMembership.failAfterMs": must be longer than heartbeatMs (100 ms)');
    expect(make({ hearbeatMs: 100 })).toThrow('natsMembership.hearbeatMs": unknown option');
    expect(() => new NatsMembership({} as NatsMembershipOptions)).toThrow('natsMembership.connection');
    expect(new NatsMembership({ connection }).failAfterMs).toBe(3_000);
  });
});
