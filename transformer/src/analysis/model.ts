import type * as TS from 'typescript';
import type { Finding } from './diagnostics.js';

// The plain model the analysis produces and every emitter (ts-patch plugin, `catga generate`) consumes.

/** The shape of a field, reduced to what a validator and a codec need. */
export type FieldType =
  | { readonly kind: 'string' | 'number' | 'boolean' | 'bigint' | 'null' | 'undefined' | 'unknown' | 'date' | 'bytes' }
  | { readonly kind: 'literal'; readonly value: string | number | boolean }
  | { readonly kind: 'array'; readonly element: FieldType }
  | { readonly kind: 'tuple'; readonly elements: readonly FieldType[] }
  | { readonly kind: 'object'; readonly fields: readonly FieldModel[]; readonly open: boolean }
  | { readonly kind: 'record'; readonly value: FieldType }
  | { readonly kind: 'union'; readonly options: readonly FieldType[] };

/** JSDoc constraints on a field (`@minLength 1`, `@minimum 0`, `@pattern ^[A-Z]+$`, ...). */
export interface FieldConstraints {
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly pattern?: string;
  readonly integer?: boolean;
  readonly minItems?: number;
  readonly maxItems?: number;
}

export interface FieldModel {
  readonly name: string;
  readonly optional: boolean;
  readonly type: FieldType;
  /** The declared type as the checker prints it. */
  readonly typeText: string;
  readonly constraints: FieldConstraints;
}

export type MessageKind = 'command' | 'query' | 'event';

/** A class declared in the program, as generated code refers to it. */
export interface ClassRef {
  readonly name: string;
  readonly fileName: string;
  readonly declaration: TS.ClassDeclaration;
  /** Whether another module can import it (exported under its own name). */
  readonly exported: boolean;
}

export interface MessageModel {
  readonly ref: ClassRef;
  readonly kind: MessageKind;
  readonly typeName: string;
  /** `cmd.<subject>`, `qry.<subject>` or `evt.<subject>`. */
  readonly subject: string;
  /** The result type as the checker prints it; absent for events. */
  readonly result: string | undefined;
  readonly fields: readonly FieldModel[];
  /** `file:line` of the class. */
  readonly source: string;
}

export type HandlerReturn = 'promise' | 'value' | 'either';

export interface HandlerModel {
  readonly ref: ClassRef;
  /** The handled message class (possibly declared in a referenced project's `.d.ts`). */
  readonly message: ClassRef;
  readonly messageKind: MessageKind;
  readonly returns: HandlerReturn;
  /** Whether `handle` declares a context parameter (the executor passes it only then). */
  readonly takesContext: boolean;
  /**
   * The handle() method when the transformer can fuse it with its result (see analysis/fusion.ts): the plugin then
   * adds a compiled copy to the class. `undefined` keeps the handler on `invoke`.
   */
  readonly fusedHandle: TS.MethodDeclaration | undefined;
  readonly source: string;
}

/** Everything the transformer knows about one program. */
export interface ProgramModel {
  readonly messages: readonly MessageModel[];
  readonly handlers: readonly HandlerModel[];
  readonly findings: readonly Finding[];
  /** Messages and handlers by the file declaring them. */
  readonly byFile: ReadonlyMap<string, { readonly messages: readonly MessageModel[]; readonly handlers: readonly HandlerModel[] }>;
}
