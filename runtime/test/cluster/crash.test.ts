import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CatgaCommand, CatgaHandler, Command, HashRing } from '@catga/runtime';
import { closeAll, eventually, type NatsNode, startOnNats } from '../nats/support/catga-nats';
import { NATS_URL, uniquePrefix } from '../nats/support/nats-server';

jest.setTimeout(30_000);

// A node killed with SIGKILL (a separate process running the built package: `npm test` builds first): no leave, no
// drain. Sends for its keys find nobody subscribed on its subject and wait, re-routing once the membership dropped it
// (failAfterMs): they succeed on the new owners instead of being lost.

const runtimeDir = join(__dirname, '..', '..');
const HEARTBEAT_MS = 100;
const FAIL_AFTER_MS = 400;

@CatgaCommand({ shardKey: 'account' })
class Deposit extends Command<string> {
  constructor(
    readonly account: string,
    readonly seq: number,
  ) {
    super();
  }
}

const handled: Array<{ key: string; seq: number; node: string }> = [];

@CatgaHandler(Deposit)
class DepositHandler {
  constructor(private readonly node: string) {}
  handle(command: Deposit): string {
    handled.push({ key: command.account, seq: command.seq, node: this.node });
    return this.node;
  }
}

let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await closeAll();
});

function startWorker(prefix: string): Promise<{ process: ChildProcess; handled: Array<{ key: string; seq: number }> }> {
  const config = { servers: NATS_URL, prefix, service: 'bank', nodeId: 'node-c', heartbeatMs: HEARTBEAT_MS, failAfterMs: FAIL_AFTER_MS };
  const started = spawn(process.execPath, [join('test', 'cluster', 'workers', 'shard-node.mjs'), JSON.stringify(config)], { cwd: runtimeDir, stdio: ['pipe', 'pipe', 'pipe'] });
  child = started;
  const seen: Array<{ key: string; seq: number }> = [];
  let errors = '';
  started.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    createInterface({ input: started.stdout! }).on('line', (line) => {
      if (line.startsWith('READY ')) resolve({ process: started, handled: seen });
      else if (line.startsWith('HANDLED ')) seen.push(JSON.parse(line.slice('HANDLED '.length)) as { key: string; seq: number });
    });
    started.once('exit', (code, signal) => reject(new Error(`worker exited before READY (${code ?? signal}): ${errors}`)));
  });
}

async function startNode(prefix: string, nodeId: string): Promise<NatsNode> {
  return startOnNats(nodeId, { prefix, service: 'bank', requestTimeoutMs: 10_000, cluster: { nodeId, heartbeatMs: HEARTBEAT_MS, failAfterMs: FAIL_AFTER_MS } }, (builder) =>
    builder.handler(DepositHandler, () => new DepositHandler(nodeId)),
  );
}

describe('a node that crashes', () => {
  it('loses its keys to the others after failAfterMs; sends for them wait and succeed there', async () => {
    const prefix = uniquePrefix('shard_crash');
    const a = await startNode(prefix, 'node-a');
    const b = await startNode(prefix, 'node-b');
    const worker = await startWorker(prefix);
    await eventually(() => [a, b].every((node) => node.transport.membership?.members().length === 3), 'a and b to see node-c');

    const keys = Array.from({ length: 30 }, (_, i) => `acct-${i}`);
    const before = new HashRing(['node-a', 'node-b', 'node-c']);
    const after = new HashRing(['node-a', 'node-b']);
    const crashedKeys = keys.filter((key) => before.ownerOf(key) === 'node-c');
    expect(crashedKeys.length).toBeGreaterThan(3);

    // Before the crash node-c handles its keys.
    const first = await Promise.all(keys.map((key) => a.catga.send(new Deposit(key, 0))));
    expect(first.map((result) => (result.ok ? result.value : result.error.code))).toEqual(keys.map((key) => before.ownerOf(key)));
    // (The worker's report lines may trail its replies.)
    await eventually(() => worker.handled.length === crashedKeys.length, "node-c's reports");
    expect(worker.handled.map((entry) => entry.key).sort()).toEqual([...crashedKeys].sort());

    worker.process.kill('SIGKILL');
    await new Promise((resolve) => worker.process.once('exit', resolve));
    // Sent right after the crash: node-c is still a member for up to failAfterMs, and nobody listens on its subject.
    const second = await Promise.all(keys.map((key, i) => (i % 2 === 0 ? a : b).catga.send(new Deposit(key, 1))));
    expect(second.map((result) => (result.ok ? result.value : `${result.error.code}: ${result.error.message}`))).toEqual(keys.map((key) => after.ownerOf(key)));
    for (const key of keys) {
      expect(handled.filter((entry) => entry.key === key && entry.seq === 1).map((entry) => entry.node)).toEqual([after.ownerOf(key)]);
    }
    expect(a.transport.membership?.members()).toEqual(['node-a', 'node-b']);
  });
});
