// Browser test for leaderboards: off by default (the page is a 404 that says so),
// the people team turns them on from the page, and after the leaderboards job runs
// (every second here) everyone sees the boards with bars, numbers explained and
// links to the events counted, by period and team.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, useDemo, visit, newPage, signIn, navTo } from './support.js';

useDemo({ env: { RUNGS_LEADERBOARDS_EVERY_SECS: '1' } });

test('leaderboards are off until the people team turns them on, then show every board explained', async () => {
  const page = await newPage();
  await signIn(page, 'employee');
  await navTo(page, 'Leaderboards');
  await page.waitForURL(`${demo.base}/leaderboards`);
  await page.getByRole('heading', { name: 'Leaderboards are off' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Turn leaderboards on' }).count(), 0, 'only the people team has the switch');
  const off = await fetch(`${demo.base}/api/v1/leaderboards`, { headers: { Authorization: `Bearer ${demo.logins.employee.token}` } });
  assert.equal(off.status, 404);
  assert.match((await off.json()).detail, /leaderboards are off/);
  await visit(page, 'leaderboards-off');

  const admin = await newPage();
  await signIn(admin, 'admin');
  await admin.goto(`${demo.base}/leaderboards`);
  await admin.getByRole('button', { name: 'Turn leaderboards on' }).click();
  await admin.getByRole('status').waitFor();
  assert.match(await admin.getByRole('status').innerText(), /Leaderboards are on/);
  await admin.context().close();

  // The job fills the boards within a few seconds.
  const deadline = Date.now() + 30_000;
  for (;;) {
    await page.goto(`${demo.base}/leaderboards?period=year`);
    if (await page.locator('#board-wins .lb-row').count() > 0) break;
    assert.ok(Date.now() < deadline, 'the boards were filled by the job');
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const title of ['Most improved', 'Streaks', 'Breadth of recognition given', 'Validated wins']) {
    await page.getByRole('heading', { level: 2, name: title }).waitFor();
  }
  const first = page.locator('#board-wins .lb-row').first();
  assert.match(await first.innerText(), /validated wins this year/);
  assert.ok(await first.locator('a[href*="timeline#e-"]').count() > 0, 'the events counted are linked');
  assert.equal(await page.locator('#board-wins svg.lb-bar').count(), await page.locator('#board-wins .lb-row').count());
  await visit(page, 'leaderboards');

  // Another period and team through the form.
  await page.getByLabel('Period').selectOption('quarter');
  await page.getByLabel('Team').selectOption({ label: 'My team' });
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/period=quarter&team=manager/);
  await page.getByRole('heading', { level: 2, name: 'Validated wins' }).waitFor();
  assert.match(await page.locator('.page-head p').innerText(), /team/);
  await visit(page, 'leaderboards-team');
  await page.context().close();
});
