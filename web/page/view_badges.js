// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil console, Badges: enrol a badge by a tap at the desk reader (the
 * member picked by name), the badges (admin), check a member out.
 */
(function (root) {
	'use strict';
	var U = root.SeuilUI;

	function init(ctx, sec) {
		var i = ctx.i, enrol = U.el('form', null, 'card'), out = U.el('form', null, 'card');
		var who = U.memberPicker(ctx, 'member'), gone = U.memberPicker(ctx, 'member');
		var sel = U.select('reader', []), m1 = U.el('p', '', 'msg'), m2 = U.el('p', '', 'msg');
		var secureBox = U.input('secure', 'checkbox');

		enrol.id = 'enrol-form';
		sel.id = 'enrol-reader';
		m1.id = 'enrol-msg';
		U.add(enrol, U.el('h2', i.t('enrol')), U.label(i.t('member'), who.el),
		    U.label(i.t('reader'), sel), U.label(i.t('secure_card'), secureBox, 'check'),
		    U.el('button', i.t('enrol_go')), m1);
		enrol.onsubmit = function (ev) {
			var secure = secureBox.checked;

			ev.preventDefault();
			U.msg(m1, i.t(secure ? 'tap_secure' : 'tap_now'), true);
			ctx.api.post('/enrol', ctx.M.enrolBody(who.value(), sel.value, secure))
			    .then(function (r) {
				U.msg(m1, ctx.M.enrolledText(i, r), true);
				return load(ctx, sec);
			}).catch(function (err) { ctx.failEnrol(err, m1, secure); });
		};
		out.id = 'checkout-form';
		m2.id = 'checkout-msg';
		U.add(out, U.el('h2', i.t('checkout')), U.label(i.t('member'), gone.el),
		    U.el('button', i.t('checkout_go')), m2);
		out.onsubmit = function (ev) {
			ev.preventDefault();
			ctx.api.post('/checkout', { member: gone.value() }).then(function (r) {
				U.msg(m2, r.was_present ? i.t('checked_out') : i.t('not_present'), true);
			}).catch(function (err) { ctx.fail(err, m2); });
		};
		sec.appendChild(enrol);
		if (ctx.me.role === 'admin') {
			sec.appendChild(U.add(U.el('div', null, 'card'), U.el('h2', i.t('badges')),
			    U.el('div', null, 'badge-list')));
			sec.querySelector('.badge-list').id = 'badge-list';
		}
		sec.appendChild(out);
	}

	async function load(ctx, sec) {
		var i = ctx.i, sel = sec.querySelector('#enrol-reader'), readers, badges, keep = sel.value;

		readers = await ctx.api.get('/readers');
		U.clear(sel);
		readers.filter(function (r) { return r.enrol; }).forEach(function (r) {
			var o = U.el('option', r.name);

			o.value = r.name;
			o.selected = r.name === keep;
			sel.appendChild(o);
		});
		if (ctx.me.role !== 'admin')
			return;
		badges = await ctx.api.get('/badges');
		U.table(sec.querySelector('#badge-list'), [i.t('id'), i.t('member'), i.t('hint'),
		    i.t('status'), i.t('last_seen'), ''], badges.map(function (b) {
			return [b.id, U.link(b.member, '#member/' + b.member_id), b.hint,
			    i.word('b_', b.status), ctx.M.when(b.last_seen, i) || i.t('never'),
			    b.status === 'active' ? U.button(i.t('revoke'), async function () {
				await ctx.api.post('/badges/' + b.id + '/revoke', {});
				await load(ctx, sec);
			}, 'small danger', ctx.fail) : ''];
		}));
	}

	root.SeuilViews = root.SeuilViews || {};
	root.SeuilViews.badges = { desk: true, init: init, load: load };
}(typeof self !== 'undefined' ? self : this));
