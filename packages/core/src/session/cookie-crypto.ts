import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Sealing for cookie-only sessions: AES-256-GCM (authenticated encryption) with a key derived
 * by HKDF-SHA256 from each secret. A sealed value is `v2.<key id>.<iv>.<ciphertext+tag>`, all
 * base64url. The key id picks the key, so cookies sealed under an older secret still open after
 * rotation while new ones use the first secret.
 *
 * The key id is HKDF of the derived key (info `vessel key id`), cut to 48 bits: it names a key
 * and says nothing else about it. It cannot make guessing easier than the ciphertext already
 * does — any value computed from the secret, the GCM tag included, confirms a guessed secret
 * offline — which is why the secrets themselves must be at least `MIN_COOKIE_KEY_BYTES` long
 * (random: `openssl rand -base64 32`). Versions before 2 put an HKDF of the secret itself
 * there (`v1`); those cookies still open, as stale, and are re-sealed as `v2`.
 */

const VERSION = 'v2';
/** Cookies of earlier versions, opened (never sealed) so that upgrading keeps sessions. */
const LEGACY_VERSION = 'v1';
const COOKIE_SALT = 'vessel/cookie-session';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_BYTES = 6;

/** Key material a cookie-only secret needs at least, in bytes (UTF-8): 256 bits, the AES key size. */
export const MIN_COOKIE_KEY_BYTES = 32;

interface DerivedKey {
  /** `<version>.<key id>`: the head of a sealed value, also its additional authenticated data. */
  readonly head: string;
  readonly key: Buffer;
}

/** Options of `CookieSealer`. */
export interface SealerOptions {
  /**
   * Beaker's `validate_key`: mixed into every key's derivation (as Beaker salts its encryption
   * key with it), so a value opens only with both keys. Default: none.
   */
  readonly validateKey?: string | undefined;
  /**
   * What the sealed values are, kept apart by key derivation: a cookie and a stored record never
   * open as each other. Default: cookie-only session cookies.
   */
  readonly purpose?: 'cookie' | 'stored-session';
}

function derive(secret: string, options: SealerOptions): { current: DerivedKey; legacy: DerivedKey } {
  const salt = options.purpose === 'stored-session' ? 'vessel/stored-session' : COOKIE_SALT;
  const material = Buffer.from(secret, 'utf8');
  const keyInfo = options.validateKey === undefined ? 'aes-256-gcm' : `aes-256-gcm\0${options.validateKey}`;
  const key = Buffer.from(hkdfSync('sha256', material, salt, keyInfo, 32));
  const id = Buffer.from(hkdfSync('sha256', key, salt, 'vessel key id', KEY_ID_BYTES)).toString('base64url');
  const legacyId = Buffer.from(hkdfSync('sha256', material, salt, 'key-id', KEY_ID_BYTES)).toString('base64url');
  return { current: { head: `${VERSION}.${id}`, key }, legacy: { head: `${LEGACY_VERSION}.${legacyId}`, key } };
}

/** Additional authenticated data: the head, plus what the value belongs to (a stored record's id). */
function aad(head: string, context: string): Buffer {
  return Buffer.from(context === '' ? head : `${head}\0${context}`);
}

/**
 * Seals and opens payloads with a list of secrets (the first seals, all open): cookie-only
 * session cookies, and with `purpose: 'stored-session'` stored sessions' data at rest.
 */
export class CookieSealer {
  readonly #sealing: DerivedKey;
  readonly #byHead: Map<string, DerivedKey>;

  /** `secrets` must each hold `MIN_COOKIE_KEY_BYTES` or more; the caller checks and names the option. */
  constructor(secrets: readonly string[], options: SealerOptions = {}) {
    const keys = secrets.map((secret) => derive(secret, options));
    const [first] = keys;
    if (!first) throw new Error('cookie sessions need at least one secret');
    this.#sealing = first.current;
    this.#byHead = new Map(
      keys.flatMap(({ current, legacy }) => [[current.head, current] as const, [legacy.head, legacy] as const]),
    );
  }

  /** Encrypts and authenticates `plaintext`, bound to `context` (which `open` must be given again). */
  seal(plaintext: string, context = ''): string {
    const { head, key } = this.#sealing;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(head, context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${head}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /**
   * The plaintext and whether it was sealed with the current (first) key in the current format;
   * `undefined` when the value is malformed, tampered with, or under an unknown key.
   */
  open(sealed: string, context = ''): { plaintext: string; current: boolean } | undefined {
    const parts = sealed.split('.');
    if (parts.length !== 4) return undefined;
    const [version = '', id = '', ivText = '', bodyText = ''] = parts;
    const head = `${version}.${id}`;
    const derived = this.#byHead.get(head);
    if (!derived) return undefined;
    const iv = strictBase64url(ivText);
    const body = strictBase64url(bodyText);
    if (!iv || !body || iv.length !== IV_BYTES || body.length < TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', derived.key, iv);
      decipher.setAAD(aad(head, context));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plaintext = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
      return { plaintext: plaintext.toString('utf8'), current: derived === this.#sealing };
    } catch {
      return undefined;
    }
  }
}

/** Decodes base64url only when `text` is exactly the canonical encoding (no ignored trailing bits). */
function strictBase64url(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
