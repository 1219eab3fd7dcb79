/** What the registry shows of each package, and the release settings that keep them in lockstep. */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const packageDirs = (await readdir(path.join(repo, 'packages'))).sort();

async function json(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(repo, file), 'utf8')) as Record<string, unknown>;
}

describe('package manifests', () => {
  const root = json('package.json');

  it.each(packageDirs)('packages/%s is publishable: metadata, README, LICENSE, prepack build', async (dir) => {
    const manifest = await json(`packages/${dir}/package.json`);
    expect(manifest.private).toBeUndefined();
    expect(manifest.name).toBe(`@vessel/${dir}`);
    expect(manifest.license).toBe('MIT');
    expect(manifest.engines).toEqual((await root).engines);
    expect(manifest.repository).toEqual({
      type: 'git',
      url: 'git+https://github.com/vessel-sessions/vessel.git',
      directory: `packages/${dir}`,
    });
    expect((manifest.keywords as string[]).length).toBeGreaterThan(3);
    expect(manifest.publishConfig).toEqual({ access: 'public', provenance: true });
    expect((manifest.scripts as Record<string, string>).prepack).toBe(
      'node ../../scripts/prune-stale-dist.mjs && tsc -b',
    );
    expect(manifest.files).toContain('dist');
    for (const file of ['README.md', 'LICENSE']) {
      expect((await stat(path.join(repo, 'packages', dir, file))).size, `${dir}/${file}`).toBeGreaterThan(200);
    }
    expect(await readFile(path.join(repo, 'packages', dir, 'LICENSE'), 'utf8')).toBe(
      await readFile(path.join(repo, 'LICENSE'), 'utf8'),
    );
  });

  it('internal dependencies pin the one lockstep version exactly, and lerna keeps them so', async () => {
    const lerna = await json('lerna.json');
    expect((lerna.command as { version: { exact: boolean } }).version.exact).toBe(true);
    for (const dir of packageDirs) {
      const manifest = await json(`packages/${dir}/package.json`);
      expect(manifest.version, dir).toBe(lerna.version);
      for (const [name, range] of Object.entries((manifest.dependencies ?? {}) as Record<string, string>)) {
        if (name.startsWith('@vessel/')) expect(range, `${dir} → ${name}`).toBe(lerna.version);
      }
    }
  });

  it('a fresh clone builds on install, so the session-inspect bin works at once', async () => {
    expect(((await root).scripts as Record<string, string>).prepare).toBe('npm run build');
  });
});
