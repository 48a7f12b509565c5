import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Catga, CatgaBuilder, CatgaLogger, LogFields } from '@catga/runtime';
import { createCatga } from '@catga/runtime';
import { natsTransport, type NatsTransport, type NatsTransportOptions } from '@catga/runtime/nats';
import { NATS_URL } from './nats-server';

/** A logger that keeps every entry, so tests can assert what the transport reported. */
export class RecordingLogger implements CatgaLogger {
  readonly entries: Array<{ level: string; message: string; fields: LogFields }> = [];
  debug(fields: LogFields, message: string): void {
    this.entries.push({ level: 'debug', message, fields });
  }
  info(fields: LogFields, message: string): void {
    this.entries.push({ level: 'info', message, fields });
  }
  warn(fields: LogFields, message: string): void {
    this.entries.push({ level: 'warn', message, fields });
  }
  error(fields: LogFields, message: string): void {
    this.entries.push({ level: 'error', message, fields });
  }
  messages(level: string): string[] {
    return this.entries.filter((entry) => entry.level === level).map((entry) => entry.message);
  }
}

/** Every Catga a test started, closed after it (even when it failed). */
const started: Catga[] = [];

/** A started instance with its transport and what the transport logged. */
export interface NatsNode {
  readonly catga: Catga;
  readonly transport: NatsTransport;
  readonly logger: RecordingLogger;
}

/** Starts a Catga instance on NATS (highPerformance preset, so only what the test asks for runs). */
export async function startOnNats(
  name: string,
  options: NatsTransportOptions,
  configure: (builder: CatgaBuilder) => CatgaBuilder = (builder) => builder,
): Promise<NatsNode> {
  const logger = new RecordingLogger();
  const transport = natsTransport({ servers: NATS_URL, logger, ...options });
  const catga = await configure(createCatga({ name, preset: 'highPerformance' })).withTransport(transport).start();
  started.push(catga);
  return { catga, transport, logger };
}

/** Closes every instance started by {@link startOnNats}. Call in `afterEach`. */
export async function closeAll(): Promise<void> {
  await Promise.all(started.splice(0).map((catga) => catga.close()));
}

/** Deletes the JetStream streams of a test's prefix (`<PREFIX>_…`). */
export async function deleteStreams(prefix: string, servers: string = NATS_URL): Promise<void> {
  const nc = await connect({ servers });
  try {
    const manager = await jetstreamManager(nc);
    const mine = `${prefix.toUpperCase()}_`;
    for await (const stream of manager.streams.list()) {
      if (stream.config.name.startsWith(mine)) await manager.streams.delete(stream.config.name);
    }
  } finally {
    await nc.close();
  }
}

/** Polls `condition` every 20 ms until it holds or `timeoutMs` passes (then throws with `what`). */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
