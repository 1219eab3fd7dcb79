/**
 * Flat, Beaker-style configuration (`session.timeout = 15m`, `cache.short_term.expire = 60`),
 * as read from INI files, flat JSON and the CLI. This module only maps flat keys onto the
 * object form; every value is checked by `validateConfig`, the same path object config takes.
 */
import { ConfigError } from '../errors.js';
import { closestMatch, coerceList } from './coerce.js';
import { OPTION_KEYS, validateConfig, withSource } from './normalize.js';
import type { VesselConfig } from './types.js';

/** A value in flat config: strings from files, and whatever JSON or code passes. */
export type FlatValue = string | number | boolean | readonly string[];

/** Flat configuration: dotted keys (`session.timeout`) to values. */
export type FlatConfig = Readonly<Record<string, FlatValue>>;

/**
 * Prefixes that mark a key as Vessel's. Beaker's lets a Pylons `[app:main]` section move over
 * unchanged; a prefixed key Vessel does not know is an error, an unprefixed one may belong to
 * another application sharing the file and is ignored.
 */
const PREFIXES = ['vessel.', 'beaker.'] as const;

/** Where Beaker's flat spelling is not plain snake_case of the object key. */
const BEAKER_SPELLING: Readonly<Record<string, string>> = { httpOnly: 'httponly', sameSite: 'samesite' };

/** Beaker options that Vessel has under another name, or does not need. */
const STORAGE_HINT = 'storage is set at the top level (type, url, cache_dir) or per region (cache.<region>.type)';
const HINTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  top: { datadir: 'use cache_dir', lockdir: 'not needed: locks live in the storage' },
  session: { datadir: 'use session.cache_dir', lockdir: 'not needed: locks live in the storage' },
  cache: {
    type: STORAGE_HINT,
    url: STORAGE_HINT,
    cachedir: STORAGE_HINT,
    datadir: STORAGE_HINT,
    lockdir: 'not needed: locks live in the storage',
  },
  region: { datadir: 'use cache_dir', lockdir: 'not needed: locks live in the storage' },
};

type Section = keyof typeof OPTION_KEYS;

/** snake_case, camelCase and case all fold to one spelling: `cookie_expires` = `cookieExpires`. */
function fold(name: string): string {
  return name.replaceAll('_', '').toLowerCase();
}

