/**
 * `@catga/runtime/nats`: the NATS transport (core request/reply and JetStream). Loads `@nats-io/transport-node` and
 * `@nats-io/jetstream` only when imported.
 *
 * @packageDocumentation
 */
export { NatsTransport, natsTransport } from './nats-transport.js';
export type { NatsClusterHealth, NatsHealth } from './nats-transport.js';
export { NatsMembership } from './nats-membership.js';
export type { NatsMembershipOptions } from './nats-membership.js';
export type {
  NatsAuth,
  NatsClusterOptions,
  NatsInFlightLimit,
  NatsJetStreamOptions,
  NatsPublishBatching,
  NatsTlsOptions,
  NatsTransportOptions,
} from './nats-options.js';
export { HEADER as NATS_HEADERS } from './wire-names.js';
