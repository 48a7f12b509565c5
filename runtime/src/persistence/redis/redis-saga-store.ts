import { msgpackCodec } from '../../codec/msgpack-codec.js';
import { describeValue } from '../../core/configuration-error.js';
import { FINAL_SAGA_STATUSES, type NewSagaRecord, type SagaChanges, type SagaRecord, type SagaStatus, type SagaStore } from '../saga-store.js';
import type { RedisConnection } from './redis-connection.js';
import { checkStoreName, defineScripts, LUA_SERVER_NOW } from './redis-scripts.js';
import { argumentChecks, decodeData, encodeData } from './redis-values.js';

/** Options of {@link RedisSagaStore}. */
export interface RedisSagaStoreOptions {
  /**
   * The store's key segment (default `saga`): keys are `{<keyPrefix>:<name>}:...`. Give two saga stores sharing one
   * key prefix different names. Must not contain braces or spaces.
   */
  readonly name?: string;
}

/** Longest `id`, `type` and `owner`, in characters (as the .NET original). */
export const MAX_SAGA_FIELD_LENGTH = 256;
/** Largest encoded (msgpack) saga state, in bytes: 1 MB. */
export const MAX_SAGA_STATE_BYTES = 1024 * 1024;

// Every status, so TypeScript fails here when SagaStatus gains one.
const STATUSES: Readonly<Record<SagaStatus, true>> = { running: true, compensating: true, completed: true, compensated: true, failed: true };

/*
 * Times come from the Redis server (`TIME`), never from the caller: owners on different machines compare heartbeats
 * on one clock. Numbers are written with `%d` because Lua would print a large double in exponent notation.
 *
 * `active` members are `<seq>:<id>`, `seq` being the 16-digit creation sequence: instances with equal heartbeats are
 * claimed in creation order, as the memory store does.
 */
const PRELUDE = `${LUA_SERVER_NOW}local final = { ${[...FINAL_SAGA_STATUSES].map((status) => `['${status}'] = true`).join(', ')} }
`;

/** KEYS: instance, active, seq. ARGV: id, type, status, owner, state. Returns the heartbeat, or nil when the id exists. */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
${PRELUDE}
local seq = string.format('%016d', redis.call('INCR', KEYS[3]))
redis.call('HSET', KEYS[1], 'type', ARGV[2], 'status', ARGV[3], 'version', '1', 'owner', ARGV[4], 'heartbeatAt', int(now), 'state', ARGV[5], 'seq', seq)
if not final[ARGV[3]] then redis.call('ZADD', KEYS[2], int(now), seq .. ':' .. ARGV[1]) end
return now
`;

/**
 * KEYS: instance, active. ARGV: expectedVersion, id, setStatus, status, setOwner, owner, setState, state ('1' = set).
 * Returns { type, status, version, owner, heartbeatAt, state (nil when this call set it) }, or nil on a conflict.
 */
const UPDATE = `
local f = redis.call('HMGET', KEYS[1], 'type', 'status', 'version', 'owner', 'seq')
if not f[3] or tonumber(f[3]) ~= tonumber(ARGV[1]) then return false end
${PRELUDE}
local version = tonumber(f[3]) + 1
local status = f[2]
if ARGV[3] == '1' then status = ARGV[4] end
local owner = f[4]
if ARGV[5] == '1' then owner = ARGV[6] end
redis.call('HSET', KEYS[1], 'status', status, 'owner', owner, 'version', int(version), 'heartbeatAt', int(now))
local state = false
if ARGV[7] == '1' then
  redis.call('HSET', KEYS[1], 'state', ARGV[8])
else
  state = redis.call('HGET', KEYS[1], 'state')
end
local member = f[5] .. ':' .. ARGV[2]
if final[status] then
  redis.call('ZREM', KEYS[2], member)
else
  redis.call('ZADD', KEYS[2], int(now), member)
