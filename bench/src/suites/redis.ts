/**
 * Suite "Redis persistence" (key `redis`): what `@catga/runtime/redis` costs per message against raw ioredis.
 *
 * - Checks: `RedisIdempotencyStore.tryClaim` and `RedisInboxStore.tryLock` on a fresh key (the first delivery of a
 *   message) against the least a check can do, a raw `SET key value PX ttl NX`, with 1 and 100 in flight, each on its
 *   own connection. Fixed-time closed-loop load in interleaved rounds (nats-common.ts's `runFor`), the keys of every
 *   run deleted after it.
 * - Round trips: the commands the server executed per operation, read from MONITOR (redis-common.ts), for the
 *   checks, their full cycles (check + record the result), the duplicate paths and the outbox.
 * - Outbox: N events appended one per `append` with 100 in flight while one or four `OutboxProcessor`s drain them,
 *   against a raw `LPUSH` / `RPOP count` queue.
 *
 * Every key the run created is deleted at the end (SCAN MATCH `<prefix>:*` and `{<prefix>:*`). Run alone with
 * `npm run bench -w bench -- redis` (after `npm run build`); REDIS_URL overrides the loopback server.
 */
import { randomUUID } from 'node:crypto';
import {
  CatgaEvent,
  type CatgaLogger,
  Event,
  type MessageClass,
  msgpackCodec,
  type NewOutboxEntry,
  ok,
  OutboxProcessor,
  type OutboxStore,
  type PublishResult,
  toStoredResult,
} from '@catga/runtime';
import { connectRedis, type RedisConnection, RedisIdempotencyStore, RedisInboxStore, RedisOutboxStore } from '@catga/runtime/redis';
import type { Redis } from 'ioredis';
import type { CaseResult } from '../harness.js';
import { markdownTable, type SuiteReport } from '../report.js';
import { median, rmePercent } from '../stats.js';
import {
  caseResults,
  latencyTable,
  type LoadVariant,
  summarize,
  targetLines,
  type TargetRow,
  targetTable,
  times,
  uniquePrefix,
  withTimeout,
} from './nats-common.js';
import { type OrderFields, type Placed, SAMPLE_ORDER } from './order.js';
import {
  CATGA_CLIENT_OPTIONS,
  type CommandCount,
  connectRaw,
  countCommands,
  deleteKeys,
  interleavedRoundsWithCleanup,
  type KeyedVariant,
  keySequence,
  probeServer,
  REDIS_URL,
  sweep,
} from './redis-common.js';

const CHECKS_TITLE = 'Redis idempotency and inbox checks';
const OUTBOX_TITLE = 'Redis outbox append and publish';
/** The issue's targets: one round trip per check, and a check at ≥ 0.80× the raw SET NX throughput. */
const TARGET_VS_RAW = 0.8;
const TARGET_ROUND_TRIPS = 1;
const CONCURRENCY = [1, 100] as const;
/** The TTLs the behaviours use by default (idempotency `pendingTtlMs`, inbox `lockTtlMs`). */
const CHECK_TTL_MS = 60_000;
const RESULT_TTL_MS = 24 * 3_600_000;
/** Sequential ops per round-trip count. */
const COUNT_OPS = 1_000;
const OUTBOX_IN_FLIGHT = 100;
const OUTBOX_BATCH = 100;
const OUTBOX_PUBLISH_CONCURRENCY = 16;
/** How long one outbox run may take before it is declared stalled. */
const OUTBOX_STALL_MS = 60_000;

/** The event the outbox rows append: the in-process suites' five fields. */
@CatgaEvent()
export class OrderPlacedToOutbox extends Event implements OrderFields {
  constructor(
    readonly orderId: string,
    readonly customerId: string,
    readonly sku: string,
    readonly qty: number,
    readonly price: number,
  ) {
    super();
  }
}

/** Options of the Redis suite. The defaults keep it under two minutes on the bench VM. */
export interface RedisSuiteOptions {
  /**
   * Timed rounds of the checks (default 11). Many short rounds rather than a few long ones: the VM and the Redis
   * server are shared, and other work on them comes and goes within seconds.
   */
  readonly rounds?: number;
  /** Length of one timed check run, in ms (default 400). */
  readonly durationMs?: number;
  /** Untimed run of every check variant before the rounds, in ms (default 300). */
  readonly warmupMs?: number;
  /** Events per outbox run (default 20,000). */
  readonly outboxEvents?: number;
  /** Timed rounds of the outbox rows (default 5). */
  readonly outboxRounds?: number;
  readonly log?: (line: string) => void;
}

