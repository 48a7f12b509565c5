/**
 * Suite "in-process send": the cost of sending one command to one trivial handler in the same process, through
 * Catga's presets and two peer libraries, against calling the handler directly.
 */
import { type HarnessOptions, type LazyVariant, runLazySuite } from '../harness.js';
import type { SuiteReport } from '../report.js';
import { setupCatga } from './catga-variants.js';
import { directCall, type Placed } from './order.js';
import { setup as setupMediatr } from './peers/mediatr.js';
import { setup as setupNestCqrs } from './peers/nest-cqrs.js';

const TITLE = 'In-process send';

const NOTES = [
  'One command with five fields (orderId, customerId, sku, qty, price) sent to a handler that returns ' +
    '`{ orderId, total: qty * price }`. Every handler is an `async` method; every variant returns the same value.',
  '*direct call* awaits `handler.handle(command)` on a plain object: the floor. *Catga* variants build one ' +
    'instance per preset (logging switched off, so no console I/O is measured) and await `catga.send(command)`; ' +
    'the presets include their behaviours: `production` has tracing and metrics (API no-ops without an SDK), a ' +
    '30 s timeout, a circuit breaker and dead-lettering; `highPerformance` has none. ' +
    '`development` round-trips the message and the result through msgpackr, so it is expected to be much slower ' +
    '(that is its purpose: catching what would not survive a real transport). *@nestjs/cqrs* is ' +
    '`CommandBus.execute` in a Nest application context; *mediatr-ts* is `Mediator.send` with no behaviours.',
];

/** The variants in report order; the first is the floor. Setups are lazy so a failing one still lets us close the rest. */
const VARIANTS: readonly LazyVariant<Placed>[] = [
  { name: 'direct call (floor)', setup: directCall },
  { name: 'Catga, highPerformance preset', setup: () => setupCatga('highPerformance') },
  { name: 'Catga, production preset', setup: () => setupCatga('production') },
  { name: 'Catga, development preset', setup: () => setupCatga('development') },
  { name: '@nestjs/cqrs CommandBus.execute', setup: setupNestCqrs },
  { name: 'mediatr-ts send', setup: setupMediatr },
];

/** Sets up every variant, times them, and closes them all (also on failure). */
export async function inProcessSend(options: HarnessOptions = {}): Promise<SuiteReport> {
  return { ...(await runLazySuite(TITLE, VARIANTS, options)), notes: NOTES };
}
