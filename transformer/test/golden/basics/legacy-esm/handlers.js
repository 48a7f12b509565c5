var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
import * as __catga from "@catga/runtime";
import * as __catga_m0 from "./messages.js";
import { CatgaError, CatgaHandler } from '@catga/runtime';
import { GetOrder, OrderCancelled, OrderPlaced, Ping, PlaceOrder } from './messages.js';
import { store } from './store.js';
let PlaceOrderHandler = class PlaceOrderHandler {
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
PlaceOrderHandler = __decorate([
    CatgaHandler(PlaceOrder)
], PlaceOrderHandler);
export { PlaceOrderHandler };
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
CancelOrderHandler = __decorate([
    CatgaHandler()
], CancelOrderHandler);
export { CancelOrderHandler };
__catga.defineHandler(CancelOrderHandler, {
    message: __catga_m0.CancelOrder,
    returns: "promise",
    invoke: (handler, message, context) => handler.handle(message, context),
    fused: true,
    source: "src/handlers.ts:17",
});
let GetOrderHandler = class GetOrderHandler {
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
GetOrderHandler = __decorate([
    CatgaHandler(GetOrder)
], GetOrderHandler);
export { GetOrderHandler };
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
PingHandler = __decorate([
    CatgaHandler(Ping)
], PingHandler);
export { PingHandler };
__catga.defineHandler(PingHandler, {
    message: __catga_m0.Ping,
    returns: "value",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    source: "src/handlers.ts:36",
});
let AuditOrderPlaced = class AuditOrderPlaced {
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
AuditOrderPlaced = __decorate([
    CatgaHandler(OrderPlaced)
], AuditOrderPlaced);
export { AuditOrderPlaced };
__catga.defineHandler(AuditOrderPlaced, {
    message: __catga_m0.OrderPlaced,
    returns: "value",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    source: "src/handlers.ts:43",
});
let NotifyOrderPlaced = class NotifyOrderPlaced {
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
NotifyOrderPlaced = __decorate([
    CatgaHandler(OrderPlaced)
], NotifyOrderPlaced);
export { NotifyOrderPlaced };
__catga.defineHandler(NotifyOrderPlaced, {
    message: __catga_m0.OrderPlaced,
    returns: "promise",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    source: "src/handlers.ts:50",
});
let AuditOrderCancelled = class AuditOrderCancelled {
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
AuditOrderCancelled = __decorate([
    CatgaHandler(OrderCancelled)
], AuditOrderCancelled);
export { AuditOrderCancelled };
__catga.defineHandler(AuditOrderCancelled, {
    message: __catga_m0.OrderCancelled,
    returns: "value",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    source: "src/handlers.ts:57",
});
