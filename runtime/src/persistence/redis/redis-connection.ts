import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { CatgaError } from '../../core/catga-error.js';
import { CatgaConfigurationError, describeValue } from '../../core/configuration-error.js';
import { ErrorCode } from '../../core/error-codes.js';

/** A Redis node address. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

/** TLS settings; `true` uses the system's trusted CAs. */
export type RedisTlsOptions =
  | boolean
  | {
      /** PEM CA certificate(s) that signed the server's certificate. */
      readonly ca?: string | Buffer;
      /** PEM client certificate and key, for servers that require them (`tls-auth-clients yes`). */
      readonly cert?: string | Buffer;
      readonly key?: string | Buffer;
      /** Name the server certificate must carry, when it differs from the host connected to. */
      readonly servername?: string;
    };

/**
 * How to reach Redis. Give one of `url` (single node; the default is `redis://127.0.0.1:6379`), `sentinel` or
 * `cluster`, or an ioredis `client` you made yourself.
 */
export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]`; `rediss://` switches TLS on. Default `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /** Redis Sentinel: the sentinels to ask and the name of the monitored primary. */
  readonly sentinel?: { readonly sentinels: readonly RedisAddress[]; readonly name: string; readonly sentinelUsername?: string; readonly sentinelPassword?: string };
  /** Redis Cluster: some of its nodes (the rest are discovered). */
  readonly cluster?: { readonly nodes: readonly RedisAddress[] };
  /** ACL user (Redis 6+); with `password`. */
  readonly username?: string;
  readonly password?: string;
  readonly tls?: RedisTlsOptions;
  /**
   * First segment of every key (default `catga`): keys are `<keyPrefix>:<store>:<id>`. Give each app, or each test,
   * its own. Must not contain `{` or `}` (they would change Cluster hash slots).
   */
  readonly keyPrefix?: string;
  /**
   * Sends the reads that may be stale to replicas (dead-letter listing and counts, outbox counts, saga reads through
   * `get`). Reads that decide anything (idempotency, inbox, locks, claims) always go to the primary. Default `false`.
   */
  readonly readFromReplicas?: boolean;
  /** How long connecting may take before `connectRedis` rejects, in ms (default 10,000). */
  readonly connectTimeoutMs?: number;
  /** How long one command may take before it fails with `PERSISTENCE_FAILED`, in ms (default 5,000). */
  readonly commandTimeoutMs?: number;
  /** An ioredis client you made; Catga uses it as it is (it must be connected) and does not close it. */
  readonly client?: Redis | Cluster;
}

/** An ioredis client: a single node or Sentinel-backed `Redis`, or a `Cluster`. */
export type RedisClient = Redis | Cluster;

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/**
 * One connection to Redis shared by the stores of `@catga/runtime/redis`: the clients, the key layout and the
 * translation of Redis errors into `PERSISTENCE_FAILED`. Made by {@link connectRedis}.
 *
 * Commands fail fast while Redis is unreachable (no offline queue, no per-request retries): a store call then rejects
 * with a retryable `PERSISTENCE_FAILED` at once instead of hanging, and the client keeps reconnecting in the
 * background, so calls succeed again as soon as Redis is back.
 */
export class RedisConnection {
  /** Gets every write, every script and every read that decides something. */
  readonly client: RedisClient;
  /** Gets reads that may be stale (replicas when `readFromReplicas`), else the same as `client`. */
  readonly reader: RedisClient;
  /** The first key segment. */
  readonly keyPrefix: string;
  private readonly owned: readonly RedisClient[];

  /** @internal Use {@link connectRedis}. */
  constructor(client: RedisClient, reader: RedisClient, keyPrefix: string, owned: readonly RedisClient[]) {
    this.client = client;
    this.reader = reader;
    this.keyPrefix = keyPrefix;
    this.owned = owned;
  }

  /** `<prefix>:<store>:<id>`: the key of one record that no script combines with other keys. */
  key(store: string, id: string): string {
    return `${this.keyPrefix}:${store}:${id}`;
  }

  /**
   * `{<prefix>:<store>}:<rest>`: the keys of a store whose scripts touch several keys at once. The braces are a
   * Redis Cluster hash tag: every key of the store lands in one slot, which multi-key scripts require.
   */
  taggedKey(store: string, rest: string): string {
    return `{${this.keyPrefix}:${store}}:${rest}`;
  }

