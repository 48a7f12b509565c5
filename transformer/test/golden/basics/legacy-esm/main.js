import * as __catga from "@catga/runtime";
import { createCatga } from '@catga/runtime';
import { AuditOrderCancelled, AuditOrderPlaced, CancelOrderHandler, GetOrderHandler, NotifyOrderPlaced, PingHandler, PlaceOrderHandler, } from './handlers.js';
import { CancelOrder, GetOrder, OrderPlaced, Ping, PlaceOrder } from './messages.js';
import { store } from './store.js';
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
    return { orders: [...store.orders.values()], audit: [...store.audit], notifications: [...store.notifications] };
}
async function main() {
    const policy = (process.env['CATGA_UNTRANSFORMED'] ?? 'throw');
    // A circuit breaker and a timeout make each route's hooked run: the generated pipeline in the transformed build.
    const builder = createCatga({ untransformed: policy })
        .withLogging(false)
        .withCircuitBreaker({})
        .withTimeout({ timeoutMs: 10_000 })
        .handler(PlaceOrderHandler)
        .handler(GetOrderHandler)
        .handler(PingHandler)
        .handler(AuditOrderPlaced)
        .handler(NotifyOrderPlaced)
        .handler(AuditOrderCancelled);
    // `@CatgaHandler()` names no message: only compiled code can register it.
    let cancelRegistration = 'ok';
    try {
        builder.handler(CancelOrderHandler);
    }
    catch (error) {
        cancelRegistration = error.message;
    }
    const catga = builder.build();
    const placed = await __catga.sendCompiled(catga, new PlaceOrder('c1', [{ sku: 'A-1', quantity: 2 }, { sku: 'B-2', quantity: 100 }], { street: '1 Main St', zip: '12345', note: 'leave at door' }, 'high', new Date(Date.UTC(2026, 0, 9))));
    const minimal = await __catga.sendCompiled(catga, new PlaceOrder('c2', [], { street: '2 Side St', zip: '54321' }));
    const valid = {
        placeOrder: summary(placed),
        placeOrderMinimal: summary(minimal),
        getOrder: summary(await __catga.sendCompiled(catga, new GetOrder('order-c1-1'))),
        getMissingOrder: summary(await __catga.sendCompiled(catga, new GetOrder('nope'))),
        ping: summary(await __catga.sendCompiled(catga, new Ping(2))),
        publish: summary(await __catga.publishCompiled(catga, new OrderPlaced('manual', 0, new Date(Date.UTC(2026, 0, 3))))),
        effects: snapshot(),
    };
    const cancel = {
        registration: cancelRegistration,
        cancelOrder: summary(await __catga.sendCompiled(catga, new CancelOrder('order-c1-1', 'changed my mind'))),
        cancelMissing: summary(await __catga.sendCompiled(catga, new CancelOrder('nope'))),
        effects: snapshot(),
    };
    // Invalid input, built around the constructors' types the way data from the outside arrives.
    const bad = (value) => value;
    const invalid = {
        placeOrder: summary(await __catga.sendCompiled(catga, new PlaceOrder('', [{ sku: '', quantity: 1.5 }, bad({ sku: 7, quantity: 101 }), bad(null)], bad({ street: '', zip: '1234x', note: 5 }), bad('urgent'), new Date(Number.NaN)))),
        placeOrderMissingFields: summary(await __catga.sendCompiled(catga, new PlaceOrder(bad(undefined), bad('not-an-array'), bad(undefined)))),
        ping: summary(await __catga.sendCompiled(catga, new Ping(11))),
        pingNotANumber: summary(await __catga.sendCompiled(catga, new Ping(bad('3')))),
        getOrder: summary(await __catga.sendCompiled(catga, new GetOrder(bad(42)))),
        getOrderEmptyId: summary(await __catga.sendCompiled(catga, new GetOrder(''))),
        effects: snapshot(),
    };
    console.log(JSON.stringify({ valid, cancel, invalid }));
    await catga.close();
}
main().catch((error) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exitCode = 1;
});
