import {
  CatgaCommand,
  CatgaConfigurationError,
  CatgaHandler,
  Command,
  LeaderElection,
  MemoryDistributedLock,
  MemoryMembership,
  MemoryMembershipRegistry,
  validateMessageOptions,
} from '@catga/runtime';
import { natsTransport, type NatsTransportOptions } from '@catga/runtime/nats';

// Bad cluster configuration fails where it is written, with a CatgaConfigurationError naming the field.

function configurationError(make: () => unknown): CatgaConfigurationError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(CatgaConfigurationError);
    return error as CatgaConfigurationError;
  }
  throw new Error('expected a CatgaConfigurationError');
}

describe('natsTransport({ cluster })', () => {
  const cluster = (options: unknown) => () => natsTransport({ cluster: options } as NatsTransportOptions);

  it('accepts the defaults, a membership of your own and an election', () => {
    expect(() => natsTransport({ cluster: {} })).not.toThrow();
    const membership = new MemoryMembership(new MemoryMembershipRegistry(), { nodeId: 'n1' });
    const election = new LeaderElection({ lock: new MemoryDistributedLock(), name: 'x' });
    expect(() => natsTransport({ cluster: { membership, election, virtualNodes: 64 } })).not.toThrow();
    expect(() => natsTransport({ cluster: { name: 'orders', nodeId: 'web-1', heartbeatMs: 500, failAfterMs: 2_000 } })).not.toThrow();
  });

  it.each([
    [{ nodeId: 'web.1' }, 'natsTransport.cluster.nodeId', 'expected letters, digits, "_" or "-" (max 64), got "web.1"'],
    [{ name: 'orders>' }, 'natsTransport.cluster.name', 'expected letters, digits, "_" or "-" (max 64)'],
    [{ heartbeatMs: 5 }, 'natsTransport.cluster.heartbeatMs', 'expected an integer between 10 and 600000, got 5'],
    [{ heartbeatMs: 1_000, failAfterMs: 900 }, 'natsTransport.cluster.failAfterMs', 'must be longer than heartbeatMs (1000 ms)'],
    [{ failAfterMs: 1_000 }, 'natsTransport.cluster.failAfterMs', 'must be longer than heartbeatMs (1000 ms)'],
    [{ virtualNodes: 0 }, 'natsTransport.cluster.virtualNodes', 'expected an integer between 1 and 4096, got 0'],
    [{ nodeID: 'a' }, 'natsTransport.cluster.nodeID', 'unknown option; allowed options are "membership", "name", "nodeId"'],
    [{ membership: { nodeId: 'a' } }, 'natsTransport.cluster.membership', 'expected a ClusterMembership (nodeId, start, stop, members, onChange)'],
    [{ election: { isLeader: true } }, 'natsTransport.cluster.election', 'expected a LeaderElection'],
    ['yes', 'natsTransport.cluster', 'expected an options object, got "yes"'],
  ])('refuses %j', (options, field, message) => {
    const error = configurationError(cluster(options));
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
  });

  it('refuses settings of the default membership next to a membership of your own, and a node id that is no subject token', () => {
    const membership = new MemoryMembership(new MemoryMembershipRegistry(), { nodeId: 'n1' });
    const error = configurationError(cluster({ membership, nodeId: 'n2' }));
    expect(error.field).toBe('natsTransport.cluster.nodeId');
    expect(error.message).toContain('configures the default membership; set it on the membership you give instead');
    const odd = { nodeId: 'a.b', start: async () => undefined, stop: async () => undefined, members: () => [], onChange: () => () => undefined };
    expect(configurationError(cluster({ membership: odd })).field).toBe('natsTransport.cluster.membership.nodeId');
  });
});

describe('cluster options on decorators', () => {
  it('checks shardKey as a field name, on the decorator and for the transformer alike', () => {
    for (const bad of ['', '1st', 'order.id', 'a b', 42]) {
      expect(() => validateMessageOptions('command', { shardKey: bad }, '@CatgaCommand(X)')).toThrow(
        'Invalid Catga configuration at "@CatgaCommand(X).shardKey": expected the name of a field of the command',
      );
    }
    expect(() => validateMessageOptions('command', { shardKey: 'orderId' }, '@CatgaCommand(X)')).not.toThrow();
    expect(() => validateMessageOptions('command', { shardKey: '$id_2' }, '@CatgaCommand(X)')).not.toThrow();
    // Only commands are sharded.
    expect(() => validateMessageOptions('query', { shardKey: 'id' }, '@CatgaQuery(X)')).toThrow('"@CatgaQuery(X).shardKey": unknown option');
    expect(() => validateMessageOptions('event', { broadcast: 'yes' }, '@CatgaEvent(X)')).toThrow('"@CatgaEvent(X).broadcast": expected true or false');
    expect(() => validateMessageOptions('event', { broadcast: true, qos: 0 }, '@CatgaEvent(X)')).not.toThrow();
  });

  it('checks leaderOnly on @CatgaHandler', () => {
    @CatgaCommand()
    class Tick extends Command {}
    expect(() => {
      @CatgaHandler(Tick, { leaderOnly: 'yes' as never })
      class TickHandler {
        handle(): void {}
      }
      return TickHandler;
    }).toThrow('Invalid Catga configuration at "@CatgaHandler(TickHandler).leaderOnly": expected true or false, got "yes"');
  });
});
