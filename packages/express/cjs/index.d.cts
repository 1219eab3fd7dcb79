// Types of the CommonJS entry: `require('@vessel/express')` is the session function itself,
// with express-session's constructors and `cache` / `cacheResponse` as properties.
declare const session: typeof import('../dist/index.js').session;
export = session;
