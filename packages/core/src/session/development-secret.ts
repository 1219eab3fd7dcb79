import { randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** This process's development secret, made on first use. */
let generated: string | undefined;

/**
 * A random secret for development, so that examples need no hard-coded one that ends up in
 * production: `secret: process.env.SESSION_SECRET ?? developmentSecret()`. It is 32 random
 * bytes (base64url, 43 characters: enough for cookie-only sessions too), the same for every call
 * in this process, so sessions and signed cookies do not survive a restart. The first call
 * prints one warning to stderr saying so; with `NODE_ENV=production` it throws a `ConfigError`
 * instead, because a production app must set its secret.
 */
export function developmentSecret(): string {
  if (process.env.NODE_ENV === 'production') {
    throw new ConfigError(
      'session.secret',
      'developmentSecret() refuses to run with NODE_ENV=production: set SESSION_SECRET (32 or more random bytes, e.g. `openssl rand -base64 32`)',
    );
  }
  if (generated === undefined) {
    generated = randomBytes(32).toString('base64url');
    process.emitWarning(
      'using a random development secret: sessions will not survive a restart. Set SESSION_SECRET (e.g. `openssl rand -base64 32`).',
      { code: 'VESSEL_DEVELOPMENT_SECRET' },
    );
  }
  return generated;
}
