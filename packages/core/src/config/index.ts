/**
 * Configuration: object config in code, flat Beaker-style config in files, one validation
 * path, frozen results. See `docs/configuration.md`.
 */
export { coerceBoolean as parseBoolean, coerceDuration as parseDuration } from './coerce.js';
export { type FlatConfig, type FlatValue, parseFlatConfig } from './flat.js';
export { parseIni } from './ini.js';
export { CONFIG_FILE_NAMES, type LoadConfigOptions, type LoadedVesselConfig, loadConfig } from './load.js';
export { normalizeConfig } from './normalize.js';
export type {
  CacheConfig,
  DateInput,
  Duration,
  RegionConfig,
  ResolvedCacheConfig,
  ResolvedRegionConfig,
  ResolvedSessionConfig,
  ResolvedVesselConfig,
  SameSite,
  SecretList,
  SessionConfig,
  SessionType,
  VesselConfig,
} from './types.js';
