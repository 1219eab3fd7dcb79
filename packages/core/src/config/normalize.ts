/**
 * The one validation path. Object config (`normalizeConfig`) and flat config (`parseFlatConfig`,
 * which only renames keys) both pass through `validateConfig`, so an option is checked by the
 * same coercer, with the same message, however it was written. Only the spelling of the option
 * in the message differs: it is the one the user wrote.
 */
import { ConfigError } from '../errors.js';
import { type BreakerOptions, MAX_KEY_LENGTH, STORAGE_TYPES, type StorageType } from '../storage/index.js';
import { translateBeakerStorage } from './beaker-storage.js';
import {
  closestMatch,
  coerceBoolean,
  coerceDate,
  coerceDuration,
  coerceEnum,
  coerceInteger,
  coerceList,
  coerceString,
  describeValue,
  isBooleanWord,
  looksLikeIsoDate,
} from './coerce.js';
import type {
  CacheConfig,
  CachePolicyConfig,
  RegionConfig,
  ResolvedCacheConfig,
  ResolvedCachePolicy,
  ResolvedRegionConfig,
  ResolvedSessionConfig,
  ResolvedVesselConfig,
  SecretList,
  SessionConfig,
  VesselConfig,
} from './types.js';

/** How the input was written, so messages can echo the user's own key names. */
export interface ValidationContext {
  /** The option as the user spelled it, given its object path (`session.cookieExpires`). */
  spell(path: string): string;
  /** Flat input (files, CLI): a string `secret` is a comma-separated list. */
  readonly flat: boolean;
}

/** A coercer's `undefined` leaves the option unset (an empty `cookie_domain =` in a Pylons ini). */
type Coercer<T> = (option: string, value: unknown, context: ValidationContext, path: string) => T | undefined;
type Coercers<T> = { readonly [K in keyof T]-?: Coercer<Exclude<T[K], undefined>> };
type Validated<T> = { -readonly [K in keyof T]?: Exclude<T[K], undefined> };

/** A config that passed validation, before defaults; assignable to `VesselConfig`. */
export type ValidatedConfig = Validated<Omit<ResolvedVesselConfig, 'session' | 'cache'>> & {
  session?: Validated<ResolvedSessionConfig>;
  cache?: Validated<Omit<ResolvedCacheConfig, 'regions'>> & {
    regions?: Record<string, Validated<ResolvedRegionConfig>>;
  };
};

const SESSION_TYPES = ['cookie', ...STORAGE_TYPES] as const;
/** Region names become part of storage namespaces (`cache:<region>`) and of flat keys. */
const REGION_NAME = /^[A-Za-z0-9_-]+$/;
/** RFC 6265 cookie-name token characters. */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// setTimeout fires at once for delays beyond 2^31-1 ms, so a larger timeout would mean none.
const MAX_TIMEOUT_MS = 2_147_483_647;
const POSITIVE_DURATION = 'a positive duration like 90, "15m" or "2h"';

const string: Coercer<string> = (option, value) => coerceString(option, value);
const secretString: Coercer<string> = (option, value) => coerceString(option, value, { secret: true });
const boolean: Coercer<boolean> = (option, value) => coerceBoolean(option, value);
const duration: Coercer<number> = (option, value) => coerceDuration(option, value);
const list: Coercer<string[]> = (option, value) => coerceList(option, value);
const storageType: Coercer<StorageType> = (option, value) => coerceEnum(option, value, STORAGE_TYPES);

/** Zero would expire a session or cache entry at birth; "never" is written by leaving the option out. */
const positiveDuration: Coercer<number> = (option, value) => {
  const seconds = coerceDuration(option, value);
  if (seconds === 0) throw new ConfigError(option, `expected ${POSITIVE_DURATION}, got ${describeValue(value)}`);
  return seconds;
};

const secretList: Coercer<SecretList> = (option, value, context) => {
  const secrets =
    !context.flat && typeof value === 'string'
      ? [coerceString(option, value, { secret: true })]
      : coerceList(option, value, { secret: true });
  const [first, ...rest] = secrets;
  if (first === undefined) throw new ConfigError(option, 'expected at least one non-empty secret, got an empty list');
  return [first, ...rest];
};

const cookieName: Coercer<string> = (option, value) => {
  const name = coerceString(option, value);
  if (!COOKIE_NAME.test(name)) {
    throw new ConfigError(
      option,
      `expected a cookie name (letters, digits and !#$%&'*+-.^_\`|~), got ${describeValue(value)}`,
    );
  }
  return name;
};

