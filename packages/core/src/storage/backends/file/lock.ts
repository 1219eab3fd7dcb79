import { createHash } from 'node:crypto';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makePrivateFolder, PRIVATE_FILE_MODE } from '../../private-paths.js';
import { isMissing, openIfExists, removeFile } from './adapter.js';

/**
 * Host-wide locks as files: `<lockDir>/<sha256 of the lock key>.lock`, created with an
 * exclusive create (`wx`), so of all processes on the host that share the folder exactly one
 * creates it. The file holds `{"token","expiresAt"}`; a holder that crashed leaves it behind,
 * and once `expiresAt` has passed anyone may steal it.
 *
 * Stealing is "check, then delete", which two stealers could interleave (both see the stale
 * lock, one deletes it and takes a fresh one, the other then deletes the fresh one). So a steal
 * runs under a second exclusive file, `<lock>.steal`, and deletes the lock only if it is still
 * the same stale file (same token and inode) when re-read under that guard.
 */

/** A steal guard older than this was left by a crashed stealer (a steal takes microseconds). */
const STEAL_GUARD_STALE_MS = 5000;
/**
 * A lock file whose content cannot be read yet was caught between its create and its write;
 * it counts as held for this long after its last change, then as left by a crash.
 */
const UNWRITTEN_LOCK_GRACE_MS = 5000;
/** Create attempts per `tryLock` (each after a lock freed meanwhile or a successful steal). */
const CREATE_ATTEMPTS = 3;
/** Pause before `extend` tries the steal guard again (a steal takes microseconds). */
const GUARD_RETRY_MS = 5;

interface HeldLock {
  /** null when the file's content was unreadable. */
  readonly token: string | null;
  /** ms since the epoch. */
  readonly expiresAt: number;
  readonly ino: number;
}

/** The lock files of one storage. */
export class LockFolder {
  readonly #dir: string;

  /** `dir` is `<cacheDir>/lock`; it is created when first needed. */
  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Takes `lockKey` for `token` for `ttlMs` unless a live holder has it; never waits. */
  async tryLock(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    const file = this.#fileOf(lockKey);
    const content = (): string => JSON.stringify({ token, expiresAt: Date.now() + ttlMs });
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      if (await this.#createExclusive(file, content())) return true;
      const held = await readLock(file);
      if (held === undefined) continue; // released between our create and our read
      if (held.expiresAt > Date.now()) return false;
      if (!(await this.#removeStale(file, held))) return false;
    }
    return false;
  }

  /** Frees `lockKey` if `token` still holds it; a lock stolen after its TTL is left alone. */
  async unlock(lockKey: string, token: string): Promise<void> {
    const file = this.#fileOf(lockKey);
    const held = await readLock(file);
    if (held?.token === token) await removeFile(file, held.ino);
  }

  /**
   * Moves `lockKey`'s expiry to `ttlMs` from now if `token` still holds it. Runs under the steal
   * guard, so a stealer who saw the lock expire cannot delete it between our check and our
   * write; the file is rewritten in place (a reader catching it half-written counts it as held).
   */
  async extend(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    const file = this.#fileOf(lockKey);
    const guard = `${file}.steal`;
    for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
      if (await this.#createExclusive(guard, String(process.pid))) {
        try {
          const held = await readLock(file);
          if (held?.token !== token) return false;
          return await rewriteLock(file, held.ino, JSON.stringify({ token, expiresAt: Date.now() + ttlMs }));
        } finally {
          await removeFile(guard);
        }
      }
      await removeIfOlderThan(guard, STEAL_GUARD_STALE_MS); // left by a crashed stealer
      await sleep(GUARD_RETRY_MS);
    }
    // A stealer keeps the guard: the lock is still ours only if it has not expired yet, and the
    // holder's next renewal moves it.
    const held = await readLock(file);
    return held?.token === token && held.expiresAt > Date.now();
  }

  /**
   * Deletes lock files whose TTL has passed and steal guards older than a steal takes: what
   * crashed holders and stealers leave. Nobody else removes them (a lock is only taken over when
   * its own key is locked again), so without this they would pile up, one per crash.
   */
  async removeExpired(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const name of names) {
      const file = path.join(this.#dir, name);
      if (name.endsWith('.lock.steal')) {
        await removeIfOlderThan(file, STEAL_GUARD_STALE_MS);
      } else if (name.endsWith('.lock')) {
        const held = await readLock(file);
        // Under the steal guard, and only if it is still that expired lock: a live one is never touched.
        if (held && held.expiresAt <= Date.now()) await this.#removeStale(file, held);
      }
    }
  }

  #fileOf(lockKey: string): string {
    return path.join(this.#dir, `${createHash('sha256').update(lockKey).digest('hex')}.lock`);
  }

  /** Creates `file` holding `content` unless it exists; false when it does. */
  async #createExclusive(file: string, content: string, folderMade = false): Promise<boolean> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'wx', PRIVATE_FILE_MODE);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'ENOENT' || folderMade) throw error;
      await makePrivateFolder(this.#dir); // first lock, or someone removed the folder
      return this.#createExclusive(file, content, true);
    }
    try {
      await handle.writeFile(content);
      await handle.close();
      return true;
    } catch (error) {
      // A lock we could not fill in (full disk) would block everyone for the grace period.
      await handle.close().catch(() => {});
      await removeFile(file);
      throw error;
    }
  }

  /** Deletes a stale lock under the steal guard; false when another stealer is at it. */
  async #removeStale(file: string, stale: HeldLock): Promise<boolean> {
    const guard = `${file}.steal`;
    if (!(await this.#createExclusive(guard, String(process.pid)))) {
      await removeIfOlderThan(guard, STEAL_GUARD_STALE_MS); // the stealer crashed mid-steal
      return false;
    }
    try {
      const again = await readLock(file);
      if (again && again.ino === stale.ino && again.token === stale.token && again.expiresAt <= Date.now()) {
        await removeFile(file, again.ino);
      }
    } finally {
      await removeFile(guard);
    }
    return true;
  }
}

/** The lock in `file`; undefined when there is none. */
async function readLock(file: string): Promise<HeldLock | undefined> {
  const handle = await openIfExists(file);
  if (!handle) return undefined;
  try {
    const { ino, mtimeMs } = await handle.stat();
    const text = await handle.readFile('utf8');
    try {
      const { token, expiresAt } = JSON.parse(text) as { token?: unknown; expiresAt?: unknown };
      if (typeof token === 'string' && typeof expiresAt === 'number') return { token, expiresAt, ino };
    } catch {
      // falls through: not (yet) a complete lock
    }
    return { token: null, expiresAt: mtimeMs + UNWRITTEN_LOCK_GRACE_MS, ino };
  } finally {
    await handle.close();
  }
}

/** Replaces the content of lock `file` if it is still the file `ino`; false when it is gone or another. */
async function rewriteLock(file: string, ino: number, content: string): Promise<boolean> {
  const handle = await openForUpdate(file);
  if (!handle) return false;
  try {
    if ((await handle.stat()).ino !== ino) return false;
    await handle.write(content, 0, 'utf8');
    await handle.truncate(Buffer.byteLength(content));
    return true;
  } finally {
    await handle.close();
  }
}

async function openForUpdate(file: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, 'r+');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

async function removeIfOlderThan(file: string, ageMs: number): Promise<void> {
  try {
    const { ino, mtimeMs } = await stat(file);
    if (mtimeMs < Date.now() - ageMs) await removeFile(file, ino);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
}
