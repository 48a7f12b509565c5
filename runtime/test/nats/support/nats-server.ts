import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';

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

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;
const START_ATTEMPTS = 3; // freeLoopbackPort() can race with another process taking the port before the server binds it

/** A loopback port that was free a moment ago: binds 127.0.0.1:0, reads the port, closes. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => (port === undefined ? reject(new Error('could not read the bound port')) : resolve(port)));
    });
  });
}

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
  const dir = mkdtempSync(join(tmpdir(), 'catga-nats-'));
  try {
    const tlsFiles = options.tls ? generateTlsFiles(dir) : undefined;
    for (let attempt = 1; ; attempt++) {
      const port = await freeLoopbackPort();
      const name = uniquePrefix('nats');
      const server = new NatsServerProcess(dir, port, name, renderConfig(options, dir, port, name, tlsFiles), tlsFiles?.caFile);
      try {
        await server.launch();
        return server;
      } catch (error) {
        untrack(server); // launch() killed it; the temp dir goes below or is reused by the next attempt
        if (attempt >= START_ATTEMPTS || !server.lostPortRace()) throw error;
      }
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
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

interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/**
 * A throwaway P-256 CA, and a server certificate it signs for IP 127.0.0.1 and DNS localhost. The DNS name is there
 * because nats.js upgrades to TLS on the already-open socket and, for an IP URL, passes no servername, so Node
 * verifies the certificate against its fallback host name `localhost`, not against 127.0.0.1.
 */
