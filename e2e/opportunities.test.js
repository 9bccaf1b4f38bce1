// Browser tests for the opportunity board: the employee finds an opportunity from
// their next steps and applies; the people team accepts and marks the work
// complete; the employee's readiness moves; a manager posts one, fixing a bad form
// first. Every page is checked with axe-core and screenshotted (support.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, useDemo, visit, newPage, signIn, personId } from './support.js';

useDemo();

async function readiness(token, id) {
  const r = await fetch(`${demo.base}/api/v1/people/${id}/readiness`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  return r.json();
}

test('an employee applies to an opportunity from their next steps, and its completion counts toward the gap', async () => {
  const id = await personId(demo.logins.employee.token);
  const before = await readiness(demo.logins.employee.token, id);
  assert.ok(before.readiness.next_level, 'the demo employee has a next level');
  const top = before.recommendations[0];
  assert.ok(top.opportunities.length > 0, `the demo posts an opportunity for the largest gap (${top.competency})`);

  const page = await newPage();
  await signIn(page, 'employee');
  await page.goto(`${demo.base}/progress`);
  const first = page.locator('.recs > li').first();
  await first.getByText('Open opportunities that build it').waitFor();
  await first.locator('.opp-matches a').first().click();
  await page.waitForURL(/\/opportunities\/[0-9a-f-]+$/);
  const oppUrl = page.url();
  await page.getByRole('heading', { level: 1 }).waitFor();
  await visit(page, 'opportunity-employee');
  await page.getByLabel('Why you?').fill('I want to grow here and have two afternoons a week.');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/done=applied/);
  assert.match(await page.getByRole('status').innerText(), /You applied/);
  await page.getByRole('button', { name: 'Withdraw my application' }).waitFor();
  await page.getByRole('link', { name: 'Opportunities', exact: true }).first().click();
  await page.waitForURL(`${demo.base}/opportunities`);
  await page.getByRole('heading', { name: 'Your applications' }).waitFor();
  await visit(page, 'opportunities-board');
  await page.context().close();

  // The people team takes the employee on and confirms the work is done.
  const admin = await newPage();
  await signIn(admin, 'admin');
  await admin.goto(oppUrl);
  const name = demo.logins.employee.name;
  await admin.getByRole('button', { name: `Accept ${name}` }).click();
  await admin.waitForURL(/done=accept/);
  await visit(admin, 'opportunity-owner-accepted');
  await admin.getByRole('button', { name: `Mark ${name}’s work complete` }).click();
  await admin.waitForURL(/done=complete/);
  assert.match(await admin.getByRole('status').innerText(), /Marked complete/);
  await admin.getByRole('link', { name: `On ${name}’s record` }).waitFor();
  await admin.context().close();

  const after = await readiness(demo.logins.employee.token, id);
  const cov = (r) => r.readiness.competencies.find((c) => c.competency === top.competency).coverage;
  assert.ok(cov(after) > cov(before), `coverage of ${top.competency} rose: ${cov(before)} -> ${cov(after)}`);
  const counted = after.readiness.competencies.find((c) => c.competency === top.competency).progress?.counted ?? [];
  assert.ok(counted.some((w) => w.title.startsWith('Completed the stretch project') && w.validated), 'the completed work counts, validated');
});

test('a manager posts an opportunity, fixing a bad form first', async () => {
  const page = await newPage();
  await signIn(page, 'manager');
  await page.goto(`${demo.base}/opportunities/new`);
  await page.getByRole('button', { name: 'Post it' }).click();
  await page.getByRole('alert').waitFor();
  const summary = await page.getByRole('alert').innerText();
  assert.match(summary, /Must not be empty/);
  assert.match(summary, /at least one competency/);
  await visit(page, 'opportunity-new-errors');
  const title = `Run the accessibility audit of the checkout ${Date.now()}`;
  await page.getByLabel('What is the work?').fill(title);
  await page.getByLabel('Details').fill('Four weeks; pair with design.');
  await page.locator('input[name="competencies"][value="testing"]').check();
  await page.getByLabel('Completing it counts as').selectOption('task_mastered');
  await page.getByLabel('How many people can take it on?').fill('2');
  await page.getByRole('button', { name: 'Post it' }).click();
  await page.waitForURL(/posted=1/);
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  await page.getByText('No applications yet.').waitFor();
  await visit(page, 'opportunity-posted');
  await page.context().close();
});
