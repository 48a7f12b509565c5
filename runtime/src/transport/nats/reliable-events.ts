import { context } from '@opentelemetry/api';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
  type ConsumerMessages,
  type JsMsg,
  RetentionPolicy,
  StorageType,
  JetStreamApiCodes,
  JetStreamApiError,
} from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs, nanos, type NatsConnection } from '@nats-io/nats-core';
import type { CatgaLogger } from '../../behaviors/logger.js';
import type { IdempotencyStore } from '../../behaviors/idempotency-store.js';
import type { CatgaError } from '../../core/catga-error.js';
import { NEVER_ABORTED } from '../../core/abort.js';
import { ErrorCode } from '../../core/error-codes.js';
import type { Event, MessageClass } from '../../core/messages.js';
import type { QualityOfService } from '../../core/message-options.js';
import type { PublishResult } from '../../core/publish-result.js';
import { fail } from '../../core/result.js';
import type { InboundDispatcher } from '../../core/transport.js';
import type { MessageWire } from './message-wire.js';
import { extractTraceContext } from './trace-context.js';
import { deadLetterStreamName, deadLetterSubject, durableName, eventStreamName, HEADER } from './wire-names.js';

/** JetStream settings with defaults applied. */
export interface ReliableEventSettings {
  readonly prefix: string;
  readonly service: string;
  readonly storage: 'file' | 'memory';
  readonly replicas: number;
  readonly maxAgeMs: number;
  readonly deadLetterMaxAgeMs: number;
  readonly duplicateWindowMs: number;
  readonly ackWaitMs: number;
  readonly maxDeliveries: number;
  readonly backoffMs: readonly number[];
  readonly maxAckPending: number;
  readonly publishTimeoutMs: number;
}

/** One reliable event type this process publishes or handles. */
export interface ReliableEventType {
  readonly messageClass: MessageClass;
  readonly typeName: string;
  readonly subjectToken: string;
  readonly subject: string;
  /** 1: at least once; 2: also deduplicated by message id. */
  readonly qos: QualityOfService;
}

function transportFailed(message: string, details: Record<string, unknown>, cause: unknown): CatgaError {
  return fail(ErrorCode.TRANSPORT_FAILED, `${message}: ${cause instanceof Error ? cause.message : String(cause)}`, {
    retryable: true,
    details,
    cause,
  }).error;
}

function isStreamNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}

/**
 * Reliable events (QoS 1 and 2) over JetStream. Every event type has its own stream (`<PREFIX>_EVT_<Type>`), created
 * idempotently by whoever needs it first, publisher or subscriber, so nothing published before the first subscriber
 * is lost. Every handler of every service gets its own durable pull consumer (`<service>__<handler>`): instances of a
 * service share it (competing consumers), a failing handler is redelivered without re-running the handlers that
 * succeeded, and each handler has its own delivery count.
 *
 * A delivery is acknowledged only after the handler succeeded. A retryable failure is nak'ed with the configured
 * backoff; a non-retryable one, an undecodable message, or the last allowed delivery is copied to the dead-letter
 * stream (`<PREFIX>_DLQ`, subject `<prefix>.dlq.<Type>`, with the reason in headers) and terminated. The server
 * allows one delivery more than `maxDeliveries`: if a worker dies during the last attempt, the extra delivery
 * dead-letters the event instead of it silently running out of deliveries.
 */
export class ReliableEvents {
  private readonly js: JetStreamClient;
  private manager: Promise<JetStreamManager> | undefined;
  private readonly streams = new Map<string, Promise<void>>();
  private readonly consumers: ConsumerMessages[] = [];
  private active = 0;
  private idle: (() => void) | undefined;

  constructor(
    private readonly connection: NatsConnection,
    private readonly settings: ReliableEventSettings,
    private readonly wire: MessageWire,
    private readonly inbox: IdempotencyStore,
    private readonly logger: CatgaLogger,
  ) {
    this.js = jetstream(connection, { timeout: settings.publishTimeoutMs });
  }

  /** Handlers running now. */
  get running(): number {
    return this.active;
  }

  /** Publishes to the event's stream; resolves once the stream has stored it (or reports it as a duplicate). */
  async publish(type: ReliableEventType, event: Event, headers: MsgHdrs, data: Uint8Array): Promise<PublishResult> {
    try {
      await this.ensureStream(type);
      const ack = await this.js.publish(type.subject, data, {
        headers,
        msgID: type.qos === 2 ? event.messageId : undefined,
        timeout: this.settings.publishTimeoutMs,
      });
      return { ok: true, value: { eventType: type.typeName, handlers: 0, sequence: ack.seq, duplicate: ack.duplicate } };
    } catch (thrown) {
      return { ok: false, error: transportFailed(`JetStream did not store event "${type.typeName}"`, { messageType: type.typeName, subject: type.subject }, thrown) };
    }
  }

