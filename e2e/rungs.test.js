// Browser tests for the main flows of the Rungs web interface: sign-in, wins, the
// timeline, the team, the milestone map and the people team's pages. Every page is
// checked with axe-core and screenshotted at desktop width and 375 px (support.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demo, useDemo, visit, newPage, signIn, personId, navTo } from './support.js';

useDemo();
const dir = mkdtempSync(join(tmpdir(), 'rungs-e2e-files-'));
const WIN = `Ran the on-call handover ${Date.now()}`;

test('the demo printed an employee, a manager and an admin login', () => {
  assert.deepEqual(Object.keys(demo.logins).sort(), ['admin', 'employee', 'manager']);
});

test('the sign-in page is accessible and a wrong password is refused with a message', async () => {
  const page = await newPage();
  const res = await page.goto(`${demo.base}/`);
  assert.match(page.url(), /\/login$/, 'signed-out visitors are sent to sign in');
  assert.equal(res.status(), 200);
  await visit(page, 'login');
  await page.getByLabel('Work email').fill(demo.logins.employee.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /do not match/);
  assert.equal(await page.getByLabel('Work email').inputValue(), demo.logins.employee.email, 'the email is kept');
  await visit(page, 'login-error');
  await page.context().close();
});

test('an employee sees their home, logs a win (fixing a bad form first) and finds it on the timeline', async () => {
  const page = await newPage();
  await signIn(page, 'employee');
  assert.match(await page.locator('.position-title').innerText(), /\S/);
  await visit(page, 'home-employee');

  await page.getByRole('link', { name: 'Log a win' }).first().click();
  await page.waitForURL(`${demo.base}/wins/new`);
  await visit(page, 'win-new');

  // A bad form: no title, no category, an evidence link that is not http(s).
  await page.getByLabel('Evidence link').fill('ftp://example.com/file');
  await page.getByRole('button', { name: 'Log this win' }).click();
  await page.locator('#title-error').waitFor();
  assert.match(await page.locator('#title-error').innerText(), /\S/);
  assert.match(await page.locator('#category-error').innerText(), /Choose a category/);
  assert.match(await page.locator('#evidence-error').innerText(), /http/i);
  assert.equal(await page.getByLabel('Evidence link').inputValue(), 'ftp://example.com/file', 'input is kept');
  assert.equal(await page.locator('#title').getAttribute('aria-invalid'), 'true');
  await visit(page, 'win-new-errors');

  await page.getByLabel('What did you achieve?').fill(WIN);
  await page.getByLabel('Category').selectOption('responsibility');
  await page.locator('#magnitude-micro').check();
  await page.locator('input[name="competencies"]').first().check();
  await page.getByLabel('Evidence link').fill('https://wiki.example.com/handover');
  await page.getByRole('button', { name: 'Log this win' }).click();
  await page.waitForURL(/\/timeline\?logged=1/);
  await page.locator('.event-title', { hasText: WIN }).waitFor();
  await visit(page, 'timeline-employee');

  await page.getByLabel('Show').selectOption('recognition');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/kind=recognition/);
  assert.equal(await page.locator('.event-title', { hasText: WIN }).count(), 0, 'the filter hides wins');
  await visit(page, 'timeline-employee-recognition');

  await page.goto(`${demo.base}/`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export my data' }).click()]);
  const data = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(data.person.email, demo.logins.employee.email);
  assert.ok(data.timeline.some((e) => e.event.payload?.title === WIN), 'the export holds the new win');
  await page.context().close();
});

test("an employee cannot open another person's timeline", async () => {
  const page = await newPage();
  await signIn(page, 'employee');
  const managerId = await personId(demo.logins.manager.token);
  const res = await page.goto(`${demo.base}/people/${managerId}/timeline`);
  assert.equal(res.status(), 404);
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  await visit(page, 'not-found');
  const res2 = await page.goto(`${demo.base}/people/import`);
  assert.equal(res2.status(), 403, 'the import page is for the people team');
  await visit(page, 'forbidden');
  await page.context().close();
});

