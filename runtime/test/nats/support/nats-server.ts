import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { freeLoopbackPort, launchInNewDir, LOOPBACK_HOST as HOST, ServerProcess, type SpawnCommand } from '../../support/server-process';
import { generateTlsFiles, type TestTlsFiles } from '../../support/test-tls';

export { freeLoopbackPort }; // tests take free ports from here as well

// Private nats-server instances on loopback for integration tests: each gets its own port, config and temp dir.

/** How to configure a private nats-server started by {@link startNatsServer}. */
export interface NatsServerOptions {
  /** Enable JetStream (`-js`) with a fresh file store in the server's temp dir (removed on `stop()`). */
  jetstream?: boolean;
  /** Users allowed to connect with a user name and password. Can be combined with `nkeys`, not with `token`. */
  users?: { user: string; password: string }[];
  /** Public user nkeys (`U...`) allowed to connect. Can be combined with `users`, not with `token`. */
  nkeys?: string[];
  /** Require this token to connect. Cannot be combined with `users` or `nkeys`. */
  token?: string;
  /** Generate a throwaway CA and a server certificate for 127.0.0.1, and require TLS; see {@link RunningNatsServer.caFile}. */
  tls?: boolean;
  /** The server's `max_payload`, in bytes. */
  maxPayload?: number;
}

/** A nats-server started by {@link startNatsServer}. */
export interface RunningNatsServer {
  /** The client URL, e.g. `nats://127.0.0.1:41234`. */
  readonly url: string;
  /** The loopback port the server listens on; kept across {@link RunningNatsServer.restart}. */
  readonly port: number;
  /** The process id of the current server process (changes on restart). */
  readonly pid: number;
  /** The CA certificate (PEM file) that signed the server's certificate, when started with `tls`. */
  readonly caFile?: string;
  /** SIGTERM, wait for exit (SIGKILL after 5 s), then remove the temp dir. Idempotent; no restart() after it. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit, keeping the temp dir (and JetStream store) for {@link RunningNatsServer.restart}. */
  kill(): Promise<void>;
  /**
   * Start again on the same port with the same config and store dir (SIGTERM first if still running); resolves once
   * it accepts connections.
   */
  restart(): Promise<void>;
}

/** The shared CI server's URL: `NATS_URL` from the environment, else `nats://127.0.0.1:4222`. */
export const NATS_URL: string = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/**
 * A prefix unique to this call, like `t_orders_3f9c1a2b4d5e`, made only of `[A-Za-z0-9_]` so it is valid both as a
 * NATS subject token and inside a JetStream stream or consumer name. Lets tests share one server without colliding.
 */
export function uniquePrefix(label: string): string {
  const safeLabel = label.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 32);
  return `t_${safeLabel}_${randomBytes(6).toString('hex')}`;
}

