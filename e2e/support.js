// The browser-test harness shared by every *.test.js here: starts the real binary
// (`target/debug/rungs demo`) on a free port, parses the printed logins, launches
// Debian's Chromium through playwright-core, and offers accessibility checks (axe-core,
// no serious or critical violations) and desktop + 375 px screenshots.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
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
export const SHOTS = join(here, 'screenshots');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Filled in by `useDemo()`'s `before` hook: the base URL and the demo's three logins. */
export const demo = { base: '', logins: {}, output: '' };
let server, browser, dir;

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
  for (const m of text.matchAll(re)) demo.logins[m[1]] = { name: m[2], email: m[4], password: m[5], token: m[6] };
  return Object.keys(demo.logins).length === 3;
}

async function waitForHealth(deadlineMs) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (server.exitCode !== null) throw new Error(`rungs exited early (${server.exitCode}):\n${demo.output}`);
    try {
      const r = await fetch(`${demo.base}/healthz`);
      if (r.ok && Object.keys(demo.logins).length === 3) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`rungs did not become healthy:\n${demo.output}`);
}

/** A free TCP port on 127.0.0.1. */
export { freePort };

/** Register `before`/`after` hooks that run a fresh 60-person demo for this test file.
 * `options.setup`, when given, runs first (async) and may fill in `options.port` (to
 * listen on) and `options.env` (extra environment, e.g. single sign-on settings). */
export function useDemo(options = {}) {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    if (options.setup) await options.setup(options);
    dir = mkdtempSync(join(tmpdir(), 'rungs-e2e-'));
    const port = options.port ?? await freePort();
    demo.base = `http://127.0.0.1:${port}`;
    server = spawn(BINARY, ['demo', '--db', join(dir, 'demo.db'), '--people', '60', '--listen', `127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUNGS_LOG: 'warn', ...(options.env ?? {}) },
    });
    server.stdout.on('data', (d) => { demo.output += d; parseLogins(demo.output); });
    server.stderr.on('data', (d) => { demo.output += d; });
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
}

/** No serious or critical axe violations on the current page. */
export async function checkA11y(page, name) {
  // Evaluated, not added as an inline <script>: the pages' CSP forbids inline scripts.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `accessibility of ${name}`);
}

/** Screenshot at desktop width and at 375 px, then restore the desktop viewport. */
export async function shoot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.screenshot({ path: join(SHOTS, `${name}-375.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  const widest = overflow > 1 ? await page.evaluate(() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(-3).map((e) => `${e.tagName}.${e.className}`).join(', ')) : '';
  assert.ok(overflow <= 1, `${name} scrolls sideways at 375 px by ${overflow}px (${widest})`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Accessibility check and screenshots of the current page, and no CSP violation so far. */
export async function visit(page, name) {
  await checkA11y(page, name);
  await shoot(page, name);
  assert.deepEqual(page.cspViolations, [], `Content-Security-Policy violations up to ${name}`);
}

/** A page that records every Content-Security-Policy violation the browser reports. */
export async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.cspViolations = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) page.cspViolations.push(`${page.url()}: ${m.text()}`);
  });
  return page;
}

export async function signIn(page, role) {
  const who = demo.logins[role];
  await page.goto(`${demo.base}/login`);
  await page.getByLabel('Work email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${demo.base}/`);
  await assert.doesNotReject(page.getByRole('heading', { level: 1, name: /^Hello,/ }).waitFor());
}

/** The person id behind an API token. */
export async function personId(token) {
  const r = await fetch(`${demo.base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  const me = await r.json();
  return me.id ?? me.person?.id;
}

/// Follow a link of the main navigation by its name, as a person would: open the
/// menu (narrow screens) and the Organization group first when the link is inside.
export async function navTo(page, name) {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const link = nav.getByRole('link', { name, exact: true });
  if (!(await link.isVisible())) {
    const menu = page.locator('summary.menu-button');
    if (await menu.isVisible() && !(await nav.isVisible())) await menu.click();
    if (!(await link.isVisible())) await nav.getByText('Organization', { exact: true }).click();
  }
  await link.click();
}
