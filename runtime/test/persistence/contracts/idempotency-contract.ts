import type { IdempotencyStore } from '../../../src/behaviors/idempotency-store.js';
import { clientsOf, type MakeSubject, sleep, subjects } from './subject.js';

/** What every IdempotencyStore must do (memory and Redis run the same tests). */
export function idempotencyStoreContract(name: string, make: MakeSubject<IdempotencyStore>): void {
  describe(`IdempotencyStore contract: ${name}`, () => {
    const subject = subjects(make);

    it('claims a key once, then reports it pending', async () => {
      const { store } = await subject();
      expect(await store.get('k')).toBeUndefined();
      expect(await store.tryClaim('k', 10_000)).toBe(true);
      expect(await store.tryClaim('k', 10_000)).toBe(false);
      expect(await store.get('k')).toEqual({ state: 'pending' });
    });

    it('keeps a completed value, with nested data and dates, and refuses new claims', async () => {
      const { store } = await subject();
      const value = { orderId: 'o-1', lines: [{ sku: 'a', qty: 2 }], at: new Date(1_700_000_000_000), none: null };
      await store.tryClaim('k', 10_000);
      await store.complete('k', value, 10_000);
      expect(await store.get('k')).toEqual({ state: 'completed', value });
      expect(await store.tryClaim('k', 10_000)).toBe(false);
    });

    it('release frees a pending claim but leaves a completed record', async () => {
      const { store } = await subject();
      await store.tryClaim('p', 10_000);
      await store.release('p');
      expect(await store.get('p')).toBeUndefined();
      expect(await store.tryClaim('p', 10_000)).toBe(true);
      await store.tryClaim('c', 10_000);
      await store.complete('c', 42, 10_000);
      await store.release('c');
      expect(await store.get('c')).toEqual({ state: 'completed', value: 42 });
      await store.release('absent'); // no-op
    });

    it('lets a pending claim and a completed record expire', async () => {
      const { store } = await subject();
      await store.tryClaim('p', 60);
      await store.tryClaim('c', 10_000);
      await store.complete('c', 'done', 60);
      await sleep(150);
      expect(await store.get('p')).toBeUndefined();
      expect(await store.get('c')).toBeUndefined();
      expect(await store.tryClaim('p', 10_000)).toBe(true);
    });

    it('gives a key to exactly one of many concurrent claimers', async () => {
      const made = await subject();
      const clients = await clientsOf(made, 4);
      const claims = await Promise.all(Array.from({ length: 40 }, (_, i) => clients[i % clients.length]!.tryClaim('race', 10_000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
    });
  });
}
