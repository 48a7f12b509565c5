/**
 * Suite "pipeline behaviours": what behaviours around the handler cost, for the command and handler of the
 * in-process send suite: Catga without behaviours, with the production preset's set, with three behaviours, and
 * mediatr-ts with three comparable `@pipelineBehavior()` classes, against calling the handler directly.
 */
import type { HarnessOptions, LazyVariant, Sender } from '../harness.js';
import { runLazySuite } from '../harness.js';
import type { SuiteReport } from '../report.js';
import { setupCatgaNoBehaviours, setupCatgaProduction, setupCatgaThreeBehaviours } from './catga-behavior-variants.js';
import { directCall, type Placed } from './order.js';

const TITLE = 'Pipeline behaviours';

const NOTES = [
  'The command, handler and returned value of the in-process send suite; only what runs around the handler differs. ' +
    'Every variant returns the same value (checked before timing); each variant that validates is also checked once ' +
    'to reject an order with qty 0, so a behaviour missing from its pipeline stops the run.',
  '*direct call* is the floor, as above. *Catga, no behaviours* is `createCatga({ preset: \'highPerformance\' })`: ' +
    'nothing installed that the message does not ask for. *Catga, production behaviour set* is ' +
    '`createCatga({ preset: \'production\' })` plus `.validate(CreateOrder, fn)` (qty > 0, price >= 0) and ' +
    '`.withRetry({ attempts: 3 })`: validation, retry, timeout (the preset\'s 30 s), circuit breaker, dead letter, ' +
    'logging, tracing and metrics. Its logger is an object whose debug/info/warn/error do nothing, so the row measures ' +
    'the pipeline, not console I/O (at the preset\'s level, `warn`, a successful call is not logged anyway). No ' +
    'OpenTelemetry SDK is registered in the bench process, so tracing and metrics go to the `@opentelemetry/api` ' +
    'no-ops, as in an app that has not registered an SDK; with an SDK, spans and instruments cost more. The preset ' +
    'also keeps `asyncDispatch` on (one microtask hop per send, which `highPerformance` saves), so that hop is in this ' +
    'row too. *Catga, 3 behaviours* is `highPerformance` plus the same validator, `.withRetry({ attempts: 3 })` and ' +
    '`.withTimeout({ timeoutMs: 30_000 })`.',
  '*mediatr-ts, 3 behaviours* is `Mediator.send` through three `@pipelineBehavior()` classes, outermost first: ' +
    'error translation (`try { return await next() } catch` rethrowing a coded error), a metrics-like counter ' +
    '(calls in progress, calls, failures and total duration around `await next()`) and validation (the same check, ' +
    'throwing when invalid). mediatr-ts behaviours apply to every request in the process, so each one passes through ' +
    'for other request classes, and they are registered only when this suite is set up, after the in-process send ' +
    'suite has run: its mediatr-ts row still has no behaviours. The default resolver constructs the handler and each ' +
    'behaviour anew for every send; that is part of what is measured.',
];

/** mediatr-ts's behaviours register globally when their module is evaluated: load it only now (see that module). */
async function setupMediatrBehaviors(): Promise<Sender<Placed>> {
  const { setup } = await import('./peers/mediatr-behaviors.js');
  return setup();
}

/** The variants in report order; the first is the floor. Setups are lazy so a failing one still lets us close the rest. */
const VARIANTS: readonly LazyVariant<Placed>[] = [
  { name: 'direct call (floor)', setup: directCall },
  { name: 'Catga, no behaviours (highPerformance)', setup: setupCatgaNoBehaviours },
  { name: 'Catga, production behaviour set', setup: setupCatgaProduction },
  { name: 'Catga, 3 behaviours (validate, retry, timeout)', setup: setupCatgaThreeBehaviours },
  { name: 'mediatr-ts, 3 behaviours', setup: setupMediatrBehaviors },
];

/** Sets up every variant, times them, and closes them all (also on failure). */
export async function pipelineBehaviors(options: HarnessOptions = {}): Promise<SuiteReport> {
  return { ...(await runLazySuite(TITLE, VARIANTS, options)), notes: NOTES };
}
