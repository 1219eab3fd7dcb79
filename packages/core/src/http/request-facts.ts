/**
 * What the session layer needs to know of a request, in terms every framework can give: its
 * Cookie header (or an id the app read elsewhere) and whether it arrived over HTTPS.
 */
export interface HttpRequestFacts {
  /** The request's `Cookie` header. */
  readonly cookie?: string | null | undefined;
  /**
   * No-cookie mode: the session id the app read itself (a header, a URL parameter). Given (even
   * `null` for "none"), the cookie is neither read nor written.
   */
  readonly sessionId?: string | null | undefined;
  /**
   * The request arrived over HTTPS (TLS on the socket, or a trusted proxy says so: see
   * `isSecureRequest`). A cookie marked `Secure` is not sent on a request known to be plain HTTP,
   * as express-session does: the browser would drop it. `undefined`: not known, sent.
   */
  readonly secure?: boolean | undefined;
}

/** The parts of a request `isSecureRequest` looks at. */
export interface SecureRequestParts {
  /** Whether the socket is TLS (`socket.encrypted` on Node, `url.protocol === 'https:'` in Fetch). */
  readonly encrypted: boolean;
  /** The `X-Forwarded-Proto` header, when there is one. */
  readonly forwardedProto?: string | null | undefined;
  /** Trust `X-Forwarded-Proto` (the app runs behind a proxy that sets it). Default false. */
  readonly trustProxy?: boolean | undefined;
}

/**
 * Whether a request came over HTTPS: TLS on the socket, or, behind a trusted proxy, the first
 * (client-facing) value of `X-Forwarded-Proto` is `https`. An untrusted header is ignored: any
 * client can send one.
 */
export function isSecureRequest(parts: SecureRequestParts): boolean {
  if (parts.encrypted) return true;
  if (!parts.trustProxy || !parts.forwardedProto) return false;
  const comma = parts.forwardedProto.indexOf(',');
  const first = comma < 0 ? parts.forwardedProto : parts.forwardedProto.slice(0, comma);
  return first.trim().toLowerCase() === 'https';
}
