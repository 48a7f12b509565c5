import { randomUUID } from 'node:crypto';
import { msgpackCodec } from '../../codec/msgpack-codec.js';
import type { InboxClaim, InboxStore } from '../inbox-store.js';
import { isStoredResult, type StoredResult } from '../stored-result.js';
import type { RedisConnection } from './redis-connection.js';
import { defineScript, type ScriptCommand } from './redis-scripts.js';
import { decodeRecord, encodeRecord, ttl } from './redis-values.js';

/** Options of {@link RedisInboxStore}. */
export interface RedisInboxStoreOptions {
  /** The store's key segment: keys are `<keyPrefix>:<store>:<message id>` (default `inbox`). */
  readonly store?: string;
}

// The state of the entry at KEYS[1], or an error text for a key this store did not write (another type, or a hash
// without a known state): refusing it beats overwriting or misreading someone else's data.
const STATE_OF = `
local function state_of(key)
  local kind = redis.call('TYPE', key).ok
  if kind == 'none' then return false, nil end
  if kind == 'hash' then
    local state = redis.call('HGET', key, 'state')
    if state == 'locked' or state == 'processed' then return state, nil end
  end
  return false, 'not an inbox entry: "' .. key .. '" holds a ' .. kind .. ' this store did not write'
end
local state, problem = state_of(KEYS[1])
if problem then return redis.error_reply(problem) end
`;

// ARGV: token, lockTtlMs. expiresAt comes from the server's clock (TIME), so processes with skewed clocks agree.
const TRY_LOCK_LUA = `${STATE_OF}
if state == 'processed' then return {'processed', redis.call('HGET', KEYS[1], 'result')} end
if state == 'locked' then return {'busy', tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))} end
local now = redis.call('TIME')
local expiresAt = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'state', 'locked', 'token', ARGV[1], 'expiresAt', string.format('%.0f', expiresAt))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {'locked', expiresAt}`;

// ARGV: encoded result, ttlMs. Someone else's lock does not stop it (as MemoryInboxStore): the work was done.
const MARK_PROCESSED_LUA = `${STATE_OF}
if state == 'processed' then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'state', 'processed', 'result', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

// ARGV: token.
const RELEASE_LUA = `${STATE_OF}
if state == 'locked' and redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

// Versioned: a client shared with another Catga version keeps each version's scripts under their own names.
const TRY_LOCK = 'catgaInboxTryLockV1';
const MARK_PROCESSED = 'catgaInboxMarkProcessedV1';
const RELEASE = 'catgaInboxReleaseV1';

/**
 * An {@link InboxStore} in Redis, shared by every process using the same `keyPrefix`. One hash per message id,
 * `<keyPrefix>:inbox:<id>`:
 *
 * - locked: `state=locked`, `token`, `expiresAt` (ms, by the Redis server's clock), expiring after `lockTtlMs`;
 * - processed: `state=processed`, `result` (the MessagePack {@link StoredResult}), expiring after `ttlMs`.
 *
 * Every method is one script (EVALSHA, one round trip), so locking, storing and releasing are atomic. A lock whose
 * holder died expires with its key. A key holding anything else, or a result that does not decode to a
 * `StoredResult` free of `__proto__`/`constructor`/`prototype` keys, rejects with `PERSISTENCE_FAILED`.
 */
export class RedisInboxStore implements InboxStore {
  private readonly connection: RedisConnection;
  private readonly store: string;
  private readonly codec = msgpackCodec();
  private readonly tryLockScript: ScriptCommand;
  private readonly markProcessedScript: ScriptCommand;
  private readonly releaseScript: ScriptCommand;

  constructor(connection: RedisConnection, options: RedisInboxStoreOptions = {}) {
    this.connection = connection;
    this.store = options.store ?? 'inbox';
    const { client } = connection;
    // The Buffer variant: a processed entry's result is binary and must not go through UTF-8.
    this.tryLockScript = defineScript(client, TRY_LOCK, 1, TRY_LOCK_LUA, true);
    this.markProcessedScript = defineScript(client, MARK_PROCESSED, 1, MARK_PROCESSED_LUA);
    this.releaseScript = defineScript(client, RELEASE, 1, RELEASE_LUA);
  }

  async tryLock(id: string, lockTtlMs: number): Promise<InboxClaim> {
    const key = this.connection.key(this.store, id);
    return this.connection.run(this.store, 'tryLock', async () => {
      const token = randomUUID();
      const reply = await this.tryLockScript(key, token, ttl(lockTtlMs));
      return this.claim(reply, key, token);
    });
  }

  async markProcessed(id: string, _token: string, result: StoredResult, ttlMs: number): Promise<boolean> {
    const key = this.connection.key(this.store, id);
    return this.connection.run(this.store, 'markProcessed', async () => {
      const encoded = encodeRecord(this.codec, result, `the inbox result at "${key}"`, 'tryLock');
      return (await this.markProcessedScript(key, encoded, ttl(ttlMs))) === 1;
    });
  }

  async release(id: string, token: string): Promise<boolean> {
    const key = this.connection.key(this.store, id);
    return this.connection.run(this.store, 'release', async () => (await this.releaseScript(key, token)) === 1);
  }

  /** The claim a `tryLock` reply stands for; throws, naming the key, for a reply or result it cannot vouch for. */
  private claim(reply: unknown, key: string, token: string): InboxClaim {
    if (Array.isArray(reply) && reply.length === 2 && Buffer.isBuffer(reply[0])) {
      const [state, payload] = reply as [Buffer, unknown];
      switch (state.toString()) {
        case 'locked':
          if (typeof payload === 'number') return { state: 'locked', token, expiresAt: payload };
          break;
        case 'busy':
          if (typeof payload === 'number' && Number.isFinite(payload)) return { state: 'busy', expiresAt: payload };
          break;
        case 'processed':
          if (Buffer.isBuffer(payload)) return { state: 'processed', result: this.readResult(payload, key) };
          break;
      }
    }
    throw new Error(`"${key}" does not hold a readable inbox entry`);
  }

  private readResult(bytes: Buffer, key: string): StoredResult {
    const decoded = decodeRecord(this.codec, bytes, key, 'an inbox result');
    if (!isStoredResult(decoded)) throw new Error(`"${key}" holds an inbox result that is not a stored result`);
    return decoded;
  }
}
