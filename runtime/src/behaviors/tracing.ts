import { type Attributes, context, INVALID_TRACEID, type Span, SpanKind, SpanStatusCode, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { isExpectedFailure } from '../core/error-codes.js';
import type { PipelineBehavior, PipelineStep } from '../core/pipeline.js';
import { hookedStep } from '../core/step-hooks.js';

/** Options of {@link tracingBehavior}. */
export interface TracingBehaviorOptions {
  /** Where spans go. Default: the global provider of `@opentelemetry/api` (a no-op until an OTel SDK registers). */
  readonly tracerProvider?: TracerProvider;
}

/** The instrumentation scope of every Catga span and instrument. */
export const INSTRUMENTATION_NAME = '@catga/runtime';

/**
 * Span attribute names. The `messaging.*` ones follow the OpenTelemetry messaging semantic conventions; the
 * `catga.*` ones carry what those conventions have no name for.
 */
export const SpanAttribute = {
  MESSAGING_SYSTEM: 'messaging.system',
  OPERATION_NAME: 'messaging.operation.name',
  OPERATION_TYPE: 'messaging.operation.type',
  DESTINATION_NAME: 'messaging.destination.name',
  MESSAGE_ID: 'messaging.message.id',
  CONVERSATION_ID: 'messaging.message.conversation_id',
  KIND: 'catga.message.kind',
  HANDLER: 'catga.handler',
  CAUSATION_ID: 'catga.causation_id',
  OUTCOME: 'catga.outcome',
  ERROR_TYPE: 'error.type',
  ERROR_CODE: 'catga.error.code',
} as const;

/**
 * Creates one span per handler call: `process <Type>`, a child of whatever span is active when the message is
 * handled (the caller's, or the span of the handler that sent it), and active itself while the inner behaviours
 * and the handler run, so that what the handler sends or publishes through its context becomes a child span.
 *
 * Span kind: `CONSUMER` for events, as the messaging conventions prescribe for processing a delivered message;
 * `SERVER` for commands and queries, because they are requests with exactly one handler whose result goes back to
 * a waiting caller, which is what `SERVER` means (the RPC conventions) and how trace back-ends show request
 * handling (latency percentiles, error rates per operation).
 *
 * Attributes: `messaging.system` = `catga`, `messaging.operation.name` and `messaging.operation.type` = `process`,
 * `messaging.destination.name` = the type name, `messaging.message.id`, `messaging.message.conversation_id` (the
 * correlation id), `catga.message.kind`, `catga.handler`, `catga.causation_id` (when set) and `catga.outcome`
 * (`ok` | `failed`). A failure also sets the status to `ERROR` with the error's message, `error.type` and
 * `catga.error.code` to its code, and records the failure's cause as an exception when it is an `Error`.
 *
 * Only `@opentelemetry/api` is used: without an OTel SDK the spans are no-ops, and such a span is not made active
 * unless a span already is (it could change nothing a child span sees; `trace.getActiveSpan()` in the handler then
 * returns `undefined` rather than a non-recording span). Parent/child nesting across `await` needs a context manager
 * (the Node SDK registers `AsyncLocalStorageContextManager`).
 */
export function tracingBehavior(options: TracingBehaviorOptions = {}): PipelineBehavior {
  // The global API hands out a proxy tracer that follows an SDK registered later, so resolving it now is safe.
  const tracer: Tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME);
  return {
    name: 'tracing',
    forMessage({ typeName, kind, handlerName }): PipelineStep {
      const spanName = `process ${typeName}`;
      const spanKind = kind === 'event' ? SpanKind.CONSUMER : SpanKind.SERVER;
      // Shared by every span of this handler; the SDK copies attributes into the span and never writes back.
      const constant: Attributes = {
        [SpanAttribute.MESSAGING_SYSTEM]: 'catga',
        [SpanAttribute.OPERATION_NAME]: 'process',
        [SpanAttribute.OPERATION_TYPE]: 'process',
        [SpanAttribute.DESTINATION_NAME]: typeName,
        [SpanAttribute.KIND]: kind,
        [SpanAttribute.HANDLER]: handlerName,
      };
      const spanOptions = { kind: spanKind, attributes: constant };
      return hookedStep<Span>({
        enter(message) {
          const span = tracer.startSpan(spanName, spanOptions, context.active());
          // Per-message values are added only to spans that record: an unsampled span (or no SDK) costs no more.
          if (span.isRecording()) {
            span.setAttribute(SpanAttribute.MESSAGE_ID, message.messageId);
            span.setAttribute(SpanAttribute.CONVERSATION_ID, message.correlationId);
            if (message.causationId !== undefined) span.setAttribute(SpanAttribute.CAUSATION_ID, message.causationId);
          }
          return span;
        },
        within(span, pipelineContext, inner) {
          const parent = context.active();
          // Without an SDK (an invalid span) under no span at all, activating the span would change nothing a child
          // span could see (it would start a new trace either way), and cost a context copy per call.
          if (span.spanContext().traceId === INVALID_TRACEID && trace.getSpan(parent) === undefined) return undefined;
          return context.with(trace.setSpan(parent, span), inner, undefined, pipelineContext);
        },
        leave(span, result) {
          if (span.isRecording()) {
            if (result.ok) {
              span.setAttribute(SpanAttribute.OUTCOME, 'ok');
            } else {
              const { error } = result;
              span.setAttribute(SpanAttribute.OUTCOME, 'failed');
              span.setAttribute(SpanAttribute.ERROR_TYPE, error.code);
              span.setAttribute(SpanAttribute.ERROR_CODE, error.code);
              // Expected outcomes (NOT_FOUND, VALIDATION_FAILED, ...) are answers, not faults: an ERROR status would
              // inflate error rates in trace tools (OTel: server spans leave client-caused errors unset).
              if (!isExpectedFailure(error.code)) span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
              const cause: unknown = error.cause;
              if (cause instanceof Error) span.recordException(cause);
            }
          }
          span.end();
          return result;
        },
      });
    },
  };
}
