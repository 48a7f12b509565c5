import type { MsgHdrs } from '@nats-io/nats-core';
import { type CatgaResult, type ClusterMembership, ErrorCode, fail, HashRing, type MembershipChange, MemoryMembership, MemoryMembershipRegistry, ok } from '@catga/runtime';
import { ShardRouter } from '../../src/cluster/shard-router';
import { NO_RESPONDERS } from '../../src/transport/nats/reply-correlator';
import { type Exchange, ShardedSender } from '../../src/transport/nats/sharded-sender';

// The re-routing rules of sharded sends, without a server: a fake exchange answers "no responders" for the nodes
// listed in `deaf`, and the membership is a MemoryMembership the test changes by hand.

const noResponders = (): CatgaResult<unknown> =>
  fail(ErrorCode.HANDLER_NOT_FOUND, 'no responders', { retryable: true, details: { reason: NO_RESPONDERS } });

async function setup(members: string[], requestTimeoutMs = 2_000) {
  const registry = new MemoryMembershipRegistry();
  const memberships = new Map(members.map((nodeId) => [nodeId, new MemoryMembership(registry, { nodeId })]));
  for (const membership of memberships.values()) await membership.start();
  const self = memberships.get(members[0]!)!;
  const router = new ShardRouter(self, 128);
  router.start();
  const attempts: string[] = [];
  const deaf = new Set<string>();
  const exchange: Exchange = (subject) => {
    const node = subject.split('.')[1]!;
    attempts.push(node);
    return Promise.resolve(deaf.has(node) ? noResponders() : ok(node));
  };
  let leaving = false;
  const sender = new ShardedSender({
    router,
    exchange,
    requestTimeoutMs,
    nodeId: members[0]!,
    subjectOf: (nodeId, token) => `node.${nodeId}.${token}`,
    leaving: () => leaving,
  });
  const send = (key: string, signal: AbortSignal = new AbortController().signal) =>
    sender.send('Deposit', 'Deposit', key, undefined as MsgHdrs | undefined, new Uint8Array(0), signal);
  return { memberships, router, sender, attempts, deaf, send, leave: () => (leaving = true) };
}

/** A key the ring over `members` gives to `owner`. */
function keyOwnedBy(members: string[], owner: string): string {
  const ring = new HashRing(members);
  for (let i = 0; ; i++) if (ring.ownerOf(`k-${i}`) === owner) return `k-${i}`;
}

describe('ShardedSender', () => {
  it('publishes the first attempt before send() returns', async () => {
    const { send, attempts } = await setup(['a', 'b']);
    const pending = send('k-1');
    expect(attempts).toHaveLength(1);
    expect((await pending).ok).toBe(true);
  });

  it('waits while the owner does not answer and re-routes once the membership dropped it', async () => {
    const { send, attempts, deaf, memberships } = await setup(['a', 'b', 'c']);
    const key = keyOwnedBy(['a', 'b', 'c'], 'c');
    deaf.add('c');
    const pending = send(key);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(attempts.length).toBeGreaterThan(1); // tried again meanwhile
    expect(new Set(attempts)).toEqual(new Set(['c']));
    await memberships.get('c')!.stop();
    const newOwner = new HashRing(['a', 'b']).ownerOf(key)!;
    expect(await pending).toEqual({ ok: true, value: newOwner });
    expect(attempts.at(-1)).toBe(newOwner);
  });

  it('fails with a retryable TRANSPORT_FAILED naming the owner when it never answers within the deadline', async () => {
    const { send, deaf } = await setup(['a', 'b'], 150);
    const key = keyOwnedBy(['a', 'b'], 'b');
    deaf.add('b');
    const result = await send(key);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(ErrorCode.TRANSPORT_FAILED);
    expect(result.error.retryable).toBe(true);
    expect(result.error.details).toEqual({ messageType: 'Deposit', shardKey: key, node: 'b', reason: 'owner not responding' });
    expect(result.error.message).toContain('Nothing ran; sending again is safe');
  });

  it('ends a waiting send with CANCELLED when its signal aborts, and with TRANSPORT_FAILED when stopped', async () => {
    const { send, deaf, sender, router } = await setup(['a', 'b'], 10_000);
    const key = keyOwnedBy(['a', 'b'], 'b');
    deaf.add('b');
    const controller = new AbortController();
    const cancelled = send(key, controller.signal);
    const stoppedLater = send(key);
    await new Promise((resolve) => setTimeout(resolve, 30));
    controller.abort(new Error('caller gave up'));
    expect(await cancelled).toMatchObject({ ok: false, error: { code: ErrorCode.CANCELLED } });
    sender.stop();
    router.stop(); // wakes the waiting send
    expect(await stoppedLater).toMatchObject({ ok: false, error: { code: ErrorCode.TRANSPORT_FAILED, details: { reason: 'transport closed' } } });
    expect(sender.inFlight).toBe(0);
  });

  it('refuses its own keys while leaving', async () => {
    const { send, leave } = await setup(['a', 'b']);
    leave();
    const own = await send(keyOwnedBy(['a', 'b'], 'a'));
    expect(own).toMatchObject({ ok: false, error: { code: ErrorCode.TRANSPORT_FAILED, retryable: true, details: { reason: 'node leaving' } } });
    expect((await send(keyOwnedBy(['a', 'b'], 'b'))).ok).toBe(true);
  });

  it('waits for a member when there is none, and gives up at the deadline', async () => {
    // A membership driven by hand: nobody at first.
    let members: readonly string[] = [];
    const listeners = new Set<(change: MembershipChange) => void>();
    const membership: ClusterMembership = {
      nodeId: 'a',
      start: async () => undefined,
      stop: async () => undefined,
      members: () => members,
      onChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const router = new ShardRouter(membership, 128);
    router.start();
    const exchange: Exchange = (subject) => Promise.resolve(ok(subject));
    const sender = new ShardedSender({ router, exchange, requestTimeoutMs: 150, nodeId: 'a', subjectOf: (nodeId) => nodeId, leaving: () => false });
    const send = () => sender.send('Deposit', 'Deposit', 'k', undefined, new Uint8Array(0), new AbortController().signal);
    const waiting = send();
    await new Promise((resolve) => setTimeout(resolve, 20));
    members = ['z'];
    for (const listener of listeners) listener({ members, joined: ['z'], left: [] });
    expect(await waiting).toEqual({ ok: true, value: 'z' });
    members = [];
    for (const listener of listeners) listener({ members, joined: [], left: ['z'] });
    expect(await send()).toMatchObject({ ok: false, error: { code: ErrorCode.TRANSPORT_FAILED, retryable: true, details: { reason: 'no members' } } });
  });
});
