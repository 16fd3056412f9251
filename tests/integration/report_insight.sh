#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Insight's figures (core/insight.c) against figures this test computes
# itself, in Python, from the raw visits of a generated history (a season
# of a coworking: regulars, a member drifting away, one who left, visits
# over midnight, a second door at once, timeouts, the spring DST change),
# written straight into the store: the heat map (person-hours and the
# average per hour of the week), per-member days, visits, hours, halves
# and trend with the totals, who is drifting away, and monthly retention.
# The same figures from `seuilctl report KIND --json` and from the
# console's GET /api/v1/report/KIND; CSV downloads named by their period;
# [report] insight = false turns both off.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/browser/web.sh"

write_web_config </dev/null
ctl init >/dev/null || { not_ok "init"; exit 1; }
add_web_user camille 'correct horse' admin

# The history: members and visits, written by the generator; the expected
# figures are computed from the same rows, read back from the store.
python3 - "$T/seuil.db" <<'PY' || { not_ok "history generated"; exit 1; }
import random, sqlite3, sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Paris")
rnd = random.Random(20260405)
db = sqlite3.connect(sys.argv[1])
names = ["alice", "Bob", "Élodie", "zoé", "drifter", "quitter", "sleeper"] + \
    ["m%02d" % i for i in range(1, 19)]
ids = {}
for n in names:
    cur = db.execute("INSERT INTO members(name, status, public, created) VALUES (?, 'active', 0, 0)", (n,))
    ids[n] = cur.lastrowid
# A member who drifted away but was disabled since: not listed.
db.execute("UPDATE members SET status = 'disabled' WHERE name = 'sleeper'")

def ms(dt):
    return int(dt.timestamp() * 1000)

def visit(member, door, arrive, hours, reason):
    a = ms(arrive)
    end = a + int(hours * 3600000)
    if reason in ("timeout", "day_end"):
        left, last = end + 8 * 3600000, end	# presence ends at the last badge
    else:
        left, last = end, end
    db.execute("INSERT INTO visits(member_id, door, arrived_ts, left_ts, left_reason, last_seen_ts)"
               " VALUES (?, ?, ?, ?, ?, ?)", (member, door, a, left, reason, last))

start = datetime(2025, 10, 1, tzinfo=TZ)
day = start
while day <= datetime(2026, 4, 5, tzinfo=TZ):
    for n in names:
        if n in ("drifter", "sleeper"):
            p = 0.7 if day < datetime(2026, 2, 20, tzinfo=TZ) else 0.04
        elif n == "quitter":
            p = 0.5 if day < datetime(2026, 1, 20, tzinfo=TZ) else 0.0
        else:
            p = 0.55 if day.weekday() < 5 else 0.08
        if rnd.random() >= p:
            continue
        hour = rnd.choice([7, 8, 8, 9, 9, 9, 10, 11, 14, 20])
        arrive = day.replace(hour=hour, minute=rnd.randrange(60), second=rnd.randrange(60))
        hours = rnd.uniform(0.2, 9.5) if hour < 20 else rnd.uniform(3, 7)	# evenings run past midnight
        reason = rnd.choice(["badge_out"] * 7 + ["timeout", "day_end", "manual"])
        visit(ids[n], "front", arrive, hours, reason)
        if rnd.random() < 0.05:	# the side door at once: its time counts once
            visit(ids[n], "side", arrive + timedelta(minutes=30), rnd.uniform(0.5, 3), "badge_out")
    day = (day + timedelta(days=1)).replace(hour=0)
# Two visits of erased members (no member any more), apart.
visit(None, "front", datetime(2026, 3, 2, 9, 0, tzinfo=TZ), 2, "badge_out")
visit(None, "front", datetime(2026, 3, 3, 9, 0, tzinfo=TZ), 2, "badge_out")
db.commit()
PY

FROM=2026-01-05
TO=2026-04-05

