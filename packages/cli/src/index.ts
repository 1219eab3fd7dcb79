/**
 * @vessel/cli — `session-inspect`, the operator's view of a Vessel store.
 * @packageDocumentation
 */
export { EXIT, errorLine, main, type StoreInfo } from './main.js';
export { type Io, processIo } from './output.js';
export {
  SESSION_FORMATS,
  type SessionFormat,
  type SessionView,
  sealedRecordFormat,
  sessionFormats,
  toSessionView,
  vesselRecordFormat,
} from './session-view.js';
export {
  type OpenedStore,
  openSessionStore,
  openStore,
  type SessionStore,
  type StoreFlags,
  StoreNotFoundError,
} from './store.js';
