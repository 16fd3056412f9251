// SPDX-License-Identifier: GPL-3.0-or-later
// Browser tests of the console: playwright-core drives Debian's chromium.
// Usage: node console.mjs URL USER PASSWORD TMPDIR [SHOTDIR]
// Prints "ok NAME" / "not ok NAME" lines; the shell wrapper
// (tests/integration/web_browser.sh) acts when this prints "tap desk",
// "tap door", "lock reader", "clock unsynced", "clock synced", "stop
// seuild", "start seuild", and answers on stdin.
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [url, user, password, tmp, shots] = process.argv.slice(2);
const base = url.replace(/\/$/, '');
const here = dirname(fileURLToPath(import.meta.url));
const rl = createInterface({ input: process.stdin });
const lines = rl[Symbol.asyncIterator]();
const ask = async (what) => { console.log(what); await lines.next(); };
let failed = 0, phase = '';
async function check(name, fn) {
  phase = name;
  try { await fn(); console.log('ok ' + name); }
  catch (e) { failed++; console.log('not ok ' + name); console.log('# ' + String(e.message).split('\n')[0]); }
}
// Poll a text (page.waitForFunction would need eval, which the console's
// CSP rightly refuses).
async function waitText(page, sel, re, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const txt = (await page.locator(sel).first().textContent().catch(() => null)) || '';
    if (re.test(txt)) return txt;
    if (Date.now() > end) throw new Error(`${sel}: no ${re} in "${txt}"`);
    await page.waitForTimeout(100);
  }
}
const shot = async (page, name) => {
  if (!shots) return;
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
};
const api = async (path) => (await page.request.get(base + '/api/v1' + path)).json();

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
const page = await ctx.newPage();
let dialogs = 0;
page.on('dialog', (d) => { dialogs++; d.dismiss(); });
page.setDefaultTimeout(15000);
// Every failed request, 4xx/5xx answer, console error or warning and
// uncaught page error, with the check it happened in.
const problems = [];
const where = (u) => { try { return new URL(u).pathname; } catch { return String(u); } };
const problem = (text) => problems.push({ phase, text });
page.on('response', (r) => { if (r.status() >= 400) problem(`${r.status()} ${r.request().method()} ${where(r.url())}`); });
page.on('requestfailed', (q) => {
  // A download is handed to the browser, not failed.
  if (q.failure() && q.failure().errorText === 'net::ERR_ABORTED' && /format=(csv|json|html)|\/backups\/|\/export$/.test(q.url())) return;
  problem(`failed ${q.method()} ${where(q.url())}: ${q.failure() && q.failure().errorText}`);
});
page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problem(`console ${m.type()}: ${m.text()} at ${where(m.location().url)}`); });
page.on('pageerror', (e) => problem(`page error: ${e.message}`));
// The deliberate ones, each in its check.
const deliberate = (p) =>
  (p.phase === 'a wrong password says so' && /\b401\b.*\/api\/v1\/login$/.test(p.text)) ||
  (p.phase.startsWith('why not? in French') && /\b404\b.*\/api\/v1\/explain$/.test(p.text)) ||
  (p.phase.startsWith('an import with four errors') && /\b400\b.*\/api\/v1\/import$/.test(p.text)) ||
  (p.phase.startsWith('a ; file') && /\b400\b.*\/api\/v1\/import$/.test(p.text)) ||
  (p.phase.startsWith('a failed call') && (/\b503\b/.test(p.text) || /console error: Failed to load resource.*503/.test(p.text))) ||
  (p.phase.startsWith('a secure enrolment') && (/\b400\b.*\/api\/v1\/enrol$/.test(p.text) || /console error: Failed to load resource.*400/.test(p.text)));
