// Verifiable credentials in the browser (issue 16): the employee downloads a credential
// from "My credentials", verifies it on the public verify page (valid), the people team
// revokes it with a reason, and the same file then verifies as revoked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { demo, useDemo, visit, newPage, signIn, navTo } from './support.js';

useDemo();

async function verifyFile(page, path) {
  await page.goto(`${demo.base}/verify`);
  await page.getByLabel('Or a file (JSON or PNG badge image)').setInputFiles(path);
  await page.getByRole('button', { name: 'Verify' }).click();
  return page.locator('section.verdict');
}

test('download, verify, revoke, verify again', async () => {
  const page = await newPage();
  await signIn(page, 'employee');
  await navTo(page, 'Credentials');
  await page.getByRole('heading', { level: 1, name: 'My credentials' }).waitFor();
  // The demo opted the employee in and issued their achievements; issue one if not.
  if (await page.getByRole('link', { name: 'Download JSON' }).count() === 0) {
    await page.getByRole('button', { name: 'Issue credential' }).first().click();
    await page.getByRole('status').filter({ hasText: 'Issued' }).waitFor();
  }
  await visit(page, 'credentials-mine');
  const item = page.locator('li.credential').filter({ has: page.getByRole('link', { name: 'Download JSON' }) }).first();
  const share = await item.getByRole('textbox', { name: 'Share link' }).inputValue();
  const id = share.split('/').pop();
  const [download] = await Promise.all([page.waitForEvent('download'), item.getByRole('link', { name: 'Download JSON' }).click()]);
  const file = await download.path();
  const credential = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(credential.type, ['VerifiableCredential', 'OpenBadgeCredential']);
  assert.equal(credential.proof.cryptosuite, 'eddsa-rdfc-2022');
  const [png] = await Promise.all([page.waitForEvent('download'), item.getByRole('link', { name: 'Download badge image' }).click()]);
  const pngFile = await png.path();

  // Anyone verifies it, signed in or not: the JSON and the baked PNG.
  const visitor = await newPage();
  let verdict = await verifyFile(visitor, file);
  assert.equal(await verdict.getAttribute('data-valid'), 'true', await verdict.innerText());
  await visit(visitor, 'credentials-verify-valid');
  verdict = await verifyFile(visitor, pngFile);
  assert.equal(await verdict.getAttribute('data-valid'), 'true', await verdict.innerText());

  // The people team revokes it, with a reason.
  const admin = await newPage();
  await signIn(admin, 'admin');
  await navTo(admin, 'Credentials issued');
  const row = admin.locator(`li.credential[data-id="${id}"]`);
  await row.getByRole('textbox', { name: /^Reason for revoking/ }).fill('Recorded for the wrong person');
  await row.getByRole('button', { name: 'Revoke' }).click();
  await admin.getByRole('status').filter({ hasText: 'Revoked' }).waitFor();
  await visit(admin, 'credentials-admin');
  await admin.context().close();

  // The same file now verifies as revoked; the holder sees why.
  verdict = await verifyFile(visitor, file);
  assert.equal(await verdict.getAttribute('data-valid'), 'false');
  await verdict.getByRole('heading', { name: /Not valid: revoked/ }).waitFor();
  assert.equal(await verdict.locator('[data-check="signature"]').getAttribute('data-ok'), 'true', 'the signature still holds');
  await visit(visitor, 'credentials-verify-revoked');
  await page.reload();
  await page.getByText('Recorded for the wrong person').waitFor();
  await page.context().close();
  await visitor.context().close();
});
