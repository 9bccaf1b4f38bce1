// Browser test for a spreadsheet ladder: the people team uploads an Excel workbook as
// Excel saves it (a title row, merged cells, a Notes column, a date, a second sheet),
// sees the preview as a grid with warnings beside the cells they concern, switches to
// the second sheet, and commits. Harness in support.js; the workbook is the corpus's
// crates/rungs-app/tests/ladders/ladder.xlsx (written by make_sheets.py there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useDemo, demo, newPage, signIn, visit } from './support.js';

useDemo();

const WORKBOOK = join(dirname(fileURLToPath(import.meta.url)), '..', 'crates', 'rungs-app', 'tests', 'ladders', 'ladder.xlsx');

test('the people team imports an Excel workbook: preview as a grid, warnings by cell, another sheet, commit', async () => {
  const page = await newPage();
  await signIn(page, 'admin');
  await page.goto(`${demo.base}/framework`);
  const before = await page.getByRole('heading', { level: 1, name: 'Career framework' }).locator('xpath=..').innerText();
  const version = Number(/Version (\d+)/.exec(before)[1]);

  await page.getByLabel('CSV file, spreadsheet (XLSX, ODS), Markdown ladder or YAML framework').setInputFiles(WORKBOOK);
  await page.getByRole('button', { name: 'Preview' }).click();
  // The first sheet, "Engineering", fills the demo's Software Engineering track: its
  // level columns name that track's levels by title.
  await page.getByRole('heading', { name: /Preview: 5 competencies, \d+ expectations for levels e2, e3, e4 of engineering/ }).waitFor();
  const grid = page.getByRole('table', { name: /competencies × levels/ });
  const security = grid.getByRole('row', { name: /Security training/ });
  const cells = await security.getByRole('cell').allInnerTexts();
  assert.match(cells[0], /^2026-03-31/);
  assert.match(cells[0], /Warning:\s*ladder\.xlsx:Engineering!C9: a date, read as the text '2026-03-31'/);
  const talk = await grid.getByRole('row', { name: /Communication/ }).getByRole('cell').allInnerTexts();
  assert.match(talk[1], /^Explains trade-offs to any audience/);
  assert.match(talk[2], /^Explains trade-offs to any audience/, 'a cell merged across L2 and L3 holds at both');
  const main = await page.locator('main').innerText();
  assert.match(main, /ladder\.xlsx:Engineering!A1: a row above the table skipped/);
  assert.match(main, /column 7 'Notes' is descriptive; ignored/);
  assert.match(main, /other sheets \(Sales\) were not read/);
  await visit(page, 'framework-xlsx-preview');

  // The second sheet, named in the Sheet box, is a ladder of its own.
  await page.getByLabel('Sheet', { exact: true }).fill('Sales');
  await page.getByRole('button', { name: 'Preview again with these roles' }).click();
  await page.getByRole('heading', { name: /Preview: 2 competencies, 4 expectations for levels .* of sales/ }).waitFor();
  const prospecting = await page.getByRole('table', { name: /competencies × levels/ }).getByRole('row', { name: /Prospecting/ }).getByRole('cell').allInnerTexts();
  assert.deepEqual(prospecting.slice(0, 2), ['Books first meetings', 'Builds a territory plan']);
  for (const r of await page.getByLabel('Different competencies').all()) await r.check();
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await page.getByText(`Saved as framework version ${version + 1}.`).waitFor();
  await visit(page, 'framework-xlsx-saved');

  await page.goto(`${demo.base}/framework?changes=${version + 1}`);
  const changes = await page.getByRole('heading', { name: `Changes from version ${version} to ${version + 1}` }).locator('xpath=..').innerText();
  assert.match(changes, /prospecting/);
  assert.doesNotMatch(changes, /security-training/, 'only the chosen sheet was imported');
  await page.context().close();
});
