import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A fresh copy of @vessel/core, so the once-per-process warning starts unsent. */
async function freshCore(): Promise<typeof import('@vessel/core')> {
  vi.resetModules();
  return import('@vessel/core');
}

describe('developmentSecret', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('gives one random 32-byte secret per process and warns once on stderr', async () => {
    vi.stubEnv('NODE_ENV', 'development');
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { developmentSecret, SessionManager } = await freshCore();
    const secret = developmentSecret();
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(developmentSecret()).toBe(secret);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/will not survive a restart.*SESSION_SECRET/);
    expect(String(warn.mock.calls[0]?.[0])).not.toContain(secret);
    // Long enough for the strictest user: cookie-only sessions.
    expect(new SessionManager({ type: 'cookie', secret })).toBeInstanceOf(SessionManager);
    expect((await freshCore()).developmentSecret()).not.toBe(secret);
  });

  it('throws a ConfigError naming session.secret under NODE_ENV=production', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { ConfigError, developmentSecret } = await freshCore();
    expect(() => developmentSecret()).toThrow(ConfigError);
    expect(() => developmentSecret()).toThrow(/^session\.secret: .*SESSION_SECRET/);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('docs and examples', () => {
  /** Every Markdown page and example script, with its path relative to the repository. */
  async function sources(): Promise<{ file: string; text: string }[]> {
    const files: string[] = ['README.md'];
    for (const dir of ['docs', 'examples']) {
      for (const entry of await readdir(path.join(ROOT, dir), { recursive: true, withFileTypes: true })) {
        if (entry.isFile() && /\.(md|mjs|js|ts)$/.test(entry.name))
          files.push(path.relative(ROOT, path.join(entry.parentPath, entry.name)));
      }
    }
    return Promise.all(files.map(async (file) => ({ file, text: await readFile(path.join(ROOT, file), 'utf8') })));
  }

  it('never fall back to a fixed secret that would end up in production', async () => {
    const fallbacks: string[] = [];
    for (const { file, text } of await sources()) {
      text.split('\n').forEach((line, index) => {
        // `?? 'dev-only'`, `|| "change-me"`: a secret anyone can read in the repository.
        if (/secret/i.test(line) && /(\?\?|\|\|)\s*['"`]/.test(line))
          fallbacks.push(`${file}:${index + 1}: ${line.trim()}`);
      });
    }
    expect(fallbacks).toEqual([]);
  });
});
