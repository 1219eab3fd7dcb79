import { signSessionId } from '@vessel/core';
import { hostileId, ID_FAMILIES, plausibleId, type Rng } from '../../../../test-support/fuzz.js';

/** A stored session the fuzzer tries to reach, with the secret data it must never leak. */
export interface RealSession {
  readonly id: string;
  /** The secret value stored in the session's data. */
  readonly secret: string;
  /** Its authentic cookie values (not yet URI-encoded): signed with the current and the previous secret. */
  readonly authentic: readonly string[];
}

/** What the cookie fuzzer knows about the app under test. */
export interface CookieContext {
  readonly name: string;
  readonly real: readonly RealSession[];
  /** The app's secrets: the first signs, the second still verifies (rotation). */
  readonly secrets: readonly [current: string, previous: string];
  /** A secret the app no longer has. */
  readonly retired: string;
  /** A file name that traversal ids end in, to look for afterwards. */
  readonly marker: string;
}

/** One fuzz case: the Cookie header line(s) to send, or raw header bytes for the socket client. */
export interface CookieCase {
  readonly family: string;
  readonly cookie?: string | string[];
  /** Header bytes Node's HTTP client refuses to send (NUL, bare CR/LF): sent on a raw socket. */
  readonly raw?: Buffer;
}

const SIGNATURE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function signatureOf(signed: string): string {
  return signed.slice(signed.lastIndexOf('.') + 1);
}

function flipCharacter(rng: Rng, text: string, from = 0): string {
  if (text.length <= from) return `${text}A`;
  const at = rng.between(from, text.length - 1);
  const code = text.charCodeAt(at);
  let replacement = code ^ (1 << rng.int(6));
  if (replacement === code) replacement = code + 1;
  return text.slice(0, at) + String.fromCharCode(replacement) + text.slice(at + 1);
}

/** Latin-1 lookalikes and Cyrillic/Greek homoglyphs of ASCII id characters. */
const HOMOGLYPHS: Record<string, string> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с', x: 'х', A: 'Α', B: 'Β', '-': '‐' };

/** Cookie values (decoded form) by family; each takes the generator and the context. */
const VALUE_FAMILIES: Record<string, (rng: Rng, context: CookieContext) => string> = {
  malformed(rng, { real }) {
    const session = rng.pick(real);
    const authentic = session.authentic[0] as string;
    const sig = signatureOf(authentic);
    return rng.pick([
      ID_FAMILIES.junk(rng),
      `s:${ID_FAMILIES.junk(rng)}`,
      session.id,
      `s:${session.id}`,
      `s:${session.id}.`,
      `s:.${sig}`,
      `s:${session.id}..${sig}`,
      `s:${session.id}.${sig}.${sig}`,
      `S:${session.id}.${sig}`,
      ` ${authentic}x`,
      `${authentic.slice(2)}`,
      `j:${JSON.stringify({ id: session.id })}`,
      `s:j:${JSON.stringify(session.id)}.${sig}`,
      '',
      's:',
      's:.',
      '.',
      '"',
      `"${authentic}`,
    ]);
  },

  truncated(rng, { real }) {
    const authentic = rng.pick(rng.pick(real).authentic);
    return rng.chance(0.7) ? authentic.slice(0, rng.int(authentic.length)) : authentic.slice(rng.between(1, 40));
  },

  oversized(rng, { real, secrets }) {
    const authentic = rng.pick(real).authentic[0] as string;
    return rng.pick([
      plausibleId(rng, 8192),
      `${authentic}${'A'.repeat(8192 - authentic.length)}`,
      `s:${plausibleId(rng, 8192)}.${signatureOf(authentic)}`,
      signSessionId(plausibleId(rng, rng.pick([129, 256, 1024, 1025, 8192])), secrets[0]),
      '%'.repeat(8192),
    ]);
  },

  misSigned(rng, { real, secrets, retired }) {
    const [target, other = target] = [rng.pick(real), rng.pick(real)];
    const authentic = target.authentic[0] as string;
    return rng.pick([
      `s:${target.id}.${rng.string(43, SIGNATURE_ALPHABET)}`,
      `s:${target.id}.${signatureOf(other.authentic[0] as string)}${other === target ? 'A' : ''}`,
      signSessionId(target.id, retired),
      signSessionId(target.id, `${secrets[0]} `),
      signSessionId(target.id, secrets[0].toUpperCase()),
      flipCharacter(rng, authentic, 2),
      flipCharacter(rng, authentic, authentic.lastIndexOf('.') + 1),
      `s:${plausibleId(rng)}.${signatureOf(authentic)}`,
      `s:${target.id}.${signatureOf(authentic).toLowerCase()}`,
    ]);
  },

  encoding(rng, { real }) {
    const authentic = rng.pick(real).authentic[0] as string;
    const dot = authentic.lastIndexOf('.');
    const sig = signatureOf(authentic);
    const at = rng.between(2, authentic.length - 1);
    const homoglyphAt = [...authentic].findIndex((char, index) => index >= 2 && HOMOGLYPHS[char] !== undefined);
    return rng.pick([
      // base64url instead of base64, padding added
      `${authentic.slice(0, dot + 1)}${sig.replaceAll('+', '-').replaceAll('/', '_')}${/[+/]/.test(sig) ? '' : '-'}`,
      `${authentic}=`,
      `${authentic}==`,
      // double encoding: decodes once to something that is not the cookie
      encodeURIComponent(encodeURIComponent(authentic)),
      `s%3${authentic.slice(2)}`,
      `${authentic.slice(0, at)}%${authentic.slice(at)}`,
      `${authentic.slice(0, at)}%E0%A4%A${authentic.slice(at)}`,
      `${authentic.slice(0, at)}\u00ff${authentic.slice(at)}`,
      `${authentic.slice(0, at)}é${authentic.slice(at)}`,
      homoglyphAt < 0
        ? `${authentic}а`
        : `${authentic.slice(0, homoglyphAt)}${HOMOGLYPHS[authentic[homoglyphAt] as string]}${authentic.slice(homoglyphAt + 1)}`,
      ID_FAMILIES.encoding(rng),
    ]);
  },

  traversal(rng, { secrets, marker }) {
    const { id } = hostileId(rng, marker, rng.pick(['traversal', 'metacharacters', 'oversized'] as const));
    // Signed with the app's own secret: what reaches the store when a secret leaks or genid is the app's.
    return rng.chance(0.7) ? signSessionId(id, secrets[0]) : `s:${id}.${rng.string(43, SIGNATURE_ALPHABET)}`;
  },
};

