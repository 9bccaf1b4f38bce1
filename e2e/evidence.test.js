// Browser test for evidence from work systems (issue 17): the people team adds a
// GitHub source on the Evidence page (its secret shown once) and maps a repository
// to a competency; a merged pull request signed as GitHub signs it (HMAC-SHA256 of
// the raw body, X-Hub-Signature-256) becomes a suggested win that the employee
// accepts in the browser; once their manager validates it, it counts toward the
// employee's readiness. A forged copy is refused and counted in /metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demo, useDemo, visit, newPage, signIn, navTo, personId } from './support.js';

useDemo();
const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(here, '..', 'crates', 'rungs-core', 'src', 'evidence', 'fixtures', 'github_pull_request_merged.json');
const STAMP = Date.now();

async function api(path, token, init = {}) {
  const r = await fetch(`${demo.base}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
  return { status: r.status, body: r.status === 204 ? null : await r.json() };
}

/** The competency the employee's readiness counts wins for, and a category it takes. */
async function target(id) {
  const { body } = await api(`/api/v1/people/${id}/readiness`, demo.logins.employee.token);
  const c = body.readiness.competencies.find((x) => x.criterion?.evidence && x.progress);
  assert.ok(c, 'the employee has an expectation checked on ledger evidence');
  return { key: c.competency, category: c.criterion.evidence.categories?.[0] ?? 'skill' };
}

async function points(id, key) {
  const { body } = await api(`/api/v1/people/${id}/readiness`, demo.logins.employee.token);
  return body.readiness.competencies.find((x) => x.competency === key).progress;
}

test('a signed GitHub merge becomes a suggested win, accepted in the browser, that counts once validated', async () => {
  const employee = await personId(demo.logins.employee.token);
  const goal = await target(employee);
  const before = await points(employee, goal.key);

  // The people team: a GitHub source (secret shown once) and the mapping.
  const admin = await newPage();
  await signIn(admin, 'admin');
  await navTo(admin, 'Evidence');
  await admin.waitForURL(`${demo.base}/evidence`);
  await admin.getByLabel('Sent by').selectOption('github');
  await admin.getByLabel('Name', { exact: true }).fill(`acme ${STAMP}`);
  await admin.getByRole('button', { name: 'Add the source' }).click();
  await admin.waitForURL(`${demo.base}/evidence#secret-h`);
  const secret = await admin.getByRole('textbox', { name: 'Secret', exact: true }).inputValue();
  assert.match(secret, /^rungs_evidence_[0-9a-f]{64}$/);
  const path = await admin.locator('.source', { hasText: `acme ${STAMP}` }).locator('.source-path').textContent();
  // A rule naming no competency of the framework is refused beside the box, nothing saved.
  await admin.getByLabel('Rules', { exact: true }).fill('repository acme/api -> no-such-thing : skill');
  await admin.getByRole('button', { name: 'Save the mapping' }).click();
  await admin.locator('#rules-error').waitFor();
  await visit(admin, 'evidence-errors');
  await admin.getByLabel('Rules', { exact: true }).fill(`repository acme/api -> ${goal.key} : ${goal.category}`);
  await admin.getByLabel('Work accounts', { exact: true }).fill(`github octocat ${demo.logins.employee.email}`);
  await admin.getByRole('button', { name: 'Save the mapping' }).click();
  await admin.getByRole('status').filter({ hasText: 'Mapping saved' }).waitFor();
  assert.equal(await admin.getByRole('textbox', { name: 'Secret', exact: true }).count(), 0, 'the secret is shown once only');
  await visit(admin, 'evidence');

  // GitHub delivers the merge: the raw bytes, signed with the secret.
  const event = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  event.pull_request.title = `Cursor pagination ${STAMP}`;
  event.pull_request.merged_at = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const raw = JSON.stringify(event);
  const sign = (key) => `sha256=${createHmac('sha256', key).update(raw).digest('hex')}`;
  const deliver = (signature, delivery) => fetch(`${demo.base}${path.trim()}`, {
    method: 'POST', body: raw,
    headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'pull_request', 'X-GitHub-Delivery': delivery, 'X-Hub-Signature-256': signature },
  });
  const forged = await deliver(sign('not the secret'), `forged-${STAMP}`);
  assert.equal(forged.status, 403);
  assert.equal(forged.headers.get('content-type'), 'application/problem+json');
  const res = await deliver(sign(secret), `gh-${STAMP}`);
  assert.equal(res.status, 202);
  assert.equal((await res.json()).outcome, 'suggested');
  assert.equal((await deliver(sign(secret), `gh-${STAMP}`)).status, 200, 'a redelivery is recorded once');
  const metrics = await (await fetch(`${demo.base}/metrics`)).text();
  assert.match(metrics, /rungs_evidence_refused_total\{source="github",reason="bad_signature"\} 1/);

  // The employee finds it at home, edits nothing, accepts.
  const page = await newPage();
  await signIn(page, 'employee');
  const card = page.locator('.suggestion', { hasText: `Cursor pagination ${STAMP}` });
  await card.waitFor();
  assert.equal(await card.getByLabel('Competencies').inputValue(), goal.key);
  await visit(page, 'evidence-suggested');
  await card.getByRole('button', { name: /^Accept/ }).click();
  await page.getByRole('status').filter({ hasText: 'Accepted' }).waitFor();
  assert.equal(await page.locator('.suggestion', { hasText: `Cursor pagination ${STAMP}` }).count(), 0, 'answered once, gone from the inbox');
  const { body: accepted } = await api('/api/v1/me/suggestions?state=accepted', demo.logins.employee.token);
  const win = accepted.find((s) => s.title === `Merged: Cursor pagination ${STAMP}`).event_id;
  assert.ok(win, 'the suggestion became a win');

  // Not validated yet: it does not count as a validated win.
  const pending = await points(employee, goal.key);
  assert.ok(!pending.counted.some((c) => c.id === win && c.validated));

  // The manager validates it (through the API, as their inbox's button does); then it counts.
  const manager = await api('/api/v1/events', demo.logins.manager.token, {
    method: 'POST', body: JSON.stringify({ subject: employee, kind: 'validation', payload: { target: win } }),
  });
  assert.equal(manager.status, 201, JSON.stringify(manager.body));
  const after = await points(employee, goal.key);
  const counted = after.counted.find((c) => c.id === win);
  assert.ok(counted && counted.validated, `the validated win counts toward ${goal.key}: ${JSON.stringify(after)}`);
  assert.ok(after.points > before.points, `readiness points rose from ${before.points} to ${after.points}`);
  for (const p of [admin, page]) await p.context().close();
});
