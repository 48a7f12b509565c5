/**
 * Suite "Codec": what the msgpack codec saves over JSON, in this process, for the five-field command of the
 * in-process suites: the runtime's `msgpackCodec()` against its `jsonCodec()` (encode to bytes and decode back),
 * and the same two codecs inside the NATS transport's wire path (the message's headers and body written, the
 * headers serialised and parsed as nats.js does, the message read back and rebuilt).
 *
 * Timed by Benchmark.js through the harness, like the in-process suites.
 */
import { type Codec, jsonCodec, msgpackCodec } from '@catga/runtime';
import { type MsgHdrs, MsgHdrsImpl } from '@nats-io/nats-core';
import { type HarnessOptions, type LazyVariant, runLazySuite, type Sender } from '../harness.js';
import { markdownTable, type SuiteReport } from '../report.js';
import { CreateOrder } from './catga-variants.js';
import { type OrderFields, SAMPLE_ORDER } from './order.js';

const TITLE = 'Codec: msgpack against JSON';
/** The target: the msgpack codec at least 1.5× as fast as the JSON codec for this command. */
const TARGET_SPEEDUP = 1.5;

const NAMES = {
  json: 'jsonCodec() encode + decode (baseline)',
  msgpack: 'msgpackCodec() encode + decode',
  plainJson: 'diagnostic: JSON.stringify + JSON.parse via Buffer, no replacer or reviver',
  wireJson: 'NATS wire path, json codec',
  wireMsgpack: 'NATS wire path, msgpack codec (the default)',
} as const;

/** The five fields, whatever an op returned (a plain object or a rebuilt message instance). */
function fieldsOf(output: unknown): OrderFields {
  const { orderId, customerId, sku, qty, price } = output as OrderFields;
  return { orderId, customerId, sku, qty, price };
}

/** One codec round trip of a fresh copy of the fields: `decode(encode({ ...fields }))`, as the transport would. */
function codecRoundTrip(codec: Codec): Sender<OrderFields> {
  const fields: OrderFields = { ...SAMPLE_ORDER };
  return {
    send: async () => codec.decode(codec.encode({ ...fields })),
    normalise: fieldsOf,
    close: async () => undefined,
  };
}

