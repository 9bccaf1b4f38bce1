// Issue 14, the pictures and the homes of each role: the manager's team at a glance
// (readiness of the direct reports, time in level and levels of everyone, SVG with
// the numbers beside), the people team's overview (counts, heat map, time in level,
// stalled by department, what waits), bulk validate in the manager's inbox (ticked
// wins validated once each, even when the form is sent twice), and screenshots of
// each role's home at 1280 and 375 px (e2e/screenshots/home-<role>*.png).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, useDemo, visit, newPage, signIn } from './support.js';

useDemo();

test('each role has its own home, shot at 1280 and 375 px', async () => {
  for (const role of ['employee', 'manager', 'admin']) {
    const page = await newPage();
    await signIn(page, role);
    await visit(page, `home-${role}`);
    const overview = page.getByRole('heading', { name: 'Your organization at a glance' });
    if (role === 'admin') {
      await overview.waitFor();
      const heat = page.locator('svg.shape-heat');
      assert.equal(await heat.count(), 1, 'the department × level heat map');
      assert.match(await heat.locator('title').innerHTML(), /department and level/);
      const people = Number((await page.locator('.overview .stat-n').first().innerText()).replace(/\D/g, ''));
      assert.ok(people > 0, 'people counted');
      // The numbers beside the picture add up to the count above it.
      await page.locator('.heat-fig summary').click();
      const totals = await page.locator('.heat-fig tbody tr td:last-child').allInnerTexts();
      assert.equal(totals.reduce((a, t) => a + Number(t), 0), people);
    } else {
      assert.equal(await overview.count(), 0, `no organization overview for the ${role}`);
    }
    if (role === 'manager') {
      await page.getByRole('heading', { name: 'How ready your direct reports are' }).waitFor();
      assert.equal(await page.locator('svg#home-readiness, svg[aria-labelledby^="home-readiness"]').count(), 1);
    }
    await page.context().close();
  }
});

test('the team page draws readiness, time in level and levels with the numbers beside', async () => {
  const page = await newPage();
  await signIn(page, 'manager');
  await page.goto(`${demo.base}/team`);
  await visit(page, 'team-glance');
  for (const id of ['team-readiness', 'team-til', 'team-levels']) {
    const svg = page.locator(`svg[aria-labelledby="${id}-t ${id}-d"]`);
    assert.equal(await svg.count(), 1, id);
    assert.ok((await svg.locator('desc').textContent()).length > 10, `${id} is described`);
  }
  // Time in level covers everyone below: its numbers add up to the team's count.
  const total = Number((await page.locator('h1 + p').innerText()).match(/^(\d+)/)[1]);
  const fig = page.locator('figure', { has: page.locator('svg[aria-labelledby^="team-til"]') });
  await fig.locator('summary').click();
  const counts = await fig.locator('tbody td').allInnerTexts();
  assert.equal(counts.reduce((a, t) => a + Number(t), 0), total);
  await page.context().close();
});

test('bulk validate records each ticked win once, even sent twice', async () => {
  const page = await newPage();
  await signIn(page, 'manager');
  // Log two wins as the manager's report, so at least two wait in the inbox.
  const rep = await newPage();
  await signIn(rep, 'employee');
  for (const title of ['Bulk one: wrote the runbook', 'Bulk two: paired on the outage review']) {
    await rep.goto(`${demo.base}/wins/new`);
    await rep.getByLabel('What did you achieve?').fill(title);
    await rep.getByLabel('Category').selectOption('responsibility');
    await rep.locator('#magnitude-micro').check();
    await rep.getByRole('button', { name: 'Log this win' }).click();
    await rep.waitForURL(/\/timeline\?logged=1/);
  }
  await rep.context().close();

  await page.goto(`${demo.base}/`);
  const boxes = page.locator('input.pick');
  assert.ok(await boxes.count() >= 2, 'two wins waiting');
  const picked = [];
  for (const title of ['Bulk one', 'Bulk two']) {
    const row = page.locator('li.event', { hasText: title });
    const box = row.locator('input.pick');
    picked.push(await box.getAttribute('value'));
    await box.check();
  }
  await visit(page, 'home-manager-bulk');
  // Send the same form twice (a double click): the second finds both validated.
  const body = new URLSearchParams({ csrf: await page.locator('#bulk-validate input[name="csrf"]').getAttribute('value') });
  for (const v of picked) body.append('win', v);
  await page.getByRole('button', { name: 'Validate the ticked wins' }).click();
  await page.waitForURL(`${demo.base}/#inbox-h`);
  const msg = await page.getByRole('status').innerText();
  assert.match(msg, /Validated 2 wins/);
  const again = await page.evaluate(async ([b]) => {
    // Not followed: the page it lands on would show (and clear) the message.
    const r = await fetch('/inbox/validations', { method: 'POST', body: b, headers: { 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
    return r.type;
  }, [body.toString()]);
  assert.equal(again, 'opaqueredirect', 'answered with a redirect');
  await page.goto(`${demo.base}/`);
  assert.match(await page.getByRole('status').innerText(), /Nothing new was validated\. You had already validated 2 of them/);
  for (const v of picked) {
    const [subject, event] = v.split(':');
    await page.goto(`${demo.base}/people/${subject}/timeline`);
    const text = await page.locator(`#e-${event}`).innerText();
    assert.match(text, /Validated/);
    assert.doesNotMatch(text, /times/, 'one validation each');
  }
  await page.context().close();
});
