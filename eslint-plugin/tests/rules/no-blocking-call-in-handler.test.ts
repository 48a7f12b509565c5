import { noBlockingCallInHandler } from '../../src/rules/no-blocking-call-in-handler';
import { untypedRuleTester } from '../rule-tester';

// Untyped: APIs are recognised through the file's imports (ReferenceTracker) and handlers through the runtime's
// decorator/interfaces, so the valid cases include look-alikes that only match by text. Suggestion outputs are exact.
const ruleTester = untypedRuleTester();

ruleTester.run('no-blocking-call-in-handler', noBlockingCallInHandler, {
  valid: [
    {
      name: 'the callback API inside a handler',
      code: `
import { CatgaHandler } from '@catga/runtime';
import { pbkdf2 } from 'node:crypto';
@CatgaHandler(Login)
class LoginHandler {
  handle(message: Login) {
    pbkdf2(message.password, 'salt', 1000, 64, 'sha512', () => {});
  }
}`,
    },
    {
      name: 'blocking call at module level (start-up), not in a handler',
      code: `
import { scryptSync } from 'node:crypto';
export const key = scryptSync('secret', 'salt', 32);`,
    },
    {
      name: 'a local function named like a crypto API is not the crypto API',
      code: `
import { CatgaHandler } from '@catga/runtime';
function pbkdf2Sync(value: string) { return value; }
@CatgaHandler(Login)
class LoginHandler {
  async handle(message: Login) {
    return pbkdf2Sync(message.password);
  }
}`,
    },
    {
      name: 'a local binding shadowing the import inside handle',
      code: `
import { CatgaHandler } from '@catga/runtime';
import { scryptSync } from 'node:crypto';
@CatgaHandler(Login)
class LoginHandler {
  async handle(message: Login) {
    const scryptSync = (value: string) => value;
    return scryptSync(message.password);
  }
}`,
    },
    {
      name: 'the same name from another package',
      code: `
import { CatgaHandler } from '@catga/runtime';
import { gzipSync } from 'fflate';
@CatgaHandler(Pack)
class PackHandler {
  async handle(message: Pack) {
    return gzipSync(message.data);
  }
}`,
    },
    {
      name: 'a class with handle() that is not a Catga handler',
      code: `
import * as crypto from 'node:crypto';
class NotAHandler {
  async handle(password: string) {
    return crypto.pbkdf2Sync(password, 'salt', 1000, 64, 'sha512');
  }
}`,
    },
    {
      name: 'a class decorated with a CatgaHandler that is not the runtime one',
      code: `
import { CatgaHandler } from './my-decorators.js';
import * as crypto from 'node:crypto';
@CatgaHandler(Login)
class LoginHandler {
  async handle(message: Login) {
    return crypto.pbkdf2Sync(message.password, 'salt', 1000, 64, 'sha512');
  }
}`,
    },
    {
      name: 'async functions outside handlers are not checked by default',
      code: `
import { gzipSync } from 'node:zlib';
export async function pack(data: Buffer) {
  return gzipSync(data);
}`,
    },
    {
      name: 'allow by "module.name" (the node: prefix is optional)',
      options: [{ allow: ['crypto.randomFillSync', 'node:zlib.gzipSync', 'Atomics.wait'] }],
      code: `
import { CatgaHandler } from '@catga/runtime';
import { randomFillSync } from 'node:crypto';
import * as zlib from 'zlib';
@CatgaHandler(Pack)
class PackHandler {
  async handle(message: Pack) {
    randomFillSync(message.buffer);
    Atomics.wait(message.view, 0, 0, 10);
    return zlib.gzipSync(message.data);
  }
}`,
    },
    {
      name: 'allow a whole module',
      options: [{ allow: ['deasync'] }],
      code: `
import { CatgaHandler } from '@catga/runtime';
import deasync from 'deasync';
@CatgaHandler(Wait)
class WaitHandler {
  handle() {
    deasync.sleep(10);
  }
}`,
    },
    {
      name: 'a loop that does work while it checks the clock is not a busy-wait',
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(Drain)
class DrainHandler {
  async handle(message: Drain) {
    const until = Date.now() + 100;
    while (Date.now() < until) {
      await message.queue.next();
    }
  }
}`,
    },
    {
      name: 'a local Date is not the global clock',
      code: `
import { CatgaHandler } from '@catga/runtime';
import { FakeClock as Date } from './clock.js';
@CatgaHandler(Tick)
class TickHandler {
  handle(message: Tick) {
    while (Date.now() < message.until) {}
  }
}`,
    },
    {
      name: 'Atomics.waitAsync does not block; a local Atomics is not the global',
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(Wait)
class WaitHandler {
  async handle(message: Wait) {
    await Atomics.waitAsync(message.view, 0, 0).value;
    const Atomics = { wait: (..._args: unknown[]) => 'ok' };
    Atomics.wait(message.view, 0, 0);
  }
}`,
    },
    {
      name: 'bridge modules can be turned off',
      options: [{ syncBridgeModules: [] }],
      code: `
import { CatgaHandler } from '@catga/runtime';
import deasync from 'deasync';
@CatgaHandler(Wait)
class WaitHandler {
  handle() {
    deasync.sleep(10);
  }
}`,
    },
    {
      name: 'a type-only import is no call',
      code: `
import { CatgaHandler } from '@catga/runtime';
import type { scryptSync } from 'node:crypto';
@CatgaHandler(Login)
class LoginHandler {
  handle(message: Login, derive: typeof scryptSync) {
    return derive(message.password, 'salt', 32);
  }
}`,
    },
  ],
  invalid: [
    {
      name: 'namespace import in an async handler: suggestion adds the promisify import',
      code: `
import { CatgaHandler } from '@catga/runtime';
import * as crypto from 'node:crypto';
@CatgaHandler(Login)
export class LoginHandler {
  async handle(message: Login) {
    const key = crypto.pbkdf2Sync(message.password, message.salt, 100_000, 64, 'sha512');
    return key.toString('hex');
  }
}`,
      output: null,
      errors: [
        {
          messageId: 'cpuBlockingSync',
          data: { module: 'crypto', name: 'pbkdf2Sync', asyncName: 'pbkdf2', where: 'Catga handler' },
          line: 7,
          column: 17,
          endLine: 7,
          endColumn: 89,
          suggestions: [
            {
              messageId: 'suggestPromisify',
              data: { promisify: 'promisify', target: 'crypto.pbkdf2' },
              output: `
import { CatgaHandler } from '@catga/runtime';
import * as crypto from 'node:crypto';
import { promisify } from 'node:util';
@CatgaHandler(Login)
export class LoginHandler {
  async handle(message: Login) {
    const key = await promisify(crypto.pbkdf2)(message.password, message.salt, 100_000, 64, 'sha512');
    return key.toString('hex');
  }
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'default import of bare zlib; promisify already imported under another name; parenthesised await',
      code: `
import { CatgaHandler } from '@catga/runtime';
import { promisify as p } from 'util';
import zlib from 'zlib';
@CatgaHandler(Pack)
class PackHandler {
  async handle(message: Pack) {
    return zlib.gzipSync(message.data).length;
  }
}`,
      output: null,
      errors: [
        {
          messageId: 'cpuBlockingSync',
          data: { module: 'zlib', name: 'gzipSync', asyncName: 'gzip', where: 'Catga handler' },
          line: 8,
          column: 12,
          suggestions: [
            {
              messageId: 'suggestPromisify',
              data: { promisify: 'p', target: 'zlib.gzip' },
              output: `
import { CatgaHandler } from '@catga/runtime';
import { promisify as p } from 'util';
import zlib from 'zlib';
@CatgaHandler(Pack)
class PackHandler {
  async handle(message: Pack) {
    return (await p(zlib.gzip)(message.data)).length;
  }
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'renamed named import: the callback twin is added to the import',
      code: `
import { CatgaHandler as H } from '@catga/runtime';
import { scryptSync as derive } from 'node:crypto';
import * as util from 'node:util';
@H(Login)
class LoginHandler {
  async handle(message: Login) {
    const key = derive(message.password, 'salt', 64);
    return key;
  }
}`,
      output: null,
      errors: [
        {
          messageId: 'cpuBlockingSync',
          data: { module: 'crypto', name: 'scryptSync', asyncName: 'scrypt', where: 'Catga handler' },
          line: 8,
          column: 17,
          suggestions: [
            {
              messageId: 'suggestPromisify',
              data: { promisify: 'util.promisify', target: 'scrypt' },
              output: `
import { CatgaHandler as H } from '@catga/runtime';
import { scryptSync as derive, scrypt } from 'node:crypto';
import * as util from 'node:util';
@H(Login)
class LoginHandler {
  async handle(message: Login) {
    const key = await util.promisify(scrypt)(message.password, 'salt', 64);
    return key;
  }
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'named import whose twin is already imported',
      code: `
import { CatgaHandler } from '@catga/runtime';
import { deflateSync, deflate as deflateCb } from 'node:zlib';
import { promisify } from 'node:util';
@CatgaHandler(Pack)
class PackHandler {
  async handle(message: Pack) {
    await message.store.put(deflateSync(message.data));
  }
}`,
      output: null,
      errors: [
        {
          messageId: 'cpuBlockingSync',
          data: { module: 'zlib', name: 'deflateSync', asyncName: 'deflate', where: 'Catga handler' },
          line: 8,
          column: 29,
          suggestions: [
            {
              messageId: 'suggestPromisify',
              data: { promisify: 'promisify', target: 'deflateCb' },
              output: `
import { CatgaHandler } from '@catga/runtime';
import { deflateSync, deflate as deflateCb } from 'node:zlib';
import { promisify } from 'node:util';
@CatgaHandler(Pack)
class PackHandler {
  async handle(message: Pack) {
    await message.store.put(await promisify(deflateCb)(message.data));
  }
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'require() of the whole module, handler known by its runtime interface only',
      code: `
import type { EventHandler } from '@catga/runtime';
const crypto = require('crypto');
export class KeysHandler implements EventHandler<UserCreated> {
  async handle(event: UserCreated) {
    event.keys = crypto.generateKeyPairSync('ed25519');
  }
}`,
      output: null,
      errors: [
        {
          messageId: 'cpuBlockingSync',
          data: { module: 'crypto', name: 'generateKeyPairSync', asyncName: 'generateKeyPair', where: 'Catga handler' },
          line: 6,
          column: 18,
          suggestions: [
            {
              messageId: 'suggestPromisify',
              data: { promisify: 'promisify', target: 'crypto.generateKeyPair' },
              output: `
import type { EventHandler } from '@catga/runtime';
import { promisify } from 'node:util';
const crypto = require('crypto');
export class KeysHandler implements EventHandler<UserCreated> {
  async handle(event: UserCreated) {
    event.keys = await promisify(crypto.generateKeyPair)('ed25519');
  }
}`,
            },
          ],
        },
      ],
    },
    {
      name: 'destructured require: reported, no suggestion (the twin is not in reach)',
      code: `
import { CatgaHandler } from '@catga/runtime';
const { brotliCompressSync } = require('node:zlib');
@CatgaHandler(Pack)
class PackHandler {
  async handle(message: Pack) {
    return brotliCompressSync(message.data);
  }
}`,
      output: null,
      errors: [
        {
          messageId: 'cpuBlockingSync',
          data: { module: 'zlib', name: 'brotliCompressSync', asyncName: 'brotliCompress', where: 'Catga handler' },
          line: 7,
          column: 12,
          suggestions: [],
        },
      ],
    },
    {
      name: 'sync handle and a sync callback: reported without suggestion (await is not valid there)',
      code: `
import { CatgaHandler } from '@catga/runtime';
import { randomFillSync, scryptSync } from 'crypto';
@CatgaHandler(Hash)
class HashHandler {
  handle(message: Hash) {
    randomFillSync(message.buffer);
  }
}
@CatgaHandler(HashAll)
class HashAllHandler {
  async handle(message: HashAll) {
    return message.items.map((item) => scryptSync(item, 'salt', 32));
  }
}`,
      output: null,
      errors: [
        {
          messageId: 'cpuBlockingSync',
          data: { module: 'crypto', name: 'randomFillSync', asyncName: 'randomFill', where: 'Catga handler' },
          line: 7,
          column: 5,
          suggestions: [],
        },
        {
          messageId: 'cpuBlockingSync',
          data: { module: 'crypto', name: 'scryptSync', asyncName: 'scrypt', where: 'Catga handler' },
          line: 13,
          column: 40,
          suggestions: [],
        },
      ],
    },
    {
      name: 'a local promisify that is not util.promisify: no suggestion',
      code: `
import { CatgaHandler } from '@catga/runtime';
import * as zlib from 'node:zlib';
import { promisify } from './my-promisify.js';
@CatgaHandler(Unpack)
class UnpackHandler {
  async handle(message: Unpack) {
    return zlib.gunzipSync(message.data);
  }
}`,
      output: null,
      errors: [
        {
          messageId: 'cpuBlockingSync',
          data: { module: 'zlib', name: 'gunzipSync', asyncName: 'gunzip', where: 'Catga handler' },
          line: 8,
          column: 12,
          suggestions: [],
        },
      ],
    },
    {
      name: 'Atomics.wait in a handler',
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(Wait)
class WaitHandler {
  async handle(message: Wait) {
    Atomics.wait(message.view, 0, 0, 50);
  }
}`,
      output: null,
      errors: [{ messageId: 'atomicsWait', data: { where: 'Catga handler' }, line: 6, column: 5, suggestions: [] }],
    },
    {
      name: 'busy-wait loops: empty while, do/while re-reading performance.now(), for with the clock in its update',
      code: `
import { CatgaHandler } from '@catga/runtime';
import { performance as perf } from 'node:perf_hooks';
@CatgaHandler(Throttle)
class ThrottleHandler {
  handle(message: Throttle) {
    const until = Date.now() + message.delayMs;
    while (Date.now() < until) {}
    let now = 0;
    do {
      now = perf.now();
    } while (now < until);
    for (let t = Date.now(); t < until; t = Date.now());
    while (now < until) now = performance.now();
  }
}`,
      output: null,
      errors: [
        { messageId: 'busyWait', data: { clock: 'Date.now()', where: 'Catga handler' }, line: 8, column: 5, endLine: 8, endColumn: 34 },
        { messageId: 'busyWait', data: { clock: 'performance.now()', where: 'Catga handler' }, line: 10, column: 5, endLine: 12, endColumn: 27 },
        { messageId: 'busyWait', data: { clock: 'Date.now()', where: 'Catga handler' }, line: 13, column: 5 },
        { messageId: 'busyWait', data: { clock: 'performance.now()', where: 'Catga handler' }, line: 14, column: 5 },
      ],
    },
    {
      name: 'sync-over-async bridges: direct calls and the sync functions they made',
      code: `
import { CatgaHandler } from '@catga/runtime';
import deasync from 'deasync';
import { createSyncFn } from 'synckit';
const sleep = deasync(setTimeout);
const lookUp = createSyncFn('/workers/look-up.js');
@CatgaHandler(Enrich)
class EnrichHandler {
  async handle(message: Enrich) {
    sleep(10);
    deasync.sleep(10);
    return lookUp(message.id);
  }
}`,
      output: null,
      errors: [
        { messageId: 'syncBridge', data: { callee: 'sleep', module: 'deasync', where: 'Catga handler' }, line: 10, column: 5 },
        { messageId: 'syncBridge', data: { callee: 'deasync.sleep', module: 'deasync', where: 'Catga handler' }, line: 11, column: 5 },
        { messageId: 'syncBridge', data: { callee: 'lookUp', module: 'synckit', where: 'Catga handler' }, line: 12, column: 12 },
      ],
    },
    {
      name: 'a configured bridge module, loaded with require()',
      options: [{ syncBridgeModules: ['sync-rpc'] }],
      code: `
import { CatgaHandler } from '@catga/runtime';
const syncRpc = require('sync-rpc');
@CatgaHandler(Enrich)
class EnrichHandler {
  handle(message: Enrich) {
    return syncRpc('/workers/client.js')(message.id);
  }
}`,
      output: null,
      errors: [{ messageId: 'syncBridge', data: { callee: 'syncRpc', module: 'sync-rpc', where: 'Catga handler' }, line: 7, column: 12 }],
    },
    {
      name: 'checkAllAsyncFunctions: any async function, including its sync callbacks; file without imports gets one at the top',
      options: [{ checkAllAsyncFunctions: true }],
      code: `
const zlib = require('zlib');
export async function unpack(data: Buffer) {
  return zlib.inflateSync(data);
}
export const unpackAll = async (items: Buffer[]) => items.map((item) => zlib.inflateRawSync(item));
export function syncUnpack(data: Buffer) {
  return zlib.inflateSync(data);
}`,
      output: null,
      errors: [
        {
          messageId: 'cpuBlockingSync',
          data: { module: 'zlib', name: 'inflateSync', asyncName: 'inflate', where: 'async function' },
          line: 4,
          column: 10,
          suggestions: [
            {
              messageId: 'suggestPromisify',
              data: { promisify: 'promisify', target: 'zlib.inflate' },
              output: `import { promisify } from 'node:util';

const zlib = require('zlib');
export async function unpack(data: Buffer) {
  return await promisify(zlib.inflate)(data);
}
export const unpackAll = async (items: Buffer[]) => items.map((item) => zlib.inflateRawSync(item));
export function syncUnpack(data: Buffer) {
  return zlib.inflateSync(data);
}`,
            },
          ],
        },
        {
          messageId: 'cpuBlockingSync',
          data: { module: 'zlib', name: 'inflateRawSync', asyncName: 'inflateRaw', where: 'async function' },
          line: 6,
          column: 73,
          suggestions: [],
        },
      ],
    },
  ],
});
