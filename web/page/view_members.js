// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil console, Members: the list (found by part of a name, any case and
 * accents: the server's fold), a member added with their groups, and a
 * member's page (#member/ID): every field edited, their badges, where and
 * when they were last let in or refused, their attendance, Why not?,
 * export, disable and erase.  The desk role gets a card: name, here now,
 * enrol a badge, check out.  An enrolment may ask for a secure card
 * (DESFire): unticked, as the page cannot tell what the readers take.
 */
(function (root) {
	'use strict';
	var U = root.SeuilUI;

	/* ---- the list ---- */

	function initList(ctx, sec) {
		var search = U.input('q', 'search'), form = U.el('form', null, 'card'), m;
		var groups = U.groupPicker(ctx, []);

		search.id = 'search';
		search.placeholder = ctx.i.t('search_member');
		U.add(sec, U.add(U.el('div', null, 'card'), search, U.el('div', null, 'member-list')));
		sec.querySelector('.member-list').id = 'member-list';
		form.id = 'member-form';
		m = U.el('p', '', 'msg');
		m.id = 'member-msg';
		U.add(form, U.el('h2', ctx.i.t('add_member')),
		    U.label(ctx.i.t('name'), U.input('name')),
		    U.label(ctx.i.t('display'), U.input('display_name')),
		    U.label(ctx.i.t('email'), U.input('email', 'email')), groups.el,
		    U.label(ctx.i.t('valid_from_l'), U.input('valid_from', 'date')),
		    U.label(ctx.i.t('valid_until_l'), U.input('valid_until', 'date')),
		    U.label(ctx.i.t('public'), U.input('public', 'checkbox'), 'check'),
		    U.el('button', ctx.i.t('add')), m);
		form.name.required = true;
		sec.appendChild(form);
		form.onsubmit = function (ev) {
			var body = { name: form.name.value, public: form.public.checked, groups: groups.value() };

			ev.preventDefault();
			['display_name', 'email', 'valid_from', 'valid_until'].forEach(function (k) {
				if (form[k].value)
					body[k] = form[k].value;
			});
			ctx.api.post('/members', body).then(function (r) {
				U.msg(m, ctx.i.fmt('added_id', { name: body.name, id: r.id }), true);
				form.reset();
				return loadList(ctx, sec);
			}).catch(function (err) { ctx.fail(err, m); });
		};
		search.oninput = function () {
			clearTimeout(search.timer);
			search.timer = setTimeout(function () {
				loadList(ctx, sec).catch(ctx.fail);
			}, 150);
		};
		sec.groups = groups;
	}

	async function loadList(ctx, sec) {
		var q = sec.querySelector('#search').value.trim(), i = ctx.i, list, rows;

		list = await ctx.api.get('/members' + (q ? '?' + ctx.M.query({ q: q }) : ''));
		await sec.groups.load();
		list = ctx.M.sortByName(list, i.lang);
		rows = U.table(sec.querySelector('#member-list'), [i.t('name'), i.t('display'),
		    i.t('email'), i.t('groups_l'), i.t('status'), ''], list.map(function (m) {
			return [U.link(m.name, '#member/' + m.id), m.display_name, m.email,
			    (m.groups || []).join(', '), i.t(m.erased ? 'erased_s' : m.status === 'active' ?
			    'active' : 'disabled_s'), U.link(i.t('open_member'), '#member/' + m.id)];
		}));
		rows.forEach(function (tr, k) {
			tr.dataset.id = list[k].id;
			if (list[k].status !== 'active')
				tr.classList.add('bad');
		});
		if (!list.length)
			sec.querySelector('#member-list').appendChild(U.el('p', i.t('no_match')));
	}

	/* ---- a member ---- */

	function initMember(ctx, sec) {
		sec.appendChild(U.link('← ' + ctx.i.t('back_to_members'), ctx.me.role === 'admin' ?
		    '#members' : '#badges', null));
		sec.appendChild(U.el('div', null, 'member-page'));
	}

	function detailsForm(ctx, m, onSaved) {
		var i = ctx.i, form = U.el('form', null, 'card'), msg = U.el('p', '', 'msg');
		var groups = U.groupPicker(ctx, m.groups);

		form.id = 'member-edit';
		U.add(form, U.el('h2', i.t('details')),
		    U.label(i.t('name'), U.input('name', 'text', m.name)),
		    U.label(i.t('display'), U.input('display_name', 'text', m.display_name)),
		    U.label(i.t('email'), U.input('email', 'email', m.email)), groups.el,
		    U.label(i.t('valid_from_l'), U.input('valid_from', 'date', m.valid_from)),
		    U.label(i.t('valid_until_l'), U.input('valid_until', 'date', m.valid_until)),
		    U.label(i.t('public'), U.input('public', 'checkbox'), 'check'),
		    U.el('button', i.t('save')), msg);
		form.public.checked = m.public;
		form.onsubmit = function (ev) {
			ev.preventDefault();
			ctx.api.patch('/members/' + m.id, {
				name: form.name.value, display_name: form.display_name.value || null,
				email: form.email.value || null, valid_from: form.valid_from.value || null,
				valid_until: form.valid_until.value || null, public: form.public.checked,
				groups: groups.value()
			}).then(function (after) {
				U.msg(msg, i.t('saved'), true);
				onSaved(after);
			}).catch(function (err) { ctx.fail(err, msg); });
		};
		return { el: form, load: groups.load };
	}

	function badgesCard(ctx, m, readers, reload) {
		var i = ctx.i, card = U.el('div', null, 'card badges-card'), msg = U.el('p', '', 'msg');
		var list = U.el('div'), sel, uid = U.input('uid'), heads;
		var secureBox = U.input('secure', 'checkbox'), secure = false;	/* as asked */

		heads = [i.t('id'), i.t('hint'), i.t('label'), i.t('status'), i.t('last_seen'), ''];
		U.add(card, U.el('h2', i.t('badges_of')), list);
		U.table(list, heads, (m.badges || []).map(function (b) {
			return [b.id, b.hint, b.label || '', i.word('b_', b.status) +
			    (b.kind === undefined ? '' : ' · ' + i.t(b.kind === 'desfire' ? 'secure' :
			    'not_secure')),
			    ctx.M.when(b.last_seen, i) || i.t('never'), b.status === 'active' ?
			    U.button(i.t('revoke'), async function () {
				await ctx.api.post('/badges/' + b.id + '/revoke', {});
				await reload();
			}, 'small danger', function (err) { ctx.fail(err, msg); }) : ''];
		}));
		sel = U.select('reader', readers.filter(function (r) { return r.enrol; })
		    .map(function (r) { return [r.name, r.name]; }));
		U.add(card, U.add(U.el('div', null, 'row enrol-row'), sel, ' ',
		    U.label(i.t('secure_card'), secureBox, 'check'), ' ',
		    U.button(i.t('enrol_another'), async function () {
			var r;

			secure = secureBox.checked;
			U.msg(msg, i.t(secure ? 'tap_secure' : 'tap_now'), true);
			r = await ctx.api.post('/enrol', ctx.M.enrolBody(m.id, sel.value, secure));
			U.msg(msg, ctx.M.enrolledText(i, r), true);
			await reload();
		}, null, function (err) { ctx.failEnrol(err, msg, secure); })));
		if (ctx.me.role === 'admin') {
			uid.placeholder = i.t('uid');
			U.add(card, U.add(U.el('div', null, 'row'), uid, ' ',
			    U.button(i.t('add_uid'), async function () {
				await ctx.api.post('/badges', { member: m.id, uid: uid.value });
				uid.value = '';
				await reload();
			}, 'secondary', function (err) { ctx.fail(err, msg); })));
		}
		card.appendChild(msg);
		return card;
	}

	function activityCard(ctx, m, here, weeks) {
		var i = ctx.i, card = U.el('div', null, 'card activity'), dl = U.el('dl');
		var le = m.last_entry, lr = m.last_refusal, tableBox = U.el('div');

		U.add(card, U.el('h2', i.t('activity')), U.el('p', here ? i.fmt('here_since',
		    { since: ctx.M.when(here.since, i), door: here.door }) : i.t('not_here'),
		    here ? 'ok here-now' : 'here-now'));
		U.add(dl, U.el('dt', i.t('last_entry')), U.el('dd', le ? ctx.M.when(le.ts, i) + ' — ' +
		    [le.door, le.reader].filter(Boolean).join(', ') : i.t('never'), 'last-entry'));
		U.add(dl, U.el('dt', i.t('last_refusal')), U.add(U.el('dd', null, 'last-refusal'),
		    lr ? ctx.M.when(lr.ts, i) + ' — ' + i.word('x_', lr.reason) + ' (' +
		    [lr.door, lr.reader].filter(Boolean).join(', ') + ') ' : i.t('never'),
		    lr ? U.link(i.t('whynot'), '#explain/' + m.id) : null));
		card.appendChild(dl);
		if (weeks) {
			U.add(card, U.el('h3', i.t('weeks_12')), tableBox);
			U.table(tableBox, [i.t('week'), i.t('days'), i.t('visits'), i.t('hours')],
			    weeks.rows.map(function (r) {
				return [r.period, r.days_present, r.visits, ctx.M.number(r.hours, i)];
			}));
		}
		return card;
	}

	function actionsCard(ctx, m, reload) {
		var i = ctx.i, card = U.el('div', null, 'card actions'), msg = U.el('p', '', 'msg');
		var confirm = U.input('confirm'), eraseBox = U.el('div', null, 'erase-box');

		U.add(card, U.link(i.t('whynot'), '#explain/' + m.id), ' ',
		    U.link(i.t('export'), ctx.api.href('/members/' + m.id + '/export'), 'member-' + m.id +
		    '.json'), ' ',
		    U.button(m.status === 'active' ? i.t('disable') : i.t('enable'), async function () {
			await ctx.api.post('/members/' + m.id + '/' + (m.status === 'active' ? 'disable' :
			    'enable'), {});
			await reload();
		}, 'secondary', function (err) { ctx.fail(err, msg); }));
		confirm.placeholder = m.name;
		U.add(eraseBox, U.el('p', i.t('erase_confirm')), confirm, ' ',
		    U.button(i.t('erase_go'), async function () {
			await ctx.api.post('/members/' + m.id + '/erase', { confirm: confirm.value });
			U.msg(msg, i.t('erased'), true);
			ctx.go('#members');
		}, 'danger', function (err) { ctx.fail(err, msg); }));
		if (!m.erased)
			card.appendChild(eraseBox);
		card.appendChild(msg);
		return card;
	}

	/* The 12 weeks before today, by week (the attendance report's). */
	function weeksQuery(ctx, id) {
		var to = new Date(), from = new Date(to.getTime() - 83 * 86400000);

		return '/report/attendance?' + ctx.M.query({ from: ctx.M.isoDate(from),
		    to: ctx.M.isoDate(to), by: 'week', member: id, format: 'json' });
	}

	async function loadMember(ctx, sec, id) {
		var page = U.clear(sec.querySelector('.member-page')), i = ctx.i, m, who, readers, weeks;
		var here, details;

		async function reload() { await loadMember(ctx, sec, id); }

		if (ctx.me.role !== 'admin')
			return loadDeskCard(ctx, page, id);
		[m, who, readers, weeks] = await Promise.all([ctx.api.get('/members/' + id),
		    ctx.api.get('/who'), ctx.api.get('/readers'), ctx.api.get(weeksQuery(ctx, id))]);
		here = who.people.filter(function (p) { return p.member_id === m.id; })[0];
		U.add(page, U.el('h2', ctx.M.memberLabel(m) + (m.status !== 'active' ? ' — ' +
		    i.t(m.erased ? 'erased_s' : 'disabled_s') : ''), 'member-head'));
		details = detailsForm(ctx, m, function (after) {
			page.querySelector('.member-head').textContent = ctx.M.memberLabel(after);
		});
		U.add(page, U.add(U.el('div', null, 'grid'), details.el, activityCard(ctx, m, here, weeks)),
		    badgesCard(ctx, m, readers, reload), actionsCard(ctx, m, reload));
		await details.load();
	}

	/* What the desk sees of a member (id, name and display name: the
	 * server answers the desk no more): who, here now, enrol, check out. */
	async function loadDeskCard(ctx, page, id) {
		var i = ctx.i, m, who, readers, here, card = U.el('div', null, 'card desk-card');
		var msg = U.el('p', '', 'msg'), sel, secureBox = U.input('secure', 'checkbox');
		var secure = false;	/* as asked: the box may change during the wait */

		[m, who, readers] = await Promise.all([ctx.api.get('/members/' + id),
		    ctx.api.get('/who'), ctx.api.get('/readers')]);
		here = who.people.filter(function (p) { return String(p.member_id) === String(id); })[0];
		sel = U.select('reader', readers.filter(function (r) { return r.enrol; })
		    .map(function (r) { return [r.name, r.name]; }));
		U.add(card, U.el('h2', ctx.M.memberLabel(m)), U.el('p', here ? i.fmt('here_since',
		    { since: ctx.M.when(here.since, i), door: here.door }) : i.t('not_here')),
		    U.add(U.el('div', null, 'row'), sel, ' ', U.label(i.t('secure_card'), secureBox, 'check'),
		    ' ', U.button(i.t('enrol_go'), async function () {
			var r;

			secure = secureBox.checked;
			U.msg(msg, i.t(secure ? 'tap_secure' : 'tap_now'), true);
			r = await ctx.api.post('/enrol', ctx.M.enrolBody(m.id, sel.value, secure));
			U.msg(msg, ctx.M.enrolledText(i, r), true);
		}, null, function (err) { ctx.failEnrol(err, msg, secure); }), ' ',
		    U.button(i.t('checkout_go'), async function () {
			var r = await ctx.api.post('/checkout', { member: m.id });

			U.msg(msg, r.was_present ? i.t('checked_out') : i.t('not_present'), true);
		}, 'secondary', function (err) { ctx.fail(err, msg); })), msg);
		page.appendChild(card);
	}

	root.SeuilViews = root.SeuilViews || {};
	root.SeuilViews.members = { init: initList, load: loadList };
	root.SeuilViews.member = { desk: true, hidden: true, init: initMember, load: loadMember };
}(typeof self !== 'undefined' ? self : this));
