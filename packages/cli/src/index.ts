/**
 * @vessel/cli — `session-inspect`, the operator's view of a Vessel store.
 * @packageDocumentation
 */
export { EXIT, main, type StoreInfo } from './main.js';
export { type OpenedStore, openStore, type StoreFlags } from './store.js';
