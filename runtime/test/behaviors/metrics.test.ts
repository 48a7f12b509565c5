import {
  CatgaCommand,
  CatgaError,
  CatgaEvent,
  CatgaHandler,
  Command,
  Event,
  type PipelineBehavior,
  createCatga,
  fail,
} from '@catga/runtime';
import { type Attributes, type Counter, createNoopMeter, type MeterProvider as ApiMeterProvider, metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  type HistogramMetricData,
  MeterProvider,
  type MetricData,
  MetricReader,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { BehaviorOrder } from '../../src/behaviors/behavior-order.js';
import { DURATION_BUCKETS, metricsBehavior } from '../../src/behaviors/metrics.js';

@CatgaCommand()
class Charge extends Command<string> {
  constructor(readonly card: string) {
    super();
  }
}

@CatgaEvent()
class Charged extends Event {}

let release: (() => void) | undefined;

@CatgaHandler(Charge)
class ChargeHandler {
  async handle(command: Charge): Promise<string> {
    if (command.card === 'stolen') throw new CatgaError('FORBIDDEN', 'card blocked');
    if (command.card === 'crash') throw new Error('gateway down');
    if (command.card === 'slow') await new Promise((resolve) => setTimeout(resolve, 30));
    if (command.card === 'held') await new Promise<void>((resolve) => (release = resolve));
    return `charged ${command.card}`;
  }
}

@CatgaHandler(Charged)
class SendReceipt {
  handle(): void {}
}

@CatgaHandler(Charged)
class UpdateLedger {
  handle(): void {}
}

/** A pull reader: the test decides when to collect. */
class TestReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

let reader: TestReader;
let meterProvider: MeterProvider;

beforeEach(() => {
  reader = new TestReader();
  meterProvider = new MeterProvider({ readers: [reader] });
});

afterEach(async () => {
  await meterProvider.shutdown();
});

// `highPerformance` installs no built-in behaviours, so every measurement comes from the behaviour under test.
function build(provider: ApiMeterProvider = meterProvider, inner?: PipelineBehavior) {
  const builder = createCatga({ preset: 'highPerformance', asyncDispatch: true }).use(metricsBehavior({ meterProvider: provider }), {
    order: BehaviorOrder.metrics,
  });
  if (inner !== undefined) builder.use(inner, { order: BehaviorOrder.validation });
  return builder.handler(ChargeHandler).handler(SendReceipt).handler(UpdateLedger).build();
}

async function collect(): Promise<Map<string, MetricData>> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  const byName = new Map<string, MetricData>();
  for (const scope of resourceMetrics.scopeMetrics) {
    expect(scope.scope.name).toBe('@catga/runtime');
    for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
  }
  return byName;
}

function sum(metrics: Map<string, MetricData>, name: string): SumMetricData {
  const metric = metrics.get(name);
  if (metric?.dataPointType !== DataPointType.SUM) throw new Error(`expected a sum named ${name}`);
  return metric;
}

function histogram(metrics: Map<string, MetricData>, name: string): HistogramMetricData {
  const metric = metrics.get(name);
  if (metric?.dataPointType !== DataPointType.HISTOGRAM) throw new Error(`expected a histogram named ${name}`);
  return metric;
}

/** Data points as [attributes, value], sorted for stable comparison. */
function points(metric: SumMetricData): Array<[Attributes, number]> {
  return metric.dataPoints
    .map((point): [Attributes, number] => [point.attributes, point.value])
    .sort((a, b) => JSON.stringify(a[0]).localeCompare(JSON.stringify(b[0])));
}

const charge = { 'catga.message.type': 'Charge', 'catga.message.kind': 'command' };

