/**
 * `sqlite:` URLs, read in one place: by the SQLite backend (which file to open) and by the config
 * loader (which relative paths to rebase onto the config file's folder).
 */
import { ConfigError } from '../../errors.js';

/** What a `sqlite:` URL names: a database file (the path as written), or SQLite's in-memory database. */
export type SqliteTarget = { readonly kind: 'file'; readonly path: string } | { readonly kind: 'memory' };

const EXAMPLES = 'sqlite:data/app.sqlite or sqlite:///abs/app.sqlite';

/**
 * Reads a `sqlite:` URL. After the scheme, an optional `//` (`sqlite://data/app.sqlite` and
 * `sqlite:data/app.sqlite` are the same relative path; `sqlite:///abs` and `sqlite:/abs` the same
 * absolute one), then the path as written (no percent-decoding), or `:memory:`. A URL without a
 * path, naming a folder, or with a query string is a `ConfigError` naming `option`.
 */
export function parseSqliteUrl(url: string, option = 'url'): SqliteTarget {
  const rest = /^sqlite:(?:\/\/)?(.*)$/is.exec(url)?.[1];
  if (rest === ':memory:') return { kind: 'memory' };
  const problem =
    rest === undefined
      ? 'expected a sqlite: URL'
      : rest === '' || rest.endsWith('/')
        ? 'expected the path of a database file'
        : rest.includes('?')
          ? 'query parameters are not supported; write only the path of the database file'
          : undefined;
  if (problem !== undefined) throw new ConfigError(option, `${problem} (${EXAMPLES}), got ${JSON.stringify(url)}`);
  return { kind: 'file', path: rest as string };
}

/**
 * The database file a `sqlite:` URL names, as written; `sqlite::memory:` is refused: an in-memory
 * database belongs to one connection, and the SQLite backend opens several (a writer, a reader,
 * one per namespace), which would each see an empty database of their own.
 */
export function sqliteUrlFile(url: string, option = 'url'): string {
  const target = parseSqliteUrl(url, option);
  if (target.kind === 'file') return target.path;
  throw new ConfigError(
    option,
    `${JSON.stringify(url)}: an in-memory SQLite database is private to one connection and Vessel's SQLite backend opens several; use type "memory" for a store inside this process`,
  );
}
