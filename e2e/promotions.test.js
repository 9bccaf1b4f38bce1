// Browser test for a promotion cycle run by the three roles: the manager nominates
// their report in the demo's open cycle; the people team opens the review from the
// calibration board and reorders it; the manager votes from their inbox; the people
// team approves with today's date, and the promotion is on the person's record with
// level, title and track changed together; the person sees their case and its
// history. Every page is checked with axe-core and screenshotted (support.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, useDemo, visit, newPage, signIn, personId, navTo } from './support.js';

useDemo();

async function api(path, token) {
  const r = await fetch(`${demo.base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, path);
  return r.json();
}

test('nominate → review → calibrate → approve a promotion, through the browser', async () => {
  const employee = demo.logins.employee;
  const id = await personId(employee.token);
  const before = await api(`/api/v1/people/${id}`, employee.token);

  // The manager nominates the employee.
  const m = await newPage();
  await signIn(m, 'manager');
  await navTo(m, 'Promotions');
  await m.waitForURL(`${demo.base}/promotions`);
  await m.getByRole('heading', { name: 'Cycles' }).waitFor();
  await visit(m, 'promotions-manager');
  await m.getByRole('link', { name: 'Nominate' }).first().click();
  await m.waitForURL(/\/cycles\/[0-9a-f-]+\/nominate$/);
  const value = await m.locator('#subject option', { hasText: employee.name }).first().getAttribute('value');
  await m.getByLabel('Who').selectOption(value);
  await m.getByLabel('Why').fill('Owns the payments on-call, shipped the ledger export end to end, mentors two juniors.');
  await visit(m, 'promotions-nominate');
  await m.getByRole('button', { name: 'Nominate' }).click();
  await m.waitForURL(/\/cases\/[0-9a-f-]+\?done=nominated$/);
  const caseUrl = m.url().split('?')[0];
  assert.match(await m.getByRole('status').first().innerText(), /Nominated/);
  await m.getByRole('heading', { name: 'Edit the nomination' }).waitFor();
  await visit(m, 'promotions-case-nominated');

  // The people team finds it in the inbox and on the board, opens the review, reorders.
  const a = await newPage();
  await signIn(a, 'admin');
  await a.goto(`${demo.base}/promotions`);
  await a.locator('section', { has: a.getByRole('heading', { name: 'Waiting on you' }) }).getByRole('link', { name: new RegExp(employee.name) }).waitFor();
  await a.getByRole('link', { name: 'Calibration board' }).first().click();
  await a.waitForURL(/\/cycles\/[0-9a-f-]+\/board$/);
  const boardUrl = a.url();
  const row = a.locator('tr', { has: a.getByRole('link', { name: employee.name }) });
  await row.waitFor();
  await visit(a, 'promotions-board');
  await a.goto(caseUrl);
  await a.getByRole('button', { name: 'Open the review' }).click();
  await a.waitForURL(/done=start_review/);
  await a.goto(boardUrl);
  const up = a.getByRole('button', { name: `Move ${employee.name} up` });
  if (await up.count()) {
    const rank = async () => Number(await a.locator('tr', { has: a.getByRole('link', { name: employee.name }) }).locator('td').first().innerText());
    const was = await rank();
    await up.click();
    await a.waitForURL(/\/board#c-/);
    assert.equal(await rank(), was - 1, 'moved up one place');
  }

  // The manager votes from their inbox.
  await m.goto(`${demo.base}/promotions`);
  await m.locator('section', { has: m.getByRole('heading', { name: 'Waiting on you' }) }).getByRole('link', { name: new RegExp(employee.name) }).click();
  await m.getByLabel('Support').check();
  await m.getByLabel('Comment').fill('Operating at the next level since the spring.');
  await m.getByRole('button', { name: 'Send review' }).click();
  await m.waitForURL(/done=reviewed/);
  assert.match(await m.getByText(/Votes: 1 support/).innerText(), /1 support/);
  await m.context().close();

  // The people team approves, effective today: the promotion is on the record.
  await a.goto(caseUrl);
  await a.getByRole('heading', { name: 'Reviews' }).waitFor();
  await visit(a, 'promotions-case-in-review');
  await a.getByRole('button', { name: 'Approve' }).click();
  await a.waitForURL(/done=approve/);
  await a.getByText(/Promoted on \d{4}-\d{2}-\d{2}: level, title and track changed together/).waitFor();
  await visit(a, 'promotions-case-effective');
  await a.context().close();

  const after = await api(`/api/v1/people/${id}`, employee.token);
  const pos = (p) => p.position ?? p;
  assert.notEqual(pos(after).level, pos(before).level, 'the level changed');
  const c = await api(`/api/v1/cases/${caseUrl.split('/').pop()}`, employee.token);
  assert.equal(c.status, 'effective');
  assert.equal(pos(after).level, c.to.level);
  assert.equal(pos(after).title, c.to.title);
  assert.deepEqual(c.history.map((h) => h.to), ['nominated', 'in_review', 'approved', 'effective']);
  assert.equal(c.reviews.length, 0, 'the subject does not read the reviewers’ comments');

  // The person sees their case and its history.
  const e = await newPage();
  await signIn(e, 'employee');
  await e.goto(`${demo.base}/promotions`);
  await e.locator('section', { has: e.getByRole('heading', { name: 'Your own cases' }) }).getByRole('link').first().click();
  await e.getByRole('heading', { name: 'History' }).waitFor();
  await visit(e, 'promotions-case-own');
  await e.context().close();
});
