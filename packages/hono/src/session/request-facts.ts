import { type HttpRequestFacts, isSecureRequest } from '@vessel/core/http';

/**
 * What the session layer needs of a Fetch `Request`. HTTPS is read from the URL's scheme
 * (`@hono/node-server` writes `https:` for a TLS socket), and from `X-Forwarded-Proto` only when
 * `trustProxy` is on. `sessionId` is the id the app's own `sessionId` option found (no-cookie
 * mode, `null` for none): given, the cookie is never read; `undefined`, the cookie is read.
 */
export function requestFacts(request: Request, trustProxy: boolean, sessionId?: string | null): HttpRequestFacts {
  const secure = isSecureRequest({
    encrypted: request.url.startsWith('https:'),
    // Not even read unless trusted: any client can send one.
    forwardedProto: trustProxy ? request.headers.get('x-forwarded-proto') : undefined,
    trustProxy,
  });
  if (sessionId !== undefined) return { sessionId, secure };
  return { cookie: request.headers.get('cookie'), secure };
}
