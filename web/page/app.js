// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil console: the page.  Logs in, builds the navigation for the
 * account's role, shows one view at a time (#today, #members, #member/12,
 * …; each view is a view_*.js), and puts every failure in words where the
 * manager looks: the view's own message line, or the banner.  The words
 * are i18n.js's, the logic model.js's, the calls api.js's.
 */
(function (root) {
	'use strict';
	var U = root.SeuilUI, M = root.SeuilModel, V = root.SeuilViews, I18n = root.SeuilI18n;
	var ORDER = ['today', 'members', 'badges', 'groups', 'explain', 'log', 'attendance', 'insight',
	    'import', 'system', 'member'];
	var $ = function (s) { return document.querySelector(s); };
	var ctx = { M: M, me: null, i: null, api: null, current: null };
	var timer = null, built = {};

	function store(k, v) {
		try {
			if (v === undefined)
				return localStorage.getItem(k);
			localStorage.setItem(k, v);
		} catch (err) {	/* private browsing: the choice lasts the page */
			return null;
		}
		return null;
	}

	ctx.i = I18n.make(I18n.pickLang(store('lang'), navigator.languages || [navigator.language]));

	/* A failure in words (an API error's by words(i, err), errorText by
	 * default): in the view's message line when given, else in the
	 * banner at the top. */
	ctx.fail = function (err, where, words) {
		var api = err instanceof root.SeuilApi.ApiError;
		var text = api ? (words || M.errorText)(ctx.i, err) : String(err && err.message || err);
		var node = where || $('#banner');

		node.textContent = text;
		node.className = (where ? 'msg ' : '') + 'bad';
		node.hidden = false;
		if (!where)
			$('#banner').dataset.code = err && err.code || '';
	};
	U.onError = function (err) { ctx.fail(err); };

	/* An enrolment's failure: a secure one's in its own words. */
	ctx.failEnrol = function (err, where, secure) {
		ctx.fail(err, where, function (i, e) { return M.enrolErrorText(i, e, secure); });
	};

	ctx.go = function (hash) { location.hash = hash; };

	/* An event's member: the name the log gives (an erased member's is
	 * "erased-ID", never the name it had), or its id. */
	ctx.memberOf = function (e) {
		if (e.member_erased)
			return ctx.i.t('erased_member') + ' #' + e.member_id;
		return e.member || (e.member_id ? '#' + e.member_id : '');
	};

	ctx.api = root.SeuilApi.create({ fetch: root.fetch.bind(root), onLoginNeeded: function () {
		if (ctx.me)
			showLogin();
	} });

	function allowed(v) {
		return V[v] && (ctx.me.role === 'admin' || V[v].desk);
	}

	function translate() {
		document.documentElement.lang = ctx.i.lang;
		document.title = ctx.i.t('title');
		document.querySelectorAll('[data-t]').forEach(function (e) { e.textContent = ctx.i.t(e.dataset.t); });
		if (ctx.me)
			$('#me').textContent = ctx.me.user + ' (' + ctx.i.word('role_', ctx.me.role) + ')';
	}

	function buildNav(current) {
		var nav = U.clear($('#nav'));

		ORDER.forEach(function (v) {
			var a;

			if (!allowed(v) || V[v].hidden)
				return;
			a = U.link(ctx.i.t(v), '#' + v);
			a.id = 'nav-' + v;
			if (v === current)
				a.className = 'on';
			nav.appendChild(a);
		});
	}

	/* The sections are built once per language and account: a change of
	 * either builds them again. */
	function section(v) {
		var sec = $('#' + v);

		if (!built[v]) {
			U.clear(sec);
			V[v].init(ctx, sec);
			built[v] = true;
		}
		return sec;
	}

	function route() {
		var parts = location.hash.slice(1).split('/'), v = parts[0], arg = parts[1], sec, view;

		if (!ctx.me)
			return showLogin();
		if (!allowed(v))
			v = 'today';
		view = V[v];
		ctx.current = v;
		$('#banner').hidden = true;
		document.querySelectorAll('.view').forEach(function (s) { s.hidden = s.id !== v; });
		buildNav(v === 'member' ? (ctx.me.role === 'admin' ? 'members' : 'badges') : v);
		document.body.classList.remove('menu-open');
		clearInterval(timer);
		sec = section(v);
		if (view.load)
			view.load(ctx, sec, arg ? decodeURIComponent(arg) : undefined).catch(ctx.fail);
		if (view.refresh)
			timer = setInterval(function () {
				if (ctx.current === v && !document.hidden)
					view.load(ctx, sec, undefined, true).catch(ctx.fail);
			}, view.refresh);
	}

	function showLogin() {
		ctx.me = null;
		ctx.api.setCsrf('');
		clearInterval(timer);
		built = {};
		$('#nav').hidden = true;
		$('#menu').hidden = true;
		$('#logout').hidden = true;
		$('#me').textContent = '';
		document.querySelectorAll('.view').forEach(function (v) { v.hidden = v.id !== 'login'; });
	}

	function loggedIn(m) {
		ctx.me = { user: m.user, role: m.role };
		ctx.api.setCsrf(m.csrf);
		built = {};
		translate();
		$('#nav').hidden = false;
		$('#menu').hidden = false;
		$('#logout').hidden = false;
		if (!location.hash || location.hash === '#login')
			location.hash = '#today';
		else
			route();
	}

	document.addEventListener('DOMContentLoaded', function () {
		$('#lang').value = ctx.i.lang;
		$('#lang').onchange = function () {
			ctx.i = I18n.make($('#lang').value);
			store('lang', ctx.i.lang);
			built = {};
			translate();
			if (ctx.me)
				route();
		};
		translate();
		window.addEventListener('hashchange', route);
		$('#menu').onclick = function () { document.body.classList.toggle('menu-open'); };
		$('#banner').onclick = function () { $('#banner').hidden = true; };
		$('#login-form').onsubmit = function (ev) {
			var f = ev.target;

			ev.preventDefault();
			ctx.api.post('/login', { user: f.user.value, password: f.password.value }).then(function (m) {
				f.password.value = '';
				$('#login-error').textContent = '';
				loggedIn(m);
			}).catch(function (err) { $('#login-error').textContent = M.errorText(ctx.i, err); });
		};
		/* The page is whole: the form may be used (index.html). */
		$('#login-form button').disabled = false;
		$('#login-error').textContent = '';
		$('#logout').onclick = function () {
			ctx.api.post('/logout', {}).then(showLogin, function (err) {
				showLogin();
				ctx.fail(err);
			});
		};
		ctx.api.get('/me').then(function (m) {
			if (m.user)
				loggedIn(m);
			else
				showLogin();
		}, function (err) {
			showLogin();
			$('#login-error').textContent = M.errorText(ctx.i, err);
		});
	});
}(typeof self !== 'undefined' ? self : this));
