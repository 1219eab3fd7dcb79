import { createHmac } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';

/**
 * Signed cookie values in express-session's format: `s:<id>.<HMAC-SHA256(id) base64, no padding>`.
 * Cookies written by express-session under the same secret verify here, and the other way round.
 */

/** A signing secret: a string, or the bytes of one (express-session accepts Buffers too). */
export type SigningSecret = string | Buffer;

function signature(value: string, secret: SigningSecret): string {
  return createHmac('sha256', secret).update(value).digest('base64').replace(/=+$/, '');
}

/** Signs `id` with `secret`: `s:<id>.<signature>` (not yet URI-encoded). */
export function signSessionId(id: string, secret: SigningSecret): string {
  return `s:${id}.${signature(id, secret)}`;
}

/** A verified cookie: the id, and which secret signed it (0 = the current one). */
export interface VerifiedSessionId {
  readonly id: string;
  readonly secretIndex: number;
}

/**
 * Verifies a signed cookie value against every secret, each compared in constant time, so the
 * time taken says nothing about how close a forgery came. `undefined` when none signed it.
 */
export function verifySessionId(signed: string, secrets: readonly SigningSecret[]): VerifiedSessionId | undefined {
  if (!signed.startsWith('s:')) return undefined;
  const body = signed.slice(2);
  const dot = body.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const id = body.slice(0, dot);
  const given = Buffer.from(body.slice(dot + 1));
  let secretIndex = -1;
  secrets.forEach((secret, index) => {
    // Every secret is compared, so the time taken does not say which one signed.
    const same = constantTimeEqual(Buffer.from(signature(id, secret)), given);
    if (same && secretIndex < 0) secretIndex = index;
  });
  return secretIndex < 0 ? undefined : { id, secretIndex };
}

/** The id inside a signed cookie value, or `undefined` when no secret signed it. */
export function unsignSessionId(signed: string, secrets: readonly SigningSecret[]): string | undefined {
  return verifySessionId(signed, secrets)?.id;
}

/** Ids whose signature a `SessionIdVerifier` remembers, at most (the oldest are forgotten first). */
export const REMEMBERED_SIGNATURES = 10_000;

/**
 * Verifies signed cookie values as `verifySessionId` does, remembering the signature of each id
 * it has verified (a bounded map). A returning session's cookie is then checked by comparing
 * its signature, in constant time, with the remembered one instead of computing the HMAC again:
 * the HMAC of an id under a secret never changes, so what is accepted stays the same. Only
 * authentic cookies are remembered; anything else pays the full verification every time.
 */
export class SessionIdVerifier {
  readonly #secrets: readonly SigningSecret[];
  /** The secrets, in order, that the remembered signatures were checked against. */
  #rememberedUnder: readonly SigningSecret[];
  readonly #remembered = new Map<string, { readonly signature: Buffer; readonly secretIndex: number }>();

  /**
   * `secrets` is read on every call, as express-session reads its array: an app may rotate or
   * drop secrets at run time by editing it (replace a Buffer secret rather than mutate it). Any
   * change forgets every remembered signature, so a removed secret stops verifying at once.
   */
  constructor(secrets: readonly SigningSecret[]) {
    this.#secrets = secrets;
    this.#rememberedUnder = [...secrets];
  }

  /** The id a signed cookie value carries, and which secret signed it; `undefined` when forged. */
  verify(signed: string): VerifiedSessionId | undefined {
    this.#forgetIfSecretsChanged();
    const dot = signed.lastIndexOf('.');
    if (dot > 2 && signed.startsWith('s:')) {
      const id = signed.slice(2, dot);
      const remembered = this.#remembered.get(id);
      if (remembered) {
        const given = Buffer.from(signed.slice(dot + 1));
        if (constantTimeEqual(remembered.signature, given)) {
          return { id, secretIndex: remembered.secretIndex };
        }
      }
    }
    const verified = verifySessionId(signed, this.#secrets);
    if (verified) this.#remember(verified.id, Buffer.from(signed.slice(dot + 1)), verified.secretIndex);
    return verified;
  }

  /** `signSessionId(id, <first secret>)`, from memory when this id was verified under it. */
  sign(id: string): string {
    this.#forgetIfSecretsChanged();
    const remembered = this.#remembered.get(id);
    if (remembered?.secretIndex === 0) return `s:${id}.${remembered.signature.toString()}`;
    const [secret] = this.#secrets;
    if (secret === undefined) throw new Error('session cookies need a secret');
    const signed = signSessionId(id, secret);
    this.#remember(id, Buffer.from(signed.slice(signed.lastIndexOf('.') + 1)), 0);
    return signed;
  }

  /** Drops what was remembered under another list of secrets (compared by element: one or two). */
  #forgetIfSecretsChanged(): void {
    const secrets = this.#secrets;
    const under = this.#rememberedUnder;
    let same = secrets.length === under.length;
    for (let i = 0; same && i < secrets.length; i++) same = secrets[i] === under[i];
    if (same) return;
    this.#remembered.clear();
    this.#rememberedUnder = [...secrets];
  }

  #remember(id: string, signature: Buffer, secretIndex: number): void {
    if (this.#remembered.size >= REMEMBERED_SIGNATURES && !this.#remembered.has(id)) {
      // Maps iterate in insertion order: the first key is the oldest.
      const [oldest] = this.#remembered.keys();
      if (oldest !== undefined) this.#remembered.delete(oldest);
    }
    this.#remembered.set(id, { signature, secretIndex });
  }
}
