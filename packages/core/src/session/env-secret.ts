import { ConfigError } from '../errors.js';
import { assertSigningSecrets, MIN_SIGNING_SECRET_BYTES } from './signing-secrets.js';

/**
 * The session secret from the environment variable `name` (default `SESSION_SECRET`), so an app
 * keeps its secret out of its source: `secret: secretFromEnv()`. Unset, blank, or shorter than 32
 * bytes, it throws a `ConfigError` naming the variable and how to make one, at startup rather
 * than at the first request. Rotating, read two: `[secretFromEnv(), secretFromEnv('OLD_SESSION_SECRET')]`.
 */
export function secretFromEnv(name = 'SESSION_SECRET', env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(
      name,
      `the environment variable is not set; give it ${MIN_SIGNING_SECRET_BYTES} or more random bytes, e.g. \`export ${name}=$(openssl rand -base64 32)\``,
    );
  }
  assertSigningSecrets(name, [value]);
  return value;
}