function generateTlsFiles(dir: string): TlsFiles {
  const file = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', file('ca-key.pem'), '-out', file('ca.pem'), '-days', '2',
    '-subj', '/CN=Catga test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(['req', '-new', ...ec, '-keyout', file('server-key.pem'), '-out', file('server.csr'), '-subj', `/CN=${HOST}`]);
  writeFileSync(file('server-ext.cnf'), [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = IP:${HOST}, DNS:localhost`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid, issuer',
    '',
  ].join('\n'));
  openssl(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'),
    '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '2', '-extfile', file('server-ext.cnf'), '-out', file('server.pem')]);
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server-key.pem') };
}

function openssl(args: string[]): void {
  const binary = existsSync('/usr/bin/openssl') ? '/usr/bin/openssl' : 'openssl';
  try {
    execFileSync(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (error) {
    const stderr = errorField(error, 'stderr');
    throw new Error(`openssl ${args[0]} failed: ${error instanceof Error ? error.message : String(error)}${stderr ? `\n${stderr}` : ''}`);
  }
}

function errorField(error: unknown, field: string): string {
  if (typeof error !== 'object' || error === null || !(field in error)) return '';
  const value: unknown = (error as Record<string, unknown>)[field];
  return Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : '';
}

/** The nats-server config file for `options`; strings are quoted so paths and secrets need no escaping by the caller. */
function renderConfig(options: NatsServerOptions, dir: string, port: number, name: string, tls: TlsFiles | undefined): string {
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
    const files = `cert_file: ${quote(tls.certFile)}, key_file: ${quote(tls.keyFile)}, ca_file: ${quote(tls.caFile)}`;
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

class NatsServerProcess implements RunningNatsServer {
  readonly url: string;
  private readonly configFile: string;
  private readonly logFile: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private spawnError: Error | undefined;
  private stopped: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve(); // stop/kill/restart run one at a time

  constructor(
    readonly dir: string,
    readonly port: number,
    private readonly name: string,
    config: string,
    readonly caFile: string | undefined,
  ) {
    this.url = `nats://${HOST}:${port}`;
    this.configFile = join(dir, 'nats-server.conf');
    this.logFile = join(dir, 'nats-server.log');
    writeFileSync(this.configFile, config);
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  /** Whether the last start failed because another process bound the port first. */
  lostPortRace(): boolean {
    return /address already in use/i.test(this.logTail());
  }

  /** Spawns the server and waits until it greets clients; on failure it is killed and the error has the log tail. */
  async launch(): Promise<void> {
    // The server logs to stderr, so config errors printed before any log_file would be opened land in the log too.
    const log = openSync(this.logFile, 'a');
    try {
      this.spawnError = undefined;
      const child = spawn(natsServerBinary(), ['-c', this.configFile], { stdio: ['ignore', log, log] });
      this.child = child;
      this.exited = new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.once('error', (error) => {
          this.spawnError = error;
          resolve();
        });
      });
      child.unref(); // a leaked server must not keep the test process alive; the exit hook kills it
      track(this);
    } finally {
      closeSync(log);
    }
    try {
      await this.waitUntilReady();
    } catch (error) {
      await this.signalAndWait('SIGKILL');
      throw error;
    }
  }

  stop(): Promise<void> {
    this.stopped ??= this.serially(async () => {
      await this.signalAndWait('SIGTERM', STOP_GRACE_MS);
      untrack(this);
      rmSync(this.dir, { recursive: true, force: true });
    });
    return this.stopped;
  }

  kill(): Promise<void> {
    return this.serially(() => this.signalAndWait('SIGKILL'));
  }

  restart(): Promise<void> {
    return this.serially(async () => {
      if (this.stopped) throw new Error(`nats-server on port ${this.port} was stopped; it cannot be restarted`);
      await this.signalAndWait('SIGTERM', STOP_GRACE_MS);
      await this.launch();
    });
  }

  /** Synchronous SIGKILL and cleanup, for the process 'exit' hook. */
  killNow(): void {
    if (this.isRunning()) this.child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private serially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private isRunning(): boolean {
    const child = this.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null && this.spawnError === undefined;
  }

  /** Sends `signal` and waits for exit; escalates to SIGKILL after `graceMs`. */
  private async signalAndWait(signal: NodeJS.Signals, graceMs?: number): Promise<void> {
    if (!this.isRunning()) return;
    this.child?.kill(signal);
    if (graceMs !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs);
      });
      const killed = await Promise.race([this.exited.then(() => false), timedOut]);
      clearTimeout(timer);
      if (killed && this.isRunning()) this.child?.kill('SIGKILL');
    }
    await this.exited;
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!this.isRunning()) {
        await this.exited; // let the log catch up with the exit
        const reason = this.spawnError
          ? `could not be spawned (${this.spawnError.message})`
          : `exited (code ${this.child?.exitCode}, signal ${this.child?.signalCode})`;
        throw new Error(`nats-server on port ${this.port} ${reason} before accepting connections\n${this.logTailSection()}`);
      }
      if (await greetsWithInfo(this.port, this.name, Math.min(1_000, Math.max(1, deadline - Date.now())))) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const waited = `${READY_TIMEOUT_MS / 1000} s`;
    throw new Error(`nats-server on port ${this.port} did not accept connections within ${waited}\n${this.logTailSection()}`);
  }

  private logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-40).join('\n').slice(-4_000);
    } catch {
      return '';
    }
  }

  private logTailSection(): string {
    return `--- ${this.logFile} (tail) ---\n${this.logTail() || '(empty)'}\n--- config ---\n${readFileSync(this.configFile, 'utf8')}`;
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

// Every started server until stop(), killed when the process exits so a failing test never leaks one. Under Jest
// the test's `process` is a sandbox copy whose 'exit' never fires, so the hook goes on the host process.
const running = new Set<NatsServerProcess>();
const killAll = (): void => {
  for (const server of running) server.killNow();
  running.clear();
};

function track(server: NatsServerProcess): void {
  if (running.size === 0) hostProcess().on('exit', killAll);
  running.add(server);
}

function untrack(server: NatsServerProcess): void {
  if (running.delete(server) && running.size === 0) hostProcess().off('exit', killAll);
}

function hostProcess(): NodeJS.Process {
  const host: unknown = runInThisContext('process');
  return isProcess(host) ? host : process;
}

function isProcess(value: unknown): value is NodeJS.Process {
  return (
    typeof value === 'object' && value !== null &&
    'on' in value && typeof value.on === 'function' && 'off' in value && typeof value.off === 'function'
  );
}
