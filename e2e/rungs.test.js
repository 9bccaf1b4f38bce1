// Browser tests for the Rungs web interface. They start the real binary
// (`target/debug/rungs demo`), parse the printed logins, drive Debian's Chromium
// through playwright-core, check every page with axe-core (no serious or critical
// violations) and keep a desktop and a 375 px screenshot of each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BINARY = process.env.RUNGS_BIN ?? join(here, '..', 'target', 'debug', 'rungs');
const SHOTS = join(here, 'screenshots');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server, base, browser, dir;
const logins = {};
let output = '';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Parse the demo's login block: role, name <email>, then email/password/token lines. */
function parseLogins(text) {
  const re = /^\s+(employee|manager|admin)\s+(.+?) <([^>]+)>\n\s+email:\s+(\S+)\n\s+password:\s+(\S+)\n\s+token:\s+(\S+)/gm;
  for (const m of text.matchAll(re)) logins[m[1]] = { name: m[2], email: m[4], password: m[5], token: m[6] };
  return Object.keys(logins).length === 3;
}

async function waitForHealth(deadlineMs) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (server.exitCode !== null) throw new Error(`rungs exited early (${server.exitCode}):\n${output}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok && Object.keys(logins).length === 3) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`rungs did not become healthy:\n${output}`);
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'rungs-e2e-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(BINARY, ['demo', '--db', join(dir, 'demo.db'), '--people', '60', '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUNGS_LOG: 'warn' },
  });
  server.stdout.on('data', (d) => { output += d; parseLogins(output); });
  server.stderr.on('data', (d) => { output += d; });
  await waitForHealth(120_000);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** No serious or critical axe violations on the current page. */
async function checkA11y(page, name) {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `accessibility of ${name}`);
}

/** Screenshot at desktop width and at 375 px, then restore the desktop viewport. */
async function shoot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.screenshot({ path: join(SHOTS, `${name}-375.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `${name} scrolls sideways at 375 px by ${overflow}px`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function visit(page, name) {
  await checkA11y(page, name);
  await shoot(page, name);
}

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  return context.newPage();
}