end
return { f[1], status, version, owner, now, state }
`;

/** KEYS: instance, active. ARGV: owner, id. Returns 1, or 0 when the instance is gone, owned by another or final. */
const HEARTBEAT = `
local f = redis.call('HMGET', KEYS[1], 'status', 'owner', 'seq')
if not f[1] or f[2] ~= ARGV[1] then return 0 end
${PRELUDE}
if final[f[1]] then return 0 end
redis.call('HSET', KEYS[1], 'heartbeatAt', int(now))
redis.call('ZADD', KEYS[2], int(now), f[3] .. ':' .. ARGV[2])
return 1
`;

/**
 * KEYS: active. ARGV: instance key prefix, owner, staleAfterMs, limit, then the saga types to take (none: any).
 * Returns { now, then id, type, status, version, state per instance taken over }. Looks at 1,000 stale members at
 * most per call, so a set full of other types' instances cannot make one call long.
 */
const CLAIM_STALE = `${PRELUDE}
local result = { now }
local limit = tonumber(ARGV[4])
if limit <= 0 then return result end
local wanted = nil
if #ARGV > 4 then
  wanted = {}
  for i = 5, #ARGV do wanted[ARGV[i]] = true end
end
local maxScore = int(now - tonumber(ARGV[3]))
local taken, skipped, examined = 0, 0, 0
while taken < limit and examined < 1000 do
  -- Claimed and removed members leave the stale range; only skipped ones stay in front of the next page.
  local members = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', maxScore, 'LIMIT', skipped, limit - taken)
  if #members == 0 then break end
  for _, member in ipairs(members) do
    examined = examined + 1
    local id = string.sub(member, 18)
    local key = ARGV[1] .. id
    local f = redis.call('HMGET', key, 'type', 'status', 'version', 'state')
    if not f[1] or final[f[2]] then
      -- Not claimable: a member whose hash is gone, or a final instance, has no business in the set.
      redis.call('ZREM', KEYS[1], member)
    elseif wanted and not wanted[f[1]] then
      skipped = skipped + 1
    else
      local version = tonumber(f[3]) + 1
      redis.call('HSET', key, 'owner', ARGV[2], 'version', int(version), 'heartbeatAt', int(now))
      redis.call('ZADD', KEYS[1], int(now), member)
      taken = taken + 1
      local n = #result
      result[n + 1] = id
      result[n + 2] = f[1]
      result[n + 3] = f[2]
      result[n + 4] = version
      result[n + 5] = f[4]
    end
  end
