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
	var MAX_MESSAGE = 280;		/* [lobby] message, as seuild takes it */
	var MAX_LOGO = 100 * 1024;	/* a 64 KiB image as base64, and its header */
	var MAX_PEOPLE = 60;		/* names listed; the rest count as others */
	var WELCOME_MS = 90 * 1000;	/* how long "Welcome, X!" stays */
	var WELCOME_MAX_AGE_MS = 5 * 60 * 1000;	/* older arrivals (replayed after an outage) are not welcomed */
	var DEFAULT_BASE = 'seuil/lab';
	var DEFAULT_WS_PORT = '9001';

	/*
	 * The screen's words in English and French (the browser's language,
	 * or ?lang=); {n}, {t}, {name} filled in as text.
	 */
	var WORDS = {
		en: {
			nobody: 'nobody here right now', one: 'person here', many: 'people here',
			since: 'since {t}', other: '+ {n} other', others: '+ {n} others',
			welcome_name: 'Welcome, {name}!', welcome: 'Welcome!',
			refused: 'the broker refused the lobby login \u2014 check user and password',
			connecting: 'connecting\u2026', reconnecting: 'reconnecting\u2026',
			last_known: 'last known: {t}', offline: 'door system offline',
			waiting: 'waiting for the door system\u2026',
			clock: 'the door system\u2019s clock is not set: members with opening hours or dates may be refused at the door',
			who: 'who is here'
		},
		fr: {
			nobody: 'personne pour le moment', one: 'personne présente', many: 'personnes présentes',
			since: 'depuis {t}', other: '+ {n} autre', others: '+ {n} autres',
			welcome_name: 'Bienvenue, {name}\u00a0!', welcome: 'Bienvenue\u00a0!',
			refused: 'le serveur a refusé l\u2019identifiant de l\u2019écran \u2014 vérifiez l\u2019utilisateur et le mot de passe',
			connecting: 'connexion\u2026', reconnecting: 'reconnexion\u2026',
			last_known: 'dernières nouvelles\u00a0: {t}', offline: 'système de porte hors ligne',
			waiting: 'en attente du système de porte\u2026',
			clock: 'l\u2019horloge du système de porte n\u2019est pas réglée\u00a0: les membres ayant des horaires ou des dates peuvent être refusés à la porte',
			who: 'qui est là'
		}
	};

	/* The words' language of a locale or a browser's languages: "fr"
	 * for French, else "en". */
	function language(list) {
		var i;

		for (i = 0; list && i < list.length; i++) {
			if (typeof list[i] !== 'string' || list[i] === '')
				continue;
			return list[i].slice(0, 2).toLowerCase() === 'fr' ? 'fr' : 'en';
		}
		return 'en';
	}

	function say(lang, key, args) {
		var w = (WORDS[lang] || WORDS.en)[key];

		return w.replace(/\{(\w+)\}/g, function (m, k) {
			return args && args[k] !== undefined ? String(args[k]) : m;
		});
	}

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

	/* A colour the page may use as it is, or null. */
	function colour(c) {
		return typeof c === 'string' && /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(c) ? c : null;
	}

	/*
	 * B/lobby payload -> {title, message, logo, background, text,
	 * clockSynced}, what [lobby] sets and whether the door's clock is
	 * set; null when it is not such a document.  A logo is only ever a
	 * data: URL of an image (nothing is fetched from elsewhere); a text
	 * is cleaned as names are.
	 */
	function parseLobby(text) {
		var l = parseJSONObject(text), msg;

		if (l === null)
			return null;
		msg = typeof l.message === 'string' ? l.message.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
		    .trim().slice(0, MAX_MESSAGE) : '';
		return {
			title: cleanName(l.title),
			message: msg,
			logo: typeof l.logo === 'string' && l.logo.length <= MAX_LOGO &&
			    /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+\/]+=*$/.test(l.logo) ?
			    l.logo : null,
			background: colour(l.colour_background),
			text: colour(l.colour_text),
			clockSynced: l.clock_synced === false ? false : l.clock_synced === true ? true : null
		};
	}

	function initialState() {
		return {
			connection: 'connecting',	/* connecting online reconnecting refused */
			status: null,			/* seuild: online offline (null: unknown) */
			presence: null,
			lobby: null,			/* B/lobby: the space's own */
			welcome: null			/* {name (null: not named), at} */
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
	 * "status", "presence/events", "lobby"), text the payload as a string, now the local time
	 * in ms.  Returns the new state; a message that makes no sense changes
	 * nothing.
	 */
	function receive(state, topic, text, now) {
		var s = copy(state), p, e, st, l;

		if (topic === 'presence') {
			p = parsePresence(text);
			if (p !== null)
				s.presence = p;
		} else if (topic === 'status') {
			st = typeof text === 'string' ? text.trim() : '';
			if (st === 'online' || st === 'offline')
				s.status = st;
		} else if (topic === 'lobby') {
			l = parseLobby(text);
			if (l !== null)
				s.lobby = l;
		} else if (topic === 'presence/events') {
			e = parseEvent(text);
			if (e === null)
				return s;
			/* Everyone arriving is welcomed: by name when they chose
			 * to be named, else without one. */
			if (e.type === 'arrival' && !(now - e.ts > WELCOME_MAX_AGE_MS))
				s.welcome = { name: e.name, at: now };
			else if (e.type === 'departure' && s.welcome !== null &&
			    s.welcome.name !== null && e.name === s.welcome.name)
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

	/* People newest arrival first (a time that cannot be read last), the
	 * order of the list as it came for equal times. */
	function newestFirst(people) {
		return people.map(function (p, i) { return [p, i]; }).sort(function (a, b) {
			var x = isFinite(a[0].since) ? a[0].since : -Infinity;
			var y = isFinite(b[0].since) ? b[0].since : -Infinity;

			return y - x || a[1] - b[1];
		}).map(function (pair) { return pair[0]; });
	}

	/*
	 * What the screen shows, as text only:
	 *   title, count (null until the first presence), countLabel,
	 *   people [{name, since}] (newest arrival first; since: "since
	 *   08:14" or ""), others ("+ 2 others" or ""), welcome ("Welcome,
	 *   Alice!", "Welcome!" for someone not named, or ""),
	 *   state ("live" "waiting" "connecting" "reconnecting" "refused"
	 *   "offline"),
	 *   notice (the line explaining a state that is not live, or ""),
	 *   clock (the line saying the door's clock is not set, or ""),
	 *   message, logo (a data: URL or null), colours {background, text}
	 *   (null each when not set), lang ("en" or "fr"), docTitle.
	 * In the language of opts.language (parseOptions), English by default.
	 */
	function view(state, now, opts) {
		var o = opts || {}, fmt = { locale: o.locale, timeZone: o.timeZone };
		var lang = WORDS[o.language] ? o.language : 'en';
		var p = state.presence, l = state.lobby, v, i, shown, others, last;

		v = {
			title: (o.titleGiven ? o.title : l && l.title) || o.title || '',
			count: null,
			countLabel: '',
			people: [],
			others: '',
			welcome: '',
			state: 'live',
			notice: '',
			clock: '',
			message: l ? l.message : '',
			logo: l ? l.logo : null,
			colours: { background: l ? l.background : null, text: l ? l.text : null },
			lang: lang,
			docTitle: ''
		};
		v.docTitle = v.title ? v.title + ' \u2014 ' + say(lang, 'who') : say(lang, 'who');
		if (p !== null) {
			v.count = p.count;
			v.countLabel = say(lang, p.count === 0 ? 'nobody' : p.count === 1 ? 'one' : 'many');
			shown = newestFirst(p.people).slice(0, MAX_PEOPLE);
			for (i = 0; i < shown.length; i++) {
				v.people.push({
					name: shown[i].name,
					since: isFinite(shown[i].since) ? say(lang, 'since',
					    { t: formatTime(shown[i].since, now, fmt) }) : ''
				});
			}
			others = p.anonymous + (p.people.length - shown.length);
			/* With nobody named, the count alone says it. */
			if (others > 0 && shown.length > 0)
				v.others = say(lang, others === 1 ? 'other' : 'others', { n: others });
		}

		last = p !== null && isFinite(p.updated) ?
		    say(lang, 'last_known', { t: formatTime(p.updated, now, fmt) }) : '';
		if (state.connection === 'refused') {
			v.state = 'refused';
			v.notice = say(lang, 'refused');
		} else if (state.connection !== 'online') {
			v.state = state.connection === 'connecting' ?
			    'connecting' : 'reconnecting';
			v.notice = say(lang, v.state) + (last ? ' (' + last + ')' : '');
		} else if (state.status === 'offline') {
			v.state = 'offline';
			v.notice = say(lang, 'offline') + (last ? ', ' + last : '');
		} else if (p === null) {
			/* Connected, but seuild has published nothing (yet). */
			v.state = 'waiting';
			v.notice = say(lang, 'waiting');
		}
		/* The clock is seuild's own word: shown while it is live. */
		if (v.state === 'live' && l && l.clockSynced === false)
			v.clock = say(lang, 'clock');

		/* A welcome on a stale screen would be misleading. */
		if ((v.state === 'live' || v.state === 'waiting') && state.welcome !== null &&
		    now - state.welcome.at < WELCOME_MS)
			v.welcome = state.welcome.name !== null ?
			    say(lang, 'welcome_name', { name: state.welcome.name }) : say(lang, 'welcome');
		return v;
	}

	/*
	 * The page's settings from its query string and location:
	 *   url       ws://<page host>:<page port> (the page is served by the
	 *             broker's websockets listener), wss:// under https
	 *   base      base topic, default seuil/lab
	 *   user, password   MQTT login (the "lobby" user)
	 *   title     heading, default [lobby] title, else the last part of base
	 *   lang      locale for times and the words' language ("fr-FR": French;
	 *             default: the browser's, langs)
	 *   tz        time zone for times (default: the browser's)
	 * search: "?a=b&…"; loc: {protocol, hostname, port}; langs: the
	 * browser's languages (navigator.languages).
	 */
	function parseOptions(search, loc, langs) {
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
			titleGiven: !!q.get('title'),
			locale: q.get('lang') || undefined,
			language: language([q.get('lang')].concat(langs || [])),
			timeZone: q.get('tz') || undefined
		};
		return o;
	}

	return {
		parsePresence: parsePresence,
		parseEvent: parseEvent,
		parseLobby: parseLobby,
		language: language,
		WORDS: WORDS,
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
