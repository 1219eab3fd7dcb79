import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { constants } from 'node:fs';
import { type FileHandle, open, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeyvStoreAdapter } from 'keyv';
import { readRecordExpiry } from '../../encoding/record.js';
import { makePrivateFolder, PRIVATE_FILE_MODE, RealFolders } from '../../private-paths.js';

/**
 * The on-disk layout of the file backend, and the keyv adapter over it.
 *
 * One file per key: `<root>/<namespace dir>/ab/cd/<sha256 of the full key>.json`. The key itself
 * never becomes a path component (session ids come from cookies), only its hash does; the
 * namespace dir is built from a validated namespace name or is the fixed `_keyv`. Each file
 * holds a header line with the full key (filenames are one-way hashes, and a listing must know
 * the keys) followed by the record text exactly as keyv gave it:
 *
 *     {"key":"vessel:session::abc"}\n{"expires":1767225600000,"value":{…}}
 */

/** Namespace dir of keys that are not in Vessel's `<prefix>:<namespace>::<key>` layout. */
const FOREIGN_NAMESPACE_DIR = '_keyv';

/** Same grammar as `validateNamespace` in keys.ts: only names that cannot escape `root`. */
const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*(?::[A-Za-z0-9_.-]+)*$/;
const MAX_NAMESPACE_LENGTH = 128;
/** Top-level folders that may hold entries: `_keyv` or a namespace dir (`:` mapped to `+`). */
const NAMESPACE_DIR_PATTERN = /^(?:_keyv|[A-Za-z0-9][A-Za-z0-9_.+-]*)$/;
const HASH_DIR_PATTERN = /^[0-9a-f]{2}$/;
const ENTRY_FILE_PATTERN = /^[0-9a-f]{64}\.json$/;

/** The namespace dir of a full key; `:` becomes `+`, which a namespace cannot contain. */
export function namespaceDirOf(fullKey: string): string {
  const start = fullKey.indexOf(':');
  const end = start < 0 ? -1 : fullKey.indexOf('::', start);
  const namespace = end > start ? fullKey.slice(start + 1, end) : '';
  if (namespace.length === 0 || namespace.length > MAX_NAMESPACE_LENGTH || !NAMESPACE_PATTERN.test(namespace)) {
    return FOREIGN_NAMESPACE_DIR;
  }
  return namespace.replaceAll(':', '+');
}

/**
 * Where the entry of `fullKey` lives. The hash is of the key's UTF-8 bytes, so
 * `printf %s "$key" | sha256sum` finds a file from the shell.
 */
export function entryFileOf(root: string, fullKey: string): string {
  const hash = createHash('sha256').update(fullKey).digest('hex');
  return path.join(root, namespaceDirOf(fullKey), hash.slice(0, 2), hash.slice(2, 4), `${hash}.json`);
}

/** True for the name of an entry file (not a temp file or anything foreign). */
export function isEntryFileName(name: string): boolean {
  return ENTRY_FILE_PATTERN.test(name);
}

/** True for a temp file left by `writeAtomically`. */
export function isTempFileName(name: string): boolean {
  return name.endsWith('.tmp');
}

/** An entry file as read from disk. */
export interface StoredFile {
  /** The full key from the header line. */
  readonly key: string;
  /** The record text (everything after the header line). */
  readonly record: string;
  /** Bytes of the record. */
  readonly size: number;
  /** Inode of the file read; a rewrite (temp + rename) always changes it. */
  readonly ino: number;
}

/** The text of an entry file. */
export function encodeEntryFile(fullKey: string, record: string): string {
  return `${JSON.stringify({ key: fullKey })}\n${record}`;
}

/** Opening for reading never follows a symlink at the file itself (ELOOP instead). */
const READ_NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;

/**
 * Opens `file` for reading; undefined when it does not exist. A symlink there is an error
 * naming it (code `ELOOP`), never followed: a store file planted as a link would read, and
 * then rewrite, whatever it points at.
 */
export async function openIfExists(file: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, READ_NO_FOLLOW);
  } catch (error) {
    if (isMissing(error)) return undefined;
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw Object.assign(new Error(`${file} is a symbolic link; Vessel does not follow links inside its store`), {
        code: 'ELOOP',
        cause: error,
      });
    }
    throw error;
  }
}

