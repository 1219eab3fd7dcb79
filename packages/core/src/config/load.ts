/**
 * Finding and reading configuration files. The application and `session-inspect` both call
 * `loadConfig`, so run in the same folder they find the same file and the same store.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { parseSqliteUrl } from '../storage/index.js';
import { describeValue } from './coerce.js';
import { type FlatConfig, parseFlatConfig } from './flat.js';
import { parseIniSections } from './ini.js';
import { normalizeConfig, withSource } from './normalize.js';
import type { RegionConfig, ResolvedVesselConfig, VesselConfig } from './types.js';

/** Files looked for, in this order, when `loadConfig` gets no path. */
export const CONFIG_FILE_NAMES = ['vessel.ini', 'vessel.config.json'] as const;

const INI_EXTENSIONS = new Set(['.ini', '.cfg', '.conf']);

/** Options of `loadConfig`. */
export interface LoadConfigOptions {
  /** Folder that a relative path, and discovery, start from. Default `process.cwd()`. */
  cwd?: string;
}

/** A resolved config plus the absolute path of the file it came from (`undefined`: defaults only). */
export type LoadedVesselConfig = ResolvedVesselConfig & { readonly configFile: string | undefined };

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError('config', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function parseJson(file: string, text: string): VesselConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, `invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(file, `expected a JSON object at the top level, got ${describeValue(data)}`);
  }
  const keys = Object.keys(data);
  const flatKey = keys.find((key) => key.includes('.'));
  if (flatKey === undefined) return normalizeConfig(data as VesselConfig, file);
  // In flat form `cache` alone is not a Vessel key and would be ignored: say so instead.
  const nested = keys.find((key) => /^(?:(?:vessel|beaker)\.)?(?:session|cache)$/i.test(key));
  if (nested !== undefined) {
    throw new ConfigError(
      file,
      `mixes flat keys ("${flatKey}") with a nested object ("${nested}"); write either form, not both`,
    );
  }
  return parseFlatConfig(data as FlatConfig, file);
}

/** The section whose unprefixed keys are all Vessel's in a file other applications share. */
const VESSEL_SECTION = 'vessel';

/**
 * Reads an INI file as Paste Deploy does (`%(here)s` is the file's folder, `%(__file__)s` the
 * file). In `vessel.ini`, keys outside any section and keys in `[vessel]`, every key is
 * Vessel's and a typo is an error; elsewhere (a Pylons `[app:main]`) an unprefixed key Vessel
 * does not know belongs to another application.
 */
function parseIniFile(file: string, text: string): VesselConfig {
  const sections = parseIniSections(text, { source: file, defaults: { here: path.dirname(file), __file__: file } });
  const ownFile = CONFIG_FILE_NAMES.includes(path.basename(file) as (typeof CONFIG_FILE_NAMES)[number]);
  const values: Record<string, string> = {};
  const vesselKeys = new Set<string>();
  for (const { name, values: sectionValues } of sections) {
    Object.assign(values, sectionValues);
    if (ownFile || name === undefined || name.toLowerCase() === VESSEL_SECTION)
      for (const key of Object.keys(sectionValues)) vesselKeys.add(key);
  }
  return parseFlatConfig(values, file, { shared: (key) => !vesselKeys.has(key) });
}

function parseFile(file: string, text: string): VesselConfig {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.json') return parseJson(file, text);
  if (INI_EXTENSIONS.has(extension)) return parseIniFile(file, text);
  throw new ConfigError('config', `cannot read ${file}: expected a .ini or .json file`);
}

function anchorPath(folder: string, value: string | undefined): string | undefined {
  return value === undefined ? undefined : path.resolve(folder, value);
}

/**
 * A relative `sqlite:` URL (`sqlite:data/app.sqlite`, `sqlite://data/app.sqlite`) rebased onto
 * `folder`, as `sqlite:///abs/…`; absolute ones, `sqlite::memory:` and other schemes are left alone.
 */
function anchorUrl(folder: string, url: string | undefined, option: string): string | undefined {
  if (url === undefined || !/^sqlite:/i.test(url)) return url;
  const target = parseSqliteUrl(url, option);
  if (target.kind === 'memory' || path.isAbsolute(target.path)) return url;
  return `sqlite://${path.resolve(folder, target.path)}`;
}

/**
 * Makes every folder (and relative sqlite URL) in a file's config relative to that file, not
 * to the process: `session-inspect` run from another folder, or an app started by a process
 * manager elsewhere, must open the same store as the app started next to its config.
 */
function anchorPaths(config: VesselConfig, folder: string): VesselConfig {
  const regions = config.cache?.regions;
  return {
    ...config,
    cacheDir: anchorPath(folder, config.cacheDir),
    url: anchorUrl(folder, config.url, 'url'),
    session: config.session && {
      ...config.session,
      cacheDir: anchorPath(folder, config.session.cacheDir),
      url: anchorUrl(folder, config.session.url, 'session.url'),
    },
    cache: config.cache && {
      ...config.cache,
      regions:
        regions &&
        Object.fromEntries(
          Object.entries(regions).map(([name, region]): [string, RegionConfig] => [
            name,
            {
              ...region,
              cacheDir: anchorPath(folder, region.cacheDir),
              url: anchorUrl(folder, region.url, `cache.${name}.url`),
            },
          ]),
        ),
    },
  };
}

/**
 * Loads configuration from a file and resolves it.
 *
 * With `file`, reads that file (relative to `options.cwd`): `.ini`/`.cfg`/`.conf` as flat INI,
 * `.json` as the object form, or as flat keys when any top-level key contains a dot. Without
 * it, uses the first of `vessel.ini`, `vessel.config.json` found in `cwd` (not its parents),
 * and with neither returns the defaults and `configFile: undefined`. Relative folders in a
 * file are resolved against the file's folder. A missing explicit file, unreadable JSON or
 * a bad value throws a `ConfigError` that names the file.
 */
export async function loadConfig(file?: string, options: LoadConfigOptions = {}): Promise<LoadedVesselConfig> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const candidates =
    file === undefined ? CONFIG_FILE_NAMES.map((name) => path.join(cwd, name)) : [path.resolve(cwd, file)];
  for (const candidate of candidates) {
    const text = await readText(candidate);
    if (text === undefined) continue;
    const parsed = parseFile(candidate, text);
    const config = withSource(candidate, () => anchorPaths(parsed, path.dirname(candidate)));
    return Object.freeze({ ...normalizeConfig(config, candidate), configFile: candidate });
  }
  if (file !== undefined) throw new ConfigError('config', `no such file: ${candidates[0]}`);
  return Object.freeze({ ...normalizeConfig({}), configFile: undefined });
}
