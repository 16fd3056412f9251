// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil lobby screen: pure functions, no DOM and no network.
 *
 * MQTT messages go in (topic suffix + payload text), a state comes out, and
 * view() turns a state into what the screen shows.  Everything here is plain
 * data so that node's test runner and the integration test use the very code
 * the browser runs.
 *
 * A classic script rather than an ES module: mosquitto's http_dir sends no
 * Content-Type, and browsers refuse module scripts without a JavaScript MIME
 * type.  In a browser it defines SeuilPresence; under node it is CommonJS.
 *
 * Names are data, never markup: they are returned as they came (trimmed and
 * cut to a sane length) and the page puts them in with textContent.
 */
(function (root, factory) {
	'use strict';
	var api = factory();
	if (typeof module === 'object' && module.exports)
		module.exports = api;
	else
		root.SeuilPresence = api;
}(typeof self !== 'undefined' ? self : this, function () {
	'use strict';

	var MAX_NAME = 64;		/* characters shown of one name */
	var MAX_PEOPLE = 60;		/* names listed; the rest count as others */
	var WELCOME_MS = 90 * 1000;	/* how long "Welcome, X!" stays */
	var WELCOME_MAX_AGE_MS = 5 * 60 * 1000;	/* older arrivals (replayed after an outage) are not welcomed */
	var DEFAULT_BASE = 'seuil/lab';
	var DEFAULT_WS_PORT = '9001';

	function isCount(n) {
		return typeof n === 'number' && Number.isInteger(n) && n >= 0;
	}

	/* "2026-11-26T08:14:03Z" -> milliseconds, or NaN. */
	function parseTime(s) {
		if (typeof s !== 'string' ||
		    !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(s))
			return NaN;
		return Date.parse(s);
	}

	function cleanName(s) {
		if (typeof s !== 'string')
			return null;
		/* Control characters would only garble the screen. */
		s = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
		if (s === '')
			return null;
		if (s.length > MAX_NAME)
			s = s.slice(0, MAX_NAME - 1) + '\u2026';
		return s;
	}

	function parseJSONObject(text) {
		var v;
		if (typeof text !== 'string')
			return null;
		try {
			v = JSON.parse(text);
		} catch (e) {
			return null;
		}
		if (v === null || typeof v !== 'object' || Array.isArray(v))
			return null;
		return v;
	}

	/*
	 * B/presence payload -> {count, people: [{name, since}], anonymous,
	 * updated}, or null when it is not a presence document (the caller then
	 * keeps what it had).  since and updated are milliseconds or NaN.
	 */
	function parsePresence(text) {
		var p = parseJSONObject(text), people = [], i, e, name, anon;

		if (p === null || !isCount(p.count))
			return null;
		if (p.people !== undefined && !Array.isArray(p.people))
			return null;
		for (i = 0; p.people && i < p.people.length; i++) {
			e = p.people[i];
			if (e === null || typeof e !== 'object')
				continue;
			name = cleanName(e.name);
			if (name === null)
				continue;
			people.push({ name: name, since: parseTime(e.since) });
		}
		anon = isCount(p.anonymous) ? p.anonymous :
		    Math.max(0, p.count - people.length);
		return {
			count: Math.max(p.count, people.length),
			people: people,
			anonymous: anon,
			updated: parseTime(p.updated)
		};
	}

	/* B/presence/events payload -> {type, name|null, ts, seq}, or null. */
	function parseEvent(text) {
		var e = parseJSONObject(text);

		if (e === null || typeof e.type !== 'string')
			return null;
		return {
			type: e.type,
			/* Only arrivals and departures come on this topic, and denials
			 * never carry a name; ignore one if they ever did. */
			name: e.type === 'access_denied' ? null : cleanName(e.name),
			ts: parseTime(e.ts),
			seq: isCount(e.seq) ? e.seq : null
		};
	}

	function initialState() {
		return {
			connection: 'connecting',	/* connecting online reconnecting refused */
			status: null,			/* seuild: online offline (null: unknown) */
			presence: null,
			welcome: null			/* {name, at} */
		};
	}

	function copy(state) {
		var k, s = {};
		for (k in state)
			s[k] = state[k];
		return s;
	}

	function setConnection(state, connection) {
		var s = copy(state);
		s.connection = connection;
		return s;
	}

	/*
	 * One MQTT message: topic is the part after the base topic ("presence",
	 * "status", "presence/events"), text the payload as a string, now the local time
	 * in ms.  Returns the new state; a message that makes no sense changes
	 * nothing.
	 */
	function receive(state, topic, text, now) {
		var s = copy(state), p, e, st;

		if (topic === 'presence') {
			p = parsePresence(text);
			if (p !== null)
				s.presence = p;
		} else if (topic === 'status') {
			st = typeof text === 'string' ? text.trim() : '';
			if (st === 'online' || st === 'offline')
				s.status = st;
		} else if (topic === 'presence/events') {
			e = parseEvent(text);
			if (e === null)
				return s;
			if (e.type === 'arrival' && e.name !== null &&
			    !(now - e.ts > WELCOME_MAX_AGE_MS))
				s.welcome = { name: e.name, at: now };
			else if (e.type === 'departure' && s.welcome !== null &&
			    e.name === s.welcome.name)
				s.welcome = null;
		}
		return s;
	}

	/* fmt: {locale, timeZone} for Intl (undefined: the browser's). */
	function timeFormatter(fmt, withDay) {
		var o = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
		if (withDay)
			o.weekday = 'short';
		if (fmt && fmt.timeZone)
			o.timeZone = fmt.timeZone;
		try {
			return new Intl.DateTimeFormat(fmt && fmt.locale, o);
		} catch (err) {	/* unknown locale or time zone from the URL */
			delete o.timeZone;
			return new Intl.DateTimeFormat(undefined, o);
		}
	}

	function dayOf(ms, fmt) {
		var o = { year: 'numeric', month: '2-digit', day: '2-digit' };
		if (fmt && fmt.timeZone)
			o.timeZone = fmt.timeZone;
		try {
			return new Intl.DateTimeFormat('en-CA', o).format(ms);
		} catch (err) {
			delete o.timeZone;
			return new Intl.DateTimeFormat('en-CA', o).format(ms);
		}
	}

	/* "08:14", or "Tue 08:14" when not today; "" for a bad time. */
	function formatTime(ms, now, fmt) {
		if (typeof ms !== 'number' || !isFinite(ms))
			return '';
		return timeFormatter(fmt, dayOf(ms, fmt) !== dayOf(now, fmt)).format(ms);
	}

	function plural(n, one, many) {
		return n + ' ' + (n === 1 ? one : many);
	}

	/*
	 * What the screen shows, as text only:
	 *   title, count (null until the first presence), countLabel,
	 *   people [{name, since}] (since: "since 08:14" or ""), others
	 *   ("+ 2 others" or ""), welcome ("Welcome, Alice!" or ""),
	 *   state ("live" "waiting" "connecting" "reconnecting" "refused"
	 *   "offline"),
	 *   notice (the line explaining a state that is not live, or "").
	 */
	function view(state, now, opts) {
		var o = opts || {}, fmt = { locale: o.locale, timeZone: o.timeZone };
		var p = state.presence, v, i, shown, others, last;

		v = {
			title: o.title || '',
			count: null,
			countLabel: '',
			people: [],
			others: '',
			welcome: '',
			state: 'live',
			notice: ''
		};
		if (p !== null) {
			v.count = p.count;
			v.countLabel = p.count === 0 ? 'nobody here right now' :
			    (p.count === 1 ? 'person here' : 'people here');
			shown = p.people.slice(0, MAX_PEOPLE);
			for (i = 0; i < shown.length; i++) {
				v.people.push({
					name: shown[i].name,
					since: isFinite(shown[i].since) ? 'since ' +
					    formatTime(shown[i].since, now, fmt) : ''
				});
			}
			others = p.anonymous + (p.people.length - shown.length);
			/* With nobody named, the count alone says it. */
			if (others > 0 && shown.length > 0)
				v.others = '+ ' + plural(others, 'other', 'others');
		}

		last = p !== null && isFinite(p.updated) ?
		    'last known: ' + formatTime(p.updated, now, fmt) : '';
		if (state.connection === 'refused') {
			v.state = 'refused';
			v.notice = 'the broker refused the lobby login \u2014 check user and password';
		} else if (state.connection !== 'online') {
			v.state = state.connection === 'connecting' ?
			    'connecting' : 'reconnecting';
			v.notice = (v.state === 'connecting' ? 'connecting\u2026' :
			    'reconnecting\u2026') + (last ? ' (' + last + ')' : '');
		} else if (state.status === 'offline') {
			v.state = 'offline';
			v.notice = 'door system offline' + (last ? ', ' + last : '');
		} else if (p === null) {
			/* Connected, but seuild has published nothing (yet). */
			v.state = 'waiting';
			v.notice = 'waiting for the door system\u2026';
		}

		/* A welcome on a stale screen would be misleading. */
		if ((v.state === 'live' || v.state === 'waiting') && state.welcome !== null &&
		    now - state.welcome.at < WELCOME_MS)
			v.welcome = 'Welcome, ' + state.welcome.name + '!';
		return v;
	}

	/*
	 * The page's settings from its query string and location:
	 *   url       ws://<page host>:<page port> (the page is served by the
	 *             broker's websockets listener), wss:// under https
	 *   base      base topic, default seuil/lab
	 *   user, password   MQTT login (the "lobby" user)
	 *   title     heading, default the last part of base
	 *   lang, tz  locale and time zone for times (default: the browser's)
	 * search: "?a=b&…"; loc: {protocol, hostname, port}.
	 */
	function parseOptions(search, loc) {
		var q = new URLSearchParams(search || ''), l = loc || {};
		var base, host, port, scheme, o;

		base = (q.get('base') || DEFAULT_BASE).replace(/^\/+|\/+$/g, '');
		if (base === '' || /[#+]/.test(base))
			base = DEFAULT_BASE;
		scheme = l.protocol === 'https:' ? 'wss' : 'ws';
		host = l.hostname || 'localhost';
		if (host.indexOf(':') >= 0 && host.charAt(0) !== '[')
			host = '[' + host + ']';	/* IPv6 literal */
		port = l.port || (l.protocol === 'http:' || l.protocol === 'https:' ?
		    '' : DEFAULT_WS_PORT);
		o = {
			url: q.get('url') || scheme + '://' + host + (port ? ':' + port : '') + '/',
			base: base,
			user: q.get('user') || undefined,
			password: q.get('password') || undefined,
			title: q.get('title') || base.slice(base.lastIndexOf('/') + 1),
			locale: q.get('lang') || undefined,
			timeZone: q.get('tz') || undefined
		};
		return o;
	}

	return {
		parsePresence: parsePresence,
		parseEvent: parseEvent,
		initialState: initialState,
		setConnection: setConnection,
		receive: receive,
		view: view,
		formatTime: formatTime,
		parseOptions: parseOptions,
		WELCOME_MS: WELCOME_MS,
		MAX_NAME: MAX_NAME,
		MAX_PEOPLE: MAX_PEOPLE
	};
}));
