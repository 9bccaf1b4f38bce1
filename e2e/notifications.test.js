// Notifications and invites in the browser (issue 14): a manager validates a win in
// the home inbox; the people team sends its author an invite (no SMTP on the demo, so
// the one-time link is shown once); the author opens the link, chooses a password, is
// signed in, sees the bell's count and the notification, and marks it read. The link
// does not work twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, useDemo, visit, newPage, signIn } from './support.js';

useDemo();

test('a validated win reaches its author under the bell, who signs in from an invite', async () => {
  // The manager validates the first win waiting in the inbox.
  const manager = await newPage();
  await signIn(manager, 'manager');
  await manager.getByRole('heading', { name: 'Your team needs you' }).waitFor();
  const form = manager.locator('form[action$="/validations"]').first();
  const action = await form.getAttribute('action');
  const author = action.match(/\/people\/([^/]+)\/validations$/)[1];
  await form.getByRole('button', { name: /Validate/ }).click();
  await manager.waitForURL(/\/\?validated=/);
  await manager.context().close();

  // The people team invites the author from their page.
  const admin = await newPage();
  await signIn(admin, 'admin');
  const header = await admin.locator('header.site').boundingBox();
  assert.ok(header.height < 80, `with the bell the header is still one row at 1280 px (${header.height}px high)`);
  await admin.goto(`${demo.base}/people/${author}/timeline`);
  await admin.getByRole('button', { name: 'Send an invite to sign in' }).click();
  const link = await admin.getByRole('textbox', { name: 'One-time sign-in link' }).inputValue();
  assert.match(link, /\/invite\/[0-9a-f]{64}$/);
  await admin.reload();
  assert.equal(await admin.getByRole('textbox', { name: 'One-time sign-in link' }).count(), 0, 'the link is shown once');
  await admin.context().close();

  // The author opens the link, chooses a password, and is signed in.
  const page = await newPage();
  await page.goto(link);
  await page.getByLabel(/New password/).fill('short');
  await page.evaluate(() => document.querySelector('#password').removeAttribute('minlength'));
  await page.getByRole('button', { name: 'Set my password and sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'at least 10 characters' }).waitFor();
  await visit(page, 'invite-password-too-short');
  await page.getByLabel(/New password/).fill('a long enough password');
  await page.getByRole('button', { name: 'Set my password and sign in' }).click();
  await page.waitForURL(`${demo.base}/`);
  await page.getByRole('heading', { level: 1, name: /^Hello,/ }).waitFor();

  // The notification job runs every 2 s: the bell shows the count soon after.
  let count = 0;
  for (let i = 0; i < 40 && count === 0; i++) {
    await page.goto(`${demo.base}/`);
    const badge = page.locator('.bell .bell-count');
    count = (await badge.count()) ? Number(await badge.getAttribute('data-unread')) : 0;
    if (count === 0) await new Promise((r) => setTimeout(r, 500));
  }
  assert.ok(count >= 1, 'the bell counts the unread notification');
  const bell = page.getByRole('link', { name: new RegExp(`^Notifications, ${count} unread$`) });
  await bell.click();
  await page.waitForURL(`${demo.base}/notifications`);
  const item = page.locator('.notification.is-unread', { hasText: `${demo.logins.manager.name} validated your win` });
  await item.waitFor();
  await visit(page, 'notifications');
  await item.getByRole('button', { name: 'Mark read' }).click();
  await page.waitForURL(`${demo.base}/notifications`);
  assert.equal(await page.locator('.notification.is-unread', { hasText: 'validated your win' }).count(), 0, 'marked read');
  if (count === 1) assert.equal(await page.locator('.bell .bell-count').count(), 0, 'nothing unread: no count');

  // Email settings.
  await page.getByRole('link', { name: 'Email settings' }).click();
  await page.getByRole('group', { name: 'A win of mine is validated' }).getByLabel('In the daily digest').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  assert.ok(await page.getByRole('group', { name: 'A win of mine is validated' }).getByLabel('In the daily digest').isChecked());
  await visit(page, 'notification-settings');
  await page.context().close();

  // The link works once.
  const again = await newPage();
  const res = await again.goto(link);
  assert.equal(res.status(), 200);
  await again.getByLabel(/New password/).fill('another long password');
  await again.getByRole('button', { name: 'Set my password and sign in' }).click();
  await again.getByRole('alert').filter({ hasText: 'already used' }).waitFor();
  await again.context().close();
});
