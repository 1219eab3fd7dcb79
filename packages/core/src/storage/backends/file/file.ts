import { randomBytes } from 'node:crypto';
import { lstat, readdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StorageUnavailableError } from '../../../errors.js';
import type { BackendDriver, RawEntry, ScanPage, ScanPageRequest } from '../../driver.js';
import { readRecordExpiry, withRecordExpiry } from '../../encoding/record.js';
import type { KeyRange } from '../../keys.js';
import { makePrivateFolder, PRIVATE_FILE_MODE, RealFolders } from '../../private-paths.js';
import { withTimeout } from '../../timeout.js';
import type { CommonStorageOptions, StorageCapabilities } from '../../types.js';
import {
  encodeEntryFile,
  entryFileOf,
  FileAdapter,
  type FoundEntry,
  inOrder,
  isMissing,
  isTempFileName,
  type LeafFolder,
  leafFolders,
  namespaceDirOf,
  readEntries,
  readEntryFile,
  removeFile,
  writeAtomically,
} from './adapter.js';
import { LockFolder } from './lock.js';

/** One JSON file per key under `cacheDir`, written atomically. */
export interface FileStorageOptions extends CommonStorageOptions {
  type: 'file';
  /** Root folder; entries go to `<cacheDir>/<namespace>/ab/cd/<hash>.json`. Required. */
  cacheDir: string;
}

/**
 * What the file backend does natively: expiry is written into each entry file (read and swept,
 * never native), a touch rewrites the file, and a lock is a lock folder every process of this
 * host sees.
 */
export const FILE_CAPABILITIES: StorageCapabilities = Object.freeze({
  nativeTtl: false,
  touchWithoutRewrite: false,
  lockScope: 'host',
  persistent: true,
});

/** A temp file this old was left by a writer that crashed between write and rename. */
const STALE_TEMP_MS = 60_000;
/** The write probe of `connect`/`ping`: `<cacheDir>/.probe.<pid>.<random>.tmp`, deleted right after. */
const PROBE_PATTERN = /^\.probe\.\d+\.[0-9a-f]+\.tmp$/;
/**
 * Files one `scanPage` reads at most, even if it found fewer than `limit` entries: a folder
 * shared with other prefixes, or full of expired entries, must not turn one page into a walk
 * of the whole tree. The page then ends early with a cursor, which the contract allows.
 */
const MIN_FILES_PER_PAGE = 1000;
const FILES_PER_PAGE_FACTOR = 10;
/** `touch` retries this often when another writer replaced the file between read and write. */
const TOUCH_ATTEMPTS = 3;
/** Cursor: the last file a page looked at, relative to the namespace dir. */
const CURSOR_PATTERN = /^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}\.json$/;

/** fs error codes that mean "the folder cannot be used", as opposed to a bug or a bad key. */
const UNAVAILABLE_CODES = new Set([
  'EACCES',
  'EPERM',
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EIO',
  'EMFILE',
  'ENFILE',
  'ENOTDIR',
  'ELOOP',
  'EBUSY',
  'ESTALE',
  'ETIMEDOUT',
]);

function inRange(key: string, range: KeyRange): boolean {
  return key >= range.start && key < range.end;
}

function isLive(expiresAt: number | null, now: number): boolean {
  return expiresAt === null || expiresAt > now;
}

/** Runs a walk to its end (its work happens in the mapping, not in the results). */
async function drain(walk: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of walk);
}

/**
 * File backend: one JSON file per key under `cacheDir`, written atomically (temp + rename),
 * listed by walking the folder, expired by `sweep`; locks are exclusive-create lock files, so
 * they exclude every process on the host that shares `cacheDir` (not other hosts: do not rely
 * on them over NFS).
 *
 * Entries are listed in hash order, not key order: the folder tree is ordered by hash.
 */
