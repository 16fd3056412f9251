// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil console, Why not?: core/explain.c's explanation, the door's own
 * decision, rule by rule in the manager's language, each failing rule with
 * what to do about it.  #explain/ID explains member ID at once.
 */
(function (root) {
	'use strict';
	var U = root.SeuilUI;
	var MARK = { true: '✔', false: '✘', null: '?' };

	/* A step in the page's language, from its code and args (the English
	 * detail only for a code this page does not know: a newer seuil-web). */
	function stepText(i, r) {
		var a;

		if (!i.known('c_', r.code))
			return r.detail;
		a = Object.assign({}, r.args);
		if (r.code === 'schedule_allows' || r.code === 'schedule_forbids')
			a.weekday = i.word('wd_', a.weekday);
		if (r.code === 'clock_unsynced_members_only')
			a.member = i.word('m_', a.member);
		if (r.code === 'lockout_readers')
			a.readers = i.fmt((a.readers || []).length > 1 ? 'reader_many' : 'reader_one',
			    { names: (a.readers || []).join(', ') });
		return i.fmt('c_' + r.code, a) + (r.args && r.args.erased ? i.t('c_erased') : '');
	}

	function ruleItem(ctx, r) {
		var i = ctx.i, li = U.el('li', null, r.pass === true ? 'ok' : r.pass === false ? 'bad' :
		    'unknown'), next = ctx.M.stepNext(i, r);

		li.dataset.rule = r.rule;
		li.dataset.code = r.code || '';
		U.add(li, U.el('span', MARK[r.pass], 'mark'), U.el('strong', i.t('r_' + r.rule)),
		    U.el('span', stepText(i, r), 'detail'));
		if (next)
			li.appendChild(U.el('span', i.t('next_step') + next, 'next'));
		return li;
	}

	function subjectText(i, x) {
		return i.known('subj_', x.subject_code) ? i.fmt('subj_' + x.subject_code, x.subject_args) :
		    x.subject;
	}

	function draw(ctx, out, x) {
		var i = ctx.i, rules = U.el('ol', null, 'rules');

		out.appendChild(U.el('p', subjectText(i, x) + ' — ' + x.local_time + ' ' +
		    i.word('wd_', x.weekday) + ' (' + x.timezone + ')', 'subject'));
		x.rules.forEach(function (r) {
			if (r.rule !== 'lockout')
				rules.appendChild(ruleItem(ctx, r));
		});
		x.groups.forEach(function (g) {
			U.add(rules, U.add(U.el('li', null, 'group'), U.el('span', '', 'mark'),
			    U.el('strong', i.t('group') + ' ' + g.name),
			    U.el('span', (g.schedule === 'always' ? i.t('always') : g.schedule) + ' — ' +
			    (g.allows_now ? i.t('allows_now') : i.t('not_now')), 'detail')));
		});
		x.rules.forEach(function (r) {
			if (r.rule === 'lockout')
				rules.appendChild(ruleItem(ctx, r));
		});
		out.appendChild(rules);
		x.badges.forEach(function (b) {
			var box = U.el('div', null, 'badge-explain'), ol = U.el('ol', null, 'rules');

			box.appendChild(U.el('h3', b.id !== null && b.id !== undefined ?
			    i.fmt('badge_head', b) + (b.label ? ' “' + b.label + '”' : '') : i.t('no_badge')));
			b.rules.forEach(function (r) { ol.appendChild(ruleItem(ctx, r)); });
			b.decisions.forEach(function (d) {
				var li = U.el('li', null, 'verdict ' + (d.decision === 'granted' ? 'ok' : 'bad'));

				li.dataset.reader = d.reader;
				li.dataset.reason = d.reason;
				U.add(li, U.el('span', d.decision === 'granted' ? '✔' : '✘', 'mark'),
				    U.el('strong', i.t('door') + ' ' + d.door + ', ' + i.t('reader_l') + ' ' +
				    d.reader), U.el('span', (d.decision === 'granted' ? i.t('granted') :
				    i.t('denied') + ' (' + i.word('x_', d.reason) + ')') + (d.locked_out ? ' — ' +
				    i.t('locked_out') : ''), 'detail'));
				ol.appendChild(li);
			});
			box.appendChild(ol);
			out.appendChild(box);
		});
	}

	function init(ctx, sec) {
		var form = U.el('form', null, 'card'), who = U.memberPicker(ctx, 'member');
		var out = U.el('div');

		form.id = 'explain-form';
		out.id = 'explain-out';
		U.add(form, U.el('h2', ctx.i.t('whynot')), U.label(ctx.i.t('member'), who.el),
		    U.el('button', ctx.i.t('explain')), out);
		form.onsubmit = function (ev) {
			ev.preventDefault();
			explain(ctx, out, who.value()).catch(function (err) {
				U.clear(out).appendChild(U.el('p', ctx.M.errorText(ctx.i, err), 'bad'));
			});
		};
		sec.appendChild(form);
		sec.picker = who;
	}

	async function explain(ctx, out, member) {
		var x = await ctx.api.get('/explain?' + ctx.M.query({ member: member }));

		draw(ctx, U.clear(out), x);
	}

	async function load(ctx, sec, arg) {
		if (arg)
			await explain(ctx, sec.querySelector('#explain-out'), arg);
	}

	root.SeuilViews = root.SeuilViews || {};
	root.SeuilViews.explain = { init: init, load: load };
}(typeof self !== 'undefined' ? self : this));
