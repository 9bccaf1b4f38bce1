// Single sign-on in the browser, through a real OpenID provider (npm oidc-provider,
// e2e/oidc-provider.js): Rungs runs with SSO only, so the sign-in page has no password
// form and a password POST is refused; the demo's employee signs in at the provider
// (authorization code + PKCE), lands on their home page, signs out — the Rungs session
// ends, and so does the provider's (RP-initiated logout: its end_session_endpoint asks,
// then sends the browser back to Rungs' sign-in page) — and signs in again, the
// provider asking for the login this time, through the stored link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDemo, demo, newPage, checkA11y, shoot } from './support.js';
import { withIdp, signInAtProvider } from './idp.js';

useDemo(withIdp({ RUNGS_OIDC_SSO_ONLY: 'true' }));

test('SSO only: no password form, and a password POST is refused', async () => {
  const page = await newPage();
  await page.goto(`${demo.base}/login`);
  assert.equal(await page.getByLabel('Password').count(), 0, 'no password field');
  await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();
  await checkA11y(page, 'sso login');
  await shoot(page, 'sso-login');
  const who = demo.logins.employee;
  const r = await fetch(`${demo.base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: who.email, password: who.password, csrf: 'x', next: '/' }),
    redirect: 'manual',
  });
  assert.equal(r.status, 403);
  assert.equal(r.headers.getSetCookie().some((c) => c.startsWith('rungs_session=') && !c.startsWith('rungs_session=;')), false, 'no session');
  await page.context().close();
});

test('the employee signs in through the OpenID provider, signs out, and signs in again', async () => {
  const page = await newPage();
  const who = demo.logins.employee;
  await signInAtProvider(page, who.email);
  await page.getByRole('heading', { level: 1, name: new RegExp(`^Hello, ${who.name.split(' ')[0]}`) }).waitFor();
  const session = (await page.context().cookies()).find((c) => c.name === 'rungs_session');
  assert.ok(session, 'a Rungs session cookie');

  // Sign out: the Rungs session ends (the old cookie no longer works), and the
  // browser goes on to the provider to end its session too.
  await page.getByRole('button', { name: /sign out/i }).click();
  // The provider's page imports a web font it cannot fetch here: wait for its DOM only.
  await page.waitForURL((u) => u.pathname === '/session/end' || u.href === `${demo.base}/login`, { waitUntil: 'domcontentloaded' });
  const atProvider = new URL(page.url());
  assert.equal(atProvider.pathname, '/session/end', `RP-initiated logout at the provider, not ${page.url()}`);
  assert.ok(atProvider.searchParams.get('id_token_hint'), 'with the ID token as the hint');
  assert.equal(atProvider.searchParams.get('post_logout_redirect_uri'), `${demo.base}/login`);
  const replay = await fetch(`${demo.base}/`, { headers: { cookie: `rungs_session=${session.value}`, accept: 'text/html' }, redirect: 'manual' });
  assert.equal(replay.status, 303, 'the signed-out session is refused');
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL(`${demo.base}/login`);
  await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();
  assert.equal((await page.context().cookies()).some((c) => c.name === 'rungs_session' && c.value), false, 'no Rungs session cookie left');

  // Again: the provider's session is over, so it asks for the login; the stored
  // (issuer, sub) link signs the same person in.
  const asked = await signInAtProvider(page, who.email);
  assert.equal(asked, true, 'the provider asked for the login again: its session had ended');
  await page.getByRole('heading', { level: 1, name: new RegExp(`^Hello, ${who.name.split(' ')[0]}`) }).waitFor();
  await page.context().close();
});
