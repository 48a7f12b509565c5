import type { DistributedLock } from '../../../src/persistence/distributed-lock.js';
import { clientsOf, type MakeSubject, sleep, subjects } from './subject.js';

/** What every DistributedLock must do (memory and Redis run the same tests). */
export function distributedLockContract(name: string, make: MakeSubject<DistributedLock>): void {
  describe(`DistributedLock contract: ${name}`, () => {
    const subject = subjects(make);

    it('is held by one holder at a time and hands out increasing fencing tokens', async () => {
      const { store } = await subject();
      const first = await store.tryAcquire('job', 10_000);
      expect(first).toMatchObject({ name: 'job' });
      expect(first!.expiresAt).toBeGreaterThan(Date.now() + 5_000);
      expect(await store.tryAcquire('job', 10_000)).toBeUndefined();
      expect(await store.tryAcquire('other', 10_000)).toBeDefined();
      expect(await store.release(first!)).toBe(true);
      const second = await store.tryAcquire('job', 10_000);
      expect(second!.fencingToken).toBeGreaterThan(first!.fencingToken);
      expect(second!.token).not.toBe(first!.token);
    });

    it('extends and releases only for its holder', async () => {
      const { store } = await subject();
      const held = (await store.tryAcquire('job', 200))!;
      const extended = await store.extend(held, 10_000);
      expect(extended).toMatchObject({ name: 'job', token: held.token, fencingToken: held.fencingToken });
      expect(extended!.expiresAt).toBeGreaterThan(held.expiresAt);
      await sleep(300);
      expect(await store.tryAcquire('job', 10_000)).toBeUndefined(); // the extension holds
      const forged = { ...held, token: 'forged' };
      expect(await store.extend(forged, 10_000)).toBeUndefined();
      expect(await store.release(forged)).toBe(false);
      expect(await store.release(held)).toBe(true);
    });

    it('expires, and then a stale holder can neither extend nor release the next holder\'s lock', async () => {
      const { store } = await subject();
      const stale = (await store.tryAcquire('job', 60))!;
      await sleep(150);
      const next = (await store.tryAcquire('job', 10_000))!;
      expect(next).toBeDefined();
      expect(next.fencingToken).toBeGreaterThan(stale.fencingToken);
      expect(await store.extend(stale, 10_000)).toBeUndefined();
      expect(await store.release(stale)).toBe(false);
      expect(await store.tryAcquire('job', 10_000)).toBeUndefined(); // next still holds it
    });

    it('lets exactly one of many concurrent callers acquire', async () => {
      const made = await subject();
      const clients = await clientsOf(made, 4);
      const handles = await Promise.all(Array.from({ length: 40 }, (_, i) => clients[i % clients.length]!.tryAcquire('race', 10_000)));
      expect(handles.filter((handle) => handle !== undefined)).toHaveLength(1);
    });
  });
}
