import type { InboxStore } from '../../../src/persistence/inbox-store.js';
import type { StoredResult } from '../../../src/persistence/stored-result.js';
import { clientsOf, type MakeSubject, sleep, subjects } from './subject.js';

const OK: StoredResult = { ok: true, value: { orderId: 'o-1', total: 30, at: new Date(1_700_000_000_000) } };
const DENIED: StoredResult = { ok: false, error: { code: 'FORBIDDEN', message: 'not yours', retryable: false, details: { who: 'x' } } };

/** What every InboxStore must do (memory and Redis run the same tests). */
export function inboxStoreContract(name: string, make: MakeSubject<InboxStore>): void {
  describe(`InboxStore contract: ${name}`, () => {
    const subject = subjects(make);

    it('locks a new message, reports it busy to others, then processed with its result', async () => {
      const { store } = await subject();
      const before = Date.now();
      const claim = await store.tryLock('m1', 10_000);
      expect(claim.state).toBe('locked');
      if (claim.state !== 'locked') return;
      expect(claim.expiresAt).toBeGreaterThanOrEqual(before + 9_000);
      const busy = await store.tryLock('m1', 10_000);
      expect(busy).toEqual({ state: 'busy', expiresAt: claim.expiresAt });
      expect(await store.markProcessed('m1', claim.token, OK, 10_000)).toBe(true);
      expect(await store.tryLock('m1', 10_000)).toEqual({ state: 'processed', result: OK });
      expect(await store.markProcessed('m1', claim.token, DENIED, 10_000)).toBe(false);
      expect(await store.tryLock('m1', 10_000)).toEqual({ state: 'processed', result: OK });
    });

    it('replays a stored failure as it was stored', async () => {
      const { store } = await subject();
      const claim = await store.tryLock('m', 10_000);
      if (claim.state !== 'locked') throw new Error('expected a lock');
      await store.markProcessed('m', claim.token, DENIED, 10_000);
      expect(await store.tryLock('m', 10_000)).toEqual({ state: 'processed', result: DENIED });
    });

    it('release frees the lock only for its holder', async () => {
      const { store } = await subject();
      const claim = await store.tryLock('m', 10_000);
      if (claim.state !== 'locked') throw new Error('expected a lock');
      expect(await store.release('m', 'not-the-token')).toBe(false);
      expect((await store.tryLock('m', 10_000)).state).toBe('busy');
      expect(await store.release('m', claim.token)).toBe(true);
      expect(await store.release('m', claim.token)).toBe(false);
      expect((await store.tryLock('m', 10_000)).state).toBe('locked');
    });

    it('lets an expired lock be taken over; the first result stored wins', async () => {
      const { store } = await subject();
      const first = await store.tryLock('m', 60);
      if (first.state !== 'locked') throw new Error('expected a lock');
      await sleep(150);
      const second = await store.tryLock('m', 10_000);
      if (second.state !== 'locked') throw new Error(`expected a take-over, got ${second.state}`);
      expect(second.token).not.toBe(first.token);
      expect(await store.release('m', first.token)).toBe(false);
      expect(await store.markProcessed('m', first.token, OK, 10_000)).toBe(true);
      expect(await store.markProcessed('m', second.token, DENIED, 10_000)).toBe(false);
      expect(await store.tryLock('m', 10_000)).toEqual({ state: 'processed', result: OK });
    });

    it('forgets a processed message after its ttl', async () => {
      const { store } = await subject();
      const claim = await store.tryLock('m', 10_000);
      if (claim.state !== 'locked') throw new Error('expected a lock');
      await store.markProcessed('m', claim.token, OK, 60);
      await sleep(150);
      expect((await store.tryLock('m', 10_000)).state).toBe('locked');
    });

    it('gives a message to exactly one of many concurrent consumers', async () => {
      const made = await subject();
      const clients = await clientsOf(made, 4);
      const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => clients[i % clients.length]!.tryLock('race', 10_000)));
      expect(claims.filter((claim) => claim.state === 'locked')).toHaveLength(1);
      expect(claims.filter((claim) => claim.state === 'busy')).toHaveLength(39);
    });
  });
}