  /**
   * Runs one store operation, turning whatever Redis or the client throws into a retryable `PERSISTENCE_FAILED`
   * `CatgaError` that names the store and the operation.
   */
  async run<T>(store: string, operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (thrown) {
      throw persistenceFailed(store, operation, thrown);
    }
  }

  /** Sends `PING`; resolves with the round trip in ms, rejects with `PERSISTENCE_FAILED` when Redis does not answer. */
  async ping(): Promise<number> {
    const started = performance.now();
    await this.run('connection', 'ping', () => this.client.ping());
    return performance.now() - started;
  }

  /** Closes the clients `connectRedis` made (not a `client` you passed in). Waits for replies to commands sent. */
  async close(): Promise<void> {
    await Promise.all(
      this.owned.map(async (client) => {
        try {
          await client.quit();
        } catch {
          client.disconnect(); // already gone: quit has nothing to flush
        }
      }),
    );
  }
}

/** A retryable `PERSISTENCE_FAILED` error for a failed store operation. */
export function persistenceFailed(store: string, operation: string, thrown: unknown): CatgaError {
  if (thrown instanceof CatgaError && thrown.code === ErrorCode.PERSISTENCE_FAILED) return thrown;
  const reason = thrown instanceof Error ? thrown.message : String(thrown);
  return new CatgaError(ErrorCode.PERSISTENCE_FAILED, `Redis ${store}.${operation} failed: ${reason}`, {
    retryable: true,
    details: { store, operation },
    cause: thrown,
  });
}

function checkPositiveInteger(value: number | undefined, field: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new CatgaConfigurationError(field, `expected a positive integer number of ms, got ${describeValue(value)}`);
  }
}

function tlsSettings(tls: RedisTlsOptions | undefined): RedisOptions['tls'] {
  if (tls === undefined || tls === false) return undefined;
  if (tls === true) return {};
  return { ...tls };
}

/** The settings shared by every client: fail fast while disconnected, reconnect forever in the background. */
function commonOptions(options: RedisConnectionOptions): RedisOptions {
  const tls = tlsSettings(options.tls);
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    // ioredis arms a timer of this length on every disconnect() and clears it only when the socket closes afterwards;
    // after a failed connect the socket is already closed, so the default 2 s timer kept the process alive for nothing.
    disconnectTimeout: 200,
    lazyConnect: true,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(tls === undefined ? {} : { tls }),
  };
}

function checkOptions(options: RedisConnectionOptions): string {
  const keyPrefix = options.keyPrefix ?? 'catga';
  if (typeof keyPrefix !== 'string' || keyPrefix === '' || /[{}\s]/.test(keyPrefix)) {
    throw new CatgaConfigurationError('redis.keyPrefix', `expected a non-empty prefix without braces or spaces, got ${describeValue(keyPrefix)}`);
  }
  const modes = [options.url, options.sentinel, options.cluster, options.client].filter((mode) => mode !== undefined);
  if (modes.length > 1) throw new CatgaConfigurationError('redis', 'give only one of url, sentinel, cluster and client');
  if (options.url !== undefined && !/^rediss?:\/\//.test(options.url)) {
    throw new CatgaConfigurationError('redis.url', `expected redis://host:port or rediss://host:port, got ${describeValue(options.url)}`);
  }
  if (options.sentinel !== undefined && (options.sentinel.sentinels.length === 0 || options.sentinel.name === '')) {
    throw new CatgaConfigurationError('redis.sentinel', 'expected at least one sentinel address and the name of the primary');
  }
  if (options.cluster !== undefined && options.cluster.nodes.length === 0) {
    throw new CatgaConfigurationError('redis.cluster.nodes', 'expected at least one cluster node address');
  }
  checkPositiveInteger(options.connectTimeoutMs, 'redis.connectTimeoutMs');
  checkPositiveInteger(options.commandTimeoutMs, 'redis.commandTimeoutMs');
  return keyPrefix;
}

