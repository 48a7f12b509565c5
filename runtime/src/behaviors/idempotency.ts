import { sleep } from '../core/abort.js';
import { CatgaError } from '../core/catga-error.js';
import { CatgaConfigurationError, describeValue } from '../core/configuration-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { cancelled } from '../core/failures.js';
import type { IdempotencyOptions } from '../core/message-options.js';
import type { AnyMessage } from '../core/messages.js';
import { integerIn } from '../core/option-checks.js';
import type { MessageDescriptor, Next, PipelineBehavior, PipelineContext } from '../core/pipeline.js';
import { type CatgaResult, type Fail, fail, ok } from '../core/result.js';
import type { IdempotencyStore } from './idempotency-store.js';

/** Options of {@link idempotencyBehavior}. */
export interface IdempotencyBehaviorOptions {
  /** Where handled keys and their results are kept; share one across processes to deduplicate between them. */
  readonly store: IdempotencyStore;
  /** How long a successful result is remembered, in ms, unless the message says otherwise (default 24 h). */
  readonly ttlMs?: number;
  /** How long a duplicate waits for a call still running in another process, in ms (default 5,000). */
  readonly waitMs?: number;
  /** How often that duplicate asks the store whether the other call finished, in ms (default 50). */
  readonly pollMs?: number;
  /**
   * How long a claim of a running call lives, in ms (default 60,000). It bounds how long a key stays blocked after
   * a process died mid-call; a handler running longer than this may run again for a duplicate that comes later.
   */
  readonly pendingTtlMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MS = integerIn(1, 2_147_483_647);
// Same grammar as the decorator's key template check: `{field}` placeholders between literal text.
const PLACEHOLDER = /\{([A-Za-z_$][A-Za-z0-9_$]*)\}/;

/** A key, or the field of the message that could not be put into it. */
type KeyOutcome = string | { readonly field: string; readonly value: unknown };
type KeyReader = (message: AnyMessage) => KeyOutcome;

/** Compiles a key template once per message type, so a call only concatenates field values. */
function keyReader(template: string | undefined, typeName: string): KeyReader {
  if (template === undefined) return (message) => message.messageId;
  // `split` with a capturing group alternates literal text (even indexes) and field names (odd indexes).
  const parts = template.split(new RegExp(PLACEHOLDER, 'g'));
  if (parts.some((part, i) => i % 2 === 0 && /[{}]/.test(part))) {
    throw new CatgaConfigurationError(`${typeName}.idempotent.key`, `expected a key template such as "order:{orderId}", got ${describeValue(template)}`);
  }
  return (message) => {
    const fields = message as unknown as Readonly<Record<string, unknown>>;
    let key = parts[0]!;
    for (let i = 1; i < parts.length; i += 2) {
      const field = parts[i]!;
      const value = fields[field];
      // Objects would all stringify to "[object Object]" and collide; null/undefined would make "null"/"undefined" keys.
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint' && typeof value !== 'boolean') {
        return { field, value };
      }
      key += String(value) + parts[i + 1]!;
    }
    return key;
  };
}

function invalidKey(typeName: string, template: string, field: string, value: unknown): Fail {
  const problem = value === undefined || value === null ? `is ${String(value)}` : 'is not a string, number, bigint or boolean';
  return fail(
    new CatgaError(ErrorCode.VALIDATION_FAILED, `${typeName} is invalid: ${field}: ${problem}, but the idempotency key "${template}" needs it`, {
      retryable: false,
      details: { messageType: typeName, errors: [{ field, message: `${problem}, but the idempotency key "${template}" needs it`, rule: 'idempotencyKey' }] },
    }),
  );
}


/** What `descriptor.options.idempotent` asks for, or `undefined` when the message is not idempotent. */
function declared(descriptor: MessageDescriptor): IdempotencyOptions | undefined {
  const own = descriptor.options['idempotent'] as boolean | IdempotencyOptions | undefined;
  if (own === true) return {};
  if (own === undefined || own === false || typeof own !== 'object') return undefined;
  return own;
}

/**
 * Answers duplicates of a message with the first successful result instead of running the handler again. Applies
 * only to messages declaring `idempotent` (`true` or `{ key, ttlMs }`); others get no step at all.
 *
 * - The key is the message id, or the message's `key` template filled from its fields (`'order:{orderId}'`); a
 *   field that is missing fails the call with `VALIDATION_FAILED`. The store key is `Type:key`, or
 *   `Type:handler:key` for events, so that each handler of an event runs once per key.
 * - Only successes are remembered: a failure releases the key, so a retry runs the handler again.
 * - Duplicates in this process that arrive while the first call runs wait for it and get its result. Across
 *   processes the store decides: a duplicate of a call still running elsewhere polls until that call completes
 *   (and gets its result) or `waitMs` passes (`CONFLICT`, retryable: "duplicate still in progress").
 * - A store that fails gives `PERSISTENCE_FAILED` (retryable) before the handler runs. Once the handler succeeded its
 *   result is returned even if the store cannot record it: reporting a failure then would invite a retry that
 *   repeats work already done.
 *
 * Place it before the rate and concurrency limits (`BehaviorOrder.idempotency`) so a duplicate costs no capacity.
 */