export function createFileDriver(options: FileStorageOptions): BackendDriver {
  const root = path.resolve(options.cacheDir);
  const location = `file ${root}`;
  const timeoutMs = options.timeoutMs ?? 5000;
  const lockDir = path.join(root, 'lock');
  const locks = new LockFolder(lockDir);
  // Every folder inside `root` is checked once not to be a symlink (`root` itself may be one).
  const folders = new RealFolders(root, location);
  let connected = false;
  /** The folder check in flight: `close` waits for it, so no probe file appears after it. */
  let probing: Promise<void> | undefined;

  async function checkFolder(folder: string): Promise<void> {
    const checking = folders.check(folder);
    if (checking) await checking;
  }

  const unavailable = (error: unknown): StorageUnavailableError =>
    error instanceof StorageUnavailableError
      ? error
      : new StorageUnavailableError(location, (error as Error).message, { cause: error });

  /**
   * The leaf folders of the namespace dir that `range` lives in (several prefixes may share it).
   * The walk itself skips symlinked `ab`/`cd` folders (it lists real folders only).
   */
  async function* leavesOf(range: KeyRange, from?: string): AsyncGenerator<LeafFolder> {
    const namespaceDir = path.join(root, namespaceDirOf(range.start));
    await checkFolder(namespaceDir);
    yield* leafFolders(namespaceDir, from);
  }

  /** Deletes the files `names` of `dir` that were last written before `now - STALE_TEMP_MS`. */
  async function removeStale(dir: string, names: readonly string[], now: number): Promise<void> {
    for (const name of names) {
      const temp = path.join(dir, name);
      try {
        if ((await lstat(temp)).mtimeMs < now - STALE_TEMP_MS) await removeFile(temp);
      } catch (error) {
        if (!isMissing(error)) throw error; // else it was renamed into place meanwhile
      }
    }
  }

  /** Deletes what crashed processes left outside the entries: write probes and expired lock files. */
  async function removeCrashLeftovers(now: number): Promise<void> {
    const probes = (await readdir(root)).filter((name) => PROBE_PATTERN.test(name));
    await removeStale(root, probes, now);
    await checkFolder(lockDir);
    await locks.removeExpired();
  }

  async function checkWritable(): Promise<void> {
    // A real write, not `access`: it also catches a full disk and a read-only mount.
    const probe = path.join(root, `.probe.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(probe, '', { flag: 'wx', mode: PRIVATE_FILE_MODE });
    await unlink(probe);
  }

  return {
    type: 'file',
    capabilities: FILE_CAPABILITIES,
    location,
    embedsExpiry: true,

    async connect() {
      if (connected) return;
      const connecting = (async () => {
        // Only the folders made here are private: an existing cacheDir keeps its mode.
        await makePrivateFolder(root);
        await checkWritable();
      })();
      probing = connecting.catch(() => {});
      try {
        await (timeoutMs > 0 ? withTimeout(connecting, timeoutMs, location) : connecting);
      } catch (error) {
        throw unavailable(error);
      }
      connected = true;
    },

    async ping() {
      try {
        await checkWritable();
      } catch (error) {
        throw unavailable(error);
      }
    },

    createAdapter: () => new FileAdapter(root, folders),

    async scanPage({ range, cursor, limit, includeExpired, now, keysOnly }: ScanPageRequest): Promise<ScanPage> {
      if (cursor !== null && !CURSOR_PATTERN.test(cursor)) {
        throw new TypeError(`not a file scan cursor: ${JSON.stringify(cursor)}`);
      }
      const after = cursor ?? undefined;
      const wanted = Math.max(1, limit);
      const budget = Math.max(MIN_FILES_PER_PAGE, wanted * FILES_PER_PAGE_FACTOR);
      const entries: RawEntry[] = [];
      let read = 0;
      // Leaving the loop early abandons the walk: the few reads still in flight are discarded.
      for await (const { relative, stored } of readEntries(leavesOf(range, after?.slice(0, 5)), after)) {
        read++;
        if (stored && inRange(stored.key, range)) {
          const expiresAt = readRecordExpiry(stored.record);
          if (includeExpired || isLive(expiresAt, now)) {
            entries.push({ key: stored.key, raw: keysOnly ? undefined : stored.record, size: stored.size, expiresAt });
          }
        }
        if (entries.length >= wanted || read >= budget) return { entries, cursor: relative };
      }
      return { entries, cursor: null };
    },

    async count(range, includeExpired, now) {
      let total = 0;
      for await (const { stored } of readEntries(leavesOf(range))) {
        if (stored && inRange(stored.key, range) && (includeExpired || isLive(readRecordExpiry(stored.record), now))) {
          total++;
        }
      }
      return total;
    },

    async touch(fullKey, expiresAt, now) {
      const file = entryFileOf(root, fullKey);
      await folders.checkParentOf(file);
      for (let attempt = 0; attempt < TOUCH_ATTEMPTS; attempt++) {
        const stored = await readEntryFile(file);
        if (stored?.key !== fullKey || !isLive(readRecordExpiry(stored.record), now)) return false;
        const text = encodeEntryFile(fullKey, withRecordExpiry(stored.record, expiresAt));
        // Only over the file we read: a delete or set that landed meanwhile must not be undone.
        if (await writeAtomically(file, text, stored.ino)) return true;
      }
      return false;
    },

    async sweep(range, now) {
      let removed = 0;
      async function* leavesWithoutStaleTemps(): AsyncGenerator<LeafFolder> {
        for await (const leaf of leavesOf(range)) {
          await removeStale(leaf.path, leaf.names.filter(isTempFileName), now);
          yield leaf;
        }
      }
      const expired = ({ stored }: FoundEntry): boolean =>
        stored !== undefined && inRange(stored.key, range) && !isLive(readRecordExpiry(stored.record), now);
      await drain(
        inOrder(readEntries(leavesWithoutStaleTemps()), async (found) => {
          // The inode check keeps a value rewritten since we read it (a fresh set) from being swept.
          if (expired(found) && (await removeFile(found.file, found.stored?.ino))) removed++;
        }),
      );
      await removeCrashLeftovers(now);
      return removed;
    },

    async clear(range) {
      // File by file, never the whole folder: another prefix may share the namespace dir.
      await drain(
        inOrder(readEntries(leavesOf(range)), async ({ file, stored }) => {
          if (stored && inRange(stored.key, range)) await removeFile(file);
        }),
      );
    },

    tryLock: async (lockKey, token, ttlMs) => {
      await checkFolder(lockDir);
      return locks.tryLock(lockKey, token, ttlMs);
    },
    unlock: async (lockKey, token) => {
      await checkFolder(lockDir);
      return locks.unlock(lockKey, token);
    },
    extendLock: async (lockKey, token, ttlMs) => {
      await checkFolder(lockDir);
      return locks.extend(lockKey, token, ttlMs);
    },

    translateError(error) {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (error instanceof Error && typeof code === 'string' && UNAVAILABLE_CODES.has(code)) {
        return new StorageUnavailableError(location, error.message, { cause: error });
      }
      return error;
    },

    async close() {
      // Every operation opens and closes its own files; nothing stays open.
      await probing;
    },
  };
}
