// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil console, Groups: each group's week as the door opens it (drawn
 * from the schedule parsed as core/access.c reads it: "Sat-Sun
 * 10:00-18:00" is both days), and the schedule editor: days and times,
 * with the week it gives drawn as it is edited, saved as the text the
 * server takes.
 */
(function (root) {
	'use strict';
	var U = root.SeuilUI;

	/* The week grid of windows: 7 days across, 24 hours down; a cell is
	 * "on" when the whole hour is open, "part" when some of it is. */
	function weekGrid(ctx, windows) {
		var grid = U.el('div', null, 'week'), mins = ctx.M.weekMinutes(windows), d, h, c;

		grid.appendChild(U.el('div', ''));
		ctx.M.DAYS.forEach(function (day) { grid.appendChild(U.el('div', ctx.i.t('wd_' + day), 'head')); });
		for (h = 0; h < 24; h++) {
			grid.appendChild(U.el('div', String(h).padStart(2, '0'), 'hour'));
			for (d = 0; d < 7; d++) {
				c = U.el('div', '', mins[d][h] === 60 ? 'on' : mins[d][h] > 0 ? 'part' : '');
				c.dataset.day = ctx.M.DAYS[d];
				c.dataset.hour = h;
				grid.appendChild(c);
			}
		}
		return grid;
	}

	/* The editor of one group's schedule. */
	function editor(ctx, sec) {
		var i = ctx.i, form = U.el('form', null, 'card'), rows = U.el('div', null, 'ranges');
		var always = U.input('always', 'checkbox'), text = U.el('p', '', 'schedule-text');
		var preview = U.el('div', null, 'preview'), msg = U.el('p', '', 'msg'), name = U.input('group');
		var windows = [];

		form.id = 'group-form';
		msg.id = 'group-msg';
		name.required = true;
		function redraw() {
			var sched = always.checked ? [] : windows;

			rows.hidden = always.checked;
			text.textContent = i.t('door_will') + ' ' + (sched.length ?
			    ctx.M.formatSchedule(sched) : i.t('always'));
			U.clear(preview).appendChild(weekGrid(ctx, sched));
		}
		function drawRows() {
			U.clear(rows);
			windows.forEach(function (w, k) {
				var r = U.el('div', null, 'range'), days = U.el('div', null, 'days');
				var s = U.input('start', 'time', ctx.M.hhmm(w.start));
				var e = U.input('end', 'time', w.end === 1440 ? '00:00' : ctx.M.hhmm(w.end));

				ctx.M.DAYS.forEach(function (day, d) {
					var cb = U.input('day', 'checkbox'), l = U.el('label', null, 'chip');

					cb.value = day;
					cb.checked = w.days[d];
					cb.onchange = function () { w.days[d] = cb.checked; redraw(); };
					U.add(l, cb, ' ', U.el('span', i.t('wd_' + day)));
					days.appendChild(l);
				});
				s.onchange = function () {
					var v = ctx.M.parseHHMM(s.value, false);

					if (v >= 0)
						w.start = v;
					redraw();
				};
				e.onchange = function () {
					var v = ctx.M.parseHHMM(e.value, false);

					/* 00:00 as an end is midnight: the end of the day. */
					if (v >= 0)
						w.end = v === 0 ? 1440 : v;
					redraw();
				};
				U.add(r, days, U.label(i.t('start'), s), U.label(i.t('end'), e),
				    U.button(i.t('remove'), function () {
					windows.splice(k, 1);
					drawRows();
					redraw();
				}, 'small secondary'));
				rows.appendChild(r);
			});
		}
		always.onchange = redraw;
		U.add(form, U.el('h2', i.t('group_schedule')), U.label(i.t('group'), name),
		    U.label(i.t('always_open'), always, 'check'), rows,
		    U.button(i.t('add_range'), function () {
			windows.push({ days: [true, true, true, true, true, false, false], start: 480,
			    end: 1140 });
			always.checked = false;
			drawRows();
			redraw();
		}, 'secondary add-range'), text, preview, U.el('button', i.t('save'), 'save'), msg);
		form.onsubmit = function (ev) {
			var sched = always.checked ? [] : windows, g = name.value.trim();

			ev.preventDefault();
			if (sched.some(function (w) { return !w.days.some(Boolean); })) {
				U.msg(msg, i.t('no_days'));
				return;
			}
			ctx.api.get('/groups').then(function (groups) {
				if (groups.some(function (x) { return x.name === g; }))
					return null;
				return ctx.api.post('/groups', { name: g });
			}).then(function () {
				return ctx.api.put('/groups/' + encodeURIComponent(g) + '/schedule',
				    { schedule: ctx.M.formatSchedule(sched) });
			}).then(function () {
				U.msg(msg, i.t('saved'), true);
				return load(ctx, sec);
			}).catch(function (err) { ctx.fail(err, msg); });
		};
		form.edit = function (g) {
			var p = ctx.M.parseSchedule(g.schedule);

			name.value = g.name;
			windows = p.windows.map(function (w) { return { days: w.days, start: w.start, end: w.end }; });
			always.checked = !windows.length;
			drawRows();
			redraw();
			form.scrollIntoView();
		};
		redraw();
		return form;
	}

	function init(ctx, sec) {
		sec.appendChild(U.add(U.el('div', null, 'card'), U.el('h2', ctx.i.t('week')),
		    U.el('div', null, 'weeks')));
		sec.querySelector('.weeks').id = 'week';
		sec.appendChild(editor(ctx, sec));
	}

	async function load(ctx, sec) {
		var box = U.clear(sec.querySelector('#week')), groups = await ctx.api.get('/groups');

		ctx.M.sortByName(groups, ctx.i.lang).forEach(function (g) {
			var head = U.el('h3', g.name + ' — ' + (g.schedule || ctx.i.t('always'))), fig;

			fig = U.el('div', null, 'group-week');
			fig.dataset.group = g.name;
			U.add(head, ' ', U.button(ctx.i.t('edit'), function () {
				sec.querySelector('#group-form').edit(g);
			}, 'small secondary'));
			U.add(fig, head, weekGrid(ctx, ctx.M.parseSchedule(g.schedule).windows));
			box.appendChild(fig);
		});
	}

	root.SeuilViews = root.SeuilViews || {};
	root.SeuilViews.groups = { init: init, load: load };
}(typeof self !== 'undefined' ? self : this));
