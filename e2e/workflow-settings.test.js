// Browser test of the people team's workflow settings and the delegate picker
// (docs/WORKFLOWS.md): the organization's time zone is set on its page (an unknown
// name is refused, naming the field); a cycle is created from /cycles/new and opens
// on its calibration board; a manager finds a delegate by typing part of a name (a
// bounded search, at most 10 matches) and saves the delegation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, useDemo, visit, newPage, signIn, navTo } from './support.js';

useDemo();

test('time zone, a new cycle, and a delegate found by name', async () => {
  const a = await newPage();
  await signIn(a, 'admin');
  await navTo(a, 'Time zone');
  await a.waitForURL(`${demo.base}/settings/time-zone`);
  await a.getByText(/Now: UTC/).waitFor();
  await a.getByLabel(/Time zone/).fill('Mars/Olympus');
  await a.getByRole('button', { name: 'Save the time zone' }).click();
  await a.getByRole('alert').filter({ hasText: 'time_zone' }).waitFor();
  await a.getByLabel(/Time zone/).fill('Europe/Berlin');
  await a.getByRole('button', { name: 'Save the time zone' }).click();
  await a.getByText(/Now: Europe\/Berlin/).waitFor();
  await visit(a, 'time-zone');
  const tz = await (await fetch(`${demo.base}/api/v1/org/time-zone`, { headers: { Authorization: `Bearer ${demo.logins.employee.token}` } })).json();
  assert.equal(tz.time_zone, 'Europe/Berlin');

  await a.goto(`${demo.base}/promotions`);
  await a.getByRole('link', { name: 'New cycle' }).click();
  await a.waitForURL(`${demo.base}/cycles/new`);
  await a.getByLabel('Name', { exact: true }).fill('Browser cycle');
  await a.locator('#value0').fill('engineering');
  await a.locator('#scope0').selectOption('track');
  await a.locator('#promotions0').fill('3');
  await a.locator('#group0').fill('Everyone');
  await visit(a, 'cycle-new');
  await a.getByRole('button', { name: 'Create the cycle' }).click();
  await a.waitForURL(/\/cycles\/[0-9a-f-]+\/board$/);
  await a.getByRole('heading', { name: /Browser cycle/ }).first().waitFor();
  // The same name twice is refused, and the form says why.
  await a.goto(`${demo.base}/cycles/new`);
  await a.getByLabel('Name', { exact: true }).fill('Browser cycle');
  await a.locator('#value0').fill('engineering');
  await a.locator('#scope0').selectOption('track');
  await a.getByRole('button', { name: 'Create the cycle' }).click();
  await a.getByRole('alert').waitFor();
  await a.context().close();

  // The employee may not create a cycle or set the time zone.
  const e = await newPage();
  await signIn(e, 'employee');
  for (const path of ['/cycles/new', '/settings/time-zone']) {
    const r = await e.goto(`${demo.base}${path}`);
    assert.equal(r.status(), 403, path);
  }
  await e.context().close();

  // The manager finds a delegate by typing (the picker) and saves the delegation.
  const m = await newPage();
  await signIn(m, 'manager');
  await m.goto(`${demo.base}/proposals`);
  const first = demo.logins.admin.name.split(' ')[0];
  await m.getByLabel(/Find a colleague/).pressSequentially(first.slice(0, 4), { delay: 50 });
  const choice = m.getByRole('radio', { name: new RegExp(demo.logins.admin.name) });
  await choice.waitFor();
  assert.ok(await m.getByRole('radio').count() <= 10, 'at most 10 matches');
  await choice.check();
  await m.getByLabel('From').fill('2030-01-01');
  await m.getByLabel('Until').fill('2030-01-10');
  await visit(m, 'delegate-picker');
  await m.getByRole('button', { name: 'Save delegation' }).click();
  await m.waitForURL(`${demo.base}/proposals`);
  await m.getByText(`${demo.logins.admin.name} decides for you from 2030-01-01 to 2030-01-10.`).waitFor();
  const api = await (await fetch(`${demo.base}/api/v1/me/delegation/candidates?q=${encodeURIComponent(first.slice(0, 4))}`, { headers: { Authorization: `Bearer ${demo.logins.manager.token}` } })).json();
  assert.ok(api.items.length >= 1 && api.items.length <= 10);
  assert.deepEqual(Object.keys(api.items[0]).sort(), ['id', 'name', 'title'], 'a name and a title, nothing more');
  await m.context().close();
});