/** A host name, optionally with a leading dot (RFC 6265 domain-value, as the cookie codec checks it). */
const COOKIE_DOMAIN = /^\.?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

// Beaker's guide writes `cookie_domain =` for "no Domain attribute": empty is unset here.
const cookieDomain: Coercer<string> = (option, value) => {
  if (value === '') return undefined;
  const domain = coerceString(option, value);
  if (!COOKIE_DOMAIN.test(domain))
    throw new ConfigError(option, `expected a host name such as example.com, got ${describeValue(value)}`);
  return domain;
};

const cookiePath: Coercer<string> = (option, value) => {
  const path = coerceString(option, value);
  if (!path.startsWith('/') || /[;\s]/.test(path))
    throw new ConfigError(option, `expected a path starting with "/", got ${describeValue(value)}`);
  return path;
};

const cookieExpires: Coercer<false | number | Date> = (option, value) => {
  if (isBooleanWord(value)) return false;
  if (value instanceof Date || looksLikeIsoDate(value)) return coerceDate(option, value);
  let seconds = 0;
  try {
    seconds = coerceDuration(option, value);
  } catch {
    // fall through to the message that lists all three accepted forms
  }
  if (seconds > 0) return seconds;
  throw new ConfigError(
    option,
    `expected false (a browser-session cookie), ${POSITIVE_DURATION}, or an ISO date, got ${describeValue(value)}`,
  );
};

const SESSION_COERCERS: Coercers<Validated<ResolvedSessionConfig>> & Record<keyof SessionConfig, unknown> = {
  key: cookieName,
  secret: secretList,
  timeout: positiveDuration,
  maxLifetime: positiveDuration,
  cookieExpires,
  rolling: boolean,
  cookieDomain,
  cookiePath,
  secure: boolean,
  httpOnly: boolean,
  sameSite: (option, value) => coerceEnum(option, value, ['strict', 'lax', 'none']),
  auto: boolean,
  saveAccessedTime: boolean,
  accessedTimeThrottle: duration,
  useCookies: boolean,
  type: (option, value) => coerceEnum(option, value, SESSION_TYPES),
  invalidateCorrupt: boolean,
  revocationList: boolean,
  encryptKey: secretList,
  validateKey: secretString,
  url: string,
  cacheDir: string,
};

const POLICY_COERCERS: Coercers<Validated<ResolvedCachePolicy>> & Record<keyof CachePolicyConfig, unknown> = {
  expire: positiveDuration,
  keyLength: (option, value) => coerceInteger(option, value, { min: 16, max: MAX_KEY_LENGTH }),
  staleWhileRecreate: duration,
  grace: duration,
  refreshAhead: duration,
  waitTimeout: positiveDuration,
  lockTtl: positiveDuration,
  createTimeout: positiveDuration,
  localMaxEntries: (option, value) => coerceInteger(option, value, { min: 1 }),
  localTtl: positiveDuration,
  starttime: (option, value) => coerceDate(option, value, { epochSeconds: true }),
};

const REGION_COERCERS: Coercers<Validated<ResolvedRegionConfig>> & Record<keyof RegionConfig, unknown> = {
  ...POLICY_COERCERS,
  type: storageType,
  url: string,
  cacheDir: string,
  enabled: boolean,
};

const regions: Coercer<Record<string, Validated<ResolvedRegionConfig>>> = (option, value, context, path) => {
  if (!isPlainObject(value))
    throw new ConfigError(option, `expected an object of regions, got ${describeValue(value)}`);
  const result: Record<string, Validated<ResolvedRegionConfig>> = {};
  for (const [name, region] of Object.entries(value)) {
    if (!REGION_NAME.test(name)) {
      throw new ConfigError(
        option,
        `expected region names of letters, digits, "_" and "-", got ${JSON.stringify(name)}`,
      );
    }
    result[name] = validateStorageSection(region, `${path}.${name}`, REGION_COERCERS, context);
  }
  return result;
};

const CACHE_COERCERS: Coercers<NonNullable<ValidatedConfig['cache']>> & Record<keyof CacheConfig, unknown> = {
  ...POLICY_COERCERS,
  enabled: boolean,
  regions,
};

