/**
 * Default positions of the built-in behaviours; lower runs first (outermost). Gaps of 100 leave room for your own
 * (`builder.use(behavior, { order: 450 })` runs between idempotency and rate limiting).
 *
 * Why this order:
 * - tracing, metrics, then logging outermost: they see the final outcome and the full duration, including retries,
 *   waits for a rate-limit token and short-circuits by inner behaviours. Tracing is outside logging so the span is
 *   active while log entries are written (log/trace correlation by trace id).
 * - validation before anything that costs: an invalid message never takes a token, a slot or an idempotency key.
 * - inbox after validation: an invalid message takes no lock; before idempotency, so a redelivery is answered from
 *   the inbox before anything else is looked up.
 * - idempotency before the limits: a duplicate is answered from the store without consuming capacity.
 * - rate limit, then concurrency limit: the cheap token check first; only admitted calls wait for a slot.
 * - circuit breaker outside retry: one call with all its attempts counts once, and an open circuit stops retries.
 * - dead letter outside retry: only what survived every attempt is dead-lettered.
 * - timeout innermost but one: the limit is per attempt, so a retry gets a fresh budget.
 * - outbox innermost, right around the handler: each attempt holds its own events, and an attempt that failed or
 *   timed out drops them.
 */
export const BehaviorOrder = {
  tracing: 100,
  metrics: 110,
  logging: 200,
  validation: 300,
  inbox: 350,
  idempotency: 400,
  rateLimit: 500,
  concurrencyLimit: 600,
  circuitBreaker: 700,
  deadLetter: 750,
  retry: 800,
  timeout: 900,
  outbox: 950,
} as const;
