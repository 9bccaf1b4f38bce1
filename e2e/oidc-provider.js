// A real OpenID provider for the browser tests: the certified npm `oidc-provider`,
// with its development sign-in screens (any login name signs in as the account of
// that name; the name is also its email, verified). Started by sso.test.js as a child
// process:
//   OIDC_PORT=4000 OIDC_REDIRECT_URI=http://127.0.0.1:8080/sso/callback node oidc-provider.js
// Prints `oidc-provider listening on <issuer>` when ready. A fresh RSA signing key is
// made at every start. RP-initiated logout is on (oidc-provider's default): its
// end_session_endpoint asks "Do you want to sign-out…?" and then sends the browser to
// the registered post-logout URI, Rungs' sign-in page (OIDC_POST_LOGOUT_URI, by
// default the redirect URI's origin + /login). (Key rotation, bad nonces, wrong audiences, expiry and clock
// skew are tested in Rust against a provider that signs what the test asks:
// crates/rungs-web/tests/it/sso.rs.)
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT ?? 4000);
const redirect = process.env.OIDC_REDIRECT_URI;
if (!redirect) throw new Error('set OIDC_REDIRECT_URI');
const postLogout = process.env.OIDC_POST_LOGOUT_URI ?? `${new URL(redirect).origin}/login`;
const issuer = `http://127.0.0.1:${port}`;

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID ?? 'rungs',
    client_secret: process.env.OIDC_CLIENT_SECRET ?? 'rungs-test-secret',
    redirect_uris: [redirect],
    post_logout_redirect_uris: [postLogout],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomUUID()] },
  pkce: { required: () => true },
  // Scope claims in the ID token itself (Rungs reads no userinfo).
  conformIdTokenClaims: false,
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  findAccount: async (ctx, id) => ({
    accountId: id,
    async claims() {
      return { sub: id, email: id, email_verified: true, name: process.env.OIDC_NAME ?? undefined };
    },
  }),
  features: { devInteractions: { enabled: true } },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