describe('metrics behaviour', () => {
  it('counts calls by type, kind and outcome, and failures by error code', async () => {
    const catga = build();
    await catga.send(new Charge('visa'));
    await catga.send(new Charge('amex'));
    await catga.send(new Charge('stolen'));
    await catga.send(new Charge('crash'));
    await catga.send(new Charge('stolen'));

    const collected = await collect();
    const requests = sum(collected, 'catga.requests');
    expect(requests.descriptor).toMatchObject({ unit: '{request}' });
    expect(requests.isMonotonic).toBe(true);
    expect(requests.aggregationTemporality).toBe(AggregationTemporality.CUMULATIVE);
    expect(points(requests)).toEqual([
      [{ ...charge, 'catga.outcome': 'failed' }, 3],
      [{ ...charge, 'catga.outcome': 'ok' }, 2],
    ]);

    const failed = sum(collected, 'catga.requests.failed');
    expect(failed.descriptor.unit).toBe('{request}');
    expect(points(failed)).toEqual([
      [{ ...charge, 'error.type': 'FORBIDDEN' }, 2],
      [{ ...charge, 'error.type': 'HANDLER_FAILED' }, 1],
    ]);
  });

  it('records durations in seconds in a histogram with second-scale buckets', async () => {
    const catga = build();
    await catga.send(new Charge('slow'));
    await catga.send(new Charge('visa'));

    const duration = histogram(await collect(), 'catga.request.duration');
    expect(duration.descriptor.unit).toBe('s');
    expect(duration.dataPoints).toHaveLength(1);
    const [point] = duration.dataPoints;
    expect(point!.attributes).toEqual({ ...charge, 'catga.outcome': 'ok' });
    expect(point!.value.count).toBe(2);
    expect(point!.value.buckets.boundaries).toEqual([...DURATION_BUCKETS]);
    // 30 ms of sleep: about 0.03 in seconds (it would be about 30 in milliseconds).
    expect(point!.value.sum).toBeGreaterThanOrEqual(0.025);
    expect(point!.value.sum).toBeLessThan(1);
    expect(point!.value.max).toBeGreaterThanOrEqual(0.025);
  });

  it('tracks calls in progress with an up-down counter that returns to zero', async () => {
    const catga = build();
    const pending = catga.send(new Charge('held'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(release).toBeDefined();

    const during = sum(await collect(), 'catga.requests.active');
    expect(during.isMonotonic).toBe(false);
    expect(during.descriptor.unit).toBe('{request}');
    expect(points(during)).toEqual([[charge, 1]]);

    release!();
    expect(await pending).toEqual({ ok: true, value: 'charged held' });
    expect(points(sum(await collect(), 'catga.requests.active'))).toEqual([[charge, 0]]);
  });

  it('counts each event handler call under the event type and kind', async () => {
    await build().publish(new Charged());
    expect(points(sum(await collect(), 'catga.requests'))).toEqual([
      [{ 'catga.message.type': 'Charged', 'catga.message.kind': 'event', 'catga.outcome': 'ok' }, 2],
    ]);
  });

  it('measures the outcome of an inner behaviour that short-circuits', async () => {
    const limiter: PipelineBehavior = { name: 'limiter', handle: async () => fail('RATE_LIMITED', 'slow down') };
    await build(meterProvider, limiter).send(new Charge('visa'));
    const collected = await collect();
    expect(points(sum(collected, 'catga.requests'))).toEqual([[{ ...charge, 'catga.outcome': 'failed' }, 1]]);
    expect(points(sum(collected, 'catga.requests.failed'))).toEqual([[{ ...charge, 'error.type': 'RATE_LIMITED' }, 1]]);
  });

  it('creates its instruments once per behaviour instance and reuses attribute sets across calls', async () => {
    const meter = meterProvider.getMeter('@catga/runtime');
    const createCounter = jest.spyOn(meter, 'createCounter');
    const createHistogram = jest.spyOn(meter, 'createHistogram');
    const createUpDownCounter = jest.spyOn(meter, 'createUpDownCounter');
    let getMeterCalls = 0;
    const counting: ApiMeterProvider = {
      getMeter: (name, version, options) => {
        getMeterCalls++;
        return meterProvider.getMeter(name, version, options);
      },
    };
    const behavior = metricsBehavior({ meterProvider: counting });
    const first = createCatga({ preset: 'highPerformance' }).use(behavior).handler(ChargeHandler).handler(SendReceipt).handler(UpdateLedger).build();
    const second = createCatga({ preset: 'highPerformance' }).use(behavior).handler(ChargeHandler).build();
    expect([getMeterCalls, createCounter.mock.calls.length, createHistogram.mock.calls.length, createUpDownCounter.mock.calls.length]).toEqual([1, 2, 1, 1]);
    expect(createCounter.mock.calls.map(([name]) => name)).toEqual(['catga.requests', 'catga.requests.failed']);

    const requests = createCounter.mock.results[0]!.value as Counter;
    const add = jest.spyOn(requests, 'add');
    await first.send(new Charge('visa'));
    await second.send(new Charge('amex'));
    await first.send(new Charge('crash'));
    await first.send(new Charge('crash'));
    const [okFirst, okSecond, failedFirst, failedSecond] = add.mock.calls.map(([, attributes]) => attributes);
    // Same type and outcome within one instance: the very same precomputed object.
    expect(okFirst).toEqual({ ...charge, 'catga.outcome': 'ok' });
    expect(failedFirst).toBe(failedSecond);
    expect(okSecond).toEqual(okFirst);
  });

  it('uses the global meter provider registered before the instance is built', async () => {
    const behavior = metricsBehavior();
    expect(metrics.setGlobalMeterProvider(meterProvider)).toBe(true);
    try {
      const catga = createCatga({ preset: 'highPerformance' }).use(behavior).handler(ChargeHandler).build();
      await catga.send(new Charge('visa'));
    } finally {
      metrics.disable();
    }
    expect(points(sum(await collect(), 'catga.requests'))).toEqual([[{ ...charge, 'catga.outcome': 'ok' }, 1]]);
  });

  it('adds no step when the provider is the API\'s no-op one (no SDK registered), and one as soon as an SDK is', () => {
    const descriptor = { typeName: 'Charge', kind: 'command' as const, handlerName: 'ChargeHandler', messageClass: Charge, options: {} };
    // Nothing registered: the global provider hands out the no-op meter, which would record nothing, ever.
    expect(metricsBehavior().forMessage!(descriptor)).toBeUndefined();
    expect(metricsBehavior({ meterProvider: { getMeter: () => createNoopMeter() } }).forMessage!(descriptor)).toBeUndefined();
    expect(typeof metricsBehavior({ meterProvider }).forMessage!(descriptor)).toBe('function');
    expect(metrics.setGlobalMeterProvider(meterProvider)).toBe(true);
    try {
      expect(typeof metricsBehavior().forMessage!(descriptor)).toBe('function');
    } finally {
      metrics.disable();
    }
  });
});
