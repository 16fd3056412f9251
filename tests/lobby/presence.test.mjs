// SPDX-License-Identifier: GPL-3.0-or-later
// Unit tests for lobby/presence.js: MQTT payloads in, what the screen shows out.
// Run: node --test tests/lobby/*.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import P from '../../lobby/presence.js';
import L from '../../lobby/live.js';

const lobbyDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lobby');
const FMT = { locale: 'en-GB', timeZone: 'Europe/Paris' };
const NOW = Date.parse('2026-11-26T09:05:00Z');	// 10:05 in Paris

const PRESENCE = JSON.stringify({
	count: 3,
	people: [{ name: 'Alice', since: '2026-11-26T08:14:03Z' }],
	anonymous: 2,
	updated: '2026-11-26T09:02:11Z',
});

function live(...msgs) {
	let s = P.setConnection(P.initialState(), 'online');
	s = P.receive(s, 'status', 'online', NOW);
	for (const [topic, text] of msgs)
		s = P.receive(s, topic, text, NOW);
	return s;
}

test('presence: count, named people with local arrival time, + N others', () => {
	const v = P.view(live(['presence', PRESENCE]), NOW, FMT);
	assert.equal(v.state, 'live');
	assert.equal(v.notice, '');
	assert.equal(v.count, 3);
	assert.equal(v.countLabel, 'people here');
	assert.deepEqual(v.people, [{ name: 'Alice', since: 'since 09:14' }]);
	assert.equal(v.others, '+ 2 others');
});

test('presence: one other is singular, one person is singular', () => {
	let v = P.view(live(['presence', JSON.stringify({ count: 2,
	    people: [{ name: 'Alice', since: '2026-11-26T08:14:03Z' }], anonymous: 1 })]), NOW, FMT);
	assert.equal(v.others, '+ 1 other');
	v = P.view(live(['presence', '{"count":1,"people":[{"name":"Bo","since":"2026-11-26T08:00:00Z"}],"anonymous":0}']), NOW, FMT);
	assert.equal(v.countLabel, 'person here');
	assert.equal(v.others, '');
});

test('presence: nobody here, and only anonymous people', () => {
	let v = P.view(live(['presence', '{"count":0,"people":[],"anonymous":0}']), NOW, FMT);
	assert.equal(v.count, 0);
	assert.equal(v.countLabel, 'nobody here right now');
	assert.deepEqual(v.people, []);
	v = P.view(live(['presence', '{"count":4,"people":[],"anonymous":4}']), NOW, FMT);
	assert.equal(v.count, 4);
	assert.equal(v.others, '', 'no "+ 4 others" when nobody is named: the count says it');
});

test('since: another day shows the weekday; a bad time shows nothing', () => {
	const v = P.view(live(['presence', JSON.stringify({ count: 2, anonymous: 0, people: [
		{ name: 'Night owl', since: '2026-11-24T21:30:00Z' },
		{ name: 'No time', since: 'yesterday' },
	] })]), NOW, FMT);
	assert.deepEqual(v.people, [
		{ name: 'Night owl', since: 'since Tue 22:30' },
		{ name: 'No time', since: '' },
	]);
	assert.equal(P.formatTime(NaN, NOW, FMT), '');
	assert.equal(P.formatTime(Date.parse('2026-11-26T08:14:03Z'), NOW,
	    { locale: 'en-GB', timeZone: 'America/New_York' }), '03:14');
});

test('since: an unknown time zone or locale from the URL falls back, never throws', () => {
	assert.match(P.formatTime(NOW, NOW, { locale: 'xx-not-a-locale!!', timeZone: 'Mars/Base' }), /\d\d:\d\d/);
});

test('malformed presence payloads are ignored and the last good one kept', () => {
	const good = live(['presence', PRESENCE]);
	for (const bad of ['', 'not json', '[]', 'null', '42', '"x"', '{}',
	    '{"count":-1}', '{"count":1.5}', '{"count":"3"}',
	    '{"count":2,"people":"Alice"}', '{"count":2,"people":{}}',
	    '{"count":null}', '{"count":1e400}']) {
		const s = P.receive(good, 'presence', bad, NOW);
		assert.deepEqual(s.presence, good.presence, `payload ${JSON.stringify(bad)}`);
	}
	// Non-string payloads (a broken caller) too.
	assert.deepEqual(P.receive(good, 'presence', undefined, NOW).presence, good.presence);
	assert.equal(P.parsePresence(Buffer.from('{}')), null);
});