test("a manager sees the team with stall markers and validates the report's win", async () => {
  const page = await newPage();
  await signIn(page, 'manager');
  await visit(page, 'home-manager');
  await navTo(page, 'My team');
  await page.waitForURL(`${demo.base}/team`);
  await page.getByRole('table').waitFor();
  await visit(page, 'team');

  await page.getByRole('link', { name: demo.logins.employee.name }).click();
  await page.waitForURL(/\/people\/.+\/timeline/);
  const item = page.locator('li.event', { hasText: WIN });
  await item.getByRole('button', { name: /Validate/ }).click();
  await page.waitForURL(/validated=1/);
  await page.getByRole('status').filter({ hasText: 'Win validated' }).waitFor();
  assert.match(await page.locator('li.event', { hasText: WIN }).innerText(), /Validated/);
  assert.equal(await page.locator('li.event', { hasText: WIN }).getByRole('button', { name: /Validate/ }).count(), 0, 'no second validation button');
  await visit(page, 'timeline-report');
  await page.context().close();
});

async function readiness(token, id) {
  const r = await fetch(`${demo.base}/api/v1/people/${id}/readiness`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  return r.json();
}

test('an employee sees the milestone map, readiness and next steps, and a win for the top gap moves it', async () => {
  const page = await newPage();
  await signIn(page, 'employee');
  await navTo(page, 'Progress');
  await page.waitForURL(`${demo.base}/progress`);
  await visit(page, 'progress-employee');
  const id = await personId(demo.logins.employee.token);
  const before = await readiness(demo.logins.employee.token, id);
  if (!before.readiness.next_level) {
    await page.getByText('Top of this track').waitFor();
    await page.context().close();
    return;
  }
  await page.getByRole('heading', { name: 'Milestone map' }).waitFor();
  await page.getByRole('heading', { name: 'Next steps' }).waitFor();
  // The first gap whose criterion an unvalidated win can move.
  const rules = (c) => {
    const crit = c.criterion ?? {};
    if (crit.evidence) return { rule: crit.evidence, competency: c.competency };
    const m = before.readiness.milestones.find((x) => x.key === crit.milestone);
    return m ? { rule: m.rule, competency: m.competencies[0] } : null;
  };
  const byKey = Object.fromEntries(before.readiness.competencies.map((c) => [c.competency, c]));
  const pick = before.recommendations.map((r) => ({ r, x: rules(byKey[r.competency]) })).find(({ x }) => x);
  if (before.recommendations.length) {
    const first = await page.locator('.recs > li').first().locator('.event-title').innerText();
    assert.ok(first.startsWith(before.recommendations[0].name), `the largest gap is named first: ${first}`);
  }
  if (!pick) { await page.context().close(); return; }
  const title = `Closed a gap in ${pick.r.name} ${Date.now()}`;
  await page.getByRole('link', { name: 'Log a win' }).first().click();
  await page.waitForURL(`${demo.base}/wins/new`);
  await page.getByLabel('What did you achieve?').fill(title);
  await page.getByLabel('Category').selectOption(pick.x.rule.categories?.[0] ?? 'skill');
  await page.locator('#magnitude-micro').check();
  await page.locator(`input[name="competencies"][value="${pick.x.competency}"]`).check();
  await page.getByRole('button', { name: 'Log this win' }).click();
  await page.waitForURL(/\/timeline\?logged=1/);
  if (pick.x.rule.validated_only) {
    // Only validated wins count here: the employee's manager validates it.
    const t = await (await fetch(`${demo.base}/api/v1/people/${id}/timeline`, { headers: { Authorization: `Bearer ${demo.logins.employee.token}` } })).json();
    const win = t.items.find((e) => e.event.payload?.title === title);
    const v = await fetch(`${demo.base}/api/v1/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${demo.logins.manager.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ subject: id, kind: 'validation', payload: { target: win.event.id } }),
    });
    assert.equal(v.status, 201);
  }
  const after = await readiness(demo.logins.employee.token, id);
  const cov = (r) => r.readiness.competencies.find((c) => c.competency === pick.r.competency).coverage;
  assert.ok(cov(after) > cov(before), `coverage of ${pick.r.competency} rose: ${cov(before)} -> ${cov(after)}`);
  assert.ok(after.readiness.score >= before.readiness.score);
  await page.goto(`${demo.base}/progress`);
  assert.equal(await page.locator('.score-n').innerText(), String(after.readiness.score));
  await page.context().close();
});

test('the people team reads the framework and previews a competency matrix before saving it', async () => {
  const page = await newPage();
  await signIn(page, 'admin');
  await navTo(page, 'Framework');
  await page.waitForURL(`${demo.base}/framework`);
  await visit(page, 'framework');
  const csv = join(dir, 'ladder.csv');
  writeFileSync(csv, 'Category,Competency,Engineer,Senior Engineer\nCraft,Observability,Adds metrics,"Designs dashboards, alerts"\n');
  await page.getByLabel('Track').selectOption('engineering');
  await page.getByLabel('CSV file').setInputFiles(csv);
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByText(/Preview: 1 competency,/).waitFor();
  await visit(page, 'framework-preview');
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await page.getByText(/Saved as framework version/).waitFor();
  await page.context().close();
});

test('the people team searches people and sees every bad row of a CSV import', async () => {
  const page = await newPage();
  await signIn(page, 'admin');
  await visit(page, 'home-admin');
  await navTo(page, 'People');
  await page.waitForURL(`${demo.base}/people`);
  await visit(page, 'people');
  await page.getByLabel('Search').fill(demo.logins.employee.name.split(' ')[1]);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: demo.logins.employee.name }).waitFor();
  await visit(page, 'people-search');

  await page.goto(`${demo.base}/people/import`);
  await visit(page, 'import');
  const csv = join(dir, 'people.csv');
  writeFileSync(csv, [
    'email,name,hire_date,track,level,title,manager_email',
    'new.person@northwind.example,New Person,2024-02-01,engineering,e2,Engineer,',
    'not-an-email,Bad Email,2024-02-01,engineering,e2,Engineer,',
    'x@northwind.example,,31/02/2024,nowhere,e9,Engineer,',
  ].join('\n'));
  await page.getByLabel('CSV file').setInputFiles(csv);
  await page.getByRole('button', { name: 'Check and import' }).click();
  await page.getByRole('table', { name: 'Rows with problems' }).waitFor();
  const text = await page.getByRole('table', { name: 'Rows with problems' }).innerText();
  assert.match(text, /^\s*3\b/m, 'line 3 is reported');
  assert.match(text, /^\s*4\b/m, 'line 4 is reported');
  assert.match(await page.getByRole('alert').innerText(), /Nothing was imported/);
  await visit(page, 'import-errors');

  await page.getByLabel('CSV file').setInputFiles(csv);
  await page.getByLabel(/Skip invalid rows/).check();
  await page.getByRole('button', { name: 'Check and import' }).click();
  await page.getByText(/Imported 1 person/).waitFor();
  await visit(page, 'import-done');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${demo.base}/login`);
  await page.goto(`${demo.base}/team`);
  assert.match(page.url(), /\/login\?next=%2Fteam|\/login\?next=\/team/, 'signed out: pages ask to sign in again');
  await page.context().close();
});

test('the win form suggests the competencies a free-text win evidences, and the person decides', async () => {
  const page = await newPage();
  await signIn(page, 'employee');
  await page.goto(`${demo.base}/wins/new`);
  await page.getByLabel('What did you achieve?').fill('Wrote the postmortem for the checkout incident');
  await page.getByRole('button', { name: 'Suggest competencies' }).click();
  const status = page.locator('#suggested');
  await status.waitFor();
  assert.match(await status.innerText(), /Operating production/);
  assert.match(await status.innerText(), /“postmortem”/);
  assert.ok(await page.locator('input[name="competencies"][value="operations"]').isChecked(), 'the suggestion is ticked');
  assert.equal(await page.getByLabel('What did you achieve?').inputValue(), 'Wrote the postmortem for the checkout incident', 'input is kept');
  await visit(page, 'win-suggested');
  await page.context().close();
});

test('no other site can frame a page, and the readiness meter draws without inline styles', async () => {
  const page = await newPage();
  await signIn(page, 'employee');
  await page.goto(`${demo.base}/progress`);
  const bar = await page.locator('svg.meter rect').first().evaluate((r) => r.getBoundingClientRect().width);
  const score = Number((await page.locator('svg.meter').first().getAttribute('aria-label')).match(/(\d+) out of/)[1]);
  assert.ok(score === 0 || bar > 0, `the meter shows ${score}: ${bar}px`);
  assert.deepEqual(page.cspViolations, [], 'no CSP violation on the signed-in pages');
  // A page elsewhere (another origin) framing the sign-in page gets nothing.
  const other = await newPage();
  await other.goto('about:blank');
  await other.setContent(`<iframe id="f" src="${demo.base}/login"></iframe>`);
  await other.waitForTimeout(1000);
  const framed = other.frames().find((f) => f.url().startsWith(demo.base));
  const content = framed ? await framed.evaluate(() => document.body?.innerText ?? '').catch(() => '') : '';
  assert.doesNotMatch(content, /Sign in/, 'the framed page must not render');
  await page.context().close();
  await other.context().close();
});
