#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The console page's logic without a browser (tests/web/*.test.mjs, node
# --test): the words in both languages, schedules read and written as the
# door does, the week drawn right, names sorted, errors and problems in
# words with their next step, the import's preview, the API client; and no
# swallowed failure or markup from text in the page's scripts.  Fails,
# rather than skips, without node.
. "$(dirname "$0")/../lib.sh"

if ! command -v node >/dev/null; then
	not_ok "node is installed (scripts/deps.sh installs nodejs)"; exit 1
fi
node --test --test-reporter=tap "$TOP"/tests/web/*.test.mjs >"$T/unit.tap" 2>&1
rc=$?
sed -n -e 's/^ok [0-9]* - /ok web page: /p' -e 's/^not ok [0-9]* - /not ok web page: /p' "$T/unit.tap"
if [ "$rc" -ne 0 ]; then
	not_ok "web page unit tests pass (node --test exited $rc)"
	grep -E '^ +(error|expected|actual|at )' "$T/unit.tap" | head -20 | sed 's/^/# /'
fi
# The page is one flat folder of files (seuil-web serves no other), each
# installed (debian/seuil.files lists them).
for f in "$TOP"/web/page/*; do
	check "$(basename "$f") is installed by the package" grep -qx "/usr/share/seuil/web/$(basename "$f")" "$TOP/debian/seuil.files"
done
check "index.html loads every script of the page" python3 - "$TOP/web/page" <<'PY'
import os, re, sys
d = sys.argv[1]
loaded = re.findall(r'<script src="([^"]+)"', open(os.path.join(d, "index.html")).read())
sys.exit(sorted(loaded) != sorted(f for f in os.listdir(d) if f.endswith(".js")) or loaded[-1] != "app.js")
PY
true