# expect KIND FROM TO FILE: the figures this test computes itself, as JSON.
expect() {
	python3 - "$T/seuil.db" "$@" <<'PY'
import json, sqlite3, sys, unicodedata
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Paris")
db = sqlite3.connect(sys.argv[1])
kind, frm, to, out = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
f, t = date.fromisoformat(frm), date.fromisoformat(to)
start_of = lambda d: int(datetime(d.year, d.month, d.day, tzinfo=TZ).timestamp() * 1000)
local = lambda ms: datetime.fromtimestamp(ms / 1000, TZ)
visits = db.execute("SELECT member_id, arrived_ts, left_ts, left_reason, last_seen_ts FROM visits"
                    " ORDER BY arrived_ts, id").fetchall()
members = {i: (n, s) for i, n, s in db.execute("SELECT id, name, status FROM members")}

def end(v):
    e = v[4] if v[3] in ("timeout", "day_end") else v[2]
    return max(e, v[1])

def person_time(lo, hi):
    """[(member, s, t)] of the time present in [lo, hi), a member's
    overlapping time once (visits by arrival)."""
    covered, spans = {}, []
    for v in visits:
        a, e = v[1], end(v)
        s, u = max(a, lo), min(e, hi)
        if e > a and (a >= hi or e <= lo):
            continue
        if e == a and not (lo <= a < hi):
            continue
        key = v[0] or 0
        s2 = max(s, covered.get(key, -1)) if v[0] is not None or kind == "members" else s
        covered[key] = max(covered.get(key, -1), e)
        spans.append((v[0], s, u, s2, a, e))
    return spans

res = {}
if kind == "presence-hours":
    cells = [0] * 168
    for m, s, u, s2, a, e in person_time(start_of(f), start_of(t + timedelta(days=1))):
        x = s2
        while x < u:
            lt = local(x)
            into = (lt.minute * 60 + lt.second) * 1000 + lt.microsecond // 1000
            nxt = min(x - into + 3600000, u)
            cells[lt.weekday() * 24 + lt.hour] += nxt - x
            x = nxt
    occ = [0] * 7
    d = f
    while d <= t:
        occ[d.weekday()] += 1
        d += timedelta(days=1)
    res = [{"hours": c / 3600000, "average": c / occ[i // 24] / 3600000} for i, c in enumerate(cells)]
elif kind == "members":
    n = (t - f).days + 1
    h = n // 2
    def per_member(lo_d, hi_d):
        lo, hi = start_of(lo_d), start_of(hi_d + timedelta(days=1))
        acc = {}
        for m, s, u, s2, a, e in person_time(lo, hi):
            r = acc.setdefault(m or 0, {"ms": 0, "days": set(), "visits": 0})
            r["visits"] += 1
            r["ms"] += max(0, u - s2)
            last = local(u - 1).date() if u > s else local(s).date()
            d = local(s).date()
            while d <= last:
                if lo_d <= d <= hi_d:
                    r["days"].add(d)
                d += timedelta(days=1)
        return acc
    full = per_member(f, t)
    a = per_member(f, f + timedelta(days=h - 1))
    b = per_member(t - timedelta(days=h - 1), t)
    name = lambda m: members[m][0] if m in members else "(erased)"
    rows = {}
    for m, r in full.items():
        ha = a.get(m, {"ms": 0})["ms"] / 3600000
        hb = b.get(m, {"ms": 0})["ms"] / 3600000
        ca, cb = round(ha * 100), round(hb * 100)
        rows[name(m)] = {"days": len(r["days"]), "visits": r["visits"], "hours": r["ms"] / 3600000,
                         "hours_first_half": ha, "hours_second_half": hb,
                         "trend": "up" if cb > ca else "down" if cb < ca else "same"}
    res = {"rows": rows, "totals": {"members": len(rows),
           "days": sum(r["days"] for r in rows.values()),
           "visits": sum(r["visits"] for r in rows.values()),
           "hours": sum(r["hours"] for r in rows.values())},
           "halves": [[str(f), str(f + timedelta(days=h - 1))], [str(t - timedelta(days=h - 1)), str(t)]]}
elif kind == "drifting":
    b0, r0 = t - timedelta(days=111), t - timedelta(days=27)
    counts = {}
    for v in visits:
        if v[0] is None:
            continue
        d = local(v[1]).date()
        c = counts.setdefault(v[0], [0, 0])
        if b0 <= d < r0:
            c[0] += 1
        elif r0 <= d <= t:
            c[1] += 1
    res = {members[m][0]: {"visits_before": c[0], "visits_recent": c[1]}
           for m, c in counts.items()
           if members[m][1] == "active" and c[0] >= 4 and c[1] / 4 < c[0] / 12 / 2}
else:
    months = {}
    for v in visits:
        if v[0] is not None:
            lt = local(v[1])
            months.setdefault((lt.year, lt.month), set()).add(v[0])
    res = []
    y, mo = f.year, f.month
    while (y, mo) <= (t.year, t.month):
        py, pm = (y, mo - 1) if mo > 1 else (y - 1, 12)
        before = months.get((py, pm), set())
        kept = before & months.get((y, mo), set())
        res.append({"month": "%04d-%02d" % (y, mo), "members_before": len(before),
                    "retained": len(kept), "share": len(kept) / len(before) if before else None})
        mo += 1
        if mo == 13:
            y, mo = y + 1, 1
json.dump(res, open(out, "w"))
PY
}

# same KIND GOT WANT: the figures of seuil (GOT, its JSON) are those this
# test computed (WANT), to the hundredth (seuil rounds half up, Python
# floats do not).
same() {
	python3 - "$@" <<'PY'
import json, sys
kind, got, want = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
close = lambda a, b: abs(a - b) <= 0.0051 + 1e-9
bad = []
if kind == "presence-hours":
    cells = got["cells"]
    assert len(cells) == 168
    for i, (c, w) in enumerate(zip(cells, want)):
        if c["day"] != ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i // 24] or c["hour"] != i % 24:
            bad.append("cell %d misplaced" % i)
        if not close(c["hours"], w["hours"]) or not close(c["average"], w["average"]):
            bad.append("%s %02d: %s/%s, want %.4f/%.4f" % (c["day"], c["hour"], c["hours"], c["average"], w["hours"], w["average"]))
    if sum(w["hours"] for w in want) < 500:
        bad.append("too little presence generated to test anything")
elif kind == "members":
    rows = {r["member"]: r for r in got["rows"]}
    if set(rows) != set(want["rows"]):
        bad.append("members %s, want %s" % (sorted(rows), sorted(want["rows"])))
    for n, w in want["rows"].items():
        r = rows.get(n, {})
        for k in ("days", "visits", "trend"):
            if r.get(k) != w[k]:
                bad.append("%s %s: %s, want %s" % (n, k, r.get(k), w[k]))
        for k in ("hours", "hours_first_half", "hours_second_half"):
            if not close(r.get(k, -1), w[k]):
                bad.append("%s %s: %s, want %.4f" % (n, k, r.get(k), w[k]))
    for k in ("members", "days", "visits"):
        if got["totals"][k] != want["totals"][k]:
            bad.append("total %s: %s, want %s" % (k, got["totals"][k], want["totals"][k]))
    if abs(got["totals"]["hours"] - want["totals"]["hours"]) > 0.01 * len(rows):
        bad.append("total hours %s, want %.2f" % (got["totals"]["hours"], want["totals"]["hours"]))
    if got["halves"] != want["halves"]:
        bad.append("halves %s, want %s" % (got["halves"], want["halves"]))
    order = [r["member"] for r in got["rows"] if r["member"] in ("alice", "Bob", "Élodie", "zoé")]
    if order != ["alice", "Bob", "Élodie", "zoé"]:
        bad.append("names not sorted without regard to case and accents: %s" % order)
    if not {"up", "down"} <= {r["trend"] for r in got["rows"]}:
        bad.append("no trend up and down in the history: it tests nothing")
elif kind == "drifting":
    rows = {r["member"]: r for r in got["rows"]}
    if set(rows) != set(want):
        bad.append("drifting %s, want %s" % (sorted(rows), sorted(want)))
    for n, w in want.items():
        for k in w:
            if rows.get(n, {}).get(k) != w[k]:
                bad.append("%s %s: %s, want %s" % (n, k, rows.get(n, {}).get(k), w[k]))
        r = rows.get(n, {})
        if r and (not close(r["per_week_before"], w["visits_before"] / 12) or not close(r["per_week_recent"], w["visits_recent"] / 4)):
            bad.append("%s: rates %s %s" % (n, r["per_week_before"], r["per_week_recent"]))
    if "drifter" not in rows or "sleeper" in rows:
        bad.append("the drifter must be listed, the disabled sleeper not")
else:
    rows = got["rows"]
    if [r["month"] for r in rows] != [w["month"] for w in want]:
        bad.append("months %s, want %s" % ([r["month"] for r in rows], [w["month"] for w in want]))
    for r, w in zip(rows, want):
        if (r["members_before"], r["retained"]) != (w["members_before"], w["retained"]):
            bad.append("%s: %s/%s, want %s/%s" % (r["month"], r["retained"], r["members_before"], w["retained"], w["members_before"]))
        if (r["share"] is None) != (w["share"] is None) or (w["share"] is not None and not close(r["share"], w["share"])):
            bad.append("%s: share %s, want %s" % (r["month"], r["share"], w["share"]))
for b in bad[:12]:
    print("# " + b)
sys.exit(1 if bad else 0)
PY
}

for kind in presence-hours members drifting retention; do
	from=$FROM
	[ "$kind" = drifting ] && from=
	[ "$kind" = retention ] && from=2025-11-15
	expect "$kind" "${from:-$FROM}" "$TO" "$T/want-$kind.json" || { not_ok "$kind: expected figures computed"; continue; }
	if [ -n "$from" ]; then
		ctl report "$kind" --from "$from" --to "$TO" --json >"$T/got-$kind.json"
	else
		ctl report "$kind" --to "$TO" --json >"$T/got-$kind.json"
	fi
	check "seuilctl report $kind: the figures the test computed from the visits" same "$kind" "$T/got-$kind.json" "$T/want-$kind.json"
done

check "drifting takes no start" sh -c "'$SEUILCTL' -f '$T/seuild.conf' report drifting --from $FROM 2>'$T/err'; [ \$? = 64 ] && grep -q 'no start' '$T/err'"
check "a bad date: 64" sh -c "'$SEUILCTL' -f '$T/seuild.conf' report members --from 2026-02-30 2>/dev/null; [ \$? = 64 ]"
ctl report members --from "$FROM" --to "$TO" --csv >"$T/members.csv"
check "members as CSV: a header and a line a member" sh -c "head -1 '$T/members.csv' | grep -qx 'member,days,visits,hours,first_seen,last_seen,hours_first_half,hours_second_half,trend' && [ \$(wc -l <'$T/members.csv') -eq \$(python3 -c \"import json; print(len(json.load(open('$T/got-members.json'))['rows']) + 1)\") ]"
ctl report presence-hours --from "$FROM" --to "$TO" >"$T/grid.txt"
check "presence-hours for a terminal: 24 hours by 7 days" sh -c "[ \$(grep -c '^[0-2][0-9]   ' '$T/grid.txt') = 24 ] && grep -q '^hour *Mon *Tue *Wed *Thu *Fri *Sat *Sun$' '$T/grid.txt'"

# The console: the same figures, and downloads named by their period.
start_web || { not_ok "seuil-web starts"; exit 1; }
web_login camille 'correct horse' || { not_ok "login"; exit 1; }
for kind in presence-hours members retention; do
	from=$FROM
	[ "$kind" = retention ] && from=2025-11-15
	check "GET /report/$kind: 200" test "$(api GET "/report/$kind?from=$from&to=$TO")" = 200
	check "GET /report/$kind: the same figures as seuilctl" python3 -c \
		"import json,sys; sys.exit(json.load(open('$T/body')) != json.load(open('$T/got-$kind.json')))"
done
check "GET /report/drifting: 200" test "$(api GET "/report/drifting?to=$TO")" = 200
check "GET /report/drifting: the same as seuilctl" python3 -c \
	"import json,sys; sys.exit(json.load(open('$T/body')) != json.load(open('$T/got-drifting.json')))"
code=$(curl -s -b "$T/jar" -D "$T/headers" -o "$T/dl.csv" -w '%{http_code}' "$WEB_URL/api/v1/report/members?from=$FROM&to=$TO&format=csv")
check "the CSV download: 200, named by its period" sh -c "[ $code = 200 ] && grep -qi 'content-disposition: attachment; filename=\"members-$FROM-$TO.csv\"' '$T/headers'"
check "the CSV download is seuilctl's" cmp -s "$T/dl.csv" "$T/members.csv"
check "an unknown report: 404" test "$(api GET /report/popularity)" = 404
check "a start for drifting: 400" test "$(api GET "/report/drifting?from=$FROM")" = 400

# Off: neither the console nor seuilctl computes them.
stop_web
printf '\n[report]\ninsight = false\n' >>"$T/seuild.conf"
start_web || { not_ok "seuil-web starts again"; exit 1; }
web_login camille 'correct horse' || { not_ok "login again"; exit 1; }
check "insight = false: 403" test "$(api GET /report/members)" = 403
check "insight = false: said as insight_off" grep -q insight_off "$T/body"
check "insight = false: the attendance report stays" test "$(api GET "/report/attendance?from=$FROM&to=$TO")" = 200
check "insight = false: seuilctl exits 78" sh -c "'$SEUILCTL' -f '$T/seuild.conf' report retention 2>'$T/err'; [ \$? = 78 ] && grep -q 'insight is off' '$T/err'"
