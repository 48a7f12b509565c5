import { randomUUID } from 'node:crypto';
import { msgpackCodec } from '../../codec/msgpack-codec.js';
import { describeValue } from '../../core/configuration-error.js';
import type { NewOutboxEntry, OutboxCounts, OutboxEntry, OutboxFailure, OutboxFailureOutcome, OutboxLease, OutboxStore } from '../outbox-store.js';
import type { RedisConnection } from './redis-connection.js';
import { checkStoreName, defineScripts, LUA_SERVER_NOW } from './redis-scripts.js';
import { argumentChecks, decodeData, encodeData } from './redis-values.js';

/** Options of {@link RedisOutboxStore}. */
export interface RedisOutboxStoreOptions {
  /**
   * The store's key segment (default `outbox`): keys are `{<keyPrefix>:<name>}:...`. Give two outboxes sharing one
   * key prefix different names. Must not contain braces or spaces.
   */
  readonly name?: string;
}

/*
 * Every script reads the time from the Redis server (`TIME`), never from the caller: processes sharing the outbox
 * may have skewed clocks, and a lease must mean the same instant to all of them. Numbers are written with `%d`
 * because Lua would print a large double in exponent notation.
 *
 * ZSET members are `<seq>:<id>`, `seq` being the 16-digit append sequence: entries due in the same millisecond then
 * sort in append order (as the memory store does) instead of by id.
 */
const PRELUDE = LUA_SERVER_NOW;

/** KEYS: pending, seq. ARGV: entry key prefix, then id, messageType, message (msgpack) for each entry. */
const APPEND = `${PRELUDE}
local added = 0
for i = 2, #ARGV, 3 do
  local id = ARGV[i]
  local key = ARGV[1] .. id
  if redis.call('EXISTS', key) == 0 then
    local seq = string.format('%016d', redis.call('INCR', KEYS[2]))
    redis.call('HSET', key, 'messageType', ARGV[i + 1], 'message', ARGV[i + 2], 'createdAt', int(now), 'attempts', '0', 'state', 'pending', 'seq', seq)
    redis.call('ZADD', KEYS[1], int(now), seq .. ':' .. id)
    added = added + 1
  end
end
return added
`;

/**
 * KEYS: pending, leased. ARGV: entry key prefix, limit, leaseMs, owner, token.
 * Returns { expiresAt, then id, messageType, message, createdAt, attempts, lastError (nil when none) per entry }.
 */
const CLAIM = `${PRELUDE}
local limit = tonumber(ARGV[2])
local expiresAt = now + tonumber(ARGV[3])
local result = { expiresAt }
if limit <= 0 then return result end
local pending = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', int(now), 'WITHSCORES', 'LIMIT', 0, limit)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', int(now), 'WITHSCORES', 'LIMIT', 0, limit)
local i, j, taken = 1, 1, 0
-- Merge the two lists, oldest due first (equal due times: append order, which the member's seq prefix gives).
while taken < limit and (i <= #pending or j <= #expired) do
  local member, from
  local takePending = j > #expired
  if not takePending and i <= #pending then
    local a, b = tonumber(pending[i + 1]), tonumber(expired[j + 1])
    takePending = a < b or (a == b and pending[i] < expired[j])
  end
  if takePending then
    member, from = pending[i], KEYS[1]
    i = i + 2
  else
    member, from = expired[j], KEYS[2]
    j = j + 2
  end
  local id = string.sub(member, 18)
  local key = ARGV[1] .. id
  redis.call('ZREM', from, member)
  local f = redis.call('HMGET', key, 'messageType', 'message', 'createdAt', 'attempts', 'lastError')
  -- A member without its hash would be an inconsistency (a hand-deleted key): dropping the member heals it.
  if f[1] then
    local attempts = tonumber(f[4]) + 1
    redis.call('HSET', key, 'attempts', int(attempts), 'state', 'leased', 'owner', ARGV[4], 'token', ARGV[5], 'leaseExpiresAt', int(expiresAt))
    redis.call('ZADD', KEYS[2], int(expiresAt), member)
    local n = #result
    result[n + 1] = id
    result[n + 2] = f[1]
    result[n + 3] = f[2]
    result[n + 4] = f[3]
    result[n + 5] = attempts
    result[n + 6] = f[5]
    taken = taken + 1
  end
end
return result
`;

