import { type DistributedLock, LeaderElection, type LeadershipChange, type LockHandle, MemoryDistributedLock } from '@catga/runtime';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A lock whose calls can be made to fail, like a store that went down. */
class FlakyLock implements DistributedLock {
  readonly inner = new MemoryDistributedLock();
  down = false;
  private check(): void {
    if (this.down) throw new Error('store down');
  }
  async tryAcquire(name: string, ttlMs: number): Promise<LockHandle | undefined> {
    this.check();
    return this.inner.tryAcquire(name, ttlMs);
  }
  async extend(handle: LockHandle, ttlMs: number): Promise<LockHandle | undefined> {
    this.check();
    return this.inner.extend(handle, ttlMs);
  }
  async release(handle: LockHandle): Promise<boolean> {
    this.check();
    return this.inner.release(handle);
  }
}

const elections: LeaderElection[] = [];
function candidate(lock: DistributedLock, name: string, leaseMs = 300): LeaderElection {
  const election = new LeaderElection({ lock, name: 'scheduler', candidate: name, leaseMs });
  elections.push(election);
  return election;
}
afterEach(async () => {
  await Promise.all(elections.splice(0).map((election) => election.stop()));
});

describe('LeaderElection', () => {
  it('elects one candidate, reports the change and runs leader-only work there only', async () => {
    const lock = new MemoryDistributedLock();
    const a = candidate(lock, 'a');
    const b = candidate(lock, 'b');
    const changes: LeadershipChange[] = [];
    a.onChange((change) => changes.push(change));
    await a.start();
    await b.start();
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    expect(changes).toEqual([{ name: 'scheduler', candidate: 'a', leader: true, term: a.term }]);
    expect(await a.runIfLeader(async (_signal, term) => `ran in term ${term}`)).toEqual({ ran: true, value: `ran in term ${a.term}` });
    expect(await b.runIfLeader(async () => 'never')).toEqual({ ran: false });
    // Renewals keep the lease well past its length.
    await sleep(700);
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
  });

  it('hands over at once on stop, with a higher term', async () => {
    const lock = new MemoryDistributedLock();
    const a = candidate(lock, 'a', 3_000);
    const b = candidate(lock, 'b', 3_000);
    await a.start();
    await b.start();
    const firstTerm = a.term!;
    const changes: boolean[] = [];
    b.onChange((change) => changes.push(change.leader));
    await a.stop();
    expect(a.isLeader).toBe(false);
    // b's next attempt comes within renewEveryMs (leaseMs / 3); it does not wait for the 3 s lease to expire.
    const started = Date.now();
    while (!b.isLeader && Date.now() - started < 5_000) await sleep(10);
    expect(b.isLeader).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_900);
    expect(b.term!).toBeGreaterThan(firstTerm);
    expect(changes).toEqual([true]);
  });

  it('steps down on its own when it cannot renew, before anyone else can take over', async () => {
    const flaky = new FlakyLock();
    const a = candidate(flaky, 'a', 300);
    const b = candidate(flaky.inner, 'b', 300);
    const lost = new Promise<LeadershipChange>((resolve) => a.onChange((change) => !change.leader && resolve(change)));
    await a.start();
    await b.start();
    let aborted = false;
    const running = a.runIfLeader(
      (signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve(undefined);
          });
        }),
    );
    // Sampled all along: a must have stopped counting itself leader before b could count itself one.
    let overlaps = 0;
    const sampler = setInterval(() => {
      if (a.isLeader && b.isLeader) overlaps++;
    }, 1);
    try {
      flaky.down = true;
      const change = await lost;
      expect(change).toEqual({ name: 'scheduler', candidate: 'a', leader: false, term: undefined });
      await running;
      expect(aborted).toBe(true);
      const started = Date.now();
      while (!b.isLeader && Date.now() - started < 5_000) await sleep(10);
      expect(b.isLeader).toBe(true);
    } finally {
      clearInterval(sampler);
    }
    expect(overlaps).toBe(0);
  });

  it('never has two leaders while candidates come and go', async () => {
    const lock = new MemoryDistributedLock();
    const pool = ['a', 'b', 'c'].map((name) => candidate(lock, name, 150));
    await Promise.all(pool.map((election) => election.start()));
    let overlaps = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      samples++;
      if (pool.filter((election) => election.isLeader).length > 1) overlaps++;
    }, 2);
    for (let round = 0; round < 6; round++) {
      const leader = pool.find((election) => election.isLeader);
      if (leader !== undefined) {
        const index = pool.indexOf(leader);
        await leader.stop();
        pool[index] = candidate(lock, `${leader.candidate}+`, 150);
        await pool[index]!.start();
      }
      await sleep(120);
    }
    clearInterval(sampler);
    expect(samples).toBeGreaterThan(50);
    expect(overlaps).toBe(0);
    expect(pool.filter((election) => election.isLeader).length).toBeLessThanOrEqual(1);
  });

  it('refuses a renewal period that leaves no safety margin', () => {
    expect(() => new LeaderElection({ lock: new MemoryDistributedLock(), name: 'x', leaseMs: 1_000, renewEveryMs: 900 })).toThrow(/renewEveryMs/);
  });
});
