/**
 * What the Redis suite (redis.ts) needs besides the closed-loop load of nats-common.ts: the server it runs against,
 * raw ioredis clients made like Catga's, key clean-up, interleaved rounds that delete each run's keys, and a
 * round-trip counter that reads the server's MONITOR feed.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { type LoadSample, type LoadVariant, runFor, withTimeout } from './nats-common.js';

/** The server of the Redis suite: `REDIS_URL`, else the loopback default. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** How long the suite waits for the server before it gives up with a clear message. */
const CONNECT_TIMEOUT_MS = 5_000;

/** Why the Redis suite cannot run, as one line a reader can act on. */
function unreachable(what: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(`the Redis suite needs a Redis server at ${REDIS_URL} (set REDIS_URL to use another loopback server): ${what}: ${reason}`, { cause });
}

/**
 * The client options of Catga's `connectRedis` (redis-connection.ts, `commonOptions`) that change how a command is
 * sent: no offline queue, no per-request retries, a command timeout (ioredis arms one timer per command), lazy
 * connect. Copied here for the diagnostic rows; if connectRedis changes them, change these too.
 */
export const CATGA_CLIENT_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 5_000,
  connectTimeout: 10_000,
  retryStrategy: (times) => Math.min(times * 100, 2_000),
};

/**
 * A raw ioredis client on {@link REDIS_URL}: ioredis's defaults (offline queue on, 20 retries per request, no
 * command timeout) unless `options` say otherwise, connected before it is returned.
 */
export async function connectRaw(options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(REDIS_URL, { ...options, lazyConnect: true });
  client.on('error', () => undefined); // failures reach the commands; the event would only duplicate them
  try {
    await withTimeout(client.connect(), CONNECT_TIMEOUT_MS, 'not connected');
  } catch (error) {
    client.disconnect();
    throw unreachable('cannot connect', error);
  }
  return client;
}

/**
 * Checks that the server answers before anything else is set up (one connection attempt, no retries), and returns
 * its version for the notes.
 */
export async function probeServer(): Promise<string> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await withTimeout(client.connect(), CONNECT_TIMEOUT_MS + 1_000, 'not connected');
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch (error) {
    throw unreachable('cannot connect', error);
  } finally {
    client.disconnect();
  }
}

/** Deletes `keys` with UNLINK, 1,000 per command, pipelined; resolves how many existed. */
export async function deleteKeys(admin: Redis, keys: readonly string[]): Promise<number> {
  let deleted = 0;
  for (let start = 0; start < keys.length; start += 50_000) {
    const pipeline = admin.pipeline();
    const end = Math.min(keys.length, start + 50_000);
    for (let i = start; i < end; i += 1_000) pipeline.unlink(...keys.slice(i, Math.min(end, i + 1_000)));
    for (const [error, count] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      deleted += Number(count);
    }
  }
  return deleted;
}

/** Deletes every key matching one of `patterns` (SCAN MATCH, then UNLINK); resolves how many it deleted. */
export async function sweep(admin: Redis, patterns: readonly string[]): Promise<number> {
  let deleted = 0;
  for (const match of patterns) {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', match, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) deleted += await deleteKeys(admin, keys);
    } while (cursor !== '0');
  }
  return deleted;
}

/** A check variant: a load variant that knows which keys its runs created, to delete them after each run. */
export interface KeyedVariant extends LoadVariant {
  /** The keys created since the last call (the call forgets them). */
  takeKeys(): string[];
}

/**
 * A unique key per op, `<base><n in base 36>`, remembering every key made until {@link KeyedVariant.takeKeys}.
 * `base` should give every variant keys of the same length.
 */
export function keySequence(base: string): { next(): string; take(): string[] } {
  let made: string[] = [];
  let n = 0;
  return {
    next: () => {
      const key = base + (n++).toString(36).padStart(6, '0');
      made.push(key);
      return key;
    },
    take: () => {
      const keys = made;
      made = [];
      return keys;
    },
  };
}

/** Settings of the interleaved rounds. */
export interface RoundSettings {
  readonly rounds: number;
  readonly durationMs: number;
  readonly warmupMs: number;
}

