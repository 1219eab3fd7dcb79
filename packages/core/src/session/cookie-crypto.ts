import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Sealing for cookie-only sessions: AES-256-GCM (authenticated encryption) with a key derived
 * by HKDF-SHA256 from each secret. A sealed value is `v1.<key id>.<iv>.<ciphertext+tag>`, all
 * base64url. The key id (also from HKDF, never the secret itself) picks the key, so cookies
 * sealed under an older secret still open after rotation while new ones use the first secret.
 */

const VERSION = 'v1';
const SALT = 'vessel/cookie-session';
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface DerivedKey {
  readonly id: string;
  readonly key: Buffer;
}

function derive(secret: string): DerivedKey {
  const material = Buffer.from(secret, 'utf8');
  const id = Buffer.from(hkdfSync('sha256', material, SALT, 'key-id', 6)).toString('base64url');
  const key = Buffer.from(hkdfSync('sha256', material, SALT, 'aes-256-gcm', 32));
  return { id, key };
}

/** Seals and opens cookie payloads with a list of secrets (the first seals, all open). */
export class CookieSealer {
  readonly #sealing: DerivedKey;
  readonly #byId: Map<string, DerivedKey>;

  constructor(secrets: readonly string[]) {
    const keys = secrets.map(derive);
    const [first] = keys;
    if (!first) throw new Error('cookie sessions need at least one secret');
    this.#sealing = first;
    this.#byId = new Map(keys.map((key) => [key.id, key]));
  }

  /** Encrypts and authenticates `plaintext`. */
  seal(plaintext: string): string {
    const { id, key } = this.#sealing;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(`${VERSION}.${id}`));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${id}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /**
   * The plaintext and whether it was sealed with the current (first) key; `undefined` when the
   * value is malformed, tampered with, or under an unknown key.
   */
  open(sealed: string): { plaintext: string; current: boolean } | undefined {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
    const [, id = '', ivText = '', bodyText = ''] = parts;
    const derived = this.#byId.get(id);
    if (!derived) return undefined;
    const iv = strictBase64url(ivText);
    const body = strictBase64url(bodyText);
    if (!iv || !body || iv.length !== IV_BYTES || body.length < TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', derived.key, iv);
      decipher.setAAD(Buffer.from(`${VERSION}.${id}`));
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
