/** Cookie signing, its constant-time comparison, signing secrets, id validation, the key layout, Express's cookie/secret/proxy decisions. */
export default {
  tsconfig: 'packages/core/tsconfig.json',
  mutate: [
    'packages/core/src/session/cookie-signing.ts',
    'packages/core/src/session/constant-time.ts',
    'packages/core/src/session/signing-secrets.ts',
    'packages/core/src/session/ids.ts',
    'packages/core/src/storage/keys.ts',
    'packages/express/src/compat/signature.ts',
  ],
  tests: [
    'packages/core/test/session/signing.test.ts',
    'packages/core/test/session/signing-edges.test.ts',
    'packages/core/test/session/constant-time.test.ts',
    'packages/core/test/session/hostile-cookies.test.ts',
    'packages/core/test/session/cookie-candidates.test.ts',
    'packages/core/test/session/no-cookie.test.ts',
    'packages/core/test/storage/conformance.test.ts',
    'packages/core/test/storage/keys.test.ts',
    'packages/express/test/options.test.ts',
    'packages/express/test/secrets.test.ts',
    'packages/express/test/several-cookies.test.ts',
    'packages/express/test/secret-rotation.test.ts',
    'packages/express/test/genid.test.ts',
    'packages/express/test/parsed-cookies.test.ts',
    'packages/express/test/encrypted-socket.test.ts',
  ],
};
