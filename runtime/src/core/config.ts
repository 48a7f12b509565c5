import type { PresetBehaviors } from '../behaviors/built-in-behaviors.js';
import type { Codec } from '../codec/codec.js';
import { CatgaConfigurationError, describeValue } from './configuration-error.js';
import { bool, checkOptions, integerIn, matching, oneOf, type OptionCheck } from './option-checks.js';

/** Named sets of defaults. */
export type PresetName = 'development' | 'production' | 'highPerformance';

/** Options of a Catga instance. Every field is validated when set and again by `build()`. */
export interface CatgaOptions {
  /** Instance name, in errors, logs and (later) transport queue groups. Default `catga`. */
  readonly name?: string;
  /** Defaults to start from (see {@link PRESETS}). Default `production`. */
  readonly preset?: PresetName;
  /** Codec for payloads: `msgpack` (default), `json`, or your own {@link Codec}. */
  readonly codec?: 'msgpack' | 'json' | Codec;
  /**
   * Round-trip every message and result through the codec on the in-memory transport, so that what would not
   * survive a remote transport fails now with `SERIALIZATION_FAILED`. On in `development`.
   */
  readonly roundTripMessages?: boolean;
  /** Largest encoded message or result, in bytes (1 byte to 64 MiB). Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /** How many sends of one `sendBatch` run at once (1-10,000). Default 64. */
  readonly batchConcurrency?: number;
  /**
   * In-memory transport: `true` never starts a handler inside the caller's `send` call stack (remote semantics);
   * `false` saves a microtask hop per call. Default `true`; `false` in `highPerformance`.
   */
  readonly asyncDispatch?: boolean;
  /**
   * What to do at start-up about registered messages and handlers that `@catga/transformer` did not compile (plain
   * `tsc`, TypeScript 7, a missing plugin line, a file outside the compiled project): `throw` refuses to start,
   * `warn` logs them, `allow` says nothing. Default `auto`: warn only when some classes are compiled and others are
   * not, which is always a build mistake.
   */
  readonly untransformed?: UntransformedPolicy;
}

/** See {@link CatgaOptions.untransformed}. */
export type UntransformedPolicy = 'auto' | 'allow' | 'warn' | 'throw';

/** Options after presets and defaults are applied. */
export interface ResolvedCatgaOptions {
  readonly name: string;
  readonly preset: PresetName;
  readonly codec: 'msgpack' | 'json' | Codec;
  readonly roundTripMessages: boolean;
  readonly maxPayloadBytes: number;
  readonly batchConcurrency: number;
  readonly asyncDispatch: boolean;
  readonly untransformed: UntransformedPolicy;
}

/** A preset: option defaults plus the behaviours it switches on (the builder's `with…()` calls win). */
export interface Preset extends Omit<ResolvedCatgaOptions, 'name' | 'preset'> {
  readonly behaviors: PresetBehaviors;
}

const BASE: Preset = {
  codec: 'msgpack',
  roundTripMessages: false,
  maxPayloadBytes: 1024 * 1024,
  batchConcurrency: 64,
  asyncDispatch: true,
  untransformed: 'auto',
  behaviors: { logging: false, tracing: false, metrics: false, deadLetter: false, timeoutMs: false, circuitBreaker: false },
};

/**
 * What each preset switches on (docs/pipeline.md explains each choice):
 * - `development`: early errors over speed — codec round trip, every call logged to the console (info), dead
 *   letters kept in memory for inspection.
 * - `production`: failures logged (warn and up), OTel spans and metrics (no-ops until you register an SDK), dead
 *   letters, a 30 s per-attempt timeout so nothing hangs forever, a circuit breaker per message type.
 * - `highPerformance`: nothing you did not ask for, and no asynchronous dispatch hop. Policies declared on messages
 *   (retry, timeout, idempotency, ...) still apply in every preset.
 */
export const PRESETS: Readonly<Record<PresetName, Preset>> = Object.freeze({
  development: {
    ...BASE,
    roundTripMessages: true,
    behaviors: { ...BASE.behaviors, logging: 'info', deadLetter: true },
  },
  production: {
    ...BASE,
    behaviors: { logging: 'warn', tracing: true, metrics: true, deadLetter: true, timeoutMs: 30_000, circuitBreaker: true },
  },
  highPerformance: { ...BASE, batchConcurrency: 256, asyncDispatch: false },
});

const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

const codecCheck: OptionCheck = (value, field) => {
  if (value === 'msgpack' || value === 'json') return;
  const codec = value as Partial<Codec> | null;
  if (
    codec !== null &&
    typeof codec === 'object' &&
    typeof codec.name === 'string' &&
    typeof codec.contentType === 'string' &&
    typeof codec.encode === 'function' &&
    typeof codec.decode === 'function'
  ) {
    return;
  }
  throw new CatgaConfigurationError(
    field,
    `expected "msgpack", "json" or a Codec object { name, contentType, encode, decode }, got ${describeValue(value)}`,
    ['msgpack', 'json', 'Codec'],
  );
};

const CHECKS: Readonly<Record<keyof CatgaOptions, OptionCheck>> = {
  name: matching(/^[A-Za-z0-9_.-]{1,64}$/, 'a name of letters, digits, ".", "_" or "-" (1-64 characters)'),
  preset: oneOf(PRESET_NAMES),
  codec: codecCheck,
  roundTripMessages: bool,
  maxPayloadBytes: integerIn(1, 64 * 1024 * 1024),
  batchConcurrency: integerIn(1, 10_000),
  asyncDispatch: bool,
  untransformed: oneOf(['auto', 'allow', 'warn', 'throw']),
};

/** Validates one layer of options; throws {@link CatgaConfigurationError} naming the field. */
export function validateOptions(options: unknown): asserts options is CatgaOptions {
  checkOptions(options, 'options', CHECKS);
}

/** Merges option layers (later wins) over the chosen preset's defaults. */
export function resolveOptions(layers: readonly CatgaOptions[]): ResolvedCatgaOptions {
  const merged: CatgaOptions = {};
  for (const layer of layers) {
    validateOptions(layer);
    for (const [key, value] of Object.entries(layer)) if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  const preset = merged.preset ?? 'production';
  const { behaviors: _presetBehaviors, ...defaults } = PRESETS[preset];
  const resolved: ResolvedCatgaOptions = { ...defaults, name: 'catga', ...merged, preset };
  return Object.freeze(resolved);
}
