/**
 * `response` with `setCookie` appended to its `Set-Cookie` headers, keeping the ones it has.
 * Returns `response` itself when its headers can be changed; a response whose headers are
 * immutable (`Response.redirect()`, a `fetch()` result) is copied first, since appending to it
 * throws a `TypeError`.
 */
export function appendSetCookie(response: Response, setCookie: readonly string[]): Response {
  if (setCookie.length === 0) return response;
  let target = response;
  try {
    target.headers.append('set-cookie', setCookie[0] as string);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    target = new Response(response.body, response);
    target.headers.append('set-cookie', setCookie[0] as string);
  }
  for (let index = 1; index < setCookie.length; index++)
    target.headers.append('set-cookie', setCookie[index] as string);
  return target;
}
