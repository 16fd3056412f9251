// SPDX-License-Identifier: GPL-3.0-or-later
// Unit tests of the console page's logic without a browser: web/page's
// i18n.js, model.js and api.js, as classic scripts loaded by node.
// Run: node --test tests/web/*.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import I18n from '../../web/page/i18n.js';
import M from '../../web/page/model.js';
import Api from '../../web/page/api.js';

const pageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'page');
const en = I18n.make('en'), fr = I18n.make('fr');

test('French covers every English string with the same parameters, and no more', () => {
	const params = (v) => (v.match(/\{\w+\}/g) || []).sort().join();
	for (const k of Object.keys(I18n.T.en)) {
		assert.ok(k in I18n.T.fr, 'French lacks ' + k);
		if (k !== 'e_status')
			assert.equal(params(I18n.T.fr[k]), params(I18n.T.en[k]), 'parameters of ' + k);
	}
	for (const k of Object.keys(I18n.T.fr))
		assert.ok(k in I18n.T.en, 'French has ' + k + ', English not');
});

test('the language: the stored choice, else the browser\'s first one spoken', () => {
	assert.equal(I18n.pickLang(null, ['fr-FR', 'en']), 'fr');
	assert.equal(I18n.pickLang(null, ['de-DE', 'fr-CH']), 'fr');
	assert.equal(I18n.pickLang(null, ['de-DE']), 'en');
	assert.equal(I18n.pickLang('en', ['fr-FR']), 'en');
	assert.equal(I18n.pickLang('xx', []), 'en');
});

test('words: parameters filled as text, an unknown code shown as itself', () => {
	assert.equal(fr.fmt('unlocked', { door: 'front', seconds: 5 }), 'Porte front ouverte pour 5 s');
	assert.equal(en.fmt('added_id', { name: '<b>x</b>', id: 3 }), '<b>x</b> added (#3)');
	assert.equal(fr.word('x_', 'outside_schedule'), 'hors horaires');
	assert.equal(fr.word('x_', 'new_reason'), 'new_reason');
	assert.equal(fr.word('x_', null), '');
});

test('schedules: read as the door reads them', () => {
	const days = (w) => M.DAYS.filter((d, i) => w.days[i]).join(',');
	let p = M.parseSchedule('Sat-Sun 10:00-18:00');
	assert.equal(p.error, null);
	assert.deepEqual(p.windows.map((w) => [days(w), w.start, w.end]), [['Sat,Sun', 600, 1080]]);
	p = M.parseSchedule('Mon-Fri 08:00-12:00 14:00-18:00, Sat 10:00-14:00');
	assert.deepEqual(p.windows.map((w) => [days(w), w.start, w.end]),
	    [['Mon,Tue,Wed,Thu,Fri', 480, 720], ['Mon,Tue,Wed,Thu,Fri', 840, 1080], ['Sat', 600, 840]]);
	// A day without a range carries to the next item's: "Mon,Wed 09:00-10:00".
	p = M.parseSchedule('Mon,Wed 09:00-10:00');
	assert.deepEqual(p.windows.map(days), ['Mon,Wed']);
	p = M.parseSchedule('Fri-Mon 22:00-02:00');
	assert.deepEqual(p.windows.map(days), ['Mon,Fri,Sat,Sun']);
	assert.deepEqual(M.parseSchedule('daily 00:00-24:00').windows[0].days, [true, true, true, true, true, true, true]);
	assert.deepEqual(M.parseSchedule('always'), { windows: [], error: null });
	assert.deepEqual(M.parseSchedule(null), { windows: [], error: null });
	for (const bad of ['Mo 08:00-09:00', 'Mon 08:00', 'Mon 25:00-26:00', 'Mon 08:00-08:00', 'Mon', 'Mon 00:00-24:01'])
		assert.notEqual(M.parseSchedule(bad).error, null, bad);
});

test('schedules: written as core/access.c writes them, read back the same', () => {
	for (const [text, canon] of [
		['Sat-Sun 10:00-18:00', 'Sat,Sun 10:00-18:00'],
		['Mon-Fri 08:00-19:00, Sat 10:00-14:00', 'Mon-Fri 08:00-19:00, Sat 10:00-14:00'],
		['Fri-Mon 22:00-02:00', 'Fri-Mon 22:00-02:00'],
		['mon,wed 09:00-10:00', 'Mon,Wed 09:00-10:00'],
		['daily 00:00-24:00', 'daily 00:00-24:00'],
		['Mon,Wed,Fri 09:00-10:00', 'Mon,Wed,Fri 09:00-10:00'],
	]) {
		const w = M.parseSchedule(text).windows;
		assert.equal(M.formatSchedule(w), canon);
		assert.deepEqual(M.parseSchedule(canon).windows, w);
	}
	assert.equal(M.formatSchedule([]), 'always');
});

