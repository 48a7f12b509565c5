import type { CatgaLogger } from '../../behaviors/logger.js';
import type { IdempotencyStore } from '../../behaviors/idempotency-store.js';
import type { Codec } from '../../codec/codec.js';
import { ELECTION, FAIL_AFTER_MS, HEARTBEAT_MS, heartbeatTiming, MEMBERSHIP } from '../../cluster/cluster-checks.js';
import { NODE_ID, type ClusterMembership } from '../../cluster/cluster-membership.js';
import type { LeaderElection } from '../../persistence/leader-election.js';
import { CatgaConfigurationError, describeValue } from '../../core/configuration-error.js';
import { checkOptions, integerIn, matching, nested, oneOf, type OptionCheck } from '../../core/option-checks.js';

/** How the transport proves who it is to the server. */
export type NatsAuth =
  | { readonly user: string; readonly password: string }
  | { readonly token: string }
  /** An NKey seed (`SU...`): the server knows the matching public key. */
  | { readonly nkeySeed: string }
  /** A `.creds` file (JWT + NKey seed) from `nsc` or NGS. */
  | { readonly credsFile: string };

/** TLS towards the server. Files are PEM paths. */
export interface NatsTlsOptions {
  /** CA bundle to verify the server with (default: Node's trusted CAs). */
  readonly caFile?: string;
  /** Client certificate, for servers that verify clients. */
  readonly certFile?: string;
  /** Key of the client certificate. */
  readonly keyFile?: string;
}

/** JetStream settings of reliable events (QoS 1 and 2). */
export interface NatsJetStreamOptions {
  /** Where streams keep messages (default `file`). */
  readonly storage?: 'file' | 'memory';
  /** Stream replicas in a clustered server (default 1). */
  readonly replicas?: number;
  /** How long an event stays in its stream, in ms (default 7 days). */
  readonly maxAgeMs?: number;
  /** How long dead-lettered events are kept in `<PREFIX>_DLQ`, in ms (default 30 days). */
  readonly deadLetterMaxAgeMs?: number;
  /** Window in which a re-published `Nats-Msg-Id` is dropped as a duplicate (QoS 2), in ms (default 2 min). */
  readonly duplicateWindowMs?: number;
  /** How long a handler may run before its event is redelivered elsewhere, in ms (default 30 s). Long handlers keep it alive. */
  readonly ackWaitMs?: number;
  /** Deliveries of one event to one handler before it is dead-lettered (default 5). */
  readonly maxDeliveries?: number;
  /** Delay before redelivery after the n-th retryable failure, in ms; the last entry repeats (default 200, 1000, 5000). */
  readonly backoffMs?: readonly number[];
  /** Unacknowledged events one handler may hold at once across its workers (default 1,000). */
  readonly maxAckPending?: number;
  /** How long a reliable publish waits for the stream's acknowledgement, in ms (default 5,000). */
  readonly publishTimeoutMs?: number;
}

/** Limit on sends and reliable publishes waiting for an answer at once. */
export interface NatsInFlightLimit {
  /** Most at once (default 10,000). */
  readonly limit: number;
  /** `wait` (default) queues the call until a slot frees, up to `maxWaitMs`; `reject` fails at once with CONCURRENCY_LIMITED. */
  readonly mode?: 'wait' | 'reject';
  /** Longest wait in `wait` mode, in ms (default 5,000); then CONCURRENCY_LIMITED. */
  readonly maxWaitMs?: number;
}

/** How core (QoS 0) publishes are confirmed. */
export interface NatsPublishBatching {
  /** Confirm as soon as this many publishes are waiting (default 256). */
  readonly maxMessages?: number;
  /** Longest wait before a confirmation round trip, in ms (default 0: at the end of the current turn of the event loop). */
  readonly maxDelayMs?: number;
}

/**
 * Clustering (docs/cluster.md): sharded commands (`shardKey`) go to the node owning their key, leader-only handlers
 * run on the leader only. Give it to every instance of a service; all instances of one service form one cluster.
 */
export interface NatsClusterOptions {
  /**
   * How the nodes learn who is alive. Default: a `NatsMembership` on this transport's connection, with `name`,
   * `nodeId`, `heartbeatMs` and `failAfterMs` below (set those on your own membership when you give one).
   */
  readonly membership?: ClusterMembership;
  /** Name of the cluster (default: the service name). Subjects `<prefix>.cluster.<name>.heartbeat` and `.leave`. */
  readonly name?: string;
  /** This node's id (default: host name and random digits); unique among live members. */
  readonly nodeId?: string;
  /** How often the default membership announces this node, in ms (default 1,000). */
  readonly heartbeatMs?: number;
  /** After how long without a heartbeat a node is dropped, in ms (default 3 × `heartbeatMs`). */
  readonly failAfterMs?: number;
  /** Points per node on the hash ring (default 128); every node of a cluster must use the same number. */
  readonly virtualNodes?: number;
  /**
   * The election deciding which node runs the leader-only handlers (`@CatgaHandler(X, { leaderOnly: true })`),
   * e.g. `new LeaderElection({ lock: new RedisDistributedLock(redis), name: 'orders' })`. The transport owns it:
   * it starts it when it connects and stops it (handing leadership over) when it closes.
   */
  readonly election?: LeaderElection;
}

