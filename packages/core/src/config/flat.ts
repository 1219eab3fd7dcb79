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

/**
 * Beaker spellings that Vessel reads under another name, by section (folded keys). The cache
 * section's storage keys are the shared storage's: Vessel's caches live in it.
 */
const ALIASES: Readonly<Record<Section, Readonly<Record<string, { section: Section; key: string }>>>> = {
  top: { datadir: { section: 'top', key: 'cacheDir' } },
  session: { datadir: { section: 'session', key: 'cacheDir' } },
  cache: {
    type: { section: 'top', key: 'type' },
    url: { section: 'top', key: 'url' },
    datadir: { section: 'top', key: 'cacheDir' },
    cachedir: { section: 'top', key: 'cacheDir' },
    expiretime: { section: 'cache', key: 'expire' },
  },
  region: { datadir: { section: 'region', key: 'cacheDir' }, expiretime: { section: 'region', key: 'expire' } },
  breaker: {},
};

/**
 * Beaker options Vessel accepts and does not need, with the one value check that keeps them
 * honest: locks live in the storage, crypto is node:crypto's, and values are always JSON.
 */
const NOT_NEEDED: Readonly<Record<string, (value: FlatValue) => string | undefined>> = {
  lockdir: () => undefined,
  cryptotype: () => undefined,
  dataserializer: (value) =>
    String(value).trim().toLowerCase() === 'json'
      ? undefined
      : 'Vessel stores JSON only and never unpickles stored data; set it to json or remove it',
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
  breaker: new Map(OPTION_KEYS.breaker.map((key) => [fold(key), key])),
};

