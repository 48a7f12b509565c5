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
const __catga = __importStar(require("@catga/runtime"));
const runtime_1 = require("@catga/runtime");
const handlers_js_1 = require("./handlers.js");
const messages_js_1 = require("./messages.js");
const store_js_1 = require("./store.js");
// Prints one JSON line: what each send/publish returned, and what the handlers did. The golden tests run it compiled
// by the transformer (untransformed: 'throw' must pass) and compiled by plain tsc (CATGA_UNTRANSFORMED=allow|throw).
/** A result as data: the value, or the error code with the validation issues as `field: rule`. */
function summary(result) {
    if (result.ok)
        return { ok: true, value: result.value ?? null };
    const errors = result.error.details.errors;
    return { ok: false, code: result.error.code, issues: errors?.map((issue) => `${issue.field}: ${issue.rule}`) };
}
function snapshot() {
    return { orders: [...store_js_1.store.orders.values()], audit: [...store_js_1.store.audit], notifications: [...store_js_1.store.notifications] };
}
async function main() {
    const policy = (process.env['CATGA_UNTRANSFORMED'] ?? 'throw');
    // A circuit breaker and a timeout make each route's hooked run: the generated pipeline in the transformed build.
    const builder = (0, runtime_1.createCatga)({ untransformed: policy })
        .withLogging(false)
        .withCircuitBreaker({})
        .withTimeout({ timeoutMs: 10_000 })
        .handler(handlers_js_1.PlaceOrderHandler)
        .handler(handlers_js_1.GetOrderHandler)
        .handler(handlers_js_1.PingHandler)
        .handler(handlers_js_1.AuditOrderPlaced)
        .handler(handlers_js_1.NotifyOrderPlaced)
        .handler(handlers_js_1.AuditOrderCancelled);
    // `@CatgaHandler()` names no message: only compiled code can register it.
    let cancelRegistration = 'ok';
    try {
        builder.handler(handlers_js_1.CancelOrderHandler);
    }
    catch (error) {
        cancelRegistration = error.message;
    }
    const catga = builder.build();
    const placed = await __catga.sendCompiled(catga, new messages_js_1.PlaceOrder('c1', [{ sku: 'A-1', quantity: 2 }, { sku: 'B-2', quantity: 100 }], { street: '1 Main St', zip: '12345', note: 'leave at door' }, 'high', new Date(Date.UTC(2026, 0, 9))));
    const minimal = await __catga.sendCompiled(catga, new messages_js_1.PlaceOrder('c2', [], { street: '2 Side St', zip: '54321' }));
    const valid = {
        placeOrder: summary(placed),
        placeOrderMinimal: summary(minimal),
        getOrder: summary(await __catga.sendCompiled(catga, new messages_js_1.GetOrder('order-c1-1'))),
        getMissingOrder: summary(await __catga.sendCompiled(catga, new messages_js_1.GetOrder('nope'))),
        ping: summary(await __catga.sendCompiled(catga, new messages_js_1.Ping(2))),
        publish: summary(await __catga.publishCompiled(catga, new messages_js_1.OrderPlaced('manual', 0, new Date(Date.UTC(2026, 0, 3))))),
        effects: snapshot(),
    };
    const cancel = {
        registration: cancelRegistration,
        cancelOrder: summary(await __catga.sendCompiled(catga, new messages_js_1.CancelOrder('order-c1-1', 'changed my mind'))),
        cancelMissing: summary(await __catga.sendCompiled(catga, new messages_js_1.CancelOrder('nope'))),
        effects: snapshot(),
    };
    // Invalid input, built around the constructors' types the way data from the outside arrives.
    const bad = (value) => value;
    const invalid = {
        placeOrder: summary(await __catga.sendCompiled(catga, new messages_js_1.PlaceOrder('', [{ sku: '', quantity: 1.5 }, bad({ sku: 7, quantity: 101 }), bad(null)], bad({ street: '', zip: '1234x', note: 5 }), bad('urgent'), new Date(Number.NaN)))),
        placeOrderMissingFields: summary(await __catga.sendCompiled(catga, new messages_js_1.PlaceOrder(bad(undefined), bad('not-an-array'), bad(undefined)))),
        ping: summary(await __catga.sendCompiled(catga, new messages_js_1.Ping(11))),
        pingNotANumber: summary(await __catga.sendCompiled(catga, new messages_js_1.Ping(bad('3')))),
        getOrder: summary(await __catga.sendCompiled(catga, new messages_js_1.GetOrder(bad(42)))),
        getOrderEmptyId: summary(await __catga.sendCompiled(catga, new messages_js_1.GetOrder(''))),
        effects: snapshot(),
    };
    console.log(JSON.stringify({ valid, cancel, invalid }));
    await catga.close();
}
main().catch((error) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exitCode = 1;
});
