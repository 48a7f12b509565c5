import type { DeadLetterStore } from '../behaviors/dead-letter-store.js';
import type { OutboxProcessor } from '../persistence/outbox-processor.js';
import type { SagaHost } from '../saga/saga-host.js';
import { NEVER_ABORTED } from './abort.js';
import { CatgaError } from './catga-error.js';
import { PUBLISH_COMPILED, SEND_COMPILED } from './compiled.js';
import type { ResolvedCatgaOptions } from './config.js';
import { CatgaConfigurationError } from './configuration-error.js';
import type { MessageBus } from './dispatch-context.js';
import { ErrorCode } from './error-codes.js';
import { cancelled, notAMessage } from './failures.js';
import type { PublishOptions, SendOptions } from './handler.js';
import { stampCorrelation } from './lineage.js';
import type { Event, Message, Request, ResultOf } from './messages.js';
import { kindOf } from './metadata.js';
import type { PublishResult } from './publish-result.js';
import { type CatgaResult, fail } from './result.js';
import type { Transport } from './transport.js';

/** Options of `sendBatch`. */
export interface BatchOptions extends SendOptions {
  /** How many sends run at once. Default: the instance's `batchConcurrency` (64). */
  readonly concurrency?: number;
}

/** Options of `sendStream`. */
export interface StreamOptions extends SendOptions {
  /** How many sends run at once; results still come out in input order. Default 1. */
  readonly concurrency?: number;
}

/** Options of `publishBatch`. */
export interface PublishBatchOptions extends PublishOptions {
  /** How many publishes run at once. Default 1, which keeps the events' order for their handlers. */
  readonly concurrency?: number;
}

/** The results of `sendBatch`, typed per element of the input tuple. */
export type BatchResults<T extends readonly Request[]> = { -readonly [K in keyof T]: CatgaResult<ResultOf<T[K]>> };

function isRequest(value: unknown): value is Message {
  if (value === null || typeof value !== 'object') return false;
  const kind = kindOf(value.constructor);
  return kind === 'command' || kind === 'query';
}

function isEvent(value: unknown): value is Event {
  return value !== null && typeof value === 'object' && kindOf(value.constructor) === 'event';
}

function checkConcurrency(value: number, operation: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new CatgaError(ErrorCode.VALIDATION_FAILED, `${operation}: concurrency must be an integer >= 1, got ${value}`);
  }
}

/**
 * A Catga instance: the mediator users send commands and queries and publish events through. Made by
 * `createCatga().…build()`. Instances are independent: handlers registered with one are never seen by another.
 * The methods are bound, so `const { send, publish } = catga` works.
 */
export class Catga implements MessageBus {
  /** The instance's name. */
  readonly name: string;
  private closed = false;

  /** @internal Use `createCatga()`. */
  constructor(
    /** The options in force, presets and defaults applied. */
    readonly options: ResolvedCatgaOptions,
    private readonly transport: Transport,
    /** Failures that survived every attempt, when dead-lettering is on (see `withDeadLetter`). */
    readonly deadLetters: DeadLetterStore,
    /** The processor publishing the outbox, when `withOutbox()` is on (`runOnce()` publishes a batch now). */
    readonly outbox?: OutboxProcessor,
    private readonly sagaHost?: SagaHost,
  ) {
    this.name = options.name;
    this.send = this.send.bind(this);
    this.publish = this.publish.bind(this);
    this.sendBatch = this.sendBatch.bind(this);
    this.sendStream = this.sendStream.bind(this);
    this.publishBatch = this.publishBatch.bind(this);
  }

  /**
   * The sagas of `withSagas(...)`: start instances, read them, wait for them to end. Throws a
   * `CatgaConfigurationError` when the instance has no sagas.
   */
  get sagas(): SagaHost {
    if (this.sagaHost === undefined) throw new CatgaConfigurationError('sagas', `Catga instance "${this.name}" runs no sagas; register them with withSagas([...])`);
    return this.sagaHost;
  }

  /**
   * Sends a command or query to its handler. Resolves with the handler's value, typed from the message
   * (`CatgaResult<OrderPlaced>` for a `Command<OrderPlaced>`), or with a failure carrying a stable code. Never
   * rejects for handler, pipeline or transport failures.
   */
  send<M extends Request>(message: M, options?: SendOptions): Promise<CatgaResult<ResultOf<M>>> {
    if (!isRequest(message)) return Promise.resolve(notAMessage('send', message));
    const signal = options?.signal ?? NEVER_ABORTED;
    if (signal !== NEVER_ABORTED && signal.aborted) return Promise.resolve(cancelled(message.messageType, signal));
    if (this.closed) return Promise.resolve(this.closedFailure(message));
    if (options?.correlationId !== undefined) stampCorrelation(message, options.correlationId);
    return this.transport.request(message, signal) as Promise<CatgaResult<ResultOf<M>>>;
  }