const BREAKER_COERCERS: Coercers<Validated<Required<BreakerOptions>>> & Record<keyof BreakerOptions, unknown> = {
  failureThreshold: (option, value) => coerceInteger(option, value, { min: 1 }),
  coolDownMs: (option, value) => coerceInteger(option, value, { min: 1, max: MAX_TIMEOUT_MS }),
  maxInFlight: (option, value) => coerceInteger(option, value, { min: 1 }),
};

/** `false` (or `off`, `no`) for no breaker, `true` for the defaults, or an object of its settings. */
const breaker: Coercer<BreakerOptions | false> = (option, value, context, path) => {
  if (isBooleanWord(value)) return coerceBoolean(option, value) ? {} : false;
  return validateSection(value, path, BREAKER_COERCERS, context);
};

const TOP_COERCERS: Coercers<ValidatedConfig> & Record<keyof VesselConfig, unknown> = {
  cacheDir: string,
  type: storageType,
  url: string,
  prefix: string,
  cluster: list,
  timeoutMs: (option, value) => coerceInteger(option, value, { min: 1, max: MAX_TIMEOUT_MS }),
  schema: string,
  poolSize: (option, value) => coerceInteger(option, value, { min: 1, max: 1000 }),
  breaker,
  maxEntries: (option, value) => coerceInteger(option, value, { min: 1 }),
  sweepIntervalMs: (option, value) => coerceInteger(option, value, { min: 0, max: MAX_TIMEOUT_MS }),
  session: (_option, value, context, path) => validateStorageSection(value, path, SESSION_COERCERS, context),
  cache: (_option, value, context, path) => validateSection(value, path, CACHE_COERCERS, context),
};

/** Object keys of each section, for the flat parser's key mapping and suggestions. */
export const OPTION_KEYS = {
  top: Object.keys(TOP_COERCERS).filter((key) => key !== 'session' && key !== 'cache'),
  session: Object.keys(SESSION_COERCERS),
  cache: Object.keys(CACHE_COERCERS).filter((key) => key !== 'regions'),
  region: Object.keys(REGION_COERCERS),
  breaker: Object.keys(BREAKER_COERCERS),
} as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function validateSection<T>(
  input: unknown,
  path: string,
  coercers: Coercers<T>,
  context: ValidationContext,
): Validated<T> {
  if (!isPlainObject(input)) {
    throw new ConfigError(
      path === '' ? 'config' : context.spell(path),
      `expected an object, got ${describeValue(input)}`,
    );
  }
  const table = coercers as Record<string, Coercer<unknown>>;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const optionPath = path === '' ? key : `${path}.${key}`;
    const coerce = Object.hasOwn(table, key) ? table[key] : undefined;
    if (coerce === undefined) {
      const suggestion = closestMatch(key, Object.keys(table));
      const hint =
        suggestion === undefined
          ? `; known options: ${Object.keys(table).join(', ')}`
          : `; did you mean ${path === '' ? suggestion : `${path}.${suggestion}`}?`;
      throw new ConfigError(context.spell(optionPath), `unknown option${hint}`);
    }
    const coerced = value === undefined ? undefined : coerce(context.spell(optionPath), value, context, optionPath);
    if (coerced !== undefined) result[key] = coerced;
  }
  return result as Validated<T>;
}

/** `validateSection` for a section that may name a storage, with Beaker's type names translated first. */
function validateStorageSection<T>(
  input: unknown,
  path: string,
  coercers: Coercers<T>,
  context: ValidationContext,
): Validated<T> {
  const spell = (field: string) => context.spell(path === '' ? field : `${path}.${field}`);
  const section = isPlainObject(input) ? translateBeakerStorage(input, spell) : input;
  return validateSection(section, path, coercers, context);
}

/**
 * Checks and coerces `input` without applying defaults. Internal: `normalizeConfig` and
 * `parseFlatConfig` are the public doors.
 */
export function validateConfig(input: unknown, context: ValidationContext): ValidatedConfig {
  const config: ValidatedConfig = validateStorageSection(input, '', TOP_COERCERS, context);
  // Browsers drop SameSite=None cookies that are not Secure: fail here, not silently in production.
  if (config.session?.sameSite === 'none' && config.session.secure !== true) {
    throw new ConfigError(
      context.spell('session.sameSite'),
      '"none" needs the secure option set to true, because browsers drop SameSite=None cookies without Secure',
    );
  }
  return config;
}

/**
 * Appends `(in <source>)` to a `ConfigError` thrown by `work`, so a message from a file names
 * the file. Other errors pass through untouched.
 */
