import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { Redis } from 'ioredis';
import { freeLoopbackPort, launchInNewDir, LOOPBACK_HOST as HOST, ServerProcess, type SpawnCommand } from '../../support/server-process';
import { generateTlsFiles } from '../../support/test-tls';

export { freeLoopbackPort }; // tests take free ports from here as well

// Private redis-server instances on loopback for integration tests: each gets its own port(s), config and temp dir,
// binds 127.0.0.1 only and persists nothing (`save ""`, `appendonly no`).

/** An ACL user of a private server: `user <name> on ><password> <rules>`. */
export interface RedisAclUser {
  name: string;
  password: string;
  /** ACL rules, space separated, e.g. `~* +@all` (all keys, all commands) or `~app:* +get +set`. */
  rules: string;
}

/** How to configure a private redis-server started by {@link startRedisServer}. */
export interface RedisServerOptions {
  /** `requirepass`: the password of the `default` user. */
  password?: string;
  /** ACL users besides `default` (which keeps no password unless `password` is given). */
  users?: RedisAclUser[];
  /**
   * Generate a throwaway CA and a server certificate for 127.0.0.1 and serve TLS only (the plain port is off; client
   * certificates are not required). See {@link RunningRedisServer.tlsFiles}.
   */
  tls?: boolean;
  /** Start as a replica of this primary (`replicaof`). */
  replicaOf?: { host: string; port: number };
  /**
   * Keep the data across {@link RunningRedisServer.kill} and {@link RunningRedisServer.restart}: an append-only file in
   * the server's temp dir, fsynced on every write (`appendonly yes`, `appendfsync always`). Default: nothing persists.
   */
  durable?: boolean;
}

/** The PEM files of a TLS server: the CA that signed the server certificate, the certificate and its key. */
export interface RedisTlsFiles {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** A redis-server (or sentinel) started by this harness. */
export interface RunningRedisServer {
  /** The loopback port clients use (the TLS port for a TLS server); kept across {@link RunningRedisServer.restart}. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`, or `rediss://127.0.0.1:<port>` for a TLS server. No credentials in it. */
  readonly url: string;
  /** The PEM files, for a server started with `tls`. */
  readonly tlsFiles?: RedisTlsFiles;
  /** The process id of the current server process (changes on restart). */
  readonly pid: number;
  /** SIGTERM, wait for exit (SIGKILL after 5 s), then remove the temp dir. Idempotent; no restart() after it. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit, keeping the temp dir for {@link RunningRedisServer.restart}. */
  kill(): Promise<void>;
  /**
   * Start again on the same port with the same config and temp dir (SIGTERM first if still running); resolves once it
   * answers PING. The data is lost unless the server was started `durable`.
   */
  restart(): Promise<void>;
}

/** A primary, one replica and one sentinel that monitors them, from {@link startSentinelSetup}. */
export interface RunningSentinelSetup {
  /** The name the sentinel monitors the primary under. */
  readonly name: string;
  readonly sentinels: readonly { host: string; port: number }[];
  readonly primary: RunningRedisServer;
  readonly replica: RunningRedisServer;
  /** Stops the sentinel, the replica and the primary. Idempotent. */
  stop(): Promise<void>;
}

/** A Redis Cluster of masters without replicas, from {@link startCluster}. */
export interface RunningRedisCluster {
  readonly nodes: readonly { host: string; port: number }[];
  /** The node processes, in the order of `nodes`. */
  readonly servers: readonly RunningRedisServer[];
  /** Stops every node. Idempotent. */
  stop(): Promise<void>;
}

/** The shared CI server's URL: `REDIS_URL` from the environment, else `redis://127.0.0.1:6379`. */
export const REDIS_URL: string = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const SETUP_TIMEOUT_MS = 30_000;

/**
 * A key prefix unique to this call, like `t-orders-3f9c1a2b4d5e`, made only of `[A-Za-z0-9_.-]` (no braces, so it
 * is a valid `keyPrefix`). Lets tests share one Redis without colliding; remove their keys with {@link deleteKeys}.
 */
export function uniqueKeyPrefix(label: string): string {
  const safeLabel = label.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 32);
  return `t-${safeLabel}-${randomBytes(6).toString('hex')}`;
}

/**
 * Deletes every key of the (non-cluster) server at `url` that starts with `<prefix>:` or `{<prefix>:` (the layouts of
 * `RedisConnection.key()` and `taggedKey()`), walking the keyspace with SCAN. Resolves with the number deleted.
 */