  /**
   * Publishes an event to every handler subscribed to it. All handlers run even when some fail; the result lists
   * every failure (`PublishError.failures`). On the in-memory transport it resolves once every handler finished.
   */
  publish(event: Event, options?: PublishOptions): Promise<PublishResult> {
    if (!isEvent(event)) return Promise.resolve(notAMessage('publish', event));
    const signal = options?.signal ?? NEVER_ABORTED;
    if (signal !== NEVER_ABORTED && signal.aborted) return Promise.resolve(cancelled(event.messageType, signal));
    if (this.closed) return Promise.resolve(this.closedFailure(event));
    if (options?.correlationId !== undefined) stampCorrelation(event, options.correlationId);
    return this.transport.publish(event, signal);
  }

  /**
   * The path of `send` call sites compiled by `@catga/transformer`: the message is known to be a command or query
   * at compile time, so the run-time kind check is skipped. Same results as {@link Catga.send}.
   * @internal
   */
  [SEND_COMPILED](message: Request, options?: SendOptions): Promise<CatgaResult<unknown>> {
    const signal = options?.signal ?? NEVER_ABORTED;
    if (signal !== NEVER_ABORTED && signal.aborted) return Promise.resolve(cancelled(message.messageType, signal));
    if (this.closed) return Promise.resolve(this.closedFailure(message));
    if (options?.correlationId !== undefined) stampCorrelation(message, options.correlationId);
    return this.transport.request(message, signal);
  }

  /** The path of compiled `publish` call sites; see {@link Catga.send}'s compiled twin. @internal */
  [PUBLISH_COMPILED](event: Event, options?: PublishOptions): Promise<PublishResult> {
    const signal = options?.signal ?? NEVER_ABORTED;
    if (signal !== NEVER_ABORTED && signal.aborted) return Promise.resolve(cancelled(event.messageType, signal));
    if (this.closed) return Promise.resolve(this.closedFailure(event));
    if (options?.correlationId !== undefined) stampCorrelation(event, options.correlationId);
    return this.transport.publish(event, signal);
  }

  /**
   * Sends many commands/queries with bounded concurrency; resolves with one result per message, in input order,
   * each typed from its message.
   */
  async sendBatch<const T extends readonly Request[]>(messages: T, options?: BatchOptions): Promise<BatchResults<T>> {
    if (!Array.isArray(messages)) {
      throw new CatgaError(ErrorCode.VALIDATION_FAILED, 'sendBatch() expects an array of commands or queries');
    }
    const concurrency = options?.concurrency ?? this.options.batchConcurrency;
    checkConcurrency(concurrency, 'sendBatch');
    const results = new Array<CatgaResult<unknown>>(messages.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < messages.length) {
        const index = next++;
        results[index] = await this.send(messages[index]!, options);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, messages.length) }, worker));
    return results as BatchResults<T>;
  }

  /**
   * Sends every message of an (async) iterable as it arrives and yields the results in input order, with up to
   * `concurrency` sends in flight. Stops pulling input once `signal` aborts (already started sends finish as
   * `CANCELLED`). An error thrown by the input iterable itself is rethrown to the consumer.
   */
  async *sendStream<M extends Request>(
    source: AsyncIterable<M> | Iterable<M>,
    options?: StreamOptions,
  ): AsyncGenerator<CatgaResult<ResultOf<M>>, void, undefined> {
    const concurrency = options?.concurrency ?? 1;
    checkConcurrency(concurrency, 'sendStream');
    const window: Promise<CatgaResult<ResultOf<M>>>[] = [];
    for await (const message of source) {
      window.push(this.send(message, options));
      if (window.length >= concurrency) yield await window.shift()!;
      if (options?.signal?.aborted) break;
    }
    while (window.length > 0) yield await window.shift()!;
  }

  /** Publishes several events; by default one after another, so handlers see them in order. */
  async publishBatch(events: readonly Event[], options?: PublishBatchOptions): Promise<PublishResult[]> {
    if (!Array.isArray(events)) {
      throw new CatgaError(ErrorCode.VALIDATION_FAILED, 'publishBatch() expects an array of events');
    }
    const concurrency = options?.concurrency ?? 1;
    checkConcurrency(concurrency, 'publishBatch');
    const results = new Array<PublishResult>(events.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < events.length) {
        const index = next++;
        results[index] = await this.publish(events[index]!, options);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, events.length) }, worker));
    return results;
  }

  /** Stops accepting messages (later calls fail with `TRANSPORT_FAILED`) and waits for in-flight handlers. */
  async close(): Promise<void> {
    // Sagas stop first, while they can still send: a step cut short is left for a host to run again, not failed.
    await this.sagaHost?.close();
    this.closed = true;
    // Then the outbox: what it has not published stays stored; it must not publish into a closing transport.
    await this.outbox?.stop();
    await this.transport.close();
  }

  private closedFailure(message: Message): CatgaResult<never> {
    return fail(ErrorCode.TRANSPORT_FAILED, `Catga instance "${this.name}" is closed; "${message.messageType}" was not sent`, {
      retryable: false,
      details: { instance: this.name, messageType: message.messageType },
    });
  }
}