const integer = (value: number): string => value.toLocaleString('en-US', { maximumFractionDigits: 0 });
const twoDecimals = (value: number): string => value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const oneDecimal = (value: number): string => value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The ioredis client of a connection made by `connectRedis` from a URL (a single node: a `Redis`). */
function clientOf(connection: RedisConnection): Redis {
  return connection.client as Redis;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks

/** The rows of one concurrency, in report order: the floor first. */
interface CheckGroup {
  readonly concurrency: number;
  readonly raw: KeyedVariant;
  readonly rawCatgaOptions: KeyedVariant;
  readonly claim: KeyedVariant;
  readonly lock: KeyedVariant;
  readonly lockScript: KeyedVariant;
}

/** The clients and stores the check rows use, one connection per kind of row. */
interface CheckSetup {
  readonly prefix: string;
  readonly raw: Redis;
  readonly rawCatgaOptions: Redis;
  readonly rawScript: Redis;
  readonly idempotency: RedisIdempotencyStore;
  readonly inbox: RedisInboxStore;
}

type TryLockScript = (key: string, token: string, ttlMs: number) => Promise<unknown>;

/**
 * The inbox's tryLock script as ioredis registered it on `client` (RedisInboxStore defines it on the client it is
 * given), called directly: EVALSHA with no store code around it.
 */
function tryLockScriptOf(client: Redis): TryLockScript {
  const command = Reflect.get(client, 'catgaInboxTryLockV1Buffer') as unknown;
  if (typeof command !== 'function') throw new Error('RedisInboxStore did not define catgaInboxTryLockV1 on the client (was it renamed?)');
  return (key, token, ttlMs) => (command as (...args: unknown[]) => Promise<unknown>).call(client, key, token, ttlMs);
}

/**
 * Every key segment after the prefix has the same length (`raw-idempot`, `raw-optsidm` and `idempotency`; `inbox`
 * and `rawin`), and every id is `CreateOrder:v<n>-<6 base-36 digits>`, so each row's keys are as long as the
 * Catga store's.
 */
function checkGroups(setup: CheckSetup): CheckGroup[] {
  const { prefix } = setup;
  let variantIndex = 0;
  const ids = (keyPrefix: string): { next(): string; take(): string[] } => {
    const index = variantIndex++;
    const sequence = keySequence('');
    return {
      next: () => `CreateOrder:v${index.toString(36)}-${sequence.next()}`,
      take: () => sequence.take().map((id) => `${keyPrefix}CreateOrder:v${index.toString(36)}-${id}`),
    };
  };
  const setNx = (client: Redis, keyPrefix: string, name: string, concurrency: number): KeyedVariant => {
    const sequence = ids(keyPrefix);
    return {
      name,
      concurrency,
      send: () => client.set(keyPrefix + sequence.next(), 'p', 'PX', CHECK_TTL_MS, 'NX'),
      failure: (output) => (output === 'OK' ? undefined : `SET NX replied ${String(output)}`),
      takeKeys: sequence.take,
    };
  };
  const script = tryLockScriptOf(setup.rawScript);
  const token = randomUUID();
  return CONCURRENCY.map((concurrency) => {
    const claimIds = ids(`${prefix}:idempotency:`);
    const lockIds = ids(`${prefix}:inbox:`);
    const scriptIds = ids(`${prefix}:rawin:`);
    return {
      concurrency,
      raw: setNx(setup.raw, `${prefix}:raw-idempot:`, `raw SET NX PX (floor), ${concurrency} in flight`, concurrency),
      rawCatgaOptions: setNx(
        setup.rawCatgaOptions,
        `${prefix}:raw-optsidm:`,
        `diagnostic: raw SET NX PX, client with Catga's options, ${concurrency} in flight`,
        concurrency,
      ),
      claim: {
        name: `Catga idempotency tryClaim(), ${concurrency} in flight`,
        concurrency,
        send: () => setup.idempotency.tryClaim(claimIds.next(), CHECK_TTL_MS),
        failure: (output) => (output === true ? undefined : 'tryClaim of a fresh key did not claim it'),
        takeKeys: claimIds.take,
      },
      lock: {
        name: `Catga inbox tryLock(), ${concurrency} in flight`,
        concurrency,
        send: () => setup.inbox.tryLock(lockIds.next(), CHECK_TTL_MS),
        failure: (output) => ((output as { state?: string }).state === 'locked' ? undefined : `tryLock of a fresh id gave ${JSON.stringify(output)}`),
        takeKeys: lockIds.take,
      },
      lockScript: {
        name: `diagnostic: raw EVALSHA of the inbox tryLock script, ${concurrency} in flight`,
        concurrency,
        send: () => script(`${prefix}:rawin:${scriptIds.next()}`, token, CHECK_TTL_MS),
        failure: (output) => (Array.isArray(output) && String(output[0]) === 'locked' ? undefined : 'the script did not lock a fresh key'),
        takeKeys: scriptIds.take,
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Round trips

interface RoundTripRow {
  readonly operation: string;
  readonly count: CommandCount;
  /** What one op should cost, for the verdict column; `undefined` when there is no target. */
  readonly target?: number;
}

function commandsText(count: CommandCount, ops: number): string {
  return Object.entries(count.byName)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name.toUpperCase()} ×${integer(n)}`)
    .join(', ');
}

function roundTripTable(rows: readonly RoundTripRow[], ops: number): string {
  return markdownTable(
    ['operation', 'round trips per op', `commands sent in ${integer(ops)} ops`, 'commands run by its scripts per op', 'target'],
    ['l', 'r', 'l', 'r', 'l'],
    rows.map((row) => [
      row.operation,
      twoDecimals(row.count.perOp),
      commandsText(row.count, ops),
      twoDecimals(row.count.inScriptsPerOp),
      row.target === undefined ? '—' : `${row.target} (${row.count.perOp <= row.target ? 'met' : '**not met**'})`,
    ]),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Outbox

/** What one outbox run measured. */
interface OutboxSample {
  /** Events appended per second: N over the time until the last append resolved. */
  readonly appendPerSec: number;
  /** Events published per second end to end: N over the time until the last one was marked published (or popped). */
  readonly publishedPerSec: number;
  /** Latency of one append (one LPUSH), in µs. */
  readonly appendP50Us: number;
  readonly appendP99Us: number;
}

interface OutboxVariant {
  readonly name: string;
  /** Processors (Catga) or drainers (raw). */
  readonly consumers: number;
  readonly raw: boolean;
  run(events: number): Promise<OutboxSample>;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** New events for one run, as the outbox behaviour holds them (`{ id, messageType, message: { ...event } }`). */
function outboxEntries(count: number): NewOutboxEntry[] {
  const { orderId, customerId, sku, qty, price } = SAMPLE_ORDER;
  return Array.from({ length: count }, () => {
    const event = new OrderPlacedToOutbox(orderId, customerId, sku, qty, price);
    return { id: event.messageId, messageType: event.messageType, message: { ...event } };
  });
}

/**
 * Appends `entries` with {@link OUTBOX_IN_FLIGHT} loops, each awaiting one append after another; `after(i)` runs
 * after entry i was stored. Resolves the append latencies in ms.
 */
async function appendAll(entries: readonly NewOutboxEntry[], append: (entry: NewOutboxEntry) => Promise<unknown>, after: (i: number) => void): Promise<Float64Array> {
  const latencies = new Float64Array(entries.length);
  let next = 0;
  const loop = async (): Promise<void> => {
    for (let i = next++; i < entries.length; i = next++) {
      const before = performance.now();
      await append(entries[i]!);
      latencies[i] = performance.now() - before;
      after(i);
    }
  };
  await Promise.all(Array.from({ length: OUTBOX_IN_FLIGHT }, loop));
  return latencies.sort();
}

/** A store that forwards everything to `store` and calls `onPublished` after each `markPublished` that held. */
function countingStore(store: OutboxStore, onPublished: () => void): OutboxStore {
  return {
    append: (entries) => store.append(entries),
    claim: (owner, limit, leaseMs) => store.claim(owner, limit, leaseMs),
    markPublished: async (id, token, retentionMs) => {
      const done = await store.markPublished(id, token, retentionMs);
      if (done) onPublished();
      return done;
    },
    markFailed: (id, token, failure) => store.markFailed(id, token, failure),
    cleanup: (limit) => store.cleanup(limit),
    counts: () => store.counts(),
  };
}

/** A logger that keeps what the processors warn about: any warning fails the run (nothing should fail here). */
function collectingLogger(problems: string[]): CatgaLogger {
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (_fields, message) => void problems.push(message),
    error: (_fields, message) => void problems.push(message),
  };
}

const messageTypes = new Map<string, MessageClass>([[new OrderPlacedToOutbox('', '', '', 0, 0).messageType, OrderPlacedToOutbox as unknown as MessageClass]]);

interface OutboxSetup {
  readonly prefix: string;
  readonly admin: Redis;
  readonly appender: RedisConnection;
  readonly processors: readonly RedisConnection[];
  readonly rawPush: Redis;
  readonly rawPop: readonly Redis[];
}

/** The keys of outbox `name`: one hash per entry and the five shared keys. */
function outboxKeys(connection: RedisConnection, name: string, entries: readonly NewOutboxEntry[]): string[] {
  return [
    ...entries.map((entry) => connection.taggedKey(name, `entry:${entry.id}`)),
    ...['pending', 'leased', 'published', 'dead', 'seq'].map((rest) => connection.taggedKey(name, rest)),
  ];
}

let runCounter = 0;

/**
 * One Catga run: `processorCount` processors (one connection each, woken round-robin after each append, as each
 * process's outbox behaviour wakes its own) drain an outbox while the appender stores `events` new events.
 */
async function catgaOutboxRun(setup: OutboxSetup, processorCount: number, events: number): Promise<OutboxSample> {
  const name = `outbox-r${runCounter++}`;
  const entries = outboxEntries(events);
  const appendStore = new RedisOutboxStore(setup.appender, { name });
  const problems: string[] = [];
  let publishCalls = 0;
  let marked = 0;
  let publishedAt = 0;
  let started = 0;
  let allPublished: () => void = () => undefined;
  const published = new Promise<void>((resolve) => {
    allPublished = resolve;
  });
  const publish = async (event: Event): Promise<PublishResult> => {
    publishCalls++;
    return ok({ eventType: event.messageType, handlers: 0 });
  };
  const onPublished = (): void => {
    if (++marked === events) {
      publishedAt = performance.now();
      allPublished();
    }
  };
  const processors = setup.processors.slice(0, processorCount).map(
    (connection, i) =>
      new OutboxProcessor({
        store: countingStore(new RedisOutboxStore(connection, { name }), onPublished),
        publish,
        messageTypes,
        owner: `bench-${name}-${i}`,
        batchSize: OUTBOX_BATCH,
        concurrency: OUTBOX_PUBLISH_CONCURRENCY,
        logger: collectingLogger(problems),
      }),
  );
  try {
    for (const processor of processors) processor.start();
    started = performance.now();
    const latencies = await withTimeout(
      appendAll(entries, (entry) => appendStore.append([entry]), (i) => processors[i % processorCount]!.wake()),
      OUTBOX_STALL_MS,
      `"Catga outbox, ${processorCount} processor(s)" did not append ${events} events`,
    );
    const appendedAt = performance.now();
    await withTimeout(published, OUTBOX_STALL_MS, `"Catga outbox, ${processorCount} processor(s)" did not publish ${events} events`);
    await Promise.all(processors.map((processor) => processor.stop()));
    if (problems.length > 0) throw new Error(`the outbox processors reported: ${problems.slice(0, 3).join('; ')}`);
    if (publishCalls !== events) throw new Error(`${publishCalls} publishes for ${events} events (duplicates?)`);
    return {
      appendPerSec: (events / (appendedAt - started)) * 1_000,
      publishedPerSec: (events / (publishedAt - started)) * 1_000,
      appendP50Us: quantile(latencies, 0.5) * 1_000,
      appendP99Us: quantile(latencies, 0.99) * 1_000,
    };
  } finally {
    await Promise.all(processors.map((processor) => processor.stop()));
    await deleteKeys(setup.admin, outboxKeys(setup.appender, name, entries));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One raw run: `LPUSH` of each event's MessagePack bytes (encoded in the timed loop, as Catga's append encodes),
 * drained by `drainerCount` loops (one connection each) of `RPOP key 100`, decoding each item and counting it;
 * a drainer that finds the list empty sleeps 1 ms.
 */
async function rawOutboxRun(setup: OutboxSetup, drainerCount: number, events: number): Promise<OutboxSample> {
  const key = `${setup.prefix}:raw-outbox:r${runCounter++}`;
  const entries = outboxEntries(events);
  const codec = msgpackCodec();
  let popped = 0;
  let decoded = 0;
  let poppedAt = 0;
  let stop = false;
  const drain = async (client: Redis): Promise<void> => {
    while (!stop && popped < events) {
      const items = await client.rpopBuffer(key, OUTBOX_BATCH);
      if (items === null || items.length === 0) {
        await sleep(1);
        continue;
      }
      for (const item of items) if (codec.decode(item) !== undefined) decoded++;
      popped += items.length;
      if (popped >= events) poppedAt = performance.now();
    }
  };
  const started = performance.now();
  const drainers = setup.rawPop.slice(0, drainerCount).map(drain);
  try {
    const latencies = await withTimeout(
      appendAll(entries, (entry) => setup.rawPush.lpush(key, codec.encode(entry.message) as Buffer), () => undefined),
      OUTBOX_STALL_MS,
      `"raw LPUSH" did not push ${events} events`,
    );
    const appendedAt = performance.now();
    await withTimeout(Promise.all(drainers), OUTBOX_STALL_MS, `"raw RPOP" did not drain ${events} events`);
    if (decoded !== events) throw new Error(`${decoded} items drained for ${events} pushed`);
    return {
      appendPerSec: (events / (appendedAt - started)) * 1_000,
      publishedPerSec: (events / (poppedAt - started)) * 1_000,
      appendP50Us: quantile(latencies, 0.5) * 1_000,
      appendP99Us: quantile(latencies, 0.99) * 1_000,
    };
  } finally {
    stop = true;
    await Promise.allSettled(drainers);
    await setup.admin.unlink(key);
  }
}

interface OutboxSummary {
  readonly appendPerSec: number;
  readonly publishedPerSec: number;
  readonly appendP50Us: number;
  readonly appendP99Us: number;
  readonly rmePercent: number;
  readonly rounds: number;
}

function summarizeOutbox(samples: readonly OutboxSample[]): OutboxSummary {
  return {
    appendPerSec: median(samples.map((s) => s.appendPerSec)),
    publishedPerSec: median(samples.map((s) => s.publishedPerSec)),
    appendP50Us: median(samples.map((s) => s.appendP50Us)),
    appendP99Us: median(samples.map((s) => s.appendP99Us)),
    rmePercent: rmePercent(samples.map((s) => s.publishedPerSec)),
    rounds: samples.length,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The suite

/** Runs the checks, the round-trip counts and the outbox rows; deletes every key it made; closes everything. */
export async function redisSuites(options: RedisSuiteOptions = {}): Promise<SuiteReport[]> {
  const log = options.log ?? (() => undefined);
  const settings = { rounds: options.rounds ?? 11, durationMs: options.durationMs ?? 400, warmupMs: options.warmupMs ?? 300 };
  const outboxEvents = options.outboxEvents ?? 20_000;
  const outboxRounds = options.outboxRounds ?? 5;
  const serverVersion = await probeServer();
  const prefix = uniquePrefix();
  const rawClients: Redis[] = [];
  const connections: RedisConnection[] = [];
  const raw = async (clientOptions = {}): Promise<Redis> => {
    const client = await connectRaw(clientOptions);
    rawClients.push(client);
    return client;
  };
  const catga = async (): Promise<RedisConnection> => {
    const connection = await connectRedis({ url: REDIS_URL, keyPrefix: prefix });
    connections.push(connection);
    return connection;
  };
  let admin: Redis | undefined;
  try {
    admin = await raw();
    log(`  Redis ${serverVersion} at ${REDIS_URL}, key prefix ${prefix}\n`);

    // ----- Checks: one connection per kind of row.
    const rawScriptClient = await raw();
    const idempotencyConnection = await catga();
    const inboxConnection = await catga();
    // Defines the inbox scripts on the raw client (Catga does not close a client it is given).
    new RedisInboxStore(await connectRedis({ client: rawScriptClient, keyPrefix: prefix }));
    const checkSetup: CheckSetup = {
      prefix,
      raw: await raw(),
      rawCatgaOptions: await raw(CATGA_CLIENT_OPTIONS),
      rawScript: rawScriptClient,
      idempotency: new RedisIdempotencyStore(idempotencyConnection),
      inbox: new RedisInboxStore(inboxConnection),
    };

    // ----- Outbox connections.
    const outboxSetup: OutboxSetup = {
      prefix,
      admin,
      appender: await catga(),
      processors: [await catga(), await catga(), await catga(), await catga()],
      rawPush: await raw(),
      rawPop: [await raw(), await raw(), await raw(), await raw()],
    };

    // ----- Round trips, before timing (MONITOR slows the server while it is on). Also checks every path works.
    log('  counting round trips (MONITOR)\n');
    const countKeys = keySequence(`count-${randomUUID().slice(0, 8)}-`);
    const result: Placed = { orderId: SAMPLE_ORDER.orderId, total: SAMPLE_ORDER.qty * SAMPLE_ORDER.price };
    const stored = toStoredResult(ok(result));
    const { idempotency, inbox } = checkSetup;
    const idemClient = clientOf(idempotencyConnection);
    const inboxClient = clientOf(inboxConnection);
    const sequentially = async (op: (id: string) => Promise<void>): Promise<void> => {
      for (let i = 0; i < COUNT_OPS; i++) await op(countKeys.next());
    };
    const expect = (condition: boolean, what: string): void => {
      if (!condition) throw new Error(`round-trip count: ${what}`);
    };
    // One untimed call of each path first: the first EVALSHA of a script on a server that does not know it is
    // followed by an EVAL (once per server, not per check).
    {
      const id = countKeys.next();
      await idempotency.tryClaim(id, CHECK_TTL_MS);
      await idempotency.get(id);
      await idempotency.release(id);
      const claim = await inbox.tryLock(id, CHECK_TTL_MS);
      if (claim.state === 'locked') await inbox.markProcessed(id, claim.token, stored, RESULT_TTL_MS);
    }
    const roundTrips: RoundTripRow[] = [
      {
        operation: 'raw `SET key p PX ttl NX` (the floor, to check the method)',
        count: await countCommands(admin, [checkSetup.raw], COUNT_OPS, () =>
          sequentially(async (id) => expect((await checkSetup.raw.set(`${prefix}:raw-idempot:${id}`, 'p', 'PX', CHECK_TTL_MS, 'NX')) === 'OK', 'SET NX')),
        ),
      },
      {
        operation: 'idempotency check: `tryClaim` of a new key',
        target: TARGET_ROUND_TRIPS,
        count: await countCommands(admin, [idemClient], COUNT_OPS, () => sequentially(async (id) => expect(await idempotency.tryClaim(id, CHECK_TTL_MS), 'tryClaim'))),
      },
      {
        operation: 'idempotency full cycle: `tryClaim` + `complete` (result stored)',
        count: await countCommands(admin, [idemClient], COUNT_OPS, () =>
          sequentially(async (id) => {
            expect(await idempotency.tryClaim(id, CHECK_TTL_MS), 'tryClaim');
            await idempotency.complete(id, result, RESULT_TTL_MS);
          }),
        ),
      },
      {
        operation: 'idempotency duplicate (as the behaviour): `tryClaim` refused, then `get` of the completed result',
        count: await (async () => {
          const ids = Array.from({ length: COUNT_OPS }, () => countKeys.next());
          for (const id of ids) {
            await idempotency.tryClaim(id, CHECK_TTL_MS);
            await idempotency.complete(id, result, RESULT_TTL_MS);
          }
          return countCommands(admin!, [idemClient], COUNT_OPS, async () => {
            for (const id of ids) {
              expect(!(await idempotency.tryClaim(id, CHECK_TTL_MS)), 'duplicate tryClaim');
              expect((await idempotency.get(id))?.state === 'completed', 'get');
            }
          });
        })(),
      },
      {
        operation: 'inbox check: `tryLock` of a new message id',
        target: TARGET_ROUND_TRIPS,
        count: await countCommands(admin, [inboxClient], COUNT_OPS, () => sequentially(async (id) => expect((await inbox.tryLock(id, CHECK_TTL_MS)).state === 'locked', 'tryLock'))),
      },
      {
        operation: 'inbox full cycle: `tryLock` + `markProcessed` (result stored)',
        count: await countCommands(admin, [inboxClient], COUNT_OPS, () =>
          sequentially(async (id) => {
            const claim = await inbox.tryLock(id, CHECK_TTL_MS);
            expect(claim.state === 'locked', 'tryLock');
            if (claim.state === 'locked') expect(await inbox.markProcessed(id, claim.token, stored, RESULT_TTL_MS), 'markProcessed');
          }),
        ),
      },
      {
        operation: 'inbox duplicate: `tryLock` of a processed message (answers with the stored result)',
        count: await (async () => {
          const ids = Array.from({ length: COUNT_OPS }, () => countKeys.next());
          for (const id of ids) {
            const claim = await inbox.tryLock(id, CHECK_TTL_MS);
            if (claim.state === 'locked') await inbox.markProcessed(id, claim.token, stored, RESULT_TTL_MS);
          }
          return countCommands(admin!, [inboxClient], COUNT_OPS, async () => {
            for (const id of ids) expect((await inbox.tryLock(id, CHECK_TTL_MS)).state === 'processed', 'duplicate tryLock');
          });
        })(),
      },
    ];
    // The outbox: appends counted on the appender's connection, then one processor's commands per event.
    {
      const name = 'outbox-count';
      const entries = outboxEntries(COUNT_OPS);
      const appendStore = new RedisOutboxStore(outboxSetup.appender, { name });
      const processorConnection = outboxSetup.processors[0]!;
      try {
        roundTrips.push({
          operation: 'outbox `append` of one event',
          count: await countCommands(admin, [clientOf(outboxSetup.appender)], COUNT_OPS, async () => {
            for (const entry of entries) await appendStore.append([entry]);
          }),
        });
        let marked = 0;
        let drained: () => void = () => undefined;
        const done = new Promise<void>((resolve) => {
          drained = resolve;
        });
        const problems: string[] = [];
        const processor = new OutboxProcessor({
          store: countingStore(new RedisOutboxStore(processorConnection, { name }), () => {
            if (++marked === COUNT_OPS) drained();
          }),
          publish: async (event) => ok({ eventType: event.messageType, handlers: 0 }),
          messageTypes,
          batchSize: OUTBOX_BATCH,
          concurrency: OUTBOX_PUBLISH_CONCURRENCY,
          logger: collectingLogger(problems),
        });
        roundTrips.push({
          // 10 claims of 100, 1,000 markPublished, the first cleanup, and an 11th (empty) claim unless stop() came first.
          operation: `outbox processor, per event published (claims of ${OUTBOX_BATCH}, \`markPublished\` each, its first cleanup)`,
          count: await countCommands(admin, [clientOf(processorConnection)], COUNT_OPS, async () => {
            processor.start();
            await withTimeout(done, OUTBOX_STALL_MS, 'the processor did not publish the counted events');
            await processor.stop();
          }),
        });
        if (problems.length > 0) throw new Error(`the outbox processor reported: ${problems.join('; ')}`);
      } finally {
        await deleteKeys(admin, outboxKeys(outboxSetup.appender, name, entries));
      }
    }
    await deleteKeys(
      admin,
      countKeys.take().flatMap((id) => [`${prefix}:idempotency:${id}`, `${prefix}:inbox:${id}`, `${prefix}:raw-idempot:${id}`]),
    );
    const roundTripRows = roundTripTable(roundTrips, COUNT_OPS);
    log(`\n${roundTripRows}\n\n`);

    // ----- Check throughput.
    const groups = checkGroups(checkSetup);
    const variants = groups.flatMap((g) => [g.raw, g.rawCatgaOptions, g.claim, g.lock, g.lockScript]);
    const floorOf = new Map<LoadVariant, LoadVariant>(groups.flatMap((g) => [g.raw, g.rawCatgaOptions, g.claim, g.lock, g.lockScript].map((v) => [v, g.raw] as const)));
    // Run order within a round: each Catga row next to its floor (and the script diagnostic next to tryLock), so the
    // per-round ratios compare runs a second apart; the tables keep the floor first.
    const runOrder = groups.flatMap((g) => [g.rawCatgaOptions, g.claim, g.raw, g.lock, g.lockScript]);
    const samples = await interleavedRoundsWithCleanup(runOrder, settings, admin, log);
    const cases = caseResults(variants, samples, (variant) => floorOf.get(variant)!);
    const summary = (variant: LoadVariant) => summarize(samples.get(variant)!);
    /** The median over the rounds of a's ops/s over b's in the same round. */
    const pairedRatio = (a: LoadVariant, b: LoadVariant): number => {
      const of = samples.get(b)!;
      return median(samples.get(a)!.map((sample, round) => sample.opsPerSec / of[round]!.opsPerSec));
    };
    const targets: TargetRow[] = [];
    for (const [label, pick] of [
      ['Catga idempotency tryClaim / raw SET NX', (g: CheckGroup) => g.claim],
      ['Catga inbox tryLock / raw SET NX', (g: CheckGroup) => g.lock],
    ] as const) {
      for (const group of groups) {
        const ratio = pairedRatio(pick(group), group.raw);
        const ofMedians = summary(pick(group)).opsPerSec / summary(group.raw).opsPerSec;
        targets.push({
          label: `${label}, ${group.concurrency} in flight (ops/s)`,
          // Three decimals: a verdict on 0.798 must not read "0.80×, not met".
          measured: `${ratio.toFixed(3)}× (ratio of medians ${ofMedians.toFixed(3)}×)`,
          target: `≥ ${TARGET_VS_RAW.toFixed(2)}×`,
          met: ratio >= TARGET_VS_RAW,
        });
      }
    }
    for (const [label, row] of [
      ['Round trips per idempotency check (tryClaim)', roundTrips[1]!],
      ['Round trips per inbox check (tryLock)', roundTrips[4]!],
    ] as const) {
      targets.push({ label, measured: twoDecimals(row.count.perOp), target: `${TARGET_ROUND_TRIPS}`, met: row.count.perOp <= TARGET_ROUND_TRIPS });
    }
    const checkTable = latencyTable(variants, samples);
    log(`\n${checkTable}\n${targetLines(targets)}`);
    const ratioText = (a: LoadVariant, b: LoadVariant): string => times(pairedRatio(a, b));

    // ----- Outbox.
    const outboxVariants: OutboxVariant[] = [1, 4].flatMap((consumers) => [
      {
        name: `raw LPUSH + RPOP ×${OUTBOX_BATCH}, ${consumers} drainer${consumers > 1 ? 's' : ''}`,
        consumers,
        raw: true,
        run: (events: number) => rawOutboxRun(outboxSetup, consumers, events),
      },
      {
        name: `Catga RedisOutboxStore.append + ${consumers} OutboxProcessor${consumers > 1 ? 's' : ''}`,
        consumers,
        raw: false,
        run: (events: number) => catgaOutboxRun(outboxSetup, consumers, events),
      },
    ]);
    const describeOutbox = (s: OutboxSample): string =>
      `${integer(s.appendPerSec)} appended/s, ${integer(s.publishedPerSec)} published/s end to end, append p50 ${oneDecimal(s.appendP50Us)} µs, p99 ${oneDecimal(s.appendP99Us)} µs`;
    const warmupEvents = Math.max(1_000, Math.round(outboxEvents / 4));
    for (const variant of outboxVariants) log(`  warm-up, ${variant.name}: ${describeOutbox(await variant.run(warmupEvents))}\n`);
    const outboxSamples = new Map<OutboxVariant, OutboxSample[]>(outboxVariants.map((v) => [v, []]));
    for (let round = 0; round < outboxRounds; round++) {
      const order = round % 2 === 0 ? outboxVariants : [...outboxVariants].reverse();
      for (const variant of order) {
        const sample = await variant.run(outboxEvents);
        outboxSamples.get(variant)!.push(sample);
        log(`  round ${round + 1}/${outboxRounds}, ${variant.name}: ${describeOutbox(sample)}\n`);
      }
    }
    const outboxSummary = (variant: OutboxVariant): OutboxSummary => summarizeOutbox(outboxSamples.get(variant)!);
    const rawOf = (variant: OutboxVariant): OutboxVariant => outboxVariants.find((v) => v.raw && v.consumers === variant.consumers)!;
    const outboxTable = markdownTable(
      ['variant', 'events', 'appended/s', 'append p50 µs', 'append p99 µs', 'published/s end to end', 'published/s vs raw', '±rme (published/s)', 'rounds'],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      outboxVariants.map((variant) => {
        const s = outboxSummary(variant);
        return [
          variant.name,
          integer(outboxEvents),
          integer(s.appendPerSec),
          oneDecimal(s.appendP50Us),
          oneDecimal(s.appendP99Us),
          integer(s.publishedPerSec),
          times(s.publishedPerSec / outboxSummary(rawOf(variant)).publishedPerSec),
          `±${s.rmePercent.toFixed(1)} %`,
          String(s.rounds),
        ];
      }),
    );
    log(`\n${outboxTable}\n`);
    const outboxCases: CaseResult[] = outboxVariants.map((variant) => {
      const s = outboxSummary(variant);
      return {
        name: `${variant.name} (end to end)`,
        opsPerSec: s.publishedPerSec,
        nsPerOp: 1e9 / s.publishedPerSec,
        rmePercent: s.rmePercent,
        samples: s.rounds,
        timesFloor: outboxSummary(rawOf(variant)).publishedPerSec / s.publishedPerSec,
      };
    });

    const { rounds, durationMs, warmupMs } = settings;
    const checkNotes = [
      `One op is one check of a message seen for the first time, against Redis ${serverVersion} on ${REDIS_URL} ` +
        `(loopback, shared with the client on the 2-vCPU VM), every op on a new key with a ${CHECK_TTL_MS / 1_000} s TTL ` +
        '(the behaviours\' default claim and lock TTLs). *Catga idempotency tryClaim()* is `RedisIdempotencyStore.tryClaim(key, ttl)`, ' +
        'the idempotency behaviour\'s check; *Catga inbox tryLock()* is `RedisInboxStore.tryLock(id, ttl)`, the inbox behaviour\'s ' +
        'check (a Lua script: it also tells a processed message, whose stored result it returns, from a locked one). Each uses a ' +
        'connection of its own from `connectRedis({ url, keyPrefix })`, whose client has no offline queue, no per-request ' +
        'retries and a 5 s command timeout.',
      '*raw SET NX PX* is `client.set(key, \'p\', \'PX\', ttl, \'NX\')` on an ioredis 6 client with its defaults (offline ' +
        'queue on, `maxRetriesPerRequest` 20, no command timeout), the least a check can do: the floor of both Catga rows. ' +
        'The *diagnostic* rows: the same SET on a client with the options `connectRedis` sets (`enableOfflineQueue: false`, ' +
        '`maxRetriesPerRequest: 0`, `commandTimeout: 5000`: ioredis arms one timer per command), which shows what those ' +
        'options cost; and the inbox\'s tryLock script called directly (`EVALSHA`, through the command ioredis defined for ' +
        'the store, on a default client), which shows what the script costs Redis without the store\'s code around it. ' +
        'Keys are as long in every row.',
      `Method: as in the NATS suites, each variant runs for a fixed ${durationMs / 1_000} s with 1 or 100 loops awaiting ` +
        'one op after another, every output checked (`OK`, `true`, `state === \'locked\'`); after an untimed ' +
        `${warmupMs / 1_000} s run of every variant, ${rounds} timed rounds, order reversed every other round, each Catga ` +
        'row run next to its floor; the table gives medians of the rounds. Many short rounds rather than a few long ones: ' +
        'the VM and the Redis server are shared, and other work on them comes and goes within seconds. The keys a run ' +
        'created are deleted after it, untimed, so every run starts on the same keyspace.',
      checkTable,
      'The targets, from the rounds above and the counts below. A throughput ratio is the median over the rounds of ' +
        'Catga\'s ops/s over the floor\'s in the same round (runs next to each other, so a neighbour\'s burst weighs on both), ' +
        'with the ratio of the medians in brackets. Not targets, for reference (same per-round ratios): raw SET NX on a client with ' +
        `Catga's options / with the defaults ${groups.map((g) => `${ratioText(g.rawCatgaOptions, g.raw)} at ${g.concurrency} in flight`).join(' and ')}; ` +
        `Catga tryLock / the raw tryLock script ${groups.map((g) => `${ratioText(g.lock, g.lockScript)} at ${g.concurrency} in flight`).join(' and ')}.`,
      targetTable(targets),
      `Round trips, counted rather than assumed: ${integer(COUNT_OPS)} sequential ops on one connection with the server's ` +
        'MONITOR feed read on another, counting the commands that came from the op\'s connection (an EVALSHA is one: ' +
        'each store call awaits its command, nothing is pipelined, so one command is one round trip) and, separately, the ' +
        'commands its scripts ran inside Redis (no round trip, but server time). The idempotency and inbox paths ran once ' +
        'before counting; the outbox\'s did not, so its first script call on the connection shows as the one EVAL ' +
        '(ioredis sends EVAL the first time a script is called on a connection, EVALSHA after).',
      roundTripRows,
      'In the table below, in the format of the other suites, ops/s is the median of the rounds, ns/op its reciprocal ' +
        '(not a latency when 100 are in flight), ±rme the 95 % margin of error of the mean ops/s of the rounds, samples ' +
        'the number of rounds, and × floor is relative to raw SET NX at the same concurrency.',
    ];
    const outboxNotes = [
      `${integer(outboxEvents)} new events (the five order fields, built before timing) are appended one per ` +
        `\`RedisOutboxStore.append([entry])\` call, as the outbox behaviour stores a handler's events, with ${OUTBOX_IN_FLIGHT} ` +
        `appends in flight on one connection, while \`OutboxProcessor\`s (batchSize ${OUTBOX_BATCH}, concurrency ` +
        `${OUTBOX_PUBLISH_CONCURRENCY}, defaults otherwise), each on a connection of its own, drain the outbox; publish is an async ` +
        'no-op that counts. Each append wakes one processor, round-robin (as each process\'s outbox behaviour wakes its own ' +
        'processor). *appended/s* is N over the time until the last append resolved; *published/s end to end* is N over the ' +
        'time until the last `markPublished` resolved (counted by a thin wrapper around the store), both from the first append. ' +
        'Each run checks that every event was published exactly once and that no processor logged a failure.',
      `*raw LPUSH + RPOP* is the floor of a queue, for context: \`LPUSH\` of the same MessagePack bytes (encoded in the ` +
        `loop, as append encodes), ${OUTBOX_IN_FLIGHT} in flight, drained by loops of \`RPOP key ${OUTBOX_BATCH}\` (each ` +
        'item decoded and counted; an empty list is polled again after 1 ms), one connection per drainer. It is not equivalent: ' +
        'an item popped is gone, so a drainer that dies loses it (no lease), a failed publish is not retried or ' +
        'dead-lettered (no retry), the same event appended twice is queued twice (no dedup by id), and nothing keeps ' +
        'published events for inspection. Catga\'s append is a script that checks the id, numbers the entry and writes a ' +
        'hash and a sorted-set member; the processor claims a batch in one script and marks each event published with ' +
        'another (see the round trips above).',
      `Method: an untimed run of every variant with ${integer(warmupEvents)} events, then ${outboxRounds} rounds of every ` +
        'variant, order reversed every other round; medians of the rounds. Every run uses an outbox (or list) of its own, ' +
        'deleted after it.',
      outboxTable,
      'In the table below, ops/s is the median end-to-end published/s, ±rme its 95 % margin of error over the rounds, ' +
        'samples the number of rounds, and × floor is relative to the raw row with as many drainers.',
    ];
    return [
      { title: CHECKS_TITLE, batchSize: 1, cases, notes: checkNotes },
      { title: OUTBOX_TITLE, batchSize: 1, cases: outboxCases, notes: outboxNotes },
    ];
  } finally {
    await Promise.allSettled(connections.map((connection) => connection.close()));
    if (admin !== undefined) {
      const removed = await sweep(admin, [`${prefix}:*`, `{${prefix}:*`]).catch((error: unknown) => {
        log(`  could not delete the run's keys: ${describe(error)}\n`);
        return 0;
      });
      log(`  deleted ${removed} leftover key(s) matching ${prefix}:* and {${prefix}:*\n`);
    }
    await Promise.allSettled(rawClients.map((client) => client.quit()));
  }
}