const integer = (value: number): string => value.toLocaleString('en-US', { maximumFractionDigits: 0 });
const oneDecimal = (value: number): string => value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/**
 * nats-common's `interleavedRounds`, except that after every run (warm-up included) the keys that run created are
 * deleted, untimed, so a run starts on a keyspace of the same size as the others (and the shared server's memory
 * stays flat). One untimed warm-up run of every variant, then timed rounds, order reversed every other round.
 */
export async function interleavedRoundsWithCleanup(
  variants: readonly KeyedVariant[],
  settings: RoundSettings,
  admin: Redis,
  log: (line: string) => void,
): Promise<Map<LoadVariant, LoadSample[]>> {
  const describe = (sample: LoadSample): string =>
    `${integer(sample.opsPerSec)} ops/s, p50 ${oneDecimal(sample.p50Us)} µs, p99 ${oneDecimal(sample.p99Us)} µs`;
  const runAndClean = async (variant: KeyedVariant, ms: number): Promise<LoadSample> => {
    try {
      return await runFor(variant, ms);
    } finally {
      await deleteKeys(admin, variant.takeKeys());
    }
  };
  if (settings.warmupMs > 0) {
    for (const variant of variants) log(`  warm-up, ${variant.name}: ${describe(await runAndClean(variant, settings.warmupMs))}\n`);
  }
  const samples = new Map<LoadVariant, LoadSample[]>(variants.map((v) => [v, []]));
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const sample = await runAndClean(variant, settings.durationMs);
      samples.get(variant)!.push(sample);
      log(`  round ${round + 1}/${settings.rounds}, ${variant.name}: ${describe(sample)}\n`);
    }
  }
  return samples;
}

/** What the server executed for the ops counted by {@link countCommands}. */
export interface CommandCount {
  /** Commands the client sent (an EVALSHA counts as one), per op. */
  readonly perOp: number;
  /** Commands run inside scripts, per op (server-side work, no round trip). */
  readonly inScriptsPerOp: number;
  /** The client's commands by name, in total over the ops, e.g. `{ evalsha: 1000 }`. */
  readonly byName: Readonly<Record<string, number>>;
}

/** `host:port` of the client's end of its socket, as the server names the client in MONITOR and CLIENT LIST. */
export function clientAddress(client: Redis): string {
  const stream = (client as unknown as { stream?: { localAddress?: string; localPort?: number } }).stream;
  if (stream?.localAddress === undefined || stream.localPort === undefined) throw new Error('the client has no socket');
  return `${stream.localAddress}:${stream.localPort}`;
}

/**
 * Counts the commands the server executed for `ops` on the connection `clients` (one or several: their counts add
 * up), with MONITOR on a separate connection: every command whose source is one of those connections, and the
 * commands run by scripts (source `lua`) right after a script call of theirs (MONITOR logs a script call before the
 * commands it runs). Ends with an ECHO on each client so that every reply has been seen before counting stops.
 * Divides by `opCount`.
 */
export async function countCommands(monitorOn: Redis, clients: readonly Redis[], opCount: number, ops: () => Promise<void>): Promise<CommandCount> {
  const addresses = new Set(clients.map(clientAddress));
  const marker = `catga-bench-count-${Math.random().toString(36).slice(2)}`;
  const byName: Record<string, number> = {};
  let inScripts = 0;
  let lastWasOurs = false;
  let markersSeen = 0;
  let allSeen: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    allSeen = resolve;
  });
  const monitor = await monitorOn.monitor();
  // disconnect() does not stop the lines already on their way: without this flag, commands of whatever runs next
  // would still be counted into byName after the count was returned.
  let counting = true;
  try {
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (!counting) return;
      if (source === 'lua') {
        if (lastWasOurs) inScripts++;
        return;
      }
      lastWasOurs = addresses.has(source);
      if (!lastWasOurs) return;
      const name = (args[0] ?? '').toLowerCase();
      if (name === 'echo' && args[1] === marker) {
        if (++markersSeen === clients.length) allSeen();
        return;
      }
      byName[name] = (byName[name] ?? 0) + 1;
    });
    // monitor() resolves once the server answered MONITOR with OK: from here on every command is logged.
    await ops();
    await Promise.all(clients.map((client) => client.echo(marker)));
    await withTimeout(done, 10_000, 'MONITOR did not show the end marker');
  } finally {
    counting = false;
    monitor.disconnect();
  }
  const total = Object.values(byName).reduce((a, b) => a + b, 0);
  return { perOp: total / opCount, inScriptsPerOp: inScripts / opCount, byName };
}
