/**
 * Configuration: object config in code, flat Beaker-style config in files, one validation
 * path, frozen results. See `docs/configuration.md`.
 */
export { closestMatch, coerceBoolean as parseBoolean, coerceDuration as parseDuration } from './coerce.js';
export { type FlatConfig, type FlatConfigOptions, type FlatValue, parseFlatConfig } from './flat.js';
export { type IniOptions, type IniSection, parseIni, parseIniSections } from './ini.js';
export { assertKnownOptions, type KnownOptionsContext } from './known-options.js';
export { CONFIG_FILE_NAMES, type LoadConfigOptions, type LoadedVesselConfig, loadConfig } from './load.js';
export { normalizeConfig, resolveCachePolicy } from './normalize.js';
export type {
  CacheConfig,
  CachePolicyConfig,
  DateInput,
  Duration,
  RegionConfig,
  ResolvedCacheConfig,
  ResolvedCachePolicy,
  ResolvedRegionConfig,
  ResolvedSessionConfig,
  ResolvedVesselConfig,
  SameSite,
  SecretList,
  SessionConfig,
  SessionType,
  VesselConfig,
} from './types.js';
