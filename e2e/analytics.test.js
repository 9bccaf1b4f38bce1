// The analytics pages (issue 19): the people team's dashboard (metrics, recognition
// distribution, stagnation risk, CSV downloads), the what-works report (Kaplan–Meier
// charts as SVG), the equity audit (attribute picker, four-fifths chart, suppressed
// groups), and the manager's team dashboard; each accessible, at 1280 and 375 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, useDemo, visit, newPage, signIn, navTo } from './support.js';

useDemo();

test('the people team reads the dashboard and downloads its tables as CSV', async () => {
  const page = await newPage();
  await signIn(page, 'admin');
  await navTo(page, 'Analytics');
  await page.getByRole('heading', { level: 1, name: 'Organization analytics' }).waitFor();
  assert.ok(await page.locator('svg.chart').count() >= 1, 'the cadence chart');
  assert.ok(await page.getByRole('table', { name: /By department: recognition and credentials/ }).isVisible());
  await page.getByRole('heading', { name: 'Stagnation risk' }).waitFor();
  await visit(page, 'analytics-dashboard');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'download CSV' }).click()]);
  assert.match(download.suggestedFilename(), /^rungs-metrics-groups\.csv$/);
  const text = await (await fetch(`${demo.base}/api/v1/analytics/metrics?format=csv`, { headers: { Authorization: `Bearer ${demo.logins.admin.token}` } })).text();
  assert.match(text.split('\r\n')[1], /^organization,/);
  await page.context().close();
});

test('the what-works report draws its curves and links their SVG and CSV', async () => {
  const page = await newPage();
  await signIn(page, 'admin');
  await navTo(page, 'What works');
  await page.getByRole('heading', { level: 1, name: 'What works here' }).waitFor();
  assert.ok(await page.locator('svg.chart.km').count() >= 4, 'one Kaplan–Meier chart per comparison');
  await page.getByRole('heading', { name: 'Caveats' }).waitFor();
  await visit(page, 'analytics-what-works');
  const href = await page.getByRole('link', { name: 'SVG' }).first().getAttribute('href');
  const svg = await page.request.get(`${demo.base}${href}`);
  assert.equal(svg.headers()['content-type'], 'image/svg+xml');
  assert.match(await svg.text(), /^<svg xmlns/);
  await page.context().close();
});

test('the equity audit compares groups by an attribute the people team picks', async () => {
  const page = await newPage();
  await signIn(page, 'admin');
  await navTo(page, 'Equity audit');
  await page.getByRole('heading', { level: 1, name: 'Equity audit' }).waitFor();
  await page.getByLabel('Compare by').selectOption('age_band');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/attribute=age_band/);
  await page.getByRole('heading', { name: /Promoted at least once in the period, by age_band/ }).waitFor();
  await page.getByRole('heading', { name: 'How this is computed' }).waitFor();
  await visit(page, 'analytics-equity');
  await page.getByLabel('Compare by').selectOption('gender');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.getByRole('heading', { name: /Recognized at least once in the period, by gender/ }).waitFor();
  assert.ok(await page.locator('svg.chart.equity').count() === 2, 'a chart per outcome');
  await page.context().close();
});

test("a manager sees their team's dashboard and no equity audit", async () => {
  const page = await newPage();
  await signIn(page, 'manager');
  await navTo(page, 'Analytics');
  await page.getByRole('heading', { level: 1, name: 'Team analytics' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Equity audit', exact: true }).count(), 0, 'not in the menu');
  await visit(page, 'analytics-team');
  const r = await page.goto(`${demo.base}/analytics/equity`);
  assert.equal(r.status(), 403);
  await page.context().close();
});
