// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil console, System: seuild's health (clock, database, MQTT, doors,
 * readers, and a site's nodes: docs/site.md) and the backups: the last one's time and result, make one now
 * (seuild takes it), download them; restoring is a command-line step with
 * seuild stopped, which the page says.
 */
(function (root) {
	'use strict';
	var U = root.SeuilUI;

	function init(ctx, sec) {
		var i = ctx.i, backups = U.el('div', null, 'card backups'), msg = U.el('p', '', 'msg');

		sec.appendChild(U.add(U.el('div', null, 'card'), U.el('h2', i.t('system')),
		    U.el('ul', null, 'health')));
		sec.querySelector('.health').id = 'health';
		msg.id = 'backup-msg';
		backups.id = 'backups';
		U.add(backups, U.el('h2', i.t('backups')), U.el('p', '', 'backup-last'),
		    U.el('p', '', 'backup-dir'), U.button(i.t('backup_now'), async function () {
			var r = await ctx.api.post('/backups', {});

			U.msg(msg, i.fmt('backup_made', r), true);
			await loadBackups(ctx, sec);
		}, 'backup-now', function (err) { ctx.fail(err, msg); }), msg,
		    U.el('div', null, 'backup-list'), U.el('p', i.t('restore_how'), 'restore-how'));
		sec.appendChild(backups);
	}

	async function loadHealth(ctx, sec) {
		var i = ctx.i, ul = U.clear(sec.querySelector('#health')), s;

		try {
			s = await ctx.api.get('/status');
		} catch (err) {
			ul.appendChild(U.el('li', ctx.M.errorText(i, err), 'bad'));
			return;
		}
		ul.appendChild(U.el('li', i.fmt('h_seuild', { version: s.version, pid: s.pid,
		    uptime: ctx.M.duration(s.uptime_s, i) }), 'ok'));
		ul.appendChild(U.el('li', s.clock_synced ? i.t('h_clock_ok') : i.t('h_clock_bad'),
		    s.clock_synced ? 'ok' : 'bad'));
		ul.appendChild(U.el('li', i.fmt('h_db', { database: s.database, seq: s.last_seq })));
		if (s.mqtt)
			ul.appendChild(U.el('li', i.t(s.mqtt.enabled ? (s.mqtt.connected ? 'h_mqtt_on' :
			    'h_mqtt_off') : 'h_mqtt_none'), s.mqtt.enabled && !s.mqtt.connected ? 'bad' : 'ok'));
		(s.doors || []).forEach(function (d) {
			ul.appendChild(U.el('li', i.fmt('h_door', { name: d.name, state: i.word('s_', d.state) })));
		});
		(s.readers || []).forEach(function (r) {
			ul.appendChild(U.el('li', i.fmt('h_reader', { name: r.name, online: r.online ?
			    i.t('online') : i.t('offline'), restarts: r.restarts }), r.online ? 'ok' : 'bad'));
		});
		if (s.site)
			siteHealth(ctx, ul, s.site);
	}

	/* A site of several Pis: this node's copy and, on the primary, each
	 * node it hears of with how far its journal has come; a problem unless
	 * online, current and caught up. */
	function siteHealth(ctx, ul, site) {
		var i = ctx.i;

		ul.appendChild(U.el('li', i.fmt('h_site', { node: site.node, role: i.word('r_', site.role),
		    epoch: site.epoch, rev: site.rev, state: i.word('c_', site.state) }),
		    site.state === 'current' ? 'ok' : 'bad'));
		(site.nodes || []).forEach(function (n) {
			ul.appendChild(U.el('li', i.fmt('h_node', { node: n.node, online: n.online ?
			    i.t('online') : i.t('offline'), epoch: n.epoch, rev: n.rev,
			    state: i.word('c_', n.state), lag: n.journal_lag }),
			    n.online && n.state === 'current' && n.journal_lag === 0 ? 'ok' : 'bad'));
		});
	}

	async function loadBackups(ctx, sec) {
		var i = ctx.i, b = await ctx.api.get('/backups'), last = b.last, list = sec.querySelector('.backup-list');

		sec.querySelector('.backup-last').textContent = last ? i.fmt('backup_last', { ts:
		    ctx.M.when(last.ts, i), result: last.ok ? i.t('backup_ok') : last.result }) :
		    i.t('backup_none_yet');
		sec.querySelector('.backup-last').className = 'backup-last ' + (last && !last.ok ? 'bad' : 'ok');
		sec.querySelector('.backup-dir').textContent = b.dir ? i.fmt('backup_dir', b) +
		    (b.error ? ' — ' + b.error : '') : i.t('backup_no_dir');
		sec.querySelector('.backup-now').hidden = !b.dir;
		U.table(list, [i.t('name'), i.t('created'), i.t('size'), ''], b.snapshots.map(function (s) {
			return [s.name, ctx.M.when(s.created, i), ctx.M.number(s.size / 1024, i) + ' KiB',
			    U.link(i.t('download'), ctx.api.href('/backups/' + encodeURIComponent(s.name)), s.name)];
		}));
	}

	async function load(ctx, sec) {
		await Promise.all([loadHealth(ctx, sec), loadBackups(ctx, sec)]);
	}

	root.SeuilViews = root.SeuilViews || {};
	root.SeuilViews.system = { init: init, load: load };
}(typeof self !== 'undefined' ? self : this));