test('malformed entries in people are skipped, the rest shown', () => {
	const p = P.parsePresence(JSON.stringify({ count: 5, anonymous: 1, people: [
		null, 7, 'Carol', {}, { name: 12 }, { name: '   ' }, { name: ['x'] },
		{ name: ' Dana ', since: 12345 }, { name: 'Eve', since: '2026-11-26T08:00:00Z' },
	] }));
	assert.deepEqual(p.people.map((x) => x.name), ['Dana', 'Eve']);
	assert.ok(Number.isNaN(p.people[0].since));
	assert.equal(p.count, 5);
	assert.equal(p.anonymous, 1);
});

test('anonymous missing or wrong: derived from count; count never below the names', () => {
	let p = P.parsePresence('{"count":4,"people":[{"name":"A"}]}');
	assert.equal(p.anonymous, 3);
	p = P.parsePresence('{"count":4,"people":[{"name":"A"}],"anonymous":"lots"}');
	assert.equal(p.anonymous, 3);
	p = P.parsePresence('{"count":0,"people":[{"name":"A"},{"name":"B"}],"anonymous":0}');
	assert.equal(p.count, 2);
	p = P.parsePresence('{"count":1}');
	assert.deepEqual(p.people, []);
	assert.equal(p.anonymous, 1);
});

test('names are text: markup is passed through untouched for textContent', () => {
	const evil = '<img src=x onerror="alert(1)">&amp;<script>x</script>';
	const s = live(['presence', JSON.stringify({ count: 1, anonymous: 0,
	    people: [{ name: evil, since: '2026-11-26T08:00:00Z' }] })],
	    ['presence/events', JSON.stringify({ seq: 1, ts: '2026-11-26T09:04:00Z', type: 'arrival', name: evil })]);
	const v = P.view(s, NOW, FMT);
	assert.equal(v.people[0].name, evil);
	assert.equal(v.welcome, `Welcome, ${evil}!`);
});

test('names: control characters blanked, very long names cut', () => {
	const p = P.parsePresence(JSON.stringify({ count: 2, anonymous: 0, people: [
		{ name: 'Al\u0000ice\n\u001b[31m' }, { name: 'x'.repeat(500) },
	] }));
	assert.equal(p.people[0].name, 'Al ice  [31m');
	assert.equal(p.people[1].name.length, P.MAX_NAME);
	assert.ok(p.people[1].name.endsWith('\u2026'));
});

test('a crowd: names beyond the list limit count as others', () => {
	const people = Array.from({ length: P.MAX_PEOPLE + 5 }, (_, i) => ({ name: `M${i}` }));
	const v = P.view(live(['presence', JSON.stringify({ count: P.MAX_PEOPLE + 7, people, anonymous: 2 })]), NOW, FMT);
	assert.equal(v.people.length, P.MAX_PEOPLE);
	assert.equal(v.others, '+ 7 others');
});

test('welcome: a named arrival is welcomed, for a while', () => {
	const s = live(['presence/events', '{"seq":5,"ts":"2026-11-26T09:04:58Z","type":"arrival","door":"front","reader":"front-in","name":"Alice"}']);
	assert.equal(P.view(s, NOW, FMT).welcome, 'Welcome, Alice!');
	assert.equal(P.view(s, NOW + P.WELCOME_MS + 1, FMT).welcome, '');
});

