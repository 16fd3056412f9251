// SPDX-License-Identifier: GPL-3.0-or-later
// A headless lobby screen for tests/integration/lobby.sh: runs the built
// page's own MQTT code (lobby/dist/live.js, with lobby/dist/presence.js) on
// MQTT.js from lobby/node_modules, and prints every view it would draw as one
// JSON line on stdout.  Stops on SIGTERM.
//
//   node tests/lobby/watch.mjs 'PAGE_QUERY' PAGE_URL
//
// PAGE_URL is where the page would be loaded from (http://127.0.0.1:PORT/),
// PAGE_QUERY its query string (?base=…&user=…), both read by the page's own
// parseOptions().  Times are shown in Europe/Paris unless ?tz= says otherwise.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const lobbyDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lobby');
const require = createRequire(join(lobbyDir, 'package.json'));
const mqtt = require('mqtt');
const P = require(join(lobbyDir, 'dist', 'presence.js'));
const Live = require(join(lobbyDir, 'dist', 'live.js'));

const [query = '', page = 'http://127.0.0.1:9001/'] = process.argv.slice(2);
const opts = P.parseOptions(query, new URL(page));
if (!opts.timeZone)
	opts.timeZone = 'Europe/Paris';

let last = '';
const lobby = Live.start(mqtt, opts, (view) => {
	const line = JSON.stringify(view);
	if (line !== last)
		process.stdout.write(line + '\n');
	last = line;
});
process.on('SIGTERM', () => lobby.end(() => process.exit(0)));
