import { type Context, context, propagation, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import type { MsgHdrs } from '@nats-io/nats-core';

// W3C trace context (traceparent/tracestate) travels in NATS headers through whatever propagator the application
// registered with @opentelemetry/api; with none registered, nothing is written and nothing is read.
const setter: TextMapSetter<MsgHdrs> = {
  set: (headers, key, value) => headers.set(key, value),
};

const getter: TextMapGetter<MsgHdrs> = {
  keys: (headers) => headers.keys(),
  get: (headers, key) => (headers.has(key) ? headers.get(key) : undefined),
};

/** Writes the trace context of `from` (default: the active one) into outgoing headers. */
export function injectTraceContext(headers: MsgHdrs, from: Context = context.active()): void {
  propagation.inject(from, headers, setter);
}

/** The context a received message continues: the sender's trace as parent. */
export function extractTraceContext(headers: MsgHdrs | undefined): Context {
  const active = context.active();
  return headers === undefined ? active : propagation.extract(active, headers, getter);
}