test('welcome: an arrival not named is welcomed without a name; denials and other events welcome nobody', () => {
	const before = live(['presence/events', '{"seq":1,"ts":"2026-11-26T09:04:00Z","type":"arrival","name":"Alice"}']);
	for (const e of [
		'{"seq":3,"ts":"2026-11-26T09:04:31Z","type":"access_denied","door":"front","reason":"outside_schedule","name":"Mallory"}',
		'{"seq":4,"ts":"2026-11-26T09:04:32Z","type":"access_granted","door":"front","name":"Bob"}',
		'{"seq":5,"ts":"2026-11-26T09:04:33Z","type":"door_open","door":"front"}',
		'{"seq":6,"ts":"2026-11-26T09:04:34Z","type":"departure","reason":"timeout","name":"Zed"}',
		'garbage', '{"type":7}', '[]',
	]) {
		const s = P.receive(before, 'presence/events', e, NOW);
		assert.equal(P.view(s, NOW, FMT).welcome, 'Welcome, Alice!', e);
	}
	let s = P.receive(before, 'presence/events',
	    '{"seq":2,"ts":"2026-11-26T09:04:30Z","type":"arrival","door":"front","reader":"front-in"}', NOW);
	assert.equal(P.view(s, NOW, FMT).welcome, 'Welcome!');
	assert.equal(P.view(s, NOW, { ...FMT, language: 'fr' }).welcome, 'Bienvenue\u00a0!');
	/* Someone else leaving, named or not, is not the one welcomed. */
	s = P.receive(s, 'presence/events', '{"seq":7,"ts":"2026-11-26T09:04:40Z","type":"departure","door":"front"}', NOW);
	assert.equal(P.view(s, NOW, FMT).welcome, 'Welcome!');
	assert.equal(P.view(s, NOW + P.WELCOME_MS + 1, FMT).welcome, '');
	const fresh = live(['presence/events', '{"seq":3,"ts":"2026-11-26T09:04:31Z","type":"access_denied","reason":"expired","name":"Mallory"}']);
	assert.equal(P.view(fresh, NOW, FMT).welcome, '');
	assert.equal(P.parseEvent('{"type":"access_denied","name":"Mallory"}').name, null);
});

test('names: the newest arrival first', () => {
	const v = P.view(live(['presence', JSON.stringify({ count: 4, anonymous: 0, people: [
		{ name: 'Early', since: '2026-11-26T07:00:00Z' },
		{ name: 'Late', since: '2026-11-26T09:00:00Z' },
		{ name: 'No time', since: 'x' },
		{ name: 'Middle', since: '2026-11-26T08:00:00Z' },
	] })]), NOW, FMT);
	assert.deepEqual(v.people.map((p) => p.name), ['Late', 'Middle', 'Early', 'No time']);
});

test('French, by the browser or ?lang=: every line of the screen', () => {
	const fr = { ...FMT, language: 'fr' };
	let v = P.view(live(['presence', PRESENCE]), NOW, fr);
	assert.equal(v.lang, 'fr');
	assert.equal(v.countLabel, 'personnes présentes');
	assert.deepEqual(v.people, [{ name: 'Alice', since: 'depuis 09:14' }]);
	assert.equal(v.others, '+ 2 autres');
	v = P.view(live(['presence', '{"count":0,"people":[],"anonymous":0}']), NOW, fr);
	assert.equal(v.countLabel, 'personne pour le moment');
	v = P.view(P.setConnection(live(['presence', PRESENCE]), 'reconnecting'), NOW, fr);
	assert.match(v.notice, /^reconnexion… \(dernières nouvelles\u00a0: \d\d:\d\d\)$/);
	assert.equal(P.parseOptions('?lang=fr-FR', {}).language, 'fr');
	assert.equal(P.parseOptions('', {}, ['fr-CA', 'en']).language, 'fr');
	assert.equal(P.parseOptions('?lang=en-GB', {}, ['fr-FR']).language, 'en');
	assert.equal(P.parseOptions('', {}, ['de-DE']).language, 'en');
	for (const k of Object.keys(P.WORDS.en))
		assert.ok(k in P.WORDS.fr, 'French lacks ' + k);
});

test('the space\'s own (B/lobby): title, message, logo, colours; the URL\'s title wins', () => {
	const doc = { title: 'La Ruche', message: 'Café au 2e étage', colour_background: '#102030', colour_text: '#fff',
	    logo: 'data:image/png;base64,iVBORw0KGgo=', clock_synced: true, updated: '2026-11-26T09:00:00Z' };
	const s = live(['presence', PRESENCE], ['lobby', JSON.stringify(doc)]);
	let v = P.view(s, NOW, P.parseOptions('?base=seuil/lab', {}));
	assert.equal(v.title, 'La Ruche');
	assert.equal(v.docTitle, 'La Ruche \u2014 who is here');
	assert.equal(v.message, 'Café au 2e étage');
	assert.equal(v.logo, doc.logo);
	assert.deepEqual(v.colours, { background: '#102030', text: '#fff' });
	assert.equal(v.clock, '');
	assert.equal(P.view(s, NOW, P.parseOptions('?base=seuil/lab&title=Hall', {})).title, 'Hall');
	assert.equal(P.view(live(['presence', PRESENCE]), NOW, P.parseOptions('?base=seuil/lab', {})).title, 'lab');
	for (const bad of [
		{ logo: 'https://example.org/logo.png' }, { logo: 'data:text/html;base64,PHNjcmlwdD4=' },
		{ logo: 'data:image/png;base64,AAAA"onerror="x' }, { colour_background: 'red' },
		{ colour_text: '#fff; background: url(x)' }, { logo: 'data:image/png;base64,' + 'A'.repeat(200000) },
	]) {
		v = P.view(live(['lobby', JSON.stringify({ ...doc, ...bad })]), NOW, FMT);
		if ('logo' in bad)
			assert.equal(v.logo, null, JSON.stringify(bad).slice(0, 60));
		else
			assert.ok(v.colours.background === null || v.colours.text === null, JSON.stringify(bad));
	}
	assert.equal(P.parseLobby('not json'), null);
	v = P.view(live(['lobby', JSON.stringify({ message: 'a\nb\u0007c' })]), NOW, FMT);
	assert.equal(v.message, 'a b c');
});