/** KEYS: entry, leased, published. ARGV: token, retentionMs, id. Returns 1, or 0 when the lease was lost. */
const MARK_PUBLISHED = `
local f = redis.call('HMGET', KEYS[1], 'state', 'token', 'seq')
if f[1] ~= 'leased' or f[2] ~= ARGV[1] then return 0 end
${PRELUDE}
local removeAt = now + tonumber(ARGV[2])
local member = f[3] .. ':' .. ARGV[3]
redis.call('HSET', KEYS[1], 'state', 'published', 'removeAt', int(removeAt))
redis.call('HDEL', KEYS[1], 'token', 'leaseExpiresAt')
redis.call('ZREM', KEYS[2], member)
redis.call('ZADD', KEYS[3], int(removeAt), member)
return 1
`;

/**
 * KEYS: entry, leased, pending, dead. ARGV: token, error, retryDelayMs, maxAttempts, retentionMs, id.
 * Returns 'retry', 'dead' or 'lost'.
 */
const MARK_FAILED = `
local f = redis.call('HMGET', KEYS[1], 'state', 'token', 'seq', 'attempts')
if f[1] ~= 'leased' or f[2] ~= ARGV[1] then return 'lost' end
${PRELUDE}
local member = f[3] .. ':' .. ARGV[6]
redis.call('ZREM', KEYS[2], member)
redis.call('HDEL', KEYS[1], 'token', 'leaseExpiresAt')
if tonumber(f[4]) >= tonumber(ARGV[4]) then
  local removeAt = now + tonumber(ARGV[5])
  redis.call('HSET', KEYS[1], 'state', 'dead', 'lastError', ARGV[2], 'removeAt', int(removeAt))
  redis.call('ZADD', KEYS[4], int(removeAt), member)
  return 'dead'
end
local dueAt = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'state', 'pending', 'lastError', ARGV[2])
redis.call('HDEL', KEYS[1], 'owner')
redis.call('ZADD', KEYS[3], int(dueAt), member)
return 'retry'
`;

/** KEYS: published, dead. ARGV: entry key prefix, limit. Returns how many entries it removed. */
const CLEANUP = `${PRELUDE}
local limit = tonumber(ARGV[2])
local removed = 0
for _, set in ipairs({ KEYS[1], KEYS[2] }) do
  if removed >= limit then break end
  local members = redis.call('ZRANGEBYSCORE', set, '-inf', int(now), 'LIMIT', 0, limit - removed)
  for _, member in ipairs(members) do
    redis.call('DEL', ARGV[1] .. string.sub(member, 18))
    redis.call('ZREM', set, member)
    removed = removed + 1
  end
end
return removed
`;

// Names are global to a client (shared by every store on it); the version suffix keeps a later, different script
// from being mistaken for this one.
const COMMANDS = {
  append: { name: 'catgaOutboxAppendV1', numberOfKeys: 2, lua: APPEND },
  claim: { name: 'catgaOutboxClaimV1', numberOfKeys: 2, lua: CLAIM },
  markPublished: { name: 'catgaOutboxMarkPublishedV1', numberOfKeys: 3, lua: MARK_PUBLISHED },
  markFailed: { name: 'catgaOutboxMarkFailedV1', numberOfKeys: 4, lua: MARK_FAILED },
  cleanup: { name: 'catgaOutboxCleanupV1', numberOfKeys: 2, lua: CLEANUP },
} as const;

type ScriptArg = string | Buffer;
type ClaimReply = readonly (Buffer | number | null)[];

/** The commands `defineCommand` adds to the client (ioredis cannot type them). */
interface OutboxScripts {
  catgaOutboxAppendV1(...args: ScriptArg[]): Promise<number>;
  catgaOutboxClaimV1Buffer(...args: ScriptArg[]): Promise<ClaimReply>;
  catgaOutboxMarkPublishedV1(...args: ScriptArg[]): Promise<number>;
  catgaOutboxMarkFailedV1(...args: ScriptArg[]): Promise<string>;
  catgaOutboxCleanupV1(...args: ScriptArg[]): Promise<number>;
}

