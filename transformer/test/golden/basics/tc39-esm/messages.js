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
import { CatgaCommand, CatgaEvent, CatgaQuery, Command, Event, Query } from '@catga/runtime';
/** A command with a result, nested objects, arrays, an optional Date and a literal union. */
let PlaceOrder = (() => {
    let _classDecorators = [CatgaCommand({ timeoutMs: 5000 })];
    let _classDescriptor;
    let _classExtraInitializers = [];
    let _classThis;
    let _classSuper = Command;
    var PlaceOrder = class extends _classSuper {
        static { _classThis = this; }
        static {
            const _metadata = typeof Symbol === "function" && Symbol.metadata ? Object.create(_classSuper[Symbol.metadata] ?? null) : void 0;
            __esDecorate(null, _classDescriptor = { value: _classThis }, _classDecorators, { kind: "class", name: _classThis.name, metadata: _metadata }, null, _classExtraInitializers);
            PlaceOrder = _classThis = _classDescriptor.value;
            if (_metadata) Object.defineProperty(_classThis, Symbol.metadata, { enumerable: true, configurable: true, writable: true, value: _metadata });
            __runInitializers(_classThis, _classExtraInitializers);
        }
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
    return PlaceOrder = _classThis;
})();
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
let CancelOrder = (() => {
    let _classDecorators = [CatgaCommand()];
    let _classDescriptor;
    let _classExtraInitializers = [];
    let _classThis;
    let _classSuper = Command;
    var CancelOrder = class extends _classSuper {
        static { _classThis = this; }
        static {
            const _metadata = typeof Symbol === "function" && Symbol.metadata ? Object.create(_classSuper[Symbol.metadata] ?? null) : void 0;
            __esDecorate(null, _classDescriptor = { value: _classThis }, _classDecorators, { kind: "class", name: _classThis.name, metadata: _metadata }, null, _classExtraInitializers);
            CancelOrder = _classThis = _classDescriptor.value;
            if (_metadata) Object.defineProperty(_classThis, Symbol.metadata, { enumerable: true, configurable: true, writable: true, value: _metadata });
            __runInitializers(_classThis, _classExtraInitializers);
        }
        orderId;
        reason;
        constructor(orderId, reason) {
            super();
            this.orderId = orderId;
            this.reason = reason;
        }
    };
    return CancelOrder = _classThis;
})();
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
let GetOrder = (() => {
    let _classDecorators = [CatgaQuery({ name: 'GetOrderById' })];
    let _classDescriptor;
    let _classExtraInitializers = [];
    let _classThis;
    let _classSuper = Query;
    var GetOrder = class extends _classSuper {
        static { _classThis = this; }
        static {
            const _metadata = typeof Symbol === "function" && Symbol.metadata ? Object.create(_classSuper[Symbol.metadata] ?? null) : void 0;
            __esDecorate(null, _classDescriptor = { value: _classThis }, _classDecorators, { kind: "class", name: _classThis.name, metadata: _metadata }, null, _classExtraInitializers);
            GetOrder = _classThis = _classDescriptor.value;
            if (_metadata) Object.defineProperty(_classThis, Symbol.metadata, { enumerable: true, configurable: true, writable: true, value: _metadata });
            __runInitializers(_classThis, _classExtraInitializers);
        }
        orderId;
        constructor(
        /** JSDoc on a parameter property counts too. @minLength 1 */
        orderId) {
            super();
            this.orderId = orderId;
        }
    };
    return GetOrder = _classThis;
})();
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
let Ping = (() => {
    let _classDecorators = [CatgaCommand()];
    let _classDescriptor;
    let _classExtraInitializers = [];
    let _classThis;
    let _classSuper = Command;
    var Ping = class extends _classSuper {
        static { _classThis = this; }
        static {
            const _metadata = typeof Symbol === "function" && Symbol.metadata ? Object.create(_classSuper[Symbol.metadata] ?? null) : void 0;
            __esDecorate(null, _classDescriptor = { value: _classThis }, _classDecorators, { kind: "class", name: _classThis.name, metadata: _metadata }, null, _classExtraInitializers);
            Ping = _classThis = _classDescriptor.value;
            if (_metadata) Object.defineProperty(_classThis, Symbol.metadata, { enumerable: true, configurable: true, writable: true, value: _metadata });
            __runInitializers(_classThis, _classExtraInitializers);
        }
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
    return Ping = _classThis;
})();
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
let OrderPlaced = (() => {
    let _classDecorators = [CatgaEvent()];
    let _classDescriptor;
    let _classExtraInitializers = [];
    let _classThis;
    let _classSuper = Event;
    var OrderPlaced = class extends _classSuper {
        static { _classThis = this; }
        static {
            const _metadata = typeof Symbol === "function" && Symbol.metadata ? Object.create(_classSuper[Symbol.metadata] ?? null) : void 0;
            __esDecorate(null, _classDescriptor = { value: _classThis }, _classDecorators, { kind: "class", name: _classThis.name, metadata: _metadata }, null, _classExtraInitializers);
            OrderPlaced = _classThis = _classDescriptor.value;
            if (_metadata) Object.defineProperty(_classThis, Symbol.metadata, { enumerable: true, configurable: true, writable: true, value: _metadata });
            __runInitializers(_classThis, _classExtraInitializers);
        }
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
    return OrderPlaced = _classThis;
})();
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
let OrderCancelled = (() => {
    let _classDecorators = [CatgaEvent()];
    let _classDescriptor;
    let _classExtraInitializers = [];
    let _classThis;
    let _classSuper = Event;
    var OrderCancelled = class extends _classSuper {
        static { _classThis = this; }
        static {
            const _metadata = typeof Symbol === "function" && Symbol.metadata ? Object.create(_classSuper[Symbol.metadata] ?? null) : void 0;
            __esDecorate(null, _classDescriptor = { value: _classThis }, _classDecorators, { kind: "class", name: _classThis.name, metadata: _metadata }, null, _classExtraInitializers);
            OrderCancelled = _classThis = _classDescriptor.value;
            if (_metadata) Object.defineProperty(_classThis, Symbol.metadata, { enumerable: true, configurable: true, writable: true, value: _metadata });
            __runInitializers(_classThis, _classExtraInitializers);
        }
        orderId;
        reason;
        constructor(orderId, reason) {
            super();
            this.orderId = orderId;
            this.reason = reason;
        }
    };
    return OrderCancelled = _classThis;
})();
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
