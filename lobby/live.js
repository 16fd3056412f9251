// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil lobby screen: the MQTT part.  Connects with MQTT.js, subscribes to
 * the four topics it shows (B/presence, B/status, B/presence/events, the
 * lobby-safe arrivals and departures, and B/lobby, the space's title,
 * message, logo, colours and whether the door's clock is set; the lobby
 * ACL also allows B/presence/count),
 * feeds every message to SeuilPresence.receive() and hands the resulting
 * view to onView().  No DOM here, so node runs the same code in the tests.
 *
 * A classic script (see presence.js for why): in a browser it defines
 * SeuilLive and uses the globals mqtt and SeuilPresence; under node it is
 * CommonJS and the caller passes MQTT.js in.
 */
(function (root, factory) {
	'use strict';
	if (typeof module === 'object' && module.exports)
		module.exports = factory(require('./presence.js'));
	else
		root.SeuilLive = factory(root.SeuilPresence);
}(typeof self !== 'undefined' ? self : this, function (P) {
	'use strict';

	var RECONNECT_MS = 3000;
	var REFUSED_RETRY_MS = 30000;	/* a wrong password will not fix itself soon */
	var TICK_MS = 15000;		/* redraw: the welcome line expires, days change */
	var SUFFIXES = ['presence', 'status', 'presence/events', 'lobby'];

	function randomId() {
		return Math.random().toString(16).slice(2, 10);
	}

	/*
	 * mqtt: the MQTT.js module.  opts: as from SeuilPresence.parseOptions()
	 * (url, base, user, password, title, locale, timeZone).  onView(view,
	 * state) is called after every change.  Returns {client, view(), state(),
	 * end(cb)}; end() stops reconnecting and closes the connection.
	 */
	function start(mqtt, opts, onView) {
		var state = P.initialState(), client, tick, prefix = opts.base + '/';
		var ended = false;

		function emit() {
			if (onView)
				onView(P.view(state, Date.now(), opts), state);
		}

		function set(connection) {
			if (ended || state.connection === connection)
				return;
			state = P.setConnection(state, connection);
			emit();
		}

		client = mqtt.connect(opts.url, {
			clientId: 'seuil-lobby-' + randomId(),
			username: opts.user,
			password: opts.password,
			clean: true,
			keepalive: 30,
			reconnectPeriod: RECONNECT_MS,
			connectTimeout: 10000,
			reconnectOnConnackError: true,
			/* We subscribe on every connect ourselves. */
			resubscribe: false
		});

		client.on('connect', function () {
			client.options.reconnectPeriod = RECONNECT_MS;
			client.subscribe(SUFFIXES.map(function (s) {
				return prefix + s;
			}), { qos: 1 }, function (err, granted) {
				var i;
				if (err) {
					console.warn('lobby: subscribe failed:', err.message);
					return;
				}
				for (i = 0; granted && i < granted.length; i++)
					if (granted[i].qos > 2)
						console.warn('lobby: not allowed to read', granted[i].topic);
			});
			set('online');
		});
		client.on('message', function (topic, payload) {
			if (topic.slice(0, prefix.length) !== prefix)
				return;
			state = P.receive(state, topic.slice(prefix.length),
			    payload.toString(), Date.now());
			emit();
		});
		client.on('error', function (err) {
			/* 4 bad user name or password, 5 not authorised (MQTT 3.1.1). */
			if (err && (err.code === 4 || err.code === 5 || err.code === 134 ||
			    err.code === 135)) {
				client.options.reconnectPeriod = REFUSED_RETRY_MS;
				set('refused');
			}
		});
		/* Keep "refused" while retrying: it says more than "reconnecting". */
		client.on('close', function () {
			if (state.connection !== 'refused')
				set('reconnecting');
		});
		client.on('reconnect', function () {
			if (state.connection !== 'refused')
				set('reconnecting');
		});
		tick = setInterval(emit, TICK_MS);
		emit();

		return {
			client: client,
			view: function () {
				return P.view(state, Date.now(), opts);
			},
			state: function () {
				return state;
			},
			end: function (cb) {
				ended = true;
				clearInterval(tick);
				client.end(true, {}, cb);
			}
		};
	}

	return { start: start, SUFFIXES: SUFFIXES };
}));