/** Values the entry fields of a claim reply come in, per entry. */
const CLAIM_FIELDS = 6;

const { invalid, count: checkCount, wholeMs } = argumentChecks('Redis outbox');

/**
 * An {@link OutboxStore} in Redis, shared by every processor connected to it.
 *
 * Key layout (`<p>` is the connection's key prefix, `<name>` the store name, default `outbox`); every key carries the
 * hash tag `{<p>:<name>}`, so on Redis Cluster they all live in one slot and the scripts may touch several at once:
 * - `{<p>:<name>}:entry:<id>`: HASH of one entry: `messageType`, `message` (msgpack), `createdAt`, `attempts`,
 *   `lastError`, `state` (`pending`, `leased`, `published`, `dead`), `owner`, `token`, `leaseExpiresAt`, `removeAt`,
 *   and `seq` (its append sequence number, 16 digits).
 * - `{<p>:<name>}:pending`: ZSET of the pending entries, scored by due time.
 * - `{<p>:<name>}:leased`: ZSET of the leased entries, scored by lease expiry.
 * - `{<p>:<name>}:published` and `{<p>:<name>}:dead`: ZSETs of the finished entries, scored by removal time.
 * - `{<p>:<name>}:seq`: the append sequence counter.
 *
 * ZSET members are `<seq>:<id>`, so entries due in the same millisecond are claimed in append order. All times are
 * the Redis server's clock (ms since the Unix epoch), read inside the scripts.
 *
 * What is atomic with what: each method is one Lua script (or one `MULTI` for `counts`), so it sees and leaves the
 * entry hash and the sets consistent with each other: `append` is atomic for the whole batch, `claim` for every entry
 * it leases, `cleanup` for every entry it removes. Nothing spans the outbox and the caller's business data, and
 * nothing spans two calls (a processor that crashes between `claim` and `markPublished` leaves its entries leased
 * until the lease expires, then another processor claims them: at-least-once publishing). Redis does not roll back
 * a script that fails half way; the scripts only fail on inputs this class checks before sending them, or when the
 * server itself breaks (out of memory while writing).
 *
 * Round trips: one per call (`EVALSHA`; the first call of each script on a connection sends `EVAL`), two for
 * `counts`. Every Redis failure rejects with a retryable `PERSISTENCE_FAILED` `CatgaError`, and so does a stored
 * message that does not decode to an object free of `__proto__`/`constructor`/`prototype` keys. Bad arguments reject
 * with `VALIDATION_FAILED`, and messages the codec cannot encode or that hold such keys with `SERIALIZATION_FAILED`
 * (neither retryable), before anything is sent. Time arguments (`leaseMs`, `retentionMs`, `retryDelayMs`) are
 * rounded up to whole milliseconds.
 *
 * @example
 * const redis = await connectRedis({ url: 'redis://127.0.0.1:6379', keyPrefix: 'shop' });
 * const outbox = new RedisOutboxStore(redis);
 */
export class RedisOutboxStore implements OutboxStore {
  private readonly connection: RedisConnection;
  private readonly name: string;
  private readonly scripts: OutboxScripts;
  private readonly codec = msgpackCodec();
  private readonly entryPrefix: string;
  private readonly pendingKey: string;
  private readonly leasedKey: string;
  private readonly publishedKey: string;
  private readonly deadKey: string;
  private readonly seqKey: string;

  /**
   * @param connection from `connectRedis`; the store uses its clients and does not close them
   * @param options the store name (default `outbox`)
   */
  constructor(connection: RedisConnection, options: RedisOutboxStoreOptions = {}) {
    const name = options.name ?? 'outbox';
    checkStoreName(name, 'redis.outbox.name');
    this.connection = connection;
    this.name = name;
    this.scripts = defineScripts<OutboxScripts>(connection.client, COMMANDS);
    this.entryPrefix = connection.taggedKey(name, 'entry:');
    this.pendingKey = connection.taggedKey(name, 'pending');
    this.leasedKey = connection.taggedKey(name, 'leased');
    this.publishedKey = connection.taggedKey(name, 'published');
    this.deadKey = connection.taggedKey(name, 'dead');
    this.seqKey = connection.taggedKey(name, 'seq');
  }

