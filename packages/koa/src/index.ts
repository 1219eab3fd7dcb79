/**
 * @vessel/koa
 * @packageDocumentation
 */
export {};