test('the door\'s clock not set: said on the screen while live', () => {
	const s = live(['presence', PRESENCE], ['lobby', '{"clock_synced":false}']);
	assert.match(P.view(s, NOW, FMT).clock, /clock is not set/);
	assert.match(P.view(s, NOW, { ...FMT, language: 'fr' }).clock, /horloge du système de porte n’est pas réglée/);
	assert.equal(P.view(P.receive(s, 'lobby', '{"clock_synced":true}', NOW), NOW, FMT).clock, '');
	assert.equal(P.view(P.receive(s, 'status', 'offline', NOW), NOW, FMT).clock, '', 'stale: not said');
});

test('the full event stream (B/events) is not the lobby\'s: a message there changes nothing', () => {
	const s = P.receive(live(['presence', PRESENCE]), 'events',
	    '{"seq":1,"ts":"2026-11-26T09:04:58Z","type":"arrival","name":"Alice"}', NOW);
	assert.equal(P.view(s, NOW, FMT).welcome, '');
});

test('the page subscribes to the lobby-safe topics only', () => {
	assert.deepEqual(L.SUFFIXES.slice().sort(), ['lobby', 'presence', 'presence/events', 'status']);
});

test('welcome: the welcomed person leaving clears it; an old arrival replayed after an outage is not welcomed', () => {
	let s = live(['presence/events', '{"seq":1,"ts":"2026-11-26T09:04:00Z","type":"arrival","name":"Alice"}']);
	s = P.receive(s, 'presence/events', '{"seq":2,"ts":"2026-11-26T09:04:10Z","type":"departure","reason":"toggle","name":"Alice"}', NOW);
	assert.equal(P.view(s, NOW, FMT).welcome, '');
	s = live(['presence/events', '{"seq":1,"ts":"2026-11-26T07:00:00Z","type":"arrival","name":"Alice"}']);
	assert.equal(P.view(s, NOW, FMT).welcome, '');
});

test('nothing a view shows ever carries a denial reason', () => {
	let s = live(['presence', PRESENCE]);
	for (const r of ['unknown_badge', 'badge_revoked', 'outside_schedule', 'locked_out'])
		s = P.receive(s, 'presence/events', JSON.stringify({ seq: 9, ts: '2026-11-26T09:04:59Z', type: 'access_denied', reason: r, door: 'front' }), NOW);
	const text = JSON.stringify(P.view(s, NOW, FMT));
	assert.doesNotMatch(text, /unknown_badge|revoked|schedule|locked_out|denied/);
});

test('seuild offline: last known numbers stay, with a notice and the time', () => {
	const s = live(['presence', PRESENCE], ['status', 'offline']);
	const v = P.view(s, NOW, FMT);
	assert.equal(v.state, 'offline');
	assert.equal(v.notice, 'door system offline, last known: 10:02');
	assert.equal(v.count, 3);
	// Back online.
	assert.equal(P.view(P.receive(s, 'status', 'online', NOW), NOW, FMT).state, 'live');
	// Unknown status payloads change nothing.
	assert.equal(P.view(P.receive(s, 'status', 'maybe', NOW), NOW, FMT).state, 'offline');
});

test('connected but nothing from seuild yet: waiting', () => {
	const v = P.view(P.setConnection(P.initialState(), 'online'), NOW, FMT);
	assert.equal(v.state, 'waiting');
	assert.equal(v.notice, 'waiting for the door system\u2026');
	assert.equal(v.count, null);
	// A presence without a status (broker restarted, status lost) is shown.
	const s = P.receive(P.setConnection(P.initialState(), 'online'), 'presence', PRESENCE, NOW);
	assert.equal(P.view(s, NOW, FMT).state, 'live');
});

