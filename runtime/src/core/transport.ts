import type { Event, Message, MessageClass } from './messages.js';
import type { PublishResult } from './publish-result.js';
import type { CatgaResult } from './result.js';

/** What a transport delivers incoming messages to: the local handlers of one Catga instance. */
export interface InboundDispatcher {
  /** Name of the Catga instance (for errors and logs). */
  readonly instanceName: string;
  /** Known message classes by type name, for decoding. */
  readonly messageTypes: ReadonlyMap<string, MessageClass>;
  /** Runs the handler of a command or query. Never rejects. */
  dispatchRequest(message: Message, signal: AbortSignal): Promise<CatgaResult<unknown>>;
  /** Runs every handler of an event. Never rejects. */
  dispatchEvent(event: Event, signal: AbortSignal): Promise<PublishResult>;
  /**
   * Command and query classes that have a local handler: what a remote transport subscribes to.
   */
  readonly requestClasses: readonly MessageClass[];
  /**
   * Event classes with local handlers, each with its handlers' names: a remote transport with per-handler delivery
   * (JetStream) gives every handler its own consumer, so one failing handler is redelivered without the others.
   */
  readonly eventHandlers: ReadonlyMap<MessageClass, readonly string[]>;
  /**
   * Handlers marked `@CatgaHandler(X, { leaderOnly: true })`, by message class, with their names: a clustered
   * transport serves them only while its node leads. Absent or empty: none.
   */
  readonly leaderOnlyHandlers?: ReadonlyMap<MessageClass, readonly string[]>;
  /** Runs one named handler of an event (see {@link InboundDispatcher.eventHandlers}). Never rejects. */
  dispatchEventTo(event: Event, handlerName: string, signal: AbortSignal): Promise<CatgaResult<unknown>>;
  /**
   * Resolves once no handler call dispatched through it is running. A transport that hands the dispatcher's own
   * promise to the caller (no frame of its own to count in) waits for this when it closes.
   */
  whenIdle?(): Promise<void>;
}

/**
 * Carries messages between senders and handlers. The in-memory transport is the embedded default; remote
 * transports (NATS) implement the same contract so an app moves between them without code changes.
 * Every method resolves to a result; none rejects.
 */
export interface Transport {
  /** Short name for logs, e.g. `memory` or `nats`. */
  readonly name: string;
  /** Called once by `build()`: from now on, incoming messages go to `inbound`. */
  connect(inbound: InboundDispatcher): void | Promise<void>;
  /** Delivers a command or query to its handler and resolves with the handler's result. */
  request(message: Message, signal: AbortSignal): Promise<CatgaResult<unknown>>;
  /** Delivers an event to its handlers. */
  publish(event: Event, signal: AbortSignal): Promise<PublishResult>;
  /** Stops accepting messages and waits for in-flight ones. */
  close(): Promise<void>;
}
