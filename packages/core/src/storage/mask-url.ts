/**
 * Query parameters whose value is a credential or points at one: libpq and node-postgres read
 * `password`, `sslpassword`, `sslkey` from the query; other clients use `pass`, `pwd`, tokens.
 */
const SECRET_PARAMETER = /pass|pwd|secret|token|sslkey|auth|credential|apikey|api_key/i;

/**
 * The URL with every credential replaced by `***`, safe for messages and logs: the userinfo
 * password, and query parameters that carry one (`?password=`, `?sslpassword=`, `?token=` …).
 */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const name of new Set(parsed.searchParams.keys())) {
      if (SECRET_PARAMETER.test(name)) parsed.searchParams.set(name, '***');
    }
    return parsed.toString();
  } catch {
    // Not a URL the WHATWG parser takes: mask by pattern, in userinfo and in anything query-like.
    return url
      .replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
      .replace(/([?&;]([^=&;#]*)=)([^&;#]*)/g, (match, head: string, name: string) =>
        SECRET_PARAMETER.test(name) ? `${head}***` : match,
      );
  }
}