/** The error for an unknown key, suggesting the nearest known one in the user's own style. */
function unknownOption(
  userKey: string,
  base: string,
  name: string,
  section: Section,
  extra: readonly string[] = [],
): ConfigError {
  const camel = /[A-Z]/.test(name);
  const known = [...LOOKUP[section].values()].map((key) => (camel ? key : flatSpelling(key)));
  const suggestion = closestMatch(name, [...known, ...extra]);
  if (suggestion !== undefined) return new ConfigError(userKey, `unknown option; did you mean ${base}${suggestion}?`);
  return new ConfigError(userKey, `unknown option; known here: ${known.join(', ')}`);
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

/** Options of `parseFlatConfig`. */
export interface FlatConfigOptions {
  /**
   * Keys without a `vessel.`/`beaker.` prefix that Vessel does not know belong to another
   * application sharing the file (a Pylons `[app:main]`), and are ignored: `true` for every
   * key, or a test per key. Default `false`: every key is Vessel's, so a typo is an error.
   */
  shared?: boolean | ((key: string) => boolean);
}

/** A resolved flat key: where its value goes, or that it is a Beaker option Vessel does not need. */
type Target = { section: Section; key: string } | { notNeeded: (value: FlatValue) => string | undefined };

/** The target of `name` in `section`: the option itself, a Beaker alias, or a Beaker option Vessel does not need. */
function targetOf(section: Section, name: string): Target | undefined {
  const folded = fold(name);
  const key = LOOKUP[section].get(folded);
  if (key !== undefined) return { section, key };
  return ALIASES[section][folded] ?? (NOT_NEEDED[folded] && { notNeeded: NOT_NEEDED[folded] });
}

/**
 * Reads flat, Beaker-style configuration into the object form, validated.
 *
 * Keys may carry a `vessel.` or `beaker.` prefix; snake_case and camelCase are both accepted.
 * Beaker's spellings work unchanged: `data_dir` is `cache_dir`, `expiretime` is `expire`,
 * `beaker.cache.type`/`url`/`data_dir` set the shared storage (where caches live), and
 * `lock_dir`, `crypto_type` and `data_serializer = json` are accepted and not needed. An unknown
 * key is an error with the nearest known one suggested, except an unprefixed key that
 * `options.shared` gives to other applications. Values are coerced (`"15m"` → 900) but no
 * defaults are applied: pass the result to `normalizeConfig` for that. `source` (a file name)
 * is added to error messages.
 */
export function parseFlatConfig(flat: FlatConfig, source?: string, options: FlatConfigOptions = {}): VesselConfig {
  const { shared = false } = options;
  const isShared = typeof shared === 'function' ? shared : () => shared;
  return withSource(source, () => {
    const entries = Object.entries(flat).map(([key, value]) => splitKey(key, value));
    const spellings = new Map<string, string>();
    const sections: Record<Exclude<Section, 'region'>, Record<string, unknown>> = {
      top: {},
      session: {},
      cache: {},
      breaker: {},
    };
    const regions = new Map<string, Record<string, unknown>>();

    const assign = (target: Target, region: string | undefined, entry: FlatEntry) => {
      if ('notNeeded' in target) {
        const problem = target.notNeeded(entry.value);
        if (problem !== undefined) throw new ConfigError(entry.userKey, problem);
        return;
      }
      const { section, key } = target;
      const path = {
        top: key,
        session: `session.${key}`,
        cache: `cache.${key}`,
        region: `cache.regions.${region}.${key}`,
        breaker: `breaker.${key}`,
      }[section];
      const earlier = spellings.get(path);
      if (earlier !== undefined) throw new ConfigError(entry.userKey, `set twice, also as ${earlier}`);
      spellings.set(path, entry.userKey);
      const values = section === 'region' ? (regions.get(region ?? '') ?? {}) : sections[section];
      values[key] = entry.value;
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
      const topTarget = rest.length === 0 ? targetOf('top', root) : undefined;
      if (topTarget !== undefined) {
        assign(topTarget, undefined, entry);
      } else if (fold(root) === 'breaker' && rest.length > 0) {
        const name = rest.join('.');
        const target = rest.length === 1 ? targetOf('breaker', name) : undefined;
        if (target === undefined) throw unknownOption(userKey, base, name, 'breaker');
        assign(target, undefined, entry);
      } else if (fold(root) === 'session' && rest.length > 0) {
        const name = rest.join('.');
        const target = rest.length === 1 ? targetOf('session', name) : undefined;
        if (target === undefined) throw unknownOption(userKey, base, name, 'session');
        assign(target, undefined, entry);
      } else if (fold(root) === 'cache' && rest.length > 0) {
        const [first = '', second, ...more] = rest;
        if (second === undefined) {
          if (fold(first) === 'regions') continue;
          const target = targetOf('cache', first);
          if (target !== undefined) assign(target, undefined, entry);
          else if (regions.has(first))
            throw new ConfigError(userKey, `expected a region option such as ${base}${first}.expire`);
          else throw unknownOption(userKey, base, first, 'cache', ['regions']);
        } else {
          if (!regions.has(first)) {
            throw new ConfigError(
              userKey,
              `region "${first}" is not listed in cache.regions (${listed()}); add it there`,
            );
          }
          const target = more.length === 0 ? targetOf('region', second) : undefined;
          if (target === undefined)
            throw unknownOption(userKey, `${base}${first}.`, [second, ...more].join('.'), 'region');
          assign(target, first, entry);
        }
      } else if (prefix !== '' && (fold(root) === 'session' || fold(root) === 'cache')) {
        throw new ConfigError(
          userKey,
          `expected an option under it, such as ${prefix}${root}.${fold(root) === 'session' ? 'timeout' : 'enabled'}`,
        );
      } else if (prefix !== '' || !isShared(userKey)) {
        const roots = [...OPTION_KEYS.top.map(flatSpelling), 'session', 'cache'];
        const suggestion = closestMatch(root, roots);
        const guess =
          suggestion === undefined
            ? `; known: ${roots.join(', ')}`
            : `; did you mean ${[`${prefix}${suggestion}`, ...rest].join('.')}?`;
        throw new ConfigError(userKey, `unknown option${guess}`);
      }
    }

    const tree: Record<string, unknown> = { ...sections.top };
    if (Object.keys(sections.breaker).length > 0) {
      const whole = spellings.get('breaker');
      if (whole !== undefined) throw new ConfigError(whole, 'set along with breaker.* options; give one or the other');
      tree.breaker = sections.breaker;
    }
    if (Object.keys(sections.session).length > 0) tree.session = sections.session;
    const { cache } = sections;
    if (spellings.has('cache.regions')) cache.regions = Object.fromEntries(regions);
    if (Object.keys(cache).length > 0) tree.cache = cache;
    return validateConfig(tree, { spell: (path) => spellings.get(path) ?? path, flat: true });
  });
}
