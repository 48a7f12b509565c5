/** Turns plain data into bytes and back. Codecs see only data that passed {@link assertSerializable}. */
export interface Codec {
  /** Short name, e.g. `msgpack` or `json`. */
  readonly name: string;
  /** Value of the `content-type` header for payloads of this codec. */
  readonly contentType: string;
  encode(value: unknown): Uint8Array;
  /** Throws on malformed input; callers turn that into `SERIALIZATION_FAILED`. */
  decode(bytes: Uint8Array): unknown;
}
