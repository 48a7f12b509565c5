import type { DeadLetterEntry, DeadLetterListOptions, DeadLetterStore } from '../../behaviors/dead-letter-store.js';
import { msgpackCodec } from '../../codec/msgpack-codec.js';
import { integerIn } from '../../core/option-checks.js';
import type { RedisConnection } from './redis-connection.js';
import { defineScript, type ScriptCommand } from './redis-scripts.js';
import { decodeRecord, encodeRecord } from './redis-values.js';

/** Options of {@link RedisDeadLetterStore}. */
export interface RedisDeadLetterStoreOptions {
  /** The store's key segment: keys are `{<keyPrefix>:<store>}:...` (default `deadletter`). */
  readonly store?: string;
  /** Most entries kept; past it the oldest are dropped and counted in `dropped()` (default 100,000). */
  readonly maxEntries?: number;
}

// Keys derived inside the scripts (the entries and type indexes of trimmed or removed ids) are not declared in
// KEYS; they share the store's hash tag, so they live in the same Cluster slot as the declared ones.

// KEYS: index, types, dropped, entry, type index. ARGV: id, failedAt, encoded entry, messageType, maxEntries,
// entry key prefix, type key prefix. Trims the oldest past maxEntries, never the entry just added (as the memory
// store, which makes room before adding).
const ADD_LUA = `
local id, typeName = ARGV[1], ARGV[4]
local previous = redis.call('HGET', KEYS[2], id)
if previous and previous ~= typeName then redis.call('ZREM', ARGV[7] .. previous, id) end
redis.call('SET', KEYS[4], ARGV[3])
redis.call('HSET', KEYS[2], id, typeName)
redis.call('ZADD', KEYS[1], ARGV[2], id)
redis.call('ZADD', KEYS[5], ARGV[2], id)
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[5])
if excess <= 0 then return 0 end
local dropped = 0
for _, old in ipairs(redis.call('ZRANGE', KEYS[1], 0, excess)) do
  if dropped == excess then break end
  if old ~= id then
    local oldType = redis.call('HGET', KEYS[2], old)
    if oldType then redis.call('ZREM', ARGV[7] .. oldType, old) end
    redis.call('HDEL', KEYS[2], old)
    redis.call('ZREM', KEYS[1], old)
    redis.call('DEL', ARGV[6] .. old)
    dropped = dropped + 1
  end
end
redis.call('INCRBY', KEYS[3], dropped)
return dropped`;

// KEYS: index, types, entry. ARGV: id, type key prefix.
const REMOVE_LUA = `
local typeName = redis.call('HGET', KEYS[2], ARGV[1])
if typeName then redis.call('ZREM', ARGV[2] .. typeName, ARGV[1]) end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[3])
return redis.call('ZREM', KEYS[1], ARGV[1])`;

// Versioned: a client shared with another Catga version keeps each version's scripts under their own names.
const ADD = 'catgaDeadLetterAddV1';
const REMOVE = 'catgaDeadLetterRemoveV1';

// MGET batch size for `list`: bounded requests and replies however many entries are listed.
const READ_BATCH = 500;

/**
 * A {@link DeadLetterStore} in Redis, shared by every process using the same `keyPrefix`. All keys carry the hash
 * tag `{<keyPrefix>:deadletter}` (one Cluster slot, as the atomic scripts require):
 *
 * - `...:entry:<id>`: the MessagePack entry;
 * - `...:index`: sorted set of every id scored by `failedAt` (equal times order by id, which is time-sortable);
 * - `...:type:<messageType>`: the same for one message type, for `list({ messageType })`;
 * - `...:types`: hash id → message type, so trimming can find an id's type index;
 * - `...:dropped`: how many entries were trimmed to stay within `maxEntries`.
 *
 * Nothing expires: dead letters stay until removed or trimmed. `add` and `remove` are one script each (atomic);
 * `list` and `size` read through `connection.reader`, which may be a replica and a little behind.
 */
export class RedisDeadLetterStore implements DeadLetterStore {
  private readonly connection: RedisConnection;
  private readonly store: string;
  private readonly maxEntries: number;
  private readonly codec = msgpackCodec();
  private readonly addScript: ScriptCommand;
  private readonly removeScript: ScriptCommand;

  constructor(connection: RedisConnection, options: RedisDeadLetterStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    integerIn(1)(maxEntries, 'RedisDeadLetterStore.maxEntries');
    this.connection = connection;
    this.store = options.store ?? 'deadletter';
    this.maxEntries = maxEntries;
    this.addScript = defineScript(connection.client, ADD, 5, ADD_LUA);
    this.removeScript = defineScript(connection.client, REMOVE, 3, REMOVE_LUA);
  }

