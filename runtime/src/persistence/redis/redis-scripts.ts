// Internal helpers the Redis stores share for their Lua scripts and their names. Not exported from
// `@catga/runtime/redis`.
import { CatgaConfigurationError, describeValue } from '../../core/configuration-error.js';
import type { RedisClient } from './redis-connection.js';

/**
 * Lua that sets `now` to the Redis server's clock in ms (`TIME`) and defines `int(n)`, which writes a number as an
 * integer (`%d`: Lua would print a large double in exponent notation). Scripts read the time from the server, never
 * from the caller: processes sharing a store may have skewed clocks.
 */
export const LUA_SERVER_NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function int(n) return string.format('%d', n) end
`;

/** A caller for a script {@link defineScript} registered: the keys first, then the arguments. */
export type ScriptCommand = (...args: (string | number | Buffer)[]) => Promise<unknown>;

/** One Lua script of a store: the name ioredis registers it under, how many of its arguments are keys, its source. */
export interface ScriptDefinition {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
}

/**
 * Registers the script on `client` under its name unless the client already has a command of that name. Names are
 * global to a client (shared by every store on it), so stores version them (`...V1`): a client shared with another
 * Catga version keeps each version's script under its own name.
 */
function ensureScript(client: RedisClient, { name, numberOfKeys, lua }: ScriptDefinition): void {
  if (typeof Reflect.get(client, name) !== 'function') client.defineCommand(name, { numberOfKeys, lua });
}

/**
 * Registers `lua` on `client` once under `name` and returns a caller for it (for its `<name>Buffer` variant, which
 * replies with Buffers, when `buffers`). ioredis sends `EVALSHA`, falling back to `EVAL` once per connection when
 * the server does not know the script: one round trip per call.
 */
export function defineScript(client: RedisClient, name: string, numberOfKeys: number, lua: string, buffers = false): ScriptCommand {
  ensureScript(client, { name, numberOfKeys, lua });
  const command = Reflect.get(client, buffers ? `${name}Buffer` : name) as ScriptCommand;
  return (...args) => command.apply(client, args);
}

/**
 * Registers every script of `scripts` on `client` (those another store on the same client has not already) and
 * returns the client typed as `T`, the interface naming the commands (and `<name>Buffer` variants) ioredis added,
 * which it cannot type itself.
 */
export function defineScripts<T>(client: RedisClient, scripts: Readonly<Record<string, ScriptDefinition>>): T {
  for (const script of Object.values(scripts)) ensureScript(client, script);
  return client as unknown as T;
}

/**
 * Checks a store name that becomes part of a hash tag (`{<keyPrefix>:<name>}`): braces would move its keys to other
 * Cluster slots. Throws a `CatgaConfigurationError` naming `field` for anything but a non-empty name without braces
 * or spaces.
 */
export function checkStoreName(name: unknown, field: string): void {
  if (typeof name !== 'string' || name === '' || /[{}\s]/.test(name)) {
    throw new CatgaConfigurationError(field, `expected a non-empty name without braces or spaces, got ${describeValue(name)}`);
  }
}
