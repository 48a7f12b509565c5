import {
  CatgaCommand,
  CatgaEvent,
  CatgaHandler,
  Command,
  ErrorCode,
  Event,
  LeaderElection,
  type SingletonJob,
  singletonJob,
} from '@catga/runtime';
import { connectRedis, type RedisConnection, RedisDistributedLock } from '@catga/runtime/redis';
import { closeAll, eventually, type NatsNode, startOnNats } from '../nats/support/catga-nats';
import { uniquePrefix } from '../nats/support/nats-server';
import { deleteKeys, REDIS_URL, uniqueKeyPrefix } from '../redis/support/redis-server';

jest.setTimeout(30_000);

// Leader-only work over Redis locks: singleton jobs with three candidates, and leader-only handlers on NATS.

// Hand-overs here all release the lease (stop()), so its length costs no test time; it only has to outlast the
// renewal delays of a loaded CI machine (a leader whose renewals stall past 80 % of it stops counting itself leader).
const LEASE = { leaseMs: 1_500, renewEveryMs: 100 };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const connections: RedisConnection[] = [];
const elections: LeaderElection[] = [];
const jobs: SingletonJob[] = [];
let keyPrefix: string;

async function election(candidate: string, name = 'scheduler'): Promise<LeaderElection> {
  // Each candidate on its own connection, like separate processes.
  const connection = await connectRedis({ url: REDIS_URL, keyPrefix });
  connections.push(connection);
  const made = new LeaderElection({ lock: new RedisDistributedLock(connection), name, candidate, ...LEASE });
  elections.push(made);
  return made;
}

beforeEach(() => {
  keyPrefix = uniqueKeyPrefix('leader');
});
afterEach(async () => {
  await closeAll();
  await Promise.all(jobs.splice(0).map((job) => job.stop()));
  await Promise.all(elections.splice(0).map((each) => each.stop()));
  await Promise.all(connections.splice(0).map((connection) => connection.close()));
  await deleteKeys(REDIS_URL, keyPrefix);
});

describe('singletonJob', () => {
  it('runs on exactly one of three candidates, and on another one after the leader stops', async () => {
    const running = new Set<string>();
    const terms: Array<{ node: string; term: number }> = [];
    const samples: string[][] = [];
    const candidates: Array<{ node: string; election: LeaderElection; job: SingletonJob }> = [];
    for (const node of ['n1', 'n2', 'n3']) {
      const each = await election(node);
      const job = singletonJob({
        election: each,
        name: 'billing',
        run: async (signal, term) => {
          running.add(node);
          terms.push({ node, term });
          // Long-running work: until leadership is lost.
          await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
          running.delete(node);
        },
      });
      jobs.push(job);
      candidates.push({ node, election: each, job });
    }
    await Promise.all(candidates.map(({ job }) => job.start()));
    const sample = async (ms: number): Promise<void> => {
      for (const end = Date.now() + ms; Date.now() < end; await sleep(10)) samples.push([...running]);
    };
    await eventually(() => running.size === 1, 'the job to run somewhere');
    await sample(1_600); // longer than a lease: renewals keep it on one node
    const first = [...running][0]!;
    const leader = candidates.find(({ node }) => node === first)!;
    expect(leader.election.isLeader).toBe(true);
    expect(leader.job.running).toBe(true);
    expect(candidates.filter(({ job }) => job.running)).toHaveLength(1);

    // Hand-over: the leader leaves (stops its job and releases its lease); another candidate's job starts.
    await leader.job.stop();
    await leader.election.stop();
    await eventually(() => running.size === 1 && !running.has(first), 'the job to move to another node');
    await sample(300);
    const second = [...running][0]!;
    expect(second).not.toBe(first);
    expect(candidates.find(({ node }) => node === second)!.election.isLeader).toBe(true);

    // Never on two nodes at once, never restarted on the same node in one term, and the term grew.
    expect(samples.filter((nodes) => nodes.length > 1)).toEqual([]);
    expect(terms.map(({ node }) => node)).toEqual([first, second]);
    expect(terms[1]!.term).toBeGreaterThan(terms[0]!.term);
  });

  it('restarts work that failed while still leading, and aborts it when leadership is lost', async () => {
    const single = await election('solo', 'retrying');
    let attempts = 0;
    let aborted: unknown;
    const job = singletonJob({
      election: single,
      restartDelayMs: 10,
      run: async (signal) => {
        attempts++;
        if (attempts < 3) throw new Error(`attempt ${attempts} failed`);
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        aborted = signal.reason;
      },
    });
    jobs.push(job);
    await job.start();
    await eventually(() => attempts === 3 && job.running, 'the third attempt to run');
    await single.stop();
    await eventually(() => !job.running, 'the job to stop with leadership');
    expect(String(aborted)).toContain('leadership of "retrying" lost');
    expect(attempts).toBe(3);
  });

  it('refuses bad options, naming the field', () => {
    expect(() => singletonJob({} as never)).toThrow('singletonJob');
    expect(() => singletonJob({ election: {} as LeaderElection, run: async () => undefined })).toThrow('singletonJob.election');
    const lock = { tryAcquire: jest.fn(), extend: jest.fn(), release: jest.fn() };
    const valid = new LeaderElection({ lock, name: 'x' });
    expect(() => singletonJob({ election: valid, run: 'nope' as never })).toThrow('singletonJob.run');
    expect(() => singletonJob({ election: valid, run: async () => undefined, restartDelayMs: -1 })).toThrow('singletonJob.restartDelayMs');
  });
});