function makeClients(options: RedisConnectionOptions): { client: RedisClient; reader: RedisClient; owned: RedisClient[] } {
  const common = commonOptions(options);
  const replicas = options.readFromReplicas === true;
  if (options.cluster !== undefined) {
    const nodes = options.cluster.nodes.map(({ host, port }) => ({ host, port }));
    const { enableOfflineQueue, retryStrategy, ...redisOptions } = common;
    const clusterOptions: ClusterOptions = {
      enableOfflineQueue,
      clusterRetryStrategy: retryStrategy as ClusterOptions['clusterRetryStrategy'],
      lazyConnect: true,
      redisOptions,
      ...(redisOptions.tls === undefined ? {} : { dnsLookup: (address, callback) => callback(null, address) }),
    };
    const client = new Cluster(nodes, clusterOptions);
    if (!replicas) return { client, reader: client, owned: [client] };
    const reader = new Cluster(nodes, { ...clusterOptions, scaleReads: 'slave' });
    return { client, reader, owned: [client, reader] };
  }
  if (options.sentinel !== undefined) {
    const { sentinels, name, sentinelUsername, sentinelPassword } = options.sentinel;
    const sentinelOptions: RedisOptions = {
      ...common,
      sentinels: sentinels.map(({ host, port }) => ({ host, port })),
      name,
      ...(sentinelUsername === undefined ? {} : { sentinelUsername }),
      ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
      ...(common.tls === undefined ? {} : { enableTLSForSentinelMode: true }),
    };
    const client = new Redis(sentinelOptions);
    if (!replicas) return { client, reader: client, owned: [client] };
    const reader = new Redis({ ...sentinelOptions, role: 'slave' });
    return { client, reader, owned: [client, reader] };
  }
  const url = options.url ?? DEFAULT_URL;
  const client = new Redis(url, { ...common, ...(url.startsWith('rediss://') && common.tls === undefined ? { tls: {} } : {}) });
  // A single node has no replica to read from: `readFromReplicas` changes nothing here.
  return { client, reader: client, owned: [client] };
}

/**
 * Connects to Redis and resolves once every client is ready. Rejects with `PERSISTENCE_FAILED` (after closing what
 * it opened) when Redis cannot be reached within `connectTimeoutMs`, and with a `CatgaConfigurationError` naming the
 * field for bad options.
 *
 * @example
 * const redis = await connectRedis({ url: 'redis://127.0.0.1:6379', keyPrefix: 'shop' });
 */
export async function connectRedis(options: RedisConnectionOptions = {}): Promise<RedisConnection> {
  const keyPrefix = checkOptions(options);
  if (options.client !== undefined) return new RedisConnection(options.client, options.client, keyPrefix, []);
  const { client, reader, owned } = makeClients(options);
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  try {
    await Promise.all(owned.map((each) => connectWithin(each, connectTimeoutMs)));
  } catch (thrown) {
    for (const each of owned) each.disconnect();
    throw persistenceFailed('connection', 'connect', thrown);
  }
  return new RedisConnection(client, reader, keyPrefix, owned);
}

/**
 * `client.connect()`, bounded: a Sentinel client keeps asking the sentinels and `connect()` waits for it. A single
 * node's `connect()` rejects at the first failure with only "Connection is closed."; the reason (refused, WRONGPASS, a
 * certificate error...) came just before as an 'error' event, so that is what the rejection reports then.
 */
async function connectWithin(client: RedisClient, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const lastError: { error?: unknown } = {};
  const remember = (error: unknown): void => {
    lastError.error = error;
  };
  client.on('error', remember);
  try {
    await Promise.race([
      client.connect().catch((thrown: unknown) => {
        const uninformative = (thrown as { message?: unknown } | null)?.message === 'Connection is closed.';
        throw uninformative && lastError.error !== undefined ? lastError.error : thrown;
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const reason = lastError.error instanceof Error ? `: ${lastError.error.message}` : '';
          reject(new Error(`not connected after ${timeoutMs} ms${reason}`));
        }, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    client.off('error', remember);
  }
  // ioredis emits 'error' for every failed reconnect; without a listener Node would print each as unhandled.
  client.on('error', ignoreReconnectErrors);
}

function ignoreReconnectErrors(): void {
  // Failures reach callers through the commands that fail (PERSISTENCE_FAILED); the event is only a duplicate.
}
