// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil console, Today: what is wrong now with the next step, who is here
 * (check out), the doors and readers (unlock), the last events.  Refreshed
 * every 2 s while shown.
 */
(function (root) {
	'use strict';
	var U = root.SeuilUI;

	function init(ctx, sec) {
		U.add(sec,
		    U.add(U.el('div', null, 'card problems'), U.el('h2', ctx.i.t('problems')),
		    U.el('ul', null, 'problem-list')),
		    U.add(U.el('div', null, 'grid'),
		    U.add(U.el('div', null, 'card'), U.el('h2', ctx.i.t('here')),
		    U.el('p', '', 'big count'), U.el('ul', null, 'people'), U.el('p', '', 'msg here-msg')),
		    U.add(U.el('div', null, 'card'), U.el('h2', ctx.i.t('doors')),
		    U.el('ul', null, 'doors'), U.el('p', '', 'msg door-msg'))),
		    ctx.me.role === 'admin' ? U.add(U.el('div', null, 'card events-card'),
		    U.el('h2', ctx.i.t('events')), U.el('div', null, 'events'),
		    U.link(ctx.i.t('all_events'), '#log')) : null);
		sec.querySelector('.people').id = 'people';
		sec.querySelector('.count').id = 'count';
		sec.querySelector('.doors').id = 'doors';
		sec.querySelector('.problem-list').id = 'problem-list';
		if (ctx.me.role === 'admin')
			sec.querySelector('.events').id = 'events';
	}

	function drawProblems(ctx, ul, list) {
		U.clear(ul);
		if (!list.length)
			ul.appendChild(U.el('li', ctx.i.t('no_problems'), 'ok'));
		list.forEach(function (p) {
			var w = ctx.M.problemText(ctx.i, p), li = U.el('li', null, 'problem ' + w.level);

			li.dataset.code = p.code;
			U.add(li, U.el('strong', w.text), w.next ? U.el('span', ctx.i.t('next_step') + w.next,
			    'next') : null);
			ul.appendChild(li);
		});
	}

	function drawPeople(ctx, sec, who) {
		var ul = U.clear(sec.querySelector('#people')), m = sec.querySelector('.here-msg');

		sec.querySelector('#count').textContent = who.count;
		if (!who.people.length)
			ul.appendChild(U.el('li', ctx.i.t('nobody')));
		ctx.M.sortByName(who.people, ctx.i.lang, function (p) { return p.display_name || p.name; })
		    .forEach(function (p) {
			var li = U.el('li'), name = U.link(p.display_name || p.name, '#member/' + p.member_id);

			U.add(li, name, ' — ' + ctx.i.t('since') + ' ' + ctx.M.when(p.since, ctx.i) +
			    (p.door ? ' (' + p.door + ')' : '') + ' ',
			    U.button(ctx.i.t('checkout_go'), async function () {
				var r = await ctx.api.post('/checkout', { member: p.member_id });

				U.msg(m, r.was_present ? ctx.i.t('checked_out') : ctx.i.t('not_present'), true);
				await load(ctx, sec, undefined, true);
			}, 'small', function (err) { ctx.fail(err, m); }));
			ul.appendChild(li);
		});
	}

	function drawDoors(ctx, sec, s) {
		var ul = U.clear(sec.querySelector('#doors')), m = sec.querySelector('.door-msg');

		(s.doors || []).forEach(function (d) {
			U.add(ul, U.add(U.el('li'), d.name + ': ' + ctx.i.word('s_', d.state) + ' ',
			    U.button(ctx.i.t('unlock'), async function () {
				var r = await ctx.api.post('/door/unlock', { door: d.name });

				U.msg(m, ctx.i.fmt('unlocked', r), true);
			}, 'small', function (err) { ctx.fail(err, m); })));
		});
		(s.readers || []).forEach(function (r) {
			ul.appendChild(U.el('li', r.name + ': ' + (r.online ? ctx.i.t('online') :
			    ctx.i.t('offline')) + (r.locked_out ? ' (' + ctx.i.t('locked_out_short') + ')' : ''),
			    r.online && !r.locked_out ? 'ok' : 'bad'));
		});
	}

	function drawEvents(ctx, sec, evs) {
		var i = ctx.i;

		U.table(sec.querySelector('#events'), [i.t('time'), i.t('type'), i.t('col_door'),
		    i.t('member'), i.t('reason')], evs.slice().reverse().map(function (e) {
			return [ctx.M.when(e.ts, i), i.word('ev_', e.type), e.door || '', ctx.memberOf(e),
			    i.word('x_', e.reason)];
		}));
	}

	/* Refreshed every 2 s, but problems every 10 s: finding whom the
	 * clock refuses reads every member. */
	var PROBLEMS_MS = 10000;

	async function load(ctx, sec, arg, refresh) {
		var s = null, results, problems = !refresh || !(Date.now() - sec.problemsAt < PROBLEMS_MS);

		results = await Promise.all([
			problems ? ctx.api.get('/problems') : null,
			ctx.api.get('/who'),
			ctx.api.get('/status').catch(function (err) {
				/* seuild down is a problem Today lists already. */
				if (err.code !== 'seuild_down')
					throw err;
				return null;
			}),
			ctx.me.role === 'admin' ? ctx.api.get('/log?limit=10') : null
		]);
		if (results[0]) {
			sec.problemsAt = Date.now();
			drawProblems(ctx, sec.querySelector('#problem-list'), results[0].problems);
		}
		drawPeople(ctx, sec, results[1]);
		s = results[2];
		if (s)
			drawDoors(ctx, sec, s);
		else
			U.clear(sec.querySelector('#doors'));
		if (results[3])
			drawEvents(ctx, sec, results[3]);
	}

	root.SeuilViews = root.SeuilViews || {};
	root.SeuilViews.today = { desk: true, init: init, load: load, refresh: 2000 };
}(typeof self !== 'undefined' ? self : this));
