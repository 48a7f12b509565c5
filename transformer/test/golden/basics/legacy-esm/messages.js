var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
import * as __catga from "@catga/runtime";
import { CatgaCommand, CatgaEvent, CatgaQuery, Command, Event, Query } from '@catga/runtime';
/** A command with a result, nested objects, arrays, an optional Date and a literal union. */
let PlaceOrder = class PlaceOrder extends Command {
    /** @minLength 1 */
    customerId;
    lines;
    shipTo;
    priority;
    deliverBy;
    constructor(customerId, lines, shipTo, priority = 'normal', deliverBy) {
        super();
        this.customerId = customerId;
        this.lines = lines;
        this.shipTo = shipTo;
        this.priority = priority;
        if (deliverBy !== undefined)
            this.deliverBy = deliverBy;
    }
};
PlaceOrder = __decorate([
    CatgaCommand({ timeoutMs: 5000 })
], PlaceOrder);
export { PlaceOrder };
__catga.defineContract(PlaceOrder, {
    typeName: "PlaceOrder",
    kind: "command",
    subject: "cmd.PlaceOrder",
    result: "{ orderId: string; lines: number; }",
    fields: [
        { name: "customerId", type: "string", optional: false },
        { name: "lines", type: "readonly OrderLine[]", optional: false },
        { name: "shipTo", type: "Address", optional: false },
        { name: "priority", type: "Priority", optional: false },
        { name: "deliverBy", type: "Date | undefined", optional: true },
    ],
    record: ["customerId","lines","shipTo","priority","deliverBy","messageId","correlationId","causationId","createdAt"],
    validate: function validatePlaceOrder(m) {
        const issues = [];
        if (!(typeof m.customerId === "string")) issues.push({ field: "customerId", rule: "type", message: "must be a string" });
        else {
            if (m.customerId.length < 1) issues.push({ field: "customerId", rule: "minLength", message: "must have at least 1 characters" });
        }
        if (!(Array.isArray(m.lines))) issues.push({ field: "lines", rule: "type", message: "must be an array" });
        else {
            for (let i0 = 0; i0 < m.lines.length; i0++) {
                if (!(typeof m.lines[i0] === "object" && m.lines[i0] !== null && !Array.isArray(m.lines[i0]))) issues.push({ field: "lines" + "[" + i0 + "]", rule: "type", message: "must be an object" });
                else {
                    if (!(typeof m.lines[i0].sku === "string")) issues.push({ field: "lines" + "[" + i0 + "]" + ".sku", rule: "type", message: "must be a string" });
                    else {
                        if (m.lines[i0].sku.length < 1) issues.push({ field: "lines" + "[" + i0 + "]" + ".sku", rule: "minLength", message: "must have at least 1 characters" });
                    }
                    if (!(typeof m.lines[i0].quantity === "number")) issues.push({ field: "lines" + "[" + i0 + "]" + ".quantity", rule: "type", message: "must be a number" });
                    else {
                        if (!Number.isInteger(m.lines[i0].quantity)) issues.push({ field: "lines" + "[" + i0 + "]" + ".quantity", rule: "integer", message: "must be an integer" });
                        if (m.lines[i0].quantity < 1) issues.push({ field: "lines" + "[" + i0 + "]" + ".quantity", rule: "minimum", message: "must be >= 1" });
                        if (m.lines[i0].quantity > 100) issues.push({ field: "lines" + "[" + i0 + "]" + ".quantity", rule: "maximum", message: "must be <= 100" });
                    }
                }
            }
        }
        if (!(typeof m.shipTo === "object" && m.shipTo !== null && !Array.isArray(m.shipTo))) issues.push({ field: "shipTo", rule: "type", message: "must be an object" });
        else {
            if (!(typeof m.shipTo.street === "string")) issues.push({ field: "shipTo" + ".street", rule: "type", message: "must be a string" });
            else {
                if (m.shipTo.street.length < 1) issues.push({ field: "shipTo" + ".street", rule: "minLength", message: "must have at least 1 characters" });
            }
            if (!(typeof m.shipTo.zip === "string")) issues.push({ field: "shipTo" + ".zip", rule: "type", message: "must be a string" });
            else {
                if (!/^[0-9]{5}$/.test(m.shipTo.zip)) issues.push({ field: "shipTo" + ".zip", rule: "pattern", message: "must match /^[0-9]{5}$/" });
            }
            if (m.shipTo.note !== undefined) {
                if (!(typeof m.shipTo.note === "string")) issues.push({ field: "shipTo" + ".note", rule: "type", message: "must be a string" });
            }
        }
        if (!(m.priority === "low" || m.priority === "normal" || m.priority === "high")) issues.push({ field: "priority", rule: "type", message: "must be \"low\" | \"normal\" | \"high\"" });
        if (m.deliverBy !== undefined) {
            if (!(m.deliverBy instanceof Date && !Number.isNaN(m.deliverBy.getTime()))) issues.push({ field: "deliverBy", rule: "type", message: "must be a valid Date" });
        }
        return issues.length === 0 ? undefined : issues;
    },
    source: "src/messages.ts:34",
});
/** A command without a result; its handler is declared with `@CatgaHandler()` and sends and publishes. */
let CancelOrder = class CancelOrder extends Command {
    orderId;
    reason;
    constructor(orderId, reason) {
        super();
        this.orderId = orderId;
        this.reason = reason;
    }
};
CancelOrder = __decorate([
    CatgaCommand()
], CancelOrder);
export { CancelOrder };
__catga.defineContract(CancelOrder, {
    typeName: "CancelOrder",
    kind: "command",
    subject: "cmd.CancelOrder",
    result: "void",
    fields: [
        { name: "orderId", type: "string", optional: false },
        { name: "reason", type: "string | undefined", optional: true },
    ],
    record: ["orderId","reason","messageId","correlationId","causationId","createdAt"],
    validate: function validateCancelOrder(m) {
        const issues = [];
        if (!(typeof m.orderId === "string")) issues.push({ field: "orderId", rule: "type", message: "must be a string" });
        if (m.reason !== undefined) {
            if (!(typeof m.reason === "string")) issues.push({ field: "reason", rule: "type", message: "must be a string" });
        }
        return issues.length === 0 ? undefined : issues;
    },
    source: "src/messages.ts:54",
});
/** A query. */
let GetOrder = class GetOrder extends Query {
    orderId;
    constructor(
    /** JSDoc on a parameter property counts too. @minLength 1 */
    orderId) {
        super();
        this.orderId = orderId;
    }
};
GetOrder = __decorate([
    CatgaQuery({ name: 'GetOrderById' })
], GetOrder);
export { GetOrder };
__catga.defineContract(GetOrder, {
    typeName: "GetOrderById",
    kind: "query",
    subject: "qry.GetOrderById",
    result: "OrderView | null",
    fields: [
        { name: "orderId", type: "string", optional: false },
    ],
    record: ["orderId","messageId","correlationId","causationId","createdAt"],
    validate: function validateGetOrder(m) {
        const issues = [];
        if (!(typeof m.orderId === "string")) issues.push({ field: "orderId", rule: "type", message: "must be a string" });
        else {
            if (m.orderId.length < 1) issues.push({ field: "orderId", rule: "minLength", message: "must have at least 1 characters" });
        }
        return issues.length === 0 ? undefined : issues;
    },
    source: "src/messages.ts:65",
});
/** A command whose handler is synchronous (returns a value, not a promise). */
let Ping = class Ping extends Command {
    /**
     * @minimum 0
     * @maximum 10
     */
    times;
    constructor(times) {
        super();
        this.times = times;
    }
};
Ping = __decorate([
    CatgaCommand()
], Ping);
export { Ping };
__catga.defineContract(Ping, {
    typeName: "Ping",
    kind: "command",
    subject: "cmd.Ping",
    result: "string",
    fields: [
        { name: "times", type: "number", optional: false },
    ],
    record: ["times","messageId","correlationId","causationId","createdAt"],
    validate: function validatePing(m) {
        const issues = [];
        if (!(typeof m.times === "number")) issues.push({ field: "times", rule: "type", message: "must be a number" });
        else {
            if (m.times < 0) issues.push({ field: "times", rule: "minimum", message: "must be >= 0" });
            if (m.times > 10) issues.push({ field: "times", rule: "maximum", message: "must be <= 10" });
        }
        return issues.length === 0 ? undefined : issues;
    },
    source: "src/messages.ts:76",
});
/** An event with two handlers. */
let OrderPlaced = class OrderPlaced extends Event {
    orderId;
    lines;
    at;
    constructor(orderId, lines, at) {
        super();
        this.orderId = orderId;
        this.lines = lines;
        this.at = at;
    }
};
OrderPlaced = __decorate([
    CatgaEvent()
], OrderPlaced);
export { OrderPlaced };
__catga.defineContract(OrderPlaced, {
    typeName: "OrderPlaced",
    kind: "event",
    subject: "evt.OrderPlaced",
    fields: [
        { name: "orderId", type: "string", optional: false },
        { name: "lines", type: "number", optional: false },
        { name: "at", type: "Date", optional: false },
    ],
    record: ["orderId","lines","at","messageId","correlationId","causationId","createdAt"],
    validate: function validateOrderPlaced(m) {
        const issues = [];
        if (!(typeof m.orderId === "string")) issues.push({ field: "orderId", rule: "type", message: "must be a string" });
        if (!(typeof m.lines === "number")) issues.push({ field: "lines", rule: "type", message: "must be a number" });
        if (!(m.at instanceof Date && !Number.isNaN(m.at.getTime()))) issues.push({ field: "at", rule: "type", message: "must be a valid Date" });
        return issues.length === 0 ? undefined : issues;
    },
    source: "src/messages.ts:91",
});
let OrderCancelled = class OrderCancelled extends Event {
    orderId;
    reason;
    constructor(orderId, reason) {
        super();
        this.orderId = orderId;
        this.reason = reason;
    }
};
OrderCancelled = __decorate([
    CatgaEvent()
], OrderCancelled);
export { OrderCancelled };
__catga.defineContract(OrderCancelled, {
    typeName: "OrderCancelled",
    kind: "event",
    subject: "evt.OrderCancelled",
    fields: [
        { name: "orderId", type: "string", optional: false },
        { name: "reason", type: "string | null", optional: false },
    ],
    record: ["orderId","reason","messageId","correlationId","causationId","createdAt"],
    validate: function validateOrderCancelled(m) {
        const issues = [];
        if (!(typeof m.orderId === "string")) issues.push({ field: "orderId", rule: "type", message: "must be a string" });
        if (!(m.reason === null || typeof m.reason === "string")) issues.push({ field: "reason", rule: "type", message: "must be null | a string" });
        return issues.length === 0 ? undefined : issues;
    },
    source: "src/messages.ts:102",
});