// ---- Leader-only handlers and broadcast events over NATS ----

@CatgaCommand()
class RebuildIndex extends Command<string> {}

@CatgaEvent()
class OrderPlaced extends Event {
  constructor(readonly n: number) {
    super();
  }
}

@CatgaEvent({ broadcast: true })
class PricesChanged extends Event {
  constructor(readonly n: number) {
    super();
  }
}

const seen: Array<{ what: string; node: string; n: number }> = [];

@CatgaHandler(RebuildIndex, { leaderOnly: true })
class RebuildIndexHandler {
  constructor(private readonly node: string) {}
  handle(): string {
    return this.node;
  }
}

@CatgaHandler(OrderPlaced, { leaderOnly: true })
class LeaderTotals {
  constructor(private readonly node: string) {}
  handle(event: OrderPlaced): void {
    seen.push({ what: 'leader-totals', node: this.node, n: event.n });
  }
}

@CatgaHandler(OrderPlaced)
class SendReceipt {
  constructor(private readonly node: string) {}
  handle(event: OrderPlaced): void {
    seen.push({ what: 'receipt', node: this.node, n: event.n });
  }
}

@CatgaHandler(PricesChanged)
class DropPriceCache {
  constructor(private readonly node: string) {}
  handle(event: PricesChanged): void {
    seen.push({ what: 'prices', node: this.node, n: event.n });
  }
}

async function startLeaderNode(prefix: string, node: string): Promise<{ node: NatsNode; election: LeaderElection }> {
  const each = await election(node, 'shop');
  const started = await startOnNats(node, { prefix, service: 'shop', requestTimeoutMs: 5_000, cluster: { election: each } }, (builder) =>
    builder
      .handler(RebuildIndexHandler, () => new RebuildIndexHandler(node))
      .handler(LeaderTotals, () => new LeaderTotals(node))
      .handler(SendReceipt, () => new SendReceipt(node))
      .handler(DropPriceCache, () => new DropPriceCache(node)),
  );
  return { node: started, election: each };
}

/** Sends until a reply comes (sends during a hand-over find no leader subscribed: HANDLER_NOT_FOUND, retryable). */
async function sendUntilAnswered(client: NatsNode): Promise<string> {
  for (;;) {
    const result = await client.catga.send(new RebuildIndex());
    if (result.ok) return result.value;
    expect(result.error.code).toBe(ErrorCode.HANDLER_NOT_FOUND);
    expect(result.error.retryable).toBe(true);
    await sleep(20);
  }
}

