// SPDX-License-Identifier: GPL-3.0-or-later
// The console of a site's primary (docs/site.md) in a real browser: the
// System view shows this node's part in the site and each node it hears
// of, online, with its copy, its state and its journal's lag, in English and
// in French, with no failed request or console error.
// Usage: node site.mjs URL USER PASSWORD
import { chromium } from 'playwright-core';

const [url, user, password] = process.argv.slice(2);
let failed = 0;
const problems = [];
async function check(name, fn) {
  try { await fn(); console.log('ok ' + name); }
  catch (e) { failed++; console.log('not ok ' + name); console.log('# ' + String(e.message).split('\n')[0]); }
}
// Poll a text (the console's CSP refuses page.waitForFunction's eval).
async function waitText(page, sel, re, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const txt = (await page.textContent(sel)) || '';
    if (re.test(txt)) return txt;
    if (Date.now() > end) throw new Error(`${sel}: no ${re} in "${txt}"`);
    await page.waitForTimeout(200);
  }
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await (await browser.newContext({ locale: 'en-GB' })).newPage();
page.setDefaultTimeout(15000);
page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });
page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
page.on('pageerror', (e) => problems.push(e.message));
await check('log in', async () => {
  await page.goto(url);
  await page.waitForSelector('#login-form');
  await page.fill('#login-form [name=user]', user);
  await page.fill('#login-form [name=password]', password);
  await page.click('#login-form button');
  await page.waitForSelector('#today:not([hidden])');
});
await check('System: this node is the primary of the site', async () => {
  await page.click('#nav-system');
  await waitText(page, '#health', /Site: node main, primary, copy \d+\.\d+, current/);
});
await check('System: hall, online, its copy current, its journal caught up', async () => {
  // The view is read when opened: open it again until hall's copy has come.
  const end = Date.now() + 20000;
  for (;;) {
    await page.click('#nav-system');
    await page.waitForSelector('#health li');
    const txt = (await page.textContent('#health')) || '';
    if (/Node hall: online, copy \d+\.\d+, current, journal lag 0/.test(txt)) break;
    if (Date.now() > end) throw new Error(`no caught-up hall in "${txt}"`);
    await page.waitForTimeout(500);
  }
  const cls = await page.getAttribute('#health li:has-text("Node hall")', 'class');
  if (cls !== 'ok') throw new Error(`hall's line is "${cls}", not ok`);
});
await check('System in French', async () => {
  await page.selectOption('#lang', 'fr');
  await page.click('#nav-system');
  await waitText(page, '#health', /Nœud hall : .*, copie \d+\.\d+, à jour, retard du journal 0/);
  await page.selectOption('#lang', 'en');
});
await check('no failed request, console error or page error', async () => {
  if (problems.length) throw new Error(problems.join('; '));
});
await browser.close();
process.exit(failed ? 1 : 0);
