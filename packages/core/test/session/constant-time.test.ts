import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../src/session/constant-time.js';

const packages = fileURLToPath(new URL('../../../', import.meta.url));

/** Every TypeScript source file of every package, with its text. */
async function sources(): Promise<{ file: string; text: string }[]> {
  const found: { file: string; text: string }[] = [];
  for (const pkg of await readdir(packages)) {
    const src = path.join(packages, pkg, 'src');
    const entries = await readdir(src, { recursive: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.endsWith('.ts')) continue;
      const file = path.join(src, entry);
      found.push({ file: path.relative(packages, file), text: await readFile(file, 'utf8') });
    }
  }
  return found;
}

describe('constant-time comparison', () => {
  it('says equal for the same bytes and unequal otherwise, whatever the lengths', () => {
    const signature = Buffer.from('pFHzPpVdTGXoI1H7eMdBBrQYBkMLaL0wEWUN9ZkURjs');
    expect(constantTimeEqual(signature, Buffer.from(signature))).toBe(true);
    expect(constantTimeEqual(signature, Buffer.from('pFHzPpVdTGXoI1H7eMdBBrQYBkMLaL0wEWUN9ZkURjt'))).toBe(false);
    expect(constantTimeEqual(signature, signature.subarray(0, 10))).toBe(false);
    expect(constantTimeEqual(signature, Buffer.concat([signature, Buffer.from('x')]))).toBe(false);
    expect(constantTimeEqual(signature, Buffer.alloc(0))).toBe(false);
  });

  // Timing cannot be tested reliably; the guarantee is by construction: one reviewed helper.
  it('is the only place that compares with timingSafeEqual, and signatures are checked through it', async () => {
    const all = await sources();
    const users = all.filter(({ text }) => text.includes('timingSafeEqual')).map(({ file }) => file);
    expect(users).toEqual([path.join('core', 'src', 'session', 'constant-time.ts')]);
    const signing = all.find(({ file }) => file.endsWith(path.join('session', 'cookie-signing.ts')));
    expect(signing?.text.match(/constantTimeEqual\(/g)).toHaveLength(2);
    expect(signing?.text).not.toMatch(/signature\s*[!=]==|[!=]==\s*\w*signature/i);
  });
});
