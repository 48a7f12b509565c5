import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';

// The life cycle shared by the private server processes of the integration-test harnesses (nats-server, redis-server,
// redis sentinel): each runs from its own temp dir on a loopback port, logs to a file there and is killed when the
// test process exits.

/** The address every private test server binds and is reached on. */
export const LOOPBACK_HOST = '127.0.0.1';

const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;
const START_ATTEMPTS = 3; // freeLoopbackPort() can race with another process taking the port before the server binds it

/** A loopback port that was free a moment ago: binds 127.0.0.1:0, reads the port, closes. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK_HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => (port === undefined ? reject(new Error('could not read the bound port')) : resolve(port)));
    });
  });
}

/**
 * Creates a temp dir `<tmpdir>/<dirPrefix>XXXXXX`, runs `prepare` on it once (e.g. to write TLS files), then makes a
 * process with `make` and launches it, retrying with a new one (and fresh ports) when another process won the race for
 * a port. The dir is removed if no attempt succeeds.
 */
export async function launchInNewDir<T, P extends ServerProcess>(
  dirPrefix: string,
  prepare: (dir: string) => T,
  make: (dir: string, prepared: T) => Promise<P>,
): Promise<P> {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  try {
    const prepared = prepare(dir);
    for (let attempt = 1; ; attempt++) {
      const server = await make(dir, prepared);
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

/** What a {@link ServerProcess} subclass tells the base class about its server. */
export interface ServerProcessSettings {
  /** The server's temp dir, holding its config and log file; removed by `stop()`. */
  readonly dir: string;
  /** The loopback port clients use; kept across `restart()`. */
  readonly port: number;
  /** The server's name in error messages, e.g. `nats-server`. */
  readonly label: string;
  /** The file name of the config in `dir`, and the config's text. */
  readonly configFileName: string;
  readonly config: string;
  /** The file name of the log in `dir`. */
  readonly logFileName: string;
  /** Readiness as error messages word it: `… exited before <before>`, `… did not <within> within 10 s`. */
  readonly readiness: { readonly before: string; readonly within: string };
}

/** How to spawn the server: the binary, its arguments and, optionally, its working directory. */
export interface SpawnCommand {
  readonly binary: string;
  readonly args: readonly string[];
  readonly cwd?: string;
}

/**
 * One private server process and its life cycle: launch (spawn, then wait until {@link ServerProcess.isReady}), stop,
 * kill and restart, one at a time. Subclasses say how to spawn the server and how to tell it is ready.
 */
export abstract class ServerProcess {
  readonly dir: string;
  readonly port: number;
  protected readonly configFile: string;
  private readonly logFile: string;
  private readonly label: string;
  private readonly readiness: ServerProcessSettings['readiness'];
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private spawnError: Error | undefined;
  private stopped: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve(); // stop/kill/restart run one at a time

  protected constructor(settings: ServerProcessSettings) {
    this.dir = settings.dir;
    this.port = settings.port;
    this.label = settings.label;
    this.readiness = settings.readiness;
    this.configFile = join(settings.dir, settings.configFileName);
    this.logFile = join(settings.dir, settings.logFileName);
    writeFileSync(this.configFile, settings.config);
  }

  /** The binary, arguments and working directory to spawn the server with. */
  protected abstract command(): SpawnCommand;

  /**
   * Whether the server on {@link ServerProcess.port} answers within `timeoutMs` and is this process: an answer from
   * another process that won the port race must not pass for ours.
   */
  protected abstract isReady(timeoutMs: number): Promise<boolean>;

  /** The process id of the current server process (changes on restart); -1 before the first launch. */
  get pid(): number {
    return this.child?.pid ?? -1;
  }

  /** Whether the last start failed because another process bound (one of) its port(s) first. */
  lostPortRace(): boolean {
    return /address already in use/i.test(this.logTail());
  }

  /** Spawns the server and waits until it is ready; on failure it is killed and the error has the log tail. */
  async launch(): Promise<void> {
    // stdout and stderr both go to the log file, so errors printed before a server opens a log of its own (such as
    // config errors) land in the log too.
    const log = openSync(this.logFile, 'a');
    try {
      this.spawnError = undefined;
      const { binary, args, cwd } = this.command();
      const child = spawn(binary, args, { stdio: ['ignore', log, log], cwd });
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

  /** SIGTERM, wait for exit (SIGKILL after 5 s), then remove the temp dir. Idempotent; no restart() after it. */
  stop(): Promise<void> {
    this.stopped ??= this.serially(async () => {
      await this.signalAndWait('SIGTERM', STOP_GRACE_MS);
      untrack(this);
      rmSync(this.dir, { recursive: true, force: true });
    });
    return this.stopped;
  }

  /** SIGKILL and wait for exit, keeping the temp dir for {@link ServerProcess.restart}. */
  kill(): Promise<void> {
    return this.serially(() => this.signalAndWait('SIGKILL'));
  }

  /** Starts again on the same port with the same config and temp dir (SIGTERM first if still running). */
  restart(): Promise<void> {
    return this.serially(async () => {
      if (this.stopped) throw new Error(`${this.label} on port ${this.port} was stopped; it cannot be restarted`);
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
        throw new Error(`${this.label} on port ${this.port} ${reason} before ${this.readiness.before}\n${this.logTailSection()}`);
      }
      if (await this.isReady(Math.min(1_000, Math.max(1, deadline - Date.now())))) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const waited = `${READY_TIMEOUT_MS / 1000} s`;
    throw new Error(`${this.label} on port ${this.port} did not ${this.readiness.within} within ${waited}\n${this.logTailSection()}`);
  }

  private logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-40).join('\n').slice(-4_000);
    } catch {
      return '';
    }
  }

  private logTailSection(): string {
    let config = '';
    try {
      config = readFileSync(this.configFile, 'utf8');
    } catch {
      config = '(unreadable)';
    }
    return `--- ${this.logFile} (tail) ---\n${this.logTail() || '(empty)'}\n--- config ---\n${config}`;
  }
}

// Every started server until stop(), killed when the process exits so a failing test never leaks one. Under Jest
// the test's `process` is a sandbox copy whose 'exit' never fires, so the hook goes on the host process.
const running = new Set<ServerProcess>();
const killAll = (): void => {
  for (const server of running) server.killNow();
  running.clear();
};

function track(server: ServerProcess): void {
  if (running.size === 0) hostProcess().on('exit', killAll);
  running.add(server);
}

function untrack(server: ServerProcess): void {
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
