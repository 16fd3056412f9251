// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil console: the API client (docs/web.md, API), without the DOM.  Every
 * failure becomes an ApiError with the HTTP status, the API's code and
 * args and its English text, or network: true when the console could not
 * be reached; the views word it (SeuilModel.errorText) and show it, never
 * swallow it.
 */
(function (root, factory) {
	'use strict';
	var api = factory();
	if (typeof module === 'object' && module.exports)
		module.exports = api;
	else
		root.SeuilApi = api;
}(typeof self !== 'undefined' ? self : this, function () {
	'use strict';

	function ApiError(status, data, network) {
		var e = data && typeof data === 'object' ? data : { error: String(data || '') };

		this.name = 'ApiError';
		this.status = status;
		this.code = network ? 'network' : e.code;
		this.args = e.args || {};
		this.message = e.error || (network ? 'network error' : 'HTTP ' + status);
		this.network = !!network;
	}
	ApiError.prototype = Object.create(Error.prototype);
	ApiError.prototype.constructor = ApiError;

	/*
	 * opts: {fetch, base ("/api/v1"), onLoginNeeded()}.  call(method, path,
	 * body, type) resolves with the answer (JSON or text) or rejects with
	 * an ApiError; a 401 also calls onLoginNeeded (the session ended).
	 */
	function create(opts) {
		var csrf = '', base = opts.base || '/api/v1';

		async function call(method, path, body, type) {
			var o = { method: method, headers: {}, credentials: 'same-origin' }, r, ct, data;

			if (method !== 'GET' && method !== 'HEAD')
				o.headers['X-CSRF-Token'] = csrf;
			if (body !== undefined) {
				o.body = typeof body === 'string' ? body : JSON.stringify(body);
				o.headers['Content-Type'] = type || 'application/json';
			}
			try {
				r = await opts.fetch(base + path, o);
			} catch (err) {
				throw new ApiError(0, null, true);
			}
			ct = (r.headers && r.headers.get && r.headers.get('Content-Type')) || '';
			try {
				data = ct.indexOf('application/json') === 0 ? await r.json() : await r.text();
			} catch (err) {
				throw new ApiError(r.status, { error: 'unreadable answer' });
			}
			if (r.status === 401 && path !== '/login' && opts.onLoginNeeded)
				opts.onLoginNeeded();
			if (!r.ok)
				throw new ApiError(r.status, data);
			return data;
		}

		return {
			call: call,
			get: function (path) { return call('GET', path); },
			post: function (path, body, type) { return call('POST', path, body === undefined ? {} : body, type); },
			patch: function (path, body) { return call('PATCH', path, body); },
			put: function (path, body) { return call('PUT', path, body); },
			setCsrf: function (t) { csrf = t || ''; },
			/* The URL of a download (a link's href: the browser fetches it). */
			href: function (path) { return base + path; }
		};
	}

	return { create: create, ApiError: ApiError };
}));