  /** Creates (or reuses) the durable consumer of each handler and starts consuming. */
  async subscribe(type: ReliableEventType, handlerNames: readonly string[], inbound: InboundDispatcher): Promise<void> {
    await this.ensureStream(type);
    await this.ensureDeadLetterStream();
    const manager = await this.jsm();
    const stream = eventStreamName(this.settings.prefix, type.subjectToken);
    for (const handlerName of handlerNames) {
      const durable = durableName(this.settings.service, handlerName);
      const config = {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: type.subject,
        ack_wait: nanos(this.settings.ackWaitMs),
        max_deliver: this.settings.maxDeliveries + 1,
        max_ack_pending: this.settings.maxAckPending,
      };
      try {
        await manager.consumers.add(stream, config);
      } catch {
        // It exists with other settings (changed configuration): bring the mutable ones up to date.
        await manager.consumers.update(stream, durable, {
          ack_wait: config.ack_wait,
          max_deliver: config.max_deliver,
          max_ack_pending: config.max_ack_pending,
        });
      }
      const consumer = await this.js.consumers.get(stream, durable);
      const messages = await consumer.consume({
        max_messages: Math.min(this.settings.maxAckPending, 256),
        callback: (msg) => void this.receive(msg, type, handlerName, inbound),
      });
      this.consumers.push(messages);
    }
  }

