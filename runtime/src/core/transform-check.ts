import type { CatgaLogger } from '../behaviors/logger.js';
import { compiledHandlerOf, contractOf } from './compiled.js';
import type { UntransformedPolicy } from './config.js';
import { CatgaConfigurationError } from './configuration-error.js';
import type { HandlerRegistry } from './handler-registry.js';
import { kindOf } from './metadata.js';
import { isRuntimeHandler } from '../saga/saga-event-handler.js';

const LIKELY_CAUSES =
  'Likely causes: the project was built with plain `tsc` instead of `tspc` (ts-patch), with TypeScript 7 (no ' +
  'transformer API), or without { "transform": "@catga/transformer" } in compilerOptions.plugins; a file outside ' +
  'the compiled project; or a toolchain that cannot run transformers (tsx, esbuild, vitest, swc), which needs ' +
  '`catga generate`. See docs/transformer.md.';

/** Registered classes `@catga/transformer` did not compile, e.g. `command PlaceOrder`, `handler PlaceOrderHandler`. */
export function untransformedClasses(registry: HandlerRegistry): { compiled: number; missing: string[] } {
  let compiled = 0;
  const missing: string[] = [];
  for (const messageClass of registry.messageTypes.values()) {
    if (contractOf(messageClass) === undefined) missing.push(`${kindOf(messageClass) ?? 'message'} ${messageClass.name}`);
    else compiled++;
  }
  for (const { handlerClass } of registry.registrations) {
    if (isRuntimeHandler(handlerClass)) continue;
    if (compiledHandlerOf(handlerClass) === undefined) missing.push(`handler ${handlerClass.name}`);
    else compiled++;
  }
  return { compiled, missing };
}

/**
 * The start-up check of {@link UntransformedPolicy}: throws, warns or stays silent about classes that run on the
 * slower run-time path because the transformer never saw them.
 */
export function checkTransformed(instanceName: string, registry: HandlerRegistry, policy: UntransformedPolicy, logger: () => CatgaLogger): void {
  if (policy === 'allow') return;
  const { compiled, missing } = untransformedClasses(registry);
  if (missing.length === 0 || (policy === 'auto' && compiled === 0)) return;
  const summary = `${missing.length} registered class(es) of Catga instance "${instanceName}" were not compiled by @catga/transformer: ${missing.join(', ')}.`;
  if (policy === 'throw') throw new CatgaConfigurationError('untransformed', `${summary} ${LIKELY_CAUSES}`);
  logger().warn(
    { instance: instanceName, untransformed: missing },
    `${summary} They run on the run-time path (no generated contract, validator or executor). ${LIKELY_CAUSES}`,
  );
}