end
return result
`;

/** KEYS: instance, active. ARGV: id. Returns 1, or 0 when there was no such instance. */
const DELETE = `
local seq = redis.call('HGET', KEYS[1], 'seq')
if not seq then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], seq .. ':' .. ARGV[1])
return 1
`;

// Names are global to a client (shared by every store on it); the version suffix keeps a later, different script
// from being mistaken for this one.
const COMMANDS = {
  create: { name: 'catgaSagaCreateV1', numberOfKeys: 3, lua: CREATE },
  update: { name: 'catgaSagaUpdateV1', numberOfKeys: 2, lua: UPDATE },
  heartbeat: { name: 'catgaSagaHeartbeatV1', numberOfKeys: 2, lua: HEARTBEAT },
  claimStale: { name: 'catgaSagaClaimStaleV2', numberOfKeys: 1, lua: CLAIM_STALE },
  delete: { name: 'catgaSagaDeleteV1', numberOfKeys: 2, lua: DELETE },
} as const;

type ScriptArg = string | Buffer;
type Reply = readonly (Buffer | number | null)[];

/** The commands `defineCommand` adds to the client (ioredis cannot type them). */
interface SagaScripts {
  catgaSagaCreateV1(...args: ScriptArg[]): Promise<number | null>;
  catgaSagaUpdateV1Buffer(...args: ScriptArg[]): Promise<Reply | null>;
  catgaSagaHeartbeatV1(...args: ScriptArg[]): Promise<number>;
  catgaSagaClaimStaleV2Buffer(...args: ScriptArg[]): Promise<Reply>;
  catgaSagaDeleteV1(...args: ScriptArg[]): Promise<number>;
}

/** Values per instance in a `claimStale` reply. */
const CLAIM_FIELDS = 5;

const { invalid, count: checkCount, wholeMs } = argumentChecks('Redis saga store');

/**
 * A {@link SagaStore} in Redis, shared by every process that runs sagas.
 *
 * Key layout (`<p>` is the connection's key prefix, `<name>` the store name, default `saga`); every key carries the
 * hash tag `{<p>:<name>}`, so on Redis Cluster they all live in one slot and the scripts may touch several at once:
 * - `{<p>:<name>}:instance:<id>`: HASH of one instance: `type`, `status`, `version`, `owner`, `heartbeatAt`, `state`
 *   (msgpack), and `seq` (its creation sequence number, 16 digits).
 * - `{<p>:<name>}:active`: ZSET of the instances that are not final, scored by heartbeat; members are `<seq>:<id>`.
 * - `{<p>:<name>}:seq`: the creation sequence counter.
 *
 * What is atomic with what: every method but `get` is one Lua script, which changes the instance hash and the
 * `active` set together. `update` is a compare-and-set on `version` (two writers with the same expected version:
 * exactly one wins); `claimStale` takes over every instance it returns in one step, bumping each version so the
 * previous owner's next `update` fails. Nothing spans two calls or the saga store and other data. Times
 * (`heartbeatAt`, staleness) are the Redis server's clock.
 *
 * `get` reads through `connection.reader`: with `readFromReplicas` it may read a replica and return a version older
 * than the primary's (an `update` with it then just fails its compare-and-set). Decisions never rest on `get` alone.
 *
 * Limits (as the .NET original): `id`, `type` and `owner` are 1 to {@link MAX_SAGA_FIELD_LENGTH} characters and the
 * encoded state at most {@link MAX_SAGA_STATE_BYTES} bytes. Calls beyond them, or with an unknown status, reject with
 * a non-retryable `VALIDATION_FAILED` `CatgaError` before anything is sent; a state msgpack cannot encode, or one
 * holding `__proto__`/`constructor`/`prototype` keys, rejects with `SERIALIZATION_FAILED`. Redis failures reject
 * with a retryable `PERSISTENCE_FAILED`, and so does a stored instance that does not decode (or holds such keys).
 *
 * Round trips: one per call (`EVALSHA`, or `HGETALL` for `get`; the first call of each script on a connection sends
 * `EVAL`).
 *
 * @example
 * const redis = await connectRedis({ url: 'redis://127.0.0.1:6379', keyPrefix: 'shop' });
 * const sagas = new RedisSagaStore(redis);
 */
export class RedisSagaStore implements SagaStore {
  private readonly connection: RedisConnection;
  private readonly name: string;
  private readonly scripts: SagaScripts;
  private readonly codec = msgpackCodec();
  private readonly instancePrefix: string;
  private readonly activeKey: string;
  private readonly seqKey: string;

  /**
   * @param connection from `connectRedis`; the store uses its clients and does not close them
   * @param options the store name (default `saga`)
   */
  constructor(connection: RedisConnection, options: RedisSagaStoreOptions = {}) {
    const name = options.name ?? 'saga';
    checkStoreName(name, 'redis.saga.name');
    this.connection = connection;
    this.name = name;
    this.scripts = defineScripts<SagaScripts>(connection.client, COMMANDS);
    this.instancePrefix = connection.taggedKey(name, 'instance:');
    this.activeKey = connection.taggedKey(name, 'active');
    this.seqKey = connection.taggedKey(name, 'seq');
  }

  /** One script: creates the instance (and its `active` entry unless the status is final) only if the id is free. */
  async create<S>(record: NewSagaRecord<S>): Promise<SagaRecord<S> | undefined> {
    checkField(record.id, 'id');
    checkField(record.type, 'type');
    checkField(record.owner, 'owner');
    const status = record.status ?? 'running';
    checkStatus(status);
    const state = this.encodeState(record.id, record.state);
    const heartbeatAt = await this.connection.run(this.name, 'create', () =>
      this.scripts.catgaSagaCreateV1(this.instanceKey(record.id), this.activeKey, this.seqKey, record.id, record.type, status, record.owner, state),
    );
    if (heartbeatAt === null) return undefined;
    return { id: record.id, type: record.type, status, version: 1, owner: record.owner, heartbeatAt, state: this.decodeState<S>(record.id, state) };
  }

  /** One `HGETALL` through `connection.reader`, which may be a replica (see the class notes). */
  async get<S = unknown>(id: string): Promise<SagaRecord<S> | undefined> {
    checkField(id, 'id');
    return this.connection.run(this.name, 'get', async () => {
      const fields = await this.connection.reader.hgetallBuffer(this.instanceKey(id));
      if (Object.keys(fields).length === 0) return undefined;
      const { type, status, version, owner, heartbeatAt, state } = fields;
      if (type === undefined || status === undefined || version === undefined || owner === undefined || heartbeatAt === undefined || state === undefined) {
        throw new Error(`saga ${id}: the stored instance lacks fields`);
      }
      return {
        id,
        type: type.toString(),
        status: storedStatus(id, status.toString()),
        version: storedInteger(id, 'version', version.toString()),
        owner: owner.toString(),
        heartbeatAt: storedInteger(id, 'heartbeatAt', heartbeatAt.toString()),
        state: this.decodeState<S>(id, state),
      };
    });
  }

  /**
   * One script: a compare-and-set on `version`; applies the changes, bumps the version, renews the heartbeat and
   * adds the instance to `active` or (final status) removes it.
   */
  async update<S>(id: string, expectedVersion: number, changes: SagaChanges<S>): Promise<SagaRecord<S> | undefined> {
    checkField(id, 'id');
    if (typeof expectedVersion !== 'number' || !Number.isSafeInteger(expectedVersion)) {
      throw invalid('expectedVersion', `expected an integer, got ${describeValue(expectedVersion)}`);
    }
    if (changes.status !== undefined) checkStatus(changes.status);
    if (changes.owner !== undefined) checkField(changes.owner, 'owner');
    const state = changes.state === undefined ? undefined : this.encodeState(id, changes.state);
    return this.connection.run(this.name, 'update', async () => {
      const reply = await this.scripts.catgaSagaUpdateV1Buffer(
        this.instanceKey(id),
        this.activeKey,
        String(expectedVersion),
        id,
        changes.status === undefined ? '0' : '1',
        changes.status ?? '',
        changes.owner === undefined ? '0' : '1',
        changes.owner ?? '',
        state === undefined ? '0' : '1',
        state ?? '',
      );
      if (reply === null) return undefined;
      const [type, status, version, owner, heartbeatAt, stored] = reply;
      const bytes = state ?? stored;
      if (!Buffer.isBuffer(type) || !Buffer.isBuffer(status) || typeof version !== 'number' || !Buffer.isBuffer(owner) || typeof heartbeatAt !== 'number' || !Buffer.isBuffer(bytes)) {
        throw new Error(`saga ${id}: malformed update reply`);
      }
      return { id, type: type.toString(), status: storedStatus(id, status.toString()), version, owner: owner.toString(), heartbeatAt, state: this.decodeState<S>(id, bytes) };
    });
  }

  /** One script: renews `heartbeatAt` (and the `active` score) if `owner` owns the instance and it is not final. */
  async heartbeat(id: string, owner: string): Promise<boolean> {
    checkField(id, 'id');
    checkField(owner, 'owner');
    const renewed = await this.connection.run(this.name, 'heartbeat', () => this.scripts.catgaSagaHeartbeatV1(this.instanceKey(id), this.activeKey, owner, id));
    return renewed === 1;
  }

  /**
   * One script: takes the oldest `active` instances whose heartbeat is at least `staleAfterMs` old (server clock),
   * all of them at once: new owner, version + 1, heartbeat now.
   */
  async claimStale(owner: string, staleAfterMs: number, limit: number, types?: readonly string[]): Promise<readonly SagaRecord[]> {
    checkField(owner, 'owner');
    for (const type of types ?? []) checkField(type, 'type');
    // Heartbeats are whole ms, so `heartbeatAt <= now - staleAfterMs` (the memory store's test) is the same with it rounded up.
    const staleAfter = wholeMs(staleAfterMs, 'staleAfterMs');
    checkCount(limit, 'limit');
    if (limit === 0 || types?.length === 0) return [];
    return this.connection.run(this.name, 'claimStale', async () => {
      const reply = await this.scripts.catgaSagaClaimStaleV2Buffer(this.activeKey, this.instancePrefix, owner, String(staleAfter), String(limit), ...(types ?? []));
      const now = reply[0];
      if (!Array.isArray(reply) || typeof now !== 'number' || (reply.length - 1) % CLAIM_FIELDS !== 0) throw new Error('malformed claimStale reply');
      const records: SagaRecord[] = [];
      for (let i = 1; i < reply.length; i += CLAIM_FIELDS) {
        const [id, type, status, version, state] = reply.slice(i, i + CLAIM_FIELDS);
        if (!Buffer.isBuffer(id) || !Buffer.isBuffer(type) || !Buffer.isBuffer(status) || typeof version !== 'number' || !Buffer.isBuffer(state)) {
          throw new Error('malformed instance in the claimStale reply');
        }
        const sagaId = id.toString();
        records.push({ id: sagaId, type: type.toString(), status: storedStatus(sagaId, status.toString()), version, owner, heartbeatAt: now, state: this.decodeState(sagaId, state) });
      }
      return records;
    });
  }

  /** One script: deletes the instance hash and its `active` entry together. */
  async delete(id: string): Promise<boolean> {
    checkField(id, 'id');
    const deleted = await this.connection.run(this.name, 'delete', () => this.scripts.catgaSagaDeleteV1(this.instanceKey(id), this.activeKey, id));
    return deleted === 1;
  }

  private instanceKey(id: string): string {
    return this.instancePrefix + id;
  }

  private encodeState(id: string, state: unknown): Buffer {
    // A forbidden key is refused on the way in, since get would refuse it on the way out.
    const bytes = encodeData(this.codec, state, `saga ${id}: the state`, { id });
    if (bytes.byteLength > MAX_SAGA_STATE_BYTES) {
      throw invalid('state', `saga ${id}: the encoded state is ${bytes.byteLength} bytes, more than the ${MAX_SAGA_STATE_BYTES} allowed`);
    }
    return bytes;
  }

  // Thrown errors become PERSISTENCE_FAILED through run(): a stored state that does not decode is the store's fault.
  private decodeState<S>(id: string, bytes: Buffer): S {
    return decodeData(this.codec, bytes, `saga ${id}: the stored state`) as S;
  }
}

function checkField(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_SAGA_FIELD_LENGTH) {
    throw invalid(field, `expected a string of 1 to ${MAX_SAGA_FIELD_LENGTH} characters, got ${typeof value === 'string' ? `${value.length} characters` : describeValue(value)}`);
  }
}

function checkStatus(status: unknown): void {
  if (typeof status !== 'string' || !Object.prototype.hasOwnProperty.call(STATUSES, status)) {
    throw invalid('status', `expected one of ${Object.keys(STATUSES).join(', ')}, got ${describeValue(status)}`);
  }
}

function storedStatus(id: string, value: string): SagaStatus {
  if (!Object.prototype.hasOwnProperty.call(STATUSES, value)) throw new Error(`saga ${id}: unknown stored status ${describeValue(value)}`);
  return value as SagaStatus;
}

function storedInteger(id: string, field: string, value: string): number {
  const parsed = Number(value);
  if (value === '' || !Number.isSafeInteger(parsed)) throw new Error(`saga ${id}: malformed stored ${field} ${describeValue(value)}`);
  return parsed;
}
