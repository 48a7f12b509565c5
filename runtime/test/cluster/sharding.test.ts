import { CatgaCommand, CatgaHandler, type ClusterMembership, Command, ErrorCode, HashRing, MemoryMembership, MemoryMembershipRegistry } from '@catga/runtime';
import { connectRedis, type RedisConnection, RedisMembership } from '@catga/runtime/redis';

import { closeAll, eventually, type NatsNode, startOnNats } from '../nats/support/catga-nats';
import { uniquePrefix } from '../nats/support/nats-server';
import { deleteKeys, REDIS_URL, uniqueKeyPrefix } from '../redis/support/redis-server';

jest.setTimeout(30_000);

// Sharding over a real nats-server: three Catga instances in this process, each a node of one cluster (the default
// NATS heartbeat membership on its own connection), with fixed node ids so the hash ring, and so each key's owner,
// is known in advance.

const NODES = ['node-a', 'node-b', 'node-c'] as const;

@CatgaCommand({ shardKey: 'account' })
class Deposit extends Command<string> {
  constructor(
    readonly account: string,
    readonly seq: number,
  ) {
    super();
  }
}

@CatgaCommand({ shardKey: 'account', name: 'DepositById' })
class DepositById extends Command<string> {
  constructor(readonly account: unknown) {
    super();
  }
}

interface Handled {
  readonly key: string;
  readonly seq: number;
  readonly node: string;
}

/** What every node's handlers saw, in the order they ran, and any moment two ran for one key at once. */
class Ledger {
  readonly handled: Handled[] = [];
  readonly overlaps: string[] = [];
  private readonly running = new Map<string, string>();

