import { CatgaError } from '../core/catga-error.js';
import { ErrorCode } from '../core/error-codes.js';
import { FORBIDDEN_KEYS } from './rehydrate.js';

function unserializable(path: string, reason: string, label: string): CatgaError {
  return new CatgaError(ErrorCode.SERIALIZATION_FAILED, `${label} cannot cross a transport: ${path} ${reason}`, {
    retryable: false,
    details: { path, reason },
  });
}

// Some realm's Object.prototype (its own prototype is null): objects from structuredClone under jest or from a vm
// context are plain data too, although their prototype is not this realm's Object.prototype.
function isObjectPrototype(proto: object): boolean {
  return proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

// Members a class adds beyond data: such an instance would arrive on the other side as a plain object without them.
function behaviourMembers(value: object): string[] {
  const members: string[] = [];
  for (let proto = Object.getPrototypeOf(value); proto !== null && !isObjectPrototype(proto); proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') members.push(name);
  }
  return members;
}

/**
 * Checks that `value` survives an encode/decode through every Catga codec unchanged, and throws a
 * `SERIALIZATION_FAILED` {@link CatgaError} naming the first offending path otherwise. Allowed: strings, finite
 * numbers, booleans, null, undefined, arrays, plain objects, data-only class instances, `Date`, `Uint8Array`;
 * no `__proto__`, `constructor` or `prototype` keys.
 *
 * @param label what is being checked, for the message (e.g. `command "CreateOrder"`)
 * @param skipRootPrototype accept members on the root's prototype (a message's own class may have methods,
 *   because the receiver rebuilds it as an instance of the same class)
 */
export function assertSerializable(value: unknown, label: string, skipRootPrototype = false): void {
  const seen = new Set<object>();
  const visit = (current: unknown, path: string, root: boolean): void => {
    switch (typeof current) {
      case 'string':
      case 'boolean':
      case 'undefined':
        return;
      case 'number':
        if (!Number.isFinite(current)) throw unserializable(path, `is ${current} (only finite numbers survive JSON)`, label);
        return;
      case 'bigint':
        throw unserializable(path, 'is a bigint; send it as a string', label);
      case 'symbol':
        throw unserializable(path, 'is a symbol', label);
      case 'function':
        throw unserializable(path, `is a function (${(current as Function).name || 'anonymous'})`, label);
    }
    if (current === null) return;
    const object = current as object;
    if (object instanceof Date) {
      if (Number.isNaN(object.getTime())) throw unserializable(path, 'is an invalid Date', label);
      return;
    }
    if (Object.prototype.toString.call(object) === '[object Date]') {
      // Codecs recognise Dates with instanceof: msgpackr would encode this one as an empty map.
      throw unserializable(path, 'is a Date from another realm (vm context, or structuredClone under jest); create it with new Date(...) here', label);
    }
    if (object instanceof Uint8Array) return;
    if (ArrayBuffer.isView(object)) throw unserializable(path, `is a ${object.constructor.name}; use Uint8Array`, label);
    if (object instanceof Map || object instanceof Set) {
      throw unserializable(path, `is a ${object.constructor.name}; use an array or a plain object`, label);
    }
    if (object instanceof Promise) throw unserializable(path, 'is a Promise; await it first', label);
    if (seen.has(object)) throw unserializable(path, 'is a circular reference', label);
    seen.add(object);
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) visit(object[i], `${path}[${i}]`, false);
    } else {
      if (!(root && skipRootPrototype)) {
        const members = behaviourMembers(object);
        if (members.length > 0) {
          throw unserializable(
            path,
            `is a ${object.constructor?.name ?? 'class'} instance with members (${members.slice(0, 3).join(', ')}) that would be lost; send plain data`,
            label,
          );
        }
      }
      for (const key of Object.keys(object)) {
        // Decoders drop or rename these (msgpackr turns __proto__ into __proto_), and receivers refuse them.
        if (FORBIDDEN_KEYS.has(key)) throw unserializable(`${path}.${key}`, 'is a key codecs cannot carry safely', label);
        visit((object as Record<string, unknown>)[key], `${path}.${key}`, false);
      }
      if (Object.getOwnPropertySymbols(object).some((s) => Object.prototype.propertyIsEnumerable.call(object, s))) {
        throw unserializable(path, 'has symbol-keyed properties, which codecs drop', label);
      }
    }
    seen.delete(object);
  };
  visit(value, '$', true);
}
