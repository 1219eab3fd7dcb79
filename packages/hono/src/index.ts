/**
 * @vessel/hono
 * @packageDocumentation
 */
export {};
