import type { NewOutboxEntry, OutboxStore } from '../../../src/persistence/outbox-store.js';
import { clientsOf, type MakeSubject, sleep, subjects } from './subject.js';

const entry = (id: string, extra: Record<string, unknown> = {}): NewOutboxEntry => ({
  id,
  messageType: 'OrderPlaced',
  message: { messageId: id, correlationId: `c-${id}`, orderId: `o-${id}`, lines: [{ sku: 'a', qty: 1 }], ...extra },
});
const failure = (overrides: Partial<{ retryDelayMs: number; maxAttempts: number; retentionMs: number }> = {}) => ({
  error: 'TRANSPORT_FAILED: broker down',
  retryDelayMs: 10_000,
  maxAttempts: 5,
  retentionMs: 10_000,
  ...overrides,
});

/** What every OutboxStore must do (memory and Redis run the same tests). */
export function outboxStoreContract(name: string, make: MakeSubject<OutboxStore>): void {
  describe(`OutboxStore contract: ${name}`, () => {
    const subject = subjects(make);

    it('claims appended entries in append order, with their fields, counting an attempt', async () => {
      const { store } = await subject();
      const at = new Date(1_700_000_000_000);
      await store.append([entry('a', { at }), entry('b')]);
      await store.append([entry('c')]);
      const lease = await store.claim('p1', 10, 10_000);
      expect(lease.owner).toBe('p1');
      expect(lease.entries.map((e) => e.id)).toEqual(['a', 'b', 'c']);
      expect(lease.entries[0]).toMatchObject({ id: 'a', messageType: 'OrderPlaced', attempts: 1, message: entry('a', { at }).message });
      expect(lease.entries[0]!.createdAt).toBeGreaterThan(Date.now() - 60_000);
      expect(lease.expiresAt).toBeGreaterThan(Date.now() + 5_000);
      expect(await store.counts()).toEqual({ pending: 0, leased: 3, published: 0, dead: 0 });
    });

    it('ignores an id appended twice', async () => {
      const { store } = await subject();
      await store.append([entry('a')]);
      await store.append([entry('a', { orderId: 'changed' }), entry('b')]);
      const lease = await store.claim('p1', 10, 10_000);
      expect(lease.entries.map((e) => [e.id, e.message['orderId']])).toEqual([['a', 'o-a'], ['b', 'o-b']]);
    });

    it('respects the claim limit and never hands a leased entry to another claim', async () => {
      const { store } = await subject();
      await store.append(['a', 'b', 'c'].map((id) => entry(id)));
      const first = await store.claim('p1', 2, 10_000);
      expect(first.entries.map((e) => e.id)).toEqual(['a', 'b']);
      const second = await store.claim('p2', 10, 10_000);
      expect(second.entries.map((e) => e.id)).toEqual(['c']);
      expect((await store.claim('p3', 10, 10_000)).entries).toEqual([]);
    });

    it('marks published only under the lease token', async () => {
      const { store } = await subject();
      await store.append([entry('a')]);
      const lease = await store.claim('p1', 10, 10_000);
      expect(await store.markPublished('a', 'wrong-token', 10_000)).toBe(false);
      expect(await store.markPublished('a', lease.token, 10_000)).toBe(true);
      expect(await store.markPublished('a', lease.token, 10_000)).toBe(false);
      expect(await store.counts()).toEqual({ pending: 0, leased: 0, published: 1, dead: 0 });
      expect((await store.claim('p1', 10, 10_000)).entries).toEqual([]);
    });

    it('retries a failed entry after its delay, then declares it dead after maxAttempts', async () => {
      const { store } = await subject();
      await store.append([entry('a')]);
      let lease = await store.claim('p1', 10, 10_000);
      expect(await store.markFailed('a', lease.token, failure({ retryDelayMs: 100, maxAttempts: 2 }))).toBe('retry');
      expect(await store.counts()).toMatchObject({ pending: 1, leased: 0 });
      expect((await store.claim('p1', 10, 10_000)).entries).toEqual([]);
      await sleep(200);
      lease = await store.claim('p1', 10, 10_000);
      expect(lease.entries).toHaveLength(1);
      expect(lease.entries[0]).toMatchObject({ id: 'a', attempts: 2, lastError: 'TRANSPORT_FAILED: broker down' });
      expect(await store.markFailed('a', 'wrong-token', failure({ maxAttempts: 2 }))).toBe('lost');
      expect(await store.markFailed('a', lease.token, failure({ maxAttempts: 2 }))).toBe('dead');
      expect(await store.counts()).toEqual({ pending: 0, leased: 0, published: 0, dead: 1 });
      expect((await store.claim('p1', 10, 10_000)).entries).toEqual([]);
    });

    it('hands an entry whose lease expired to the next claim, and the old lease loses it', async () => {
      const { store } = await subject();
      await store.append([entry('a')]);
      const old = await store.claim('p1', 10, 60);
      await sleep(150);
      const next = await store.claim('p2', 10, 10_000);
      expect(next.entries.map((e) => [e.id, e.attempts])).toEqual([['a', 2]]);
      expect(next.token).not.toBe(old.token);
      expect(await store.markPublished('a', old.token, 10_000)).toBe(false);
      expect(await store.markFailed('a', old.token, failure())).toBe('lost');
      expect(await store.markPublished('a', next.token, 10_000)).toBe(true);
    });

    it('cleans up published and dead entries once their retention has passed, and nothing else', async () => {
      const { store } = await subject();
      await store.append(['a', 'b', 'c', 'd'].map((id) => entry(id)));
      const lease = await store.claim('p1', 3, 10_000);
      await store.markPublished('a', lease.token, 50);
      await store.markFailed('b', lease.token, failure({ maxAttempts: 1, retentionMs: 50 }));
      await store.markPublished('c', lease.token, 60_000);
      await sleep(150);
      expect(await store.cleanup()).toBe(2);
      expect(await store.cleanup()).toBe(0);
      expect(await store.counts()).toEqual({ pending: 1, leased: 0, published: 1, dead: 0 });
    });

    it('gives every entry to exactly one of several concurrent claimers', async () => {
      const made = await subject();
      const clients = await clientsOf(made, 4);
      await made.store.append(Array.from({ length: 300 }, (_, i) => entry(`e${i}`)));
      const claimed = await Promise.all(
        clients.map(async (client, i) => {
          const ids: string[] = [];
          for (;;) {
            const lease = await client.claim(`p${i}`, 7, 10_000);
            if (lease.entries.length === 0) return ids;
            for (const e of lease.entries) {
              ids.push(e.id);
              expect(await client.markPublished(e.id, lease.token, 10_000)).toBe(true);
            }
          }
        }),
      );
      const all = claimed.flat();
      expect(all).toHaveLength(300);
      expect(new Set(all).size).toBe(300);
    });
  });
}
