// Browser tests for recognition and badges: giving recognition moves points at once
// and shows in the feed; the people team previews and saves a badge rule; crafted
// wins earn it, and it appears on "my badges" exactly once after the badge job runs
// (the demo's server runs it every 2 s), with the wins that earned it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, useDemo, visit, newPage, signIn, navTo } from './support.js';

useDemo();
const STAMP = Date.now();
const KEY = `e2e-mentor-${STAMP}`;
const NAME = `Mentor Sprint ${STAMP}`;
const RULE = `key: ${KEY}\nname: ${NAME}\ndescription: Three mentoring wins in a day.\nrule: {count: {category: mentoring, within_days: 1, at_least: 3}}\n`;

/** Points left this period, read from the balance hint of the recognition form. */
async function pointsLeft(page) {
  const text = await page.locator('#points-hint').innerText();
  const m = text.match(/(\d+) of (\d+) left/);
  assert.ok(m, text);
  return Number(m[1]);
}

test('giving recognition moves the points at once and shows in the feed', async () => {
  const page = await newPage();
  await signIn(page, 'employee');
  await navTo(page, 'Recognition');
  await page.waitForURL(`${demo.base}/recognition`);
  const before = await pointsLeft(page);
  const message = `Thanks for the patient code review ${STAMP}`;
  await page.getByLabel('To', { exact: true }).fill(demo.logins.manager.email);
  await page.getByLabel('What did they do?').fill(message);
  await page.getByLabel('Points to each').fill('10');
  await page.getByRole('button', { name: 'Send recognition' }).click();
  await page.waitForURL(/\/recognition\?given=1/);
  await page.getByRole('status').waitFor();
  assert.equal(await pointsLeft(page), before - 10, 'the points left drop by what was given, at once');
  const first = page.locator('.events .event').first();
  assert.match(await first.innerText(), new RegExp(`${demo.logins.manager.name}[\\s\\S]*10 points[\\s\\S]*${message}`));
  await visit(page, 'recognition-given');
  await page.context().close();

  // The receiver sees it in the feed too.
  const other = await newPage();
  await signIn(other, 'manager');
  await other.goto(`${demo.base}/recognition`);
  await other.locator('.event', { hasText: message }).waitFor();
  await other.context().close();
});

test('crafted wins earn a new badge, shown once on my badges after the job runs, with the wins that earned it', async () => {
  const admin = await newPage();
  await signIn(admin, 'admin');
  await navTo(admin, 'Badge rules');
  await admin.waitForURL(`${demo.base}/badges/admin`);
  await visit(admin, 'badge-admin');

  // A mistake first: named by its position, nothing saved.
  await admin.getByLabel('Definition').fill(RULE.replace('category: mentoring', 'category: juggling'));
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.getByRole('alert').waitFor();
  assert.match(await admin.getByRole('alert').innerText(), /rule\.count\.category/);
  await visit(admin, 'badge-admin-error');

  // The preview: the employee does not meet it yet.
  await admin.getByLabel('Definition').fill(RULE);
  await admin.getByRole('button', { name: 'Preview who would get it' }).click();
  await admin.locator('#preview-h').waitFor();
  assert.equal(await admin.locator('#preview td a', { hasText: demo.logins.employee.name }).count(), 0);
  await visit(admin, 'badge-admin-preview');
  await admin.getByRole('button', { name: 'Save' }).click();
  await admin.waitForURL(/saved=/);
  await admin.locator('.medal', { hasText: NAME }).waitFor();

  const page = await newPage();
  await signIn(page, 'employee');
  for (const n of [1, 2, 3, 4]) {
    await page.goto(`${demo.base}/wins/new`);
    await page.getByLabel('What did you achieve?').fill(`Mentored a new joiner, session ${n} (${STAMP})`);
    await page.getByLabel('Category').selectOption('mentoring');
    await page.locator('#magnitude-nano').check();
    await page.getByRole('button', { name: 'Log this win' }).click();
    await page.waitForURL(/\/timeline\?logged=1/);
    if (n === 3) {
      // The third win earns it: the job (every 2 s) awards it within seconds.
      const deadline = Date.now() + 30_000;
      for (;;) {
        await page.goto(`${demo.base}/badges`);
        if (await page.locator('.medal h3', { hasText: NAME }).count() > 0 && await page.locator(`#b-${KEY}-bronze`).count() > 0) break;
        assert.ok(Date.now() < deadline, 'the badge appears within 30 s');
        await page.waitForTimeout(500);
      }
    }
  }
  // A fourth win and a few more job runs: still once.
  await page.waitForTimeout(5_000);
  await page.goto(`${demo.base}/badges`);
  assert.equal(await page.locator(`#b-${KEY}-bronze`).count(), 1, 'exactly one award');
  const medal = page.locator(`#b-${KEY}-bronze`);
  await medal.getByText(/Earned by 3 events/).click();
  assert.equal(await medal.locator('.earned a', { hasText: /Mentored a new joiner/ }).count(), 3);
  await visit(page, 'my-badges');
  // Each event links to its line on the timeline.
  await medal.locator('.earned a').first().click();
  await page.waitForURL(/\/timeline#e-/);
  await page.locator('.badge-strip img[alt^="' + NAME + '"]').waitFor();

  // The preview now says the employee holds it.
  await admin.goto(`${demo.base}/badges/admin?key=${KEY}`);
  await admin.getByRole('button', { name: 'Preview who would get it' }).click();
  await admin.locator('#preview-h').waitFor();
  const row = admin.locator('#preview tr', { hasText: demo.logins.employee.name });
  assert.match(await row.innerText(), /yes/);
  await page.context().close();
  await admin.context().close();
});
