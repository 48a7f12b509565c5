/**
 * Catga's side of the pipeline behaviours suite: the same command and handler as the in-process send suite
 * (reused from catga-variants.ts), built with different sets of behaviours.
 */
import { type CatgaLogger, type CatgaResult, createCatga, unwrap, type ValidationIssue } from '@catga/runtime';
import type { Sender } from '../harness.js';
import { CreateOrder, CreateOrderHandler } from './catga-variants.js';
import { type Placed, SAMPLE_ORDER } from './order.js';

function ignore(): void {}

/**
 * A logger that drops every entry: the suite measures the logging behaviour, not console I/O. (At the production
 * preset's level, `warn`, a successful call writes nothing anyway; only the invalid command of the setup check is
 * handed to `warn`.)
 */
const SILENT_LOGGER: CatgaLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/**
 * The suite's validator: qty > 0 and price >= 0. Written for `CreateOrder` only (the mediatr-ts side repeats the
 * check on its own class) so property accesses stay monomorphic. Valid orders allocate nothing.
 */
function validateCreateOrder(order: CreateOrder): ValidationIssue[] | undefined {
  let issues: ValidationIssue[] | undefined;
  if (!(order.qty > 0)) (issues ??= []).push({ field: 'qty', message: 'must be greater than 0', rule: 'exclusiveMinimum' });
  if (!(order.price >= 0)) (issues ??= []).push({ field: 'price', message: 'must be 0 or more', rule: 'minimum' });
  return issues;
}

type Builder = ReturnType<typeof createCatga>;

/**
 * Builds the instance, checks once that the validator is in its pipeline (an invalid order must fail with
 * `VALIDATION_FAILED`), and returns a sender of one pre-built valid command.
 */
async function sender(builder: Builder, validated: boolean): Promise<Sender<Placed>> {
  const catga = builder.handler(CreateOrderHandler).build();
  try {
    if (validated) {
      const invalid = await catga.send(new CreateOrder('o-invalid', 'c-42', 'SKU-RED-MUG', 0, 12.5));
      if (invalid.ok || invalid.error.code !== 'VALIDATION_FAILED') {
        throw new Error(`expected VALIDATION_FAILED for qty 0, got ${JSON.stringify(invalid.ok ? invalid.value : invalid.error.code)}`);
      }
    }
  } catch (error) {
    await catga.close();
    throw error;
  }
  const { orderId, customerId, sku, qty, price } = SAMPLE_ORDER;
  const command = new CreateOrder(orderId, customerId, sku, qty, price);
  return {
    send: () => catga.send(command),
    normalise: (output) => unwrap(output as CatgaResult<Placed>),
    close: () => catga.close(),
  };
}

/**
 * The production preset's behaviour set plus validation and retry: validation, retry (3 attempts), timeout (the
 * preset's 30 s), circuit breaker, dead letter, logging (to {@link SILENT_LOGGER}, at the preset's `warn`), tracing
 * and metrics (through `@opentelemetry/api`; no SDK is registered in the bench process, so both are its no-ops).
 * The preset also keeps `asyncDispatch` on (one microtask hop per send), as in the in-process suite.
 */
export function setupCatgaProduction(): Promise<Sender<Placed>> {
  return sender(
    createCatga({ preset: 'production' })
      .withLogging({ logger: SILENT_LOGGER })
      .validate(CreateOrder, validateCreateOrder)
      .withRetry({ attempts: 3 }),
    true,
  );
}

/** `highPerformance` (nothing installed unasked) plus the three behaviours the mediatr-ts variant has counterparts of. */
export function setupCatgaThreeBehaviours(): Promise<Sender<Placed>> {
  return sender(
    createCatga({ preset: 'highPerformance' })
      .validate(CreateOrder, validateCreateOrder)
      .withRetry({ attempts: 3 })
      .withTimeout({ timeoutMs: 30_000 }),
    true,
  );
}

/** `highPerformance` with nothing added: the baseline the behaviours are added to. */
export function setupCatgaNoBehaviours(): Promise<Sender<Placed>> {
  return sender(createCatga({ preset: 'highPerformance' }), false);
}
