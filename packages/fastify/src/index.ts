/**
 * @vessel/fastify
 * @packageDocumentation
 */
export {};