  /** One script for the whole batch: every new entry is added, or (when Redis fails) none; existing ids are kept as they are. */
  async append(entries: readonly NewOutboxEntry[]): Promise<void> {
    if (!Array.isArray(entries)) throw invalid('entries', 'expected an array of outbox entries');
    const args: ScriptArg[] = [this.pendingKey, this.seqKey, this.entryPrefix];
    for (const entry of entries) {
      checkString(entry.id, 'entry.id');
      checkString(entry.messageType, 'entry.messageType');
      args.push(entry.id, entry.messageType, this.encodeMessage(entry));
    }
    if (entries.length === 0) return;
    await this.connection.run(this.name, 'append', () => this.scripts.catgaOutboxAppendV1(...args));
  }

  /**
   * One script: takes the due pending entries and the entries whose lease expired, oldest due first, and leases them
   * to `owner` under one new token. Concurrent claims are serialised by Redis, so an entry is never in two leases
   * that both hold. `expiresAt` is the server's time plus `leaseMs`. A stored message that does not decode (written by
   * something else) comes back with an empty `message` and `unreadable` saying why, so the processor dead-letters it
   * instead of the whole outbox stalling on it.
   */
  async claim(owner: string, limit: number, leaseMs: number): Promise<OutboxLease> {
    checkString(owner, 'owner');
    checkCount(limit, 'limit');
    const lease = wholeMs(leaseMs, 'leaseMs');
    const token = randomUUID();
    const reply = await this.connection.run(this.name, 'claim', async () => {
      const raw = await this.scripts.catgaOutboxClaimV1Buffer(this.pendingKey, this.leasedKey, this.entryPrefix, String(limit), String(lease), owner, token);
      return this.parseClaim(raw);
    });
    return { owner, token, ...reply };
  }

  /** One script: checks the lease (state `leased`, same token) and moves the entry to `published`. */
  async markPublished(id: string, token: string, retentionMs: number): Promise<boolean> {
    checkString(id, 'id');
    checkString(token, 'token');
    const retention = wholeMs(retentionMs, 'retentionMs');
    const done = await this.connection.run(this.name, 'markPublished', () =>
      this.scripts.catgaOutboxMarkPublishedV1(this.entryKey(id), this.leasedKey, this.publishedKey, token, String(retention), id),
    );
    return done === 1;
  }

  /** One script: checks the lease, records `lastError`, and moves the entry back to `pending` (due later) or to `dead`. */
  async markFailed(id: string, token: string, failure: OutboxFailure): Promise<OutboxFailureOutcome> {
    checkString(id, 'id');
    checkString(token, 'token');
    checkString(failure.error, 'failure.error');
    const retryDelay = wholeMs(failure.retryDelayMs, 'failure.retryDelayMs');
    const retention = wholeMs(failure.retentionMs, 'failure.retentionMs');
    if (typeof failure.maxAttempts !== 'number' || Number.isNaN(failure.maxAttempts)) {
      throw invalid('failure.maxAttempts', `expected a number, got ${describeValue(failure.maxAttempts)}`);
    }
    // Lua reads the number back with tonumber(): keep it finite (an infinite limit means "never dead").
    const maxAttempts = String(Math.max(Math.min(failure.maxAttempts, Number.MAX_SAFE_INTEGER), -Number.MAX_SAFE_INTEGER));
    const outcome = await this.connection.run(this.name, 'markFailed', async () => {
      const reply = await this.scripts.catgaOutboxMarkFailedV1(
        this.entryKey(id),
        this.leasedKey,
        this.pendingKey,
        this.deadKey,
        token,
        failure.error,
        String(retryDelay),
        maxAttempts,
        String(retention),
        id,
      );
      if (reply !== 'retry' && reply !== 'dead' && reply !== 'lost') throw new Error(`unexpected reply ${describeValue(reply)}`);
      return reply;
    });
    return outcome;
  }

