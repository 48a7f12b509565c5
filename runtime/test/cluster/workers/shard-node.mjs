// One node of a sharded cluster in its own process, for runtime/test/cluster/crash.test.ts. Run from the runtime
// directory (`node test/cluster/workers/shard-node.mjs '<json config>'`) so that `@catga/runtime` is the built package.
//
// Config (one JSON argument): servers, prefix, service, nodeId, heartbeatMs, failAfterMs.
// Reports on stdout, one line each: `READY {"pid":…}` once started, `HANDLED {"key":…,"seq":…}` per command.
// The test kills it with SIGKILL: no leave, no drain, its connection just dies.

import { CatgaCommand, CatgaHandler, Command, createCatga } from '@catga/runtime';
import { natsTransport } from '@catga/runtime/nats';

const config = JSON.parse(process.argv[2] ?? '{}');

class Deposit extends Command {
  constructor(account, seq) {
    super();
    this.account = account;
    this.seq = seq;
  }
}
CatgaCommand({ shardKey: 'account' })(Deposit);

class DepositHandler {
  handle(command) {
    process.stdout.write(`HANDLED ${JSON.stringify({ key: command.account, seq: command.seq })}\n`);
    return config.nodeId;
  }
}
CatgaHandler(Deposit)(DepositHandler);

const quiet = { debug() {}, info() {}, warn() {}, error: (fields, message) => process.stderr.write(`${message}\n`) };
await createCatga({ name: config.service, preset: 'highPerformance' })
  .handler(DepositHandler)
  .withTransport(
    natsTransport({
      servers: config.servers,
      prefix: config.prefix,
      service: config.service,
      logger: quiet,
      cluster: { nodeId: config.nodeId, heartbeatMs: config.heartbeatMs, failAfterMs: config.failAfterMs },
    }),
  )
  .start();
process.stdout.write(`READY ${JSON.stringify({ pid: process.pid })}\n`);
process.stdin.on('end', () => process.exit(0)); // the test process went away
process.stdin.resume();
