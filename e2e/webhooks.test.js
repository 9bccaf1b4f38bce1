// Browser test for the webhooks page: the people team finds it in the Organization
// menu, a bad address keeps what was typed with the error beside the field, adding a
// subscription shows its signing secret once (gone on reload), and the delivery log
// fills as events are recorded, with a Replay button per delivery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, useDemo, visit, newPage, signIn, navTo } from './support.js';

useDemo();
const STAMP = Date.now();
const URL_OK = `http://127.0.0.1:9/rungs-e2e-${STAMP}`;

test('the people team adds a webhook, sees its secret once, and reads the delivery log', async () => {
  const page = await newPage();
  await signIn(page, 'admin');
  await navTo(page, 'Webhooks');
  await page.waitForURL(`${demo.base}/webhooks`);

  // Bad input: a non-http address and no kind ticked.
  await page.getByLabel('Address').fill('ftp://files.example');
  await page.getByRole('button', { name: 'Add the subscription' }).click();
  await page.locator('#url-error').waitFor();
  assert.equal(await page.getByLabel('Address').inputValue(), 'ftp://files.example', 'what was typed is kept');
  assert.ok(await page.locator('#kinds-error').isVisible(), 'no kind ticked is said beside the kinds');
  await visit(page, 'webhooks-errors');

  await page.getByLabel('Address').fill(URL_OK);
  await page.getByLabel('What it is for').fill('HRIS sync');
  await page.getByRole('checkbox', { name: /Every kind/ }).check();
  await page.getByRole('button', { name: 'Add the subscription' }).click();
  await page.waitForURL(`${demo.base}/webhooks#secret-h`);
  const secret = await page.getByRole('textbox', { name: 'Signing secret' }).inputValue();
  assert.match(secret, /^whsec_/);
  assert.ok(await page.locator('.hook', { hasText: URL_OK }).isVisible(), 'the new subscription is listed');
  await visit(page, 'webhooks-secret');

  // Record a win through the API: a delivery for it appears in the log.
  const r = await fetch(`${demo.base}/api/v1/me`, { headers: { Authorization: `Bearer ${demo.logins.admin.token}` } });
  const me = await r.json();
  const win = { subject: me.id ?? me.person?.id, kind: 'micro_progression', payload: { category: 'skill', magnitude: 'nano', title: `e2e webhook ${STAMP}` } };
  const posted = await fetch(`${demo.base}/api/v1/events`, {
    method: 'POST', headers: { Authorization: `Bearer ${demo.logins.admin.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(win),
  });
  assert.equal(posted.status, 201);

  // The secret is gone on reload; deliveries show up once the dispatcher fans out.
  let rows = 0;
  for (let i = 0; i < 30 && rows === 0; i++) {
    await page.goto(`${demo.base}/webhooks`);
    rows = await page.locator('.hook-log tbody tr', { hasText: URL_OK }).count();
    if (rows === 0) await new Promise((res) => setTimeout(res, 500));
  }
  assert.equal(await page.getByRole('textbox', { name: 'Signing secret' }).count(), 0, 'the secret is shown once only');
  assert.ok(!(await page.content()).includes(secret), 'the secret is nowhere on the page again');
  assert.ok(rows > 0, 'the delivery log shows the delivery');
  await page.locator('tbody tr', { hasText: URL_OK }).first().getByRole('button', { name: /^Replay/ }).click();
  await page.getByRole('status').filter({ hasText: 'Replaying' }).waitFor();
  await visit(page, 'webhooks');
  await page.context().close();
});

test('an employee is not offered the page and gets 403', async () => {
  const page = await newPage();
  await signIn(page, 'employee');
  assert.equal(await page.getByRole('link', { name: 'Webhooks', exact: true }).count(), 0);
  const res = await page.goto(`${demo.base}/webhooks`);
  assert.equal(res.status(), 403);
  await page.context().close();
});
