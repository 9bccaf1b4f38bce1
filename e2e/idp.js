// The OpenID provider of the single sign-on browser tests (oidc-provider.js, the
// certified npm `oidc-provider`), started as a child process before the demo, and
// signing in at its development screens the way a person would.
import { after } from 'node:test';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demo, freePort } from './support.js';

const here = dirname(fileURLToPath(import.meta.url));

/** A `useDemo` option set whose `setup` starts the provider first and points the demo
 * at it ("Sign in with Test IdP"); `env` adds or overrides settings (RUNGS_OIDC_*). */
export function withIdp(env = {}) {
  let idp, output = '';
  after(() => { if (idp && idp.exitCode === null) idp.kill('SIGTERM'); });
  return {
    async setup(options) {
      options.port = await freePort();
      const idpPort = await freePort();
      const issuer = `http://127.0.0.1:${idpPort}`;
      idp = spawn(process.execPath, [join(here, 'oidc-provider.js')], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, OIDC_PORT: String(idpPort), OIDC_REDIRECT_URI: `http://127.0.0.1:${options.port}/sso/callback` },
      });
      idp.stdout.on('data', (d) => { output += d; });
      idp.stderr.on('data', (d) => { output += d; });
      const until = Date.now() + 30_000;
      while (!output.includes('listening')) {
        if (idp.exitCode !== null || Date.now() > until) throw new Error(`oidc-provider did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      options.idp = issuer;
      options.env = {
        RUNGS_OIDC_ISSUER: issuer,
        RUNGS_OIDC_CLIENT_ID: 'rungs',
        RUNGS_OIDC_CLIENT_SECRET: 'rungs-test-secret',
        RUNGS_OIDC_REDIRECT_BASE: `http://127.0.0.1:${options.port}`,
        RUNGS_OIDC_NAME: 'Test IdP',
        ...env,
      };
    },
  };
}

/** From Rungs' sign-in page, sign in at the provider as `login` (when it asks: its
 * development screens take any login name and password), consent (when it asks),
 * and come back to the Rungs home page. Returns whether the provider asked for the
 * login (false: its own session was still open). */
export async function signInAtProvider(page, login) {
  await page.goto(`${demo.base}/login`);
  await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
  const home = `${demo.base}/`;
  let asked = false;
  for (let step = 0; step < 4; step++) {
    await page.waitForURL((u) => u.href === home || u.pathname.startsWith('/interaction/'));
    if (page.url() === home) return asked;
    if (await page.locator('input[name="login"]').count() > 0) {
      asked = true;
      await page.locator('input[name="login"]').fill(login);
      await page.locator('input[name="password"]').fill('any password');
    }
    await Promise.all([page.waitForNavigation(), page.locator('button[type="submit"]').first().click()]);
  }
  await page.waitForURL(home);
  return asked;
}
