/**
 * `@catga/runtime/nats`: the NATS transport (core request/reply and JetStream). Loads `@nats-io/transport-node` and
 * `@nats-io/jetstream` only when imported.
 *
 * @packageDocumentation
 */
export { NatsTransport, natsTransport } from './nats-transport.js';
export type { NatsHealth } from './nats-transport.js';
export type {
  NatsAuth,
  NatsInFlightLimit,
  NatsJetStreamOptions,
  NatsPublishBatching,
  NatsTlsOptions,
  NatsTransportOptions,
} from './nats-options.js';
export { HEADER as NATS_HEADERS } from './wire-names.js';
