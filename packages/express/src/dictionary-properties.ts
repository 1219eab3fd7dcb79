/** Added and deleted at once: never seen by the app. */
const SCRATCH = Symbol('vessel.scratch');

/**
 * Puts the properties of an Express request or response into dictionary mode (a hash table)
 * before the middleware adds its own, when V8 keeps them in a hidden class that no other object
 * shares; otherwise leaves the object as it is.
 *
 * Why: Express re-prototypes every request and response (`Object.setPrototypeOf` in
 * `app.handle`). On V8 (Node 20), every property added to such an object afterwards gives it a
 * new hidden class that no transition remembers: each store copies the object's ~40–50
 * property descriptors, and every inline cache that meets the object later (Express's, Node's
 * HTTP code, the app's) misses. Express's own `req.next` and `res.locals` already start that on
 * each request. In dictionary mode an added property is a hash insert, and the caches read the
 * table without missing: the step takes 40–50% off express-session's server CPU per request, and a
 * lazy request that never touches the session costs less than one through no middleware at all
 * (`docs/benchmarks.md`, the HTTP suite).
 *
 * The deletion of the last property added is what does it: V8 undoes it in place on an object
 * whose hidden class came from a remembered transition (a plain `http` request, or a V8 that
 * remembers these transitions), and normalizes only an object whose class did not.
 */
export function useDictionaryProperties(object: object): void {
  const target = object as Record<symbol, unknown>;
  target[SCRATCH] = true;
  delete target[SCRATCH];
}
