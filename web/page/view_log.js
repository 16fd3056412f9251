// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil console, Log: the event log filtered by member, door, reader,
 * event, reason, who (staff) and period, newest first, a page of 100 at a
 * time back in time, and its CSV with the same filters.  Names, events
 * and reasons in the manager's language.
 */
(function (root) {
	'use strict';
	var U = root.SeuilUI;
	var TYPES = ['access_granted', 'access_denied', 'arrival', 'departure', 'door_open',
	    'door_closed', 'door_held_open', 'door_forced_open', 'exit_request', 'unlock_remote',
	    'reader_offline', 'reader_online', 'lockout', 'daemon_start', 'daemon_stop',
	    'badge_enrolled', 'store_error', 'admin_change', 'control_refused', 'console_login',
	    'console_login_failed'];
	var REASONS = ['locked_out', 'unknown_badge', 'credential_invalid', 'credential_required',
	    'badge_revoked', 'member_disabled',
	    'not_yet_valid', 'expired', 'clock_unsynced', 'outside_schedule', 'store_unavailable',
	    'badge_out', 'toggle', 'manual', 'timeout', 'day_end'];
	var PAGE = 100;

	function init(ctx, sec) {
		var i = ctx.i, form = U.el('form', null, 'card filters'), who = U.memberPicker(ctx, 'member');
		var list = U.el('div'), more, count = U.el('p', '', 'count'), csv = U.link(i.t('dl_csv'), '#');

		form.id = 'log-form';
		list.id = 'log-list';
		csv.id = 'log-csv';
		csv.download = 'seuil-log.csv';
		U.add(form, U.el('h2', i.t('filters')), U.label(i.t('member'), who.el),
		    U.label(i.t('col_door'), U.select('door', [['', i.t('any')]])),
		    U.label(i.t('col_reader'), U.select('reader', [['', i.t('any')]])),
		    U.label(i.t('event_type'), U.select('type', [['', i.t('any')]].concat(
		    TYPES.map(function (x) { return [x, i.word('ev_', x)]; })))),
		    U.label(i.t('reason'), U.select('reason', [['', i.t('any')]].concat(
		    REASONS.map(function (x) { return [x, i.word('x_', x)]; })))),
		    U.label(i.t('actor'), U.input('actor')),
		    U.label(i.t('from'), U.input('from', 'date')), U.label(i.t('to'), U.input('to', 'date')),
		    U.el('button', i.t('show')), ' ', csv);
		more = U.button(i.t('more'), function () { return page(ctx, sec, true); }, 'secondary more');
		U.add(sec, form, U.add(U.el('div', null, 'card'), count, list, more));
		form.onsubmit = function (ev) {
			ev.preventDefault();
			page(ctx, sec, false).catch(ctx.fail);
		};
		sec.picker = who;
		sec.events = [];
	}

	/* The filters of the form as the API takes them. */
	function filters(sec) {
		var f = sec.querySelector('#log-form');

		return { member: sec.picker.value(), door: f.door.value, reader: f.reader.value,
		    type: f.type.value, reason: f.reason.value, actor: f.actor.value.trim(),
		    from: f.from.value, to: f.to.value };
	}

	/* The first page (older: the next one back), drawn newest first. */
	async function page(ctx, sec, older) {
		var i = ctx.i, f = filters(sec), got, all;

		f.limit = PAGE;
		if (older && sec.events.length)
			f.before = sec.events[sec.events.length - 1].seq;
		got = await ctx.api.get('/log?' + ctx.M.query(f));
		all = (older ? sec.events : []).concat(got.slice().reverse());
		sec.events = all;
		delete f.limit;
		delete f.before;
		sec.querySelector('#log-csv').href = ctx.api.href('/log?' + ctx.M.query(Object.assign(f,
		    { format: 'csv' })));
		sec.querySelector('.count').textContent = all.length ? i.fmt('n_events',
		    { n: all.length }) : i.t('no_events');
		sec.querySelector('.more').hidden = got.length < PAGE;
		U.table(sec.querySelector('#log-list'), [i.t('time'), i.t('type'), i.t('col_door'),
		    i.t('col_reader'), i.t('member'), i.t('reason'), i.t('actor')], all.map(function (e) {
			return [ctx.M.when(e.ts, i), i.word('ev_', e.type), e.door || '', e.reader || '',
			    e.member_id && !e.member_erased ? U.link(ctx.memberOf(e), '#member/' + e.member_id) :
			    ctx.memberOf(e), i.word('x_', e.reason), e.actor || ''];
		})).forEach(function (tr, k) { tr.dataset.seq = all[k].seq; tr.dataset.type = all[k].type; });
	}

	async function load(ctx, sec) {
		var f = sec.querySelector('#log-form'), readers = await ctx.api.get('/readers');
		var doors = {}, keep = { door: f.door.value, reader: f.reader.value };

		readers.forEach(function (r) { if (r.door) doors[r.door] = true; });
		['door', 'reader'].forEach(function (k) {
			var values = k === 'door' ? Object.keys(doors) : readers.map(function (r) { return r.name; });

			U.clear(f[k]);
			[['', ctx.i.t('any')]].concat(values.map(function (v) { return [v, v]; }))
			    .forEach(function (o) {
				var opt = U.el('option', o[1]);

				opt.value = o[0];
				opt.selected = o[0] === keep[k];
				f[k].appendChild(opt);
			});
		});
		await page(ctx, sec, false);
	}

	root.SeuilViews = root.SeuilViews || {};
	root.SeuilViews.log = { init: init, load: load };
}(typeof self !== 'undefined' ? self : this));
