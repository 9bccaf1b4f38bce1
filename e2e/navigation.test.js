// Every role reaches every destination of its menu on a phone (375 px) and on a
// desktop (1280 px), where the header is one row; no page scrolls sideways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demo, useDemo, newPage, signIn, navTo } from './support.js';

useDemo();

async function destinations(page) {
  return page.getByRole('navigation', { name: 'Main' }).locator('a').evaluateAll((links) =>
    links.map((a) => ({ name: a.textContent.trim(), href: a.getAttribute('href') })));
}

for (const role of ['employee', 'manager', 'admin']) {
  test(`${role}: every menu destination is reachable at 375 px and 1280 px`, async () => {
    const page = await newPage();
    await signIn(page, role);
    const header = await page.locator('header.site').boundingBox();
    assert.ok(header.height < 80, `the ${role}'s header is one row at 1280 px (${header.height}px high)`);
    const links = await destinations(page);
    assert.ok(links.length >= 6, `${role} has a menu: ${JSON.stringify(links)}`);
    if (role === 'admin') assert.ok(links.some((l) => l.href === '/framework'), 'the people team reaches the framework');
    if (role === 'employee') assert.ok(!links.some((l) => l.href === '/people'), 'an employee is not offered the people list');
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 812 });
      for (const { name, href } of links) {
        await page.goto(`${demo.base}/`);
        await navTo(page, name);
        await page.waitForURL(`${demo.base}${href}`);
        await page.getByRole('heading', { level: 1 }).first().waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        const widest = overflow > 1 ? await page.evaluate(() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(-4).map((e) => `${e.tagName}.${e.className.baseVal ?? e.className}`).join(', ')) : '';
        assert.ok(overflow <= 1, `${href} scrolls sideways at ${width} px by ${overflow}px (${role}; ${widest})`);
      }
    }
    await page.context().close();
  });
}
