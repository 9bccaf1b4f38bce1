// People without a sign-in, and attaching one later (issue 17): someone on the ledger
// with no password and no single sign-on account has a "Sign-in" section on their page
// for the people team. The people team links their account at the OpenID provider
// (npm oidc-provider, e2e/oidc-provider.js); that person then signs in there — under a
// login whose "email" matches nobody in Rungs, so only the link can sign them in — and
// lands on their own home page. Unlinking ends their session. A manager sees no such
// section and the API refuses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDemo, demo, newPage, signIn, visit, personId } from './support.js';
import { withIdp, signInAtProvider } from './idp.js';

useDemo(withIdp());

async function api(method, path, token, body) {
  const r = await fetch(`${demo.base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** Someone in the demo with no sign-in at all (not one of the three printed logins). */
async function someoneWithoutASignIn() {
  const admin = demo.logins.admin.token;
  const logins = new Set(Object.values(demo.logins).map((l) => l.email));
  const { body } = await api('GET', '/api/v1/people?limit=100', admin);
  for (const p of body.items) {
    if (logins.has(p.email) || p.status !== 'active') continue;
    const s = await api('GET', `/api/v1/people/${p.id}/sign-in`, admin);
    assert.equal(s.status, 200, JSON.stringify(s.body));
    if (s.body.none) return p;
  }
  throw new Error('every active demo person has a sign-in');
}

test('the people team links an SSO account to someone without a sign-in, who then signs in with it', async () => {
  const person = await someoneWithoutASignIn();
  const subject = `idp-account-${person.id.slice(-6)}`;

  // A manager may neither see nor attach sign-ins.
  const asManager = await api('GET', `/api/v1/people/${person.id}/sign-in`, demo.logins.manager.token);
  assert.equal(asManager.status, 403, JSON.stringify(asManager.body));

  const admin = await newPage();
  await signIn(admin, 'admin');
  await admin.goto(`${demo.base}/people/${person.id}/timeline`);
  const section = admin.getByRole('region', { name: 'Sign-in' });
  await section.getByText(`${person.name} has no sign-in yet`).waitFor();
  await visit(admin, 'sign-in-none');
  await section.getByLabel(/Their account at Test IdP/).fill(subject);
  await section.getByRole('button', { name: 'Link this account' }).click();
  await admin.waitForURL(`${demo.base}/people/${person.id}/timeline#signin-h`);
  await admin.getByText(`Linked: signing in with Test IdP as ${subject}`).waitFor();
  await section.locator('code', { hasText: subject }).waitFor();
  assert.equal(await section.getByText('has no sign-in yet').count(), 0);
  await visit(admin, 'sign-in-linked');
  const linked = await api('GET', `/api/v1/people/${person.id}/sign-in`, demo.logins.admin.token);
  assert.deepEqual(linked.body.sso.map((a) => a.subject), [subject]);
  assert.equal(linked.body.none, false);

  // The same account for someone else is refused, saying who has it.
  const employee = await personId(demo.logins.employee.token);
  const again = await api('POST', `/api/v1/people/${employee}/sso-links`, demo.logins.admin.token, { subject });
  assert.equal(again.status, 409, JSON.stringify(again.body));
  assert.ok(JSON.stringify(again.body).includes(person.name), JSON.stringify(again.body));

  // The person signs in at the provider as that account (its email claim is not an
  // email Rungs knows: the link alone signs them in) and is themself in Rungs.
  const them = await newPage();
  await signInAtProvider(them, subject);
  await them.getByRole('heading', { level: 1, name: new RegExp(`^Hello, ${person.name.split(' ')[0]}`) }).waitFor();
  const session = (await them.context().cookies()).find((c) => c.name === 'rungs_session');
  assert.ok(session, 'signed in');

  // Unlinking: the account no longer signs them in, and their session has ended.
  await admin.reload();
  await section.getByRole('button', { name: `Unlink the account ${subject}` }).click();
  await admin.waitForURL(`${demo.base}/people/${person.id}/timeline#signin-h`);
  await admin.getByText(`Unlinked ${subject}`).waitFor();
  await section.getByText(`${person.name} has no sign-in yet`).waitFor();
  const replay = await fetch(`${demo.base}/`, { headers: { cookie: `rungs_session=${session.value}`, accept: 'text/html' }, redirect: 'manual' });
  assert.equal(replay.status, 303, 'their session ended');
  await admin.context().close();
  await them.context().close();
});
