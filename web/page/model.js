// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil console: the page's logic without the DOM, so that node tests it
 * (tests/web/model.test.mjs): schedules as the door reads them and the
 * week they open, names sorted as people expect, errors and problems in
 * words with their next step, an enrolment's request and its answer in
 * words, the import's preview marked, query strings.
 * Words come from SeuilI18n.make(lang) (i18n.js), passed in as i.
 */
(function (root, factory) {
	'use strict';
	var api = factory();
	if (typeof module === 'object' && module.exports)
		module.exports = api;
	else
		root.SeuilModel = api;
}(typeof self !== 'undefined' ? self : this, function () {
	'use strict';

	var DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

	/* ---- schedules: core/access.c's syntax ---- */

	function parseDays(tok) {
		var m, a, b, days = [false, false, false, false, false, false, false];

		if (/^daily$/i.test(tok))
			return days.map(function () { return true; });
		m = /^([A-Za-z]{3})(?:-([A-Za-z]{3}))?$/.exec(tok);
		if (!m)
			return null;
		a = dayIndex(m[1]);
		b = m[2] !== undefined ? dayIndex(m[2]) : a;
		if (a < 0 || b < 0)
			return null;
		for (;;) {		/* a range may wrap past Sunday: Fri-Mon */
			days[a] = true;
			if (a === b)
				return days;
			a = (a + 1) % 7;
		}
	}

	function dayIndex(s) {
		for (var i = 0; i < 7; i++)
			if (DAYS[i].toLowerCase() === s.toLowerCase())
				return i;
		return -1;
	}

	function parseHHMM(s, allow24) {
		var m = /^(\d{1,2}):(\d\d)$/.exec(s), v;

		if (!m)
			return -1;
		v = +m[1] * 60 + +m[2];
		if (+m[2] > 59 || v > 1440 || (v === 1440 && !allow24))
			return -1;
		return v;
	}

	/*
	 * "Mon-Fri 08:00-19:00, Sat 10:00-14:00" into {windows: [{days: [7
	 * bools], start, end}], error}: the door's reading (a day without a
	 * range carries to the next item's, so "Mon,Wed 08:00-12:00" is both
	 * days; an end before the start runs past midnight).  "always", ""
	 * or null: no window, always open.
	 */
	function parseSchedule(text) {
		var items, windows = [], carried = null, i, toks, days, k, r, s, e;

		if (text === null || text === undefined || /^\s*(always)?\s*$/i.test(text))
			return { windows: [], error: null };
		items = String(text).split(',');
		for (i = 0; i < items.length; i++) {
			toks = items[i].trim().split(/[ \t]+/).filter(Boolean);
			if (toks.length === 0)
				return { windows: [], error: 'empty item' };
			if ((days = parseDays(toks[0])) === null)
				return { windows: [], error: 'unknown day \'' + toks[0] + '\'' };
			if (carried)
				days = days.map(function (d, j) { return d || carried[j]; });
			if (toks.length === 1) {
				carried = days;
				continue;
			}
			for (k = 1; k < toks.length; k++) {
				r = /^([^-]+)-(.+)$/.exec(toks[k]);
				if (!r || (s = parseHHMM(r[1], false)) < 0 || (e = parseHHMM(r[2], true)) < 0 ||
				    s === e)
					return { windows: [], error: 'bad time range \'' + toks[k] + '\'' };
				windows.push({ days: days.slice(), start: s, end: e });
			}
			carried = null;
		}
		if (carried)
			return { windows: [], error: 'missing time range' };
		return { windows: windows, error: null };
	}

	function hhmm(min) {
		return String(Math.floor(min / 60)).padStart(2, '0') + ':' + String(min % 60).padStart(2, '0');
	}

	/* Days as core/access.c writes them: runs, "daily", a run wrapping
	 * past Sunday starting where its previous day is not in it. */
	function formatDays(days) {
		var first, i, d, run, out = [];

		if (days.every(Boolean))
			return 'daily';
		for (first = 0; first < 7; first++)
			if (days[first] && !days[(first + 6) % 7])
				break;
		for (i = 0; i < 7; i += run) {
			d = (first + i) % 7;
			for (run = 0; run < 7 - i && days[(d + run) % 7]; run++)
				;
			if (run === 0) {
				run = 1;
				continue;
			}
			out.push(run === 1 ? DAYS[d] : DAYS[d] + (run === 2 ? ',' : '-') +
			    DAYS[(d + run - 1) % 7]);
		}
		return out.join(',');
	}

	/* The text the server takes for windows ("always" for none). */
	function formatSchedule(windows) {
		if (!windows.length)
			return 'always';
		return windows.map(function (w) {
			return formatDays(w.days) + ' ' + hhmm(w.start) + '-' + hhmm(w.end);
		}).join(', ');
	}

	/*
	 * The week a schedule opens: minutes open in each hour of each day,
	 * [7][24] (0 to 60).  The part of a window after midnight belongs to
	 * the next day of the grid (the door: it belongs to the day it
	 * started on, and opens the next morning's hours).  No window: all.
	 */
	function weekMinutes(windows) {
		var grid = [], d, h, w, i, day;

		for (d = 0; d < 7; d++) {
			grid.push([]);
			for (h = 0; h < 24; h++)
				grid[d].push(windows.length ? 0 : 60);
		}
		function mark(day, a, b) {
			for (var m = a; m < b; m++) {
				var hh = Math.floor(m / 60);
				grid[day][hh]++;
			}
		}
		for (i = 0; i < windows.length; i++) {
			w = windows[i];
			for (day = 0; day < 7; day++) {
				if (!w.days[day])
					continue;
				if (w.end > w.start)
					mark(day, w.start, w.end);
				else {
					mark(day, w.start, 1440);
					mark((day + 1) % 7, 0, w.end);
				}
			}
		}
		for (d = 0; d < 7; d++)
			for (h = 0; h < 24; h++)
				grid[d][h] = Math.min(60, grid[d][h]);
		return grid;
	}

	/* ---- names ---- */

	/* Sort a copy of list by name as people read it: case and accents
	 * aside ("Élodie" among the e's), numbers in order. */
	function sortByName(list, lang, key) {
		var c = new Intl.Collator(lang === 'fr' ? 'fr' : 'en', { sensitivity: 'base', numeric: true });
		var k = key || function (x) { return x.name; };

		return list.slice().sort(function (a, b) {
			return c.compare(k(a) || '', k(b) || '') || ((k(a) || '') < (k(b) || '') ? -1 : 1);
		});
	}

	function memberLabel(m) {
		if (!m)
			return '';
		return m.display_name && m.display_name !== m.name ? m.display_name + ' (' + m.name + ')' : m.name;
	}

	/* ---- errors, problems, next steps ---- */

	/* Codes the page words in English too: each says what to do. */
	var OWN_WORDS = ['seuild_down', 'busy', 'insight_off', 'csrf', 'login_needed', 'too_many_logins',
	    'timeout', 'network', 'wrong_host'];

	/*
	 * An API error in the page's language (err: {status, code, args,
	 * message, network}).  English shows the server's own text, the most
	 * precise, but for the codes above; French words every code it knows
	 * and gives the English text of the others after "Erreur N :".
	 */
	function errorText(i, err) {
		var e = err || {}, args, a = e.args || {};

		if (e.network)
			return i.t('e_network');
		if (i.lang === 'en' && e.message && OWN_WORDS.indexOf(e.code) < 0)
			return e.message;
		args = Object.assign({}, a, { status: e.status, message: e.message || '' });
		if (e.code === 'import_error' && a.message !== undefined)
			args.message = a.message;
		if (e.code === 'import_error' && !a.line)
			return i.fmt('e_invalid', args);
		if (i.known('e_', e.code))
			return i.fmt('e_' + e.code, args);
		return i.lang === 'en' ? args.message || String(e.status) : i.fmt('e_status', args);
	}

	/* ---- enrolment ---- */

	/*
	 * The body of POST /enrol: secure asks seuild to make the card a
	 * DESFire badge (docs/web.md), which only a desk reader can do.
	 */
	function enrolBody(member, reader, secure) {
		return { member: member, reader: reader, timeout: 60, secure: !!secure };
	}

	/* seuild refuses a secure enrolment with its plain codes (daemon/
	 * enrol.c); asked for a DESFire card, each of these has one meaning
	 * for the manager, worded as e_secure_CODE with what to do, and
	 * seuild's English is never parsed. */
	var SECURE_WORDS = ['invalid', 'busy', 'exists', 'permission', 'timeout', 'database'];

	/* An enrolment's failure in words: a secure one's by SECURE_WORDS,
	 * any other as errorText says. */
	function enrolErrorText(i, err, secure) {
		var e = err || {};

		if (!secure || e.network || SECURE_WORDS.indexOf(e.code) < 0)
			return errorText(i, err);
		return i.fmt('e_secure_' + e.code, { message: e.message || '' });
	}

	/* An enrolment's answer: the badge, and the badges a DESFire one
	 * replaces (revoked by seuild in the same transaction). */
	function enrolledText(i, r) {
		var args = { id: r.badge_id, hint: r.hint, member: r.member };
		var text = i.fmt(r.kind === 'desfire' ? 'enrolled_secure' : 'enrolled', args);

		if (r.revoked && r.revoked.length)
			text += i.fmt('enrol_replaces', { ids: r.revoked.join(', ') });
		return text;
	}

	function names(list) {
		return (list || []).map(memberLabel).join(', ');
	}

	/* A problem of GET /problems as {text, next, level}. */
	function problemText(i, p) {
		var a = Object.assign({}, p.args || {}), code = p.code, next = 'n_' + code;

		if (code === 'clock_unsynced') {
			a.names = names(a.names) + (a.refused > (a.names || []).length ? ', …' : '');
			if (a.policy === 'deny')
				next = 'n_clock_unsynced_deny';
			if (!a.refused && a.policy !== 'deny')
				code = 'clock_unsynced_none';
			else if (a.refused === 1)
				code = 'clock_unsynced_one';
		}
		if (a.door === null || a.door === undefined)
			a.door = '—';
		if (a.ts)
			a.ts = when(a.ts, i);
		return { text: i.known('p_', code) ? i.fmt('p_' + code, a) : p.code,
		    next: i.known('', next) ? i.t(next) : '', level: p.level || 'bad' };
	}

	/* What to do about a failing explain step (its code and args), or "". */
	function stepNext(i, step) {
		var c = step && step.code;

		if (!step || step.pass !== false)
			return '';
		if (c === 'member_disabled')
			return i.t('w_member_disabled');
		if (c === 'clock_unsynced_deny' || c === 'clock_unsynced_members_only' ||
		    c === 'schedule_forbids' || c === 'lockout_readers' || c === 'badge_revoked' ||
		    c === 'uid_not_enrolled' || c === 'no_badge' || c === 'valid_from' || c === 'valid_until')
			return i.t('w_' + c);
		if (c === 'lockout_unknown')
			return i.t('w_lockout_unknown');
		return '';
	}

	/* ---- dates and numbers ---- */

	/* '1 Dec 2026, 09:05' in the page's language, 24-hour clock. */
	function when(iso, i) {
		if (!iso)
			return '';
		var d = new Date(iso);

		if (isNaN(d))
			return String(iso);
		return d.toLocaleString(i ? i.locale : 'en-GB', { dateStyle: 'medium', timeStyle: 'short',
		    hourCycle: 'h23' });
	}

	/* Seconds as "3 h 05 min", "4 min 10 s", "2 d 3 h". */
	function duration(sec, i) {
		var d, h, m, x;

		sec = Math.max(0, Math.floor(+sec || 0));
		d = Math.floor(sec / 86400);
		h = Math.floor(sec / 3600) % 24;
		m = Math.floor(sec / 60) % 60;
		x = sec % 60;
		if (d)
			return d + ' ' + (i ? i.t('u_day') : 'd') + ' ' + h + ' h';
		if (h)
			return h + ' h ' + String(m).padStart(2, '0') + ' min';
		return m ? m + ' min ' + x + ' s' : x + ' s';
	}

	function number(n, i) {
		return Number(n).toLocaleString(i ? i.locale : 'en-GB', { maximumFractionDigits: 2 });
	}

	/* Today's local date, "YYYY-MM-DD". */
	function isoDate(d) {
		return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' +
		    String(d.getDate()).padStart(2, '0');
	}

	/* A query string from params, leaving out empty values. */
	function query(params) {
		var q = new URLSearchParams(), k;

		for (k in params)
			if (params[k] !== undefined && params[k] !== null && params[k] !== '' && params[k] !== false)
				q.set(k, params[k] === true ? '1' : String(params[k]));
		return q.toString();
	}

	/* ---- import ---- */

	/*
	 * The preview as lines to show, each marked: new groups first, then
	 * added, changed (with its fields), re-enabled, disabled, and the
	 * members that stay disabled.
	 */
	function importLines(diff) {
		var out = [];

		(diff.new_groups || []).forEach(function (n) { out.push({ mark: 'new_groups', name: n }); });
		(diff.added || []).forEach(function (n) { out.push({ mark: 'added', name: n }); });
		(diff.changed || []).forEach(function (c) {
			out.push({ mark: 'changed', name: c.name, fields: c.fields || [] });
		});
		(diff.enabled || []).forEach(function (n) { out.push({ mark: 'enabled', name: n }); });
		(diff.disabled || []).forEach(function (n) { out.push({ mark: 'disabled', name: n }); });
		(diff.kept_disabled || []).forEach(function (n) { out.push({ mark: 'kept_disabled', name: n }); });
		return out;
	}

	/* Every error of a bad file, worded, in the file's order. */
	function importErrors(i, err) {
		var a = (err && err.args) || {};

		return (a.errors || []).map(function (e) {
			if (!e.line)
				return e.message;
			return e.field ? i.fmt('import_error_line', e) : i.fmt('import_error_line_nofield', e);
		});
	}

	/* ---- the heat map ---- */

	/* A level 0..5 of v against the week's max (0: nobody). */
	function heatLevel(v, max) {
		if (!(v > 0) || !(max > 0))
			return 0;
		return Math.max(1, Math.min(5, Math.ceil(5 * v / max)));
	}

	return {
		DAYS: DAYS, parseSchedule: parseSchedule, formatSchedule: formatSchedule,
		weekMinutes: weekMinutes, hhmm: hhmm, parseHHMM: parseHHMM, sortByName: sortByName,
		memberLabel: memberLabel, errorText: errorText, problemText: problemText,
		stepNext: stepNext, enrolBody: enrolBody, enrolErrorText: enrolErrorText,
		enrolledText: enrolledText, when: when, duration: duration, number: number, isoDate: isoDate,
		query: query, importLines: importLines, importErrors: importErrors, heatLevel: heatLevel
	};
}));
