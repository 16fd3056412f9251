// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil console, Attendance and Insight.  Attendance: the report of a
 * period with its heading, totals, a chart of hours per member and the
 * table, names sorted as people read them.  Insight: busy hours as a heat
 * map, each member's figures with the trend, who is drifting away, the
 * monthly retention.  Every download link carries the period of the
 * figures shown: it is set from the answer, not from the form.
 */
(function (root) {
	'use strict';
	var U = root.SeuilUI, SVG = 'http://www.w3.org/2000/svg';

	function svg(tag, attrs, text) {
		var e = document.createElementNS(SVG, tag), k;

		for (k in attrs)
			e.setAttribute(k, attrs[k]);
		if (text !== undefined)
			e.textContent = text;
		return e;
	}

	function periodForm(ctx, id, withBy, onShow) {
		var i = ctx.i, f = U.el('form', null, 'card period');

		f.id = id;
		U.add(f, U.label(i.t('from'), U.input('from', 'date')), U.label(i.t('to'), U.input('to', 'date')),
		    withBy ? U.label(i.t('by'), U.select('by', [['day', i.t('day')], ['week', i.t('week_p')],
		    ['month', i.t('month')]], 'week')) : null, U.el('button', i.t('show')));
		f.onsubmit = function (ev) {
			ev.preventDefault();
			onShow().catch(ctx.fail);
		};
		return f;
	}

	/* ---- attendance ---- */

	function initAttendance(ctx, sec) {
		var i = ctx.i, card = U.el('div', null, 'card'), links = U.el('p', null, 'downloads');

		sec.appendChild(periodForm(ctx, 'report-form', true, function () {
			return loadAttendance(ctx, sec);
		}));
		['csv', 'json', 'html'].forEach(function (f) {
			var a = U.link(i.t('dl_' + f), '#');

			a.id = 'dl-' + f;
			U.add(links, a, ' ');
		});
		U.add(card, U.el('h2', '', 'report-head'), U.el('p', '', 'totals'), links,
		    U.el('div', null, 'chart'), U.el('div', null, 'report'));
		sec.appendChild(card);
		card.querySelector('.chart').id = 'chart';
		card.querySelector('.report').id = 'report';
	}

	function drawChart(ctx, box, per) {
		var names = ctx.M.sortByName(Object.keys(per), ctx.i.lang, function (n) { return n; });
		var max = Math.max.apply(null, [1].concat(names.map(function (n) { return per[n]; })));
		var s = svg('svg', { viewBox: '0 0 400 ' + (names.length * 18 + 4), width: '100%',
		    role: 'img' });

		names.forEach(function (n, k) {
			s.appendChild(svg('rect', { class: 'bar', x: 150, y: k * 18 + 2, height: 14,
			    width: Math.max(1, 240 * per[n] / max) }));
			s.appendChild(svg('text', { x: 0, y: k * 18 + 13 }, n + ' (' +
			    ctx.M.number(per[n], ctx.i) + ' h)'));
		});
		U.clear(box).appendChild(s);
	}

	async function loadAttendance(ctx, sec) {
		var i = ctx.i, f = sec.querySelector('#report-form'), r, per = {}, q, rows, members = {};
		var days = 0, visits = 0, hours = 0;

		r = await ctx.api.get('/report/attendance?' + ctx.M.query({ from: f.from.value, to: f.to.value,
		    by: f.by.value, format: 'json' }));
		/* The period shown, into the form and every link. */
		f.from.value = r.from;
		f.to.value = r.to;
		q = ctx.M.query({ from: r.from, to: r.to, by: r.by });
		['csv', 'json', 'html'].forEach(function (x) {
			var a = sec.querySelector('#dl-' + x);

			a.href = ctx.api.href('/report/attendance?' + q + '&format=' + x);
			a.download = 'attendance-' + r.from + '-' + r.to + '.' + x;
		});
		sec.querySelector('.report-head').textContent = i.fmt('report_head', { from: r.from, to: r.to,
		    by: i.t(r.by === 'week' ? 'week_p' : r.by) });
		r.rows.forEach(function (x) {
			per[x.member] = (per[x.member] || 0) + x.hours;
			members[x.member_id] = true;
			days += x.days_present;
			visits += x.visits;
			hours += x.hours;
		});
		sec.querySelector('.totals').textContent = i.fmt('totals', { members: Object.keys(members).length,
		    days: days, visits: visits, hours: ctx.M.number(hours, i) });
		drawChart(ctx, sec.querySelector('#chart'), per);
		rows = r.rows.slice().sort(function (a, b) { return a.period < b.period ? -1 : a.period > b.period; });
		rows = [].concat.apply([], groupBy(rows, 'period').map(function (g) {
			return ctx.M.sortByName(g, i.lang, function (x) { return x.member; });
		}));
		U.table(sec.querySelector('#report'), [i.t('period'), i.t('member'), i.t('days'),
		    i.t('visits'), i.t('hours'), i.t('first_seen'), i.t('last_seen')], rows.map(function (x) {
			return [x.period, U.link(x.member, '#member/' + x.member_id), x.days_present, x.visits,
			    ctx.M.number(x.hours, i), x.first_seen, x.last_seen];
		}));
	}

	function groupBy(list, key) {
		var out = [], cur = null;

		list.forEach(function (x) {
			if (!cur || cur[0][key] !== x[key])
				out.push(cur = []);
			cur.push(x);
		});
		return out;
	}

	/* ---- insight ---- */

	function initInsight(ctx, sec) {
		var i = ctx.i;

		sec.appendChild(periodForm(ctx, 'insight-form', false, function () {
			return loadInsight(ctx, sec);
		}));
		U.add(sec, U.el('p', '', 'insight-head'),
		    U.add(U.el('div', null, 'card'), U.el('h2', i.t('heat')), U.el('div', null, 'heat'),
		    U.el('p', i.t('heat_legend'), 'legend'), U.link(i.t('dl_csv'), '#', null)),
		    U.add(U.el('div', null, 'card'), U.el('h2', i.t('members')), U.el('p', '', 'totals'),
		    U.el('div', null, 'insight-members'), U.link(i.t('dl_csv'), '#', null)),
		    U.add(U.el('div', null, 'card'), U.el('h2', i.t('drifting')), U.el('ul', null, 'drift'),
		    U.link(i.t('dl_csv'), '#', null)),
		    U.add(U.el('div', null, 'card'), U.el('h2', i.t('retention')), U.el('div', null, 'retention'),
		    U.link(i.t('dl_csv'), '#', null)));
		['heat', 'insight-members', 'drift', 'retention'].forEach(function (c) {
			sec.querySelector('.' + c).id = c;
		});
		Array.prototype.forEach.call(sec.querySelectorAll('.card > a'), function (a, k) {
			a.id = 'dl-' + ['presence-hours', 'members', 'drifting', 'retention'][k];
		});
	}

	function heatMap(ctx, box, doc) {
		var i = ctx.i, s = svg('svg', { viewBox: '0 0 330 500', width: '100%', role: 'img' });

		ctx.M.DAYS.forEach(function (d, k) {
			s.appendChild(svg('text', { x: 40 + k * 40 + 20, y: 12, 'text-anchor': 'middle' },
			    i.t('wd_' + d)));
		});
		doc.cells.forEach(function (c, k) {
			var d = Math.floor(k / 24), h = k % 24, lvl = ctx.M.heatLevel(c.average, doc.max_average);
			var r = svg('rect', { x: 40 + d * 40, y: 18 + h * 20, width: 38, height: 18,
			    class: 'heat' + lvl });

			r.appendChild(svg('title', {}, i.t('wd_' + c.day) + ' ' + String(h).padStart(2, '0') +
			    ':00 — ' + ctx.M.number(c.average, i)));
			r.dataset.day = c.day;
			r.dataset.hour = h;
			r.dataset.average = c.average;
			s.appendChild(r);
			if (d === 0)
				s.appendChild(svg('text', { x: 0, y: 18 + h * 20 + 13 },
				    String(h).padStart(2, '0') + ':00'));
		});
		U.clear(box).appendChild(s);
	}

	function setLink(ctx, sec, kind, doc) {
		var a = sec.querySelector('#dl-' + kind), p = kind === 'drifting' ? { to: doc.to } :
		    { from: doc.from, to: doc.to };

		if (kind === 'retention')	/* its period is months: a day of each */
			p = { from: doc.from + '-01', to: doc.to + '-01' };
		a.href = ctx.api.href('/report/' + kind + '?' + ctx.M.query(Object.assign(p, { format: 'csv' })));
	}

	async function loadInsight(ctx, sec) {
		var i = ctx.i, f = sec.querySelector('#insight-form'), p = { from: f.from.value, to: f.to.value };
		var hours, members, drift, ret, arrows = { up: '↑', down: '↓', same: '→' };

		[hours, members, drift, ret] = await Promise.all([
			ctx.api.get('/report/presence-hours?' + ctx.M.query(p)),
			ctx.api.get('/report/members?' + ctx.M.query(p)),
			ctx.api.get('/report/drifting?' + ctx.M.query({ to: p.to })),
			ctx.api.get('/report/retention?' + ctx.M.query(p))
		]);
		f.from.value = members.from;
		f.to.value = members.to;
		sec.querySelector('.insight-head').textContent = i.fmt('insight_head', members);
		heatMap(ctx, sec.querySelector('#heat'), hours);
		sec.querySelector('.totals').textContent = i.fmt('totals', Object.assign({},
		    members.totals, { hours: ctx.M.number(members.totals.hours, i) }));
		U.table(sec.querySelector('#insight-members'), [i.t('member'), i.t('days'), i.t('visits'),
		    i.t('hours'), i.t('first_half'), i.t('second_half'), i.t('trend')],
		    ctx.M.sortByName(members.rows, i.lang, function (r) { return r.member; }).map(function (r) {
			return [U.link(r.member, '#member/' + r.member_id), r.days, r.visits,
			    ctx.M.number(r.hours, i), ctx.M.number(r.hours_first_half, i),
			    ctx.M.number(r.hours_second_half, i), arrows[r.trend] + ' ' + i.t('t_' + r.trend)];
		}));
		U.clear(sec.querySelector('#drift'));
		if (!drift.rows.length)
			sec.querySelector('#drift').appendChild(U.el('li', i.t('drifting_none')));
		drift.rows.forEach(function (r) {
			sec.querySelector('#drift').appendChild(U.el('li', i.fmt('drift_line', Object.assign({}, r,
			    { per_week_recent: ctx.M.number(r.per_week_recent, i),
			    per_week_before: ctx.M.number(r.per_week_before, i) }))));
		});
		U.table(sec.querySelector('#retention'), [i.t('ret_month'), i.t('ret_before'), i.t('ret_kept'),
		    i.t('ret_share')], ret.rows.map(function (r) {
			return [r.month, r.members_before, r.retained, r.share === null ? '—' :
			    Math.round(r.share * 100) + ' %'];
		}));
		setLink(ctx, sec, 'presence-hours', hours);
		setLink(ctx, sec, 'members', members);
		setLink(ctx, sec, 'drifting', drift);
		setLink(ctx, sec, 'retention', ret);
	}

	root.SeuilViews = root.SeuilViews || {};
	root.SeuilViews.attendance = { init: initAttendance, load: loadAttendance };
	root.SeuilViews.insight = { init: initInsight, load: loadInsight };
}(typeof self !== 'undefined' ? self : this));
