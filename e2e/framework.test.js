// Browser test for the framework import: the people team uploads a Markdown ladder
// whose competency name drifts between levels, confirms the pair, commits, and sees
// the new version. Harness in support.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useDemo, demo, newPage, signIn, visit } from './support.js';

useDemo();

const LADDER = `# Data Science

What we expect of data scientists at each level.

## D1 — Data Scientist

### Analysis
- Answers a well-posed question with a **reproducible** notebook
- Examples:
  - Churn analysis for one product line

### Mentoring
- Helps a new joiner find their way around the data

## D2 — Senior Data Scientist

### Analysis
- Frames the question before answering it

### Mentorship
- Mentors two people through their first project
`;

test('the people team imports a Markdown ladder, confirms a drifting name and sees the new version', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rungs-fw-'));
  const file = join(dir, 'data-science.md');
  writeFileSync(file, LADDER);
  const page = await newPage();
  await signIn(page, 'admin');
  assert.ok(demo.logins.admin, 'the demo prints a people-team login');
  await page.goto(`${demo.base}/framework`);
  const before = await page.getByRole('heading', { level: 1, name: 'Career framework' }).locator('xpath=..').innerText();
  const version = Number(/Version (\d+)/.exec(before)[1]);

  await page.getByLabel('CSV file, spreadsheet (XLSX, ODS), Markdown ladder or YAML framework').setInputFiles(file);
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('heading', { name: /Preview: 3 competencies, 4 expectations for levels d1, d2 of data-science \(a new track\)/ }).waitFor();
  await page.getByRole('heading', { name: 'Names to confirm' }).waitFor();
  const pair = page.getByRole('group', { name: '“Mentoring” and “Mentorship”' });
  assert.match(await pair.innerText(), /data-science\.md:12/);
  assert.match(await pair.innerText(), /data-science\.md:20/);
  await visit(page, 'framework-markdown-preview');

  // Saving without an answer is refused and nothing is saved.
  await page.getByRole('button', { name: 'Save as a new version' }).evaluate((b) => b.form.noValidate = true);
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await page.getByRole('alert').getByText(/may be one competency/).waitFor();
  await visit(page, 'framework-markdown-unconfirmed');

  await page.getByRole('group', { name: '“Mentoring” and “Mentorship”' }).getByLabel(/Same competency/).check();
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await page.getByText(`Saved as framework version ${version + 1}.`).waitFor();
  await visit(page, 'framework-markdown-saved');

  await page.goto(`${demo.base}/framework`);
  await page.getByRole('heading', { level: 2, name: 'Data Science' }).waitFor();
  assert.match(await page.locator('main').innerText(), new RegExp(`Version ${version + 1}, in force since`));
  await page.getByRole('link', { name: `what changed in version ${version + 1}` }).click();
  const changes = await page.getByRole('heading', { name: `Changes from version ${version} to ${version + 1}` }).locator('xpath=..').innerText();
  assert.match(changes, /added track data-science/);
  assert.doesNotMatch(changes, /added competency mentorship/, 'Mentorship was merged into Mentoring');
  await page.context().close();
});

const SPREADSHEET = 'Category;Competency;Description;Associate;Designer;Lead\nCraft;Visual design;what we mean;Uses the design system;Extends the design system;Owns the design system\n;Research;;Takes notes in interviews;Runs interviews;\n';

const FRONT_MATTER = `---
pageTitle: Backend Engineering
levels: 2
topics:
  - name: Service ownership
    content:
      - level: 1
        criteria: [Runs one service on call]
      - level: 2
        criteria: [Owns a service end to end]
---
`;

test('the people team imports a semicolon spreadsheet and a front-matter ladder, each previewed as a grid', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rungs-fw-'));
  const sheet = join(dir, 'product-design.csv');
  writeFileSync(sheet, SPREADSHEET);
  const md = join(dir, 'backend.md');
  writeFileSync(md, FRONT_MATTER);
  const page = await newPage();
  await signIn(page, 'admin');

  await page.goto(`${demo.base}/framework`);
  await page.getByLabel('CSV file, spreadsheet (XLSX, ODS), Markdown ladder or YAML framework').setInputFiles(sheet);
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('heading', { name: /Preview: 2 competencies, 5 expectations for levels associate, designer, lead of product-design \(a new track\)/ }).waitFor();
  const grid = page.getByRole('table', { name: /competencies × levels/ });
  const row = grid.getByRole('row', { name: /Visual design/ });
  assert.deepEqual(await row.getByRole('cell').allInnerTexts(), ['Uses the design system', 'Extends the design system', 'Owns the design system', '']);
  assert.match(await page.locator('main').innerText(), /column 3 'Description' is descriptive; ignored/);
  await visit(page, 'framework-spreadsheet-preview');
  // Names near the demo framework's wait for an answer: these are new competencies.
  for (const r of await page.getByLabel('Different competencies').all()) await r.check();
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await page.getByText(/Saved as framework version \d+\./).waitFor();

  await page.goto(`${demo.base}/framework`);
  await page.getByLabel('CSV file, spreadsheet (XLSX, ODS), Markdown ladder or YAML framework').setInputFiles(md);
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('heading', { name: /Preview: 1 competency, 2 expectations for levels level-1, level-2 of backend-engineering \(a new track\)/ }).waitFor();
  const fm = page.getByRole('table', { name: /competencies × levels/ }).getByRole('row', { name: /Service ownership/ });
  assert.deepEqual((await fm.getByRole('cell').allInnerTexts()).slice(0, 2), ['Runs one service on call', 'Owns a service end to end']);
  await visit(page, 'framework-front-matter-preview');
  for (const r of await page.getByLabel('Different competencies').all()) await r.check();
  await page.getByRole('button', { name: 'Save as a new version' }).click();
  await page.getByText(/Saved as framework version \d+\./).waitFor();
  await page.goto(`${demo.base}/framework`);
  await page.getByRole('heading', { level: 2, name: 'Product design' }).or(page.getByRole('heading', { level: 2, name: 'product-design' })).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Backend Engineering' }).waitFor();
  await page.context().close();
});
