// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil lobby screen: the page.  Reads its settings from the query string
 * and the browser's languages, starts SeuilLive and draws each view: the
 * space's title, message, logo and colours (B/lobby), who is here, the
 * welcome, the notices.  Every piece of data goes in with textContent or
 * as a checked value (a colour, a data: image), never as markup.
 */
(function () {
	'use strict';

	var opts = SeuilPresence.parseOptions(location.search, location,
	    navigator.languages || [navigator.language]);
	var el = {};

	['title', 'clock', 'notice', 'clock-notice', 'count', 'count-label', 'welcome', 'people',
	    'others', 'logo', 'message'].forEach(function (id) {
		el[id] = document.getElementById(id);
	});

	function setText(node, text) {
		if (node.textContent !== text)
			node.textContent = text;
	}

	function drawPeople(people) {
		var ul = el.people, li, name, since, i;

		while (ul.firstChild)
			ul.removeChild(ul.firstChild);
		for (i = 0; i < people.length; i++) {
			li = document.createElement('li');
			name = document.createElement('span');
			name.className = 'name';
			name.textContent = people[i].name;
			li.appendChild(name);
			if (people[i].since) {
				since = document.createElement('span');
				since.className = 'since';
				since.textContent = people[i].since;
				li.appendChild(since);
			}
			ul.appendChild(li);
		}
	}

	/* The space's own look: checked colours (#rgb, #rrggbb) and a data:
	 * image only (presence.js checks both). */
	function drawSpace(v) {
		var root = document.documentElement.style;

		if (v.colours.background)
			root.setProperty('--bg', v.colours.background);
		else
			root.removeProperty('--bg');
		if (v.colours.text)
			root.setProperty('--fg', v.colours.text);
		else
			root.removeProperty('--fg');
		if (v.logo !== null && el.logo.getAttribute('src') !== v.logo)
			el.logo.src = v.logo;
		el.logo.hidden = v.logo === null;
		setText(el.message, v.message);
		el.message.hidden = v.message === '';
	}

	function draw(v) {
		var now = Date.now();

		document.documentElement.lang = v.lang;
		setText(el.title, v.title);
		document.title = v.docTitle;
		setText(el.clock, SeuilPresence.formatTime(now, now, opts));
		setText(el.count, v.count === null ? '' : String(v.count));
		setText(el['count-label'], v.count === null ? '' : v.countLabel);
		setText(el.welcome, v.welcome);
		el.welcome.hidden = v.welcome === '';
		drawPeople(v.people);
		setText(el.others, v.others);
		setText(el.notice, v.notice);
		el.notice.hidden = v.notice === '';
		setText(el['clock-notice'], v.clock);
		el['clock-notice'].hidden = v.clock === '';
		drawSpace(v);
		document.body.className = v.state;
	}

	SeuilLive.start(mqtt, opts, draw);
}());
