import type { DeadLetterEntry, DeadLetterStore } from '../../../src/behaviors/dead-letter-store.js';
import { newMessageId } from '../../../src/core/message-id.js';
import { type MakeSubject, subjects } from './subject.js';

const entry = (messageType: string, failedAt: number): DeadLetterEntry => ({
  id: newMessageId(),
  messageType,
  kind: 'command',
  handler: `${messageType}Handler`,
  messageId: newMessageId(),
  correlationId: 'corr',
  causationId: undefined,
  message: { orderId: 'o-1', lines: [{ sku: 'a', qty: 1 }] },
  error: { code: 'HANDLER_FAILED' as const, message: 'boom', retryable: false, details: { attempt: 3 } },
  failedAt,
});

/** What every DeadLetterStore must do (memory and Redis run the same tests). */
export function deadLetterStoreContract(name: string, make: MakeSubject<DeadLetterStore>): void {
  describe(`DeadLetterStore contract: ${name}`, () => {
    const subject = subjects(make);

    it('keeps entries oldest first, filters by type, limits, removes and counts', async () => {
      const { store } = await subject();
      const now = Date.now();
      const a = entry('PlaceOrder', now);
      const b = entry('ChargeCard', now + 1);
      const c = entry('PlaceOrder', now + 2);
      for (const e of [a, b, c]) await store.add(e);
      expect(await store.size()).toBe(3);
      const all = await store.list();
      expect(all.map((e) => e.id)).toEqual([a.id, b.id, c.id]);
      expect(all[0]).toEqual(a);
      expect((await store.list({ messageType: 'PlaceOrder' })).map((e) => e.id)).toEqual([a.id, c.id]);
      expect((await store.list({ limit: 2 })).map((e) => e.id)).toEqual([a.id, b.id]);
      expect(await store.remove(b.id)).toBe(true);
      expect(await store.remove(b.id)).toBe(false);
      expect(await store.size()).toBe(2);
      expect((await store.list()).map((e) => e.id)).toEqual([a.id, c.id]);
    });
  });
}
