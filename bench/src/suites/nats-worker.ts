/**
 * The responder process of the NATS request/reply suite (nats-request.ts), forked so that the requester and the
 * responder do not share an event loop, as in a real deployment.
 *
 * - `node nats-worker.js raw <server> <subject>`: a nats.js connection with default options answering `<subject>`
 *   with the request's own bytes: `nc.subscribe(subject, { callback: (e, m) => m.respond(m.data) })`. Catga is not
 *   loaded in this process.
 * - `node nats-worker.js catga <server> <prefix>`: a Catga instance (`highPerformance` preset) with the in-process
 *   suites' order handler, on the NATS transport with the given subject prefix.
 *
 * Reports `{ type: 'ready' }` over IPC once its subscriptions are registered on the server (or `{ type: 'failed' }`),
 * then serves until the parent sends `stop` or goes away; it then closes its connection and exits.
 */
import { connect } from '@nats-io/transport-node';
import type { ResponderKind, WorkerReport } from './nats-common.js';

const [kind, servers, target] = process.argv.slice(2) as [ResponderKind, string, string];

function report(message: WorkerReport): void {
  process.send?.(message);
}

async function start(): Promise<() => Promise<void>> {
  if (kind === 'raw') {
    const nc = await connect({ servers, name: 'catga-bench-raw-responder', timeout: 5_000 });
    nc.subscribe(target, {
      callback: (error, msg) => {
        if (error === null) msg.respond(msg.data);
      },
    });
    await nc.flush(); // the subscription is on the server before the parent starts sending
    return () => nc.drain();
  }
  if (kind === 'catga') {
    const [{ createCatga }, { natsTransport }, { CreateOrderHandler }] = await Promise.all([
      import('@catga/runtime'),
      import('@catga/runtime/nats'),
      import('./catga-variants.js'),
    ]);
    const server = await createCatga({ name: 'bench-server', preset: 'highPerformance' })
      .handler(CreateOrderHandler)
      .withTransport(natsTransport({ servers, prefix: target }))
      .start();
    return () => server.close();
  }
  throw new Error(`usage: nats-worker.js raw <server> <subject> | catga <server> <prefix> (got "${String(kind)}")`);
}

try {
  const close = await start();
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('message', stop);
  process.on('disconnect', stop); // the parent died: do not linger
  process.on('SIGTERM', stop);
  report({ type: 'ready' });
} catch (error) {
  report({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
}