export function idempotencyBehavior(options: IdempotencyBehaviorOptions): PipelineBehavior {
  const { store } = options;
  const methods = ['get', 'tryClaim', 'complete', 'release'] as const;
  if (store === null || typeof store !== 'object' || methods.some((method) => typeof store[method] !== 'function')) {
    throw new CatgaConfigurationError('idempotency.store', 'expected an IdempotencyStore { get, tryClaim, complete, release }');
  }
  const defaultTtlMs = options.ttlMs ?? DAY_MS;
  const waitMs = options.waitMs ?? 5_000;
  const pollMs = options.pollMs ?? 50;
  const pendingTtlMs = options.pendingTtlMs ?? 60_000;
  MS(defaultTtlMs, 'idempotency.ttlMs');
  integerIn(0, 2_147_483_647)(waitMs, 'idempotency.waitMs');
  MS(pollMs, 'idempotency.pollMs');
  MS(pendingTtlMs, 'idempotency.pendingTtlMs');

  // Calls running in this process, by store key: duplicates wait here instead of polling the store.
  const inFlight = new Map<string, Promise<CatgaResult<unknown>>>();

  return {
    name: 'idempotency',
    forMessage(descriptor) {
      const policy = declared(descriptor);
      if (policy === undefined) return undefined;
      const { typeName } = descriptor;
      const ttlMs = policy.ttlMs ?? defaultTtlMs;
      MS(ttlMs, `${typeName}.idempotent.ttlMs`);
      const readKey = keyReader(policy.key, typeName);
      const prefix = descriptor.kind === 'event' ? `${typeName}:${descriptor.handlerName}:` : `${typeName}:`;

      async function storeCall<T>(operation: string, key: string, call: () => Promise<T>): Promise<CatgaResult<T>> {
        try {
          return ok(await call());
        } catch (thrown) {
          const reason = thrown instanceof Error ? thrown.message : String(thrown);
          return fail(ErrorCode.PERSISTENCE_FAILED, `Idempotency store failed to ${operation} "${key}" for "${typeName}": ${reason}`, {
            retryable: true,
            details: { messageType: typeName, key, operation },
            cause: thrown,
          });
        }
      }

      /** Runs the handler under a claim we hold: remember a success, give the key back after a failure. */
      async function runClaimed(key: string, next: Next): Promise<CatgaResult<unknown>> {
        let result: CatgaResult<unknown>;
        try {
          result = await next();
        } catch (thrown) {
          await storeCall('release', key, () => store.release(key));
          throw thrown;
        }
        // Store errors here are not reported: the handler's outcome is what the caller must see. After a failed
        // `complete` the pending claim holds duplicates off until it expires; after a failed `release` a retry
        // waits (CONFLICT) until it expires.
        if (result.ok) await storeCall('complete', key, () => store.complete(key, result.value, ttlMs));
        else await storeCall('release', key, () => store.release(key));
        return result;
      }

      /** Claims the key and runs, or waits for whoever holds it: until it completes, is released, or time is up. */
      async function claimOrWait(key: string, context: PipelineContext, next: Next): Promise<CatgaResult<unknown>> {
        const deadline = Date.now() + waitMs;
        for (;;) {
          const claimed = await storeCall('claim', key, () => store.tryClaim(key, pendingTtlMs));
          if (!claimed.ok) return claimed;
          if (claimed.value) return runClaimed(key, next);
          const record = await storeCall('read', key, () => store.get(key));
          if (!record.ok) return record;
          if (record.value?.state === 'completed') return ok(record.value.value);
          // Still pending elsewhere (or released/expired between our claim and read: the next claim will tell).
          const remaining = deadline - Date.now();
          if (remaining <= 0) {
            return fail(ErrorCode.CONFLICT, `"${typeName}" with idempotency key "${key}": duplicate still in progress`, {
              retryable: true,
              details: { messageType: typeName, key, waitedMs: waitMs },
            });
          }
          if (!(await sleep(Math.min(pollMs, remaining), context.signal))) return cancelled(typeName, context.signal);
        }
      }

      return async (message, context, next) => {
        const key = readKey(message);
        if (typeof key !== 'string') return invalidKey(typeName, policy.key ?? '', key.field, key.value);
        const storeKey = prefix + key;
        for (let running = inFlight.get(storeKey); running !== undefined; running = inFlight.get(storeKey)) {
          const shared = await running;
          // The first caller giving up says nothing about this call: unless we were cancelled too, try ourselves.
          if (shared.ok || shared.error.code !== ErrorCode.CANCELLED || context.signal.aborted) return shared;
        }
        const work = claimOrWait(storeKey, context, next);
        inFlight.set(storeKey, work);
        try {
          return await work;
        } finally {
          if (inFlight.get(storeKey) === work) inFlight.delete(storeKey);
        }
      };
    },
  };
}
