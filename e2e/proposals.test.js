// Browser test for proposals and approval routes (docs/WORKFLOWS.md), run by four
// people: the people team sets the micro-promotion route (a sequential step for the
// subject's manager's manager, then a parallel step for that skip-level and the
// people team together); the manager proposes a micro-promotion for their report;
// the skip-level (signed in from an invite) approves step 1, then the people team
// and the skip-level approve step 2 in either order; effective today, it is a
// `micro_promotion` event on the person's timeline and counts as evidence on their
// progress. Then a lateral move (its own transition, not a promotion) and a pay
// change whose amount only the people team and the person see: the skip-level who
// approves it and the manager see "amount hidden".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, useDemo, visit, newPage, signIn, personId, navTo } from './support.js';

useDemo();

async function call(method, path, token, body) {
  const r = await fetch(`${demo.base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
const api = (path, token) => call('GET', path, token);

/** The people team invites `id`; the one-time link signs them in, in a new page. */
async function inviteAndSignIn(admin, id) {
  await admin.goto(`${demo.base}/people/${id}/timeline`);
  await admin.getByRole('button', { name: 'Send an invite to sign in' }).click();
  const link = await admin.getByRole('textbox', { name: 'One-time sign-in link' }).inputValue();
  const page = await newPage();
  await page.goto(link);
  await page.getByLabel(/New password/).fill('a long enough password');
  await page.getByRole('button', { name: 'Set my password and sign in' }).click();
  await page.waitForURL(`${demo.base}/`);
  return page;
}

/** Approve the proposal whose inbox entry mentions `text`, from `/proposals`. */
async function approve(page, text, comment) {
  await page.goto(`${demo.base}/proposals`);
  const item = page.locator('li.event', { hasText: text });
  await item.waitFor();
  await item.getByLabel(/Comment/).fill(comment);
  await item.getByRole('button', { name: 'Approve' }).click();
  await page.waitForURL(`${demo.base}/proposals`);
}

test('propose → approve along a sequential then a parallel step → effective micro-promotion; a lateral move; a hidden pay change', async () => {
  const { employee, manager, admin } = demo.logins;
  const employeeId = await personId(employee.token);
  const managerId = await personId(manager.token);
  const adminId = await personId(admin.token);
  const skipId = (await api(`/api/v1/people/${managerId}`, admin.token)).manager_id;
  assert.ok(skipId && skipId !== adminId, 'the demo manager has a manager who is not the people team');

  // A competency the employee's next level checks with evidence a responsibility win counts for.
  const before = (await api(`/api/v1/people/${employeeId}/readiness`, manager.token)).readiness;
  const comp = before.competencies.find((c) => {
    const r = c.criterion?.evidence;
    return r && (!r.categories || r.categories.length === 0 || r.categories.includes('responsibility'));
  });
  assert.ok(comp, 'the next level has an expectation a micro-promotion can evidence');

  // The people team's route: sequential skip-level, then skip-level and people team in parallel.
  await call('PUT', '/api/v1/routes', admin.token, {
    kind: 'micro_promotion',
    remind_after_days: 2,
    steps: [
      { name: 'Skip level', approvers: [{ type: 'managers_manager' }] },
      { name: 'Skip level and people team', approvers: [{ type: 'managers_manager' }, { type: 'person', id: adminId }] },
    ],
  });
  const a = await newPage();
  await signIn(a, 'admin');
  await a.goto(`${demo.base}/approval-routes`);
  await a.getByText('Skip level and people team').first().waitFor();
  await visit(a, 'approval-routes');
  const s = await inviteAndSignIn(a, skipId);

  // The manager proposes a micro-promotion for their report, effective today.
  const scope = 'Owns the payments service end to end';
  const m = await newPage();
  await signIn(m, 'manager');
  await navTo(m, 'Promotions');
  await m.getByRole('link', { name: 'Proposals and approvals' }).click();
  await m.waitForURL(`${demo.base}/proposals`);
  const who = await m.locator('#subject option', { hasText: employee.name }).first().getAttribute('value');
  await m.getByLabel('Who').selectOption(who);
  await m.getByLabel('What').selectOption('micro_promotion');
  await m.getByLabel('Scope now').fill('Works on the payments service');
  await m.getByLabel('Scope after').fill(scope);
  await m.getByLabel(/Competencies it evidences/).fill(comp.competency);
  await m.getByLabel('Why').fill('Ran the payments service alone for a quarter, on-call included.');
  await visit(m, 'proposals-propose');
  await m.getByRole('button', { name: 'Propose' }).click();
  await m.waitForURL(`${demo.base}/proposals`);
  const mine = m.locator('li.event', { hasText: scope });
  assert.match(await mine.innerText(), /pending/);
  assert.match(await mine.innerText(), /step 1 of 2: Skip level \(1 of 1 needed\)/);

  // Step 1 (sequential): only the skip-level has it; the people team does not yet.
  await a.goto(`${demo.base}/proposals`);
  assert.equal(await a.locator('li.event', { hasText: scope }).count(), 0, 'step 2 waits for step 1');
  await s.goto(`${demo.base}/proposals`);
  await s.locator('li.event', { hasText: scope }).waitFor();
  await visit(s, 'proposals-inbox');
  await approve(s, scope, 'Yes: I have seen the on-call reports.');

  // Step 2 (parallel): the people team and the skip-level, both needed.
  await m.reload();
  assert.match(await m.locator('li.event', { hasText: scope }).innerText(), /step 2 of 2: Skip level and people team \(2 of 2 needed\)/);
  await approve(a, scope, 'Agreed.');
  await m.reload();
  assert.match(await m.locator('li.event', { hasText: scope }).innerText(), /pending/, 'one of two parallel approvals is not enough');
  await approve(s, scope, 'Agreed again.');
  await m.reload();
  assert.match(await m.locator('li.event', { hasText: scope }).innerText(), /effective/);
  await visit(m, 'proposals-mine');

  // On the record: a micro_promotion event, and evidence on the progress page.
  const events = await api(`/api/v1/people/${employeeId}/events?kind=micro_promotion`, manager.token);
  const list = events.items ?? events;
  assert.equal(list.filter((e) => e.body?.scope === scope || e.scope === scope || JSON.stringify(e).includes(scope)).length, 1, 'one micro_promotion event');
  await m.goto(`${demo.base}/people/${employeeId}/timeline`);
  await m.getByText(`New scope: ${scope}`).first().waitFor();
  await visit(m, 'proposals-timeline');
  await m.goto(`${demo.base}/people/${employeeId}/progress`);
  const counted = m.locator(`#c-${comp.competency} .counted li`, { hasText: `Micro-promotion: ${scope}` });
  assert.equal(await counted.count(), 1, 'the micro-promotion counts as evidence');
  assert.match(await counted.textContent(), /validated/);
  const after = (await api(`/api/v1/people/${employeeId}/readiness`, manager.token)).readiness;
  const pts = (r) => r.competencies.find((c) => c.competency === comp.competency).progress.points;
  assert.ok(pts(after) > pts(before), `evidence points rose (${pts(before)} → ${pts(after)})`);

  // A lateral move: its own transition, approved by the skip-level (the default route).
  await m.goto(`${demo.base}/proposals`);
  await m.getByLabel('Who').selectOption(who);
  await m.getByLabel('What').selectOption('lateral_move');
  await m.getByLabel(/New department/).fill('Developer Experience');
  await m.getByLabel('Why').fill('Wants to build the internal tools the team keeps asking for.');
  await m.getByRole('button', { name: 'Propose' }).click();
  await m.waitForURL(`${demo.base}/proposals`);
  await approve(s, 'Developer Experience', 'Good move.');
  const moved = await api(`/api/v1/people/${employeeId}`, admin.token);
  assert.equal(moved.department, 'Developer Experience');
  const lateral = await api(`/api/v1/people/${employeeId}/events?kind=lateral_move`, admin.token);
  assert.equal((lateral.items ?? lateral).length >= 1, true, 'a lateral_move event, not a promotion');

  // A pay change: proposed by the people team (API); the skip-level approves without seeing it.
  const today = new Date().toISOString().slice(0, 10); // the demo organization's calendar is UTC
  const pay = await call('POST', '/api/v1/proposals', admin.token, {
    subject: employeeId, details: { kind: 'pay_change', delta: 3250 }, rationale: 'Market adjustment after the department move.', effective_on: today,
  });
  assert.equal(pay.status, 'pending');
  await a.goto(`${demo.base}/proposals`);
  assert.match(await a.locator('li.event', { hasText: 'Pay change' }).first().innerText(), /\+3250/, 'the people team sees the amount');

  await s.goto(`${demo.base}/proposals`);
  const hidden = s.locator('li.event', { hasText: employee.name }).filter({ hasText: 'Pay change' });
  await hidden.waitFor();
  assert.doesNotMatch(await s.locator('main').innerText(), /3250/, 'a manager approver does not see the amount');
  assert.match(await hidden.innerText(), /amount visible to the people team and the person/);
  await visit(s, 'proposals-pay-hidden');
  await approve(s, 'Pay change', 'Approved.');

  const byAdmin = (await api(`/api/v1/proposals?subject=${employeeId}`, admin.token)).find((v) => v.proposal.kind === 'pay_change');
  assert.equal(byAdmin.proposal.status, 'effective');
  assert.equal(byAdmin.proposal.details.delta, 3250);
  const byPerson = (await api(`/api/v1/proposals?subject=${employeeId}`, employee.token)).find((v) => v.proposal.kind === 'pay_change');
  assert.equal(byPerson.proposal.details.delta, 3250, 'the person sees their own pay change');
  assert.equal(byPerson.pay_hidden, false);
  const byManager = (await api(`/api/v1/proposals?subject=${employeeId}`, manager.token)).find((v) => v.proposal.kind === 'pay_change');
  assert.equal(byManager.pay_hidden, true, 'the manager (a third role) does not');
  assert.equal(byManager.proposal.details.delta, 0);
  assert.doesNotMatch(JSON.stringify(byManager), /3250/);
  const ledger = await api(`/api/v1/people/${employeeId}/events`, admin.token);
  assert.doesNotMatch(JSON.stringify(ledger), /3250/, 'pay is never on the ledger');

  for (const p of [a, s, m]) await p.context().close();
});
