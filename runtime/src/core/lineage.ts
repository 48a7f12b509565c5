import type { Message } from './messages.js';

type Writable = { -readonly [K in 'correlationId' | 'causationId']: Message[K] };

/** Whether the message still has the ids it was created with (no caller set its lineage yet). */
function isRoot(message: Message): boolean {
  return message.causationId === undefined && message.correlationId === message.messageId;
}

/**
 * Makes `child` part of `parent`'s conversation: same correlation id, caused by the parent. Only a message that
 * has no lineage yet is stamped, so re-sending a message never rewrites its history.
 */
export function stampLineage(child: Message, parent: { readonly messageId: string; readonly correlationId: string }): void {
  if (!isRoot(child)) return;
  const writable = child as unknown as Writable;
  writable.correlationId = parent.correlationId;
  writable.causationId = parent.messageId;
}

/** Sets the correlation id of a root message (e.g. from an HTTP request id). */
export function stampCorrelation(message: Message, correlationId: string): void {
  if (!isRoot(message)) return;
  (message as unknown as Writable).correlationId = correlationId;
}