  /** Stops pulling new events; running handlers finish (see {@link ReliableEvents.whenIdle}). */
  async stop(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((messages) => messages.close().catch(() => undefined)));
  }

  /** Resolves when no handler is running. */
  whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }

  private async receive(msg: JsMsg, type: ReliableEventType, handlerName: string, inbound: InboundDispatcher): Promise<void> {
    this.active++;
    // A handler longer than the ack wait tells the server it is still working instead of being redelivered elsewhere.
    const keepAlive = setInterval(() => msg.working(), Math.max(50, Math.floor(this.settings.ackWaitMs / 2)));
    keepAlive.unref();
    const deliveries = msg.info.deliveryCount;
    try {
      let event: Event;
      try {
        event = this.wire.decodeMessage(msg.data, msg.headers, type.messageClass, type.typeName) as Event;
      } catch (thrown) {
        await this.deadLetter(msg, type, handlerName, thrown as CatgaError, deliveries);
        return;
      }
      if (deliveries > this.settings.maxDeliveries) {
        const lost = fail(ErrorCode.TIMEOUT, `delivered ${deliveries - 1} times without an answer (worker stopped or ack wait exceeded)`, {
          details: { deliveries },
        }).error;
        await this.deadLetter(msg, type, handlerName, lost, deliveries);
        return;
      }
      const key = type.qos === 2 ? `${this.settings.prefix}:${this.settings.service}:${handlerName}:${event.messageId}` : undefined;
      if (key !== undefined && !(await this.inbox.tryClaim(key, this.settings.ackWaitMs))) {
        const record = await this.inbox.get(key);
        if (record?.state === 'completed') {
          this.logger.debug({ messageType: type.typeName, messageId: event.messageId, handler: handlerName }, 'catga: duplicate event skipped');
          msg.ack();
        } else {
          msg.nak(this.backoff(deliveries)); // another instance is handling this very message right now
        }
        return;
      }
      const result = await context.with(extractTraceContext(msg.headers), () => inbound.dispatchEventTo(event, handlerName, NEVER_ABORTED));
      if (result.ok) {
        if (key !== undefined) await this.inbox.complete(key, true, this.settings.maxAgeMs);
        msg.ack();
        return;
      }
      if (key !== undefined) await this.inbox.release(key);
      if (result.error.retryable && deliveries < this.settings.maxDeliveries) {
        this.logger.warn(
          { messageType: type.typeName, messageId: event.messageId, handler: handlerName, code: result.error.code, delivery: deliveries },
          `catga: event handler failed (${result.error.message}); redelivering`,
        );
        msg.nak(this.backoff(deliveries));
        return;
      }
      await this.deadLetter(msg, type, handlerName, result.error, deliveries);
    } catch (unexpected) {
      // The inbox store or the server failed: leave the event for a later delivery.
      this.logger.error({ messageType: type.typeName, handler: handlerName, err: unexpected }, 'catga: reliable event not settled; it will be redelivered');
      msg.nak(this.backoff(deliveries));
    } finally {
      clearInterval(keepAlive);
      if (--this.active === 0 && this.idle !== undefined) {
        this.idle();
        this.idle = undefined;
      }
    }
  }

  private backoff(deliveries: number): number {
    const delays = this.settings.backoffMs;
    return delays[Math.min(deliveries, delays.length) - 1]!;
  }

  /** Copies the event to the dead-letter stream, then terminates it. When the copy fails, it is nak'ed: never lost. */
  private async deadLetter(msg: JsMsg, type: ReliableEventType, handlerName: string, error: CatgaError, deliveries: number): Promise<void> {
    const headers = natsHeaders();
    for (const [key, values] of msg.headers ?? []) for (const value of values) if (key !== HEADER.natsMsgId) headers.append(key, value);
    headers.set(HEADER.deadLetterReason, error.message.slice(0, 1_000));
    headers.set(HEADER.deadLetterCode, error.code);
    headers.set(HEADER.deadLetterHandler, handlerName);
    headers.set(HEADER.deadLetterDeliveries, String(deliveries));
    headers.set(HEADER.deadLetterSubject, type.subject);
    try {
      await this.js.publish(deadLetterSubject(this.settings.prefix, type.subjectToken), msg.data, { headers, timeout: this.settings.publishTimeoutMs });
      // No reason argument: servers before 2.11 do not parse "+TERM <reason>" and would redeliver. The reason is in
      // the dead letter's headers and in the log.
      msg.term();
      this.logger.error(
        { messageType: type.typeName, handler: handlerName, code: error.code, deliveries, streamSequence: msg.info.streamSequence },
        `catga: event dead-lettered after ${deliveries} deliveries: ${error.message}`,
      );
    } catch (thrown) {
      this.logger.error({ messageType: type.typeName, handler: handlerName, err: thrown }, 'catga: could not dead-letter an event; it will be redelivered');
      msg.nak(this.backoff(deliveries));
    }
  }

  private jsm(): Promise<JetStreamManager> {
    return (this.manager ??= jetstreamManager(this.connection, { timeout: this.settings.publishTimeoutMs }));
  }

  private ensureStream(type: ReliableEventType): Promise<void> {
    const name = eventStreamName(this.settings.prefix, type.subjectToken);
    return this.ensure(name, type.subject, this.settings.maxAgeMs, true);
  }

  private ensureDeadLetterStream(): Promise<void> {
    return this.ensure(deadLetterStreamName(this.settings.prefix), `${this.settings.prefix}.dlq.>`, this.settings.deadLetterMaxAgeMs, false);
  }

  /** Creates a stream unless it exists (another process may be creating it at the same moment); cached per process. */
  private ensure(name: string, subject: string, maxAgeMs: number, dedup: boolean): Promise<void> {
    let pending = this.streams.get(name);
    if (pending === undefined) {
      pending = this.createStream(name, subject, maxAgeMs, dedup);
      this.streams.set(name, pending);
      pending.catch(() => this.streams.delete(name)); // a failure is retried by the next caller
    }
    return pending;
  }

  private async createStream(name: string, subject: string, maxAgeMs: number, dedup: boolean): Promise<void> {
    const manager = await this.jsm();
    const check = async (): Promise<boolean> => {
      try {
        const info = await manager.streams.info(name);
        if (!info.config.subjects.includes(subject)) {
          throw new Error(`stream ${name} exists but does not capture "${subject}" (subjects: ${info.config.subjects.join(', ')})`);
        }
        return true;
      } catch (error) {
        if (isStreamNotFound(error)) return false;
        throw error;
      }
    };
    if (await check()) return;
    try {
      await manager.streams.add({
        name,
        subjects: [subject],
        retention: RetentionPolicy.Limits,
        storage: this.settings.storage === 'memory' ? StorageType.Memory : StorageType.File,
        num_replicas: this.settings.replicas,
        max_age: nanos(maxAgeMs),
        discard: DiscardPolicy.Old,
        ...(dedup ? { duplicate_window: nanos(Math.min(this.settings.duplicateWindowMs, maxAgeMs)) } : {}),
      });
    } catch (error) {
      if (!(await check())) throw error; // not a lost creation race: a real failure
    }
  }
}