function noProblems() {
  const bad = problems.filter((p) => !deliberate(p) && !/Failed to load resource: the server responded with a status of (400|401|404|503)/.test(p.text));
  if (bad.length) throw new Error(bad.map((p) => `[${p.phase}] ${p.text}`).join('; '));
}
// The body of the POST /enrol that fn's click sends.
async function enrolSent(p, fn) {
  const [q] = await Promise.all([p.waitForRequest((r) => r.method() === 'POST' && where(r.url()) === '/api/v1/enrol'), fn()]);
  return q.postDataJSON();
}
// web_browser.sh's desk reader is simulated: seuild refuses to make a
// DESFire card there (400 invalid), and the page says so with what to do.
const SECURE_REFUSED = /^seuild cannot make a secure badge of this card at this reader: reader 'desk' is simulated.*Use a MIFARE DESFire EV1, EV2 or EV3 card at a desk reader.*untick "Secure card \(DESFire\)"/;
async function nav(view) {
  const menu = page.locator('#menu');
  if (await menu.isVisible()) await menu.click();
  await page.click('#nav-' + view);
  await page.waitForSelector(`#${view}:not([hidden])`);
}
async function lang(l) {
  await page.selectOption('#lang', l);
  await page.waitForSelector(`html[lang=${l}]`);
}
// Nothing wider than the screen: the page does not scroll sideways.
async function fits() {
  const [sw, cw] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  if (sw > cw) throw new Error(`the page is ${sw} px wide on a ${cw} px screen`);
}

await check('the login page loads', async () => {
  await page.goto(url);
  await page.waitForSelector('#login-form button:enabled');
  await waitText(page, '#login-error', /^$/);
});
await shot(page, 'login');
await check('a wrong password says so', async () => {
  await page.fill('#login-form [name=user]', user);
  await page.fill('#login-form [name=password]', 'wrong password');
  await page.click('#login-form button');
  await waitText(page, '#login-error', /wrong user name or password/i);
});
await check('log in', async () => {
  await page.fill('#login-form [name=password]', password);
  await page.click('#login-form button');
  await page.waitForSelector('#today:not([hidden])');
  await page.waitForSelector('#problem-list li');
});

