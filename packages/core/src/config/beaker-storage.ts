/**
 * Beaker's storage type names (`ext:redis`, `ext:database`, `dbm`, …) read as Vessel's, so a
 * Pylons ini works unchanged; a Beaker backend Vessel does not have is refused with the
 * nearest Vessel one named.
 */
import { ConfigError } from '../errors.js';
import { describeValue } from './coerce.js';

/** Beaker names that are one Vessel backend whatever the URL. */
const SAME_BACKEND: Readonly<Record<string, string>> = {
  'ext:redis': 'redis',
  'ext:rediscluster': 'redis',
  // Beaker's dbm is a file database on one host: Vessel's embedded store is SQLite.
  dbm: 'sqlite',
};

/** Beaker backends Vessel lacks, and what to use instead. */
const MISSING_BACKEND: Readonly<Record<string, string>> = {
  'ext:memcached': 'Vessel has no memcached backend yet; use redis (type = redis, url = redis://host:6379)',
  'ext:pylibmc': 'Vessel has no memcached backend yet; use redis (type = redis, url = redis://host:6379)',
  'ext:bmemcached': 'Vessel has no memcached backend yet; use redis (type = redis, url = redis://host:6379)',
  'ext:mongodb': 'Vessel has no MongoDB backend; use postgres or redis',
  'ext:sqla': 'Vessel takes a database URL, not a SQLAlchemy table: use type = postgres with url = postgres://…',
  'ext:google': 'Vessel has no Google App Engine backend; use postgres or redis',
};

/** A storage section as written: `type`, `url` and `cluster` are the fields Beaker's names touch. */
type StorageFields = Record<string, unknown> & { type?: unknown; url?: unknown; cluster?: unknown };

/**
 * The Vessel storage for Beaker's `ext:database`, from its SQLAlchemy URL:
 * `postgresql+psycopg2://…` is `postgres://…`; `sqlite:///relative.db` (three slashes: relative
 * in SQLAlchemy) is `sqlite://relative.db` and `sqlite:////abs.db` is `sqlite:///abs.db`.
 */
function databaseStorage(option: string, url: unknown): { type: string; url: string } {
  if (typeof url !== 'string' || url.trim() === '')
    throw new ConfigError(option, 'ext:database needs a url (postgresql://… or sqlite:///…)');
  const match = /^([a-z0-9]+)(?:\+[a-z0-9_]+)?:\/\/(.*)$/is.exec(url.trim());
  const dialect = match?.[1]?.toLowerCase();
  const rest = match?.[2] ?? '';
  if (dialect === 'postgresql' || dialect === 'postgres') return { type: 'postgres', url: `postgres://${rest}` };
  if (dialect === 'sqlite') return { type: 'sqlite', url: `sqlite://${rest.replace(/^\//, '')}` };
  if (dialect === 'mysql' || dialect === 'mariadb')
    throw new ConfigError(option, 'ext:database with a MySQL URL: Vessel has no mysql backend yet; use postgres');
  throw new ConfigError(
    option,
    `ext:database: expected a postgresql:// or sqlite:/// URL, got ${describeValue(url.replace(/\/\/[^@/]*@/, '//…@'))}`,
  );
}

/**
 * `section` with a Beaker storage type translated: `ext:redis` → `redis`, `ext:rediscluster` →
 * `redis` whose comma-separated `url` becomes `cluster`, `ext:database` → `postgres` or
 * `sqlite` from its URL, `dbm` → `sqlite`. Other values pass unchanged to the type check.
 * `spell` gives an option's name as the user wrote it, for messages.
 */
export function translateBeakerStorage<Section extends StorageFields>(
  section: Section,
  spell: (field: string) => string,
): Section {
  const { type } = section;
  if (typeof type !== 'string') return section;
  const name = type.trim().toLowerCase();
  const missing = MISSING_BACKEND[name];
  if (missing !== undefined) throw new ConfigError(spell('type'), missing);
  if (name === 'ext:database') return { ...section, ...databaseStorage(spell('url'), section.url) };
  const backend = SAME_BACKEND[name];
  if (backend === undefined) {
    if (name.startsWith('ext:'))
      throw new ConfigError(spell('type'), `${JSON.stringify(type)} is a Beaker extension Vessel does not have`);
    return section;
  }
  if (name === 'ext:rediscluster' && typeof section.url === 'string' && section.cluster === undefined) {
    const { url, ...rest } = section;
    const seeds = url
      .split(',')
      .map((seed) => seed.trim())
      .filter(Boolean);
    return { ...rest, type: backend, cluster: seeds } as Section;
  }
  return { ...section, type: backend };
}
