// The manager's home inbox (issue 14): a win waiting for validation is validated in
// place, and a double click records one validation, not two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, useDemo, visit, newPage, signIn } from './support.js';

useDemo();

test('a double click on Validate in the inbox records one validation', async () => {
  const page = await newPage();
  await signIn(page, 'manager');
  await page.getByRole('heading', { name: 'Your team needs you' }).waitFor();
  await visit(page, 'home-manager-inbox');
  const form = page.locator('form[action$="/validations"]').first();
  const target = await form.locator('input[name="target"]').getAttribute('value');
  const action = await form.getAttribute('action');
  await form.getByRole('button', { name: /Validate/ }).dblclick();
  await page.waitForURL(/\/\?validated=/);
  await page.getByRole('status').waitFor();
  assert.equal(await page.locator(`input[name="target"][value="${target}"]`).count(), 0, 'gone from the inbox');

  const timeline = action.replace(/\/validations$/, '/timeline');
  await page.goto(`${demo.base}${timeline}`);
  const row = page.locator(`#e-${target}`);
  const text = await row.innerText();
  assert.match(text, /Validated/);
  assert.doesNotMatch(text, /times/, 'one validation, not two');
  await page.context().close();
});
