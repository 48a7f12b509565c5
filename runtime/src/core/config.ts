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
}

/** Options after presets and defaults are applied. */
export interface ResolvedCatgaOptions {
  readonly name: string;
  readonly preset: PresetName;
  readonly codec: 'msgpack' | 'json' | Codec;
  readonly roundTripMessages: boolean;
  readonly maxPayloadBytes: number;
  readonly batchConcurrency: number;
  readonly asyncDispatch: boolean;
}

type PresetDefaults = Omit<ResolvedCatgaOptions, 'name' | 'preset'>;

const BASE: PresetDefaults = {
  codec: 'msgpack',
  roundTripMessages: false,
  maxPayloadBytes: 1024 * 1024,
  batchConcurrency: 64,
  asyncDispatch: true,
};

/**
 * What each preset switches on. `development` trades speed for early errors (codec round trip); `production` keeps
 * remote-transport semantics at in-process cost; `highPerformance` also drops the asynchronous dispatch hop.
 * Later behaviours (logging, tracing, ...) extend this table.
 */
export const PRESETS: Readonly<Record<PresetName, PresetDefaults>> = Object.freeze({
  development: { ...BASE, roundTripMessages: true },
  production: { ...BASE },
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
  const resolved: ResolvedCatgaOptions = { ...PRESETS[preset], name: 'catga', ...merged, preset };
  return Object.freeze(resolved);
}
