import { context as otelContext, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  type CatgaLogger,
  CatgaCommand,
  CatgaHandler,
  Command,
  type HandlerContext,
  type LogFields,
  type PipelineBehavior,
  circuitBreakerBehavior,
  concurrencyLimitBehavior,
  createCatga,
  rateLimitBehavior,
  retryBehavior,
  timeoutBehavior,
} from '@catga/runtime';
import { configError } from '../support/config-error.js';

class RecordingLogger implements CatgaLogger {
  readonly entries: Array<{ level: string; message: string; fields: LogFields; traceId: string | undefined }> = [];
  private record(level: string, fields: LogFields, message: string): void {
    this.entries.push({ level, message, fields, traceId: trace.getActiveSpan()?.spanContext().traceId });
  }
  debug(fields: LogFields, message: string): void { this.record('debug', fields, message); }
  info(fields: LogFields, message: string): void { this.record('info', fields, message); }
  warn(fields: LogFields, message: string): void { this.record('warn', fields, message); }
  error(fields: LogFields, message: string): void { this.record('error', fields, message); }
}

@CatgaCommand()
class Charge extends Command<string> {
  constructor(readonly outcome: 'ok' | 'fail' | 'hang') {
    super();
  }
}

let calls = 0;

@CatgaHandler(Charge)
class ChargeHandler {
  handle(command: Charge, context: HandlerContext): Promise<string> | string {
    calls++;
    if (command.outcome === 'fail') throw new Error('card network down');
    if (command.outcome === 'hang') return new Promise((_, reject) => context.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    return 'charged';
  }
}

@CatgaCommand({ idempotent: true, timeoutMs: 50 })
class Refund extends Command<number> {
  constructor(readonly hang = false) {
    super();
  }
}

@CatgaHandler(Refund)
class RefundHandler {
  handle(command: Refund, context: HandlerContext): Promise<number> | number {
    calls++;
    if (command.hang) return new Promise((_, reject) => context.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    return calls;
  }
}

describe('builder with…() methods and presets', () => {
  beforeEach(() => {
    calls = 0;
  });
  afterEach(() => jest.useRealTimers());

  it('withCircuitBreaker({ failures: 5, resetMs: 60_000 }) opens after five failures', async () => {
    const catga = createCatga({ preset: 'highPerformance' }).withCircuitBreaker({ failures: 5, resetMs: 60_000 }).handler(ChargeHandler).build();
    for (let i = 0; i < 5; i++) expect((await catga.send(new Charge('fail'))).ok).toBe(false);
    const refused = await catga.send(new Charge('ok'));
    expect(refused.ok || refused.error.code).toBe('CIRCUIT_OPEN');
    expect(calls).toBe(5);
  });

  it('withRateLimiting({ rps: 100, burst: 2 }) rejects beyond the burst', async () => {
    const catga = createCatga({ preset: 'highPerformance' }).withRateLimiting({ rps: 100, burst: 2 }).handler(ChargeHandler).build();
    const results = await Promise.all([1, 2, 3].map(() => catga.send(new Charge('ok'))));
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'ok', 'RATE_LIMITED']);
  });

  it('withRetry retries retryable failures of every message', async () => {
    const catga = createCatga({ preset: 'highPerformance' }).withRetry({ attempts: 3, baseDelayMs: 0 }).handler(ChargeHandler).build();
    const result = await catga.send(new Charge('fail'));
    expect(result.ok || result.error.code).toBe('HANDLER_FAILED');
    expect(calls).toBe(3);
  });

  it('validates with…() options with the decorators\' checks, naming the method', () => {
    expect(configError(() => createCatga().withRateLimiting({ rps: -1 })).field).toBe('withRateLimiting.rps');
    expect(configError(() => createCatga().withRetry({ attempts: 0 })).field).toBe('withRetry.attempts');
    expect(configError(() => createCatga().withCircuitBreaker({ failureRatio: 2 })).field).toBe('withCircuitBreaker.failureRatio');
    expect(configError(() => createCatga().withLogging({ level: 'loud' as never })).field).toBe('withLogging.level');
    expect(configError(() => createCatga().withTimeout({ timeoutMs: 0 })).field).toBe('withTimeout.timeoutMs');
    expect(configError(() => createCatga().withIdempotency({ store: {} as never })).field).toBe('withIdempotency.store');
  });