/** Options of {@link natsTransport}. Every field is checked when the transport is created. */
export interface NatsTransportOptions {
  /** Server URLs (default `nats://127.0.0.1:4222`, or `NATS_URL`). */
  readonly servers?: string | readonly string[];
  /** First token of every subject and stream name (default `catga`). Letters, digits, `_` and `-`. */
  readonly prefix?: string;
  /**
   * Name of this service: the queue group of its event subscriptions (each service gets one copy of an event, shared
   * by its instances) and the first part of its JetStream consumers. Default: the Catga instance's name.
   */
  readonly service?: string;
  readonly auth?: NatsAuth;
  /** `true` for TLS with Node's trusted CAs, or the files to use. */
  readonly tls?: boolean | NatsTlsOptions;
  /** Connection name shown by the server's monitoring (default: `<service>`). */
  readonly connectionName?: string;
  /** Payload codec (default `msgpack`). Receivers read both built-in codecs, whatever their own setting. */
  readonly codec?: 'msgpack' | 'json' | Codec;
  /** Largest payload, in bytes, before compression (default: the server's `max_payload`, 1 MiB unless configured). */
  readonly maxPayloadBytes?: number;
  /** Deflate bodies larger than this many bytes (default `false`: never). */
  readonly compressAboveBytes?: number | false;
  /** How long `send` waits for a reply, in ms (default 30,000); then TIMEOUT. */
  readonly requestTimeoutMs?: number;
  /** Bound on sends and reliable publishes in flight (default `{ limit: 10_000, mode: 'wait' }`). */
  readonly maxInFlight?: NatsInFlightLimit;
  /**
   * QoS 0 publishes resolve once the server has them: one PING/PONG confirms a whole batch. `false` resolves as soon
   * as the message is written to the socket buffer (fastest, no confirmation).
   */
  readonly publishBatching?: NatsPublishBatching | false;
  readonly jetstream?: NatsJetStreamOptions;
  /**
   * Consumer-side deduplication of QoS 2 events: a handler that already handled a message id skips it. Default: an
   * in-process store; give a shared one (Redis) so duplicates are caught across instances.
   */
  readonly inbox?: IdempotencyStore;
  /** How long `close()` waits for running handlers and pending sends, in ms (default 10,000). */
  readonly drainTimeoutMs?: number;
  /** Pause between reconnect attempts, in ms (default 250). Reconnection never gives up. */
  readonly reconnectWaitMs?: number;
  /** Where the transport logs dropped input, dead letters and connection changes (default: console, warn and up). */
  readonly logger?: CatgaLogger;
  /** Sharding and leader-only handlers across the instances of a service (default: none; see docs/cluster.md). */
  readonly cluster?: NatsClusterOptions;
}

const TOKEN = matching(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "_" or "-" (max 64)');
const MS = integerIn(1, 2_147_483_647);
const AGE_MS = integerIn(1_000, 100 * 365 * 24 * 3_600_000);

function nonEmptyString(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new CatgaConfigurationError(field, `expected a non-empty string, got ${describeValue(value)}`);
}

const servers: OptionCheck = (value, field) => {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) throw new CatgaConfigurationError(field, `expected a URL or a non-empty array of URLs, got ${describeValue(value)}`);
  list.forEach((url, i) => nonEmptyString(url, `${field}[${i}]`));
};

const auth: OptionCheck = (value, field) => {
  if (value === null || typeof value !== 'object') throw new CatgaConfigurationError(field, `expected an auth object, got ${describeValue(value)}`);
  const keys = Object.keys(value).sort().join(',');
  const shapes: Record<string, Readonly<Record<string, OptionCheck>>> = {
    'password,user': { user: nonEmptyString, password: nonEmptyString },
    token: { token: nonEmptyString },
    nkeySeed: { nkeySeed: matching(/^SU[A-Z2-7]{56}$/, 'a user NKey seed (SU...)') },
    credsFile: { credsFile: nonEmptyString },
  };
  const shape = shapes[keys];
  if (shape === undefined) throw new CatgaConfigurationError(field, 'expected { user, password }, { token }, { nkeySeed } or { credsFile }');
  checkOptions(value, field, shape);
};

