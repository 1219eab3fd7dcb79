/**
 * Suite 3 (hostile input), cookie-only sessions: seeded tampering of sealed cookies. A flipped
 * bit at every byte position of the value, segments cut and pasted between cookies and keys,
 * truncations, re-encodings: every one gives a fresh session and an `undecryptable` reject.
 * Rotation across three key generations: old key ids still open, new seals carry the new key id.
 * Builds on test/session/cookie-only.test.ts (bits of the decoded segments, one rotation step).
 */
import { SessionManager, type SessionOptions } from '@vessel/core';
import { describe, expect, it } from 'vitest';
import { fuzzRng, type Rng, Tally } from '../../../../test-support/fuzz.js';
import { Browser, parseSetCookie, rejectsOf } from '../../../../test-support/sessions.js';

const { seed, rng: root } = fuzzRng('cookie-only sessions');

function sessionsWith(secret: string | string[], options: SessionOptions = {}): SessionManager {
  return new SessionManager({ type: 'cookie', secret, ...options });
}

/** A sealed cookie value (decoded) for a session holding `data`. */
async function seal(sessions: SessionManager, data: Record<string, unknown>): Promise<{ id: string; value: string }> {
  const browser = new Browser();
  const { session, result } = await browser.request(sessions, async (s) => {
    for (const [key, value] of Object.entries(data)) s.set(key, value);
    await s.save();
  });
  return { id: session.id, value: parseSetCookie(result.setCookie ?? '').value };
}

/** Random session data: a few keys of strings, numbers, dates and nested objects, of varied size. */
function randomData(rng: Rng): Record<string, unknown> {
  const data: Record<string, unknown> = { user: rng.string(rng.between(1, 12), 'abcdefghij') };
  for (let i = rng.between(0, 6); i > 0; i--) {
    data[`k${i}`] = rng.pick([
      rng.int(1e6),
      rng.string(rng.between(0, 300), 'xyz é🍪'),
      new Date(1_700_000_000_000 + rng.int(1e9)),
      { nested: [rng.int(10), rng.chance(0.5)] },
    ]);
  }
  return data;
}

/** `name` padded to the 32 bytes of key material cookie-only sessions require. */
const long = (name: string) => `${name} `.padEnd(32, '*');

const keyIdOf = (value: string) => value.split('.')[1];