  it('production: failures that survive go to catga.deadLetters; highPerformance keeps none', async () => {
    const logger = new RecordingLogger();
    const production = createCatga({ preset: 'production' }).withLogging({ logger }).handler(ChargeHandler).build();
    await production.send(new Charge('fail'));
    const [entry] = await production.deadLetters.list();
    expect(entry).toMatchObject({ messageType: 'Charge', handler: 'ChargeHandler', error: { code: 'HANDLER_FAILED' } });
    expect(logger.entries.map((e) => [e.level, e.message])).toEqual([['error', 'failed Charge']]);

    const fast = createCatga({ preset: 'highPerformance' }).handler(ChargeHandler).build();
    await fast.send(new Charge('fail'));
    expect(await fast.deadLetters.size()).toBe(0);
  });

  it('production: a hung handler times out after the preset\'s 30 s per attempt', async () => {
    jest.useFakeTimers();
    const catga = createCatga({ preset: 'production' }).withLogging(false).handler(ChargeHandler).build();
    const pending = catga.send(new Charge('hang'));
    await jest.advanceTimersByTimeAsync(29_999);
    let settled = false;
    void pending.then(() => (settled = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    const result = await pending;
    expect(result.ok || [result.error.code, result.error.retryable]).toEqual(['TIMEOUT', true]);
  });

  it('applies message policies in every preset, even highPerformance', async () => {
    jest.useFakeTimers();
    const catga = createCatga({ preset: 'highPerformance' }).handler(RefundHandler).build();
    const refund = new Refund();
    expect(await catga.send(refund)).toEqual({ ok: true, value: 1 });
    expect(await catga.send(refund)).toEqual({ ok: true, value: 1 }); // idempotent: same message id, same result
    const hung = catga.send(new Refund(true));
    await jest.advanceTimersByTimeAsync(50);
    expect(((await hung) as { ok: false; error: { code: string } }).error.code).toBe('TIMEOUT');
  });

  it('a .use() behaviour named like a built-in replaces it instead of stacking', async () => {
    const seen: string[] = [];
    const ownIdempotency: PipelineBehavior = {
      name: 'idempotency',
      handle: async (message, _context, next) => (seen.push(message.messageType), next()),
    };
    const catga = createCatga({ preset: 'highPerformance' }).use(ownIdempotency, { order: 400 }).handler(RefundHandler).build();
    const refund = new Refund();
    await catga.send(refund);
    await catga.send(refund);
    expect(seen).toEqual(['Refund', 'Refund']);
    expect(calls).toBe(2); // the built-in memory layer is gone: ours passes duplicates through
  });

  it('logs inside the span: tracing runs outside logging, so entries carry the trace id', async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    otelContext.setGlobalContextManager(manager);
    try {
      const exporter = new InMemorySpanExporter();
      const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
      const logger = new RecordingLogger();
      const catga = createCatga({ preset: 'highPerformance' })
        .withTracing({ tracerProvider })
        .withLogging({ logger, level: 'info' })
        .handler(ChargeHandler)
        .build();
      await catga.send(new Charge('ok'));
      const [span] = exporter.getFinishedSpans();
      expect(logger.entries).toHaveLength(1);
      expect(logger.entries[0]!.traceId).toBe(span!.spanContext().traceId);
    } finally {
      otelContext.disable();
      manager.disable();
    }
  });
});

describe('behaviour factories used directly with .use()', () => {
  it('validate their options like the builder does', () => {
    expect(configError(() => retryBehavior({ attempts: 0 })).field).toBe('retryBehavior.attempts');
    expect(configError(() => timeoutBehavior(-1)).field).toBe('timeoutBehavior');
    expect(configError(() => circuitBreakerBehavior({ failureRatio: 0 })).field).toBe('circuitBreakerBehavior.failureRatio');
    expect(configError(() => rateLimitBehavior({ rps: 0 })).field).toBe('rateLimit.rps');
    expect(configError(() => concurrencyLimitBehavior({ limit: 0 })).field).toBe('concurrency.limit');
  });
});