describe('leader-only handlers over NATS', () => {
  beforeEach(() => {
    seen.length = 0;
  });

  it('are served by the leader only, and by the next leader after it stops', async () => {
    const prefix = uniquePrefix('leader_only');
    const nodes: Array<{ node: NatsNode; election: LeaderElection }> = [];
    for (const name of ['n1', 'n2', 'n3']) nodes.push(await startLeaderNode(prefix, name));
    const client = await startOnNats('client', { prefix, requestTimeoutMs: 5_000 }, (builder) => builder.messages(RebuildIndex, OrderPlaced));
    await eventually(() => nodes.some(({ election: each }) => each.isLeader), 'a leader');
    const leader = nodes.find(({ election: each }) => each.isLeader)!;
    const leaderName = leader.election.candidate;
    const replies = new Set<string>();
    for (let i = 0; i < 30; i++) replies.add(await sendUntilAnswered(client));
    expect([...replies]).toEqual([leaderName]);
    expect((await leader.node.transport.health()).cluster).toEqual({ nodeId: undefined, members: [], leader: true });

    // A leader-only event handler runs on the leader only; the event's other handler still runs once per event.
    for (let n = 0; n < 10; n++) expect((await client.catga.publish(new OrderPlaced(n))).ok).toBe(true);
    await eventually(() => seen.filter((entry) => entry.what === 'leader-totals').length === 10 && seen.filter((entry) => entry.what === 'receipt').length === 10, 'both handlers');
    expect(new Set(seen.filter((entry) => entry.what === 'leader-totals').map((entry) => entry.node))).toEqual(new Set([leaderName]));

    // Hand-over: closing the leader's Catga stops its election (releasing the lease); another node takes over.
    await leader.node.catga.close();
    const next = await (async () => {
      for (;;) {
        const answer = await sendUntilAnswered(client);
        if (answer !== leaderName) return answer;
      }
    })();
    const newLeader = nodes.find(({ election: each }) => each.candidate === next)!;
    expect(newLeader.election.isLeader).toBe(true);
    expect(nodes.filter(({ election: each }) => each.isLeader)).toHaveLength(1);
    for (let i = 0; i < 10; i++) expect(await sendUntilAnswered(client)).toBe(next);
  });

  it('refuse to start without an election, on a sharded command, or on a reliable event', async () => {
    const prefix = uniquePrefix('leader_bad');
    await expect(startOnNats('x', { prefix }, (builder) => builder.handler(RebuildIndexHandler, () => new RebuildIndexHandler('x')))).rejects.toThrow(
      'Invalid Catga configuration at "natsTransport.cluster.election": RebuildIndexHandler is leaderOnly: give the transport cluster.election',
    );

    @CatgaCommand({ shardKey: 'id' })
    class Sharded extends Command {
      constructor(readonly id: string) {
        super();
      }
    }
    @CatgaHandler(Sharded, { leaderOnly: true })
    class ShardedHandler {
      handle(): void {}
    }
    const each = await election('x', 'bad');
    await expect(startOnNats('x', { prefix, cluster: { election: each } }, (builder) => builder.handler(ShardedHandler))).rejects.toThrow(
      '"@CatgaHandler(ShardedHandler).leaderOnly": command "Sharded" has a shardKey',
    );

    @CatgaEvent({ qos: 1 })
    class Stored extends Event {}
    @CatgaHandler(Stored, { leaderOnly: true })
    class StoredHandler {
      handle(): void {}
    }
    await expect(startOnNats('x', { prefix, cluster: { election: each } }, (builder) => builder.handler(StoredHandler))).rejects.toThrow(
      '"Stored" is a QoS 1 event',
    );
  });
});

describe('broadcast events over NATS', () => {
  beforeEach(() => {
    seen.length = 0;
  });

  it('reach the handlers of every node, while ordinary events reach one node of the service', async () => {
    const prefix = uniquePrefix('broadcast');
    const nodes: NatsNode[] = [];
    for (const name of ['n1', 'n2', 'n3']) {
      nodes.push(
        await startOnNats(name, { prefix, service: 'shop' }, (builder) =>
          builder.handler(DropPriceCache, () => new DropPriceCache(name)).handler(SendReceipt, () => new SendReceipt(name)),
        ),
      );
    }
    for (let n = 0; n < 5; n++) {
      expect((await nodes[0]!.catga.publish(new PricesChanged(n))).ok).toBe(true);
      expect((await nodes[0]!.catga.publish(new OrderPlaced(n))).ok).toBe(true);
    }
    await eventually(() => seen.filter((entry) => entry.what === 'prices').length === 15 && seen.filter((entry) => entry.what === 'receipt').length === 5, 'every copy');
    for (const name of ['n1', 'n2', 'n3']) {
      expect(seen.filter((entry) => entry.what === 'prices' && entry.node === name).map((entry) => entry.n)).toEqual([0, 1, 2, 3, 4]);
    }
    await sleep(50); // nothing more arrives
    expect(seen.filter((entry) => entry.what === 'receipt')).toHaveLength(5);
  });

  it('are at most once: qos 1 or 2 is refused on the decorator', () => {
    expect(() => {
      @CatgaEvent({ broadcast: true, qos: 1 })
      class Refused extends Event {}
      return Refused;
    }).toThrow('Invalid Catga configuration at "@CatgaEvent(Refused).broadcast": broadcast events are delivered at most once (qos 0); remove qos: 1 or broadcast');
  });
});