  async add(entry: DeadLetterEntry): Promise<void> {
    await this.connection.run(this.store, 'add', async () => {
      const key = this.entryKey(entry.id);
      const encoded = encodeRecord(this.codec, entry, `the dead letter at "${key}"`, 'list()');
      await this.addScript(
        this.key('index'),
        this.key('types'),
        this.key('dropped'),
        key,
        this.typeKey(entry.messageType),
        entry.id,
        entry.failedAt,
        encoded,
        entry.messageType,
        this.maxEntries,
        this.key('entry:'),
        this.key('type:'),
      );
    });
  }

  async list(options: DeadLetterListOptions = {}): Promise<readonly DeadLetterEntry[]> {
    return this.connection.run(this.store, 'list', async () => {
      const count = listCount(options.limit);
      if (count === 0) return [];
      const index = options.messageType === undefined ? this.key('index') : this.typeKey(options.messageType);
      const ids = await this.connection.reader.zrange(index, 0, String(count === undefined ? -1 : count - 1));
      const keys = ids.map((id) => this.entryKey(id));
      const batches: Promise<(Buffer | null)[]>[] = [];
      for (let i = 0; i < keys.length; i += READ_BATCH) batches.push(this.connection.reader.mgetBuffer(keys.slice(i, i + READ_BATCH)));
      const values = (await Promise.all(batches)).flat();
      const entries: DeadLetterEntry[] = [];
      values.forEach((value, i) => {
        // Gone between the two reads (removed or trimmed meanwhile): the entry is no longer in the store.
        if (value !== null) entries.push(this.read(value, keys[i]!, ids[i]!));
      });
      return entries;
    });
  }

  async remove(id: string): Promise<boolean> {
    return this.connection.run(this.store, 'remove', async () => {
      const removed = await this.removeScript(this.key('index'), this.key('types'), this.entryKey(id), id, this.key('type:'));
      return removed === 1;
    });
  }

  async size(): Promise<number> {
    return this.connection.run(this.store, 'size', () => this.connection.reader.zcard(this.key('index')));
  }

  /**
   * How many entries were dropped to stay within `maxEntries`, by every process sharing the store, since its keys
   * were made. Watch it (a metric, a health check): a dropped dead letter is a failed message nobody can re-send.
   */
  async dropped(): Promise<number> {
    return this.connection.run(this.store, 'dropped', async () => {
      const count = await this.connection.reader.get(this.key('dropped'));
      return count === null ? 0 : Number(count);
    });
  }

  private key(rest: string): string {
    return this.connection.taggedKey(this.store, rest);
  }

  private entryKey(id: string): string {
    return this.key(`entry:${id}`);
  }

  private typeKey(messageType: string): string {
    return this.key(`type:${messageType}`);
  }

  /** The entry stored at `key`; throws, naming the key, for bytes that are not an entry this store wrote. */
  private read(bytes: Buffer, key: string, id: string): DeadLetterEntry {
    const decoded = decodeRecord(this.codec, bytes, key, 'a dead letter');
    if (!isDeadLetterEntry(decoded) || decoded.id !== id) throw new Error(`"${key}" does not hold a dead letter entry`);
    return decoded;
  }
}

/** How many ids to read for `limit`, as the memory store counts (`undefined`: all). */
function listCount(limit: number | undefined): number | undefined {
  if (limit === undefined || Number.isNaN(limit) || limit === Number.POSITIVE_INFINITY) return undefined;
  return Math.max(0, Math.ceil(limit));
}

/** Whether decoded data has the shape of a {@link DeadLetterEntry}. */
function isDeadLetterEntry(value: unknown): value is DeadLetterEntry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const entry = value as Record<string, unknown>;
  const error = entry['error'] as Record<string, unknown> | null | undefined;
  const message = entry['message'];
  return (
    ['id', 'messageType', 'kind', 'handler', 'messageId', 'correlationId'].every((field) => typeof entry[field] === 'string') &&
    (entry['causationId'] === undefined || typeof entry['causationId'] === 'string') &&
    typeof entry['failedAt'] === 'number' &&
    message !== null &&
    typeof message === 'object' &&
    !Array.isArray(message) &&
    error !== null &&
    typeof error === 'object' &&
    typeof error['code'] === 'string' &&
    typeof error['message'] === 'string'
  );
}
