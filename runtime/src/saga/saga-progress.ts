import type { SagaFailure } from './saga-definition.js';

/** An event that reached an instance before it waited for it, kept until it does. */
export interface BufferedSagaEvent {
  readonly eventType: string;
  readonly messageId: string;
  /** The event's own fields (plain data). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * What the saga store keeps for one instance (`SagaRecord.state`): the user's state and where the instance stands.
 * Stored after every step, so a resumed instance continues from `next` and compensates exactly `compensable`.
 */
export interface SagaProgress<S = unknown> {
  /** The user's state. */
  readonly data: S;
  /** The correlation id of every message the instance sends or publishes. */
  readonly correlationId: string;
  /** Index of the next forward step. */
  readonly next: number;
  /** Completed steps that have a compensation, in the order they ran; compensation pops from the end. */
  readonly compensable: readonly string[];
  /** Every step that completed (skipped ones excluded), in order. */
  readonly completed: readonly string[];
  /** Set while the instance waits for an event. */
  readonly waiting?: { readonly step: string; readonly eventType: string; readonly deadlineAt: number };
  /** Events that arrived early. */
  readonly buffered: readonly BufferedSagaEvent[];
  /** Ids of events already consumed, so a redelivery is not taken for the next one. Bounded. */
  readonly consumed: readonly string[];
  readonly failure?: SagaFailure;
}

/** How many consumed event ids an instance remembers. */
export const MAX_CONSUMED_IDS = 50;
/** How many early events an instance keeps; more is a mistake in the correlation, not a load. */
export const MAX_BUFFERED_EVENTS = 20;

/** Whether a stored value has the shape of {@link SagaProgress} (a store shared with something else may not). */
export function isSagaProgress(value: unknown): value is SagaProgress {
  if (value === null || typeof value !== 'object') return false;
  const progress = value as Partial<SagaProgress>;
  return (
    typeof progress.correlationId === 'string' &&
    typeof progress.next === 'number' &&
    Array.isArray(progress.compensable) &&
    Array.isArray(progress.completed) &&
    Array.isArray(progress.buffered) &&
    Array.isArray(progress.consumed)
  );
}