/** JSON with nothing around it: what `jsonCodec()`'s tagging of `Date` and `Uint8Array` costs on top. */
function plainJsonRoundTrip(): Sender<OrderFields> {
  const fields: OrderFields = { ...SAMPLE_ORDER };
  return {
    send: async () => {
      const bytes = Buffer.from(JSON.stringify({ ...fields }), 'utf8');
      return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as unknown;
    },
    normalise: fieldsOf,
    close: async () => undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The NATS wire path

/** The transport's payload writer and reader (runtime/src/transport/nats/message-wire.ts), as this suite uses it. */
interface MessageWire {
  encodeMessage(message: object): { readonly data: Uint8Array; readonly headers: MsgHdrs };
  decodeMessage(data: Uint8Array, headers: MsgHdrs | undefined, expected: Function, typeName: string): object;
}
type MessageWireClass = new (settings: { codec: Codec; maxPayloadBytes: number; compressAboveBytes: number | false }) => MessageWire;

/**
 * The transport's `MessageWire`, which `@catga/runtime/nats` does not export: loaded from the built module next to
 * the package's entry point (a file URL, so the package's export map does not apply). Fails loudly if it moved.
 */
async function loadMessageWire(): Promise<MessageWireClass> {
  const url = new URL('./message-wire.js', import.meta.resolve('@catga/runtime/nats'));
  const module = (await import(url.href)) as { MessageWire?: MessageWireClass };
  if (typeof module.MessageWire !== 'function') throw new Error(`${url.href} no longer exports MessageWire; update bench/src/suites/codec.ts`);
  return module.MessageWire;
}

/**
 * One message through the wire path, both ways, with no network: `encodeMessage` (serialisability check, the six
 * Catga headers, the codec), the headers serialised as nats.js puts them on the wire and parsed back as a receiver
 * does (`MsgHdrsImpl.decode`), then `decodeMessage` (type and content-type checks, the codec, forbidden keys, the
 * message rebuilt as a `CreateOrder` instance).
 */
async function wireRoundTrip(codec: Codec): Promise<Sender<OrderFields>> {
  const MessageWireImpl = await loadMessageWire();
  const wire = new MessageWireImpl({ codec, maxPayloadBytes: 1024 * 1024, compressAboveBytes: false });
  const { orderId, customerId, sku, qty, price } = SAMPLE_ORDER;
  const command = new CreateOrder(orderId, customerId, sku, qty, price);
  const typeName = command.messageType;
  return {
    send: async () => {
      const { data, headers } = wire.encodeMessage(command);
      return wire.decodeMessage(data, MsgHdrsImpl.decode((headers as MsgHdrsImpl).encode()), CreateOrder, typeName);
    },
    normalise: fieldsOf,
    close: async () => undefined,
  };
}

/** The variants in report order; the first is the baseline every "× floor" is relative to. */
const VARIANTS: readonly LazyVariant<OrderFields>[] = [
  { name: NAMES.json, setup: () => codecRoundTrip(jsonCodec()) },
  { name: NAMES.msgpack, setup: () => codecRoundTrip(msgpackCodec()) },
  { name: NAMES.plainJson, setup: plainJsonRoundTrip },
  { name: NAMES.wireJson, setup: () => wireRoundTrip(jsonCodec()) },
  { name: NAMES.wireMsgpack, setup: () => wireRoundTrip(msgpackCodec()) },
];

/** Encoded sizes, for the notes: the codecs' bytes for the five fields, and the wire path's body and headers. */
async function sizes(): Promise<{ json: number; msgpack: number; wireJson: [number, number]; wireMsgpack: [number, number] }> {
  const MessageWireImpl = await loadMessageWire();
  const wireSize = (codec: Codec): [number, number] => {
    const wire = new MessageWireImpl({ codec, maxPayloadBytes: 1024 * 1024, compressAboveBytes: false });
    const { orderId, customerId, sku, qty, price } = SAMPLE_ORDER;
    const { data, headers } = wire.encodeMessage(new CreateOrder(orderId, customerId, sku, qty, price));
    return [data.byteLength, (headers as MsgHdrsImpl).encode().byteLength];
  };
  return {
    json: jsonCodec().encode({ ...SAMPLE_ORDER }).byteLength,
    msgpack: msgpackCodec().encode({ ...SAMPLE_ORDER }).byteLength,
    wireJson: wireSize(jsonCodec()),
    wireMsgpack: wireSize(msgpackCodec()),
  };
}

/** Times the codecs and the wire path, and reports the speed-up of msgpack against the target. */
export async function codecSuite(options: HarnessOptions & { log?: (line: string) => void } = {}): Promise<SuiteReport> {
  const result = await runLazySuite(TITLE, VARIANTS, options);
  const byName = new Map(result.cases.map((c) => [c.name, c]));
  const ns = (name: string): number => byName.get(name)!.nsPerOp;
  const speedup = ns(NAMES.json) / ns(NAMES.msgpack);
  const wireSpeedup = ns(NAMES.wireJson) / ns(NAMES.wireMsgpack);
  const tagging = ns(NAMES.json) / ns(NAMES.plainJson);
  const size = await sizes();
  const met = speedup >= TARGET_SPEEDUP;
  options.log?.(
    `  msgpack / JSON codec: ${speedup.toFixed(2)}× as fast (target ≥ ${TARGET_SPEEDUP.toFixed(1)}×: ${met ? 'met' : 'not met'}); ` +
      `wire path ${wireSpeedup.toFixed(2)}×\n`,
  );
  const nsText = (value: number): string => value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const notes = [
    'One op is one round trip of the in-process suites\' command (five fields: orderId, customerId, sku, qty, price) ' +
      'to bytes and back, in this process. The first two rows are the runtime\'s exported codecs, `jsonCodec()` (the ' +
      'baseline) and `msgpackCodec()` (msgpackr, the default of the NATS transport and of `roundTripMessages`), ' +
      'each doing `codec.decode(codec.encode({ ...fields }))` on a fresh copy of the fields, as a transport encodes a ' +
      `message's data. For these fields JSON writes ${size.json} bytes and msgpack ${size.msgpack}. The *diagnostic* ` +
      'row is `JSON.parse(Buffer.from(JSON.stringify(…)).toString())` with no replacer or reviver: against the ' +
      `baseline it shows what \`jsonCodec()\`'s tagging of \`Date\` and \`Uint8Array\` costs (the baseline is ` +
      `${tagging.toFixed(2)}× as slow).`,
    '*NATS wire path* rows take the same command as a Catga message (a `CreateOrder` instance, built once) through ' +
      'the NATS transport\'s payload writer and reader (`MessageWire` of runtime/src/transport/nats/message-wire.ts, ' +
      'which `@catga/runtime/nats` does not export; loaded from the built module beside it), with no network: ' +
      '`encodeMessage` (serialisability check, the Catga headers, the codec), the headers serialised as nats.js ' +
      'writes them and parsed as a receiver does (`MsgHdrsImpl.decode`), then `decodeMessage` (header checks, the ' +
      'codec, the forbidden-key scan, the message rebuilt). The bench is compiled by plain `tsc`, so the command has ' +
      'no generated contract and msgpack writes it as a map (with a contract it writes an array of values). The body ' +
      `is ${size.wireJson[0]} bytes with JSON and ${size.wireMsgpack[0]} with msgpack; the headers ` +
      `${size.wireJson[1]} and ${size.wireMsgpack[1]} bytes.`,
    'The target, from this run\'s means (ns/op of the JSON row over ns/op of the msgpack row); the wire-path ratio ' +
      'shows how much of the codec\'s gain is left once headers and checks are paid:',
    markdownTable(
      ['target', 'JSON ns/op', 'msgpack ns/op', 'msgpack speed-up', 'target', 'verdict'],
      ['l', 'r', 'r', 'r', 'r', 'l'],
      [
        ['codec round trip', nsText(ns(NAMES.json)), nsText(ns(NAMES.msgpack)), `${speedup.toFixed(2)}×`, `≥ ${TARGET_SPEEDUP.toFixed(1)}×`, met ? 'met' : '**not met**'],
        ['NATS wire path (no target)', nsText(ns(NAMES.wireJson)), nsText(ns(NAMES.wireMsgpack)), `${wireSpeedup.toFixed(2)}×`, '—', '—'],
      ],
    ),
  ];
  return { ...result, notes };
}
