// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil console: DOM helpers and the pickers.  Every text from the server
 * goes in with textContent (never innerHTML), so a member called
 * <img src=x onerror=alert(1)> is shown as those characters.
 *
 * ctx, shared by the views (app.js makes it): i (the words, i18n.js),
 * api (api.js), M (model.js), me ({user, role}), go(hash), fail(err,
 * where): an error in words, in a view's message line or the banner.
 */
(function (root) {
	'use strict';

	function el(tag, text, cls) {
		var e = document.createElement(tag);

		if (text !== undefined && text !== null)
			e.textContent = String(text);
		if (cls)
			e.className = cls;
		return e;
	}

	function clear(e) {
		while (e.firstChild)
			e.removeChild(e.firstChild);
		return e;
	}

	function add(parent) {
		for (var k = 1; k < arguments.length; k++)
			if (arguments[k] !== null && arguments[k] !== undefined)
				parent.appendChild(typeof arguments[k] === 'string' ?
				    document.createTextNode(arguments[k]) : arguments[k]);
		return parent;
	}

	/*
	 * A table into node (emptied): heads, then rows of cells (text or
	 * nodes).  On a phone it reads as cards: each cell shows its head
	 * (data-label, app.css).  Returns the rows' <tr>s.
	 */
	function table(node, heads, rows, cls) {
		var t = el('table', null, 'cards' + (cls ? ' ' + cls : '')), thead = el('thead'),
		    tbody = el('tbody'), tr = el('tr'), out = [];

		heads.forEach(function (h) { tr.appendChild(el('th', h)); });
		thead.appendChild(tr);
		rows.forEach(function (cells) {
			var r = el('tr');

			cells.forEach(function (c, k) {
				var td = el('td');

				td.dataset.label = heads[k] || '';
				if (c instanceof Node)
					td.appendChild(c);
				else
					td.textContent = c === null || c === undefined ? '' : String(c);
				r.appendChild(td);
			});
			tbody.appendChild(r);
			out.push(r);
		});
		t.appendChild(thead);
		t.appendChild(tbody);
		clear(node).appendChild(t);
		return out;
	}

	/* A button running fn (a promise is awaited, the button disabled
	 * meanwhile; a failure goes to onError). */
	function button(label, fn, cls, onError) {
		var b = el('button', label, cls);

		b.type = 'button';
		b.onclick = function () {
			var p;

			b.disabled = true;
			try {
				p = Promise.resolve(fn());
			} catch (err) {
				p = Promise.reject(err);
			}
			p.catch(function (err) {
				(onError || root.SeuilUI.onError)(err);
			}).finally(function () { b.disabled = false; });
		};
		return b;
	}

	function link(text, href, download) {
		var a = el('a', text);

		a.href = href;
		if (download)
			a.download = download;
		return a;
	}

	function msg(node, text, ok) {
		node.textContent = text;
		node.className = 'msg ' + (ok ? 'ok' : 'bad');
	}

	function label(text, input, cls) {
		var l = el('label', null, cls);

		add(l, el('span', text), ' ', input);
		return l;
	}

	function input(name, type, value) {
		var e = el('input');

		e.name = name;
		e.type = type || 'text';
		if (value !== undefined && value !== null)
			e.value = value;
		return e;
	}

	function select(name, options, value) {
		var s = el('select');

		s.name = name;
		options.forEach(function (o) {
			var opt = el('option', o[1]);

			opt.value = o[0];
			if (o[0] === value)
				opt.selected = true;
			s.appendChild(opt);
		});
		return s;
	}

	/*
	 * The member picker: type part of a name or display name (any case,
	 * with or without accents: the server's fold), pick one of the
	 * suggestions.  value(): the picked member's id, else what was typed
	 * (an exact name or id still works).  onPick(m) when one is picked.
	 */
	function memberPicker(ctx, name, onPick) {
		var box = el('div', null, 'picker'), inp = input(name, 'search'), list = el('ul', null, 'suggest');
		var picked = null, timer = null, seq = 0;

		inp.autocomplete = 'off';
		inp.placeholder = ctx.i.t('search_member');
		inp.setAttribute('role', 'combobox');
		list.hidden = true;
		box.appendChild(inp);
		box.appendChild(list);

		function pick(m) {
			picked = m;
			inp.value = m.display_name || m.name;
			list.hidden = true;
			if (onPick)
				onPick(m);
		}

		async function suggest() {
			var mine = ++seq, found, text = inp.value.trim();

			if (text === '') {
				list.hidden = true;
				return;
			}
			try {
				found = await ctx.api.get('/members?' + ctx.M.query({ q: text, limit: 8 }));
			} catch (err) {
				ctx.fail(err);
				return;
			}
			if (mine !== seq)
				return;		/* a later search answered already */
			clear(list);
			ctx.M.sortByName(found, ctx.i.lang, ctx.M.memberLabel).forEach(function (m) {
				var li = el('li', ctx.M.memberLabel(m));

				li.dataset.id = m.id;
				li.onmousedown = function (ev) { ev.preventDefault(); pick(m); };
				list.appendChild(li);
			});
			if (!found.length)
				list.appendChild(el('li', ctx.i.t('no_match'), 'none'));
			list.hidden = false;
		}

		inp.oninput = function () {
			picked = null;
			clearTimeout(timer);
			timer = setTimeout(suggest, 120);
		};
		inp.onkeydown = function (ev) {
			var first = list.querySelector('li[data-id]');

			if (ev.key === 'Enter' && !picked && !list.hidden && first) {
				ev.preventDefault();
				first.dispatchEvent(new MouseEvent('mousedown'));
			}
		};
		inp.onblur = function () { list.hidden = true; };

		return {
			el: box,
			input: inp,
			value: function () { return picked ? picked.id : inp.value.trim(); },
			picked: function () { return picked; },
			set: function (m) { pick(m); },
			clear: function () { picked = null; inp.value = ''; list.hidden = true; }
		};
	}

	/*
	 * The group picker: a check box a group, and a new group added on the
	 * spot (POST /groups).  value(): the names checked.
	 */
	function groupPicker(ctx, chosen) {
		var box = el('fieldset', null, 'groups'), list = el('div', null, 'chips');
		var newName = input('new_group'), state = {};

		(chosen || []).forEach(function (g) { state[g] = true; });
		box.appendChild(el('legend', ctx.i.t('groups_l')));
		box.appendChild(list);

		function draw(groups) {
			clear(list);
			ctx.M.sortByName(groups, ctx.i.lang).forEach(function (g) {
				var cb = input('group', 'checkbox'), l = el('label', null, 'chip');

				cb.value = g.name;
				cb.checked = !!state[g.name];
				cb.onchange = function () { state[g.name] = cb.checked; };
				add(l, cb, ' ', el('span', g.name));
				list.appendChild(l);
			});
		}

		async function load() {
			draw(await ctx.api.get('/groups'));
		}

		newName.placeholder = ctx.i.t('new_group');
		add(box, el('div', null, 'new-group'));
		add(box.lastChild, newName, ' ', button(ctx.i.t('add_group'), async function () {
			var n = newName.value.trim();

			if (!n)
				return;
			await ctx.api.post('/groups', { name: n });
			state[n] = true;
			newName.value = '';
			await load();
		}, 'secondary', ctx.fail));

		return {
			el: box,
			load: load,
			value: function () {
				return Object.keys(state).filter(function (k) { return state[k]; });
			}
		};
	}

	root.SeuilUI = {
		/* app.js sets it: where a failure goes when a caller names none. */
		onError: null,
		el: el, clear: clear, add: add, table: table, button: button, link: link, msg: msg,
		label: label, input: input, select: select, memberPicker: memberPicker,
		groupPicker: groupPicker
	};
}(typeof self !== 'undefined' ? self : this));
