#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The summary of a bench run: the figures of bench.py against the targets below.

    bench/summary.py RESULTS.json [--record results.md --svg scale.svg]

RESULTS.json is bench.py's --json output.  Prints the table; with --record
also writes it, with the machine it ran on, to a Markdown file, and draws
the scale curves (badge path p99 and RSS against badges, report time
against members) as an SVG beside it.  Python's standard library only.
"""
import json
import os
import platform
import subprocess
import sys
import time

# name: (comparison, target, label); "fsync+300" compares with fsync_disk_p99_us + 300.
TARGETS = {
    "badge_path_tmpfs_p99_us": ("<", 250, "< 250 µs"),
    "badge_path_disk_p99_us": ("<", "fsync+300", "< fsync p99 + 300 µs"),
    "nfc_tap_to_relay_p50_ms": ("<", 30, "< 30 ms"),
    "nfc_desfire_tap_to_relay_p50_ms": ("<", 150, "< 150 ms"),
    "tap_to_mqtt_p99_ms": ("<", 5, "< 5 ms"),
    "burst_taps_per_s": (">=", 1000, "≥ 1,000"),
    "burst_lost": ("==", 0, "0"),
    "idle_cpu_sim_percent": ("<", 0.2, "< 0.2 %"),
    "idle_cpu_nfc_percent": ("<", 0.2, "< 0.2 %"),
    "rss_peak_kib": ("<", 8192, "< 8 MiB"),
    "report_year_by_month_csv_ms": ("<", 150, "< 150 ms"),
    "tap_during_import_max_us": ("<", 100000, "< 100 ms"),
    "tap_during_import_store_unavailable": ("==", 0, "0"),
    "site_revoke_to_deny_p99_ms": ("<", 2000, "< 2 s"),
    "site_primary_badge_path_p99_us": ("<", 250, "< 250 µs"),
}

ORDER = [
    "badge_path_tmpfs_p50_us", "badge_path_tmpfs_p99_us", "grant_txn_tmpfs_p99_us",
    "badge_path_disk_p99_us", "fsync_disk_p99_us", "grant_txn_disk_p99_us", "tap_to_relay_sim_p50_ms", "tap_to_relay_sim_p99_ms",
    "tap_during_import_p99_us", "tap_during_import_max_us", "tap_during_import_store_unavailable",
    "nfc_tap_to_relay_p50_ms", "nfc_tap_to_relay_p99_ms", "nfc_desfire_tap_to_relay_p50_ms",
    "nfc_desfire_tap_to_relay_p99_ms", "nfc_desfire_uid_badge_tap_p50_ms",
    "nfc_desfire_uid_badge_uid_reader_p50_ms", "tap_to_mqtt_p99_ms",
    "burst_taps_per_s", "burst_lost", "burst_disk_taps_per_s", "idle_cpu_sim_percent",
    "idle_cpu_nfc_percent", "rss_idle_kib", "rss_peak_kib", "fds_idle",
    "report_year_by_month_csv_ms", "report_year_by_day_html_ms", "db_bytes_per_event",
    "console_page_ms", "console_api_p99_ms",
    "site_revoke_to_deny_p99_ms", "site_journal_lag_p99_ms", "site_primary_badge_path_p99_us",
]


def verdict(name, values):
    if name not in TARGETS or name not in values:
        return ""
    op, target, _ = TARGETS[name]
    if target == "fsync+300":
        if "fsync_disk_p99_us" not in values:
            return ""
        target = values["fsync_disk_p99_us"] + 300
    v = values[name]
    ok = {"<": v < target, ">=": v >= target, "==": v == target}[op]
    return "met" if ok else "**missed**"


def table(results):
    values = {}
    for name, value, unit in results:
        try:
            values[name] = float(value)
        except ValueError:
            pass
    units = {n: u for n, _, u in results}
    raw = {n: v for n, v, _ in results}
    rows = ["| figure | value | target | |", "|---|---:|---|---|"]
    names = ORDER + sorted(n for n in raw if n not in ORDER)
    for n in names:
        if n not in raw:
            rows.append(f"| `{n}` | — | {TARGETS.get(n, ('', '', ''))[2]} | not measured |")
            continue
        rows.append(f"| `{n}` | {raw[n]} {units[n]} | {TARGETS.get(n, ('', '', ''))[2]} | {verdict(n, values)} |")
    return "\n".join(rows), values


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith(("model name", "Model")):
                model = line.split(":", 1)[1].strip()
                break
    fs = sh("df -T /dev/shm ${BENCH_DISK_DIR:-/var/tmp} | awk 'NR>1{print $7\" \"$2}' | paste -sd, -")
    return [f"- CPU: {model}, {os.cpu_count()} cores",
            f"- kernel: {platform.release()} ({platform.machine()}), {sh('. /etc/os-release; echo $PRETTY_NAME')}",
            f"- file systems: {fs} (tmpfs figures on /dev/shm, disk figures on ${{BENCH_DISK_DIR:-/var/tmp}})",
            "- SQLite " + sh("sqlite3 --version | cut -d' ' -f1") + ", libnfc " + sh("pkg-config --modversion libnfc"),
            f"- load average (1, 5, 15 min) before: {os.environ.get('BENCH_LOAD_BEFORE', '?')}, "
            f"after: {' '.join(open('/proc/loadavg').read().split()[:3])}",
            f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}"]


def chart(x0, title, points, xlabel, ylabel, logx):
    """One small line chart in a 300x220 box at x0; points [(x, y)]."""
    import math
    w, h, l, t = 300, 220, 55, 30
    pw, ph = w - l - 15, h - t - 45
    if not points:
        return f'<text x="{x0 + 20}" y="100">{title}: no data</text>'
    xs = [math.log10(p[0]) if logx else p[0] for p in points]
    ymax = max(p[1] for p in points) * 1.15 or 1
    xmin, xmax = min(xs), max(xs)
    span = (xmax - xmin) or 1

    def px(x):
        return x0 + l + (x - xmin) / span * pw

    def py(y):
        return t + ph - y / ymax * ph
    out = [f'<text x="{x0 + w / 2}" y="18" text-anchor="middle" font-weight="bold">{title}</text>',
           f'<line x1="{x0 + l}" y1="{t + ph}" x2="{x0 + l + pw}" y2="{t + ph}" stroke="#444"/>',
           f'<line x1="{x0 + l}" y1="{t}" x2="{x0 + l}" y2="{t + ph}" stroke="#444"/>',
           f'<text x="{x0 + l + pw / 2}" y="{h - 5}" text-anchor="middle">{xlabel}</text>',
           f'<text x="{x0 + 12}" y="{t + ph / 2}" text-anchor="middle" '
           f'transform="rotate(-90 {x0 + 12} {t + ph / 2})">{ylabel}</text>']
    for k in range(5):
        y = ymax * k / 4
        out.append(f'<text x="{x0 + l - 4}" y="{py(y) + 4:.1f}" text-anchor="end" font-size="10">{y:.0f}</text>')
        out.append(f'<line x1="{x0 + l}" y1="{py(y):.1f}" x2="{x0 + l + pw}" y2="{py(y):.1f}" stroke="#ddd"/>')
    pts = " ".join(f"{px(x):.1f},{py(p[1]):.1f}" for x, p in zip(xs, points))
    out.append(f'<polyline points="{pts}" fill="none" stroke="#1f6feb" stroke-width="2"/>')
    for x, p in zip(xs, points):
        lab = (f"{p[0] // 1000000}M" if p[0] >= 1000000 else
               f"{p[0] // 1000}k" if p[0] >= 1000 else str(p[0]))
        out.append(f'<circle cx="{px(x):.1f}" cy="{py(p[1]):.1f}" r="3" fill="#1f6feb"/>')
        out.append(f'<text x="{px(x):.1f}" y="{t + ph + 14}" text-anchor="middle" font-size="10">{lab}</text>')
        out.append(f'<text x="{px(x):.1f}" y="{py(p[1]) - 6:.1f}" text-anchor="middle" font-size="10">{p[1]:.0f}</text>')
    return "\n".join(out)


def svg(values):
    def series(prefix, keys):
        return [(k, values[f"{prefix}{k}"]) for k in keys if f"{prefix}{k}" in values]
    badges = (1000, 10000, 100000, 1000000)
    charts = [chart(0, "badge path p99 (tmpfs)", series("scale_badge_path_p99_us_", badges),
                    "badges", "µs", True),
              chart(300, "seuild RSS peak", series("scale_rss_peak_kib_", badges), "badges", "KiB", True),
              chart(600, "report, year by month", series("scale_report_month_ms_", (100, 500, 2000)),
                    "members", "ms", True)]
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="900" height="220" font-family="sans-serif" '
            'font-size="12">\n<rect width="900" height="220" fill="white"/>\n' + "\n".join(charts) + "\n</svg>\n")


def main():
    args = sys.argv[1:]
    with open(args[0]) as f:
        results = json.load(f)
    text, values = table(results)
    print()
    print(text)
    if "--record" in args:
        md = args[args.index("--record") + 1]
        svgpath = args[args.index("--svg") + 1]
        with open(svgpath, "w") as f:
            f.write(svg(values))
        scale = [f"| `{n}` | {v} {u} |" for n, v, u in results if n.startswith("scale_")]
        # make soak's figures are recorded by hand under "## Soak": keep them.
        soak = ""
        if os.path.exists(md):
            old = open(md).read()
            if "\n## Soak" in old:
                soak = old[old.index("\n## Soak"):]
        with open(md, "w") as f:
            f.write("# Benchmark results\n\n"
                    "Written by `make bench RECORD=1` (bench/run); every figure is described in\n"
                    "bench/README.md.  Latencies are nearest-rank percentiles.\n\n"
                    "## Machine\n\n" + "\n".join(machine()) + "\n\n"
                    "## Figures and targets\n\n" + text + "\n\n"
                    "## Scale curves\n\n"
                    f"![badge path p99 and RSS against badges; report time against members]({os.path.basename(svgpath)})\n\n"
                    "| figure | value |\n|---|---:|\n" + "\n".join(scale) + "\n" + soak)
        print(f"\nrecorded in {md} and {svgpath}")


if __name__ == "__main__":
    main()
