/** What the handlers do, so the test can see it. */
export const store = {
    orders: new Map(),
    audit: [],
    notifications: [],
};
