import { randomUUID } from 'node:crypto';
import type { DistributedLock, LockHandle } from '../distributed-lock.js';
import type { RedisConnection } from './redis-connection.js';
import { defineScript, type ScriptCommand } from './redis-scripts.js';
import { ttl } from './redis-values.js';

/** Options of {@link RedisDistributedLock}. */
export interface RedisDistributedLockOptions {
  /** The store's key segment: keys are `<keyPrefix>:<store>:{<name>}` (default `lock`). */
  readonly store?: string;
}

// KEYS: lock, fence. ARGV: token, ttlMs. The fence counter never expires, so a fencing token is never reused; the
// expiry comes from the server's clock (TIME), so processes with skewed clocks agree on it.
const ACQUIRE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return nil end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local now = redis.call('TIME')
return {fence, tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + tonumber(ARGV[2])}`;

// KEYS: lock. ARGV: token, ttlMs. Resolves the new expiry, or nil when the lock is no longer the caller's.
const EXTEND_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return nil end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local now = redis.call('TIME')
return tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) + tonumber(ARGV[2])`;

// KEYS: lock. ARGV: token.
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

// Versioned: a client shared with another Catga version keeps each version's scripts under their own names.
const ACQUIRE = 'catgaLockAcquireV1';
const EXTEND = 'catgaLockExtendV1';
const RELEASE = 'catgaLockReleaseV1';

/**
 * A {@link DistributedLock} in Redis, shared by every process using the same `keyPrefix`. Two keys per lock name:
 *
 * - `<keyPrefix>:lock:{<name>}`: the holder's random token, expiring with the lease (`PX ttlMs`);
 * - `<keyPrefix>:lock:{<name>}:fence`: the fencing counter, incremented by every acquisition; it never expires.
 *
 * Every method is one script (EVALSHA, one round trip). `extend` and `release` act only while the key still holds
 * the caller's token, so a holder whose lease ran out cannot touch the next holder's lock. Lease ends are by the
 * Redis server's clock. A lock on one Redis primary is lost with that primary if it fails before replicating the
 * write; the fencing token is what protects the resource then (see {@link LockHandle.fencingToken}).
 */
export class RedisDistributedLock implements DistributedLock {
  private readonly connection: RedisConnection;
  private readonly store: string;
  private readonly acquireScript: ScriptCommand;
  private readonly extendScript: ScriptCommand;
  private readonly releaseScript: ScriptCommand;

  constructor(connection: RedisConnection, options: RedisDistributedLockOptions = {}) {
    this.connection = connection;
    this.store = options.store ?? 'lock';
    this.acquireScript = defineScript(connection.client, ACQUIRE, 2, ACQUIRE_LUA);
    this.extendScript = defineScript(connection.client, EXTEND, 1, EXTEND_LUA);
    this.releaseScript = defineScript(connection.client, RELEASE, 1, RELEASE_LUA);
  }

  async tryAcquire(name: string, ttlMs: number): Promise<LockHandle | undefined> {
    return this.connection.run(this.store, 'tryAcquire', async () => {
      const key = this.lockKey(name);
      const token = randomUUID();
      const reply = await this.acquireScript(key, `${key}:fence`, token, ttl(ttlMs));
      if (reply === null) return undefined;
      if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
        throw new Error(`unexpected reply while acquiring "${key}"`);
      }
      return { name, token, fencingToken: reply[0], expiresAt: reply[1] };
    });
  }

  async extend(handle: LockHandle, ttlMs: number): Promise<LockHandle | undefined> {
    return this.connection.run(this.store, 'extend', async () => {
      const expiresAt = await this.extendScript(this.lockKey(handle.name), handle.token, ttl(ttlMs));
      return typeof expiresAt === 'number' ? { ...handle, expiresAt } : undefined;
    });
  }

  async release(handle: LockHandle): Promise<boolean> {
    return this.connection.run(this.store, 'release', async () => (await this.releaseScript(this.lockKey(handle.name), handle.token)) === 1);
  }

  /**
   * `<keyPrefix>:<store>:{<name>}`. The hash tag is the lock's own name, not the store's: a script touches only one
   * lock's two keys (the lock and `<key>:fence`, same tag, same Cluster slot), so locks spread over the whole
   * Cluster instead of crowding one slot as `taggedKey` would. (An empty name gives `{}`, which Cluster ignores as a
   * tag: such a lock's two keys land in different slots and its scripts fail with CROSSSLOT there.)
   */
  private lockKey(name: string): string {
    return `${this.connection.keyPrefix}:${this.store}:{${name}}`;
  }
}
