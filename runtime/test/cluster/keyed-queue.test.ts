import { KeyedQueue } from '../../src/cluster/keyed-queue';

// The per-key serial queue behind sharded commands: one task at a time per key, in queue order; keys in parallel.

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('KeyedQueue', () => {
  it('runs the tasks of one key one at a time, in order, and keys concurrently', async () => {
    const queue = new KeyedQueue();
    const events: string[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const task = (name: string, gate: Promise<void>) => async () => {
      events.push(`start ${name}`);
      await gate;
      events.push(`end ${name}`);
      return name;
    };
    const a1 = queue.run('a', task('a1', gates[0]!.promise));
    const a2 = queue.run('a', task('a2', gates[1]!.promise));
    const b1 = queue.run('b', task('b1', gates[2]!.promise));
    await Promise.resolve();
    expect(events).toEqual(['start a1', 'start b1']);
    expect(queue.activeKeys).toBe(2);
    gates[1]!.resolve(); // a2's gate opens first: it still waits for a1
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['start a1', 'start b1']);
    gates[0]!.resolve();
    gates[2]!.resolve();
    await expect(Promise.all([a1, a2, b1])).resolves.toEqual(['a1', 'a2', 'b1']);
    expect(events.indexOf('end a1')).toBeLessThan(events.indexOf('start a2'));
    expect(queue.activeKeys).toBe(0);
  });

  it('passes failures on and keeps going with the next task of the key', async () => {
    const queue = new KeyedQueue();
    const thrownSync = queue.run('k', () => {
      throw new Error('sync');
    });
    const rejected = queue.run('k', () => Promise.reject(new Error('async')));
    const next = queue.run('k', async () => 'next');
    await expect(thrownSync).rejects.toThrow('sync');
    await expect(rejected).rejects.toThrow('async');
    await expect(next).resolves.toBe('next');
    expect(queue.activeKeys).toBe(0);
  });
});