  async record(key: string, seq: number, node: string): Promise<string> {
    const other = this.running.get(key);
    if (other !== undefined) this.overlaps.push(`${key}#${seq} on ${node} while ${other} ran it`);
    this.running.set(key, node);
    // Yield a few times (and sometimes a timer turn) so handlers of other keys interleave with this one.
    for (let i = seq % 3; i >= 0; i--) await new Promise((resolve) => setImmediate(resolve));
    if (seq % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    this.running.delete(key);
    this.handled.push({ key, seq, node });
    return node;
  }

  /** The sequence numbers of `key`, in the order they were handled. */
  order(key: string): number[] {
    return this.handled.filter((entry) => entry.key === key).map((entry) => entry.seq);
  }

  nodesOf(key: string): string[] {
    return [...new Set(this.handled.filter((entry) => entry.key === key).map((entry) => entry.node))];
  }
}

let ledger: Ledger;

@CatgaHandler(Deposit)
class DepositHandler {
  constructor(private readonly node: string) {}
  handle(command: Deposit): Promise<string> {
    return ledger.record(command.account, command.seq, this.node);
  }
}

@CatgaHandler(DepositById)
class DepositByIdHandler {
  handle(command: DepositById): string {
    return String(command.account);
  }
}

async function startNode(prefix: string, nodeId: string, heartbeatMs = 100): Promise<NatsNode> {
  return startOnNats(nodeId, { prefix, service: 'bank', requestTimeoutMs: 10_000, cluster: { nodeId, heartbeatMs } }, (builder) =>
    builder.handler(DepositHandler, () => new DepositHandler(nodeId)).handler(DepositByIdHandler),
  );
}

async function startCluster(prefix: string): Promise<NatsNode[]> {
  const nodes: NatsNode[] = [];
  for (const nodeId of NODES) nodes.push(await startNode(prefix, nodeId));
  // Every node must see all three before routing can be compared with the expected ring.
  await eventually(() => nodes.every((node) => node.transport.membership?.members().length === NODES.length), 'every node to see three members');
  return nodes;
}

beforeEach(() => {
  ledger = new Ledger();
});
afterEach(closeAll);

describe('sharded commands over NATS', () => {
  it('handles every key on its owner, one at a time, in send order, with the load spread over three nodes', async () => {
    const prefix = uniquePrefix('shard_order');
    const nodes = await startCluster(prefix);
    const ring = new HashRing(NODES);
    const keys = Array.from({ length: 60 }, (_, i) => `acct-${i}`);
    const rounds = 12;
    // Each key has one sender (spread over the three nodes); every send is fired without waiting, interleaved over
    // keys and senders.
    const sends: Promise<unknown>[] = [];
    for (let seq = 0; seq < rounds; seq++) {
      keys.forEach((key, i) => sends.push(nodes[i % 3]!.catga.send(new Deposit(key, seq))));
    }
    const results = await Promise.all(sends);
    expect(results.filter((result) => !(result as { ok: boolean }).ok)).toEqual([]);

    expect(ledger.overlaps).toEqual([]);
    expect(ledger.handled).toHaveLength(keys.length * rounds);
    const perNode = new Map<string, number>();
    for (const key of keys) {
      expect({ key, order: ledger.order(key) }).toEqual({ key, order: Array.from({ length: rounds }, (_, seq) => seq) });
      expect({ key, nodes: ledger.nodesOf(key) }).toEqual({ key, nodes: [ring.ownerOf(key)] });
      perNode.set(ring.ownerOf(key)!, (perNode.get(ring.ownerOf(key)!) ?? 0) + 1);
    }
    // Load spread: every node owns a fair part of the keys.
    expect([...perNode.keys()].sort()).toEqual([...NODES]);
    for (const count of perNode.values()) expect(count).toBeGreaterThanOrEqual(keys.length * 0.15);
    // Replies say who handled them: the owner.
    const reply = await nodes[0]!.catga.send(new Deposit('acct-7', rounds));
    expect(reply).toEqual({ ok: true, value: ring.ownerOf('acct-7') });
  });

  it('routes numbers and strings alike, and serves senders outside the cluster through any member', async () => {
    const prefix = uniquePrefix('shard_outside');
    await startCluster(prefix);
    // A sender without `cluster`: its sends go to the shared subject; the member that gets one passes it to the owner.
    const client = await startOnNats('client', { prefix, requestTimeoutMs: 10_000 }, (builder) => builder.messages(Deposit));
    const sends = Array.from({ length: 30 }, (_, i) => client.catga.send(new Deposit(`acct-${i % 10}`, Math.floor(i / 10))));
    expect((await Promise.all(sends)).every((result) => result.ok)).toBe(true);
    const ring = new HashRing(NODES);
    for (let i = 0; i < 10; i++) {
      expect(ledger.nodesOf(`acct-${i}`)).toEqual([ring.ownerOf(`acct-${i}`)]);
      // Concurrent sends from outside reach the owner through whichever member took each: all of them, in any order.
      expect([...ledger.order(`acct-${i}`)].sort()).toEqual([0, 1, 2]);
    }
    expect(ledger.overlaps).toEqual([]);
    // Sequential sends from outside keep their order.
    for (let seq = 3; seq < 8; seq++) expect((await client.catga.send(new Deposit('acct-1', seq))).ok).toBe(true);
    expect(ledger.order('acct-1').slice(3)).toEqual([3, 4, 5, 6, 7]);
    // 42 and "42" are one key.
    const byNumber = await client.catga.send(new DepositById(42));
    expect(byNumber).toEqual({ ok: true, value: '42' });
  });

  it('refuses a command whose shard key is missing or not a string or a number, naming the field', async () => {
    const prefix = uniquePrefix('shard_badkey');
    const [node] = await startCluster(prefix);
    const client = await startOnNats('client', { prefix, requestTimeoutMs: 10_000 }, (builder) => builder.messages(DepositById));
    for (const [value, described] of [
      [undefined, 'undefined'],
      [null, 'null'],
      ['', 'an empty string'],
      [true, 'a boolean'],
      [{ id: 1 }, 'an object'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
    ] as const) {
      // A sender outside the cluster encodes first (Infinity is refused as unserialisable there); the member checks.
      for (const sender of typeof value === 'number' ? [node!] : [node!, client]) {
        const result = await sender.catga.send(new DepositById(value));
        expect(result.ok).toBe(false);
        if (result.ok) continue;
        expect(result.error.code).toBe(ErrorCode.VALIDATION_FAILED);
        expect(result.error.retryable).toBe(false);
        expect(result.error.message).toBe(
          `"DepositById" is sharded by its field "account", which is ${described}; a shard key must be a non-empty string or a finite number`,
        );
      }
    }
  });

  it('moves the keys of a node that stops to the other two: every send succeeds, nothing is lost or handled twice', async () => {
    const prefix = uniquePrefix('shard_rebalance');
    const nodes = await startCluster(prefix);
    const [a, b, c] = nodes as [NatsNode, NatsNode, NatsNode];
    const before = new HashRing(NODES);
    const after = new HashRing(['node-a', 'node-b']);
    const keys = Array.from({ length: 30 }, (_, i) => `acct-${i}`);
    const movedKeys = keys.filter((key) => before.ownerOf(key) === 'node-c');
    expect(movedKeys.length).toBeGreaterThan(3);

    // Per key, sequential sends (each waits for the previous one) from node-a or node-b, while node-c stops.
    let stopping: Promise<void> | undefined;
    let progress = 0;
    const failures: unknown[] = [];
    const sender = async (key: string, i: number): Promise<void> => {
      for (let seq = 0; seq < 20; seq++) {
        const result = await (i % 2 === 0 ? a : b).catga.send(new Deposit(key, seq));
        if (!result.ok) failures.push({ key, seq, error: result.error.message });
        if (++progress === keys.length * 5) stopping = c.catga.close();
      }
    };
    // And a burst of concurrent sends, fired while node-c is leaving.
    const burst: Promise<{ ok: boolean }>[] = [];
    const firing = (async () => {
      await eventually(() => stopping !== undefined, 'node-c to start stopping');
      for (let i = 0; i < 60; i++) burst.push(a.catga.send(new Deposit(`burst-${i % 15}`, 1_000 + i)));
    })();
    await Promise.all(keys.map(sender));
    await firing;
    await stopping;
    expect(failures).toEqual([]);
    expect((await Promise.all(burst)).every((result) => result.ok)).toBe(true);

    expect(ledger.overlaps).toEqual([]);
    // Exactly once each, in order per key (sends of a key were sequential).
    for (const key of keys) expect({ key, order: ledger.order(key) }).toEqual({ key, order: Array.from({ length: 20 }, (_, seq) => seq) });
    const burstSeqs = ledger.handled.filter((entry) => entry.key.startsWith('burst-')).map((entry) => entry.seq).sort((x, y) => x - y);
    expect(burstSeqs).toEqual(Array.from({ length: 60 }, (_, i) => 1_000 + i));
    // node-c's keys went to their owner on the two-node ring, and node-c handled nothing after the first one elsewhere.
    for (const key of movedKeys) {
      const entries = ledger.handled.filter((entry) => entry.key === key);
      const firstMoved = entries.findIndex((entry) => entry.node !== 'node-c');
      expect(firstMoved).toBeGreaterThan(0);
      expect(entries.slice(0, firstMoved).every((entry) => entry.node === 'node-c')).toBe(true);
      expect(entries.slice(firstMoved).every((entry) => entry.node === after.ownerOf(key))).toBe(true);
    }
    // The others' keys never moved.
    for (const key of keys.filter((k) => !movedKeys.includes(k))) expect(ledger.nodesOf(key)).toEqual([before.ownerOf(key)]);
    expect(a.transport.membership?.members()).toEqual(['node-a', 'node-b']);
  });
});

describe('a node joining', () => {
  it('takes over its share of the keys from the next send on; the others keep theirs', async () => {
    const prefix = uniquePrefix('shard_join');
    const a = await startNode(prefix, 'node-a');
    const b = await startNode(prefix, 'node-b');
    await eventually(() => a.transport.membership?.members().length === 2, 'a to see b');
    const keys = Array.from({ length: 30 }, (_, i) => `acct-${i}`);
    for (const key of keys) expect((await a.catga.send(new Deposit(key, 0))).ok).toBe(true);
    const c = await startNode(prefix, 'node-c');
    // The newcomer knew the others when start() resolved; the others learn of it from its first heartbeat.
    expect(c.transport.membership?.members()).toEqual(['node-a', 'node-b', 'node-c']);
    await eventually(() => [a, b].every((node) => node.transport.membership?.members().length === 3), 'a and b to see c');
    for (const key of keys) expect((await b.catga.send(new Deposit(key, 1))).ok).toBe(true);
    const two = new HashRing(['node-a', 'node-b']);
    const three = new HashRing(NODES);
    for (const key of keys) {
      const nodes = ledger.handled.filter((entry) => entry.key === key).map((entry) => entry.node);
      expect({ key, nodes }).toEqual({ key, nodes: [two.ownerOf(key), three.ownerOf(key)] });
    }
    expect(keys.filter((key) => three.ownerOf(key) === 'node-c').length).toBeGreaterThan(3);
    expect((await c.transport.health()).cluster).toEqual({ nodeId: 'node-c', members: ['node-a', 'node-b', 'node-c'], leader: undefined });
  });
});

describe('other memberships', () => {
  const redisConnections: RedisConnection[] = [];
  let keyPrefix: string | undefined;
  afterEach(async () => {
    await closeAll(); // the transports stop their memberships before the connections close
    await Promise.all(redisConnections.splice(0).map((connection) => connection.close()));
    if (keyPrefix !== undefined) await deleteKeys(REDIS_URL, keyPrefix);
  });

  async function routesByRing(prefix: string, membershipOf: (nodeId: string) => Promise<ClusterMembership>): Promise<void> {
    const nodes: NatsNode[] = [];
    for (const nodeId of NODES) {
      const membership = await membershipOf(nodeId);
      nodes.push(
        await startOnNats(nodeId, { prefix, service: 'bank', cluster: { membership } }, (builder) => builder.handler(DepositHandler, () => new DepositHandler(nodeId))),
      );
    }
    await eventually(() => nodes.every((node) => node.transport.membership?.members().length === 3), 'three members everywhere');
    const ring = new HashRing(NODES);
    const keys = Array.from({ length: 20 }, (_, i) => `acct-${i}`);
    const results = await Promise.all(keys.map((key, i) => nodes[i % 3]!.catga.send(new Deposit(key, 0))));
    expect(results).toEqual(keys.map((key) => ({ ok: true, value: ring.ownerOf(key) })));
    await nodes[2]!.catga.close(); // stops (leaves) its membership
    await eventually(() => nodes[0]!.transport.membership?.members().length === 2, 'node-a to see node-c leave');
    const two = new HashRing(['node-a', 'node-b']);
    const again = await Promise.all(keys.map((key) => nodes[0]!.catga.send(new Deposit(key, 1))));
    expect(again).toEqual(keys.map((key) => ({ ok: true, value: two.ownerOf(key) })));
  }

  it('routes the same over a MemoryMembership (one process)', async () => {
    const registry = new MemoryMembershipRegistry();
    await routesByRing(uniquePrefix('shard_memory'), async (nodeId) => new MemoryMembership(registry, { nodeId }));
  });

  it('routes the same over a RedisMembership', async () => {
    keyPrefix = uniqueKeyPrefix('shard_redis');
    const prefix = keyPrefix;
    await routesByRing(uniquePrefix('shard_redis'), async (nodeId) => {
      const connection = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
      redisConnections.push(connection);
      return new RedisMembership(connection, { cluster: 'bank', nodeId, heartbeatMs: 100 });
    });
  });
});

describe('sharded commands without cluster', () => {
  it('go to the queue group as before: any instance handles them', async () => {
    const prefix = uniquePrefix('shard_plain');
    const server = await startOnNats('server', { prefix }, (builder) => builder.handler(DepositHandler, () => new DepositHandler('plain')));
    const result = await server.catga.send(new Deposit('acct-1', 0));
    expect(result).toEqual({ ok: true, value: 'plain' });
    expect(server.transport.membership).toBeUndefined();
    expect((await server.transport.health()).cluster).toBeUndefined();
  });

  it('have no effect on the in-memory transport (one node)', async () => {
    const { createCatga } = await import('@catga/runtime');
    const catga = createCatga({ preset: 'highPerformance' }).handler(DepositByIdHandler).build();
    expect(await catga.send(new DepositById(undefined))).toEqual({ ok: true, value: 'undefined' });
    await catga.close();
  });
});

