import type { CatgaRuleModule } from '../configs.js';
import { handlerTimeout } from './handler-timeout.js';
import { noBlockingCallInHandler } from './no-blocking-call-in-handler.js';
import { noLeakyEventHandler } from './no-leaky-event-handler.js';
import { noSyncIoInHandler } from './no-sync-io-in-handler.js';
import { requireHandlerDecorator } from './require-handler-decorator.js';
import { requireIdempotentCommand } from './require-idempotent-command.js';
import { noFloatingPromiseInHandler } from './no-floating-promise-in-handler.js';
import { preferEfficientArrayOps } from './prefer-efficient-array-ops.js';
import { preferSyncHandlerFastPath } from './prefer-sync-handler-fast-path.js';
import { maxSagaStateSize } from './max-saga-state-size.js';
import { noUnhandledEvent } from './no-unhandled-event.js';

/** Every rule of the plugin, by name (without the `catga/` prefix). */
export const rules: Readonly<Record<string, CatgaRuleModule>> = {
  'handler-timeout': handlerTimeout,
  'no-blocking-call-in-handler': noBlockingCallInHandler,
  'no-leaky-event-handler': noLeakyEventHandler,
  'no-sync-io-in-handler': noSyncIoInHandler,
  'require-handler-decorator': requireHandlerDecorator,
  'require-idempotent-command': requireIdempotentCommand,
  'no-floating-promise-in-handler': noFloatingPromiseInHandler,
  'prefer-efficient-array-ops': preferEfficientArrayOps,
  'prefer-sync-handler-fast-path': preferSyncHandlerFastPath,
  'max-saga-state-size': maxSagaStateSize,
  'no-unhandled-event': noUnhandledEvent,
};
