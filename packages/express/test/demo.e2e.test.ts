/**
 * The demo site (examples/demo) driven end to end in headless Chromium: Debian's `chromium`
 * package under playwright-core, never a downloaded browser. The demo runs in this process on a
 * free port with its own SQLite folder, so the test reads the sessions straight from its storage.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDemo } from '../../../examples/demo/server.mjs';

const MISSING_CHROMIUM =
  'chromium is not installed: run `apt-get install -y chromium` (Debian/Ubuntu) or set CHROMIUM_PATH, then rerun';

/** The system's Chromium: CHROMIUM_PATH, else `chromium` / `chromium-browser` on PATH. */
function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim();
    } catch {
      // not this name
    }
  }
  return undefined;
}

type Demo = Awaited<ReturnType<typeof startDemo>>;

describe('the demo site in a browser', () => {
  const executablePath = chromiumPath();
  if (executablePath === undefined) {
    // A failing test, not a skipped suite: the run must not pass without the browser test.
    it('needs chromium', () => {
      throw new Error(MISSING_CHROMIUM);
    });
    return;
  }
  let cacheDir: string;
  let demo: Demo;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), 'vessel-demo-e2e-'));
    // The demo signs with SESSION_SECRET; its short fallback is no longer accepted (32 bytes at least).
    process.env.SESSION_SECRET ??= 'demo e2e test: a secret of 32 bytes or more';
    demo = await startDemo({ port: 0, cacheDir });
    browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    context = await browser.newContext();
    page = await context.newPage();
  });
  afterEach(async () => {
    await context.close();
  });

  /** The number in "This session has shown N pages". */
  async function visits(): Promise<number> {
    const text = (await page.locator('#visits').textContent()) ?? '';
    return Number(/\d+/.exec(text)?.[0]);
  }

  /** The session id in the browser's signed cookie (`s:<id>.<signature>`). */
  async function sessionId(): Promise<string | undefined> {
    const name = demo.vessel.config.session.key;
    const cookie = (await context.cookies()).find((candidate) => candidate.name === name);
    return cookie && /^s:([^.]+)\./.exec(decodeURIComponent(cookie.value))?.[1];
  }

  const stored = (id: string) => demo.vessel.storage.namespace('session').get<{ data: Record<string, unknown> }>(id);

  async function logIn(name: string, password: string): Promise<void> {
    await page.goto(new URL('/login', demo.url).href);
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Password').fill(password);
    await Promise.all([page.waitForURL(demo.url), page.locator('#login button').click()]);
  }

  it('logs in, keeps the counter across reloads, logs out, and the session is gone from storage', async () => {
    await page.goto(demo.url);
    expect(await visits()).toBe(1);
    const anonymousId = await sessionId();

    await logIn('ada', 'lovelace');
    expect(await page.locator('.flash').textContent()).toBe('Logged in as ada.');
    expect(await page.locator('#account').textContent()).toContain('Hello ada.');
    const id = await sessionId();
    expect(id).toBeDefined();
    expect(id).not.toBe(anonymousId); // a fresh id at login
    if (anonymousId) expect(await stored(anonymousId)).toBeUndefined();
    expect((await stored(id as string))?.data).toMatchObject({ logged_in: true, user: 'ada' });

    const before = await visits();
    await page.reload();
    expect(await visits()).toBe(before + 1);
    await page.reload();
    expect(await visits()).toBe(before + 2);
    expect(await page.locator('.flash').count()).toBe(0); // the flash showed once
    expect((await stored(id as string))?.data.visits).toBe(before + 2);

    // Same URL before and after: wait for the new page's flash, not for the URL.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.locator('.flash', { hasText: 'Logged out.' }).waitFor();
    expect(await page.locator('#account').textContent()).toContain('You are not logged in.');
    expect(await stored(id as string)).toBeUndefined();
    const afterId = await sessionId();
    expect(afterId).not.toBe(id);
    expect((await stored(afterId as string))?.data).not.toHaveProperty('user');
  });

  it('keeps the language, refuses a form without its token, and serves the report from the cache', async () => {
    await logIn('bob', 'builder');
    await page.locator('#language button[value="fr"]').click();
    await page.locator('html[lang="fr"]').waitFor({ state: 'attached' });
    await page.goto(new URL('/notes', demo.url).href);
    expect(await page.locator('#account').textContent()).toContain('Bonjour bob.');

    await page.locator('#with-token input[name="text"]').fill('a note');
    await page.locator('#with-token button').click();
    await page.locator('#notes li', { hasText: 'a note' }).waitFor();
    expect(await page.locator('.flash').textContent()).toBe('Note enregistrée.');

    await page.locator('#without-token input[name="text"]').fill('forged');
    const [refused] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST'),
      page.locator('#without-token button').click(),
    ]);
    expect(refused.status()).toBe(403);
    const notes = (await stored((await sessionId()) as string))?.data.notes as { text: string }[];
    expect(notes.map((note) => note.text)).toEqual(['a note']);

    await page.goto(new URL('/report', demo.url).href);
    const computedAt = await page.locator('#computed-at').getAttribute('datetime');
    expect(Number.isNaN(Date.parse(computedAt ?? ''))).toBe(false);
    expect(Number(await page.locator('#stored-sessions').textContent())).toBeGreaterThanOrEqual(1);
  });
});
