"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.AuditOrderCancelled = exports.NotifyOrderPlaced = exports.AuditOrderPlaced = exports.PingHandler = exports.GetOrderHandler = exports.CancelOrderHandler = exports.PlaceOrderHandler = void 0;
const __catga = __importStar(require("@catga/runtime"));
const __catga_m0 = __importStar(require("./messages.js"));
const runtime_1 = require("@catga/runtime");
const messages_js_1 = require("./messages.js");
const store_js_1 = require("./store.js");
let PlaceOrderHandler = class PlaceOrderHandler {
    async handle(command, context) {
        const orderId = `order-${command.customerId}-${store_js_1.store.orders.size + 1}`;
        store_js_1.store.orders.set(orderId, { orderId, status: 'placed', lines: command.lines.length });
        const published = await __catga.publishCompiled(context, new messages_js_1.OrderPlaced(orderId, command.lines.length, new Date(Date.UTC(2026, 0, 2))));
        if (!published.ok)
            throw published.error;
        return { orderId, lines: command.lines.length };
    }
    /* handle() compiled by @catga/transformer: returns the CatgaResult itself, in one async frame */
    async [__catga.FUSED_HANDLE](command, context, call) {
        try {
            const orderId = `order-${command.customerId}-${store_js_1.store.orders.size + 1}`;
            store_js_1.store.orders.set(orderId, { orderId, status: 'placed', lines: command.lines.length });
            const published = await __catga.publishCompiled(context, new messages_js_1.OrderPlaced(orderId, command.lines.length, new Date(Date.UTC(2026, 0, 2))));
            if (!published.ok)
                throw published.error;
            return call.ok({ orderId, lines: command.lines.length });
        }
        catch (thrown) {
            return call.fail(thrown, context);
        }
    }
};
exports.PlaceOrderHandler = PlaceOrderHandler;
exports.PlaceOrderHandler = PlaceOrderHandler = __decorate([
    (0, runtime_1.CatgaHandler)(messages_js_1.PlaceOrder)
], PlaceOrderHandler);
__catga.defineHandler(PlaceOrderHandler, {
    message: __catga_m0.PlaceOrder,
    returns: "promise",
    invoke: (handler, message, context) => handler.handle(message, context),
    fused: true,
    source: "src/handlers.ts:5",
});
/** No message class in the decorator: the transformer fills it in from handle()'s parameter. */
let CancelOrderHandler = class CancelOrderHandler {
    async handle(command, context) {
        const found = await __catga.sendCompiled(context, new messages_js_1.GetOrder(command.orderId));
        if (!found.ok)
            throw found.error;
        if (found.value === null)
            throw new runtime_1.CatgaError('NOT_FOUND', `no order ${command.orderId}`);
        store_js_1.store.orders.set(command.orderId, { ...found.value, status: 'cancelled' });
        await __catga.publishCompiled(context, new messages_js_1.OrderCancelled(command.orderId, command.reason ?? null));
    }
    /* handle() compiled by @catga/transformer: returns the CatgaResult itself, in one async frame */
    async [__catga.FUSED_HANDLE](command, context, call) {
        try {
            const found = await __catga.sendCompiled(context, new messages_js_1.GetOrder(command.orderId));
            if (!found.ok)
                throw found.error;
            if (found.value === null)
                throw new runtime_1.CatgaError('NOT_FOUND', `no order ${command.orderId}`);
            store_js_1.store.orders.set(command.orderId, { ...found.value, status: 'cancelled' });
            await __catga.publishCompiled(context, new messages_js_1.OrderCancelled(command.orderId, command.reason ?? null));
            return call.ok(undefined);
        }
        catch (thrown) {
            return call.fail(thrown, context);
        }
    }
};
exports.CancelOrderHandler = CancelOrderHandler;
exports.CancelOrderHandler = CancelOrderHandler = __decorate([
    (0, runtime_1.CatgaHandler)()
], CancelOrderHandler);
__catga.defineHandler(CancelOrderHandler, {
    message: __catga_m0.CancelOrder,
    returns: "promise",
    invoke: (handler, message, context) => handler.handle(message, context),
    fused: true,
    source: "src/handlers.ts:17",
});
let GetOrderHandler = class GetOrderHandler {
    async handle(query) {
        return store_js_1.store.orders.get(query.orderId) ?? null;
    }
    /* handle() compiled by @catga/transformer: returns the CatgaResult itself, in one async frame */
    async [__catga.FUSED_HANDLE](query, context, call) {
        try {
            return call.ok(store_js_1.store.orders.get(query.orderId) ?? null);
        }
        catch (thrown) {
            return call.fail(thrown, context);
        }
    }
};
exports.GetOrderHandler = GetOrderHandler;
exports.GetOrderHandler = GetOrderHandler = __decorate([
    (0, runtime_1.CatgaHandler)(messages_js_1.GetOrder)
], GetOrderHandler);
__catga.defineHandler(GetOrderHandler, {
    message: __catga_m0.GetOrder,
    returns: "promise",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    source: "src/handlers.ts:28",
});
/** Synchronous: returns a value. */
let PingHandler = class PingHandler {
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
exports.PingHandler = PingHandler;
exports.PingHandler = PingHandler = __decorate([
    (0, runtime_1.CatgaHandler)(messages_js_1.Ping)
], PingHandler);
__catga.defineHandler(PingHandler, {
    message: __catga_m0.Ping,
    returns: "value",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    source: "src/handlers.ts:36",
});
let AuditOrderPlaced = class AuditOrderPlaced {
    handle(event) {
        store_js_1.store.audit.push(`placed ${event.orderId} (${event.lines} lines) at ${event.at.toISOString()}`);
    }
    /* handle() compiled by @catga/transformer: returns the CatgaResult itself, in one async frame */
    async [__catga.FUSED_HANDLE](event, context, call) {
        try {
            store_js_1.store.audit.push(`placed ${event.orderId} (${event.lines} lines) at ${event.at.toISOString()}`);
            return call.ok(undefined);
        }
        catch (thrown) {
            return call.fail(thrown, context);
        }
    }
};
exports.AuditOrderPlaced = AuditOrderPlaced;
exports.AuditOrderPlaced = AuditOrderPlaced = __decorate([
    (0, runtime_1.CatgaHandler)(messages_js_1.OrderPlaced)
], AuditOrderPlaced);
__catga.defineHandler(AuditOrderPlaced, {
    message: __catga_m0.OrderPlaced,
    returns: "value",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    source: "src/handlers.ts:43",
});
let NotifyOrderPlaced = class NotifyOrderPlaced {
    async handle(event) {
        store_js_1.store.notifications.push(`notify ${event.orderId}`);
    }
    /* handle() compiled by @catga/transformer: returns the CatgaResult itself, in one async frame */
    async [__catga.FUSED_HANDLE](event, context, call) {
        try {
            store_js_1.store.notifications.push(`notify ${event.orderId}`);
            return call.ok(undefined);
        }
        catch (thrown) {
            return call.fail(thrown, context);
        }
    }
};
exports.NotifyOrderPlaced = NotifyOrderPlaced;
exports.NotifyOrderPlaced = NotifyOrderPlaced = __decorate([
    (0, runtime_1.CatgaHandler)(messages_js_1.OrderPlaced)
], NotifyOrderPlaced);
__catga.defineHandler(NotifyOrderPlaced, {
    message: __catga_m0.OrderPlaced,
    returns: "promise",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    source: "src/handlers.ts:50",
});
let AuditOrderCancelled = class AuditOrderCancelled {
    handle(event) {
        store_js_1.store.audit.push(`cancelled ${event.orderId}: ${event.reason ?? 'no reason'}`);
    }
    /* handle() compiled by @catga/transformer: returns the CatgaResult itself, in one async frame */
    async [__catga.FUSED_HANDLE](event, context, call) {
        try {
            store_js_1.store.audit.push(`cancelled ${event.orderId}: ${event.reason ?? 'no reason'}`);
            return call.ok(undefined);
        }
        catch (thrown) {
            return call.fail(thrown, context);
        }
    }
};
exports.AuditOrderCancelled = AuditOrderCancelled;
exports.AuditOrderCancelled = AuditOrderCancelled = __decorate([
    (0, runtime_1.CatgaHandler)(messages_js_1.OrderCancelled)
], AuditOrderCancelled);
__catga.defineHandler(AuditOrderCancelled, {
    message: __catga_m0.OrderCancelled,
    returns: "value",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    source: "src/handlers.ts:57",
});