await check('add a member with a group picked', async () => {
  await nav('members');
  await page.fill('#member-form [name=name]', 'zoe');
  await page.fill('#member-form [name=display_name]', 'Zoé');
  await page.check('#member-form .chips input[value=open]');
  await page.click('#member-form > button');
  await waitText(page, '#member-msg', /zoe added/);
  await page.waitForSelector('#member-list td a:text-is("zoe")');
  const m = (await api('/members?q=zoe'))[0];
  if (JSON.stringify(m.groups) !== '["open"]') throw new Error('groups: ' + JSON.stringify(m.groups));
});
await check('a hostile name is shown as text', async () => {
  await page.waitForSelector('#member-list td a:text-is("<img src=x onerror=alert(1)>")');
  if (await page.locator('#member-list img').count() !== 0 || dialogs !== 0) throw new Error('markup ran');
});
await check('"elodie" finds "Élodie"', async () => {
  await page.fill('#search', 'elodie');
  const end = Date.now() + 10000;
  let names;
  do {
    await page.waitForTimeout(200);
    names = await page.locator('#member-list tbody tr td:first-child').allTextContents();
  } while (names.length !== 1 && Date.now() < end);
  if (names.join() !== 'Élodie') throw new Error('found: ' + JSON.stringify(names));
});
await shot(page, 'members');
await check('a member edited from their page', async () => {
  await page.click('#member-list td a:text-is("Élodie")');
  await page.waitForSelector('#member:not([hidden]) #member-edit');
  await page.fill('#member-edit [name=display_name]', 'Élodie M.');
  await page.fill('#member-edit [name=email]', 'elodie@example.org');
  await page.fill('#member-edit [name=valid_until]', '2030-06-30');
  await page.check('#member-edit [name=public]');
  await page.click('#member-edit > button');
  await waitText(page, '#member-edit .msg', /Saved/);
  await waitText(page, '.member-head', /Élodie M\./);
  const m = (await api('/members?q=elodie'))[0];
  if (m.display_name !== 'Élodie M.' || m.email !== 'elodie@example.org' || m.valid_until !== '2030-06-30' || !m.public)
    throw new Error('after: ' + JSON.stringify(m));
  await page.waitForSelector('.activity .last-entry');
  await page.waitForSelector('.badges-card td:text-is("0D1E")');
  // A UID badge, as the API's kind says: not one that cannot be copied.
  await page.waitForSelector('.badges-card td:text-is("active · not secure")');
});
await shot(page, 'member');
await check("a secure enrolment from a member's page, in French: secure sent, the refusal in French", async () => {
  await lang('fr');
  try {
    await page.waitForSelector('.badges-card label:has-text("Carte sécurisée (DESFire)") [name=secure]');
    await page.check('.badges-card [name=secure]');
    const sent = await enrolSent(page, () => page.click('.badges-card .enrol-row button'));
    if (sent.secure !== true) throw new Error('sent: ' + JSON.stringify(sent));
    await waitText(page, '.badges-card .msg.bad', /^seuild ne peut pas faire un badge sécurisé de cette carte sur ce lecteur : reader 'desk' is simulated.*décochez « Carte sécurisée \(DESFire\) »/);
  } finally {
    await lang('en');
  }
});
await check('enrol a badge, the member picked by part of the name', async () => {
  await nav('badges');
  await page.waitForSelector('#enrol-reader option', { state: 'attached' });
  await page.fill('#enrol-form .picker input', 'ZO');
  await page.click('#enrol-form .suggest li:has-text("Zoé")');
  if (await page.isChecked('#enrol-form [name=secure]')) throw new Error('secure is ticked by default');
  const sent = await enrolSent(page, () => page.click('#enrol-form > button'));
  if (sent.secure !== false || sent.reader !== 'desk') throw new Error('sent: ' + JSON.stringify(sent));
  await waitText(page, '#enrol-msg', /Waiting/);
  await ask('tap desk');
  await waitText(page, '#enrol-msg', /badge \d+ \(.*\) linked to zoe/, 30000);
});
await check('a secure enrolment from Badges: the request says secure, the refusal is worded with what to do', async () => {
  await page.fill('#enrol-form .picker input', 'ZO');
  await page.click('#enrol-form .suggest li:has-text("Zoé")');
  await page.check('#enrol-form [name=secure]');
  const sent = await enrolSent(page, () => page.click('#enrol-form > button'));
  if (sent.secure !== true) throw new Error('sent: ' + JSON.stringify(sent));
  await waitText(page, '#enrol-msg.bad', SECURE_REFUSED);
  await page.uncheck('#enrol-form [name=secure]');
});
await shot(page, 'badges');
await check('the member appears in Today after a tap at the door', async () => {
  await nav('today');
  await ask('tap door');
  await page.waitForSelector('#people li:has-text("Zoé")', { timeout: 20000 });
  await page.waitForSelector('#events td:text-is("zoe")');
  if (await page.locator('#events img').count() !== 0 || dialogs !== 0) throw new Error('markup ran');
});
await check('a reader locked out: said on Today with its next step', async () => {
  await ask('lock reader');
  await waitText(page, '#problem-list li[data-code=reader_locked_out]', /front-out.*opens again by itself/, 20000);
});
await shot(page, 'today');

