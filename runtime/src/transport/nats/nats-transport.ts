import { readFileSync } from 'node:fs';
import { context, type Span, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import {
  type ConnectionOptions,
  credsAuthenticator,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  nkeyAuthenticator,
  type Subscription,
} from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { MemoryIdempotencyStore } from '../../behaviors/idempotency-store.js';
import { consoleLogger, type CatgaLogger } from '../../behaviors/logger.js';
import { INSTRUMENTATION_NAME } from '../../behaviors/tracing.js';
import type { ClusterMembership } from '../../cluster/cluster-membership.js';
import { DEFAULT_VIRTUAL_NODES } from '../../cluster/hash-ring.js';
import { KeyedQueue } from '../../cluster/keyed-queue.js';
import { shardKeyOf } from '../../cluster/shard-key.js';
import { ShardRouter } from '../../cluster/shard-router.js';
import type { Codec } from '../../codec/codec.js';
import { jsonCodec } from '../../codec/json-codec.js';
import { msgpackCodec } from '../../codec/msgpack-codec.js';
import { CatgaError } from '../../core/catga-error.js';
import { CatgaConfigurationError } from '../../core/configuration-error.js';
import { NEVER_ABORTED } from '../../core/abort.js';
import { ErrorCode } from '../../core/error-codes.js';
import type { Event, Message, MessageClass, MessageKind } from '../../core/messages.js';
import { kindOf, messageMetadataOf, typeNameOf } from '../../core/metadata.js';
import type { CommandOptions, EventOptions, QualityOfService } from '../../core/message-options.js';
import { type HandlerFailure, PublishError, type PublishResult } from '../../core/publish-result.js';
import { type CatgaResult, type Fail, fail } from '../../core/result.js';
import type { InboundDispatcher, Transport } from '../../core/transport.js';
import { InFlightLimit } from './in-flight-limit.js';
import { LeaderSubscriptions } from './leader-subscriptions.js';
import { MessageWire } from './message-wire.js';
import { NatsMembership } from './nats-membership.js';
import { checkNatsTransportOptions, type NatsTransportOptions } from './nats-options.js';
import { PublishConfirmer } from './publish-confirmer.js';
import { ReliableEvents, type ReliableEventSettings } from './reliable-events.js';
import { ReplyCorrelator } from './reply-correlator.js';
import { extractTraceContext, injectTraceContext } from './trace-context.js';
import { ShardedSender } from './sharded-sender.js';
import { HEADER, messageSubject, nodeSubject } from './wire-names.js';

/** What {@link NatsTransport.health} reports. */
export interface NatsHealth {
  /** `true` when connected and accepting messages. */
  readonly ok: boolean;
  readonly state: 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed';
  /** The server currently connected to. */
  readonly server: string | undefined;
  /** Round trip to the server in ms (`undefined` when it could not be measured). */
  readonly rttMs: number | undefined;
  /** Sends waiting for their reply. */
  readonly pendingSends: number;
  /** Handlers of this process running for messages received over NATS. */
  readonly runningHandlers: number;
  /** With the `cluster` option: this node, the live members it routes sharded commands over, and whether it leads. */
  readonly cluster?: NatsClusterHealth;
}

/** The cluster part of {@link NatsHealth}. */
export interface NatsClusterHealth {
  /** This node's id; `undefined` when it serves no sharded command (it then joins no membership). */
  readonly nodeId: string | undefined;
  /** Live members, sorted (empty without membership). */
  readonly members: readonly string[];
  /** Whether this node leads the cluster's election; `undefined` without `cluster.election`. */
  readonly leader: boolean | undefined;
}

/** Where one message class goes on the wire. */
interface Route {
  readonly messageClass: MessageClass;
  readonly kind: MessageKind;
  readonly typeName: string;
  readonly subjectToken: string;
  readonly subject: string;
  readonly qos: QualityOfService;
  /** The command's `shardKey` field, if it has one. */
  readonly shardKey: string | undefined;
  /** An event every node gets a copy of (no queue group). */
  readonly broadcast: boolean;
}

/** What sharding needs once the transport joined its cluster. */
interface Sharding {
  readonly membership: ClusterMembership;
  readonly router: ShardRouter;
  readonly sender: ShardedSender;
  /** Per shard key, one message at a time, in arrival order. */
  readonly queue: KeyedQueue;
  /** Sharded command classes with a local handler: sent to their owner, served on this node's subjects. */
  readonly served: ReadonlySet<Function>;
}

/** A message ready to go: its payload, its headers and its open span. */
interface Outgoing {
  readonly ok: true;
  readonly headers: MsgHdrs;
  readonly data: Uint8Array;
  readonly span: Span;
}

const DEFAULT_SERVER = 'nats://127.0.0.1:4222';
const REQUEST_QUEUE_SUFFIX = 'handlers';

function describeThrown(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

function transportFailed(message: string, details: Record<string, unknown>, cause?: unknown, retryable = true): CatgaResult<never> {
  return fail(ErrorCode.TRANSPORT_FAILED, message, { retryable, details, cause });
}

function codecOf(codec: NatsTransportOptions['codec']): Codec {
  if (codec === 'json') return jsonCodec();
  if (codec === undefined || codec === 'msgpack') return msgpackCodec();
  return codec;
}

/**
 * Carries commands, queries and events between processes over NATS (DESIGN §6 subjects and headers).
 *
 * - **Commands and queries**: published on `<prefix>.cmd|qry.<Type>` to a queue group, so the instances that handle a
 *   type share its load; replies come back on one inbox subscription per connection and are correlated here. No
 *   reply within `requestTimeoutMs` is TIMEOUT; nobody subscribed is HANDLER_NOT_FOUND; a remote failure arrives as
 *   the remote `CatgaError` (code, message, retryable, details).
 * - **Events**: QoS 0 is a core publish, one copy per subscribing service (queue group = service name), confirmed by
 *   the server in batches; QoS 1 and 2 go through JetStream (see {@link ReliableEvents}).
 * - The W3C trace context travels in headers, so a trace spans both processes.
 *
 * Create it with {@link natsTransport} and give it to `createCatga().withTransport(...)`, then `await builder.start()`.
 */
export class NatsTransport implements Transport {
  readonly name = 'nats';
  private state: NatsHealth['state'] = 'connecting';
  private connection: NatsConnection | undefined;
  private inbound: InboundDispatcher | undefined;
  private wire: MessageWire | undefined;
  private replies: ReplyCorrelator | undefined;
  private reliable: ReliableEvents | undefined;
  private confirmer: PublishConfirmer | undefined;
  private readonly subscriptions: Subscription[] = [];
  private readonly routes = new Map<Function, Route>();
  private sharding: Sharding | undefined;
  private leaderSubscriptions: LeaderSubscriptions | undefined;
  private readonly limit: InFlightLimit;
  private readonly logger: CatgaLogger;
  private readonly tracer: Tracer;
  private readonly prefix: string;
  private running = 0;

  constructor(private readonly options: NatsTransportOptions = {}) {
    checkNatsTransportOptions(options);
    this.prefix = options.prefix ?? 'catga';
    this.logger = options.logger ?? consoleLogger({ level: 'warn' });
    this.tracer = trace.getTracer(INSTRUMENTATION_NAME);
    const inFlight = options.maxInFlight ?? { limit: 10_000 };
    this.limit = new InFlightLimit(inFlight.limit, inFlight.mode ?? 'wait', inFlight.maxWaitMs ?? 5_000);
  }

  /** Connects, then subscribes to every message type with a local handler. Rejects with a clear error when it cannot. */
  async connect(inbound: InboundDispatcher): Promise<void> {
    const options = this.options;
    const servers = options.servers ?? process.env.NATS_URL ?? DEFAULT_SERVER;
    const service = options.service ?? inbound.instanceName;
    const sharded = this.checkClusterUse(inbound);
    let connection: NatsConnection;
    try {
      connection = await connect(this.connectionOptions(servers, service));
    } catch (thrown) {
      throw new CatgaError(ErrorCode.TRANSPORT_FAILED, `Cannot connect to NATS at ${String(servers)}: ${describeThrown(thrown)}`, {
        retryable: true,
        details: { servers },
        cause: thrown,
      });
    }
    this.connection = connection;
    this.inbound = inbound;
    const serverLimit = connection.info?.max_payload ?? 1024 * 1024;
    const maxPayloadBytes = options.maxPayloadBytes ?? serverLimit;
    if (maxPayloadBytes > serverLimit) {
      await connection.close();
      throw new CatgaConfigurationError('natsTransport.maxPayloadBytes', `${maxPayloadBytes} bytes is over the server's max_payload of ${serverLimit} bytes`);
    }
    const wire = new MessageWire({ codec: codecOf(options.codec), maxPayloadBytes, compressAboveBytes: options.compressAboveBytes ?? false });
    this.wire = wire;
    this.replies = new ReplyCorrelator(connection, wire, options.requestTimeoutMs ?? 30_000, (subject) =>
      this.logger.debug({ subject }, 'catga: reply arrived after its send ended (timeout or cancel); dropped'),
    );
    this.replies.start();
    if (options.publishBatching !== false) {
      const batching = options.publishBatching ?? {};
      this.confirmer = new PublishConfirmer(() => connection.flush(), batching.maxMessages ?? 256, batching.maxDelayMs ?? 0);
    }
    this.reliable = new ReliableEvents(connection, this.reliableSettings(service), wire, options.inbox ?? new MemoryIdempotencyStore(), this.logger);
    void this.watchConnection(connection);
    try {
      if (sharded.size > 0) this.sharding = this.shardingFor(connection, service, sharded);
    } catch (thrown) {
      await connection.close().catch(() => undefined); // a membership option was wrong
      throw thrown;
    }
    try {
      await this.subscribeAll(connection, inbound, service);
      await connection.flush(); // subscriptions are registered on the server before start() resolves
    } catch (thrown) {
      await connection.close().catch(() => undefined);
      throw new CatgaError(ErrorCode.TRANSPORT_FAILED, `Cannot subscribe on NATS: ${describeThrown(thrown)}`, { retryable: true, cause: thrown });
    }
    try {
      await this.joinCluster(connection, inbound, service);
    } catch (thrown) {
      await this.sharding?.membership.stop().catch(() => undefined);
      await connection.close().catch(() => undefined);
      if (thrown instanceof CatgaError || thrown instanceof CatgaConfigurationError) throw thrown;
      throw new CatgaError(ErrorCode.TRANSPORT_FAILED, `Cannot join the cluster: ${describeThrown(thrown)}`, { retryable: true, cause: thrown });
    }
    this.state = 'open';
  }

  request(message: Message, signal: AbortSignal): Promise<CatgaResult<unknown>> {
    if (this.state !== 'open' && this.state !== 'reconnecting') return Promise.resolve(this.refuse(message));
    const slot = this.limit.acquire();
    if (slot === true) return this.sendRequest(message, signal);
    if (slot === false) return Promise.resolve(this.limited(message));
    return slot.then((admitted) => (admitted ? this.sendRequest(message, signal) : this.limited(message)));
  }

  publish(event: Event, signal: AbortSignal): Promise<PublishResult> {
    if (this.state !== 'open' && this.state !== 'reconnecting') return Promise.resolve(this.refuse(event));
    void signal; // a publish is one write (QoS 0) or one store round trip (QoS 1/2): not worth interrupting
    const route = this.routeOf(event.constructor as MessageClass);
    if (route.qos === 0) return this.publishCore(route, event);
    const slot = this.limit.acquire();
    if (slot === true) return this.publishReliable(route, event);
    if (slot === false) return Promise.resolve(this.limited(event));
    return slot.then((admitted) => (admitted ? this.publishReliable(route, event) : this.limited(event)));
  }

  /**
   * Stops accepting messages, lets running handlers and pending sends finish (up to `drainTimeoutMs`; then the sends
   * still waiting end with TRANSPORT_FAILED and the replies of handlers still running are lost), then drains and
   * closes the connection. Unacknowledged reliable events are redelivered to another instance.
   */
  async close(): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'closing';
    this.limit.rejectWaiters();
    const connection = this.connection;
    if (connection === undefined) {
      this.state = 'closed';
      return;
    }
    await Promise.all([
      ...this.subscriptions.splice(0).map((subscription) => subscription.drain().catch(() => undefined)),
      this.leaderSubscriptions?.stop(),
    ]);
    await this.reliable?.stop();
    const deadline = Date.now() + (this.options.drainTimeoutMs ?? 10_000);
    while (this.busy() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    if (this.busy()) {
      this.logger.warn({ runningHandlers: this.running + (this.reliable?.running ?? 0) }, 'catga: NATS transport closed with handlers still running');
      this.replies?.settleAll((typeName) => transportFailed(`The NATS transport closed before "${typeName}" got its reply`, { messageType: typeName }));
    }
    await this.leaveCluster();
    this.confirmer?.flushNow();
    this.replies?.stop();
    await connection.drain().catch(() => connection.close());
    this.state = 'closed';
  }

  /** Connection state, server, round-trip time and work in progress, for health endpoints. */
  async health(): Promise<NatsHealth> {
    const connection = this.connection;
    let rttMs: number | undefined;
    if (connection !== undefined && this.state === 'open') {
      rttMs = await Promise.race([connection.rtt(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2_000).unref())]).catch(() => undefined);
    }
    return {
      ok: this.state === 'open' && rttMs !== undefined,
      state: this.state,
      server: connection?.getServer(),
      rttMs,
      pendingSends: this.replies?.size ?? 0,
      runningHandlers: this.running + (this.reliable?.running ?? 0),
      ...(this.options.cluster === undefined
        ? {}
        : {
            cluster: {
              nodeId: this.sharding?.membership.nodeId,
              members: this.sharding?.membership.members() ?? [],
              leader: this.options.cluster.election === undefined ? undefined : this.options.cluster.election.isLeader,
            },
          }),
    };
  }

  /**
   * The membership this transport routes sharded commands over, once connected; `undefined` without the `cluster`
   * option or when this node handles no sharded command (it then joins no membership).
   */
  get membership(): ClusterMembership | undefined {
    return this.sharding?.membership;
  }

  private busy(): boolean {
    return this.running > 0 || (this.reliable?.running ?? 0) > 0 || (this.replies?.size ?? 0) > 0 || (this.sharding?.sender.inFlight ?? 0) > 0;
  }

  private connectionOptions(servers: string | readonly string[], service: string): ConnectionOptions {
    const { auth, tls } = this.options;
    const options: ConnectionOptions = {
      servers: typeof servers === 'string' ? servers : [...servers],
      name: this.options.connectionName ?? service,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: this.options.reconnectWaitMs ?? 250,
      // An Error per request for async stack traces costs ~40 % of the client's throughput.
      noAsyncTraces: true,
    };
    if (auth !== undefined) {
      if ('user' in auth) Object.assign(options, { user: auth.user, pass: auth.password });
      else if ('token' in auth) options.token = auth.token;
      else if ('nkeySeed' in auth) options.authenticator = nkeyAuthenticator(new TextEncoder().encode(auth.nkeySeed));
      else options.authenticator = credsAuthenticator(readFileSync(auth.credsFile));
    }
    if (tls !== undefined && tls !== false) options.tls = tls === true ? {} : { ...tls };
    return options;
  }

  private reliableSettings(service: string): ReliableEventSettings {
    const js = this.options.jetstream ?? {};
    return {
      prefix: this.prefix,
      service,
      storage: js.storage ?? 'file',
      replicas: js.replicas ?? 1,
      maxAgeMs: js.maxAgeMs ?? 7 * 24 * 3_600_000,
      deadLetterMaxAgeMs: js.deadLetterMaxAgeMs ?? 30 * 24 * 3_600_000,
      duplicateWindowMs: js.duplicateWindowMs ?? 120_000,
      ackWaitMs: js.ackWaitMs ?? 30_000,
      maxDeliveries: js.maxDeliveries ?? 5,
      backoffMs: js.backoffMs ?? [200, 1_000, 5_000],
      maxAckPending: js.maxAckPending ?? 1_000,
      publishTimeoutMs: js.publishTimeoutMs ?? 5_000,
    };
  }

  private async subscribeAll(connection: NatsConnection, inbound: InboundDispatcher, service: string): Promise<void> {
    const leaderOnly = inbound.leaderOnlyHandlers ?? new Map<MessageClass, readonly string[]>();
    for (const messageClass of inbound.requestClasses) {
      if (leaderOnly.has(messageClass)) continue; // subscribed while this node leads (subscribeLeaderOnly)
      const route = this.routeOf(messageClass);
      if (this.sharding?.served.has(messageClass) === true) {
        this.subscribeSharded(connection, route, this.sharding.membership.nodeId);
        continue;
      }
      this.subscriptions.push(
        connection.subscribe(route.subject, {
          queue: `${this.prefix}-${REQUEST_QUEUE_SUFFIX}`,
          callback: (error, msg) => (error === null ? void this.serveRequest(route, msg) : this.subscriptionError(route, error)),
        }),
      );
    }
    for (const [eventClass, handlerNames] of inbound.eventHandlers) {
      const route = this.routeOf(eventClass);
      const leaders = leaderOnly.get(eventClass);
      // With leader-only handlers among them, this subscription runs only the others (the leader's runs those).
      const others = leaders === undefined ? undefined : handlerNames.filter((name) => !leaders.includes(name));
      if (route.qos === 0) {
        if (others?.length === 0) continue;
        this.subscriptions.push(
          connection.subscribe(route.subject, {
            // Broadcast: no queue group, so every instance gets its own copy.
            queue: route.broadcast ? undefined : service,
            callback: (error, msg) => (error === null ? void this.serveEvent(route, msg, others) : this.subscriptionError(route, error)),
          }),
        );
      } else {
        await this.reliable!.subscribe(route, handlerNames, inbound);
      }
    }
  }

  // ---- Cluster: sharding and leader-only handlers (docs/cluster.md) ----

  /**
   * Checks the handlers against the `cluster` option before connecting, and returns the sharded command classes this
   * node serves. Throws a {@link CatgaConfigurationError} for what cannot work.
   */
  private checkClusterUse(inbound: InboundDispatcher): Set<Function> {
    const cluster = this.options.cluster;
    const leaderOnly = inbound.leaderOnlyHandlers ?? new Map<MessageClass, readonly string[]>();
    const sharded = new Set<Function>();
    for (const messageClass of inbound.requestClasses) {
      const route = this.routeOf(messageClass);
      if (route.shardKey === undefined) continue;
      const leaders = leaderOnly.get(messageClass);
      if (leaders !== undefined) {
        throw new CatgaConfigurationError(
          `@CatgaHandler(${leaders[0]}).leaderOnly`,
          `command "${route.typeName}" has a shardKey, which spreads it over the nodes, and its handler is leaderOnly, which keeps it on one; keep one of the two`,
        );
      }
      if (cluster !== undefined) sharded.add(messageClass);
    }
    for (const [messageClass, names] of leaderOnly) {
      const route = this.routeOf(messageClass);
      if (route.kind === 'event' && route.qos !== 0) {
        throw new CatgaConfigurationError(
          `@CatgaHandler(${names[0]}).leaderOnly`,
          `"${route.typeName}" is a QoS ${route.qos} event, delivered through shared JetStream consumers; leader-only handlers are supported for commands, queries and QoS 0 events`,
        );
      }
    }
    if (leaderOnly.size > 0 && cluster?.election === undefined) {
      const names = [...leaderOnly.values()].flat().join(', ');
      throw new CatgaConfigurationError('natsTransport.cluster.election', `${names} ${names.includes(',') ? 'are' : 'is'} leaderOnly: give the transport cluster.election (a LeaderElection) so it knows when this node leads`);
    }
    return sharded;
  }

  private shardingFor(connection: NatsConnection, service: string, served: ReadonlySet<Function>): Sharding {
    const cluster = this.options.cluster!;
    const membership =
      cluster.membership ??
      new NatsMembership({
        connection,
        prefix: this.prefix,
        cluster: cluster.name ?? service.replace(/[^A-Za-z0-9_-]/g, '_'),
        nodeId: cluster.nodeId,
        heartbeatMs: cluster.heartbeatMs,
        failAfterMs: cluster.failAfterMs,
        logger: this.logger,
      });
    const router = new ShardRouter(membership, cluster.virtualNodes ?? DEFAULT_VIRTUAL_NODES);
    const sender = new ShardedSender({
      router,
      nodeId: membership.nodeId,
      requestTimeoutMs: this.options.requestTimeoutMs ?? 30_000,
      subjectOf: (nodeId, subjectToken) => nodeSubject(this.prefix, nodeId, 'command', subjectToken),
      exchange: (subject, typeName, headers, data, signal, timeoutMs) => this.exchange(subject, typeName, headers, data, signal, timeoutMs),
      leaving: () => this.state === 'closing' || this.state === 'closed',
    });
    return { membership, router, sender, queue: new KeyedQueue(), served };
  }

  /** Joins the membership (after this node's subjects are subscribed) and starts following the election. */
  private async joinCluster(connection: NatsConnection, inbound: InboundDispatcher, service: string): Promise<void> {
    if (this.sharding !== undefined) {
      await this.sharding.membership.start();
      this.sharding.router.start();
    }
    const election = this.options.cluster?.election;
    if (election !== undefined) {
      this.leaderSubscriptions = new LeaderSubscriptions(election, () => this.subscribeLeaderOnly(connection, inbound, service), this.logger);
      await this.leaderSubscriptions.start();
    }
  }

  /**
   * Leaves the cluster after this node finished its work (close() calls it once handlers and sends settled): its keys
   * move to the others only now, after what it had queued for them ran, and another node takes the lead.
   */
  private async leaveCluster(): Promise<void> {
    const sharding = this.sharding;
    if (sharding !== undefined) {
      sharding.sender.stop(); // sends still waiting for an owner past drainTimeoutMs end now
      await sharding.membership.stop().catch((thrown: unknown) => this.logger.warn({ err: thrown }, 'catga: could not leave the cluster cleanly'));
      sharding.router.stop();
    }
    if (this.leaderSubscriptions !== undefined) {
      await this.options.cluster?.election?.stop().catch((thrown: unknown) => this.logger.warn({ err: thrown }, 'catga: could not stop the leader election cleanly'));
    }
  }

  /**
   * A sharded command served here: its owner's own subject (queue group of that subject alone, so two processes given
   * the same node id by mistake do not both handle a message), and the shared subject, for senders outside the
   * cluster, whose messages are passed on to the owner.
   */
  private subscribeSharded(connection: NatsConnection, route: Route, nodeId: string): void {
    const own = nodeSubject(this.prefix, nodeId, route.kind, route.subjectToken);
    this.subscriptions.push(
      connection.subscribe(own, {
        queue: own,
        callback: (error, msg) => (error === null ? this.serveSharded(route, msg) : this.subscriptionError(route, error)),
      }),
      connection.subscribe(route.subject, {
        queue: `${this.prefix}-${REQUEST_QUEUE_SUFFIX}`,
        callback: (error, msg) => (error === null ? void this.forwardSharded(route, msg) : this.subscriptionError(route, error)),
      }),
    );
  }

  /** The subscriptions of the leader-only handlers, opened while this node leads. */
  private subscribeLeaderOnly(connection: NatsConnection, inbound: InboundDispatcher, service: string): Subscription[] {
    const subscriptions: Subscription[] = [];
    for (const [messageClass, handlerNames] of inbound.leaderOnlyHandlers ?? []) {
      const route = this.routeOf(messageClass);
      const subscription =
        route.kind === 'event'
          ? connection.subscribe(route.subject, {
              // A group of its own: the event's other handlers still get their copy in the service's group.
              queue: route.broadcast ? undefined : `${service}-leader`,
              callback: (error, msg) => (error === null ? void this.serveEvent(route, msg, handlerNames) : this.subscriptionError(route, error)),
            })
          : connection.subscribe(route.subject, {
              queue: `${this.prefix}-${REQUEST_QUEUE_SUFFIX}`,
              callback: (error, msg) => (error === null ? void this.serveRequest(route, msg) : this.subscriptionError(route, error)),
            });
      subscriptions.push(subscription);
    }
    return subscriptions;
  }

  /**
   * Receives a sharded command on this node's subject and queues it behind the earlier ones of its key. Decoding and
   * queueing happen before this returns, in the order NATS delivers, which is the order they were sent in from each
   * sender.
   */
  private serveSharded(route: Route, msg: Msg): void {
    const decoded = this.decodeSharded(route, msg);
    if (decoded !== undefined) this.runSharded(route, msg, decoded.message, decoded.key);
  }

  /** Decodes a sharded command and reads its key; answers the sender itself (and returns nothing) when either fails. */
  private decodeSharded(route: Route, msg: Msg): { message: Message; key: string } | undefined {
    let message: Message;
    try {
      message = this.wire!.decodeMessage(msg.data, msg.headers, route.messageClass, route.typeName);
    } catch (thrown) {
      const result = fail(thrown as CatgaError);
      this.logger.warn({ subject: msg.subject, code: result.error.code }, `catga: rejected a request: ${result.error.message}`);
      this.respond(msg, route, result);
      return undefined;
    }
    const key = shardKeyOf(message, route.shardKey!);
    if (typeof key === 'string') return { message, key };
    this.respond(msg, route, key);
    return undefined;
  }

  private runSharded(route: Route, msg: Msg, message: Message, key: string): void {
    this.running++;
    const trace = extractTraceContext(msg.headers);
    this.sharding!.queue
      .run(key, () => context.with(trace, () => this.inbound!.dispatchRequest(message, NEVER_ABORTED)))
      .then(
        (result) => this.respond(msg, route, result),
        (thrown: unknown) => this.logger.error({ subject: msg.subject, err: thrown }, 'catga: a sharded command failed unexpectedly'),
      )
      .finally(() => this.running--);
  }

  /** A sharded command from a sender outside the cluster: run it here if this node owns its key, else pass it on. */
  private async forwardSharded(route: Route, msg: Msg): Promise<void> {
    const sharding = this.sharding!;
    const decoded = this.decodeSharded(route, msg);
    if (decoded === undefined) return;
    const { message, key } = decoded;
    if (sharding.router.ownerOf(key) === sharding.membership.nodeId) {
      this.runSharded(route, msg, message, key); // delivered before any drain: close() waits for it, then leaves
      return;
    }
    this.running++;
    try {
      // The bytes and headers as received (trace context included): the owner decodes them itself.
      this.respond(msg, route, await sharding.sender.send(route.typeName, route.subjectToken, key, msg.headers, msg.data, NEVER_ABORTED));
    } finally {
      this.running--;
    }
  }

  /** Sends a sharded command to the owner of its key (see {@link ShardedSender}). */
  private async sendSharded(sharding: Sharding, route: Route, message: Message, signal: AbortSignal): Promise<CatgaResult<unknown>> {
    try {
      const key = shardKeyOf(message, route.shardKey!);
      if (typeof key !== 'string') return key;
      const outgoing = this.prepare(route, message, 'send', SpanKind.CLIENT);
      if (!outgoing.ok) return outgoing;
      const result = await sharding.sender.send(route.typeName, route.subjectToken, key, outgoing.headers, outgoing.data, signal);
      endSpan(outgoing.span, result);
      return result;
    } finally {
      this.limit.release();
    }
  }

  /** One request to `subject`, its reply correlated on the inbox. Never rejects. */
  private exchange(subject: string, typeName: string, headers: MsgHdrs | undefined, data: Uint8Array, signal: AbortSignal, timeoutMs: number): Promise<CatgaResult<unknown>> {
    return new Promise((resolve) => {
      const reply = this.replies!.register(typeName, signal, resolve, timeoutMs);
      try {
        this.connection!.publish(subject, data, { reply: reply.subject, headers });
      } catch (thrown) {
        this.replies!.settle(reply.id, transportFailed(`Cannot send "${typeName}" over NATS: ${describeThrown(thrown)}`, { messageType: typeName }, thrown));
      }
    });
  }

  /** Runs the named handlers of an event and reports like `dispatchEvent`. */
  private async dispatchEventTo(event: Event, handlerNames: readonly string[]): Promise<PublishResult> {
    const results = await Promise.all(handlerNames.map((name) => this.inbound!.dispatchEventTo(event, name, NEVER_ABORTED)));
    let failures: HandlerFailure[] | undefined;
    results.forEach((result, i) => {
      if (!result.ok) (failures ??= []).push({ handler: handlerNames[i]!, error: result.error });
    });
    if (failures === undefined) return { ok: true, value: { eventType: event.messageType, handlers: handlerNames.length } };
    return { ok: false, error: new PublishError(event.messageType, handlerNames.length, failures) };
  }

  private subscriptionError(route: Route, error: Error): void {
    this.logger.error({ subject: route.subject, err: error }, `catga: NATS subscription to ${route.subject} failed`);
  }

  /** Follows the connection: sends waiting on a lost connection end now instead of at their timeout. */
  private async watchConnection(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') {
        if (this.state === 'open') this.state = 'reconnecting';
        this.logger.warn({ server: status.server }, 'catga: NATS connection lost; reconnecting');
        this.replies?.settleAll((typeName) =>
          transportFailed(`The NATS connection was lost while "${typeName}" waited for its reply; the handler may have run`, {
            messageType: typeName,
            server: status.server,
          }),
        );
      } else if (status.type === 'reconnect') {
        if (this.state === 'reconnecting') this.state = 'open';
        this.logger.info({ server: status.server }, 'catga: NATS connection restored');
      } else if (status.type === 'error') {
        this.logger.error({ err: status.error }, 'catga: NATS connection error');
      }
    }
  }

  private routeOf(messageClass: MessageClass): Route {
    let route = this.routes.get(messageClass);
    if (route === undefined) {
      const kind = kindOf(messageClass) ?? 'command';
      const typeName = typeNameOf(messageClass);
      const options = messageMetadataOf(messageClass)?.options;
      const subjectToken = options?.subject ?? typeName;
      const qos = kind === 'event' ? ((options as EventOptions | undefined)?.qos ?? 0) : 0;
      const shardKey = kind === 'command' ? (options as CommandOptions | undefined)?.shardKey : undefined;
      const broadcast = kind === 'event' && (options as EventOptions | undefined)?.broadcast === true;
      route = { messageClass, kind, typeName, subjectToken, subject: messageSubject(this.prefix, kind, subjectToken), qos, shardKey, broadcast };
      this.routes.set(messageClass, route);
    }
    return route;
  }

  private sendRequest(message: Message, signal: AbortSignal): Promise<CatgaResult<unknown>> {
    const route = this.routeOf(message.constructor as MessageClass);
    if (this.sharding?.served.has(route.messageClass) === true) return this.sendSharded(this.sharding, route, message, signal);
    const outgoing = this.prepare(route, message, 'send', SpanKind.CLIENT);
    if (!outgoing.ok) {
      this.limit.release();
      return Promise.resolve(outgoing);
    }
    const { headers, data, span } = outgoing;
    return new Promise((resolve) => {
      const reply = this.replies!.register(route.typeName, signal, (result) => {
        this.limit.release();
        endSpan(span, result);
        resolve(result);
      });
      try {
        this.connection!.publish(route.subject, data, { reply: reply.subject, headers });
      } catch (thrown) {
        this.replies!.settle(reply.id, transportFailed(`Cannot send "${route.typeName}" over NATS: ${describeThrown(thrown)}`, { messageType: route.typeName }, thrown));
      }
    });
  }

  private async publishCore(route: Route, event: Event): Promise<PublishResult> {
    const outgoing = this.prepare(route, event, 'publish', SpanKind.PRODUCER);
    if (!outgoing.ok) return outgoing;
    const { headers, data, span } = outgoing;
    let result: PublishResult;
    try {
      this.connection!.publish(route.subject, data, { headers });
      const error = this.confirmer === undefined ? undefined : await this.confirmer.confirm();
      result =
        error === undefined
          ? { ok: true, value: { eventType: route.typeName, handlers: 0 } }
          : transportFailed(`NATS did not confirm event "${route.typeName}": ${error.message}`, { messageType: route.typeName }, error);
    } catch (thrown) {
      result = transportFailed(`Cannot publish "${route.typeName}" over NATS: ${describeThrown(thrown)}`, { messageType: route.typeName }, thrown);
    }
    endSpan(span, result);
    return result;
  }

  private async publishReliable(route: Route, event: Event): Promise<PublishResult> {
    try {
      const outgoing = this.prepare(route, event, 'publish', SpanKind.PRODUCER);
      if (!outgoing.ok) return outgoing;
      const { headers, data, span } = outgoing;
      const result = await this.reliable!.publish(route, event, headers, data);
      endSpan(span, result);
      return result;
    } finally {
      this.limit.release();
    }
  }

  /** Runs the local handler of a received command or query and replies. Never throws. */
  private async serveRequest(route: Route, msg: Msg): Promise<void> {
    this.running++;
    try {
      let result: CatgaResult<unknown>;
      let message: Message | undefined;
      try {
        message = this.wire!.decodeMessage(msg.data, msg.headers, route.messageClass, route.typeName);
      } catch (thrown) {
        result = fail(thrown as CatgaError);
        this.logger.warn({ subject: msg.subject, code: result.error.code }, `catga: rejected a request: ${result.error.message}`);
      }
      if (message !== undefined) {
        const received = message;
        result = await context.with(extractTraceContext(msg.headers), () => this.inbound!.dispatchRequest(received, NEVER_ABORTED));
      }
      this.respond(msg, route, result!);
    } catch (unexpected) {
      this.logger.error({ subject: msg.subject, err: unexpected }, 'catga: could not reply to a request');
    } finally {
      this.running--;
    }
  }

  /** Replies to a received request. Never throws. */
  private respond(msg: Msg, route: Route, result: CatgaResult<unknown>): void {
    try {
      if (!msg.reply) {
        this.logger.warn({ subject: msg.subject }, 'catga: a request arrived without a reply subject; its result is dropped');
        return;
      }
      const reply = this.wire!.encodeReply(result, route.typeName, msg.headers?.get(HEADER.contentType));
      msg.respond(reply.data, reply.headers === undefined ? undefined : { headers: reply.headers });
    } catch (unexpected) {
      this.logger.error({ subject: msg.subject, err: unexpected }, 'catga: could not reply to a request');
    }
  }

  /**
   * Runs the local handlers of a received QoS 0 event (`only` those named, when given). Failures are logged: QoS 0
   * has no redelivery.
   */
  private async serveEvent(route: Route, msg: Msg, only?: readonly string[]): Promise<void> {
    this.running++;
    try {
      let event: Event;
      try {
        event = this.wire!.decodeMessage(msg.data, msg.headers, route.messageClass, route.typeName) as Event;
      } catch (thrown) {
        this.logger.warn({ subject: msg.subject, code: (thrown as CatgaError).code }, `catga: dropped an undecodable event: ${(thrown as Error).message}`);
        return;
      }
      const result = await context.with(extractTraceContext(msg.headers), () =>
        only === undefined ? this.inbound!.dispatchEvent(event, NEVER_ABORTED) : this.dispatchEventTo(event, only),
      );
      if (!result.ok) {
        this.logger.warn(
          { messageType: route.typeName, messageId: event.messageId, code: result.error.code },
          `catga: QoS 0 event handling failed (no redelivery; use qos: 1 for that): ${result.error.message}`,
        );
      }
    } catch (unexpected) {
      this.logger.error({ subject: msg.subject, err: unexpected }, 'catga: event handling failed unexpectedly');
    } finally {
      this.running--;
    }
  }

  /** Encodes a message and opens its span, whose context travels in the headers. */
  private prepare(route: Route, message: Message, operation: 'send' | 'publish', kind: SpanKind): Outgoing | Fail {
    let encoded: { readonly data: Uint8Array; readonly headers: MsgHdrs };
    try {
      encoded = this.wire!.encodeMessage(message);
    } catch (thrown) {
      return fail(thrown as CatgaError);
    }
    const { data, headers } = encoded;
    const span = this.startSpan(operation, route, message, kind);
    injectTraceContext(headers, trace.setSpan(context.active(), span));
    return { ok: true, headers, data, span };
  }

  private startSpan(operation: 'send' | 'publish', route: Route, message: Message, kind: SpanKind): Span {
    return this.tracer.startSpan(
      `${operation} ${route.typeName}`,
      {
        kind,
        attributes: {
          'messaging.system': 'nats',
          'messaging.operation.name': operation,
          'messaging.destination.name': route.subject,
          'messaging.message.id': message.messageId,
          'catga.message.type': route.typeName,
        },
      },
      context.active(),
    );
  }

  private refuse(message: Message): CatgaResult<never> {
    return transportFailed(
      `Cannot deliver "${message.messageType}": the NATS transport is ${this.state === 'connecting' ? 'not connected yet (await builder.start())' : this.state}`,
      { transport: this.name, messageType: message.messageType },
      undefined,
      false,
    );
  }

  private limited(message: Message): CatgaResult<never> {
    return fail(ErrorCode.CONCURRENCY_LIMITED, `Too many sends in flight over NATS (limit ${this.limit.limit}); "${message.messageType}" was not sent`, {
      details: { messageType: message.messageType, limit: this.limit.limit },
    });
  }
}

function endSpan(span: Span, result: CatgaResult<unknown>): void {
  if (!result.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: `${result.error.code}: ${result.error.message}` });
  span.end();
}

/** Creates a NATS transport. Pass it to `createCatga().withTransport(...)` and start with `await builder.start()`. */
export function natsTransport(options?: NatsTransportOptions): NatsTransport {
  return new NatsTransport(options);
}