function flatSpelling(objectKey: string): string {
  return BEAKER_SPELLING[objectKey] ?? objectKey.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

const LOOKUP: Readonly<Record<Section, ReadonlyMap<string, string>>> = {
  top: new Map(OPTION_KEYS.top.map((key) => [fold(key), key])),
  session: new Map(OPTION_KEYS.session.map((key) => [fold(key), key])),
  cache: new Map([...OPTION_KEYS.cache, 'regions'].map((key) => [fold(key), key])),
  region: new Map(OPTION_KEYS.region.map((key) => [fold(key), key])),
};

/** The error for an unknown key, suggesting the nearest known one in the user's own style. */
function unknownOption(
  userKey: string,
  base: string,
  name: string,
  section: Section,
  extra: readonly string[] = [],
): ConfigError {
  const hint = HINTS[section]?.[fold(name)];
  const camel = /[A-Z]/.test(name);
  const known = [...LOOKUP[section].values()].map((key) => (camel ? key : flatSpelling(key)));
  const suggestion = closestMatch(name, [...known, ...extra]);
  if (suggestion !== undefined)
    return new ConfigError(userKey, `unknown option; did you mean ${base}${suggestion}?${hint ? ` (${hint})` : ''}`);
  return new ConfigError(userKey, `unknown option${hint ? `; ${hint}` : `; known here: ${known.join(', ')}`}`);
}

interface FlatEntry {
  readonly userKey: string;
  readonly prefix: string;
  readonly segments: readonly string[];
  readonly value: FlatValue;
}

function splitKey(rawKey: string, value: FlatValue): FlatEntry {
  const userKey = rawKey.trim();
  const prefix = PREFIXES.find((candidate) => userKey.toLowerCase().startsWith(candidate)) ?? '';
  const segments = userKey
    .slice(prefix.length)
    .split('.')
    .map((segment) => segment.trim());
  return { userKey, prefix: userKey.slice(0, prefix.length), segments, value };
}

/**
 * Reads flat, Beaker-style configuration into the object form, validated.
 *
 * Keys may carry a `vessel.` or `beaker.` prefix; snake_case and camelCase are both accepted.
 * Unprefixed keys outside Vessel's roots (`cache_dir`, `type`, `url`, `prefix`, `cluster`,
 * `timeout_ms`, `schema`, `pool_size`, `session.*`, `cache.*`) are ignored, since a shared INI file holds other
 * applications' keys. Values are coerced (`"15m"` → 900) but no defaults are applied: pass the
 * result to `normalizeConfig` for that. `source` (a file name) is added to error messages.
 */
export function parseFlatConfig(flat: FlatConfig, source?: string): VesselConfig {
  return withSource(source, () => {
    const entries = Object.entries(flat).map(([key, value]) => splitKey(key, value));
    const spellings = new Map<string, string>();
    const top: Record<string, unknown> = {};
    const session: Record<string, unknown> = {};
    const cache: Record<string, unknown> = {};
    const regions = new Map<string, Record<string, unknown>>();

    const assign = (target: Record<string, unknown>, key: string, path: string, entry: FlatEntry) => {
      const earlier = spellings.get(path);
      if (earlier !== undefined) throw new ConfigError(entry.userKey, `set twice, also as ${earlier}`);
      spellings.set(path, entry.userKey);
      target[key] = entry.value;
    };

    // cache.regions first: whether `cache.x.expire` is valid depends on it, wherever it appears.
    for (const entry of entries) {
      const [root, name, ...rest] = entry.segments;
      if (fold(root ?? '') !== 'cache' || fold(name ?? '') !== 'regions' || rest.length > 0) continue;
      if (spellings.has('cache.regions'))
        throw new ConfigError(entry.userKey, `set twice, also as ${spellings.get('cache.regions')}`);
      spellings.set('cache.regions', entry.userKey);
      for (const region of coerceList(entry.userKey, entry.value)) regions.set(region, {});
    }
    const listed = () => (regions.size === 0 ? 'none are listed' : `listed: ${[...regions.keys()].join(', ')}`);

    for (const entry of entries) {
      const { userKey, prefix, segments } = entry;
      const [root = '', ...rest] = segments;
      const base = `${prefix}${root}.`;
      const topKey = rest.length === 0 ? LOOKUP.top.get(fold(root)) : undefined;
      if (topKey !== undefined) {
        assign(top, topKey, topKey, entry);
      } else if (fold(root) === 'session' && rest.length > 0) {
        const name = rest.join('.');
        const key = rest.length === 1 ? LOOKUP.session.get(fold(name)) : undefined;
        if (key === undefined) throw unknownOption(userKey, base, name, 'session');
        assign(session, key, `session.${key}`, entry);
      } else if (fold(root) === 'cache' && rest.length > 0) {
        const [first = '', second, ...more] = rest;
        if (second === undefined) {
          const key = LOOKUP.cache.get(fold(first));
          if (key === 'regions') continue;
          if (key !== undefined) assign(cache, key, `cache.${key}`, entry);
          else if (regions.has(first))
            throw new ConfigError(userKey, `expected a region option such as ${base}${first}.expire`);
          else throw unknownOption(userKey, base, first, 'cache', ['regions']);
        } else {
          const region = regions.get(first);
          if (region === undefined) {
            throw new ConfigError(
              userKey,
              `region "${first}" is not listed in cache.regions (${listed()}); add it there`,
            );
          }
          const key = more.length === 0 ? LOOKUP.region.get(fold(second)) : undefined;
          if (key === undefined)
            throw unknownOption(userKey, `${base}${first}.`, [second, ...more].join('.'), 'region');
          assign(region, key, `cache.regions.${first}.${key}`, entry);
        }
      } else if (prefix !== '' && (fold(root) === 'session' || fold(root) === 'cache')) {
        throw new ConfigError(
          userKey,
          `expected an option under it, such as ${prefix}${root}.${fold(root) === 'session' ? 'timeout' : 'enabled'}`,
        );
      } else if (prefix !== '') {
        const roots = [...OPTION_KEYS.top.map(flatSpelling), 'session', 'cache'];
        const suggestion = closestMatch(root, roots);
        const hint = HINTS.top?.[fold(root)];
        const guess =
          suggestion === undefined ? '' : `; did you mean ${[`${prefix}${suggestion}`, ...rest].join('.')}?`;
        throw new ConfigError(userKey, `unknown option${guess}${hint ? `; ${hint}` : ''}`);
      }
    }

    const tree: Record<string, unknown> = { ...top };
    if (Object.keys(session).length > 0) tree.session = session;
    if (spellings.has('cache.regions')) cache.regions = Object.fromEntries(regions);
    if (Object.keys(cache).length > 0) tree.cache = cache;
    return validateConfig(tree, { spell: (path) => spellings.get(path) ?? path, flat: true });
  });
}
