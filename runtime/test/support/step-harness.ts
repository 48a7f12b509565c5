import type { Message, MessageClass, PipelineBehavior, PipelineContext, PipelineStep } from '@catga/runtime';
import { messageMetadataOf, typeNameOf } from '../../src/core/metadata.js';

/**
 * Asks a behaviour for its step the way the pipeline does when an instance is built, for a command class and its
 * decorator options. Used to test one behaviour layer alone (an instance also installs the built-ins).
 */
export function stepFor(behavior: PipelineBehavior, messageClass: MessageClass): PipelineStep | undefined {
  return behavior.forMessage!({
    typeName: typeNameOf(messageClass),
    kind: 'command',
    handlerName: 'TestHandler',
    messageClass,
    options: (messageMetadataOf(messageClass)?.options ?? {}) as Readonly<Record<string, unknown>>,
  });
}

/** A pipeline context over `message` and `signal` whose send/publish are not meant to be used. */
export function contextOf(message: Message, signal: AbortSignal = new AbortController().signal): PipelineContext {
  return {
    signal,
    message,
    send: () => Promise.reject(new Error('not used')),
    publish: () => Promise.reject(new Error('not used')),
    withSignal: (other) => contextOf(message, other),
    withCancellation: () => {
      const controller = new AbortController();
      return { context: contextOf(message, AbortSignal.any([signal, controller.signal])), cancel: (reason) => controller.abort(reason) };
    },
    withPublisher: () => contextOf(message, signal),
  };
}
