/**
 * @catga/runtime: commands, queries and events; a mediator whose every failure is a typed result with a stable
 * code; decorators that work with and without the Catga transformer; the in-memory transport and the codecs.
 *
 * @packageDocumentation
 */
export { Command, Event, Message, Query } from './core/messages.js';
export type { AnyMessage, MessageClass, MessageContract, MessageKind, Request, ResultOf } from './core/messages.js';
export { CatgaCommand, CatgaEvent, CatgaHandler, CatgaQuery } from './core/decorators.js';
export type { CatgaClassDecorator } from './core/decorators.js';
export type {
  CircuitBreakerOptions,
  CommandOptions,
  ConcurrencyOptions,
  EventOptions,
  IdempotencyOptions,
  MessageOptions,
  MessagePolicies,
  QualityOfService,
  QueryOptions,
  RateLimitOptions,
  RetryOptions,
} from './core/message-options.js';
export type { HandlerOptions } from './core/handler-options.js';
export type {
  AnyHandler,
  Awaitable,
  CommandHandler,
  EventHandler,
  HandlerContext,
  HandlerOf,
  PublishOptions,
  QueryHandler,
  SendOptions,
} from './core/handler.js';
export { ERROR_CODES, ErrorCode, isErrorCode, isRetryableByDefault } from './core/error-codes.js';
export { CatgaError, isCatgaError } from './core/catga-error.js';
export type { CatgaErrorOptions, ErrorDetails } from './core/catga-error.js';
export { CatgaConfigurationError } from './core/configuration-error.js';
export { fail, ok, unwrap } from './core/result.js';
export type { CatgaResult, Fail, Ok } from './core/result.js';
export { PublishError } from './core/publish-result.js';
export type { HandlerFailure, PublishReceipt, PublishResult } from './core/publish-result.js';
export { Catga } from './core/catga.js';
export type { BatchOptions, BatchResults, PublishBatchOptions, StreamOptions } from './core/catga.js';
export { CatgaBuilder, createCatga } from './core/builder.js';
export type { UseOptions } from './core/builder.js';
export { PRESETS } from './core/config.js';
export type { CatgaOptions, PresetName, ResolvedCatgaOptions, UntransformedPolicy } from './core/config.js';
export type { HandlerFactory, HandlerLifetime } from './core/handler-registry.js';
export type {
  CancellableContext,
  MessageDescriptor,
  Next,
  OrderedBehavior,
  PipelineBehavior,
  PipelineContext,
  PipelineStep,
} from './core/pipeline.js';
export type { InboundDispatcher, Transport } from './core/transport.js';
export { messageIdTime, newMessageId } from './core/message-id.js';
export { kindOf, typeNameOf } from './core/metadata.js';
export { memoryTransport, MemoryTransport } from './transport/memory-transport.js';
export type { MemoryTransportOptions } from './transport/memory-transport.js';
export type { Codec } from './codec/codec.js';
export { jsonCodec } from './codec/json-codec.js';
export { msgpackCodec } from './codec/msgpack-codec.js';
export { assertSerializable } from './codec/serializable.js';
export { BehaviorOrder } from './behaviors/behavior-order.js';
export type {
  BehaviorSettings,
  DeadLetterSettings,
  IdempotencySettings,
  InboxSettings,
  LoggingSettings,
  MetricsSettings,
  OutboxSettings,
  OutboxWiring,
  PresetBehaviors,
  TracingSettings,
} from './behaviors/built-in-behaviors.js';
export type { Preset } from './core/config.js';
export { consoleLogger } from './behaviors/logger.js';
export type { CatgaLogger, LogFields, LogLevel } from './behaviors/logger.js';
export { loggingBehavior } from './behaviors/logging.js';
export { tracingBehavior } from './behaviors/tracing.js';
export { metricsBehavior } from './behaviors/metrics.js';
export { validationBehavior } from './behaviors/validation.js';
export { attachValidator, toValidateFn } from './behaviors/validator.js';
export type { ValidateFn, ValidationIssue, Validator, ValidatorClass, ValidatorFunction, ValidatorObject } from './behaviors/validator.js';
export { idempotencyBehavior } from './behaviors/idempotency.js';
export { MemoryIdempotencyStore } from './behaviors/idempotency-store.js';
export type { IdempotencyRecord, IdempotencyStore } from './behaviors/idempotency-store.js';
export { rateLimitBehavior } from './behaviors/rate-limit.js';
export { concurrencyLimitBehavior } from './behaviors/concurrency-limit.js';
export { circuitBreakerBehavior } from './behaviors/circuit-breaker.js';
export { deadLetterBehavior } from './behaviors/dead-letter.js';
export { MemoryDeadLetterStore } from './behaviors/dead-letter-store.js';
export type { DeadLetterEntry, DeadLetterStore } from './behaviors/dead-letter-store.js';
export { retryBehavior } from './behaviors/retry.js';
export { timeoutBehavior } from './behaviors/timeout.js';
export { inboxBehavior } from './behaviors/inbox.js';
export type { InboxBehaviorOptions } from './behaviors/inbox.js';
export { outboxBehavior } from './behaviors/outbox.js';
export type { OutboxBehaviorOptions } from './behaviors/outbox.js';
export { MemoryInboxStore } from './persistence/inbox-store.js';
export type { InboxClaim, InboxStore, MemoryInboxStoreOptions } from './persistence/inbox-store.js';
export { fromStoredResult, isStoredResult, toStoredResult } from './persistence/stored-result.js';
export type { StoredResult } from './persistence/stored-result.js';
export { MemoryOutboxStore } from './persistence/outbox-store.js';
export type { NewOutboxEntry, OutboxCounts, OutboxEntry, OutboxFailure, OutboxFailureOutcome, OutboxLease, OutboxStore } from './persistence/outbox-store.js';
export { OutboxProcessor } from './persistence/outbox-processor.js';
export type { OutboxProcessorOptions } from './persistence/outbox-processor.js';
export { MemoryDistributedLock } from './persistence/distributed-lock.js';
export { acquireLock, withLock } from './persistence/acquire-lock.js';
export type { AcquireLockOptions } from './persistence/acquire-lock.js';
export type { DistributedLock, LockHandle } from './persistence/distributed-lock.js';
export { FINAL_SAGA_STATUSES, MemorySagaStore } from './persistence/saga-store.js';
export type { NewSagaRecord, SagaChanges, SagaRecord, SagaStatus, SagaStore } from './persistence/saga-store.js';
export { LeaderElection } from './persistence/leader-election.js';
export type { LeaderElectionOptions, LeaderRun, LeadershipChange } from './persistence/leader-election.js';
// Cluster (docs/cluster.md): membership, consistent hashing, singleton jobs. NATS and Redis memberships are in the
// `./nats` and `./redis` subpaths.
export type { ClusterMembership, MembershipChange } from './cluster/cluster-membership.js';
export { MemoryMembership, MemoryMembershipRegistry } from './cluster/memory-membership.js';
export type { MemoryMembershipOptions } from './cluster/memory-membership.js';
export { DEFAULT_VIRTUAL_NODES, HashRing, hash32 } from './cluster/hash-ring.js';
export { SingletonJob, singletonJob } from './cluster/singleton-job.js';
export type { SingletonJobOptions } from './cluster/singleton-job.js';
export { memoryPersistence } from './persistence/persistence-stores.js';
export type { PersistenceStores } from './persistence/persistence-stores.js';
export { validateMessageOptions } from './core/message-options.js';
export { compiledHandlerOf, contractOf, defineContract, defineHandler, FUSED_HANDLE, publishCompiled, sendCompiled } from './core/compiled.js';
export type { CatgaRegistry, CompiledContract, CompiledHandler, ContractField, DefinedHandler, FusedHandle, HandlerReturn } from './core/compiled.js';
// What generated pipelines are written against (docs/transformer.md, "Pipelines"); not for hand-written code.
export type { CompiledPipeline, PipelineExecutor, PipelineRoute, PipelineSlot, PipelineSlots } from './core/compiled-pipeline.js';
export { Stop } from './core/step-hooks.js';
export type { StepHooks } from './core/step-hooks.js';
export { isThenable } from './core/thenable.js';
export { saga, SagaDefinition } from './saga/saga-definition.js';
export type { AnySagaDefinition, SagaFailure, SagaOptions, SagaStartedByOptions, SagaPatch, SagaRetryOptions, SagaStepContext, SagaStepOptions, SagaWaitOptions } from './saga/saga-definition.js';
export { SagaHost } from './saga/saga-host.js';
export type { SagaHostOptions, SagaSnapshot, SagaStarted, SagaStartOptions } from './saga/saga-host.js';