async function signIn(page, role) {
  const who = logins[role];
  await page.goto(`${base}/login`);
  await page.getByLabel('Work email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/`);
  await assert.doesNotReject(page.getByRole('heading', { level: 1, name: /^Hello,/ }).waitFor());
}

async function personId(token) {
  const r = await fetch(`${base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  const me = await r.json();
  return me.id ?? me.person?.id;
}

const WIN = `Ran the on-call handover ${Date.now()}`;

test('the demo printed an employee, a manager and an admin login', () => {
  assert.deepEqual(Object.keys(logins).sort(), ['admin', 'employee', 'manager']);
});

test('the sign-in page is accessible and a wrong password is refused with a message', async () => {
  const page = await newPage();
  const res = await page.goto(`${base}/`);
  assert.match(page.url(), /\/login$/, 'signed-out visitors are sent to sign in');
  assert.equal(res.status(), 200);
  await visit(page, 'login');
  await page.getByLabel('Work email').fill(logins.employee.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /do not match/);
  assert.equal(await page.getByLabel('Work email').inputValue(), logins.employee.email, 'the email is kept');
  await visit(page, 'login-error');
  await page.context().close();
});

test('an employee sees their home, logs a win (fixing a bad form first) and finds it on the timeline', async () => {
  const page = await newPage();
  await signIn(page, 'employee');
  assert.match(await page.locator('.position-title').innerText(), /\S/);
  await visit(page, 'home-employee');

  await page.getByRole('link', { name: 'Log a win' }).first().click();
  await page.waitForURL(`${base}/wins/new`);
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

  await page.goto(`${base}/`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export my data' }).click()]);
  const data = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(data.person.email, logins.employee.email);
  assert.ok(data.timeline.some((e) => e.event.payload?.title === WIN), 'the export holds the new win');
  await page.context().close();
});

test("an employee cannot open another person's timeline", async () => {
  const page = await newPage();
  await signIn(page, 'employee');
  const managerId = await personId(logins.manager.token);
  const res = await page.goto(`${base}/people/${managerId}/timeline`);
  assert.equal(res.status(), 404);
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  await visit(page, 'not-found');
  const res2 = await page.goto(`${base}/people/import`);
  assert.equal(res2.status(), 403, 'the import page is for the people team');
  await visit(page, 'forbidden');
  await page.context().close();
});

test("a manager sees the team with stall markers and validates the report's win", async () => {
  const page = await newPage();
  await signIn(page, 'manager');
  await visit(page, 'home-manager');
  await page.getByRole('link', { name: 'My team' }).click();
  await page.waitForURL(`${base}/team`);
  await page.getByRole('table').waitFor();
  await visit(page, 'team');

  await page.getByRole('link', { name: logins.employee.name }).click();
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
  const r = await fetch(`${base}/api/v1/people/${id}/readiness`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  return r.json();
}

test('an employee sees the milestone map, readiness and next steps, and a win for the top gap moves it', async () => {
  const page = await newPage();
  await signIn(page, 'employee');
  await page.getByRole('link', { name: 'My progress' }).click();
  await page.waitForURL(`${base}/progress`);
  await visit(page, 'progress-employee');
  const id = await personId(logins.employee.token);
  const before = await readiness(logins.employee.token, id);
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
  await page.waitForURL(`${base}/wins/new`);
  await page.getByLabel('What did you achieve?').fill(title);
  await page.getByLabel('Category').selectOption(pick.x.rule.categories?.[0] ?? 'skill');
  await page.locator('#magnitude-micro').check();
  await page.locator(`input[name="competencies"][value="${pick.x.competency}"]`).check();
  await page.getByRole('button', { name: 'Log this win' }).click();
  await page.waitForURL(/\/timeline\?logged=1/);
  if (pick.x.rule.validated_only) {
    // Only validated wins count here: the employee's manager validates it.
    const t = await (await fetch(`${base}/api/v1/people/${id}/timeline`, { headers: { Authorization: `Bearer ${logins.employee.token}` } })).json();
    const win = t.items.find((e) => e.event.payload?.title === title);
    const v = await fetch(`${base}/api/v1/events`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${logins.manager.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ subject: id, kind: 'validation', payload: { target: win.event.id } }),
    });
    assert.equal(v.status, 201);
  }
  const after = await readiness(logins.employee.token, id);
  const cov = (r) => r.readiness.competencies.find((c) => c.competency === pick.r.competency).coverage;
  assert.ok(cov(after) > cov(before), `coverage of ${pick.r.competency} rose: ${cov(before)} -> ${cov(after)}`);
  assert.ok(after.readiness.score >= before.readiness.score);
  await page.goto(`${base}/progress`);
  assert.equal(await page.locator('.score-n').innerText(), String(after.readiness.score));
  await page.context().close();
});

test('the people team reads the framework and previews a competency matrix before saving it', async () => {
  const page = await newPage();
  await signIn(page, 'admin');
  await page.getByRole('link', { name: 'Framework' }).click();
  await page.waitForURL(`${base}/framework`);
  await visit(page, 'framework');
  const csv = join(dir, 'ladder.csv');
  writeFileSync(csv, 'Category,Competency,Engineer,Senior Engineer\nCraft,Observability,Adds metrics,"Designs dashboards, alerts"\n');
  await page.getByLabel('Track').selectOption('engineering');
  await page.getByLabel('CSV file').setInputFiles(csv);
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByText(/Preview: 1 competencies/).waitFor();
  await visit(page, 'framework-preview');
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await page.getByText(/Saved as framework version/).waitFor();
  await page.context().close();
});

test('the people team searches people and sees every bad row of a CSV import', async () => {
  const page = await newPage();
  await signIn(page, 'admin');
  await visit(page, 'home-admin');
  await page.getByRole('link', { name: 'People', exact: true }).click();
  await page.waitForURL(`${base}/people`);
  await visit(page, 'people');
  await page.getByLabel('Search').fill(logins.employee.name.split(' ')[1]);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: logins.employee.name }).waitFor();
  await visit(page, 'people-search');

  await page.goto(`${base}/people/import`);
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
  await page.waitForURL(`${base}/login`);
  await page.goto(`${base}/team`);
  assert.match(page.url(), /\/login\?next=%2Fteam|\/login\?next=\/team/, 'signed out: pages ask to sign in again');
  await page.context().close();
});