describe('cookie-only sessions under seeded tampering', () => {
  it('refuses a flipped bit at every byte position, and cut-and-paste, truncated and re-encoded cookies', async () => {
    const rng = root.fork('tampering');
    // Two key generations, so pasted segments can come from a cookie sealed under another key.
    const sessions = sessionsWith([long('current'), long('previous')]);
    const older = sessionsWith(long('previous'));
    const cookies: { value: string; data: Record<string, unknown> }[] = [];
    for (let i = 0; i < 12; i++) {
      const data = randomData(rng);
      cookies.push({ value: (await seal(i % 3 === 0 ? older : sessions, data)).value, data });
    }
    const authentic = new Set(cookies.map((cookie) => cookie.value));
    const rejects = rejectsOf(sessions);
    const tally = new Tally();
    const accepted: string[] = [];

    const tryForgery = async (family: string, forged: string) => {
      tally.add(family);
      const session = await sessions.load({ cookie: `vessel.sid=${encodeURIComponent(forged)}` });
      if (!session.isNew && !authentic.has(forged)) accepted.push(`${family}: ${forged.slice(0, 80)}`);
    };

    for (const { value } of cookies) {
      // Every byte position of the value as the browser holds it, one seeded bit each (bits 6
      // and 7 give non-ASCII characters, which travel percent-encoded).
      const bytes = Buffer.from(value, 'latin1');
      for (let at = 0; at < bytes.length; at++) {
        const flipped = Buffer.from(bytes);
        flipped[at] = (flipped[at] as number) ^ (1 << rng.int(8));
        await tryForgery('bit flip', flipped.toString('latin1'));
      }
    }
    for (let i = 0; i < 1500; i++) {
      const [a, b] = [rng.pick(cookies).value.split('.'), rng.pick(cookies).value.split('.')];
      const mixed = a.map((part, index) => (rng.chance(0.5) ? (b[index] ?? part) : part)).join('.');
      if (mixed !== a.join('.') && mixed !== b.join('.')) await tryForgery('cut and paste', mixed);
      const value = a.join('.');
      const at = rng.int(value.length);
      await tryForgery(
        'structure',
        rng.pick([
          value.slice(0, at),
          value.slice(at + 1),
          `${value}.${a[3]}`,
          a.slice(0, 3).join('.'),
          // another version's head with this key id (v1 opens only under its own key ids)
          `v1.${a.slice(1).join('.')}`,
          `V2.${a.slice(1).join('.')}`,
          `${value}=`,
          `${value.slice(0, at)}${rng.pick(['.', '=', '+', '/', '%', ' ', '\u00e9'])}${value.slice(at)}`,
          // standard base64 (with padding) instead of base64url for one segment
          a.map((part, index) => (index === 3 ? Buffer.from(part, 'base64url').toString('base64') : part)).join('.'),
          a.map((part, index) => (index === 2 ? `${part}A` : part)).join('.'),
        ]),
      );
    }
    console.log(`[fuzz] cookie-only tampering: ${tally.total} forgeries (${tally}), seed ${seed}`);
    expect(accepted).toEqual([]);
    expect(rejects).toHaveLength(tally.total);
    expect(new Set(rejects.map((event) => event.reason))).toEqual(new Set(['undecryptable']));
    // The authentic cookies still open, with their data.
    for (const { value, data } of cookies) {
      expect((await sessions.load({ cookie: `vessel.sid=${encodeURIComponent(value)}` })).toJSON()).toEqual(data);
    }
  });

  it('opens cookies of every older key id after rotation, and seals new and re-sent ones under the newest', async () => {
    const rng = root.fork('rotation');
    const generations = ['key one', 'key two', 'key three'].map(long);
    // The key id each secret seals under, read from a cookie sealed by that secret alone.
    const keyIds = await Promise.all(
      generations.map(async (secret) => keyIdOf((await seal(sessionsWith(secret), {})).value)),
    );
    expect(new Set(keyIds).size).toBe(3);

    // Sessions sealed while each generation was the newest: [one], [two, one], [three, two, one].
    const sealed: { value: string; data: Record<string, unknown>; generation: number }[] = [];
    for (let generation = 0; generation < generations.length; generation++) {
      const secrets = generations.slice(0, generation + 1).reverse();
      for (let i = 0; i < 5; i++) {
        const data = randomData(rng);
        const { value } = await seal(sessionsWith(secrets), data);
        expect(keyIdOf(value)).toBe(keyIds[generation]);
        sealed.push({ value, data, generation });
      }
    }

    const current = sessionsWith([...generations].reverse());
    for (const { value, data, generation } of sealed) {
      const browser = new Browser(`vessel.sid=${encodeURIComponent(value)}`);
      const { session, result } = await browser.request(current);
      expect(session.isNew).toBe(false);
      expect(session.toJSON()).toEqual(data);
      // Opened with an older key: the response re-seals it under the newest, unchanged.
      if (generation < 2) expect(keyIdOf(parseSetCookie(result.setCookie ?? '').value)).toBe(keyIds[2]);
      else expect(result.setCookie).toBeUndefined();
      expect((await browser.load(sessionsWith(long('key three')))).toJSON()).toEqual(data);
    }
    // A new session is sealed under the newest key id.
    expect(keyIdOf((await seal(current, randomData(rng))).value)).toBe(keyIds[2]);

    // Once the oldest key is dropped, its cookies no longer open.
    const dropped = sessionsWith([long('key three'), long('key two')]);
    const rejects = rejectsOf(dropped);
    for (const { value, generation } of sealed) {
      const session = await dropped.load({ cookie: `vessel.sid=${encodeURIComponent(value)}` });
      expect(session.isNew).toBe(generation === 0);
    }
    expect(rejects.map((event) => event.reason)).toEqual(Array(5).fill('undecryptable'));
  });
});
