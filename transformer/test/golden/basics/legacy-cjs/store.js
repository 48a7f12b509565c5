"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.store = void 0;
/** What the handlers do, so the test can see it. */
exports.store = {
    orders: new Map(),
    audit: [],
    notifications: [],
};
