import { type Attributes, type Counter, createNoopMeter, type Histogram, type MeterProvider, metrics, type UpDownCounter, ValueType } from '@opentelemetry/api';
import type { PipelineBehavior, PipelineStep } from '../core/pipeline.js';
import { hookedStep } from '../core/step-hooks.js';

/** Options of {@link metricsBehavior}. */
export interface MetricsBehaviorOptions {
  /**
   * Where measurements go. Default: the global provider of `@opentelemetry/api`, looked up when the Catga instance
   * is built (see {@link metricsBehavior}).
   */
  readonly meterProvider?: MeterProvider;
}

/** Names of the instruments {@link metricsBehavior} creates. */
export const MetricName = {
  /** Counter of handled calls, by type, kind and outcome. */
  REQUESTS: 'catga.requests',
  /** Histogram of handler call durations in seconds, by type, kind and outcome. */
  DURATION: 'catga.request.duration',
  /** Up-down counter of calls in progress, by type and kind. */
  ACTIVE: 'catga.requests.active',
  /** Counter of failed calls, by type, kind and error code (`error.type`). */
  FAILED: 'catga.requests.failed',
} as const;

/** Attribute names on the instruments of {@link metricsBehavior}. */
export const MetricAttribute = {
  MESSAGE_TYPE: 'catga.message.type',
  MESSAGE_KIND: 'catga.message.kind',
  OUTCOME: 'catga.outcome',
  ERROR_TYPE: 'error.type',
} as const;

/**
 * Bucket boundaries of the duration histogram, in seconds. The SDK's default boundaries (0 to 10,000) are meant for
 * milliseconds and would put every in-process call in the first bucket; these are the semantic conventions' ones
 * for durations in seconds, with finer buckets below 5 ms because local handlers are often that fast.
 */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]);

interface Instruments {
  readonly requests: Counter;
  readonly duration: Histogram;
  readonly active: UpDownCounter;
  readonly failed: Counter;
}

/** The instruments, or `undefined` when the provider hands out the API's no-op meter (no SDK registered). */
function createInstruments(provider: MeterProvider): Instruments | undefined {
  const meter = provider.getMeter('@catga/runtime');
  // Instruments of the no-op meter stay no-ops for good (the metrics API has no proxy that an SDK registered later
  // could fill in), so measuring would only cost time: two clock reads and four empty calls per send.
  if (meter === createNoopMeter()) return undefined;
  return {
    requests: meter.createCounter(MetricName.REQUESTS, {
      description: 'Handler calls, by message type, kind and outcome.',
      unit: '{request}',
      valueType: ValueType.INT,
    }),
    duration: meter.createHistogram(MetricName.DURATION, {
      description: 'Duration of handler calls through the pipeline, by message type, kind and outcome.',
      unit: 's',
      valueType: ValueType.DOUBLE,
      advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
    }),
    active: meter.createUpDownCounter(MetricName.ACTIVE, {
      description: 'Handler calls in progress, by message type and kind.',
      unit: '{request}',
      valueType: ValueType.INT,
    }),
    failed: meter.createCounter(MetricName.FAILED, {
      description: 'Failed handler calls, by message type, kind and error code.',
      unit: '{request}',
      valueType: ValueType.INT,
    }),
  };
}

/**
 * Measures every handler call with OpenTelemetry instruments (meter `@catga/runtime`):
 *
 * - `catga.requests` (counter, `{request}`): every call, with `catga.message.type`, `catga.message.kind` and
 *   `catga.outcome` (`ok` | `failed`);
 * - `catga.request.duration` (histogram, `s`): the call's duration in seconds, same attributes;
 * - `catga.requests.active` (up-down counter, `{request}`): calls in progress, with type and kind;
 * - `catga.requests.failed` (counter, `{request}`): failed calls, with type, kind and `error.type` = the error code.
 *
 * Attribute sets are built once per message type (and per error code, the first time it occurs), so recording
 * allocates nothing. Handlers are not an attribute: an event's handlers share its series (bounded cardinality).
 *
 * The instruments are created once per behaviour instance, when the first Catga instance using it is built. That
 * is later than this call on purpose: the global metrics API (unlike the tracing one) has no proxy, so a meter
 * taken before the OTel SDK registers its provider would stay a no-op for good. For the same reason, when the
 * provider is the API's no-op one (no SDK registered by then), the behaviour adds no step at all: it could record
 * nothing, ever.
 */
export function metricsBehavior(options: MetricsBehaviorOptions = {}): PipelineBehavior {
  let instruments: Instruments | undefined | null;
  return {
    name: 'metrics',
    forMessage({ typeName, kind }): PipelineStep | undefined {
      instruments ??= createInstruments(options.meterProvider ?? metrics.getMeterProvider()) ?? null;
      if (instruments === null) return undefined;
      const { requests, duration, active, failed } = instruments;
      const perType: Attributes = { [MetricAttribute.MESSAGE_TYPE]: typeName, [MetricAttribute.MESSAGE_KIND]: kind };
      const succeeded: Attributes = { ...perType, [MetricAttribute.OUTCOME]: 'ok' };
      const unsuccessful: Attributes = { ...perType, [MetricAttribute.OUTCOME]: 'failed' };
      // One attribute set per error code seen: the codes are a closed set, so this stays small.
      const byCode = new Map<string, Attributes>();
      const failedWith = (code: string): Attributes => {
        let attributes = byCode.get(code);
        if (attributes === undefined) {
          attributes = { ...perType, [MetricAttribute.ERROR_TYPE]: code };
          byCode.set(code, attributes);
        }
        return attributes;
      };
      return hookedStep<undefined>({
        timed: true,
        enter() {
          active.add(1, perType);
          return undefined;
        },
        leave(_state, result, _message, startedAt) {
          active.add(-1, perType);
          const seconds = (performance.now() - startedAt) / 1000;
          const attributes = result.ok ? succeeded : unsuccessful;
          requests.add(1, attributes);
          duration.record(seconds, attributes);
          if (!result.ok) failed.add(1, failedWith(result.error.code));
          return result;
        },
      });
    },
  };
}
