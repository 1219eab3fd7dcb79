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
    // the record's shape, sealed form and end rule (its expiry move is in the cli group)
    'packages/core/src/session/record.ts:16-112',
    'packages/core/src/session/stored-sessions.ts',
    // in-place edit detection: a "same" the encoder would not agree with loses an edit
    'packages/core/src/session/same-stored-value.ts',
    'packages/core/src/storage/encoding/splice.ts',
    'packages/core/src/session/lifetime.ts',
    'packages/core/src/session/session-cookie.ts',
    // recordOf, isLiveAt
    'packages/core/src/session/manager.ts:26-34',
    // the default idle and absolute limits, the revocation list's keep time
    'packages/core/src/session/manager.ts:116-122',
    'packages/core/src/session/manager.ts:132-132',
    // commit, #save, #adoptSaved, #destroy, #invalidate, #regenerate, #vanished
    'packages/core/src/session/manager.ts:250-397',
    // #expiry, #limitsOf, #setIdleTimeout, #usable, #fromRecord, #fresh
    'packages/core/src/session/manager.ts:420-510',
  ],
  tests: [
    'packages/core/test/session/semantics.test.ts',
    'packages/core/test/session/idle-timeout.test.ts',
    'packages/core/test/session/cookie-attributes.test.ts',
    'packages/core/test/session/cookie-only.test.ts',
    'packages/core/test/session/cookie-only-keys.test.ts',
    'packages/core/test/session/cookie-only-lifetime.test.ts',
    'packages/core/test/session/cookie-only-revocation.test.ts',
    'packages/core/test/storage/splice.test.ts',
    'packages/core/test/session/hostile-cookies.test.ts',
    'packages/core/test/session/persistence-edges.test.ts',
    'packages/core/test/session/cookie-crypto-edges.test.ts',
    'packages/core/test/session/encryption-at-rest.test.ts',
    'packages/core/test/session/record.test.ts',
  ],
  concurrency: 1,
};
