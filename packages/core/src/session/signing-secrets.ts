import { ConfigError } from '../errors.js';
import type { SigningSecret } from './cookie-signing.js';

/**
 * Fewest bytes a cookie-signing secret may have: 32, the size of the HMAC-SHA256 key. A signed
 * cookie carries `HMAC(id)` next to the id, so anyone holding one cookie can test guesses of the
 * secret offline; an empty secret lets anyone sign any id (forged cookies open every session).
 */
export const MIN_SIGNING_SECRET_BYTES = 32;

function byteLength(secret: SigningSecret): number {
  return typeof secret === 'string' ? Buffer.byteLength(secret) : secret.length;
}

/**
 * Refuses what must never sign a session cookie: no secret at all, a secret that is not a string
 * or Buffer, an empty or blank one (as `session.secret` in the configuration refuses it), or one
 * shorter than `MIN_SIGNING_SECRET_BYTES`. Throws a `ConfigError` naming `option` and the
 * offending entry's position; the secret itself never appears in the message.
 */
export function assertSigningSecrets(
  option: string,
  secrets: readonly unknown[],
): asserts secrets is readonly SigningSecret[] {
  if (secrets.length === 0) throw new ConfigError(option, 'expected at least one non-empty secret, got an empty list');
  secrets.forEach((secret, index) => {
    const which = secrets.length === 1 ? 'the secret' : `secret #${index + 1}`;
    if (typeof secret !== 'string' && !Buffer.isBuffer(secret))
      throw new ConfigError(
        option,
        `expected a string or Buffer, ${which} is ${secret === null ? 'null' : typeof secret}`,
      );
    if (typeof secret === 'string' ? secret.trim() === '' : secret.length === 0)
      throw new ConfigError(option, `${which} is empty: anyone could sign a session cookie with it`);
    const bytes = byteLength(secret);
    if (bytes < MIN_SIGNING_SECRET_BYTES) {
      throw new ConfigError(
        option,
        `${which} is ${bytes} bytes; use at least ${MIN_SIGNING_SECRET_BYTES} random bytes (e.g. \`openssl rand -base64 32\`): a short secret is found offline from one signed cookie`,
      );
    }
  });
}