const tls: OptionCheck = (value, field) => {
  if (typeof value === 'boolean') return;
  nested({ caFile: nonEmptyString, certFile: nonEmptyString, keyFile: nonEmptyString })(value, field);
};

const codec: OptionCheck = (value, field) => {
  if (value === 'msgpack' || value === 'json') return;
  const custom = value as Partial<Codec> | null;
  if (custom === null || typeof custom !== 'object' || typeof custom.encode !== 'function' || typeof custom.decode !== 'function' || typeof custom.contentType !== 'string') {
    throw new CatgaConfigurationError(field, `expected 'msgpack', 'json' or a Codec, got ${describeValue(value)}`);
  }
};

const backoff: OptionCheck = (value, field) => {
  if (!Array.isArray(value) || value.length === 0) throw new CatgaConfigurationError(field, `expected a non-empty array of delays, got ${describeValue(value)}`);
  value.forEach((delay, i) => integerIn(0, 3_600_000)(delay, `${field}[${i}]`));
};

const store: OptionCheck = (value, field) => {
  const candidate = value as Partial<IdempotencyStore> | null;
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.tryClaim !== 'function' || typeof candidate.complete !== 'function') {
    throw new CatgaConfigurationError(field, 'expected an IdempotencyStore (get, tryClaim, complete, release)');
  }
};

const logger: OptionCheck = (value, field) => {
  const candidate = value as Partial<CatgaLogger> | null;
  if (candidate === null || typeof candidate !== 'object' || !['debug', 'info', 'warn', 'error'].every((level) => typeof candidate[level as keyof CatgaLogger] === 'function')) {
    throw new CatgaConfigurationError(field, 'expected a logger with debug, info, warn and error methods');
  }
};

const CLUSTER_CHECKS: Readonly<Record<keyof NatsClusterOptions, OptionCheck>> = {
  membership: MEMBERSHIP,
  name: TOKEN,
  nodeId: NODE_ID,
  heartbeatMs: HEARTBEAT_MS,
  failAfterMs: FAIL_AFTER_MS,
  virtualNodes: integerIn(1, 4_096),
  election: ELECTION,
};

const cluster: OptionCheck = (value, field) => {
  nested(CLUSTER_CHECKS)(value, field);
  const options = value as NatsClusterOptions;
  if (options.membership !== undefined) {
    NODE_ID(options.membership.nodeId, `${field}.membership.nodeId`); // it becomes a subject token
    for (const own of ['name', 'nodeId', 'heartbeatMs', 'failAfterMs'] as const) {
      if (options[own] !== undefined) throw new CatgaConfigurationError(`${field}.${own}`, 'configures the default membership; set it on the membership you give instead');
    }
  } else {
    heartbeatTiming(options.heartbeatMs, options.failAfterMs, field);
  }
};

const CHECKS: Readonly<Record<keyof NatsTransportOptions, OptionCheck>> = {
  servers,
  prefix: TOKEN,
  service: TOKEN,
  auth,
  tls,
  connectionName: nonEmptyString,
  codec,
  maxPayloadBytes: integerIn(64, 64 * 1024 * 1024),
  compressAboveBytes: (value, field) => {
    if (value !== false) integerIn(0, 64 * 1024 * 1024)(value, field);
  },
  requestTimeoutMs: MS,
  maxInFlight: nested({ limit: integerIn(1, 1_000_000), mode: oneOf(['wait', 'reject']), maxWaitMs: MS }, ['limit']),
  publishBatching: (value, field) => {
    if (value !== false) nested({ maxMessages: integerIn(1, 1_000_000), maxDelayMs: integerIn(0, 60_000) })(value, field);
  },
  jetstream: nested({
    storage: oneOf(['file', 'memory']),
    replicas: integerIn(1, 5),
    maxAgeMs: AGE_MS,
    deadLetterMaxAgeMs: AGE_MS,
    duplicateWindowMs: MS,
    ackWaitMs: integerIn(100, 2_147_483_647),
    maxDeliveries: integerIn(1, 1_000),
    backoffMs: backoff,
    maxAckPending: integerIn(1, 1_000_000),
    publishTimeoutMs: MS,
  }),
  inbox: store,
  drainTimeoutMs: integerIn(0, 2_147_483_647),
  reconnectWaitMs: integerIn(0, 600_000),
  logger,
  cluster,
};

/** Checks transport options, throwing a {@link CatgaConfigurationError} that names the bad field. */
export function checkNatsTransportOptions(options: unknown): asserts options is NatsTransportOptions {
  checkOptions(options, 'natsTransport', CHECKS);
}