test('seuild offline before any presence: no "last known"', () => {
	const v = P.view(live(['status', 'offline']), NOW, FMT);
	assert.equal(v.notice, 'door system offline');
	assert.equal(v.count, null);
});

test('offline hides the welcome line', () => {
	const s = live(['presence/events', '{"seq":1,"ts":"2026-11-26T09:04:58Z","type":"arrival","name":"Alice"}'], ['status', 'offline']);
	assert.equal(P.view(s, NOW, FMT).welcome, '');
});

test('broker unreachable: connecting, then reconnecting with last known; refused login', () => {
	let s = P.initialState();
	let v = P.view(s, NOW, FMT);
	assert.equal(v.state, 'connecting');
	assert.equal(v.count, null);
	s = live(['presence', PRESENCE]);
	s = P.setConnection(s, 'reconnecting');
	v = P.view(s, NOW, FMT);
	assert.equal(v.state, 'reconnecting');
	assert.equal(v.notice, 'reconnecting\u2026 (last known: 10:02)');
	assert.equal(v.count, 3);
	v = P.view(P.setConnection(s, 'refused'), NOW, FMT);
	assert.equal(v.state, 'refused');
	assert.match(v.notice, /refused/);
});

test('receive never mutates the state it is given', () => {
	const s = live(['presence', PRESENCE]);
	const before = JSON.stringify(s);
	P.receive(s, 'presence', '{"count":0,"people":[],"anonymous":0}', NOW);
	P.receive(s, 'status', 'offline', NOW);
	P.setConnection(s, 'reconnecting');
	assert.equal(JSON.stringify(s), before);
});

test('unknown topics are ignored', () => {
	const s = live(['presence', PRESENCE]);
	assert.deepEqual(P.receive(s, 'door/front/state', 'open', NOW), s);
	assert.deepEqual(P.receive(s, 'presence/count', '99', NOW), s);
});

test('options: defaults follow the page that the broker serves', () => {
	const o = P.parseOptions('', { protocol: 'http:', hostname: 'pi.local', port: '9001' });
	assert.equal(o.url, 'ws://pi.local:9001/');
	assert.equal(o.base, 'seuil/lab');
	assert.equal(o.title, 'lab');
	assert.equal(o.user, undefined);
	assert.equal(o.password, undefined);
	assert.equal(P.parseOptions('', { protocol: 'https:', hostname: 'h', port: '' }).url, 'wss://h/');
	assert.equal(P.parseOptions('', { protocol: 'http:', hostname: '::1', port: '9001' }).url, 'ws://[::1]:9001/');
	assert.equal(P.parseOptions('', { protocol: 'file:', hostname: '', port: '' }).url, 'ws://localhost:9001/');
});

test('options: the query string overrides everything', () => {
	const o = P.parseOptions('?url=ws://10.0.0.2:9001&base=seuil/annex/&user=lobby&password=p%26w&title=The%20Annex&lang=fr-FR&tz=Europe/Paris',
	    { protocol: 'http:', hostname: 'pi', port: '9001' });
	assert.deepEqual(o, { url: 'ws://10.0.0.2:9001', base: 'seuil/annex', user: 'lobby',
	    password: 'p&w', title: 'The Annex', titleGiven: true, locale: 'fr-FR', language: 'fr',
	    timeZone: 'Europe/Paris' });
	assert.equal(P.parseOptions('?base=seuil/%23', {}).base, 'seuil/lab', 'no wildcards in base');
	assert.equal(P.parseOptions('?base=seuil/%2B', {}).base, 'seuil/lab');
});

test('the page never puts data in as markup', () => {
	for (const f of readdirSync(lobbyDir).filter((n) => /\.(js|mjs|html)$/.test(n))) {
		const src = readFileSync(join(lobbyDir, f), 'utf8');
		assert.doesNotMatch(src, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/, f);
	}
});

test('the page loads nothing from elsewhere (no CDN, no external fonts)', () => {
	for (const f of ['index.html', 'lobby.css', 'lobby.js', 'presence.js', 'live.js']) {
		const src = readFileSync(join(lobbyDir, f), 'utf8');
		assert.doesNotMatch(src, /https?:\/\/|@import|url\(/, f);
	}
});