const VALUE_FAMILY_NAMES = Object.keys(VALUE_FAMILIES);

/** Bytes Node's parser refuses inside a header value. */
const CONTROL = ['\u0000', '\r', '\n', '\u0001', '\u001f', '\u007f', '\r\n', '\n\n'];

/** How a value goes on the wire: URI-encoded as servers set it, as UTF-8 bytes, or as it is when that is legal. */
function onTheWire(rng: Rng, value: string): string {
  const legal = /^[\t\x20-\x7e\x80-\xff]*$/.test(value);
  if (!legal || rng.chance(0.5)) {
    return rng.chance(0.7) || !legal ? encodeURIComponent(value) : Buffer.from(value, 'utf8').toString('latin1');
  }
  return value;
}

/** Cookies that are not the session's: noise a real browser sends along. */
function unrelatedCookie(rng: Rng): string {
  return rng.pick([
    'theme=dark',
    `big=${'x'.repeat(rng.pick([100, 4096, 8192]))}`,
    '=nameless',
    '{bad name}=1',
    Buffer.from('ünï=çødé', 'utf8').toString('latin1'),
    'a=b=c',
    'lonely',
    ';;',
    `connect.sid.old=${plausibleId(rng)}`,
    `Connect.sid=${plausibleId(rng)}`,
    `connect.si=${plausibleId(rng)}`,
  ]);
}

/** One fuzz case for the cookie named `context.name`. */
export function cookieCase(rng: Rng, context: CookieContext): CookieCase {
  const { name } = context;
  const valueFamily = rng.pick(VALUE_FAMILY_NAMES);
  const value = (VALUE_FAMILIES[valueFamily] as (rng: Rng, context: CookieContext) => string)(rng, context);
  const pair = `${name}=${onTheWire(rng, value)}`;
  const shape = rng.pick(['single', 'single', 'single', 'duplicated', 'noise', 'lines', 'huge', 'raw']);
  switch (shape) {
    case 'duplicated': {
      // Several cookies of the session's name: forgeries, junk and sometimes an authentic one, any order.
      const pairs = [pair];
      for (let i = rng.between(1, 5); i > 0; i--) {
        if (rng.chance(0.2)) {
          pairs.push(`${name}=${encodeURIComponent(rng.pick(rng.pick(context.real).authentic))}`);
        } else {
          const family = VALUE_FAMILIES[rng.pick(VALUE_FAMILY_NAMES)] as (rng: Rng, context: CookieContext) => string;
          pairs.push(`${name}=${onTheWire(rng, family(rng, context))}`);
        }
      }
      for (let i = pairs.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [pairs[i], pairs[j]] = [pairs[j] as string, pairs[i] as string];
      }
      return { family: `${valueFamily}/duplicated`, cookie: pairs.join(rng.pick(['; ', ';', ' ; '])) };
    }
    case 'noise': {
      const pairs = [unrelatedCookie(rng), pair, unrelatedCookie(rng)];
      return { family: `${valueFamily}/noise`, cookie: pairs.join('; ') };
    }
    case 'lines':
      // Several Cookie header lines, which Node joins with "; ".
      return { family: `${valueFamily}/lines`, cookie: [unrelatedCookie(rng), pair] };
    case 'huge':
      // Past Node's 16 KB header limit: refused with 431 before the app runs.
      return { family: `${valueFamily}/huge`, cookie: `${pair}; pad=${'p'.repeat(17_000)}` };
    case 'raw': {
      const at = rng.int(pair.length + 1);
      const bytes = `${pair.slice(0, at)}${rng.pick(CONTROL)}${pair.slice(at)}`;
      return { family: `${valueFamily}/raw-bytes`, raw: Buffer.from(bytes, 'latin1') };
    }
    default:
      return { family: valueFamily, cookie: pair };
  }
}