  /**
   * One script: deletes up to `limit` published and dead entries whose retention has passed (their hash and set
   * member together); resolves how many it removed. The limit bounds how long the script blocks Redis.
   */
  async cleanup(limit = 1000): Promise<number> {
    checkCount(limit, 'limit');
    if (limit === 0) return 0;
    return this.connection.run(this.name, 'cleanup', () => this.scripts.catgaOutboxCleanupV1(this.publishedKey, this.deadKey, this.entryPrefix, String(limit)));
  }

  /**
   * Reads through `connection.reader` (a replica when `readFromReplicas`, so it may lag): the reader's `TIME`, then
   * one `MULTI` with the four counts, a consistent snapshot. Published and dead entries whose retention has passed
   * are not counted, as if cleanup had already removed them.
   */
  async counts(): Promise<OutboxCounts> {
    return this.connection.run(this.name, 'counts', async () => {
      const { reader } = this.connection;
      const [seconds, micros] = await reader.time();
      const after = `(${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)}`;
      const replies = await reader
        .multi()
        .zcard(this.pendingKey)
        .zcard(this.leasedKey)
        .zcount(this.publishedKey, after, '+inf')
        .zcount(this.deadKey, after, '+inf')
        .exec();
      if (replies === null) throw new Error('the transaction was aborted');
      const [pending, leased, published, dead] = replies.map(([error, value]) => {
        if (error !== null) throw error;
        if (typeof value !== 'number') throw new Error(`unexpected count ${describeValue(value)}`);
        return value;
      });
      return { pending: pending ?? 0, leased: leased ?? 0, published: published ?? 0, dead: dead ?? 0 };
    });
  }

  private entryKey(id: string): string {
    return this.entryPrefix + id;
  }

  private encodeMessage(entry: NewOutboxEntry): Buffer {
    const { message } = entry;
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      throw invalid('entry.message', `expected the event's fields as an object, got ${describeValue(message)}`);
    }
    // A forbidden key is refused on the way in, since claim would refuse it on the way out (and an entry no claim can
    // read blocks the outbox).
    return encodeData(this.codec, message, `outbox entry ${entry.id}: the message`, { id: entry.id, messageType: entry.messageType });
  }

  private parseClaim(raw: ClaimReply): { expiresAt: number; entries: OutboxEntry[] } {
    const expiresAt = raw[0];
    if (!Array.isArray(raw) || typeof expiresAt !== 'number' || (raw.length - 1) % CLAIM_FIELDS !== 0) {
      throw new Error('malformed claim reply');
    }
    const entries: OutboxEntry[] = [];
    for (let i = 1; i < raw.length; i += CLAIM_FIELDS) {
      const [id, messageType, message, createdAt, attempts, lastError] = raw.slice(i, i + CLAIM_FIELDS);
      if (!Buffer.isBuffer(id) || !Buffer.isBuffer(messageType) || !Buffer.isBuffer(message) || !Buffer.isBuffer(createdAt) || typeof attempts !== 'number') {
        throw new Error('malformed entry in the claim reply');
      }
      const entryId = id.toString();
      const created = Number(createdAt.toString());
      if (!Number.isSafeInteger(created)) throw new Error(`outbox entry ${entryId}: malformed createdAt`);
      let decoded: Readonly<Record<string, unknown>> = {};
      let unreadable: string | undefined;
      try {
        decoded = this.decodeMessage(entryId, message);
      } catch (thrown) {
        unreadable = thrown instanceof Error ? thrown.message : String(thrown);
      }
      const entry: OutboxEntry = {
        id: entryId,
        messageType: messageType.toString(),
        message: decoded,
        ...(unreadable === undefined ? {} : { unreadable }),
        createdAt: created,
        attempts,
        ...(Buffer.isBuffer(lastError) ? { lastError: lastError.toString() } : {}),
      };
      entries.push(entry);
    }
    return { expiresAt, entries };
  }

  private decodeMessage(id: string, bytes: Buffer): Readonly<Record<string, unknown>> {
    return decodeData(this.codec, bytes, `outbox entry ${id}: the stored message`, true) as Record<string, unknown>;
  }
}

function checkString(value: unknown, field: string): void {
  if (typeof value !== 'string') throw invalid(field, `expected a string, got ${describeValue(value)}`);
}