await check('a schedule set with the editor and drawn right: Sat-Sun 10:00-18:00', async () => {
  await nav('groups');
  await page.waitForSelector('#week .group-week[data-group=staff]');
  await page.fill('#group-form [name=group]', 'weekend');
  await page.click('#group-form .add-range');
  for (const d of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri']) await page.uncheck(`#group-form .range input[value=${d}]`);
  for (const d of ['Sat', 'Sun']) await page.check(`#group-form .range input[value=${d}]`);
  await page.fill('#group-form .range [name=start]', '10:00');
  await page.fill('#group-form .range [name=end]', '18:00');
  await page.locator('#group-form .range [name=end]').dispatchEvent('change');
  await page.locator('#group-form .range [name=start]').dispatchEvent('change');
  await waitText(page, '#group-form .schedule-text', /Sat,Sun 10:00-18:00$/);
  await page.click('#group-form button.save');
  await waitText(page, '#group-msg', /Saved/);
  const g = (await api('/groups')).find((x) => x.name === 'weekend');
  if (!g || g.schedule !== 'Sat,Sun 10:00-18:00') throw new Error('saved: ' + JSON.stringify(g));
  const grid = '#week .group-week[data-group=weekend]';
  for (const d of ['Sat', 'Sun'])
    for (let h = 10; h < 18; h++) await page.waitForSelector(`${grid} .on[data-day=${d}][data-hour="${h}"]`);
  const wrong = await page.locator(`${grid} .on:not([data-day=Sat]):not([data-day=Sun]), ${grid} .on[data-hour="9"], ${grid} .on[data-hour="18"]`).count();
  const open = await page.locator(`${grid} .on`).count();
  if (wrong !== 0 || open !== 16) throw new Error(`${open} hours open, ${wrong} of them wrong`);
  // The staff group: Saturday 10:00-14:00 too (the old grid drew one day of a range).
  for (let h = 10; h < 14; h++) await page.waitForSelector(`#week .group-week[data-group=staff] .on[data-day=Sat][data-hour="${h}"]`);
});
await shot(page, 'groups');

await check('why not? explains rule by rule', async () => {
  await nav('explain');
  await page.fill('#explain-form .picker input', 'zoe');
  await page.click('#explain-form .suggest li:has-text("Zoé")');
  await page.click('#explain-form > button');
  for (const r of ['member_status', 'valid_from', 'valid_until', 'clock', 'schedule'])
    await page.waitForSelector(`#explain-out li[data-rule=${r}]`);
  await page.waitForSelector('#explain-out li.bad[data-rule=lockout]');
  await waitText(page, '#explain-out li.bad[data-rule=lockout] .next', /What to do: wait/);
});
await check('why not? a hostile name, no badge: as text, denied, what to do', async () => {
  await page.fill('#explain-form .picker input', '<img src=x onerror=alert(1)>');
  await page.click('#explain-form > button');
  await waitText(page, '#explain-out .subject', /^<img src=x onerror=alert\(1\)> \(member/);
  await page.waitForSelector('#explain-out li.bad[data-rule=badge]');
  await waitText(page, '#explain-out li.bad[data-rule=badge] .next', /enrol a badge on their page/);
  await waitText(page, '#explain-out li.verdict.bad[data-reason=unknown_badge]', /DENIED \(unknown badge\)/);
  if (await page.locator('#explain-out img').count() !== 0 || dialogs !== 0) throw new Error('markup ran');
});
await shot(page, 'explain');

await check('a log filtered: a member and an event type', async () => {
  await nav('log');
  await page.waitForSelector('#log-list tbody tr');
  await page.fill('#log-form .picker input', 'zoe');
  await page.click('#log-form .suggest li:has-text("Zoé")');
  await page.selectOption('#log-form [name=type]', 'arrival');
  await page.click('#log-form > button');
  await waitText(page, '#log .count', /^1 events shown$/);
  const types = await page.locator('#log-list tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.type));
  if (types.join() !== 'arrival') throw new Error('rows: ' + types);
  const href = await page.getAttribute('#log-csv', 'href');
  if (!/member=\d+/.test(href) || !/type=arrival/.test(href) || !/format=csv/.test(href)) throw new Error('CSV link: ' + href);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#log-csv')]);
  await dl.saveAs(tmp + '/log.csv');
  const csv = readFileSync(tmp + '/log.csv', 'utf8').trim().split('\n');
  if (csv.length !== 2 || !/,arrival,front,,zoe,/.test(csv[1])) throw new Error('CSV: ' + csv.join(' | '));
});
await shot(page, 'log');

await check('attendance: heading, totals, and the download link carries the period shown', async () => {
  await nav('attendance');
  await page.waitForSelector('#chart svg rect');
  const d = new Date(), iso = (x) => x.toISOString().slice(0, 10);
  const from = iso(new Date(d.getTime() - 40 * 86400000)), to = iso(new Date(d.getTime() - 86400000));
  await page.fill('#report-form [name=from]', from);
  await page.fill('#report-form [name=to]', to);
  await page.selectOption('#report-form [name=by]', 'month');
  await page.click('#report-form > button');
  await waitText(page, '#attendance .report-head', new RegExp(`from ${from} to ${to}, by month`));
  await waitText(page, '#attendance .totals', /\d+ members, \d+ days present, \d+ visits/);
  let href = await page.getAttribute('#dl-csv', 'href');
  if (!href.includes(`from=${from}&to=${to}&by=month`)) throw new Error('link: ' + href);
  // A date typed but not shown yet: the link stays that of the figures shown.
  await page.fill('#report-form [name=from]', iso(new Date(d.getTime() - 5 * 86400000)));
  href = await page.getAttribute('#dl-csv', 'href');
  if (!href.includes(`from=${from}&to=${to}`)) throw new Error('link moved without the figures: ' + href);
  await page.fill('#report-form [name=from]', from);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#dl-csv')]);
  await dl.saveAs(tmp + '/report.csv');
  const csv = readFileSync(tmp + '/report.csv', 'utf8');
  if (!csv.includes('Élodie') || dl.suggestedFilename() !== `attendance-${from}-${to}.csv`) throw new Error(dl.suggestedFilename() + ': ' + csv.slice(0, 200));
  const names = await page.locator('#report tbody td:nth-child(2)').allTextContents();
  if (names.indexOf('Élodie') < 0 || names.indexOf('bob') > names.indexOf('Élodie')) throw new Error('order: ' + names);
});
await shot(page, 'attendance');
await check('insight: busy hours, members with their trend, drifting away, retention', async () => {
  await nav('insight');
  await page.waitForSelector('#heat svg rect[data-day=Mon][data-hour="9"]');
  const busy = await page.getAttribute('#heat rect[data-day=Mon][data-hour="9"]', 'class');
  if (busy === 'heat0') throw new Error('Monday 9:00 drawn empty');
  await page.waitForSelector('#insight-members td a:text-is("Élodie")');
  await waitText(page, '#drift li', /bob/);
  await page.waitForSelector('#retention tbody tr');
  const href = await page.getAttribute('#dl-members', 'href');
  const shown = await page.inputValue('#insight-form [name=from]');
  if (!href.includes(`from=${shown}`)) throw new Error('link: ' + href + ' for ' + shown);
});
await shot(page, 'insight');

await check('an import with four errors reports all four', async () => {
  await nav('import');
  writeFileSync(tmp + '/four.csv', 'name,public,valid_from,groups\nann,maybe,2026-01-01,staff\nben,yes,tomorrow,staff\ncat,no,2026-01-01,"bad group!"\n,yes,2026-01-01,staff\n');
  await page.setInputFiles('#import-form [name=file]', tmp + '/four.csv');
  await page.click('#import-form > button:not(#import-apply)');
  await waitText(page, '#import-diff li.head', /^4 errors in the file; nothing was changed/);
  const errs = await page.locator('#import-diff li.import-error').allTextContents();
  if (errs.length !== 4 || !/^Line 2, column public: /.test(errs[0]) || !/^Line 3, column valid_from: /.test(errs[1]) ||
      !/^Line 4, column groups: /.test(errs[2]) || !/^Line 5, column name: /.test(errs[3]))
    throw new Error(JSON.stringify(errs));
});
await check('a ; file imported, its missing group created on confirmation', async () => {
  writeFileSync(tmp + '/semi.csv', '\ufeffname;display_name;groups;public\r\nyann;Yann;makers;oui\r\nbob;Bobby;staff;non\r\n');
  await page.setInputFiles('#import-form [name=file]', tmp + '/semi.csv');
  await page.click('#import-form > button:not(#import-apply)');
  await waitText(page, '#import-form .create-groups', /Create the missing groups: makers/);
  await page.check('#import-form [name=create_groups]');
  await page.waitForSelector('#import-diff li[data-mark=new_groups]:has-text("makers")');
  await page.waitForSelector('#import-diff li[data-mark=added]:has-text("yann")');
  await page.waitForSelector('#import-diff li[data-mark=changed]:has-text("bob")');
  await shot(page, 'import');
  await page.click('#import-apply');
  await waitText(page, '#import-diff li.head', /Applied/);
  const y = (await api('/members?q=yann'))[0];
  if (!y || y.display_name !== 'Yann' || !y.public || y.groups.join() !== 'makers') throw new Error(JSON.stringify(y));
});

await check('a backup made and downloaded', async () => {
  await nav('system');
  await page.waitForSelector('#health li:has-text("seuild")');
  await page.click('#backups .backup-now');
  await waitText(page, '#backup-msg', /Backup seuil-\d{8}-\d{6}\.db made/, 30000);
  await waitText(page, '#backups .backup-last', /Last backup: .*, ok/);
  const link = page.locator('#backups .backup-list a').first();
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
  await dl.saveAs(tmp + '/backup.db');
  if (!readFileSync(tmp + '/backup.db').subarray(0, 16).equals(Buffer.from('SQLite format 3\0'))) throw new Error('not a database');
  await waitText(page, '#backups .restore-how', /seuilctl restore/);
});
await shot(page, 'system');

// Why not? in French for a member disabled by web_browser.sh, while
// front-out is still locked out: every step and verdict in French, none
// of the server's English details.
await check('why not? in French: no English detail (a disabled member, a locked-out reader)', async () => {
  await lang('fr');
  await nav('explain');
  await page.fill('#explain-form .picker input', 'personne');
  await page.click('#explain-form > button');
  await waitText(page, '#explain-out p.bad', /^Introuvable\.$/);
  await page.fill('#explain-form .picker input', 'yves');
  await page.click('#explain-form > button');
  await waitText(page, '#explain-out .subject', /^yves \(membre n° \d+\) — .* (lun|mar|mer|jeu|ven|sam|dim)\. /);
  await waitText(page, '#explain-out li[data-rule=member_status] .detail', /^le membre yves est désactivé$/);
  await waitText(page, '#explain-out li[data-rule=member_status] .next', /^Que faire : activez le membre/);
  await waitText(page, '#explain-out li[data-rule=lockout] .detail', /^bloqué après des échecs répétés : lecteur front-out \(aucun badge/);
  await waitText(page, '#explain-out li[data-rule=badge] .detail', /^le membre n'a pas de badge/);
  await waitText(page, '#explain-out li.verdict[data-reader=front-out] .detail', /^REFUSÉ \(lecteur bloqué\) — bloqué après des échecs répétés$/);
  await waitText(page, '#explain-out li.verdict[data-reader=front-in] .detail', /^REFUSÉ \(badge inconnu\)$/);
  const x = await api('/explain?member=yves');
  const english = [...x.rules, ...x.badges.flatMap((b) => b.rules)].map((s) => s.detail);
  if (english.length < 7 || !english.includes('member yves is disabled')) throw new Error('not the expected explanation: ' + JSON.stringify(english));
  const shown = await page.locator('#explain-out li').allTextContents();
  const leaks = shown.filter((txt) => english.some((d) => txt.includes(d)) || /\b(the|is|no|reader|member|badge is|locked out|DENIED|GRANTED)\b/.test(txt.replace(/front-out|front-in|seuilctl|systemctl|seuild/g, '')));
  if (leaks.length) throw new Error('English in French: ' + JSON.stringify(leaks));
  await shot(page, 'explain-fr');
  await lang('en');
});
for (const l of ['en', 'fr']) {
  await check(`an unsynced clock shown on Today with its next step (${l})`, async () => {
    await lang(l);
    await ask('clock unsynced');
    await nav('today');
    const re = l === 'en' ? /not set by network time.*refuses one member .*Élodie M\..*timedatectl status/ :
      /pas réglée par le réseau.*refuse un membre .*Élodie M\..*timedatectl status/;
    await waitText(page, '#problem-list li[data-code=clock_unsynced]', re, 20000);
    if (l === 'fr') await shot(page, 'today-clock-fr');
    await ask('clock synced');
    await page.waitForSelector('#problem-list li[data-code=clock_unsynced]', { state: 'detached', timeout: 20000 });
  });
  await check(`a failed call shown in words (${l})`, async () => {
    await ask('stop seuild');
    await nav('system');
    await page.click('#backups .backup-now');
    await waitText(page, '#backup-msg', l === 'en' ? /^seuild is not running, so this cannot be done now\. Start it on the Pi/ :
      /^seuild ne tourne pas, cela ne peut donc pas être fait maintenant\. Démarrez-le sur le Pi/);
    await ask('start seuild');
  });
}
await lang('en');

await check('the French strings cover every English one, with the same parameters', async () => {
  const I = createRequire(import.meta.url)(join(here, '../../web/page/i18n.js'));
  const served = await (await page.request.get(base + '/i18n.js')).text();
  if (served !== readFileSync(join(here, '../../web/page/i18n.js'), 'utf8')) throw new Error('the console serves another i18n.js');
  const params = (v) => (v.match(/\{\w+\}/g) || []).sort().join();
  const bad = Object.keys(I.T.en).filter((k) => !(k in I.T.fr) || (k !== 'e_status' && params(I.T.en[k]) !== params(I.T.fr[k])));
  bad.push(...Object.keys(I.T.fr).filter((k) => !(k in I.T.en)));
  if (bad.length) throw new Error('keys: ' + bad.join(', '));
});

// Every view in both languages, at both sizes: no failed request, no
// 4xx/5xx but the deliberate ones, no console error or warning, no page
// error; on the phone no page wider than the screen.
const VIEWS = { today: '#people li', members: '#member-list tbody tr', badges: '#badge-list tbody tr', groups: '#week .week',
  explain: null, log: '#log-list tbody tr', attendance: '#chart svg', insight: '#heat svg', import: null, system: '#health li' };
for (const size of [{ width: 1280, height: 800 }, { width: 360, height: 740 }]) {
  await page.setViewportSize(size);
  for (const l of ['en', 'fr']) {
    await check(`every view in ${l} at ${size.width}x${size.height}: no failed request, no error status, no console error${size.width < 400 ? ', nothing wider than the screen' : ''}`, async () => {
      await lang(l);
      for (const [v, sel] of Object.entries(VIEWS)) {
        phase = phase.replace(/ \[.*$/, '') + ` [${v}]`;
        await nav(v);
        if (sel) await page.waitForSelector(`#${v} ${sel}`).catch((e) => { throw new Error(`${v}: ${e.message}`); });
        if (v === 'explain') {
          await page.fill('#explain-form .picker input', 'zoe');
          await page.click('#explain-form > button');
          await page.waitForSelector('#explain-out li.verdict');
        }
        if (size.width < 400) {
          await fits();
          if (l === 'en' && shots && ['today', 'members'].includes(v)) await shot(page, 'phone-' + v);
        }
      }
      // A member's page too.
      await nav('members');
      await page.click('#member-list a:text-is("Élodie")');
      await page.waitForSelector('#member:not([hidden]) .badges-card');
      if (size.width < 400) await fits();
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(300);
      noProblems();
    });
  }
}
// From a member's page: a badge revoked, a member erased (typing the name).
await page.setViewportSize({ width: 1280, height: 800 });
await lang('en');
async function openMember(name) {
  await nav('members');
  await page.fill('#search', name);
  await page.click(`#member-list td a:text-is("${name}")`);
  await page.waitForSelector('#member:not([hidden]) .badges-card');
}
await check("a badge revoked from the member's page", async () => {
  await openMember('zoe');
  const row = page.locator('.badges-card tbody tr').first();
  await row.locator('button:has-text("Revoke")').click();
  await page.waitForSelector('.badges-card tbody tr td:text-matches("^revoked")');
  const b = (await (await page.request.get(base + '/api/v1/badges?member=zoe')).json());
  if (b.length !== 1 || b[0].status !== 'revoked') throw new Error(JSON.stringify(b));
  noProblems();
});
await check("a member erased from their page, once the name is typed", async () => {
  await openMember('yann');
  await page.fill('.erase-box [name=confirm]', 'yann');
  await page.click('.erase-box button');
  await page.waitForSelector('#members:not([hidden])');
  const all = await api('/members');
  if (all.some((x) => x.name === 'yann') || !all.some((x) => x.erased)) throw new Error('after: ' + JSON.stringify(all.map((x) => x.name)));
  noProblems();
});
// One browser context at a time from here: seuil-web takes at most 8
// connections from one address, and each context keeps its own.
await ctx.close();
// A script that does not load (here api.js, refused): the login form is
// not the browser's own, so the password never goes into a URL; the page
// says it is still loading.
await check('a page whose scripts did not load never sends the password in a URL', async () => {
  const bctx = await browser.newContext({ locale: 'en-GB' });
  const bp = await bctx.newPage();
  try {
    await bp.route('**/api.js', (r) => r.abort());
    await bp.goto(url, { waitUntil: 'networkidle' });
    await bp.fill('#login-form [name=user]', user);
    await bp.fill('#login-form [name=password]', password);
    await bp.press('#login-form [name=password]', 'Enter');
    await bp.waitForTimeout(500);
    if (!(await bp.isDisabled('#login-form button'))) throw new Error('the button can be used');
    if (bp.url().includes('password')) throw new Error('the password went into the URL: ' + bp.url());
    await waitText(bp, '#login-error', /Loading the console/);
  } finally {
    await bctx.close();
  }
});
// The desk account (web_browser.sh makes desk1): from Today, a member's
// card with their name and display name, here now, enrol and check out;
// none of what only an admin sees.
await check('the desk opens a member from Today: a card with the name, here now, enrol and check out', async () => {
  const dctx = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-GB' });
  const dp = await dctx.newPage();
  try {
    // Once the page's scripts are in (a submit before would be the
    // browser's own).
    await dp.goto(url, { waitUntil: 'networkidle' });
    await dp.fill('#login-form [name=user]', 'desk1');
    await dp.fill('#login-form [name=password]', 'desk password');
    await dp.click('#login-form button');
    await dp.waitForSelector('#today:not([hidden])');
    await dp.click('#people li a:has-text("Zoé")');
    await dp.waitForSelector('#member:not([hidden]) .desk-card');
    const head = await dp.locator('.desk-card h2').textContent();
    if (head !== 'Zoé (zoe)') throw new Error('card: ' + head);
    await waitText(dp, '.desk-card p', /^Here since /);
    const buttons = await dp.locator('.desk-card button').allTextContents();
    if (buttons.length !== 2) throw new Error('buttons: ' + buttons);
    if (await dp.locator('#member-edit, .badges-card, .erase-box').count() !== 0) throw new Error('admin parts shown to the desk');
    // A secure enrolment from the card: secure sent, the refusal worded.
    await dp.check('.desk-card [name=secure]');
    const sent = await enrolSent(dp, () => dp.click('.desk-card button:has-text("Enrol")'));
    if (sent.secure !== true) throw new Error('sent: ' + JSON.stringify(sent));
    await waitText(dp, '.desk-card .msg.bad', SECURE_REFUSED);
    const [sw, cw] = await dp.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    if (sw > cw) throw new Error(`the card is ${sw} px wide on a ${cw} px screen`);
  } finally {
    await dctx.close();
  }
});
await browser.close();
rl.close();
process.exit(failed ? 1 : 0);
