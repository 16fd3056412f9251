// SPDX-License-Identifier: GPL-3.0-or-later
// A headless lobby screen for make check-package: the page's own scripts
// as the broker serves them (presence.js and live.js, fetched from
// PAGE_URL, mosquitto's http_dir of the installed package), on MQTT.js from
// lobby/node_modules (the version the package bundles, same lock file).
// Prints every view it would draw as one JSON line; stops on SIGTERM.
//
//   node tests/package/lobby.mjs PAGE_URL 'PAGE_QUERY'
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const lobbyDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'lobby');
const mqtt = createRequire(join(lobbyDir, 'package.json'))('mqtt');
const [page, query = ''] = process.argv.slice(2);

const dir = mkdtempSync(join(tmpdir(), 'seuil-lobby-'));
for (const f of ['presence.js', 'live.js']) {
	const r = await fetch(new URL(f, page));
	if (!r.ok) {
		console.error(`lobby.mjs: ${f}: HTTP ${r.status}`);
		process.exit(1);
	}
	writeFileSync(join(dir, f), await r.text());
}
const require = createRequire(join(dir, 'x.js'));
const P = require(join(dir, 'presence.js'));
const Live = require(join(dir, 'live.js'));
rmSync(dir, { recursive: true, force: true });

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
