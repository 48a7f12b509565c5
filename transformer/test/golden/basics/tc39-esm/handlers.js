var __esDecorate = (this && this.__esDecorate) || function (ctor, descriptorIn, decorators, contextIn, initializers, extraInitializers) {
    function accept(f) { if (f !== void 0 && typeof f !== "function") throw new TypeError("Function expected"); return f; }
    var kind = contextIn.kind, key = kind === "getter" ? "get" : kind === "setter" ? "set" : "value";
    var target = !descriptorIn && ctor ? contextIn["static"] ? ctor : ctor.prototype : null;
    var descriptor = descriptorIn || (target ? Object.getOwnPropertyDescriptor(target, contextIn.name) : {});
    var _, done = false;
    for (var i = decorators.length - 1; i >= 0; i--) {
        var context = {};
        for (var p in contextIn) context[p] = p === "access" ? {} : contextIn[p];
        for (var p in contextIn.access) context.access[p] = contextIn.access[p];
        context.addInitializer = function (f) { if (done) throw new TypeError("Cannot add initializers after decoration has completed"); extraInitializers.push(accept(f || null)); };
        var result = (0, decorators[i])(kind === "accessor" ? { get: descriptor.get, set: descriptor.set } : descriptor[key], context);
        if (kind === "accessor") {
            if (result === void 0) continue;
            if (result === null || typeof result !== "object") throw new TypeError("Object expected");
            if (_ = accept(result.get)) descriptor.get = _;
            if (_ = accept(result.set)) descriptor.set = _;
            if (_ = accept(result.init)) initializers.unshift(_);
        }
        else if (_ = accept(result)) {
            if (kind === "field") initializers.unshift(_);
            else descriptor[key] = _;
        }
    }
    if (target) Object.defineProperty(target, contextIn.name, descriptor);
    done = true;
};
var __runInitializers = (this && this.__runInitializers) || function (thisArg, initializers, value) {
    var useValue = arguments.length > 2;
    for (var i = 0; i < initializers.length; i++) {
        value = useValue ? initializers[i].call(thisArg, value) : initializers[i].call(thisArg);
    }
    return useValue ? value : void 0;
};
import * as __catga from "@catga/runtime";
import * as __catga_m0 from "./messages.js";
import { CatgaError, CatgaHandler } from '@catga/runtime';
import { GetOrder, OrderCancelled, OrderPlaced, Ping, PlaceOrder } from './messages.js';
import { store } from './store.js';
let PlaceOrderHandler = (() => {
    let _classDecorators = [CatgaHandler(PlaceOrder)];
    let _classDescriptor;
    let _classExtraInitializers = [];
    let _classThis;
    var PlaceOrderHandler = class {
        static { _classThis = this; }
        static {
            const _metadata = typeof Symbol === "function" && Symbol.metadata ? Object.create(null) : void 0;
            __esDecorate(null, _classDescriptor = { value: _classThis }, _classDecorators, { kind: "class", name: _classThis.name, metadata: _metadata }, null, _classExtraInitializers);
            PlaceOrderHandler = _classThis = _classDescriptor.value;
            if (_metadata) Object.defineProperty(_classThis, Symbol.metadata, { enumerable: true, configurable: true, writable: true, value: _metadata });
            __runInitializers(_classThis, _classExtraInitializers);
        }
        async handle(command, context) {
            const orderId = `order-${command.customerId}-${store.orders.size + 1}`;
            store.orders.set(orderId, { orderId, status: 'placed', lines: command.lines.length });
            const published = await __catga.publishCompiled(context, new OrderPlaced(orderId, command.lines.length, new Date(Date.UTC(2026, 0, 2))));
            if (!published.ok)
                throw published.error;
            return { orderId, lines: command.lines.length };
        }
        /* handle() compiled by @catga/transformer: returns the CatgaResult itself, in one async frame */
        async [__catga.FUSED_HANDLE](command, context, call) {
            try {
                const orderId = `order-${command.customerId}-${store.orders.size + 1}`;
                store.orders.set(orderId, { orderId, status: 'placed', lines: command.lines.length });
                const published = await __catga.publishCompiled(context, new OrderPlaced(orderId, command.lines.length, new Date(Date.UTC(2026, 0, 2))));
                if (!published.ok)
                    throw published.error;
                return call.ok({ orderId, lines: command.lines.length });
            }
            catch (thrown) {
                return call.fail(thrown, context);
            }
        }
    };
    return PlaceOrderHandler = _classThis;
})();
export { PlaceOrderHandler };
__catga.defineHandler(PlaceOrderHandler, {
    message: __catga_m0.PlaceOrder,
    returns: "promise",
    invoke: (handler, message, context) => handler.handle(message, context),
    fused: true,
    source: "src/handlers.ts:5",
});
/** No message class in the decorator: the transformer fills it in from handle()'s parameter. */
let CancelOrderHandler = (() => {
    let _classDecorators = [CatgaHandler()];
    let _classDescriptor;
    let _classExtraInitializers = [];
    let _classThis;
    var CancelOrderHandler = class {
        static { _classThis = this; }
        static {
            const _metadata = typeof Symbol === "function" && Symbol.metadata ? Object.create(null) : void 0;
            __esDecorate(null, _classDescriptor = { value: _classThis }, _classDecorators, { kind: "class", name: _classThis.name, metadata: _metadata }, null, _classExtraInitializers);
            CancelOrderHandler = _classThis = _classDescriptor.value;
            if (_metadata) Object.defineProperty(_classThis, Symbol.metadata, { enumerable: true, configurable: true, writable: true, value: _metadata });
            __runInitializers(_classThis, _classExtraInitializers);
        }
        async handle(command, context) {
            const found = await __catga.sendCompiled(context, new GetOrder(command.orderId));
            if (!found.ok)
                throw found.error;
            if (found.value === null)
                throw new CatgaError('NOT_FOUND', `no order ${command.orderId}`);
            store.orders.set(command.orderId, { ...found.value, status: 'cancelled' });
            await __catga.publishCompiled(context, new OrderCancelled(command.orderId, command.reason ?? null));
        }
        /* handle() compiled by @catga/transformer: returns the CatgaResult itself, in one async frame */
        async [__catga.FUSED_HANDLE](command, context, call) {
            try {
                const found = await __catga.sendCompiled(context, new GetOrder(command.orderId));
                if (!found.ok)
                    throw found.error;
                if (found.value === null)
                    throw new CatgaError('NOT_FOUND', `no order ${command.orderId}`);
                store.orders.set(command.orderId, { ...found.value, status: 'cancelled' });
                await __catga.publishCompiled(context, new OrderCancelled(command.orderId, command.reason ?? null));
                return call.ok(undefined);
            }
            catch (thrown) {
                return call.fail(thrown, context);
            }
        }
    };
    return CancelOrderHandler = _classThis;
})();
export { CancelOrderHandler };
__catga.defineHandler(CancelOrderHandler, {
    message: __catga_m0.CancelOrder,
    returns: "promise",
    invoke: (handler, message, context) => handler.handle(message, context),
    fused: true,
    source: "src/handlers.ts:17",
});
let GetOrderHandler = (() => {
    let _classDecorators = [CatgaHandler(GetOrder)];
    let _classDescriptor;
    let _classExtraInitializers = [];
    let _classThis;
    var GetOrderHandler = class {
        static { _classThis = this; }
        static {
            const _metadata = typeof Symbol === "function" && Symbol.metadata ? Object.create(null) : void 0;
            __esDecorate(null, _classDescriptor = { value: _classThis }, _classDecorators, { kind: "class", name: _classThis.name, metadata: _metadata }, null, _classExtraInitializers);
            GetOrderHandler = _classThis = _classDescriptor.value;
            if (_metadata) Object.defineProperty(_classThis, Symbol.metadata, { enumerable: true, configurable: true, writable: true, value: _metadata });
            __runInitializers(_classThis, _classExtraInitializers);
        }
        async handle(query) {
            return store.orders.get(query.orderId) ?? null;
        }
        /* handle() compiled by @catga/transformer: returns the CatgaResult itself, in one async frame */
        async [__catga.FUSED_HANDLE](query, context, call) {
            try {
                return call.ok(store.orders.get(query.orderId) ?? null);
            }
            catch (thrown) {
                return call.fail(thrown, context);
            }
        }
    };
    return GetOrderHandler = _classThis;
})();
export { GetOrderHandler };
__catga.defineHandler(GetOrderHandler, {
    message: __catga_m0.GetOrder,
    returns: "promise",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    source: "src/handlers.ts:28",
});
/** Synchronous: returns a value. */
let PingHandler = (() => {
    let _classDecorators = [CatgaHandler(Ping)];
    let _classDescriptor;
    let _classExtraInitializers = [];
    let _classThis;
    var PingHandler = class {
        static { _classThis = this; }
        static {
            const _metadata = typeof Symbol === "function" && Symbol.metadata ? Object.create(null) : void 0;
            __esDecorate(null, _classDescriptor = { value: _classThis }, _classDecorators, { kind: "class", name: _classThis.name, metadata: _metadata }, null, _classExtraInitializers);
            PingHandler = _classThis = _classDescriptor.value;
            if (_metadata) Object.defineProperty(_classThis, Symbol.metadata, { enumerable: true, configurable: true, writable: true, value: _metadata });
            __runInitializers(_classThis, _classExtraInitializers);
        }
        handle(command) {
            return 'pong'.repeat(command.times);
        }
        /* handle() compiled by @catga/transformer: returns the CatgaResult itself, in one async frame */
        async [__catga.FUSED_HANDLE](command, context, call) {
            try {
                return call.ok('pong'.repeat(command.times));
            }
            catch (thrown) {
                return call.fail(thrown, context);
            }
        }
    };
    return PingHandler = _classThis;
})();
export { PingHandler };
__catga.defineHandler(PingHandler, {
    message: __catga_m0.Ping,
    returns: "value",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    source: "src/handlers.ts:36",
});
let AuditOrderPlaced = (() => {
    let _classDecorators = [CatgaHandler(OrderPlaced)];
    let _classDescriptor;
    let _classExtraInitializers = [];
    let _classThis;
    var AuditOrderPlaced = class {
        static { _classThis = this; }
        static {
            const _metadata = typeof Symbol === "function" && Symbol.metadata ? Object.create(null) : void 0;
            __esDecorate(null, _classDescriptor = { value: _classThis }, _classDecorators, { kind: "class", name: _classThis.name, metadata: _metadata }, null, _classExtraInitializers);
            AuditOrderPlaced = _classThis = _classDescriptor.value;
            if (_metadata) Object.defineProperty(_classThis, Symbol.metadata, { enumerable: true, configurable: true, writable: true, value: _metadata });
            __runInitializers(_classThis, _classExtraInitializers);
        }
        handle(event) {
            store.audit.push(`placed ${event.orderId} (${event.lines} lines) at ${event.at.toISOString()}`);
        }
        /* handle() compiled by @catga/transformer: returns the CatgaResult itself, in one async frame */
        async [__catga.FUSED_HANDLE](event, context, call) {
            try {
                store.audit.push(`placed ${event.orderId} (${event.lines} lines) at ${event.at.toISOString()}`);
                return call.ok(undefined);
            }
            catch (thrown) {
                return call.fail(thrown, context);
            }
        }
    };
    return AuditOrderPlaced = _classThis;
})();
export { AuditOrderPlaced };
__catga.defineHandler(AuditOrderPlaced, {
    message: __catga_m0.OrderPlaced,
    returns: "value",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    source: "src/handlers.ts:43",
});
let NotifyOrderPlaced = (() => {
    let _classDecorators = [CatgaHandler(OrderPlaced)];
    let _classDescriptor;
    let _classExtraInitializers = [];
    let _classThis;
    var NotifyOrderPlaced = class {
        static { _classThis = this; }
        static {
            const _metadata = typeof Symbol === "function" && Symbol.metadata ? Object.create(null) : void 0;
            __esDecorate(null, _classDescriptor = { value: _classThis }, _classDecorators, { kind: "class", name: _classThis.name, metadata: _metadata }, null, _classExtraInitializers);
            NotifyOrderPlaced = _classThis = _classDescriptor.value;
            if (_metadata) Object.defineProperty(_classThis, Symbol.metadata, { enumerable: true, configurable: true, writable: true, value: _metadata });
            __runInitializers(_classThis, _classExtraInitializers);
        }
        async handle(event) {
            store.notifications.push(`notify ${event.orderId}`);
        }
        /* handle() compiled by @catga/transformer: returns the CatgaResult itself, in one async frame */
        async [__catga.FUSED_HANDLE](event, context, call) {
            try {
                store.notifications.push(`notify ${event.orderId}`);
                return call.ok(undefined);
            }
            catch (thrown) {
                return call.fail(thrown, context);
            }
        }
    };
    return NotifyOrderPlaced = _classThis;
})();
export { NotifyOrderPlaced };
__catga.defineHandler(NotifyOrderPlaced, {
    message: __catga_m0.OrderPlaced,
    returns: "promise",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    source: "src/handlers.ts:50",
});
let AuditOrderCancelled = (() => {
    let _classDecorators = [CatgaHandler(OrderCancelled)];
    let _classDescriptor;
    let _classExtraInitializers = [];
    let _classThis;
    var AuditOrderCancelled = class {
        static { _classThis = this; }
        static {
            const _metadata = typeof Symbol === "function" && Symbol.metadata ? Object.create(null) : void 0;
            __esDecorate(null, _classDescriptor = { value: _classThis }, _classDecorators, { kind: "class", name: _classThis.name, metadata: _metadata }, null, _classExtraInitializers);
            AuditOrderCancelled = _classThis = _classDescriptor.value;
            if (_metadata) Object.defineProperty(_classThis, Symbol.metadata, { enumerable: true, configurable: true, writable: true, value: _metadata });
            __runInitializers(_classThis, _classExtraInitializers);
        }
        handle(event) {
            store.audit.push(`cancelled ${event.orderId}: ${event.reason ?? 'no reason'}`);
        }
        /* handle() compiled by @catga/transformer: returns the CatgaResult itself, in one async frame */
        async [__catga.FUSED_HANDLE](event, context, call) {
            try {
                store.audit.push(`cancelled ${event.orderId}: ${event.reason ?? 'no reason'}`);
                return call.ok(undefined);
            }
            catch (thrown) {
                return call.fail(thrown, context);
            }
        }
    };
    return AuditOrderCancelled = _classThis;
})();
export { AuditOrderCancelled };
__catga.defineHandler(AuditOrderCancelled, {
    message: __catga_m0.OrderCancelled,
    returns: "value",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    source: "src/handlers.ts:57",
});