test('the week a schedule opens: both days of "Sat-Sun", the night part on the next day', () => {
	let g = M.weekMinutes(M.parseSchedule('Sat-Sun 10:00-18:00').windows);
	for (let d = 0; d < 7; d++)
		for (let h = 0; h < 24; h++)
			assert.equal(g[d][h], d >= 5 && h >= 10 && h < 18 ? 60 : 0, `${M.DAYS[d]} ${h}`);
	g = M.weekMinutes(M.parseSchedule('Fri 22:30-02:00').windows);
	assert.equal(g[4][22], 30);
	assert.equal(g[4][23], 60);
	assert.equal(g[5][0], 60);
	assert.equal(g[5][1], 60);
	assert.equal(g[5][2], 0);
	g = M.weekMinutes(M.parseSchedule('Sun 23:00-01:00').windows);
	assert.equal(g[0][0], 60);	/* Sunday night runs into Monday */
	assert.ok(M.weekMinutes([]).every((d) => d.every((m) => m === 60)));
});

test('names sorted as people read them: case and accents aside', () => {
	const names = ['Zoé', 'bob', 'Élodie', 'alice', 'émile', 'Eve', 'zack'].map((name) => ({ name }));
	assert.deepEqual(M.sortByName(names, 'fr').map((x) => x.name),
	    ['alice', 'bob', 'Élodie', 'émile', 'Eve', 'zack', 'Zoé']);
	assert.deepEqual(M.sortByName([{ name: 'm10' }, { name: 'm9' }], 'en').map((x) => x.name), ['m9', 'm10']);
	assert.equal(M.memberLabel({ name: 'elodie', display_name: 'Élodie M.' }), 'Élodie M. (elodie)');
	assert.equal(M.memberLabel({ name: 'bob', display_name: null }), 'bob');
});

test('errors in words: English keeps the server\'s text, French words the codes, each with what to do', () => {
	const err = (status, code, message, args) => ({ status, code, message, args: args || {} });
	assert.equal(M.errorText(en, err(404, 'not_found', 'no such member')), 'no such member');
	assert.equal(M.errorText(fr, err(404, 'not_found', 'no such member')), 'Introuvable.');
	assert.match(M.errorText(en, err(503, 'seuild_down', 'seuild is not running')), /Start it on the Pi: sudo systemctl start seuild/);
	assert.match(M.errorText(fr, err(503, 'seuild_down', 'seuild is not running')), /Démarrez-le sur le Pi/);
	assert.equal(M.errorText(fr, err(400, 'invalid', 'bad date')), 'Valeur refusée : bad date');
	const replica = err(409, 'replica', "this Pi is a replica: change the member data on the site's primary, 'main'");
	assert.equal(M.errorText(en, replica), replica.message);
	assert.match(M.errorText(fr, replica), /^Ce Pi est une réplique du site .*primary, 'main'/);
	assert.equal(M.errorText(fr, err(418, 'teapot', 'short and stout')), 'Erreur 418 : short and stout');
	assert.match(M.errorText(fr, { network: true }), /injoignable/);
	assert.equal(M.errorText(fr, err(429, 'too_many_logins', 'x', { retry_after: 42 })),
	    'Trop de connexions échouées : réessayez dans 42 s.');
});

