// Single sign-on in the browser, through a real OpenID provider (npm oidc-provider,
// e2e/oidc-provider.js): Rungs runs with SSO only, so the sign-in page has no password
// form and a password POST is refused; the demo's employee signs in at the provider
// (authorization code + PKCE), lands on their home page, signs out (the Rungs session
// ends), and signs in again through the stored link.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useDemo, demo, newPage, freePort, checkA11y, shoot } from './support.js';

const here = dirname(fileURLToPath(import.meta.url));
let idp, idpOutput = '';

/** Start the OpenID provider, then tell the demo where it is. */
async function setup(options) {
  options.port = await freePort();
  const idpPort = await freePort();
  const issuer = `http://127.0.0.1:${idpPort}`;
  idp = spawn(process.execPath, [join(here, 'oidc-provider.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OIDC_PORT: String(idpPort), OIDC_REDIRECT_URI: `http://127.0.0.1:${options.port}/sso/callback` },
  });
  idp.stdout.on('data', (d) => { idpOutput += d; });
  idp.stderr.on('data', (d) => { idpOutput += d; });
  const until = Date.now() + 30_000;
  while (!idpOutput.includes('listening')) {
    if (idp.exitCode !== null || Date.now() > until) throw new Error(`oidc-provider did not start:\n${idpOutput}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  options.env = {
    RUNGS_OIDC_ISSUER: issuer,
    RUNGS_OIDC_CLIENT_ID: 'rungs',
    RUNGS_OIDC_CLIENT_SECRET: 'rungs-test-secret',
    RUNGS_OIDC_REDIRECT_BASE: `http://127.0.0.1:${options.port}`,
    RUNGS_OIDC_SSO_ONLY: 'true',
    RUNGS_OIDC_NAME: 'Test IdP',
  };
}
const options = { setup };
useDemo(options);
after(() => { if (idp && idp.exitCode === null) idp.kill('SIGTERM'); });

/** Sign in at the provider's development screens as `email` (when it asks), consent
 * (when it asks), and come back to the Rungs home page. */
async function signInAtProvider(page, email) {
  await page.goto(`${demo.base}/login`);
  await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
  const home = `${demo.base}/`;
  for (let step = 0; step < 4; step++) {
    await page.waitForURL((u) => u.href === home || u.pathname.startsWith('/interaction/'));
    if (page.url() === home) return;
    if (await page.locator('input[name="login"]').count() > 0) {
      await page.locator('input[name="login"]').fill(email);
      await page.locator('input[name="password"]').fill('any password');
    }
    await Promise.all([page.waitForNavigation(), page.locator('button[type="submit"]').first().click()]);
  }
  await page.waitForURL(home);
}

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

  // Sign out: the Rungs session ends (the old cookie no longer works).
  await page.getByRole('button', { name: /sign out/i }).click();
  await page.waitForURL(`${demo.base}/login`);
  const replay = await fetch(`${demo.base}/`, { headers: { cookie: `rungs_session=${session.value}`, accept: 'text/html' }, redirect: 'manual' });
  assert.equal(replay.status, 303, 'the signed-out session is refused');

  // Again: the provider still has its own session, so it comes straight back, and
  // the stored (issuer, sub) link signs the same person in.
  await signInAtProvider(page, who.email);
  await page.getByRole('heading', { level: 1, name: /^Hello,/ }).waitFor();
  await page.context().close();
});