/** Reads an entry file; undefined when it is missing or has no readable header (foreign file). */
export async function readEntryFile(file: string): Promise<StoredFile | undefined> {
  const handle = await openIfExists(file);
  if (!handle) return undefined;
  try {
    // Files are replaced, never changed in place, so the size read here is the size of this inode.
    const { ino, size: fileSize } = await handle.stat();
    const buffer = Buffer.allocUnsafe(fileSize);
    let filled = 0;
    while (filled < fileSize) {
      const { bytesRead } = await handle.read(buffer, filled, fileSize - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const bytes = buffer.subarray(0, filled);
    const newline = bytes.indexOf(0x0a);
    if (newline < 0) return undefined;
    const header: unknown = JSON.parse(bytes.toString('utf8', 0, newline));
    const key = (header as { key?: unknown } | null)?.key;
    if (typeof key !== 'string') return undefined;
    return { key, record: bytes.toString('utf8', newline + 1), size: bytes.length - newline - 1, ino };
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Writes `text` to `file` so that readers see the old content or the new, never a mix:
 * a temp file in the same folder (same filesystem, so `rename` is atomic), then `rename`.
 * With `replacing`, the target is only replaced if it is still the file with that inode;
 * returns false (and writes nothing) when another writer got there first.
 */
export async function writeAtomically(file: string, text: string, replacing?: number): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // `wx` never follows a symlink; the mode (0600) passes through rename to the entry file.
    try {
      await writeFile(temp, text, { flag: 'wx', mode: PRIVATE_FILE_MODE });
    } catch (error) {
      if (!isMissing(error)) throw error;
      // First entry of this leaf folder: the folders made are the owner's only.
      await makePrivateFolder(path.dirname(file));
      await writeFile(temp, text, { flag: 'wx', mode: PRIVATE_FILE_MODE });
    }
    if (replacing !== undefined && (await inodeOf(file)) !== replacing) {
      await rm(temp, { force: true });
      return false;
    }
    await rename(temp, file);
    return true;
  } catch (error) {
    await rm(temp, { force: true }); // a full disk must not also leave half-written temp files
    throw error;
  }
}

/** Deletes `file`; with `ino`, only while it is still that file. True when something went. */
export async function removeFile(file: string, ino?: number): Promise<boolean> {
  try {
    if (ino !== undefined && (await inodeOf(file)) !== ino) return false;
    await unlink(file);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

async function inodeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).ino;
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/**
 * True for "no such file". Not ENOTDIR: a file where a folder belongs means a damaged store,
 * which must surface as an error rather than read as "no such entry".
 */
export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** Sorted names in `dir` that match `pattern`; none when the folder does not exist. */
async function listNames(dir: string, pattern?: RegExp, directoriesOnly = false): Promise<string[]> {
  try {
    const found = await readdir(dir, { withFileTypes: true });
    return found
      .filter((entry) => (!directoriesOnly || entry.isDirectory()) && (!pattern || pattern.test(entry.name)))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

/** Listings and file reads in flight at once: a walk is bound by disk latency, not by work. */
const WALK_WIDTH = 16;

/**
 * Runs `work` over `items` with up to `width` calls in flight and yields the results in input
 * order, so a walk keeps its order and holds at most `width` results at a time.
 */
export async function* inOrder<In, Out>(
  items: AsyncIterable<In> | Iterable<In>,
  work: (item: In) => Promise<Out>,
  width = WALK_WIDTH,
): AsyncGenerator<Out> {
  const pending: Promise<Out>[] = [];
  for await (const item of items) {
    const result = work(item);
    result.catch(() => {}); // rethrown when its turn comes; must not count as unhandled before
    pending.push(result);
    if (pending.length >= width) yield await (pending.shift() as Promise<Out>);
  }
  while (pending.length > 0) yield await (pending.shift() as Promise<Out>);
}

/** One `ab/cd` folder of a namespace dir with its file names, sorted. */
export interface LeafFolder {
  /** `ab/cd`, relative to the namespace dir. */
  readonly relative: string;
  readonly path: string;
  readonly names: readonly string[];
}

/**
 * The leaf folders of a namespace dir in sorted order, from `from` (`ab/cd`, inclusive) on.
 * Only one top-level listing and a few leaf listings are held at a time, so memory stays
 * bounded however many entries the namespace has.
 */
export async function* leafFolders(namespaceDir: string, from?: string): AsyncGenerator<LeafFolder> {
  const [fromTop = '', fromSub = ''] = from?.split('/') ?? [];
  for (const top of await listNames(namespaceDir, HASH_DIR_PATTERN, true)) {
    if (top < fromTop) continue;
    const topPath = path.join(namespaceDir, top);
    const subs = (await listNames(topPath, HASH_DIR_PATTERN, true)).filter((sub) => top !== fromTop || sub >= fromSub);
    yield* inOrder(subs, async (sub) => {
      const leafPath = path.join(topPath, sub);
      return { relative: `${top}/${sub}`, path: leafPath, names: await listNames(leafPath) };
    });
  }
}

/** An entry file met on a walk, read. */
export interface FoundEntry {
  readonly file: string;
  /** `ab/cd/<hash>.json`, relative to the namespace dir: the scan position of this file. */
  readonly relative: string;
  /** undefined when the file vanished meanwhile or is not an entry file (foreign content). */
  readonly stored: StoredFile | undefined;
}

/** The entry files of `leaves` in order, read a few at a time; with `after`, only those past it. */
export function readEntries(leaves: AsyncIterable<LeafFolder>, after?: string): AsyncGenerator<FoundEntry> {
  async function* files(): AsyncGenerator<{ file: string; relative: string }> {
    for await (const leaf of leaves) {
      for (const name of leaf.names) {
        const relative = `${leaf.relative}/${name}`;
        if (isEntryFileName(name) && (after === undefined || relative > after)) {
          yield { file: path.join(leaf.path, name), relative };
        }
      }
    }
  }
  return inOrder(files(), async ({ file, relative }) => ({ file, relative, stored: await readEntryFile(file) }));
}

/** Every entry file under `root`, in every namespace dir. */
async function* allEntries(root: string): AsyncGenerator<FoundEntry> {
  for (const namespaceDir of await listNames(root, NAMESPACE_DIR_PATTERN, true)) {
    yield* readEntries(leafFolders(path.join(root, namespaceDir)));
  }
}

/**
 * keyv adapter over the folder: single-key reads and writes, plus `clear` and `iterator` for
 * standalone keyv use. Expiry lives in the record, so keyv checks it on read; `has` checks it
 * here because keyv trusts an adapter's `has` as is.
 */
export class FileAdapter extends EventEmitter implements KeyvStoreAdapter {
  /**
   * keyv 5 reads `opts.url` whenever an adapter has an `iterator` and a dialect outside its
   * built-in list, and throws when it is missing, so both are set.
   */
  opts: { dialect: 'file'; url: string };
  namespace?: string | undefined;
  readonly #root: string;
  readonly #folders: RealFolders;

  /**
   * `root` is the storage's `cacheDir`, already resolved; `folders` the storage's record of
   * the folders under it checked not to be symlinks.
   */
  constructor(root: string, folders = new RealFolders(root, `file ${root}`)) {
    super();
    this.#root = root;
    this.#folders = folders;
    this.opts = { dialect: 'file', url: `file://${root}` };
  }

  /** The entry file of `key`, once the folders above it are known not to be symlinks. */
  async #entryFile(key: string): Promise<string> {
    const file = entryFileOf(this.#root, key);
    const checking = this.#folders.checkParentOf(file);
    if (checking) await checking;
    return file;
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    const stored = await readEntryFile(await this.#entryFile(key));
    // A header naming another key is a hash collision or a foreign file: not this entry.
    return stored?.key === key ? (stored.record as Value) : undefined;
  }

  async set(key: string, value: unknown): Promise<void> {
    if (typeof value !== 'string') {
      throw new TypeError(`the file store keeps serialized text; got ${typeof value} for ${JSON.stringify(key)}`);
    }
    await writeAtomically(await this.#entryFile(key), encodeEntryFile(key, value));
  }

  async delete(key: string): Promise<boolean> {
    const file = await this.#entryFile(key);
    const stored = await readEntryFile(file);
    if (stored?.key !== key) return false;
    return removeFile(file);
  }

  async has(key: string): Promise<boolean> {
    const stored = await readEntryFile(await this.#entryFile(key));
    if (stored?.key !== key) return false;
    const expiresAt = readRecordExpiry(stored.record);
    return expiresAt === null || expiresAt > Date.now();
  }

  /**
   * Deletes every entry whose key starts with `<namespace>:` (every entry without a namespace).
   * Vessel clears through the driver instead, which knows a namespace's exact range.
   */
  async clear(): Promise<void> {
    const prefix = this.namespace ? `${this.namespace}:` : '';
    const removals = inOrder(allEntries(this.#root), async ({ file, stored }) => {
      if (stored?.key.startsWith(prefix)) await removeFile(file, stored.ino);
    });
    for await (const _ of removals); // the work is in the mapping; this runs the walk to its end
  }

  /** Yields `[key, record]` for every entry under `<namespace>:` (all entries without one), in hash order. */
  async *iterator(namespace?: string): AsyncGenerator<[string, string], void> {
    const prefix = namespace ? `${namespace}:` : '';
    for await (const { stored } of allEntries(this.#root)) {
      if (stored?.key.startsWith(prefix)) yield [stored.key, stored.record];
    }
  }
}
