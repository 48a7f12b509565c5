import type { Codec } from '../codec/codec.js';
import { assertSerializable } from '../codec/serializable.js';
import { findForbiddenKey, rehydrate } from '../codec/rehydrate.js';
import { CatgaError, isCatgaError } from '../core/catga-error.js';
import { ErrorCode } from '../core/error-codes.js';
import type { Event, Message, MessageClass } from '../core/messages.js';
import { kindOf } from '../core/metadata.js';
import type { PublishResult } from '../core/publish-result.js';
import { type CatgaResult, fail } from '../core/result.js';
import type { InboundDispatcher, Transport } from '../core/transport.js';

/** Options of {@link memoryTransport}. */
export interface MemoryTransportOptions {
  /**
   * When set, every message and every result is encoded and decoded with this codec on its way, exactly as a
   * remote transport would, so a message that cannot cross a process boundary fails in development, not in
   * production. `false` (default) hands instances over as they are: the fastest path.
   */
  readonly codec?: Codec | false;
  /** Largest encoded message or result accepted when a codec is set, in bytes. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /**
   * `true` (default): a handler never starts inside the caller's `send` call stack, as over a remote transport.
   * `false`: the handler starts synchronously inside `send` and runs until its first `await` — one microtask hop
   * less per call. Results, errors and ordering of results are the same; only code that relies on the handler not
   * having started yet when `send` returns can tell the difference.
   */
  readonly asyncDispatch?: boolean;
}

const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
const TICK = Promise.resolve();

function serializationFailed(message: string, details: Record<string, unknown>, cause?: unknown): CatgaError {
  return new CatgaError(ErrorCode.SERIALIZATION_FAILED, message, { retryable: false, details, cause });
}

/**
 * The embedded transport: messages stay in this process but keep the semantics of a remote transport. Dispatch is
 * asynchronous (a handler never runs inside the caller's `send` call stack), events fan out to every handler, and
 * with a codec every payload makes the round trip through bytes.
 */
export class MemoryTransport implements Transport {
  readonly name = 'memory';
  private inbound: InboundDispatcher | undefined;
  private closed = false;
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private readonly codec: Codec | false;
  private readonly maxPayloadBytes: number;
  private readonly asyncDispatch: boolean;

  constructor(options: MemoryTransportOptions = {}) {
    this.codec = options.codec ?? false;
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.asyncDispatch = options.asyncDispatch ?? true;
  }

  connect(inbound: InboundDispatcher): void {
    this.inbound = inbound;
  }

  request(message: Message, signal: AbortSignal): Promise<CatgaResult<unknown>> {
    const inbound = this.inbound;
    if (inbound === undefined || this.closed) return Promise.resolve(this.refuse(message));
    if (this.codec !== false) return this.requestThroughCodec(this.codec, inbound, message, signal);
    // `asyncDispatch: false` without a codec: the caller gets the dispatcher's own promise, with no async frame or
    // reaction of the transport's around it; the dispatcher counts the call until it ends (see `close`).
    if (!this.asyncDispatch) return inbound.dispatchRequest(message, signal);
    return this.deliverRequest(inbound, message, signal);
  }

  publish(event: Event, signal: AbortSignal): Promise<PublishResult> {
    const inbound = this.inbound;
    if (inbound === undefined || this.closed) return Promise.resolve(this.refuse(event));
    return this.deliverEvent(inbound, event, signal);
  }

