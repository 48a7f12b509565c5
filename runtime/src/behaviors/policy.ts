import type { MessageDescriptor } from '../core/pipeline.js';

/**
 * The options a behaviour uses for one message type: the message's own (from its decorator) merged over the
 * instance-wide ones; `false` on the message switches the behaviour off for it; `undefined` when neither is set.
 */
export function effectivePolicy<T extends object>(descriptor: MessageDescriptor, key: string, instanceWide: T | undefined): T | undefined {
  const own = descriptor.options[key] as T | false | undefined;
  if (own === false) return undefined;
  if (own === undefined) return instanceWide;
  return instanceWide === undefined ? own : { ...instanceWide, ...own };
}

/** Like {@link effectivePolicy} for a plain value option such as `timeoutMs`. */
export function effectiveValue<T>(descriptor: MessageDescriptor, key: string, instanceWide: T | undefined): T | undefined {
  const own = descriptor.options[key] as T | false | undefined;
  if (own === false) return undefined;
  return own ?? instanceWide;
}
