import { noLeakyEventHandler } from '../../src/rules/no-leaky-event-handler';
import { untypedRuleTester } from '../rule-tester';

// Untyped: handlers are recognised by the runtime's decorator and interfaces (through their imports); listeners,
// intervals and collections by their calls, with every escape hatch the docs list covered by a valid case.
const ruleTester = untypedRuleTester();

ruleTester.run('no-leaky-event-handler', noLeakyEventHandler, {
  valid: [
    {
      name: 'once() instead of on(); { once: true } and { signal } for addEventListener',
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(OrderPlaced)
class AuditHandler {
  constructor(private readonly bus: EventTarget & { once(event: string, f: () => void): void }) {}
  handle(event: OrderPlaced, context: HandlerContext) {
    this.bus.once('flushed', () => {});
    this.bus.addEventListener('flushed', () => {}, { once: true });
    this.bus.addEventListener('flushed', () => {}, { signal: context.signal });
  }
}`,
    },
    {
      name: 'a matching removal elsewhere in the class (same receiver, or same event name)',
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(OrderPlaced)
class AuditHandler {
  constructor(private readonly bus: NodeJS.EventEmitter) {}
  handle(event: OrderPlaced) {
    this.bus.on('flushed', this.onFlushed);
    process.on('beforeExit', this.onExit);
  }
  dispose() {
    this.bus.off('flushed', this.onFlushed);
    const p = process;
    p.removeListener('beforeExit', this.onExit);
  }
  private onFlushed = () => {};
  private onExit = () => {};
}`,
    },
    {
      name: 'the value subscribe() returned is kept and called (field, RxJS-style object, local)',
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(PriceChanged)
class PricesHandler {
  private stop?: () => void;
  private subscription?: { unsubscribe(): void };
  constructor(private readonly feed: Feed) {}
  async handle(event: PriceChanged) {
    this.stop = this.feed.subscribe(event.symbol, () => {});
    this.subscription = this.feed.prices.subscribe(() => {});
    const off = this.feed.subscribe('all', () => {});
    await event.done;
    off();
  }
  dispose() {
    this.stop?.();
    this.subscription?.unsubscribe();
  }
}`,
    },
    {
      name: 'listeners on per-message objects (handle parameters and locals) die with the message',
      code: `
import { CatgaHandler } from '@catga/runtime';
import { EventEmitter } from 'node:events';
@CatgaHandler(Upload)
class UploadHandler {
  async handle(message: Upload, context: HandlerContext) {
    context.signal.addEventListener('abort', () => message.stream.destroy());
    message.stream.on('data', () => {});
    const progress = new EventEmitter();
    progress.on('tick', () => {});
    new EventEmitter().on('tick', () => {});
  }
}`,
    },
    {
      name: 'setInterval with a clearInterval in the class; a local setInterval is not the timer',
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(Heartbeat)
class HeartbeatHandler {
  private timer?: NodeJS.Timeout;
  handle() {
    this.timer ??= setInterval(() => {}, 1000);
  }
  dispose() {
    clearInterval(this.timer);
  }
}
@CatgaHandler(Ping)
class PingHandler {
  handle() {
    const setInterval = (f: () => void) => f();
    setInterval(() => {});
  }
}`,
    },
    {
      name: 'collections that also shrink (clear, splice, shift, length = 0, reassignment outside the constructor)',
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(OrderPlaced)
class DedupHandler {
  private readonly seen = new Set<string>();
  private buffer: string[] = [];
  private queue: string[] = [];
  private log: string[] = [];
  private readonly byId: Map<string, number>;
  constructor() {
    this.byId = new Map();
  }
  handle(event: OrderPlaced) {
    if (this.seen.size > 10_000) this.seen.clear();
    this.seen.add(event.orderId);
    this.buffer.push(event.orderId);
    this.queue.unshift(event.orderId);
    this.log.push(event.orderId);
    this.byId.set(event.orderId, 1);
  }
  flush() {
    const batch = this.buffer;
    this.buffer = [];
    this.queue.length = 0;
    this.log.splice(0, 100);
    this.byId.delete('x');
    return batch;
  }
}`,
    },
    {
      name: 'fields the class did not create as collections (injected services, parameter properties)',
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(OrderPlaced)
class ProjectHandler {
  constructor(private readonly orders: Map<string, Order>, private readonly repository: Repository) {}
  private readonly cache: Cache = createCache();
  handle(event: OrderPlaced) {
    this.orders.set(event.orderId, event.order);
    this.repository.add(event.order);
    this.cache.set(event.orderId, event.order);
    const local: string[] = [];
    local.push(event.orderId);
  }
}`,
    },
    {
      name: 'a class with handle() that is not a Catga handler',
      code: `
class Listener {
  private readonly seen: string[] = [];
  handle(id: string) {
    process.on('exit', () => {});
    setInterval(() => {}, 1000);
    this.seen.push(id);
  }
}`,
    },
    {
      name: 'a CatgaHandler decorator from elsewhere is not the runtime one',
      code: `
import { CatgaHandler } from './decorators.js';
@CatgaHandler(Tick)
class TickHandler {
  handle() {
    process.on('exit', () => {});
  }
}`,
    },
    {
      name: 'registrations outside handle run once (constructor), not per message',
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(Tick)
class TickHandler {
  private readonly ticks: number[] = [];
  constructor(bus: NodeJS.EventEmitter) {
    bus.on('reset', () => {});
    setInterval(() => {}, 1000);
    this.ticks.push(0);
  }
  handle() {}
}`,
    },
    {
      name: 'subscribeMethods replaces the defaults',
      options: [{ subscribeMethods: ['watch'] }],
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(Tick)
class TickHandler {
  handle() {
    process.on('exit', () => {});
  }
}`,
    },
    {
      name: 'this inside a nested function is not the instance',
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(Tick)
class TickHandler {
  private readonly ticks: number[] = [];
  handle(message: Tick) {
    message.items.forEach(function (this: { ticks: number[] }, item: number) {
      this.ticks.push(item);
    });
  }
}`,
    },
  ],
  invalid: [
    {
      name: 'process.on() in an event handler, with a renamed decorator import',
      code: `
import { CatgaHandler as H } from '@catga/runtime';
@H(OrderPlaced)
export class AuditHandler {
  handle(event: OrderPlaced) {
    process.on('beforeExit', () => console.log(event.orderId));
  }
}`,
      output: null,
      errors: [
        {
          messageId: 'leakyListener',
          data: { call: 'process.on', className: 'AuditHandler', cleanup: 'off' },
          line: 6,
          column: 5,
          endLine: 6,
          endColumn: 63,
        },
      ],
    },
    {
      name: 'addEventListener without options, on a handler known by its interface; removal of another event on another receiver',
      code: `
import type { EventHandler } from '@catga/runtime';
export class TickHandler implements EventHandler<Tick> {
  constructor(private readonly clock: EventTarget, private readonly other: EventTarget) {}
  handle(event: Tick) {
    this.clock.addEventListener('tick', () => event.count++);
  }
  dispose() {
    this.other.removeEventListener('tock', () => {});
  }
}`,
      output: null,
      errors: [
        {
          messageId: 'leakyListener',
          data: { call: 'this.clock.addEventListener', className: 'TickHandler', cleanup: 'removeEventListener' },
          line: 6,
          column: 5,
        },
      ],
    },
    {
      name: 'subscribe() whose result is dropped, or kept but never called; a chained on().on()',
      code: `
import { CatgaHandler } from '@catga/runtime';
import { emitter } from './emitter.js';
@CatgaHandler(PriceChanged)
class PricesHandler {
  private stop?: () => void;
  constructor(private readonly feed: Feed) {}
  async handle(event: PriceChanged) {
    this.feed.subscribe(event.symbol, () => {});
    this.stop = this.feed.subscribe('all', () => {});
    const unused = await this.feed.subscribe('late', () => {});
    emitter.on('a', () => {}).on('b', () => {});
  }
}`,
      output: null,
      errors: [
        { messageId: 'leakyListener', data: { call: 'this.feed.subscribe', className: 'PricesHandler', cleanup: 'unsubscribe' }, line: 9, column: 5 },
        { messageId: 'leakyListener', data: { call: 'this.feed.subscribe', className: 'PricesHandler', cleanup: 'unsubscribe' }, line: 10, column: 17 },
        { messageId: 'leakyListener', data: { call: 'this.feed.subscribe', className: 'PricesHandler', cleanup: 'unsubscribe' }, line: 11, column: 26 },
        { messageId: 'leakyListener', data: { call: "emitter.on('a', () => {}).on", className: 'PricesHandler', cleanup: 'off' }, line: 12, column: 5 },
        { messageId: 'leakyListener', data: { call: 'emitter.on', className: 'PricesHandler', cleanup: 'off' }, line: 12, column: 5 },
      ],
    },
    {
      name: 'setInterval per message: global, globalThis and node:timers',
      code: `
import { CatgaHandler } from '@catga/runtime';
import * as timers from 'node:timers';
import { setInterval as every } from 'timers';
@CatgaHandler(Watch)
class WatchHandler {
  handle(message: Watch) {
    setInterval(() => message.poll(), 1000);
    globalThis.setInterval(() => message.poll(), 1000);
    timers.setInterval(() => message.poll(), 1000);
    every(() => message.poll(), 1000);
  }
}`,
      output: null,
      errors: [
        { messageId: 'leakyInterval', data: { className: 'WatchHandler' }, line: 8, column: 5 },
        { messageId: 'leakyInterval', data: { className: 'WatchHandler' }, line: 9, column: 5 },
        { messageId: 'leakyInterval', data: { className: 'WatchHandler' }, line: 10, column: 5 },
        { messageId: 'leakyInterval', data: { className: 'WatchHandler' }, line: 11, column: 5 },
      ],
    },
    {
      name: 'collections that only grow: initialised Set, private array, typed Map assigned in the constructor, unshift',
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(OrderPlaced)
class DedupHandler {
  private readonly seen = new Set<string>();
  #log: string[] = [];
  private readonly byId: Map<string, number>;
  private recent = new Array<string>();
  constructor() {
    this.byId = new Map();
  }
  handle(event: OrderPlaced) {
    if (this.seen.has(event.orderId)) return;
    this.seen.add(event.orderId);
    this.#log.push(event.orderId);
    this.byId.set(event.orderId, this.seen.size);
    this.recent.unshift(event.orderId);
    return this.recent.length;
  }
}`,
      output: null,
      errors: [
        { messageId: 'growingCollection', data: { field: 'seen', method: 'add', className: 'DedupHandler' }, line: 14, column: 5 },
        { messageId: 'growingCollection', data: { field: '#log', method: 'push', className: 'DedupHandler' }, line: 15, column: 5 },
        { messageId: 'growingCollection', data: { field: 'byId', method: 'set', className: 'DedupHandler' }, line: 16, column: 5 },
        { messageId: 'growingCollection', data: { field: 'recent', method: 'unshift', className: 'DedupHandler' }, line: 17, column: 5 },
      ],
    },
    {
      name: 'inside nested arrow callbacks of handle, this is still the instance',
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(Batch)
class BatchHandler {
  private readonly items: string[] = [];
  async handle(message: Batch) {
    message.ids.forEach((id) => this.items.push(id));
  }
}`,
      output: null,
      errors: [{ messageId: 'growingCollection', data: { field: 'items', method: 'push', className: 'BatchHandler' }, line: 7, column: 33 }],
    },
    {
      name: 'custom subscribe and cleanup methods',
      options: [{ subscribeMethods: ['watch'], cleanupMethods: ['unwatch'] }],
      code: `
import { CatgaHandler } from '@catga/runtime';
@CatgaHandler(Tick)
class TickHandler {
  constructor(private readonly store: Store) {}
  handle() {
    this.store.watch('a', () => {});
    this.store.watch('b', () => {});
    process.on('exit', () => {});
  }
  close() {
    this.store.unwatch('b');
  }
}`,
      output: null,
      errors: [{ messageId: 'leakyListener', data: { call: 'this.store.watch', className: 'TickHandler', cleanup: 'unwatch' }, line: 7, column: 5 }],
    },
  ],
});