  /** Stops accepting messages (later sends fail with `TRANSPORT_FAILED`) and waits for in-flight ones. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    // Requests delivered with `asyncDispatch: false` are counted by the dispatcher, not here.
    await this.inbound?.whenIdle?.();
  }

  private refuse(message: Message): CatgaResult<never> {
    return fail(
      ErrorCode.TRANSPORT_FAILED,
      `Cannot deliver "${message.messageType}": the memory transport is ${this.closed ? 'closed' : 'not connected'}`,
      { retryable: false, details: { transport: this.name, messageType: message.messageType } },
    );
  }

  // One async function per delivery (not a chain of then/finally): each layer of promises costs ~100 ns per send.
  private async deliverRequest(inbound: InboundDispatcher, message: Message, signal: AbortSignal): Promise<CatgaResult<unknown>> {
    this.inFlight++;
    try {
      if (this.asyncDispatch) await TICK;
      return await inbound.dispatchRequest(message, signal);
    } finally {
      this.settle();
    }
  }


  private async deliverEvent(inbound: InboundDispatcher, event: Event, signal: AbortSignal): Promise<PublishResult> {
    this.inFlight++;
    try {
      if (this.asyncDispatch) await TICK;
      if (this.codec === false) return await inbound.dispatchEvent(event, signal);
      const copy = this.carryMessage(this.codec, inbound, event);
      return copy.ok ? await inbound.dispatchEvent(copy.value as Event, signal) : copy;
    } finally {
      this.settle();
    }
  }

  private settle(): void {
    if (--this.inFlight === 0 && this.drained !== undefined) this.drained();
  }

  private async requestThroughCodec(
    codec: Codec,
    inbound: InboundDispatcher,
    message: Message,
    signal: AbortSignal,
  ): Promise<CatgaResult<unknown>> {
    this.inFlight++;
    try {
      if (this.asyncDispatch) await TICK;
      const copy = this.carryMessage(codec, inbound, message);
      if (!copy.ok) return copy;
      const result = await inbound.dispatchRequest(copy.value, signal);
      if (!result.ok) return this.carryError(codec, message.messageType, result.error);
      return this.carryResult(codec, message.messageType, result.value);
    } finally {
      this.settle();
    }
  }

  /** Encodes and decodes a message as a remote transport would; the handler gets the decoded copy. */
  private carryMessage(codec: Codec, inbound: InboundDispatcher, message: Message): CatgaResult<Message> {
    const typeName = message.messageType;
    const label = `${kindOf(message.constructor) ?? 'message'} "${typeName}"`;
    try {
      assertSerializable(message, label, true);
      const bytes = codec.encode({ type: typeName, fields: { ...message } });
      this.checkSize(bytes, label);
      const decoded = codec.decode(bytes) as { type?: unknown; fields?: unknown } | null;
      if (decoded === null || typeof decoded !== 'object' || typeof decoded.type !== 'string' || decoded.fields === null || typeof decoded.fields !== 'object') {
        throw serializationFailed(`${label} decoded to a malformed envelope`, { messageType: typeName });
      }
      const forbidden = findForbiddenKey(decoded.fields);
      if (forbidden !== undefined) {
        throw serializationFailed(`${label} contains the forbidden key ${forbidden}`, { messageType: typeName, path: forbidden });
      }
      const messageClass = inbound.messageTypes.get(decoded.type) ?? (message.constructor as MessageClass);
      return { ok: true, value: rehydrate(messageClass, decoded.fields as Record<string, unknown>) };
    } catch (thrown) {
      return fail(this.asSerializationError(thrown, label, typeName));
    }
  }

  /** Encodes and decodes a handler's result as a remote transport would. */
  private carryResult(codec: Codec, typeName: string, value: unknown): CatgaResult<unknown> {
    const label = `the result of "${typeName}"`;
    try {
      assertSerializable(value, label);
      const bytes = codec.encode({ value });
      this.checkSize(bytes, label);
      const decoded = codec.decode(bytes) as { value?: unknown };
      const forbidden = findForbiddenKey(decoded);
      if (forbidden !== undefined) {
        throw serializationFailed(`${label} contains the forbidden key ${forbidden}`, { messageType: typeName, path: forbidden });
      }
      return { ok: true, value: decoded.value };
    } catch (thrown) {
      return fail(this.asSerializationError(thrown, label, typeName));
    }
  }

  /**
   * A remote transport sends a failure's code, message, retryable flag and details; check those survive. The local
   * error object is kept when they do (its `cause` and stack help debugging; a remote caller would not get them).
   */
  private carryError(codec: Codec, typeName: string, error: CatgaError): CatgaResult<never> {
    const label = `the ${error.code} error of "${typeName}"`;
    try {
      assertSerializable(error.toJSON(), label);
      this.checkSize(codec.encode(error.toJSON()), label);
      return fail(error);
    } catch (thrown) {
      const failure = this.asSerializationError(thrown, label, typeName);
      return fail(
        new CatgaError(ErrorCode.SERIALIZATION_FAILED, failure.message, { retryable: false, details: failure.details, cause: error }),
      );
    }
  }

  private checkSize(bytes: Uint8Array, label: string): void {
    if (bytes.byteLength > this.maxPayloadBytes) {
      throw serializationFailed(`${label} is ${bytes.byteLength} bytes, over the ${this.maxPayloadBytes}-byte limit`, {
        size: bytes.byteLength,
        limit: this.maxPayloadBytes,
      });
    }
  }

  private asSerializationError(thrown: unknown, label: string, typeName: string): CatgaError {
    if (isCatgaError(thrown)) return thrown;
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    return serializationFailed(`${label} could not be encoded or decoded: ${reason}`, { messageType: typeName }, thrown);
  }
}

/** Creates the embedded in-memory transport. See {@link MemoryTransport}. */
export function memoryTransport(options?: MemoryTransportOptions): Transport {
  return new MemoryTransport(options);
}
