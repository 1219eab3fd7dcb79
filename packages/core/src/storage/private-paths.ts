import { constants } from 'node:fs';
import { lstat, mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { StorageUnavailableError } from '../errors.js';

/** Folders Vessel creates for a store: the owner only (session data is a credential). */
export const PRIVATE_DIR_MODE = 0o700;
/** Files Vessel creates for a store: the owner reads and writes, nobody else. */
export const PRIVATE_FILE_MODE = 0o600;

/** The error for a symlink where a store file or folder belongs. */
export function symlinkRefused(location: string, target: string): StorageUnavailableError {
  return new StorageUnavailableError(
    location,
    `${target} is a symbolic link; Vessel does not follow links inside its store (one planted there would send the data elsewhere)`,
  );
}

/**
 * True when `target` exists and is not a symlink, false when it does not exist; throws
 * `symlinkRefused` for a symlink (dangling or not).
 */
export async function isRealPath(target: string, location: string): Promise<boolean> {
  try {
    if ((await lstat(target)).isSymbolicLink()) throw symlinkRefused(location, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Creates `folder` and any missing parents with mode 0700 (an existing folder keeps its mode),
 * one `mkdir` per missing level: at most twice the path's depth in calls, however the
 * filesystem answers. Node's own `mkdir({ recursive: true })` retries forever when `mkdir`
 * says ENOENT while the parent exists, as /proc does (one CPU at 100 %, for good); here that
 * is an error naming the folder, with the code the system gave.
 */
export async function makePrivateFolder(folder: string): Promise<void> {
  const missing: string[] = [];
  // Up from `folder` to the first level that exists: each step one level shorter.
  for (let current = path.resolve(folder); ; current = path.dirname(current)) {
    try {
      await mkdir(current, { mode: PRIVATE_DIR_MODE });
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === 'EEXIST') {
        await assertFolder(current, error);
        break;
      }
      if (code !== 'ENOENT' || path.dirname(current) === current) throw error;
      missing.push(current);
    }
  }
  // Down again, each level once: its parent exists now, so ENOENT means "no folders here".
  for (const level of missing.reverse()) {
    try {
      await mkdir(level, { mode: PRIVATE_DIR_MODE });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === 'EEXIST') {
        await assertFolder(level, error); // made by another process meanwhile
        continue;
      }
      if (code !== 'ENOENT') throw error;
      throw Object.assign(
        new Error(
          `cannot create folder ${level}: ${path.dirname(level)} exists but refuses new folders (ENOENT; /proc and /sys are not for data)`,
          { cause: error },
        ),
        { code },
      );
    }
  }
}

/** Throws (ENOTDIR, naming it) unless `target`, which exists, is a folder or a link to one. */
async function assertFolder(target: string, cause: unknown): Promise<void> {
  if ((await stat(target)).isDirectory()) return;
  throw Object.assign(new Error(`ENOTDIR: ${target} exists and is not a folder`, { cause }), { code: 'ENOTDIR' });
}

/**
 * Creates `file` empty with mode 0600 unless it exists (never through a symlink): so a program
 * that creates files with the default 0644 (SQLite) finds it private already. The mode is set
 * explicitly too, since the umask only ever removes bits and an odd one (0277) would remove the
 * owner's write. An existing file keeps the mode it has.
 */
export async function createPrivateFile(file: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(
      file,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      PRIVATE_FILE_MODE,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException | null)?.code === 'EEXIST') return;
    throw error;
  }
  try {
    await handle.chmod(PRIVATE_FILE_MODE);
  } finally {
    await handle.close();
  }
}

/**
 * The folders under a store's root that have been checked not to be symlinks, so each is
 * lstat'ed once per process, not on every operation. The root itself (`cacheDir`) may be a
 * symlink (`/var/cache/app` → `/data/cache`): the operator chose it; everything Vessel made
 * inside it must be real. Folders still missing are checked again once they exist.
 */
export class RealFolders {
  readonly #root: string;
  readonly #location: string;
  readonly #verified = new Set<string>();

  constructor(root: string, location: string) {
    this.#root = root;
    this.#location = location;
  }

  /** Checks the folders from the root down to `folder`; undefined (no promise) when already known real. */
  check(folder: string): Promise<void> | undefined {
    return this.#verified.has(folder) ? undefined : this.#verify(folder);
  }

  /** `check` of the folder holding `file`. */
  checkParentOf(file: string): Promise<void> | undefined {
    return this.check(path.dirname(file));
  }

  async #verify(folder: string): Promise<void> {
    const relative = path.relative(this.#root, folder);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return;
    let current = this.#root;
    for (const part of relative.split(path.sep)) {
      current = path.join(current, part);
      if (this.#verified.has(current)) continue;
      if (!(await isRealPath(current, this.#location))) return;
      this.#verified.add(current);
    }
  }
}