export function withSource<T>(source: string | undefined, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (source === undefined || !(error instanceof ConfigError) || error.message.endsWith(`(in ${source})`))
      throw error;
    const prefix = `${error.option}: `;
    const detail = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    throw new ConfigError(error.option, `${detail} (in ${source})`, { cause: error });
  }
}

function resolveSession(session: Validated<ResolvedSessionConfig> = {}): ResolvedSessionConfig {
  const frozen = (list: SecretList | undefined) =>
    list === undefined ? undefined : (Object.freeze([...list]) as unknown as SecretList);
  const secret = frozen(session.secret);
  const encryptKey = frozen(session.encryptKey);
  return Object.freeze({
    key: 'vessel.sid',
    timeout: undefined,
    maxLifetime: undefined,
    cookieExpires: false,
    rolling: false,
    cookieDomain: undefined,
    cookiePath: '/',
    secure: false,
    httpOnly: true,
    sameSite: 'lax',
    auto: false,
    saveAccessedTime: true,
    accessedTimeThrottle: 60,
    useCookies: true,
    type: undefined,
    invalidateCorrupt: true,
    revocationList: false,
    validateKey: undefined,
    url: undefined,
    cacheDir: undefined,
    ...session,
    secret,
    encryptKey,
  });
}

/** The policy of a cache with nothing configured. */
const DEFAULT_CACHE_POLICY: ResolvedCachePolicy = Object.freeze({
  expire: undefined,
  keyLength: 250,
  staleWhileRecreate: undefined,
  grace: 0,
  refreshAhead: 0,
  waitTimeout: 30,
  lockTtl: 30,
  createTimeout: undefined,
  localMaxEntries: undefined,
  localTtl: 5,
  starttime: undefined,
});

/** The policy fields of a validated section (cache level or region), without the others. */
function policyOf(section: Validated<ResolvedCachePolicy>): Validated<ResolvedCachePolicy> {
  const policy: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_CACHE_POLICY)) {
    const value = (section as Record<string, unknown>)[key];
    if (value !== undefined) policy[key] = value;
  }
  return policy;
}

function resolveCache(cache: ValidatedConfig['cache'] = {}): ResolvedCacheConfig {
  const enabled = cache.enabled ?? true;
  const defaults: ResolvedCachePolicy = { ...DEFAULT_CACHE_POLICY, ...policyOf(cache) };
  const resolved: Record<string, ResolvedRegionConfig> = {};
  for (const [name, region] of Object.entries(cache.regions ?? {})) {
    resolved[name] = Object.freeze({
      ...defaults,
      ...policyOf(region),
      type: region.type,
      url: region.url,
      cacheDir: region.cacheDir,
      enabled: enabled && (region.enabled ?? true),
    });
  }
  return Object.freeze({ ...defaults, enabled, regions: Object.freeze(resolved) });
}

/**
 * Validates a cache policy written in code (`getCache` options) the way configuration is
 * validated, and lays it over `base`. A bad value throws a `ConfigError` naming `path.option`.
 */
export function resolveCachePolicy(
  input: CachePolicyConfig,
  base: ResolvedCachePolicy,
  path: string,
): ResolvedCachePolicy {
  const validated = validateSection(input, path, POLICY_COERCERS, { spell: (option) => option, flat: false });
  return Object.freeze({ ...base, ...policyOf(validated) });
}

/**
 * Validates configuration in object form (camelCase keys, durations as seconds or `"15m"`)
 * and returns it frozen, with integer-second durations and defaults applied. A bad value or an
 * unknown key throws a `ConfigError` naming the option; `source` (a file name) is added to the
 * message. Passing a resolved config again returns an equal one.
 */
export function normalizeConfig(input: VesselConfig, source?: string): ResolvedVesselConfig {
  const config = withSource(source, () => validateConfig(input, { spell: (path) => path, flat: false }));
  return Object.freeze({
    cacheDir: config.cacheDir,
    type: config.type,
    url: config.url,
    prefix: config.prefix,
    cluster: config.cluster === undefined ? undefined : Object.freeze([...config.cluster]),
    timeoutMs: config.timeoutMs,
    schema: config.schema,
    poolSize: config.poolSize,
    breaker:
      config.breaker === undefined || config.breaker === false ? config.breaker : Object.freeze({ ...config.breaker }),
    maxEntries: config.maxEntries,
    sweepIntervalMs: config.sweepIntervalMs,
    session: resolveSession(config.session),
    cache: resolveCache(config.cache),
  });
}
