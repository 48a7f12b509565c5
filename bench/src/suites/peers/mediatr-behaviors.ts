/**
 * mediatr-ts's side of the pipeline behaviours suite: `Mediator.send` through three `@pipelineBehavior()` classes
 * (error translation, a metrics-like counter, validation; outermost first).
 *
 * mediatr-ts keeps one registry per module and its behaviours have no request type: once this file is evaluated,
 * every `Mediator.send` in the process runs them, whatever the request. Two things keep the in-process send suite's
 * "mediatr-ts send" row free of them:
 * - this file is loaded with a dynamic `import()` by the pipeline behaviours suite's setup, which runs after the
 *   in-process suite has finished; importing it statically would register the behaviours (and this handler, which
 *   mediatr-ts's per-send handler lookup filters through) before any suite runs;
 * - each behaviour passes straight through for any other request class (an `instanceof` check, as in mediatr-ts's
 *   README), so a mediator sending another request after this suite still gets the same results (it pays for the
 *   chain, though: a pass-through is not free).
 */
import { Mediator, type PipelineBehavior, pipelineBehavior, RequestData, type RequestHandler, requestHandler } from 'mediatr-ts';
import type { Sender } from '../../harness.js';
import { type OrderFields, type Placed, SAMPLE_ORDER } from '../order.js';

/** This suite's own request class, so the behaviours can tell its requests from the other suite's. */
export class MediatrValidatedCreateOrder extends RequestData<Placed> implements OrderFields {
  constructor(
    readonly orderId: string,
    readonly customerId: string,
    readonly sku: string,
    readonly qty: number,
    readonly price: number,
  ) {
    super();
  }
}

/** The trivial handler; the default resolver constructs it (and every behaviour) anew for each send. */
@requestHandler(MediatrValidatedCreateOrder)
export class MediatrValidatedCreateOrderHandler implements RequestHandler<MediatrValidatedCreateOrder, Placed> {
  async handle(request: MediatrValidatedCreateOrder): Promise<Placed> {
    return { orderId: request.orderId, total: request.qty * request.price };
  }
}

/** One field error, as the validation behaviour reports it. */
interface Issue {
  readonly field: string;
  readonly message: string;
}

/** Thrown by the validation behaviour with every issue found. */
export class OrderValidationError extends Error {
  constructor(readonly issues: readonly Issue[]) {
    super(issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '));
    this.name = 'OrderValidationError';
  }
}

/** What the error translation behaviour turns every failure into: a stable code for the caller. */
export class TranslatedError extends Error {
  constructor(
    readonly code: 'VALIDATION_FAILED' | 'HANDLER_FAILED',
    message: string,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'TranslatedError';
  }
}

/** What the metrics-like behaviour records, module-wide because mediatr-ts builds a new behaviour per send. */
export const counters = { active: 0, requests: 0, failed: 0, totalMs: 0 };

/** Outermost: turns whatever the inner layers throw into a {@link TranslatedError}. */
@pipelineBehavior()
export class ErrorTranslationBehavior implements PipelineBehavior {
  async handle(request: RequestData<unknown>, next: () => unknown): Promise<unknown> {
    if (!(request instanceof MediatrValidatedCreateOrder)) return next();
    try {
      return await next();
    } catch (error) {
      if (error instanceof OrderValidationError) throw new TranslatedError('VALIDATION_FAILED', error.message, { cause: error });
      throw new TranslatedError('HANDLER_FAILED', error instanceof Error ? error.message : String(error), { cause: error });
    }
  }
}

/** Counts calls in progress, calls, failures and total duration around `next()` (like a metrics behaviour). */
@pipelineBehavior()
export class CountingBehavior implements PipelineBehavior {
  async handle(request: RequestData<unknown>, next: () => unknown): Promise<unknown> {
    if (!(request instanceof MediatrValidatedCreateOrder)) return next();
    counters.active++;
    const start = performance.now();
    let failed = true;
    try {
      const result = await next();
      failed = false;
      return result;
    } finally {
      counters.active--;
      counters.requests++;
      if (failed) counters.failed++;
      counters.totalMs += performance.now() - start;
    }
  }
}

/** Innermost: qty > 0 and price >= 0, else throws {@link OrderValidationError} with every issue. */
@pipelineBehavior()
export class ValidationBehavior implements PipelineBehavior {
  async handle(request: RequestData<unknown>, next: () => unknown): Promise<unknown> {
    if (!(request instanceof MediatrValidatedCreateOrder)) return next();
    let issues: Issue[] | undefined;
    if (!(request.qty > 0)) (issues ??= []).push({ field: 'qty', message: 'must be greater than 0' });
    if (!(request.price >= 0)) (issues ??= []).push({ field: 'price', message: 'must be 0 or more' });
    if (issues !== undefined) throw new OrderValidationError(issues);
    return await next();
  }
}

/**
 * A mediator with the default resolver, checked once before timing: an invalid request must be rejected with a
 * translated `VALIDATION_FAILED` (translation outside validation) and be counted as a failure (counter outside
 * validation), and a valid one must be counted as a call. Then a sender of one pre-built valid request.
 */
export async function setup(): Promise<Sender<Placed>> {
  const mediator = new Mediator();
  // Without this, the class decorated last runs first (import order decides). mediatr-ts 2.2.0 sorts by descending
  // index, so the class listed last here is the outermost (its README's example says the opposite; the checks below
  // confirm the nesting actually in force).
  mediator.pipelineBehaviors.setOrder([ValidationBehavior, CountingBehavior, ErrorTranslationBehavior]);

  const before = { ...counters };
  const rejection = await mediator.send(new MediatrValidatedCreateOrder('o-invalid', 'c-42', 'SKU-RED-MUG', 0, 12.5)).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(rejection instanceof TranslatedError) || rejection.code !== 'VALIDATION_FAILED') {
    throw new Error(`mediatr-ts behaviours: expected a translated VALIDATION_FAILED for qty 0, got ${String(rejection)}`);
  }
  if (counters.failed !== before.failed + 1 || counters.requests !== before.requests + 1) {
    throw new Error('mediatr-ts behaviours: the counting behaviour did not see the invalid request');
  }

  const { orderId, customerId, sku, qty, price } = SAMPLE_ORDER;
  const request = new MediatrValidatedCreateOrder(orderId, customerId, sku, qty, price);
  await mediator.send(request);
  if (counters.requests !== before.requests + 2 || counters.failed !== before.failed + 1 || counters.active !== 0) {
    throw new Error('mediatr-ts behaviours: the counting behaviour did not see the valid request');
  }
  return {
    send: () => mediator.send(request),
    close: async () => undefined,
  };
}
