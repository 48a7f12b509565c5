import { Cluster } from 'ioredis';
import type { CatgaLogger } from '../../behaviors/logger.js';
import { FAIL_AFTER_MS, HEARTBEAT_MS, heartbeatTiming, LOGGER } from '../../cluster/cluster-checks.js';
import { type ClusterMembership, isNodeId, type MembershipChange, newNodeId, NODE_ID } from '../../cluster/cluster-membership.js';
import { MemberTable } from '../../cluster/member-table.js';
import { checkOptions, type OptionCheck } from '../../core/option-checks.js';
import type { RedisClient, RedisConnection } from './redis-connection.js';
import { checkStoreName, defineScript, LUA_SERVER_NOW, type ScriptCommand } from './redis-scripts.js';
import { ttl } from './redis-values.js';

/** Options of {@link RedisMembership}. */
export interface RedisMembershipOptions {
  /** Name of the cluster: nodes with the same key prefix and name see each other (default `default`). */
  readonly cluster?: string;
  /** This node's id (default: host name and random digits). Must be unique among the live members. */
  readonly nodeId?: string;
  /** How often this node renews its entry and reads the others', in ms (default 1,000). */
  readonly heartbeatMs?: number;
  /** An entry not renewed for this long is removed, in ms by the Redis server's clock (default 3 × `heartbeatMs`). */
  readonly failAfterMs?: number;
  /** The store's key segment: the key is `<keyPrefix>:<store>:<cluster>` (default `cluster`). */
  readonly store?: string;
  readonly logger?: CatgaLogger;
}

const CHECKS: Readonly<Record<keyof RedisMembershipOptions, OptionCheck>> = {
  cluster: NODE_ID,
  nodeId: NODE_ID,
  heartbeatMs: HEARTBEAT_MS,
  failAfterMs: FAIL_AFTER_MS,
  store: checkStoreName,
  logger: LOGGER,
};

// KEYS: the members' sorted set. ARGV: node id ('' only reads), failAfterMs, key TTL in ms. Scores are the server's
// clock (TIME) so members with skewed clocks agree on who is stale; whoever beats removes the stale entries.
const BEAT_LUA = `${LUA_SERVER_NOW}
if ARGV[1] ~= '' then redis.call('ZADD', KEYS[1], now, ARGV[1]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. int(now - tonumber(ARGV[2])))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('ZRANGE', KEYS[1], 0, -1)`;
// Versioned: a client shared with another Catga version keeps each version's script under its own name.
const BEAT = 'catgaMembershipBeatV1';

/**
 * A {@link ClusterMembership} in Redis: one sorted set per cluster, `<keyPrefix>:cluster:<cluster>`, member = node id,
 * score = when it last renewed, by the Redis server's clock. Every `heartbeatMs` each node renews its entry, removes
 * the entries older than `failAfterMs` and reads the rest (one script, one round trip): a crashed node is gone at the
 * first renewal by anyone after its `failAfterMs`. The key expires after 2 × `failAfterMs` with nobody renewing.
 *
 * Joins and leaves are also announced on the channel `<key>:changes`, which every member listens to on a second
 * connection (a duplicate of the client), so the others see them at once instead of at their next renewal; should
 * that connection fail, renewals alone keep the view current within `heartbeatMs`.
 *
 * While Redis is unreachable, the last view is kept (and a warning logged); since nobody can renew, nobody is dropped.
 */
export class RedisMembership implements ClusterMembership {
  /** This node's id. */
  readonly nodeId: string;
  /** The cluster's name. */
  readonly cluster: string;
  /** How often this node announces itself, in ms (defaults applied). */
  readonly heartbeatMs: number;
  /** After how long without news a member is dropped, in ms (defaults applied). */
  readonly failAfterMs: number;
  private readonly connection: RedisConnection;
  private readonly store: string;
  private readonly key: string;
  private readonly channel: string;
  private readonly logger: CatgaLogger | undefined;
  private readonly table: MemberTable;
  private readonly beatScript: ScriptCommand;
  private timer: NodeJS.Timeout | undefined;
  private subscriber: RedisClient | undefined;
  private polling: Promise<void> | undefined;
  private pollAgain = false;
  private started = false;
  private failing = false;

