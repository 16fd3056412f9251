// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * seuil lobby screen: the page.  Reads its settings from the query string,
 * starts SeuilLive and draws each view.  Every piece of data goes in with
 * textContent, never as markup.
 */
(function () {
	'use strict';

	var opts = SeuilPresence.parseOptions(location.search, location);
	var el = {};

	['title', 'clock', 'notice', 'count', 'count-label', 'welcome', 'people',
	    'others'].forEach(function (id) {
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

	function draw(v) {
		var now = Date.now();

		setText(el.title, v.title);
		document.title = v.title ? v.title + ' \u2014 who is here' : 'Who is here';
		setText(el.clock, SeuilPresence.formatTime(now, now, opts));
		setText(el.count, v.count === null ? '' : String(v.count));
		setText(el['count-label'], v.count === null ? '' : v.countLabel);
		setText(el.welcome, v.welcome);
		el.welcome.hidden = v.welcome === '';
		drawPeople(v.people);
		setText(el.others, v.others);
		setText(el.notice, v.notice);
		el.notice.hidden = v.notice === '';
		document.body.className = v.state;
	}

	SeuilLive.start(mqtt, opts, draw);
}());
