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
/** The pipeline of PlaceOrderHandler for one route, compiled by @catga/transformer: the route's hooked behaviours in order around route.inner. */
const __catga_pipeline_PlaceOrderHandler = (slots, route) => {
    const [tracing, metrics, logging, validation, circuitBreaker, deadLetter, timeout] = slots;
    /** One call of PlaceOrder: its message, its start, and what each slot's enter() gave its leave(). */
    class Run {
        constructor(message, startedAt) {
            this.message = message;
            this.startedAt = startedAt;
            this.tracing = undefined;
            this.metrics = undefined;
            this.logging = undefined;
            this.circuitBreaker = undefined;
            this.deadLetter = undefined;
        }
        // enterX: slot X's enter() and the slots inside it. leaveX: its leave() and the slots outside it, down to slot `first`.
        enterTracing(first, context) {
            if (tracing !== undefined) {
                let state;
                try {
                    state = tracing.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "tracing", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(route.end(state.result));
                this.tracing = state;
                if (tracing.within !== undefined) {
                    let scoped;
                    try {
                        scoped = tracing.within(state, context, (inside) => this.enterMetrics(1, inside));
                    } catch (thrown) {
                        scoped = Promise.resolve(route.failed(thrown, "tracing", context));
                    }
                    if (scoped !== undefined) return scoped.then((done) => this.leaveTracing(done, first, context), (thrown) => this.leaveTracing(route.failed(thrown, "tracing", context), first, context));
                }
            }
            return this.enterMetrics(first, context);
        }
        leaveTracing(done, _first, context) {
            if (tracing !== undefined && tracing.leave !== undefined) {
                let left;
                try {
                    left = tracing.leave(this.tracing, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "tracing", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => route.end(settled), (thrown) => route.end(route.failed(thrown, "tracing", context)));
                done = left;
            }
            return route.end(done);
        }
        enterMetrics(first, context) {
            if (metrics !== undefined) {
                let state;
                try {
                    state = metrics.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "metrics", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 1 ? state.result : this.leaveTracing(state.result, first, context));
                this.metrics = state;
            }
            return this.enterLogging(first, context);
        }
        leaveMetrics(done, first, context) {
            if (metrics !== undefined && metrics.leave !== undefined) {
                let left;
                try {
                    left = metrics.leave(this.metrics, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "metrics", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 1 ? settled : this.leaveTracing(settled, first, context), (thrown) => first === 1 ? route.failed(thrown, "metrics", context) : this.leaveTracing(route.failed(thrown, "metrics", context), first, context));
                done = left;
            }
            return first === 1 ? done : this.leaveTracing(done, first, context);
        }
        enterLogging(first, context) {
            if (logging !== undefined) {
                let state;
                try {
                    state = logging.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "logging", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 2 ? state.result : this.leaveMetrics(state.result, first, context));
                this.logging = state;
            }
            return this.enterValidation(first, context);
        }
        leaveLogging(done, first, context) {
            if (logging !== undefined && logging.leave !== undefined) {
                let left;
                try {
                    left = logging.leave(this.logging, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "logging", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 2 ? settled : this.leaveMetrics(settled, first, context), (thrown) => first === 2 ? route.failed(thrown, "logging", context) : this.leaveMetrics(route.failed(thrown, "logging", context), first, context));
                done = left;
            }
            return first === 2 ? done : this.leaveMetrics(done, first, context);
        }
        enterValidation(first, context) {
            if (validation !== undefined) {
                let state;
                try {
                    state = validation.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "validation", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 3 ? state.result : this.leaveLogging(state.result, first, context));
            }
            return this.enterCircuitBreaker(first, context);
        }
        leaveValidation(done, first, context) {
            return first === 3 ? done : this.leaveLogging(done, first, context);
        }
        enterCircuitBreaker(first, context) {
            if (circuitBreaker !== undefined) {
                let state;
                try {
                    state = circuitBreaker.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "circuit-breaker", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 4 ? state.result : this.leaveValidation(state.result, first, context));
                this.circuitBreaker = state;
            }
            return this.enterDeadLetter(first, context);
        }
        leaveCircuitBreaker(done, first, context) {
            if (circuitBreaker !== undefined && circuitBreaker.leave !== undefined) {
                let left;
                try {
                    left = circuitBreaker.leave(this.circuitBreaker, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "circuit-breaker", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 4 ? settled : this.leaveValidation(settled, first, context), (thrown) => first === 4 ? route.failed(thrown, "circuit-breaker", context) : this.leaveValidation(route.failed(thrown, "circuit-breaker", context), first, context));
                done = left;
            }
            return first === 4 ? done : this.leaveValidation(done, first, context);
        }
        enterDeadLetter(first, context) {
            if (deadLetter !== undefined) {
                let state;
                try {
                    state = deadLetter.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "dead-letter", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 5 ? state.result : this.leaveCircuitBreaker(state.result, first, context));
                this.deadLetter = state;
            }
            return this.enterTimeout(first, context);
        }
        leaveDeadLetter(done, first, context) {
            if (deadLetter !== undefined && deadLetter.leave !== undefined) {
                let left;
                try {
                    left = deadLetter.leave(this.deadLetter, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "dead-letter", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 5 ? settled : this.leaveCircuitBreaker(settled, first, context), (thrown) => first === 5 ? route.failed(thrown, "dead-letter", context) : this.leaveCircuitBreaker(route.failed(thrown, "dead-letter", context), first, context));
                done = left;
            }
            return first === 5 ? done : this.leaveCircuitBreaker(done, first, context);
        }
        enterTimeout(first, context) {
            if (timeout !== undefined) {
                let state;
                try {
                    state = timeout.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "timeout", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 6 ? state.result : this.leaveDeadLetter(state.result, first, context));
                if (timeout.within !== undefined) {
                    let scoped;
                    try {
                        scoped = timeout.within(state, context, (inside) => route.inner(this.message, inside));
                    } catch (thrown) {
                        scoped = Promise.resolve(route.failed(thrown, "timeout", context));
                    }
                    if (scoped !== undefined) return scoped.then((done) => this.leaveTimeout(done, first, context), (thrown) => this.leaveTimeout(route.failed(thrown, "timeout", context), first, context));
                }
            }
            return this.callInner(first, context);
        }
        leaveTimeout(done, first, context) {
            return first === 6 ? done : this.leaveDeadLetter(done, first, context);
        }
        callInner(first, context) {
            return route.inner(this.message, context).then((done) => this.leaveTimeout(done, first, context), (thrown) => this.leaveTimeout(route.failed(thrown, route.innermost, context), first, context));
        }
    }
    return (message, context) => {
        route.start();
        return new Run(message, route.startedAt()).enterTracing(0, context);
    };
};
__catga.defineHandler(PlaceOrderHandler, {
    message: __catga_m0.PlaceOrder,
    returns: "promise",
    invoke: (handler, message, context) => handler.handle(message, context),
    fused: true,
    pipeline: {
        slots: [
            { name: "tracing", within: true, leave: true },
            { name: "metrics", within: false, leave: true },
            { name: "logging", within: false, leave: true },
            { name: "validation", within: false, leave: false },
            { name: "circuit-breaker", within: false, leave: true },
            { name: "dead-letter", within: false, leave: true },
            { name: "timeout", within: true, leave: false },
        ],
        create: __catga_pipeline_PlaceOrderHandler,
    },
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
/** The pipeline of CancelOrderHandler for one route, compiled by @catga/transformer: the route's hooked behaviours in order around route.inner. */
const __catga_pipeline_CancelOrderHandler = (slots, route) => {
    const [tracing, metrics, logging, validation, circuitBreaker, deadLetter, timeout] = slots;
    /** One call of CancelOrder: its message, its start, and what each slot's enter() gave its leave(). */
    class Run {
        constructor(message, startedAt) {
            this.message = message;
            this.startedAt = startedAt;
            this.tracing = undefined;
            this.metrics = undefined;
            this.logging = undefined;
            this.circuitBreaker = undefined;
            this.deadLetter = undefined;
        }
        // enterX: slot X's enter() and the slots inside it. leaveX: its leave() and the slots outside it, down to slot `first`.
        enterTracing(first, context) {
            if (tracing !== undefined) {
                let state;
                try {
                    state = tracing.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "tracing", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(route.end(state.result));
                this.tracing = state;
                if (tracing.within !== undefined) {
                    let scoped;
                    try {
                        scoped = tracing.within(state, context, (inside) => this.enterMetrics(1, inside));
                    } catch (thrown) {
                        scoped = Promise.resolve(route.failed(thrown, "tracing", context));
                    }
                    if (scoped !== undefined) return scoped.then((done) => this.leaveTracing(done, first, context), (thrown) => this.leaveTracing(route.failed(thrown, "tracing", context), first, context));
                }
            }
            return this.enterMetrics(first, context);
        }
        leaveTracing(done, _first, context) {
            if (tracing !== undefined && tracing.leave !== undefined) {
                let left;
                try {
                    left = tracing.leave(this.tracing, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "tracing", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => route.end(settled), (thrown) => route.end(route.failed(thrown, "tracing", context)));
                done = left;
            }
            return route.end(done);
        }
        enterMetrics(first, context) {
            if (metrics !== undefined) {
                let state;
                try {
                    state = metrics.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "metrics", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 1 ? state.result : this.leaveTracing(state.result, first, context));
                this.metrics = state;
            }
            return this.enterLogging(first, context);
        }
        leaveMetrics(done, first, context) {
            if (metrics !== undefined && metrics.leave !== undefined) {
                let left;
                try {
                    left = metrics.leave(this.metrics, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "metrics", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 1 ? settled : this.leaveTracing(settled, first, context), (thrown) => first === 1 ? route.failed(thrown, "metrics", context) : this.leaveTracing(route.failed(thrown, "metrics", context), first, context));
                done = left;
            }
            return first === 1 ? done : this.leaveTracing(done, first, context);
        }
        enterLogging(first, context) {
            if (logging !== undefined) {
                let state;
                try {
                    state = logging.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "logging", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 2 ? state.result : this.leaveMetrics(state.result, first, context));
                this.logging = state;
            }
            return this.enterValidation(first, context);
        }
        leaveLogging(done, first, context) {
            if (logging !== undefined && logging.leave !== undefined) {
                let left;
                try {
                    left = logging.leave(this.logging, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "logging", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 2 ? settled : this.leaveMetrics(settled, first, context), (thrown) => first === 2 ? route.failed(thrown, "logging", context) : this.leaveMetrics(route.failed(thrown, "logging", context), first, context));
                done = left;
            }
            return first === 2 ? done : this.leaveMetrics(done, first, context);
        }
        enterValidation(first, context) {
            if (validation !== undefined) {
                let state;
                try {
                    state = validation.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "validation", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 3 ? state.result : this.leaveLogging(state.result, first, context));
            }
            return this.enterCircuitBreaker(first, context);
        }
        leaveValidation(done, first, context) {
            return first === 3 ? done : this.leaveLogging(done, first, context);
        }
        enterCircuitBreaker(first, context) {
            if (circuitBreaker !== undefined) {
                let state;
                try {
                    state = circuitBreaker.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "circuit-breaker", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 4 ? state.result : this.leaveValidation(state.result, first, context));
                this.circuitBreaker = state;
            }
            return this.enterDeadLetter(first, context);
        }
        leaveCircuitBreaker(done, first, context) {
            if (circuitBreaker !== undefined && circuitBreaker.leave !== undefined) {
                let left;
                try {
                    left = circuitBreaker.leave(this.circuitBreaker, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "circuit-breaker", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 4 ? settled : this.leaveValidation(settled, first, context), (thrown) => first === 4 ? route.failed(thrown, "circuit-breaker", context) : this.leaveValidation(route.failed(thrown, "circuit-breaker", context), first, context));
                done = left;
            }
            return first === 4 ? done : this.leaveValidation(done, first, context);
        }
        enterDeadLetter(first, context) {
            if (deadLetter !== undefined) {
                let state;
                try {
                    state = deadLetter.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "dead-letter", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 5 ? state.result : this.leaveCircuitBreaker(state.result, first, context));
                this.deadLetter = state;
            }
            return this.enterTimeout(first, context);
        }
        leaveDeadLetter(done, first, context) {
            if (deadLetter !== undefined && deadLetter.leave !== undefined) {
                let left;
                try {
                    left = deadLetter.leave(this.deadLetter, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "dead-letter", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 5 ? settled : this.leaveCircuitBreaker(settled, first, context), (thrown) => first === 5 ? route.failed(thrown, "dead-letter", context) : this.leaveCircuitBreaker(route.failed(thrown, "dead-letter", context), first, context));
                done = left;
            }
            return first === 5 ? done : this.leaveCircuitBreaker(done, first, context);
        }
        enterTimeout(first, context) {
            if (timeout !== undefined) {
                let state;
                try {
                    state = timeout.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "timeout", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 6 ? state.result : this.leaveDeadLetter(state.result, first, context));
                if (timeout.within !== undefined) {
                    let scoped;
                    try {
                        scoped = timeout.within(state, context, (inside) => route.inner(this.message, inside));
                    } catch (thrown) {
                        scoped = Promise.resolve(route.failed(thrown, "timeout", context));
                    }
                    if (scoped !== undefined) return scoped.then((done) => this.leaveTimeout(done, first, context), (thrown) => this.leaveTimeout(route.failed(thrown, "timeout", context), first, context));
                }
            }
            return this.callInner(first, context);
        }
        leaveTimeout(done, first, context) {
            return first === 6 ? done : this.leaveDeadLetter(done, first, context);
        }
        callInner(first, context) {
            return route.inner(this.message, context).then((done) => this.leaveTimeout(done, first, context), (thrown) => this.leaveTimeout(route.failed(thrown, route.innermost, context), first, context));
        }
    }
    return (message, context) => {
        route.start();
        return new Run(message, route.startedAt()).enterTracing(0, context);
    };
};
__catga.defineHandler(CancelOrderHandler, {
    message: __catga_m0.CancelOrder,
    returns: "promise",
    invoke: (handler, message, context) => handler.handle(message, context),
    fused: true,
    pipeline: {
        slots: [
            { name: "tracing", within: true, leave: true },
            { name: "metrics", within: false, leave: true },
            { name: "logging", within: false, leave: true },
            { name: "validation", within: false, leave: false },
            { name: "circuit-breaker", within: false, leave: true },
            { name: "dead-letter", within: false, leave: true },
            { name: "timeout", within: true, leave: false },
        ],
        create: __catga_pipeline_CancelOrderHandler,
    },
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
/** The pipeline of GetOrderHandler for one route, compiled by @catga/transformer: the route's hooked behaviours in order around route.inner. */
const __catga_pipeline_GetOrderHandler = (slots, route) => {
    const [tracing, metrics, logging, validation, circuitBreaker, deadLetter, timeout] = slots;
    /** One call of GetOrder: its message, its start, and what each slot's enter() gave its leave(). */
    class Run {
        constructor(message, startedAt) {
            this.message = message;
            this.startedAt = startedAt;
            this.tracing = undefined;
            this.metrics = undefined;
            this.logging = undefined;
            this.circuitBreaker = undefined;
            this.deadLetter = undefined;
        }
        // enterX: slot X's enter() and the slots inside it. leaveX: its leave() and the slots outside it, down to slot `first`.
        enterTracing(first, context) {
            if (tracing !== undefined) {
                let state;
                try {
                    state = tracing.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "tracing", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(route.end(state.result));
                this.tracing = state;
                if (tracing.within !== undefined) {
                    let scoped;
                    try {
                        scoped = tracing.within(state, context, (inside) => this.enterMetrics(1, inside));
                    } catch (thrown) {
                        scoped = Promise.resolve(route.failed(thrown, "tracing", context));
                    }
                    if (scoped !== undefined) return scoped.then((done) => this.leaveTracing(done, first, context), (thrown) => this.leaveTracing(route.failed(thrown, "tracing", context), first, context));
                }
            }
            return this.enterMetrics(first, context);
        }
        leaveTracing(done, _first, context) {
            if (tracing !== undefined && tracing.leave !== undefined) {
                let left;
                try {
                    left = tracing.leave(this.tracing, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "tracing", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => route.end(settled), (thrown) => route.end(route.failed(thrown, "tracing", context)));
                done = left;
            }
            return route.end(done);
        }
        enterMetrics(first, context) {
            if (metrics !== undefined) {
                let state;
                try {
                    state = metrics.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "metrics", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 1 ? state.result : this.leaveTracing(state.result, first, context));
                this.metrics = state;
            }
            return this.enterLogging(first, context);
        }
        leaveMetrics(done, first, context) {
            if (metrics !== undefined && metrics.leave !== undefined) {
                let left;
                try {
                    left = metrics.leave(this.metrics, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "metrics", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 1 ? settled : this.leaveTracing(settled, first, context), (thrown) => first === 1 ? route.failed(thrown, "metrics", context) : this.leaveTracing(route.failed(thrown, "metrics", context), first, context));
                done = left;
            }
            return first === 1 ? done : this.leaveTracing(done, first, context);
        }
        enterLogging(first, context) {
            if (logging !== undefined) {
                let state;
                try {
                    state = logging.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "logging", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 2 ? state.result : this.leaveMetrics(state.result, first, context));
                this.logging = state;
            }
            return this.enterValidation(first, context);
        }
        leaveLogging(done, first, context) {
            if (logging !== undefined && logging.leave !== undefined) {
                let left;
                try {
                    left = logging.leave(this.logging, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "logging", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 2 ? settled : this.leaveMetrics(settled, first, context), (thrown) => first === 2 ? route.failed(thrown, "logging", context) : this.leaveMetrics(route.failed(thrown, "logging", context), first, context));
                done = left;
            }
            return first === 2 ? done : this.leaveMetrics(done, first, context);
        }
        enterValidation(first, context) {
            if (validation !== undefined) {
                let state;
                try {
                    state = validation.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "validation", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 3 ? state.result : this.leaveLogging(state.result, first, context));
            }
            return this.enterCircuitBreaker(first, context);
        }
        leaveValidation(done, first, context) {
            return first === 3 ? done : this.leaveLogging(done, first, context);
        }
        enterCircuitBreaker(first, context) {
            if (circuitBreaker !== undefined) {
                let state;
                try {
                    state = circuitBreaker.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "circuit-breaker", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 4 ? state.result : this.leaveValidation(state.result, first, context));
                this.circuitBreaker = state;
            }
            return this.enterDeadLetter(first, context);
        }
        leaveCircuitBreaker(done, first, context) {
            if (circuitBreaker !== undefined && circuitBreaker.leave !== undefined) {
                let left;
                try {
                    left = circuitBreaker.leave(this.circuitBreaker, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "circuit-breaker", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 4 ? settled : this.leaveValidation(settled, first, context), (thrown) => first === 4 ? route.failed(thrown, "circuit-breaker", context) : this.leaveValidation(route.failed(thrown, "circuit-breaker", context), first, context));
                done = left;
            }
            return first === 4 ? done : this.leaveValidation(done, first, context);
        }
        enterDeadLetter(first, context) {
            if (deadLetter !== undefined) {
                let state;
                try {
                    state = deadLetter.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "dead-letter", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 5 ? state.result : this.leaveCircuitBreaker(state.result, first, context));
                this.deadLetter = state;
            }
            return this.enterTimeout(first, context);
        }
        leaveDeadLetter(done, first, context) {
            if (deadLetter !== undefined && deadLetter.leave !== undefined) {
                let left;
                try {
                    left = deadLetter.leave(this.deadLetter, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "dead-letter", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 5 ? settled : this.leaveCircuitBreaker(settled, first, context), (thrown) => first === 5 ? route.failed(thrown, "dead-letter", context) : this.leaveCircuitBreaker(route.failed(thrown, "dead-letter", context), first, context));
                done = left;
            }
            return first === 5 ? done : this.leaveCircuitBreaker(done, first, context);
        }
        enterTimeout(first, context) {
            if (timeout !== undefined) {
                let state;
                try {
                    state = timeout.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "timeout", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 6 ? state.result : this.leaveDeadLetter(state.result, first, context));
                if (timeout.within !== undefined) {
                    let scoped;
                    try {
                        scoped = timeout.within(state, context, (inside) => route.inner(this.message, inside));
                    } catch (thrown) {
                        scoped = Promise.resolve(route.failed(thrown, "timeout", context));
                    }
                    if (scoped !== undefined) return scoped.then((done) => this.leaveTimeout(done, first, context), (thrown) => this.leaveTimeout(route.failed(thrown, "timeout", context), first, context));
                }
            }
            return this.callInner(first, context);
        }
        leaveTimeout(done, first, context) {
            return first === 6 ? done : this.leaveDeadLetter(done, first, context);
        }
        callInner(first, context) {
            return route.inner(this.message, context).then((done) => this.leaveTimeout(done, first, context), (thrown) => this.leaveTimeout(route.failed(thrown, route.innermost, context), first, context));
        }
    }
    return (message, context) => {
        route.start();
        return new Run(message, route.startedAt()).enterTracing(0, context);
    };
};
__catga.defineHandler(GetOrderHandler, {
    message: __catga_m0.GetOrder,
    returns: "promise",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    pipeline: {
        slots: [
            { name: "tracing", within: true, leave: true },
            { name: "metrics", within: false, leave: true },
            { name: "logging", within: false, leave: true },
            { name: "validation", within: false, leave: false },
            { name: "circuit-breaker", within: false, leave: true },
            { name: "dead-letter", within: false, leave: true },
            { name: "timeout", within: true, leave: false },
        ],
        create: __catga_pipeline_GetOrderHandler,
    },
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
/** The pipeline of PingHandler for one route, compiled by @catga/transformer: the route's hooked behaviours in order around route.inner. */
const __catga_pipeline_PingHandler = (slots, route) => {
    const [tracing, metrics, logging, validation, circuitBreaker, deadLetter, timeout] = slots;
    /** One call of Ping: its message, its start, and what each slot's enter() gave its leave(). */
    class Run {
        constructor(message, startedAt) {
            this.message = message;
            this.startedAt = startedAt;
            this.tracing = undefined;
            this.metrics = undefined;
            this.logging = undefined;
            this.circuitBreaker = undefined;
            this.deadLetter = undefined;
        }
        // enterX: slot X's enter() and the slots inside it. leaveX: its leave() and the slots outside it, down to slot `first`.
        enterTracing(first, context) {
            if (tracing !== undefined) {
                let state;
                try {
                    state = tracing.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "tracing", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(route.end(state.result));
                this.tracing = state;
                if (tracing.within !== undefined) {
                    let scoped;
                    try {
                        scoped = tracing.within(state, context, (inside) => this.enterMetrics(1, inside));
                    } catch (thrown) {
                        scoped = Promise.resolve(route.failed(thrown, "tracing", context));
                    }
                    if (scoped !== undefined) return scoped.then((done) => this.leaveTracing(done, first, context), (thrown) => this.leaveTracing(route.failed(thrown, "tracing", context), first, context));
                }
            }
            return this.enterMetrics(first, context);
        }
        leaveTracing(done, _first, context) {
            if (tracing !== undefined && tracing.leave !== undefined) {
                let left;
                try {
                    left = tracing.leave(this.tracing, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "tracing", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => route.end(settled), (thrown) => route.end(route.failed(thrown, "tracing", context)));
                done = left;
            }
            return route.end(done);
        }
        enterMetrics(first, context) {
            if (metrics !== undefined) {
                let state;
                try {
                    state = metrics.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "metrics", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 1 ? state.result : this.leaveTracing(state.result, first, context));
                this.metrics = state;
            }
            return this.enterLogging(first, context);
        }
        leaveMetrics(done, first, context) {
            if (metrics !== undefined && metrics.leave !== undefined) {
                let left;
                try {
                    left = metrics.leave(this.metrics, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "metrics", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 1 ? settled : this.leaveTracing(settled, first, context), (thrown) => first === 1 ? route.failed(thrown, "metrics", context) : this.leaveTracing(route.failed(thrown, "metrics", context), first, context));
                done = left;
            }
            return first === 1 ? done : this.leaveTracing(done, first, context);
        }
        enterLogging(first, context) {
            if (logging !== undefined) {
                let state;
                try {
                    state = logging.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "logging", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 2 ? state.result : this.leaveMetrics(state.result, first, context));
                this.logging = state;
            }
            return this.enterValidation(first, context);
        }
        leaveLogging(done, first, context) {
            if (logging !== undefined && logging.leave !== undefined) {
                let left;
                try {
                    left = logging.leave(this.logging, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "logging", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 2 ? settled : this.leaveMetrics(settled, first, context), (thrown) => first === 2 ? route.failed(thrown, "logging", context) : this.leaveMetrics(route.failed(thrown, "logging", context), first, context));
                done = left;
            }
            return first === 2 ? done : this.leaveMetrics(done, first, context);
        }
        enterValidation(first, context) {
            if (validation !== undefined) {
                let state;
                try {
                    state = validation.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "validation", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 3 ? state.result : this.leaveLogging(state.result, first, context));
            }
            return this.enterCircuitBreaker(first, context);
        }
        leaveValidation(done, first, context) {
            return first === 3 ? done : this.leaveLogging(done, first, context);
        }
        enterCircuitBreaker(first, context) {
            if (circuitBreaker !== undefined) {
                let state;
                try {
                    state = circuitBreaker.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "circuit-breaker", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 4 ? state.result : this.leaveValidation(state.result, first, context));
                this.circuitBreaker = state;
            }
            return this.enterDeadLetter(first, context);
        }
        leaveCircuitBreaker(done, first, context) {
            if (circuitBreaker !== undefined && circuitBreaker.leave !== undefined) {
                let left;
                try {
                    left = circuitBreaker.leave(this.circuitBreaker, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "circuit-breaker", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 4 ? settled : this.leaveValidation(settled, first, context), (thrown) => first === 4 ? route.failed(thrown, "circuit-breaker", context) : this.leaveValidation(route.failed(thrown, "circuit-breaker", context), first, context));
                done = left;
            }
            return first === 4 ? done : this.leaveValidation(done, first, context);
        }
        enterDeadLetter(first, context) {
            if (deadLetter !== undefined) {
                let state;
                try {
                    state = deadLetter.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "dead-letter", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 5 ? state.result : this.leaveCircuitBreaker(state.result, first, context));
                this.deadLetter = state;
            }
            return this.enterTimeout(first, context);
        }
        leaveDeadLetter(done, first, context) {
            if (deadLetter !== undefined && deadLetter.leave !== undefined) {
                let left;
                try {
                    left = deadLetter.leave(this.deadLetter, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "dead-letter", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 5 ? settled : this.leaveCircuitBreaker(settled, first, context), (thrown) => first === 5 ? route.failed(thrown, "dead-letter", context) : this.leaveCircuitBreaker(route.failed(thrown, "dead-letter", context), first, context));
                done = left;
            }
            return first === 5 ? done : this.leaveCircuitBreaker(done, first, context);
        }
        enterTimeout(first, context) {
            if (timeout !== undefined) {
                let state;
                try {
                    state = timeout.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "timeout", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 6 ? state.result : this.leaveDeadLetter(state.result, first, context));
                if (timeout.within !== undefined) {
                    let scoped;
                    try {
                        scoped = timeout.within(state, context, (inside) => route.inner(this.message, inside));
                    } catch (thrown) {
                        scoped = Promise.resolve(route.failed(thrown, "timeout", context));
                    }
                    if (scoped !== undefined) return scoped.then((done) => this.leaveTimeout(done, first, context), (thrown) => this.leaveTimeout(route.failed(thrown, "timeout", context), first, context));
                }
            }
            return this.callInner(first, context);
        }
        leaveTimeout(done, first, context) {
            return first === 6 ? done : this.leaveDeadLetter(done, first, context);
        }
        callInner(first, context) {
            return route.inner(this.message, context).then((done) => this.leaveTimeout(done, first, context), (thrown) => this.leaveTimeout(route.failed(thrown, route.innermost, context), first, context));
        }
    }
    return (message, context) => {
        route.start();
        return new Run(message, route.startedAt()).enterTracing(0, context);
    };
};
__catga.defineHandler(PingHandler, {
    message: __catga_m0.Ping,
    returns: "value",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    pipeline: {
        slots: [
            { name: "tracing", within: true, leave: true },
            { name: "metrics", within: false, leave: true },
            { name: "logging", within: false, leave: true },
            { name: "validation", within: false, leave: false },
            { name: "circuit-breaker", within: false, leave: true },
            { name: "dead-letter", within: false, leave: true },
            { name: "timeout", within: true, leave: false },
        ],
        create: __catga_pipeline_PingHandler,
    },
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
/** The pipeline of AuditOrderPlaced for one route, compiled by @catga/transformer: the route's hooked behaviours in order around route.inner. */
const __catga_pipeline_AuditOrderPlaced = (slots, route) => {
    const [tracing, metrics, logging, validation, circuitBreaker, deadLetter, timeout] = slots;
    /** One call of OrderPlaced: its message, its start, and what each slot's enter() gave its leave(). */
    class Run {
        constructor(message, startedAt) {
            this.message = message;
            this.startedAt = startedAt;
            this.tracing = undefined;
            this.metrics = undefined;
            this.logging = undefined;
            this.circuitBreaker = undefined;
            this.deadLetter = undefined;
        }
        // enterX: slot X's enter() and the slots inside it. leaveX: its leave() and the slots outside it, down to slot `first`.
        enterTracing(first, context) {
            if (tracing !== undefined) {
                let state;
                try {
                    state = tracing.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "tracing", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(route.end(state.result));
                this.tracing = state;
                if (tracing.within !== undefined) {
                    let scoped;
                    try {
                        scoped = tracing.within(state, context, (inside) => this.enterMetrics(1, inside));
                    } catch (thrown) {
                        scoped = Promise.resolve(route.failed(thrown, "tracing", context));
                    }
                    if (scoped !== undefined) return scoped.then((done) => this.leaveTracing(done, first, context), (thrown) => this.leaveTracing(route.failed(thrown, "tracing", context), first, context));
                }
            }
            return this.enterMetrics(first, context);
        }
        leaveTracing(done, _first, context) {
            if (tracing !== undefined && tracing.leave !== undefined) {
                let left;
                try {
                    left = tracing.leave(this.tracing, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "tracing", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => route.end(settled), (thrown) => route.end(route.failed(thrown, "tracing", context)));
                done = left;
            }
            return route.end(done);
        }
        enterMetrics(first, context) {
            if (metrics !== undefined) {
                let state;
                try {
                    state = metrics.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "metrics", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 1 ? state.result : this.leaveTracing(state.result, first, context));
                this.metrics = state;
            }
            return this.enterLogging(first, context);
        }
        leaveMetrics(done, first, context) {
            if (metrics !== undefined && metrics.leave !== undefined) {
                let left;
                try {
                    left = metrics.leave(this.metrics, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "metrics", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 1 ? settled : this.leaveTracing(settled, first, context), (thrown) => first === 1 ? route.failed(thrown, "metrics", context) : this.leaveTracing(route.failed(thrown, "metrics", context), first, context));
                done = left;
            }
            return first === 1 ? done : this.leaveTracing(done, first, context);
        }
        enterLogging(first, context) {
            if (logging !== undefined) {
                let state;
                try {
                    state = logging.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "logging", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 2 ? state.result : this.leaveMetrics(state.result, first, context));
                this.logging = state;
            }
            return this.enterValidation(first, context);
        }
        leaveLogging(done, first, context) {
            if (logging !== undefined && logging.leave !== undefined) {
                let left;
                try {
                    left = logging.leave(this.logging, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "logging", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 2 ? settled : this.leaveMetrics(settled, first, context), (thrown) => first === 2 ? route.failed(thrown, "logging", context) : this.leaveMetrics(route.failed(thrown, "logging", context), first, context));
                done = left;
            }
            return first === 2 ? done : this.leaveMetrics(done, first, context);
        }
        enterValidation(first, context) {
            if (validation !== undefined) {
                let state;
                try {
                    state = validation.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "validation", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 3 ? state.result : this.leaveLogging(state.result, first, context));
            }
            return this.enterCircuitBreaker(first, context);
        }
        leaveValidation(done, first, context) {
            return first === 3 ? done : this.leaveLogging(done, first, context);
        }
        enterCircuitBreaker(first, context) {
            if (circuitBreaker !== undefined) {
                let state;
                try {
                    state = circuitBreaker.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "circuit-breaker", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 4 ? state.result : this.leaveValidation(state.result, first, context));
                this.circuitBreaker = state;
            }
            return this.enterDeadLetter(first, context);
        }
        leaveCircuitBreaker(done, first, context) {
            if (circuitBreaker !== undefined && circuitBreaker.leave !== undefined) {
                let left;
                try {
                    left = circuitBreaker.leave(this.circuitBreaker, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "circuit-breaker", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 4 ? settled : this.leaveValidation(settled, first, context), (thrown) => first === 4 ? route.failed(thrown, "circuit-breaker", context) : this.leaveValidation(route.failed(thrown, "circuit-breaker", context), first, context));
                done = left;
            }
            return first === 4 ? done : this.leaveValidation(done, first, context);
        }
        enterDeadLetter(first, context) {
            if (deadLetter !== undefined) {
                let state;
                try {
                    state = deadLetter.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "dead-letter", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 5 ? state.result : this.leaveCircuitBreaker(state.result, first, context));
                this.deadLetter = state;
            }
            return this.enterTimeout(first, context);
        }
        leaveDeadLetter(done, first, context) {
            if (deadLetter !== undefined && deadLetter.leave !== undefined) {
                let left;
                try {
                    left = deadLetter.leave(this.deadLetter, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "dead-letter", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 5 ? settled : this.leaveCircuitBreaker(settled, first, context), (thrown) => first === 5 ? route.failed(thrown, "dead-letter", context) : this.leaveCircuitBreaker(route.failed(thrown, "dead-letter", context), first, context));
                done = left;
            }
            return first === 5 ? done : this.leaveCircuitBreaker(done, first, context);
        }
        enterTimeout(first, context) {
            if (timeout !== undefined) {
                let state;
                try {
                    state = timeout.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "timeout", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 6 ? state.result : this.leaveDeadLetter(state.result, first, context));
                if (timeout.within !== undefined) {
                    let scoped;
                    try {
                        scoped = timeout.within(state, context, (inside) => route.inner(this.message, inside));
                    } catch (thrown) {
                        scoped = Promise.resolve(route.failed(thrown, "timeout", context));
                    }
                    if (scoped !== undefined) return scoped.then((done) => this.leaveTimeout(done, first, context), (thrown) => this.leaveTimeout(route.failed(thrown, "timeout", context), first, context));
                }
            }
            return this.callInner(first, context);
        }
        leaveTimeout(done, first, context) {
            return first === 6 ? done : this.leaveDeadLetter(done, first, context);
        }
        callInner(first, context) {
            return route.inner(this.message, context).then((done) => this.leaveTimeout(done, first, context), (thrown) => this.leaveTimeout(route.failed(thrown, route.innermost, context), first, context));
        }
    }
    return (message, context) => {
        route.start();
        return new Run(message, route.startedAt()).enterTracing(0, context);
    };
};
__catga.defineHandler(AuditOrderPlaced, {
    message: __catga_m0.OrderPlaced,
    returns: "value",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    pipeline: {
        slots: [
            { name: "tracing", within: true, leave: true },
            { name: "metrics", within: false, leave: true },
            { name: "logging", within: false, leave: true },
            { name: "validation", within: false, leave: false },
            { name: "circuit-breaker", within: false, leave: true },
            { name: "dead-letter", within: false, leave: true },
            { name: "timeout", within: true, leave: false },
        ],
        create: __catga_pipeline_AuditOrderPlaced,
    },
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
/** The pipeline of NotifyOrderPlaced for one route, compiled by @catga/transformer: the route's hooked behaviours in order around route.inner. */
const __catga_pipeline_NotifyOrderPlaced = (slots, route) => {
    const [tracing, metrics, logging, validation, circuitBreaker, deadLetter, timeout] = slots;
    /** One call of OrderPlaced: its message, its start, and what each slot's enter() gave its leave(). */
    class Run {
        constructor(message, startedAt) {
            this.message = message;
            this.startedAt = startedAt;
            this.tracing = undefined;
            this.metrics = undefined;
            this.logging = undefined;
            this.circuitBreaker = undefined;
            this.deadLetter = undefined;
        }
        // enterX: slot X's enter() and the slots inside it. leaveX: its leave() and the slots outside it, down to slot `first`.
        enterTracing(first, context) {
            if (tracing !== undefined) {
                let state;
                try {
                    state = tracing.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "tracing", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(route.end(state.result));
                this.tracing = state;
                if (tracing.within !== undefined) {
                    let scoped;
                    try {
                        scoped = tracing.within(state, context, (inside) => this.enterMetrics(1, inside));
                    } catch (thrown) {
                        scoped = Promise.resolve(route.failed(thrown, "tracing", context));
                    }
                    if (scoped !== undefined) return scoped.then((done) => this.leaveTracing(done, first, context), (thrown) => this.leaveTracing(route.failed(thrown, "tracing", context), first, context));
                }
            }
            return this.enterMetrics(first, context);
        }
        leaveTracing(done, _first, context) {
            if (tracing !== undefined && tracing.leave !== undefined) {
                let left;
                try {
                    left = tracing.leave(this.tracing, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "tracing", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => route.end(settled), (thrown) => route.end(route.failed(thrown, "tracing", context)));
                done = left;
            }
            return route.end(done);
        }
        enterMetrics(first, context) {
            if (metrics !== undefined) {
                let state;
                try {
                    state = metrics.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "metrics", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 1 ? state.result : this.leaveTracing(state.result, first, context));
                this.metrics = state;
            }
            return this.enterLogging(first, context);
        }
        leaveMetrics(done, first, context) {
            if (metrics !== undefined && metrics.leave !== undefined) {
                let left;
                try {
                    left = metrics.leave(this.metrics, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "metrics", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 1 ? settled : this.leaveTracing(settled, first, context), (thrown) => first === 1 ? route.failed(thrown, "metrics", context) : this.leaveTracing(route.failed(thrown, "metrics", context), first, context));
                done = left;
            }
            return first === 1 ? done : this.leaveTracing(done, first, context);
        }
        enterLogging(first, context) {
            if (logging !== undefined) {
                let state;
                try {
                    state = logging.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "logging", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 2 ? state.result : this.leaveMetrics(state.result, first, context));
                this.logging = state;
            }
            return this.enterValidation(first, context);
        }
        leaveLogging(done, first, context) {
            if (logging !== undefined && logging.leave !== undefined) {
                let left;
                try {
                    left = logging.leave(this.logging, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "logging", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 2 ? settled : this.leaveMetrics(settled, first, context), (thrown) => first === 2 ? route.failed(thrown, "logging", context) : this.leaveMetrics(route.failed(thrown, "logging", context), first, context));
                done = left;
            }
            return first === 2 ? done : this.leaveMetrics(done, first, context);
        }
        enterValidation(first, context) {
            if (validation !== undefined) {
                let state;
                try {
                    state = validation.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "validation", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 3 ? state.result : this.leaveLogging(state.result, first, context));
            }
            return this.enterCircuitBreaker(first, context);
        }
        leaveValidation(done, first, context) {
            return first === 3 ? done : this.leaveLogging(done, first, context);
        }
        enterCircuitBreaker(first, context) {
            if (circuitBreaker !== undefined) {
                let state;
                try {
                    state = circuitBreaker.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "circuit-breaker", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 4 ? state.result : this.leaveValidation(state.result, first, context));
                this.circuitBreaker = state;
            }
            return this.enterDeadLetter(first, context);
        }
        leaveCircuitBreaker(done, first, context) {
            if (circuitBreaker !== undefined && circuitBreaker.leave !== undefined) {
                let left;
                try {
                    left = circuitBreaker.leave(this.circuitBreaker, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "circuit-breaker", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 4 ? settled : this.leaveValidation(settled, first, context), (thrown) => first === 4 ? route.failed(thrown, "circuit-breaker", context) : this.leaveValidation(route.failed(thrown, "circuit-breaker", context), first, context));
                done = left;
            }
            return first === 4 ? done : this.leaveValidation(done, first, context);
        }
        enterDeadLetter(first, context) {
            if (deadLetter !== undefined) {
                let state;
                try {
                    state = deadLetter.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "dead-letter", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 5 ? state.result : this.leaveCircuitBreaker(state.result, first, context));
                this.deadLetter = state;
            }
            return this.enterTimeout(first, context);
        }
        leaveDeadLetter(done, first, context) {
            if (deadLetter !== undefined && deadLetter.leave !== undefined) {
                let left;
                try {
                    left = deadLetter.leave(this.deadLetter, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "dead-letter", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 5 ? settled : this.leaveCircuitBreaker(settled, first, context), (thrown) => first === 5 ? route.failed(thrown, "dead-letter", context) : this.leaveCircuitBreaker(route.failed(thrown, "dead-letter", context), first, context));
                done = left;
            }
            return first === 5 ? done : this.leaveCircuitBreaker(done, first, context);
        }
        enterTimeout(first, context) {
            if (timeout !== undefined) {
                let state;
                try {
                    state = timeout.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "timeout", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 6 ? state.result : this.leaveDeadLetter(state.result, first, context));
                if (timeout.within !== undefined) {
                    let scoped;
                    try {
                        scoped = timeout.within(state, context, (inside) => route.inner(this.message, inside));
                    } catch (thrown) {
                        scoped = Promise.resolve(route.failed(thrown, "timeout", context));
                    }
                    if (scoped !== undefined) return scoped.then((done) => this.leaveTimeout(done, first, context), (thrown) => this.leaveTimeout(route.failed(thrown, "timeout", context), first, context));
                }
            }
            return this.callInner(first, context);
        }
        leaveTimeout(done, first, context) {
            return first === 6 ? done : this.leaveDeadLetter(done, first, context);
        }
        callInner(first, context) {
            return route.inner(this.message, context).then((done) => this.leaveTimeout(done, first, context), (thrown) => this.leaveTimeout(route.failed(thrown, route.innermost, context), first, context));
        }
    }
    return (message, context) => {
        route.start();
        return new Run(message, route.startedAt()).enterTracing(0, context);
    };
};
__catga.defineHandler(NotifyOrderPlaced, {
    message: __catga_m0.OrderPlaced,
    returns: "promise",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    pipeline: {
        slots: [
            { name: "tracing", within: true, leave: true },
            { name: "metrics", within: false, leave: true },
            { name: "logging", within: false, leave: true },
            { name: "validation", within: false, leave: false },
            { name: "circuit-breaker", within: false, leave: true },
            { name: "dead-letter", within: false, leave: true },
            { name: "timeout", within: true, leave: false },
        ],
        create: __catga_pipeline_NotifyOrderPlaced,
    },
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
/** The pipeline of AuditOrderCancelled for one route, compiled by @catga/transformer: the route's hooked behaviours in order around route.inner. */
const __catga_pipeline_AuditOrderCancelled = (slots, route) => {
    const [tracing, metrics, logging, validation, circuitBreaker, deadLetter, timeout] = slots;
    /** One call of OrderCancelled: its message, its start, and what each slot's enter() gave its leave(). */
    class Run {
        constructor(message, startedAt) {
            this.message = message;
            this.startedAt = startedAt;
            this.tracing = undefined;
            this.metrics = undefined;
            this.logging = undefined;
            this.circuitBreaker = undefined;
            this.deadLetter = undefined;
        }
        // enterX: slot X's enter() and the slots inside it. leaveX: its leave() and the slots outside it, down to slot `first`.
        enterTracing(first, context) {
            if (tracing !== undefined) {
                let state;
                try {
                    state = tracing.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "tracing", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(route.end(state.result));
                this.tracing = state;
                if (tracing.within !== undefined) {
                    let scoped;
                    try {
                        scoped = tracing.within(state, context, (inside) => this.enterMetrics(1, inside));
                    } catch (thrown) {
                        scoped = Promise.resolve(route.failed(thrown, "tracing", context));
                    }
                    if (scoped !== undefined) return scoped.then((done) => this.leaveTracing(done, first, context), (thrown) => this.leaveTracing(route.failed(thrown, "tracing", context), first, context));
                }
            }
            return this.enterMetrics(first, context);
        }
        leaveTracing(done, _first, context) {
            if (tracing !== undefined && tracing.leave !== undefined) {
                let left;
                try {
                    left = tracing.leave(this.tracing, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "tracing", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => route.end(settled), (thrown) => route.end(route.failed(thrown, "tracing", context)));
                done = left;
            }
            return route.end(done);
        }
        enterMetrics(first, context) {
            if (metrics !== undefined) {
                let state;
                try {
                    state = metrics.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "metrics", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 1 ? state.result : this.leaveTracing(state.result, first, context));
                this.metrics = state;
            }
            return this.enterLogging(first, context);
        }
        leaveMetrics(done, first, context) {
            if (metrics !== undefined && metrics.leave !== undefined) {
                let left;
                try {
                    left = metrics.leave(this.metrics, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "metrics", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 1 ? settled : this.leaveTracing(settled, first, context), (thrown) => first === 1 ? route.failed(thrown, "metrics", context) : this.leaveTracing(route.failed(thrown, "metrics", context), first, context));
                done = left;
            }
            return first === 1 ? done : this.leaveTracing(done, first, context);
        }
        enterLogging(first, context) {
            if (logging !== undefined) {
                let state;
                try {
                    state = logging.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "logging", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 2 ? state.result : this.leaveMetrics(state.result, first, context));
                this.logging = state;
            }
            return this.enterValidation(first, context);
        }
        leaveLogging(done, first, context) {
            if (logging !== undefined && logging.leave !== undefined) {
                let left;
                try {
                    left = logging.leave(this.logging, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "logging", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 2 ? settled : this.leaveMetrics(settled, first, context), (thrown) => first === 2 ? route.failed(thrown, "logging", context) : this.leaveMetrics(route.failed(thrown, "logging", context), first, context));
                done = left;
            }
            return first === 2 ? done : this.leaveMetrics(done, first, context);
        }
        enterValidation(first, context) {
            if (validation !== undefined) {
                let state;
                try {
                    state = validation.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "validation", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 3 ? state.result : this.leaveLogging(state.result, first, context));
            }
            return this.enterCircuitBreaker(first, context);
        }
        leaveValidation(done, first, context) {
            return first === 3 ? done : this.leaveLogging(done, first, context);
        }
        enterCircuitBreaker(first, context) {
            if (circuitBreaker !== undefined) {
                let state;
                try {
                    state = circuitBreaker.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "circuit-breaker", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 4 ? state.result : this.leaveValidation(state.result, first, context));
                this.circuitBreaker = state;
            }
            return this.enterDeadLetter(first, context);
        }
        leaveCircuitBreaker(done, first, context) {
            if (circuitBreaker !== undefined && circuitBreaker.leave !== undefined) {
                let left;
                try {
                    left = circuitBreaker.leave(this.circuitBreaker, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "circuit-breaker", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 4 ? settled : this.leaveValidation(settled, first, context), (thrown) => first === 4 ? route.failed(thrown, "circuit-breaker", context) : this.leaveValidation(route.failed(thrown, "circuit-breaker", context), first, context));
                done = left;
            }
            return first === 4 ? done : this.leaveValidation(done, first, context);
        }
        enterDeadLetter(first, context) {
            if (deadLetter !== undefined) {
                let state;
                try {
                    state = deadLetter.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "dead-letter", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 5 ? state.result : this.leaveCircuitBreaker(state.result, first, context));
                this.deadLetter = state;
            }
            return this.enterTimeout(first, context);
        }
        leaveDeadLetter(done, first, context) {
            if (deadLetter !== undefined && deadLetter.leave !== undefined) {
                let left;
                try {
                    left = deadLetter.leave(this.deadLetter, done, this.message, this.startedAt);
                } catch (thrown) {
                    left = route.failed(thrown, "dead-letter", context);
                }
                if (__catga.isThenable(left)) return Promise.resolve(left).then((settled) => first === 5 ? settled : this.leaveCircuitBreaker(settled, first, context), (thrown) => first === 5 ? route.failed(thrown, "dead-letter", context) : this.leaveCircuitBreaker(route.failed(thrown, "dead-letter", context), first, context));
                done = left;
            }
            return first === 5 ? done : this.leaveCircuitBreaker(done, first, context);
        }
        enterTimeout(first, context) {
            if (timeout !== undefined) {
                let state;
                try {
                    state = timeout.enter(this.message, context, this.startedAt);
                } catch (thrown) {
                    state = new __catga.Stop(route.failed(thrown, "timeout", context));
                }
                if (state instanceof __catga.Stop) return Promise.resolve(first === 6 ? state.result : this.leaveDeadLetter(state.result, first, context));
                if (timeout.within !== undefined) {
                    let scoped;
                    try {
                        scoped = timeout.within(state, context, (inside) => route.inner(this.message, inside));
                    } catch (thrown) {
                        scoped = Promise.resolve(route.failed(thrown, "timeout", context));
                    }
                    if (scoped !== undefined) return scoped.then((done) => this.leaveTimeout(done, first, context), (thrown) => this.leaveTimeout(route.failed(thrown, "timeout", context), first, context));
                }
            }
            return this.callInner(first, context);
        }
        leaveTimeout(done, first, context) {
            return first === 6 ? done : this.leaveDeadLetter(done, first, context);
        }
        callInner(first, context) {
            return route.inner(this.message, context).then((done) => this.leaveTimeout(done, first, context), (thrown) => this.leaveTimeout(route.failed(thrown, route.innermost, context), first, context));
        }
    }
    return (message, context) => {
        route.start();
        return new Run(message, route.startedAt()).enterTracing(0, context);
    };
};
__catga.defineHandler(AuditOrderCancelled, {
    message: __catga_m0.OrderCancelled,
    returns: "value",
    invoke: (handler, message) => handler.handle(message),
    fused: true,
    pipeline: {
        slots: [
            { name: "tracing", within: true, leave: true },
            { name: "metrics", within: false, leave: true },
            { name: "logging", within: false, leave: true },
            { name: "validation", within: false, leave: false },
            { name: "circuit-breaker", within: false, leave: true },
            { name: "dead-letter", within: false, leave: true },
            { name: "timeout", within: true, leave: false },
        ],
        create: __catga_pipeline_AuditOrderCancelled,
    },
    source: "src/handlers.ts:57",
});