  constructor(connection: RedisConnection, options: RedisMembershipOptions = {}) {
    checkOptions(options, 'redisMembership', CHECKS);
    const timing = heartbeatTiming(options.heartbeatMs, options.failAfterMs, 'redisMembership');
    this.connection = connection;
    this.nodeId = options.nodeId ?? newNodeId();
    this.cluster = options.cluster ?? 'default';
    this.heartbeatMs = timing.heartbeatMs;
    this.failAfterMs = timing.failAfterMs;
    this.store = options.store ?? 'cluster';
    this.key = connection.key(this.store, this.cluster);
    this.channel = `${this.key}:changes`;
    this.logger = options.logger;
    this.table = new MemberTable(options.logger, this.cluster);
    this.beatScript = defineScript(connection.client, BEAT, 1, BEAT_LUA);
  }

  /** Adds this node's entry and reads the members; rejects with `PERSISTENCE_FAILED` when Redis cannot be reached. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      this.apply(await this.beat());
    } catch (thrown) {
      this.started = false;
      throw thrown;
    }
    await this.listen();
    await this.announce();
    this.timer = setInterval(() => void this.poll(), this.heartbeatMs);
    this.timer.unref();
  }

  members(): readonly string[] {
    return this.table.list();
  }

  onChange(listener: (change: MembershipChange) => void): () => void {
    return this.table.onChange(listener);
  }

  /** Removes this node's entry and tells the others. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    clearInterval(this.timer);
    await this.polling;
    try {
      await this.connection.run(this.store, 'leave', () => this.connection.client.zrem(this.key, this.nodeId));
      await this.announce();
    } catch (thrown) {
      this.logger?.warn({ err: thrown, cluster: this.cluster }, 'catga: could not remove this node from the cluster; the others drop it after failAfterMs');
    }
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    subscriber?.disconnect();
    this.table.clear();
  }

  private beat(): Promise<readonly string[]> {
    return this.connection.run(this.store, 'beat', async () => {
      const reply = await this.beatScript(this.key, this.nodeId, this.failAfterMs, ttl(2 * this.failAfterMs));
      if (!Array.isArray(reply)) throw new Error(`unexpected reply while renewing "${this.key}"`);
      return reply.filter(isNodeId);
    });
  }

  private apply(members: readonly string[]): void {
    // This node counts itself in while started, even if a slow renewal let its entry expire for a moment.
    this.table.replace([...members, this.nodeId], performance.now());
  }

  /** One renewal at a time; a request during one runs once more right after it. */
  private poll(): Promise<void> {
    if (this.polling !== undefined) {
      this.pollAgain = true;
      return this.polling;
    }
    this.polling = (async () => {
      do {
        this.pollAgain = false;
        try {
          const members = await this.beat();
          if (!this.started) return;
          this.apply(members);
          if (this.failing) this.logger?.info({ cluster: this.cluster }, 'catga: cluster membership renewals work again');
          this.failing = false;
        } catch (thrown) {
          if (!this.failing) this.logger?.warn({ err: thrown, cluster: this.cluster }, 'catga: cannot renew cluster membership; keeping the last known members');
          this.failing = true;
        }
      } while (this.pollAgain && this.started);
    })().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  /** Tells the other members to renew now (they then see this node's join or leave at once). Best effort. */
  private async announce(): Promise<void> {
    try {
      await this.connection.client.publish(this.channel, this.nodeId);
    } catch (thrown) {
      this.logger?.debug({ err: thrown, cluster: this.cluster }, 'catga: could not announce a membership change; the others see it at their next renewal');
    }
  }

  /** Subscribes to join/leave announcements on a second connection. Best effort: renewals work without it. */
  private async listen(): Promise<void> {
    const client = this.connection.client;
    // A subscribed connection serves nothing else: a second one, with the same settings.
    const subscriber: RedisClient = client instanceof Cluster ? client.duplicate() : client.duplicate();
    subscriber.on('error', () => undefined); // a lost subscriber only delays updates until the next renewal
    subscriber.on('message', (_channel: string, nodeId: string) => {
      if (this.started && nodeId !== this.nodeId) void this.poll();
    });
    try {
      await ready(subscriber, 5_000);
      await subscriber.subscribe(this.channel);
      this.subscriber = subscriber;
    } catch (thrown) {
      subscriber.disconnect();
      this.logger?.warn({ err: thrown, cluster: this.cluster }, 'catga: cannot listen for membership announcements; changes show at the next renewal');
    }
  }
}

/** Connects a lazy client, or waits for a connecting one to be ready (its commands fail before, with no offline queue). */
async function ready(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'wait') {
    await client.connect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve);
      timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
    });
  } finally {
    clearTimeout(timer);
  }
}