export async function deleteKeys(url: string, prefix: string): Promise<number> {
  if (prefix === '') throw new Error('deleteKeys: the prefix must not be empty (it would delete every key)');
  const glob = prefix.replace(/[*?[\]\\]/g, '\\$&');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 5_000 });
  client.on('error', () => undefined); // failures surface through the commands below
  let deleted = 0;
  try {
    await client.connect();
    for (const pattern of [`${glob}:*`, `{${glob}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) deleted += await client.unlink(...keys);
      } while (cursor !== '0');
    }
  } finally {
    client.disconnect();
  }
  return deleted;
}

/** Starts a private redis-server on a free 127.0.0.1 port; resolves once it answers PING. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RunningRedisServer> {
  validate(options);
  return launchInNewDir('catga-redis-server-', (dir) => (options.tls ? generateTlsFiles(dir) : undefined), async (dir, tlsFiles) => {
    const port = await freeLoopbackPort();
    const config = [...baseConfig(dir, port, tlsFiles), ...authConfig(options)];
    // Later lines win: the AOF replaces the `appendonly no` of the base config.
    if (options.durable) config.push(line('appendonly', 'yes'), line('appendfsync', 'always'));
    if (options.replicaOf) config.push(line('replicaof', options.replicaOf.host, String(options.replicaOf.port)));
    return new RedisServerProcess({ dir, port, config, tlsFiles, password: options.password, sentinel: false });
  });
}

/**
 * Starts a primary, a replica of it and a sentinel monitoring the primary as `name` (quorum 1, `down-after-milliseconds`
 * 1000); resolves once the replica is in sync and the sentinel lists it.
 */
export async function startSentinelSetup(name = 'catga-primary'): Promise<RunningSentinelSetup> {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`startSentinelSetup: ${JSON.stringify(name)} is not a valid master name`);
  const started: RunningRedisServer[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(started.map((server) => server.stop()));
  };
  try {
    const primary = await startRedisServer();
    started.push(primary);
    const replica = await startRedisServer({ replicaOf: { host: HOST, port: primary.port } });
    started.push(replica);
    const deadline = Date.now() + SETUP_TIMEOUT_MS;
    await pollUntil(deadline, `replica on port ${replica.port} in sync with the primary`, async () =>
      /master_link_status:up/.test(await infoSection(replica.port, 'replication')));

    const sentinel = await launchInNewDir('catga-redis-sentinel-', () => undefined, async (dir) => {
      const port = await freeLoopbackPort();
      const config = [
        line('bind', HOST),
        line('port', String(port)),
        line('dir', dir),
        line('logfile', ''),
        line('daemonize', 'no'),
        line('sentinel', 'monitor', name, HOST, String(primary.port), '1'),
        line('sentinel', 'down-after-milliseconds', name, '1000'),
        line('sentinel', 'failover-timeout', name, '5000'),
      ];
      return new RedisServerProcess({ dir, port, config, tlsFiles: undefined, password: undefined, sentinel: true });
    });
    started.push(sentinel);
    const known = new RegExp(`name=${escapeRegExp(name)},status=ok,address=${escapeRegExp(`${HOST}:${primary.port}`)},slaves=1,`);
    await pollUntil(deadline, `sentinel on port ${sentinel.port} to know the replica of ${name}`, async () =>
      known.test(await infoSection(sentinel.port, 'sentinel')));

    let stopped: Promise<void> | undefined;
    return {
      name,
      sentinels: [{ host: HOST, port: sentinel.port }],
      primary,
      replica,
      stop: () => (stopped ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Starts `masters` cluster-enabled redis-servers (each with its own free cluster bus port), joins them with
 * `redis-cli --cluster create` without replicas and resolves once every node reports `cluster_state:ok`.
 */
export async function startCluster(masters = 3): Promise<RunningRedisCluster> {
  if (!Number.isInteger(masters) || masters < 3) throw new Error(`startCluster: a cluster needs at least 3 masters, got ${masters}`);
  const servers: RunningRedisServer[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    for (let index = 0; index < masters; index++) {
      servers.push(
        await launchInNewDir('catga-redis-cluster-', () => undefined, async (dir) => {
          const port = await freeLoopbackPort();
          const busPort = await freeLoopbackPort();
          const config = [
            ...baseConfig(dir, port, undefined),
            line('cluster-enabled', 'yes'),
            line('cluster-config-file', join(dir, 'nodes.conf')),
            line('cluster-port', String(busPort)),
            line('cluster-node-timeout', '5000'),
          ];
          return new RedisServerProcess({ dir, port, config, tlsFiles: undefined, password: undefined, sentinel: false });
        }),
      );
    }
    await redisCli(['--cluster', 'create', ...servers.map(({ port }) => `${HOST}:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
    const deadline = Date.now() + SETUP_TIMEOUT_MS;
    for (const server of servers) {
      await pollUntil(deadline, `cluster_state:ok on port ${server.port}`, async () =>
        /cluster_state:ok/.test(await bulkReply(server.port, ['CLUSTER', 'INFO'])));
    }
    let stopped: Promise<void> | undefined;
    return {
      nodes: servers.map(({ port }) => ({ host: HOST, port })),
      servers,
      stop: () => (stopped ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function validate(options: RedisServerOptions): void {
  if (options.password === '') throw new Error('startRedisServer: `password` must not be empty');
  for (const user of options.users ?? []) {
    if (!/^[A-Za-z0-9_.-]+$/.test(user.name) || user.name === 'default') {
      throw new Error(`startRedisServer: ${JSON.stringify(user.name)} is not a supported ACL user name (not "default", [A-Za-z0-9_.-])`);
    }
    if (user.password === '') throw new Error(`startRedisServer: user ${user.name} needs a password`);
  }
  if (options.tls && options.replicaOf) throw new Error('startRedisServer: `tls` with `replicaOf` is not supported');
}

function baseConfig(dir: string, port: number, tls: RedisTlsFiles | undefined): string[] {
  const config = [
    line('bind', HOST),
    line('protected-mode', 'yes'),
    line('dir', dir),
    line('save', ''),
    line('appendonly', 'no'),
    line('daemonize', 'no'),
    line('logfile', ''), // stdout, which goes to the log file
    line('shutdown-on-sigterm', 'now'), // do not wait for lagging replicas on stop()
    line('repl-diskless-sync-delay', '0'), // a replica syncs at once, not after the default 5 s
  ];
  if (tls) {
    config.push(
      line('port', '0'),
      line('tls-port', String(port)),
      line('tls-cert-file', tls.cert),
      line('tls-key-file', tls.key),
      line('tls-ca-cert-file', tls.ca),
      line('tls-auth-clients', 'no'),
    );
  } else {
    config.push(line('port', String(port)));
  }
  return config;
}

function authConfig(options: RedisServerOptions): string[] {
  const config: string[] = [];
  if (options.password !== undefined) config.push(line('requirepass', options.password));
  for (const user of options.users ?? []) {
    config.push(line('user', user.name, 'on', `>${user.password}`, ...user.rules.split(/\s+/).filter((rule) => rule !== '')));
  }
  return config;
}

/** One config line; every argument double-quoted (redis' config parser unescapes \" and \\). */
function line(...args: string[]): string {
  return args.map(quote).join(' ');
}

function quote(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error(`redis-server harness: control characters are not supported in ${JSON.stringify(value)}`);
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function redisCli(args: string[]): Promise<string> {
  const binary = existsSync('/usr/bin/redis-cli') ? '/usr/bin/redis-cli' : 'redis-cli';
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: SETUP_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function redisServerBinary(): string {
  return existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : 'redis-server';
}

interface ProcessSettings {
  dir: string;
  port: number;
  config: string[];
  tlsFiles: RedisTlsFiles | undefined;
  /** The `default` user's password, for the harness' own PING/INFO. */
  password: string | undefined;
  sentinel: boolean;
}

class RedisServerProcess extends ServerProcess implements RunningRedisServer {
  readonly url: string;
  readonly tlsFiles?: RedisTlsFiles;
  private readonly password: string | undefined;
  private readonly sentinel: boolean;

  constructor(settings: ProcessSettings) {
    super({
      dir: settings.dir,
      port: settings.port,
      label: 'redis-server',
      // A sentinel rewrites its config file, so it lives in the (writable) temp dir like every other.
      configFileName: settings.sentinel ? 'sentinel.conf' : 'redis.conf',
      config: `${settings.config.join('\n')}\n`,
      logFileName: 'redis.log',
      readiness: { before: 'answering PING', within: 'answer PING' },
    });
    this.password = settings.password;
    this.sentinel = settings.sentinel;
    if (settings.tlsFiles) this.tlsFiles = settings.tlsFiles;
    this.url = `${settings.tlsFiles ? 'rediss' : 'redis'}://${HOST}:${settings.port}`;
  }

  protected override command(): SpawnCommand {
    const args = this.sentinel ? [this.configFile, '--sentinel'] : [this.configFile];
    return { binary: redisServerBinary(), args, cwd: this.dir };
  }

  /**
   * Whether PING gets PONG and `INFO server` reports this child's pid: an answer from another process that won the
   * port race must not pass for ours.
   */
  protected override async isReady(timeoutMs: number): Promise<boolean> {
    const commands = [...(this.password === undefined ? [] : [['AUTH', this.password]]), ['PING'], ['INFO', 'server']];
    try {
      const replies = await sendCommands({ port: this.port, ca: this.tlsFiles?.ca }, commands, timeoutMs);
      const [pong, info] = replies.slice(-2);
      return pong === 'PONG' && typeof info === 'string' && new RegExp(`^process_id:${this.pid}\\r?$`, 'm').test(info);
    } catch {
      return false;
    }
  }
}

// ---- A minimal RESP client for the harness' own probes (no ioredis: no retries, no ready check, no noise). ----

type Reply = string | number | null | Error | Reply[];

/** Sends `commands` on one connection and resolves with their replies (error replies as `Error` values). */
function sendCommands(target: { port: number; ca?: string | undefined }, commands: string[][], timeoutMs: number): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const socket: Socket =
      target.ca === undefined
        ? tcpConnect({ host: HOST, port: target.port })
        : tlsConnect({ host: HOST, port: target.port, ca: readFileSync(target.ca) });
    let buffer = Buffer.alloc(0);
    let settled = false;
    const finish = (error: Error | undefined, replies?: Reply[]) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else resolve(replies ?? []);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no reply from port ${target.port} within ${timeoutMs} ms`)));
    socket.once('error', (error) => finish(error));
    socket.once('close', () => finish(new Error(`port ${target.port} closed the connection`)));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const replies: Reply[] = [];
      let offset = 0;
      while (replies.length < commands.length) {
        const parsed = parseReply(buffer, offset);
        if (parsed === undefined) return; // wait for more data
        replies.push(parsed.reply);
        offset = parsed.next;
      }
      finish(undefined, replies);
    });
    socket.write(commands.map(encodeCommand).join(''));
  });
}

function encodeCommand(args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

function parseReply(buffer: Buffer, offset: number): { reply: Reply; next: number } | undefined {
  const end = buffer.indexOf('\r\n', offset);
  if (end < 0) return undefined;
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const text = buffer.toString('utf8', offset + 1, end);
  switch (type) {
    case '+':
      return { reply: text, next: end + 2 };
    case '-':
      return { reply: new Error(text), next: end + 2 };
    case ':':
      return { reply: Number(text), next: end + 2 };
    case '$': {
      const length = Number(text);
      if (length < 0) return { reply: null, next: end + 2 };
      if (buffer.length < end + 2 + length + 2) return undefined;
      return { reply: buffer.toString('utf8', end + 2, end + 2 + length), next: end + 2 + length + 2 };
    }
    case '*': {
      const count = Number(text);
      if (count < 0) return { reply: null, next: end + 2 };
      const items: Reply[] = [];
      let next = end + 2;
      for (let index = 0; index < count; index++) {
        const item = parseReply(buffer, next);
        if (item === undefined) return undefined;
        items.push(item.reply);
        next = item.next;
      }
      return { reply: items, next };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}

/** One command's bulk-string reply on a plain, password-less port (rejects on an error reply). */
async function bulkReply(port: number, command: string[]): Promise<string> {
  const [reply] = await sendCommands({ port }, [command], 2_000);
  if (reply instanceof Error) throw reply;
  if (typeof reply !== 'string') throw new Error(`${command.join(' ')} on port ${port}: unexpected reply ${JSON.stringify(reply)}`);
  return reply;
}

function infoSection(port: number, section: string): Promise<string> {
  return bulkReply(port, ['INFO', section]);
}

async function pollUntil(deadline: number, what: string, check: () => Promise<boolean>): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
    }
    await delay(100);
  }
  const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`timed out waiting for ${what}${reason}`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
