import type { SagaStore } from '../../../src/persistence/saga-store.js';
import { clientsOf, type MakeSubject, sleep, subjects } from './subject.js';

interface TransferState {
  from: string;
  amount: number;
  steps: string[];
  at?: Date;
}

const state = (): TransferState => ({ from: 'acc-1', amount: 25, steps: [], at: new Date(1_700_000_000_000) });

/** What every SagaStore must do (memory and Redis run the same tests). */
export function sagaStoreContract(name: string, make: MakeSubject<SagaStore>): void {
  describe(`SagaStore contract: ${name}`, () => {
    const subject = subjects(make);

    it('creates an instance once', async () => {
      const { store } = await subject();
      const created = await store.create({ id: 's1', type: 'Transfer', owner: 'n1', state: state() });
      expect(created).toMatchObject({ id: 's1', type: 'Transfer', owner: 'n1', status: 'running', version: 1, state: state() });
      expect(created!.heartbeatAt).toBeGreaterThan(Date.now() - 60_000);
      expect(await store.create({ id: 's1', type: 'Transfer', owner: 'n2', state: state() })).toBeUndefined();
      expect(await store.get('s1')).toEqual(created);
      expect(await store.get('absent')).toBeUndefined();
    });

    it('copies state in and out', async () => {
      const { store } = await subject();
      const mine = state();
      await store.create({ id: 's1', type: 'Transfer', owner: 'n1', state: mine });
      mine.steps.push('changed after create');
      const read = (await store.get<TransferState>('s1'))!;
      expect(read.state.steps).toEqual([]);
      read.state.steps.push('changed after get');
      expect((await store.get<TransferState>('s1'))!.state.steps).toEqual([]);
    });

    it('updates by compare-and-set on the version', async () => {
      const { store } = await subject();
      await store.create({ id: 's1', type: 'Transfer', owner: 'n1', state: state() });
      const updated = await store.update<TransferState>('s1', 1, { state: { ...state(), steps: ['debit'] }, status: 'compensating' });
      expect(updated).toMatchObject({ version: 2, status: 'compensating', owner: 'n1', state: { steps: ['debit'] } });
      expect(await store.update('s1', 1, { status: 'failed' })).toBeUndefined();
      expect(await store.update('absent', 1, { status: 'failed' })).toBeUndefined();
      expect(await store.update('s1', 2, { owner: 'n2' })).toMatchObject({ version: 3, owner: 'n2', status: 'compensating' });
    });

    it('lets exactly one of two concurrent updates of one version win', async () => {
      const made = await subject();
      const [a, b] = await clientsOf(made, 2);
      await a!.create({ id: 's1', type: 'Transfer', owner: 'n1', state: state() });
      const results = await Promise.all([a!.update('s1', 1, { state: { ...state(), steps: ['a'] } }), b!.update('s1', 1, { state: { ...state(), steps: ['b'] } })]);
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      expect((await a!.get('s1'))!.version).toBe(2);
    });

    it('renews heartbeats only for the owner of an unfinished instance', async () => {
      const { store } = await subject();
      await store.create({ id: 's1', type: 'Transfer', owner: 'n1', state: state() });
      const before = (await store.get('s1'))!.heartbeatAt;
      await sleep(20);
      expect(await store.heartbeat('s1', 'n1')).toBe(true);
      expect((await store.get('s1'))!.heartbeatAt).toBeGreaterThan(before);
      expect(await store.heartbeat('s1', 'n2')).toBe(false);
      expect(await store.heartbeat('absent', 'n1')).toBe(false);
      await store.update('s1', 1, { status: 'completed' });
      expect(await store.heartbeat('s1', 'n1')).toBe(false);
    });

    it('claims stale unfinished instances, oldest first, so the old owner can no longer update them', async () => {
      const { store } = await subject();
      await store.create({ id: 'old', type: 'Transfer', owner: 'dead', state: state() });
      await store.create({ id: 'done', type: 'Transfer', owner: 'dead', state: state(), status: 'completed' });
      await sleep(20);
      await store.create({ id: 'older-but-later', type: 'Transfer', owner: 'dead', state: state() });
      await sleep(150);
      await store.create({ id: 'fresh', type: 'Transfer', owner: 'alive', state: state() });
      const claimed = await store.claimStale('rescuer', 100, 10);
      expect(claimed.map((r) => [r.id, r.owner, r.version])).toEqual([
        ['old', 'rescuer', 2],
        ['older-but-later', 'rescuer', 2],
      ]);
      expect(await store.update('old', 1, { status: 'failed' })).toBeUndefined();
      expect(await store.claimStale('another', 100, 10)).toEqual([]);
      expect(await store.heartbeat('old', 'dead')).toBe(false);
      expect(await store.heartbeat('old', 'rescuer')).toBe(true);
    });

    it('claims at most limit instances, and each only once among concurrent claimers', async () => {
      const made = await subject();
      const clients = await clientsOf(made, 3);
      for (let i = 0; i < 12; i++) await made.store.create({ id: `s${i}`, type: 'Transfer', owner: 'dead', state: state() });
      await sleep(120);
      expect(await made.store.claimStale('probe', 100, 0)).toEqual([]);
      const claims = await Promise.all(clients.map((client, i) => client.claimStale(`n${i}`, 100, 5)));
      for (const claim of claims) expect(claim.length).toBeLessThanOrEqual(5);
      const ids = claims.flat().map((r) => r.id);
      expect(ids).toHaveLength(12);
      expect(new Set(ids).size).toBe(12);
    });

    it('claims only instances of the types asked for, past any number of others', async () => {
      const { store } = await subject();
      for (let i = 0; i < 8; i++) await store.create({ id: `other-${i}`, type: 'Refund', owner: 'dead', state: state() });
      await store.create({ id: 'mine-1', type: 'Transfer', owner: 'dead', state: state() });
      await store.create({ id: 'mine-2', type: 'Payout', owner: 'dead', state: state() });
      await sleep(120);
      expect(await store.claimStale('picky', 100, 5, [])).toEqual([]);
      const claimed = await store.claimStale('picky', 100, 5, ['Transfer', 'Payout']);
      expect(claimed.map((r) => [r.id, r.type, r.owner])).toEqual([
        ['mine-1', 'Transfer', 'picky'],
        ['mine-2', 'Payout', 'picky'],
      ]);
      expect((await store.get('other-0'))?.owner).toBe('dead');
      expect((await store.claimStale('any', 100, 20)).map((r) => r.type)).toEqual(Array(8).fill('Refund'));
    });

    it('deletes', async () => {
      const { store } = await subject();
      await store.create({ id: 's1', type: 'Transfer', owner: 'n1', state: state() });
      expect(await store.delete('s1')).toBe(true);
      expect(await store.delete('s1')).toBe(false);
      expect(await store.get('s1')).toBeUndefined();
    });
  });
}