test('an enrolment: the request carries secure only as chosen, a secure refusal in its own words', () => {
	assert.deepEqual(M.enrolBody(12, 'desk', true), { member: 12, reader: 'desk', timeout: 60, secure: true });
	assert.equal(M.enrolBody(12, 'desk', false).secure, false);
	assert.equal(JSON.parse(JSON.stringify(M.enrolBody('zoe', 'desk'))).secure, false);
	const err = (status, code, message) => ({ status, code, message, args: {} });
	// What seuild answers a secure enrolment (daemon/enrol.c), by code.
	const refusals = [
		err(400, 'invalid', "reader 'desk' is simulated: a DESFire card is made or wiped only at a desk reader"),
		err(503, 'busy', 'the card left (or did not answer) at "authenticate": nothing enrolled'),
		err(409, 'exists', 'this card is already DESFire badge 4 of member 2'),
		err(403, 'permission', "this card is badge 4 of member 2: giving it to another member needs admin_group 'seuil-admin'"),
		err(504, 'timeout', 'no card was tapped before the timeout: nothing enrolled'),
		err(500, 'database', 'the card is made but the badge could not be recorded (disk I/O error): present it again')];
	for (const e of refusals)
		for (const i of [en, fr]) {
			const w = M.enrolErrorText(i, e, true);
			assert.notEqual(w, M.errorText(i, e), e.code + ' in ' + i.lang + ': the plain words');
			assert.equal(w, i.fmt('e_secure_' + e.code, { message: e.message }));
			assert.doesNotMatch(w, /\{\w+\}/, e.code);
		}
	// The next step: a DESFire card at a desk reader, or a plain badge;
	// seuild's own words say which part was wrong.
	assert.match(M.enrolErrorText(en, refusals[0], true),
	    /^seuild cannot make a secure badge .*: reader 'desk' is simulated.*Use a MIFARE DESFire EV1, EV2 or EV3 card at a desk reader.*untick "Secure card \(DESFire\)"/);
	assert.match(M.enrolErrorText(fr, refusals[0], true), /^seuild ne peut pas faire un badge sécurisé .*décochez « Carte sécurisée \(DESFire\) »/);
	assert.match(M.enrolErrorText(en, refusals[1], true), /hold it still/);
	assert.match(M.enrolErrorText(fr, refusals[3], true), /compte admin/);
	// A plain enrolment, and what is no card's fault, as every other error.
	for (const e of refusals)
		assert.equal(M.enrolErrorText(fr, e, false), M.errorText(fr, e));
	for (const e of [err(503, 'seuild_down', 'seuild is not running'), err(409, 'member_erased', 'x'), { network: true }])
		assert.equal(M.enrolErrorText(fr, e, true), M.errorText(fr, e));
	assert.equal(M.enrolledText(en, { badge_id: 7, hint: 'E5F6', member: 'alice', reader: 'desk' }),
	    'badge 7 (E5F6) linked to alice');
	assert.equal(M.enrolledText(en, { badge_id: 7, hint: 'E5F6', member: 'alice', kind: 'desfire', revoked: [] }),
	    'secure badge 7 (E5F6) linked to alice');
	assert.equal(M.enrolledText(fr, { badge_id: 7, hint: 'E5F6', member: 'alice', kind: 'desfire', revoked: [3] }),
	    'badge sécurisé 7 (E5F6) lié à alice ; il remplace le badge 3, désormais révoqué');
});