/** Starts a private nats-server on a free 127.0.0.1 port; resolves once it greets clients with INFO. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<RunningNatsServer> {
  validate(options);
  return launchInNewDir('catga-nats-', (dir) => (options.tls ? generateTlsFiles(dir) : undefined), async (dir, tlsFiles) => {
    const port = await freeLoopbackPort();
    const name = uniquePrefix('nats');
    return new NatsServerProcess(dir, port, name, renderConfig(options, dir, port, name, tlsFiles), tlsFiles?.ca);
  });
}

function validate(options: NatsServerOptions): void {
  const hasUsers = (options.users?.length ?? 0) > 0 || (options.nkeys?.length ?? 0) > 0;
  if (options.token !== undefined && hasUsers) {
    throw new Error('startNatsServer: `token` cannot be combined with `users` or `nkeys` (nats-server allows one or the other)');
  }
  if (options.token === '') throw new Error('startNatsServer: `token` must not be empty');
  for (const nkey of options.nkeys ?? []) {
    if (!/^U[A-Z2-7]{55}$/.test(nkey)) throw new Error(`startNatsServer: ${JSON.stringify(nkey)} is not a public user nkey (U...)`);
  }
  if (options.maxPayload !== undefined && !(Number.isSafeInteger(options.maxPayload) && options.maxPayload > 0)) {
    throw new Error(`startNatsServer: maxPayload must be a positive integer, got ${options.maxPayload}`);
  }
}

/** The nats-server config file for `options`; strings are quoted so paths and secrets need no escaping by the caller. */
function renderConfig(options: NatsServerOptions, dir: string, port: number, name: string, tls: TestTlsFiles | undefined): string {
  const lines = [`listen: ${quote(`${HOST}:${port}`)}`, `server_name: ${quote(name)}`];
  // nats-server keeps its store in <store_dir>/jetstream, so this gives <dir>/jetstream.
  if (options.jetstream) lines.push(`jetstream { store_dir: ${quote(dir)} }`);
  const users = [
    ...(options.users ?? []).map(({ user, password }) => `{ user: ${quote(user)}, password: ${quote(password)} }`),
    ...(options.nkeys ?? []).map((nkey) => `{ nkey: ${quote(nkey)} }`),
  ];
  if (users.length > 0) lines.push('authorization {', '  users = [', ...users.map((entry) => `    ${entry}`), '  ]', '}');
  if (options.token !== undefined) lines.push(`authorization { token: ${quote(options.token)} }`);
  if (tls) {
    // timeout: the default TLS handshake timeout is tight for a loaded CI machine.
    const files = `cert_file: ${quote(tls.cert)}, key_file: ${quote(tls.key)}, ca_file: ${quote(tls.ca)}`;
    lines.push(`tls { ${files}, timeout: 5 }`);
  }
  if (options.maxPayload !== undefined) lines.push(`max_payload: ${options.maxPayload}`);
  return `${lines.join('\n')}\n`;
}

/** A double-quoted config string. The config lexer understands \" and \\ but not JSON's \u escapes, hence the check. */
function quote(value: string): string {
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new Error(`startNatsServer: control characters are not supported in ${JSON.stringify(value)}`);
  return JSON.stringify(value);
}

function natsServerBinary(): string {
  return existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
}

class NatsServerProcess extends ServerProcess implements RunningNatsServer {
  readonly url: string;

  constructor(
    dir: string,
    port: number,
    private readonly name: string,
    config: string,
    readonly caFile: string | undefined,
  ) {
    super({
      dir,
      port,
      label: 'nats-server',
      configFileName: 'nats-server.conf',
      config,
      logFileName: 'nats-server.log',
      readiness: { before: 'accepting connections', within: 'accept connections' },
    });
    this.url = `nats://${HOST}:${port}`;
  }

  // The server logs to stderr, so config errors printed before any log_file would be opened land in the log too.
  protected override command(): SpawnCommand {
    return { binary: natsServerBinary(), args: ['-c', this.configFile] };
  }

  protected override isReady(timeoutMs: number): Promise<boolean> {
    return greetsWithInfo(this.port, this.name, timeoutMs);
  }
}

/**
 * Whether a TCP client on `port` receives the `INFO {...}` greeting (sent in plaintext also when TLS is required)
 * of the server named `name` within `timeoutMs`. Checking the name matters when the port race is lost to another
 * nats-server: its greeting must not pass for ours.
 */
function greetsWithInfo(port: number, name: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let received = '';
    const socket = tcpConnect({ host: HOST, port });
    const finish = (ready: boolean) => {
      socket.destroy();
      resolve(ready);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n');
      if (end >= 0) finish(received.startsWith('INFO ') && serverNameOf(received.slice('INFO '.length, end)) === name);
    });
  });
}

function serverNameOf(infoJson: string): string | undefined {
  try {
    const info: unknown = JSON.parse(infoJson);
    return typeof info === 'object' && info !== null && 'server_name' in info && typeof info.server_name === 'string'
      ? info.server_name
      : undefined;
  } catch {
    return undefined;
  }
}
