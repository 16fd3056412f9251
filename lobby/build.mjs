// SPDX-License-Identifier: GPL-3.0-or-later
// Build the lobby screen into dist/: the page, its scripts and MQTT.js's
// browser bundle side by side, ready for mosquitto's http_dir.  Needs
// `npm ci` first (for node_modules/mqtt); no network.
import { copyFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
const bundle = join(here, 'node_modules', 'mqtt', 'dist', 'mqtt.min.js');

if (!existsSync(bundle)) {
	console.error(`lobby: ${bundle} is missing: run npm ci in ${here} first`);
	process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out);
for (const f of ['index.html', 'lobby.css', 'lobby.js', 'presence.js', 'live.js'])
	copyFileSync(join(here, f), join(out, f));
copyFileSync(bundle, join(out, 'mqtt.min.js'));
console.log(`lobby: built ${out}`);
