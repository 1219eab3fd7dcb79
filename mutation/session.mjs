/**
 * Session persistence, merge and lifetime, and cookie-only crypto: sealing and its keys, stored
 * sessions' compare-and-set merge and TTL, the splice that keeps unchanged keys' stored text, the
 * expiry arithmetic, the cookie's expiry and size limit, and the manager's save / remove / expiry
 * paths (line ranges: the load loop, `create`, `get`, `revoke`, `revert` and the Set-Cookie
 * decision are left out).
 */
export default {
  tsconfig: 'packages/core/tsconfig.json',
  mutate: [
    'packages/core/src/session/cookie-crypto.ts',
    'packages/core/src/session/cookie-sessions.ts',
    'packages/core/src/session/persistence.ts',
    'packages/core/src/session/stored-sessions.ts',
    'packages/core/src/session/record-splice.ts',
    'packages/core/src/session/lifetime.ts',
    'packages/core/src/session/session-cookie.ts',
    // recordOf, isLiveAt
    'packages/core/src/session/manager.ts:19-28',
    // the default idle and absolute limits, the revocation list's keep time
    'packages/core/src/session/manager.ts:110-116',
    'packages/core/src/session/manager.ts:126-126',
    // commit, #save, #adoptSaved, #destroy, #invalidate, #regenerate, #vanished
    'packages/core/src/session/manager.ts:236-383',
    // #expiry, #limitsOf, #setIdleTimeout, #usable, #fromRecord, #fresh
    'packages/core/src/session/manager.ts:406-469',
  ],
  tests: [
    'packages/core/test/session/semantics.test.ts',
    'packages/core/test/session/idle-timeout.test.ts',
    'packages/core/test/session/cookie-attributes.test.ts',
    'packages/core/test/session/cookie-only.test.ts',
    'packages/core/test/session/cookie-only-keys.test.ts',
    'packages/core/test/session/cookie-only-lifetime.test.ts',
    'packages/core/test/session/cookie-only-revocation.test.ts',
    'packages/core/test/session/record-splice.test.ts',
    'packages/core/test/session/hostile-cookies.test.ts',
    'packages/core/test/session/persistence-edges.test.ts',
    'packages/core/test/session/cookie-crypto-edges.test.ts',
  ],
  concurrency: 1,
};