test('problems in words, each with its next step', () => {
	let p = M.problemText(en, { code: 'clock_unsynced', level: 'bad', args: { policy: 'members_only',
	    refused: 12, names: [{ name: 'elodie', display_name: 'Élodie' }, { name: 'bob' }], denied: 3 } });
	assert.match(p.text, /refuses 12 members .*\(Élodie \(elodie\), bob, …\); 3 taps/);
	assert.match(p.next, /timedatectl status/);
	p = M.problemText(fr, { code: 'clock_unsynced', args: { policy: 'deny', refused: 0, names: [], denied: 0 } });
	assert.match(p.next, /aucun badge n'ouvre/);
	p = M.problemText(en, { code: 'clock_unsynced', args: { policy: 'members_only', refused: 0, names: [], denied: 0 } });
	assert.match(p.text, /no member is refused/);
	p = M.problemText(fr, { code: 'clock_unsynced', args: { policy: 'members_only', refused: 1, names: [{ name: 'zoe' }], denied: 1 } });
	assert.match(p.text, /refuse un membre .*\(zoe\)/);
	p = M.problemText(fr, { code: 'reader_offline', args: { reader: 'desk', door: null } });
	assert.equal(p.text, 'Le lecteur desk (—) est hors ligne : ses badges ne sont pas lus.');
	for (const code of ['seuild_down', 'reader_locked_out', 'broker_unreachable', 'store_failing', 'backup_failed',
	    'backup_old', 'backup_never'])
		for (const i of [en, fr]) {
			const w = M.problemText(i, { code, args: {} });
			assert.notEqual(w.text, code, code);
			assert.notEqual(w.next, '', code + ': no next step');
		}
	assert.equal(M.problemText(en, { code: 'new_problem', args: {} }).text, 'new_problem');
});

test('Why not?: each failing rule says what to do; a passing one says nothing', () => {
	for (const code of ['member_disabled', 'valid_from', 'valid_until', 'clock_unsynced_deny',
	    'clock_unsynced_members_only', 'schedule_forbids', 'lockout_readers', 'lockout_unknown',
	    'badge_revoked', 'uid_not_enrolled', 'no_badge'])
		for (const i of [en, fr])
			assert.notEqual(M.stepNext(i, { pass: false, code }), '', code);
	assert.equal(M.stepNext(en, { pass: true, code: 'member_active' }), '');
	assert.equal(M.stepNext(en, { pass: null, code: 'lockout_unknown' }), '');
});

test('the import preview, marked; every error of a bad file, worded', () => {
	const lines = M.importLines({ added: ['yann'], changed: [{ name: 'bob', fields: ['display_name'] }],
	    disabled: ['carl'], enabled: ['dora'], kept_disabled: ['eve'], new_groups: ['makers'], unchanged: 2 });
	assert.deepEqual(lines.map((l) => l.mark + ':' + l.name),
	    ['new_groups:makers', 'added:yann', 'changed:bob', 'enabled:dora', 'disabled:carl', 'kept_disabled:eve']);
	assert.deepEqual(lines[2].fields, ['display_name']);
	const errs = M.importErrors(fr, { args: { errors: [
		{ line: 2, column: 6, field: 'public', message: 'public is yes or no' },
		{ line: 5, column: 0, field: null, message: "'ann' appears twice" },
		{ line: 0, column: 0, field: null, message: 'database is locked' }] } });
	assert.deepEqual(errs, ['Ligne 2, colonne public : public is yes or no', "Ligne 5 : 'ann' appears twice",
	    'database is locked']);
});

test('query strings leave out what is empty; durations and the heat map\'s levels', () => {
	assert.equal(M.query({ member: 12, type: '', door: null, prune: true, reenable: false, q: 'é l' }),
	    'member=12&prune=1&q=%C3%A9+l');
	assert.equal(M.duration(3 * 3600 + 5 * 60, en), '3 h 05 min');
	assert.equal(M.duration(2 * 86400 + 3 * 3600, fr), '2 j 3 h');
	assert.equal(M.duration(70, en), '1 min 10 s');
	assert.equal(M.heatLevel(0, 4), 0);
	assert.equal(M.heatLevel(0.01, 4), 1);
	assert.equal(M.heatLevel(4, 4), 5);
	assert.equal(M.heatLevel(2, 0), 0);
});

test('the API client: the CSRF token on changes, errors as ApiError, a network failure said so', async () => {
	const seen = [];
	let loginNeeded = 0;
	const fetch = async (path, o) => {
		seen.push([o.method, path, o.headers['X-CSRF-Token'], o.body]);
		const json = (status, body) => ({ status, ok: status < 400, headers: { get: () => 'application/json' },
		    json: async () => body });
		if (path === '/api/v1/members/9')
			return json(404, { error: 'no such member', code: 'not_found' });
		if (path === '/api/v1/who')
			return json(401, { error: 'log in first', code: 'login_needed' });
		if (path === '/api/v1/status')
			throw new TypeError('Failed to fetch');
		return json(200, { ok: true });
	};
	const api = Api.create({ fetch, onLoginNeeded: () => loginNeeded++ });
	api.setCsrf('tok');
	assert.deepEqual(await api.post('/checkout', { member: 3 }), { ok: true });
	assert.deepEqual(seen[0], ['POST', '/api/v1/checkout', 'tok', '{"member":3}']);
	await api.get('/members');
	assert.equal(seen[1][2], undefined);	/* no token on a read */
	await assert.rejects(api.get('/members/9'), (e) => e instanceof Api.ApiError && e.status === 404 &&
	    e.code === 'not_found' && e.message === 'no such member');
	await assert.rejects(api.get('/who'), (e) => e.status === 401);
	assert.equal(loginNeeded, 1);
	await assert.rejects(api.get('/status'), (e) => e.network === true && e.code === 'network');
	assert.equal(api.href('/backups/x.db'), '/api/v1/backups/x.db');
});

test('no failure swallowed: no empty catch in the page\'s scripts', () => {
	for (const f of readdirSync(pageDir).filter((n) => n.endsWith('.js'))) {
		const src = readFileSync(join(pageDir, f), 'utf8');
		assert.doesNotMatch(src, /\.catch\(\s*\(\s*\)\s*=>\s*\{\s*\}\s*\)/, f);
		assert.doesNotMatch(src, /\.catch\(\s*function\s*\(\s*\w*\s*\)\s*\{\s*\}\s*\)/, f);
		assert.doesNotMatch(src, /catch\s*\(\s*\w+\s*\)\s*\{\s*\}/, f);
		assert.doesNotMatch(src, /\.(innerHTML|outerHTML|insertAdjacentHTML)\b/, f);
	}
});
