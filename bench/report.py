#!/usr/bin/env python3
"""bench/report.py: the tables of `make bench` (bench/run.sh writes the raw
figures; this reads them). Prints the tables and writes the generated part of
docs/performance.md: the machine, the date, the commit, the tables and the
issue-15 targets with pass/fail, above MARKER. Everything below MARKER in the
existing file (the hand-written notes) is kept as it is.

results.tsv: backend conns case server round rps p50 p99 cpu_us rss_kib non2xx
paced.tsv:   backend case server round offered_rps rps p50 p99 non2xx (the
             paced runs at 256 connections that judge the p99 target)
extras.tsv:  key value (stmts.B.CASE, bulk.B.SERVER.R "secs hwm" with
             SERVER restmap, hand or raw (hwm 0),
             keyset.B.shallow|deep.R rps, soak.B "secs rss... hwm",
             version.postgresql)
orm tsv:     build/bench_orm --tsv (a header line, then workload rows with
             an orm_over_raw or ratio column), or "failed"."""
import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time

MARKER = "<!-- hand-written notes below: kept by bench/run.sh -->"
CASES = [
    ("get_id", "GET one object", 0.9),
    ("page_include", "page of 20 with include", 0.7),
    ("filtered", "filtered page", 0.7),
    ("post_nested", "POST with two nested addresses", 0.7),
    ("patch", "PATCH one column", 0.9),
]
# statements the hand-written servers run (bench/hand_sqlite.c, hand_pg.c),
# BEGIN/COMMIT not counted, as restmap's Server-Timing does not count them
HAND_STMTS = {"get_id": "2", "page_include": "2", "filtered": "2", "post_nested": "3", "patch": "3",
              "bulk": "1 per row"}
BULK_USERS, BULK_ROWS = 10000, 30000
MIB = 1024


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def ms(text):
    """wrk's latency ("812.00us", "1.20ms", "2.01s") in milliseconds."""
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text or "")
    if not m:
        return None
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec=".0f", none="–"):
    return none if v is None else format(v, spec)


def machine(extras, commit):
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
        with open("/proc/meminfo") as f:
            ram = int(next(l.split()[1] for l in f if l.startswith("MemTotal"))) / MIB / MIB
    except (OSError, StopIteration):
        ram = 0
    try:
        with open("/etc/debian_version") as f:
            debian = f.read().strip()
    except OSError:
        debian = "?"
    return [
        ("CPU", cpu), ("cores", str(os.cpu_count())), ("RAM", f"{ram:.1f} GiB"),
        ("kernel", platform.release()), ("Debian", debian),
        ("SQLite", sh("pkg-config", "--modversion", "sqlite3")),
        ("PostgreSQL", extras.get("version.postgresql", "not run")),
        ("libpq", sh("pkg-config", "--modversion", "libpq")),
        ("libmicrohttpd", sh("pkg-config", "--modversion", "libmicrohttpd")),
        ("wrk", sh("sh", "-c", "wrk --version 2>&1 | head -1 | cut -d' ' -f2")),
        ("date", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())),
        ("commit", commit),
    ]


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--paced")
    ap.add_argument("--extras", required=True)
    ap.add_argument("--orm")
    ap.add_argument("--out", required=True)
    ap.add_argument("--secs")
    ap.add_argument("--rounds")
    ap.add_argument("--threads")
    ap.add_argument("--deep-rows")
    ap.add_argument("--backends", default="")
    ap.add_argument("--restmap-args", default="")
    ap.add_argument("--commit", default="?")
    a = ap.parse_args()

    runs = {}  # (backend, conns, case, server) -> list of rows
    with open(a.results) as f:
        for line in f:
            b, c, k, s, _r, rps, p50, p99, cpu, rss, bad = line.rstrip("\n").split("\t")
            runs.setdefault((b, int(c), k, s), []).append(
                {"rps": float(rps), "p50": ms(p50), "p99": ms(p99), "cpu": float(cpu), "rss": int(rss or 0),
                 "bad": int(bad)})
    paced = {}  # (backend, case, server) -> list of rows
    if a.paced and os.path.exists(a.paced):
        with open(a.paced) as f:
            for line in f:
                b, k, s, _r, rate, rps, p50, p99, bad = line.rstrip("\n").split("\t")
                paced.setdefault((b, k, s), []).append(
                    {"rate": float(rate), "rps": float(rps), "p50": ms(p50), "p99": ms(p99), "bad": int(bad)})
    extras = {}
    with open(a.extras) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            extras[k] = v

    def m(b, c, k, s, field):
        return med([r[field] for r in runs.get((b, c, k, s), [])])

    backends = a.backends.split()
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    lines = ["# Performance", "",
             "Generated by `make bench` (bench/run.sh, bench/report.py): restmap against hand-written "
             "libmicrohttpd servers (bench/hand_sqlite.c, bench/hand_pg.c) that answer the same requests "
             "with the same JSON bytes (checked byte for byte before measuring), on bench/schema.json with "
             "1,000 users × 2 addresses. Each figure is the median of "
             f"{a.rounds} alternating runs of {a.secs} s of wrk, each server started fresh, "
             f"{a.threads} server threads each. Ratio: restmap req/s ÷ hand-written req/s. Statements: "
             "restmap's Server-Timing / what the hand-written server runs (BEGIN/COMMIT not counted). "
             "CPU: server utime+stime per request. RSS: the server's peak (VmHWM) over the run. "
             "restmap runs with its defaults (its access log on, into a file), --max-body 64 MiB, "
             f"--max-connections-per-ip 0{(' and ' + a.restmap_args) if a.restmap_args else ''}. "
             "The hand-written servers run the same SELECTs; they write with one prepared INSERT per row "
             "(SQLite: no RETURNING, sqlite3_last_insert_rowid; PostgreSQL: RETURNING id, pipelined), "
             "hence 3 statements for the nested POST where restmap runs 2; on SQLite their writers queue "
             "on one mutex, as restmap's do. On PostgreSQL restmap sends BEGIN in one pipeline with a "
             "transaction's first statement, the hand-written server sends it alone (a round trip more per "
             "request). Every run starts from a fresh copy of the database, so the "
             "writing cases do not grow the tables the later cases read.", "",
             "wrk keeps all its connections busy: at saturation a request waits for the others, and the mean "
             "latency is connections ÷ req/s (Little's law; 256 connections at 5,000 req/s: 51 ms), for any "
             "server. The p99 target at 256 connections is therefore judged on paced runs: both servers get "
             "the same offered load, half of the hand-written server's median req/s at 256 connections, from "
             "256 connections that each wait a random 0 to 2× the mean gap before each request (wrk's delay(); "
             "latency is counted from the request's send); a server slower than that load queues, and its p99 "
             "shows it.", ""]
    lines += table(["machine", ""], machine(extras, a.commit)) + [""]

    conns_all = sorted({c for (_b, c, _k, _s) in runs})
    targets = []
    for b in backends:
        lines += [f"## HTTP on {label.get(b, b)}", ""]
        rows = []
        for k, name, _t in CASES:
            for c in conns_all:
                rr, hr = m(b, c, k, "restmap", "rps"), m(b, c, k, "hand", "rps")
                if rr is None:
                    continue
                bad = {s: sum(r["bad"] for r in runs.get((b, c, k, s), [])) for s in ("restmap", "hand")}
                flag = {s: f" ({bad[s]} non-2xx)" if bad[s] else "" for s in bad}
                rows.append([name if c == conns_all[0] else "", c, fmt(rr) + flag["restmap"], fmt(hr) + flag["hand"],
                             fmt(rr / hr if hr else None, ".2f"),
                             f"{fmt(m(b, c, k, 'restmap', 'p50'), '.2f')} / {fmt(m(b, c, k, 'restmap', 'p99'), '.1f')}",
                             f"{fmt(m(b, c, k, 'hand', 'p50'), '.2f')} / {fmt(m(b, c, k, 'hand', 'p99'), '.1f')}",
                             f"{extras.get(f'stmts.{b}.{k}', '?')} / {HAND_STMTS[k]}",
                             f"{fmt(m(b, c, k, 'restmap', 'cpu'))} / {fmt(m(b, c, k, 'hand', 'cpu'))}",
                             f"{fmt(m(b, c, k, 'restmap', 'rss') / MIB if m(b, c, k, 'restmap', 'rss') else None, '.1f')}"
                             f" / {fmt(m(b, c, k, 'hand', 'rss') / MIB if m(b, c, k, 'hand', 'rss') else None, '.1f')}"])
        lines += table(["request", "conns", "restmap req/s", "hand req/s", "ratio", "restmap p50/p99 ms",
                        "hand p50/p99 ms", "statements", "CPU µs/req", "peak RSS MiB"], rows) + [""]

        # paced runs at 256 connections
        prow = []
        for k, name, _t in CASES:
            if (b, k, "restmap") not in paced:
                continue
            pm = {s: (lambda f, s=s: med([r[f] for r in paced.get((b, k, s), [])])) for s in ("restmap", "hand")}
            bad = {s: sum(r["bad"] for r in paced.get((b, k, s), [])) for s in ("restmap", "hand")}
            prow.append([name, fmt(pm["restmap"]("rate")),
                         fmt(pm["restmap"]("rps")) + (f" ({bad['restmap']} non-2xx)" if bad["restmap"] else ""),
                         fmt(pm["hand"]("rps")) + (f" ({bad['hand']} non-2xx)" if bad["hand"] else ""),
                         f"{fmt(pm['restmap']('p50'), '.2f')} / {fmt(pm['restmap']('p99'), '.1f')}",
                         f"{fmt(pm['hand']('p50'), '.2f')} / {fmt(pm['hand']('p99'), '.1f')}"])
        if prow:
            lines += ["Paced at 256 connections (paced at half the hand-written server's saturated req/s above; "
                      "medians of the rounds):", ""]
            lines += table(["request", "paced at req/s", "restmap req/s", "hand req/s", "restmap p50/p99 ms",
                            "hand p50/p99 ms"], prow) + [""]

        # bulk POST
        bulk = {s: [tuple(map(float, extras[key].split())) for key in sorted(extras)
                    if key.startswith(f"bulk.{b}.{s}.")] for s in ("restmap", "hand", "raw")}
        if bulk["restmap"]:
            sec = {s: med([x[0] for x in bulk[s]]) for s in bulk}
            rhwm, hhwm = max(x[1] for x in bulk["restmap"]), max(x[1] for x in bulk["hand"])
            driver = "sqlite3" if b == "sqlite" else "libpq"
            lines += [f"Bulk POST of {BULK_USERS:,} users × 2 addresses ({BULK_ROWS:,} rows) in one request, "
                      "one connection, against the hand-written server (the same request, inserted row by row "
                      f"with prepared statements in one transaction) and the raw {driver} limit (`hand_"
                      f"{'sqlite' if b == 'sqlite' else 'pg'} --raw-bulk`, bench/hand_bulk.c: the same rows "
                      "through the same prepared INSERTs in one transaction"
                      f"{', pipelined' if b != 'sqlite' else ''}, no HTTP, no JSON; its seconds are from BEGIN to "
                      "COMMIT). restmap's and the hand-written server's seconds are the whole request, "
                      "as the client sees it; restmap inserts several rows per statement where these insert one"
                      f"{' (INSERT … RETURNING id)' if b != 'sqlite' else ''}:", ""]
            brows = [["restmap", fmt(sec["restmap"], ".3f"), fmt(BULK_ROWS / sec["restmap"]), fmt(rhwm / MIB, ".1f"),
                      extras.get(f"stmts.{b}.bulk", "?") + " (for 5 users)"],
                     ["hand-written HTTP", fmt(sec["hand"], ".3f"), fmt(BULK_ROWS / sec["hand"]),
                      fmt(hhwm / MIB, ".1f"), HAND_STMTS["bulk"]]]
            if sec["raw"]:
                brows.append([f"raw {driver}", fmt(sec["raw"], ".3f"), fmt(BULK_ROWS / sec["raw"]), "–",
                              HAND_STMTS["bulk"]])
            lines += table(["server", "seconds", "rows/s", "peak RSS MiB", "statements"], brows) + [""]
            if sec["raw"]:
                r = sec["raw"] / sec["restmap"]
                targets.append((b, f"bulk POST rows/s ≥ 0.5 × raw {driver} rows/s", f"{r:.2f} ×", r >= 0.5))
            targets.append((b, "bulk POST peak RSS < 64 MiB", f"{rhwm / MIB:.1f} MiB", rhwm < 64 * MIB))

        # keyset paging
        kv = {w: [v.split() for key, v in extras.items() if key.startswith(f"keyset.{b}.{w}.") and v]
              for w in ("shallow", "deep")}
        ks = {w: med([float(x[0]) for x in kv[w]]) for w in kv}
        k50 = {w: med([ms(x[1]) for x in kv[w] if len(x) > 1]) for w in kv}
        if ks["shallow"]:
            lines += [f"Keyset paging (`?cursor=` from links.next), restmap, pages of 20 on a table of "
                      f"{int(a.deep_rows):,} users, 8 connections:", ""]
            lines += table(["page near row", "req/s", "p50 ms per page"],
                           [["1,000", fmt(ks["shallow"]), fmt(k50["shallow"], ".2f")],
                            [f"{int(a.deep_rows):,}", fmt(ks["deep"]), fmt(k50["deep"], ".2f")]]) + [""]
            ratio = ks["deep"] / ks["shallow"] if ks["deep"] else 0
            targets.append((b, f"keyset page at row {int(a.deep_rows):,} as fast as at row 1,000 (≥ 0.9)",
                            f"{ratio:.2f}", ratio >= 0.9))

        # soak
        if f"soak.{b}" in extras:
            v = [float(x) for x in extras[f"soak.{b}"].split()]
            secs, samples, hwm = v[0], v[1:-1], v[-1]
            lines += [f"Soak: restmap, pages with include at 64 connections for {secs:.0f} s; VmRSS (MiB) "
                      "at each tenth of the run, then the peak:", ""]
            lines += table([f"{i + 1}/10" for i in range(len(samples))] + ["peak"],
                           [[f"{s / MIB:.1f}" for s in samples] + [f"{hwm / MIB:.1f}"]]) + [""]
            growth = (samples[-1] - samples[1]) / samples[1] if len(samples) > 1 and samples[1] else 0
            targets.append((b, f"RSS flat over the {secs:.0f} s soak (growth from 2/10 to 10/10 ≤ 5 %)",
                            f"{growth * 100:+.1f} %", growth <= 0.05))

        # the per-request targets
        c0 = conns_all[0] if conns_all else None
        for k, name, t in CASES:
            rr, hr = m(b, c0, k, "restmap", "rps"), m(b, c0, k, "hand", "rps")
            if rr and hr:
                targets.append((b, f"{name}: restmap/hand-written ≥ {t} at {c0} connections", f"{rr / hr:.2f}",
                                rr / hr >= t))
        if 64 in conns_all:
            peak = max((m(b, 64, k, "restmap", "rss") or 0) for k, _n, _t in CASES)
            targets.append((b, "restmap RSS < 32 MiB at 64 connections (peak over the cases)",
                            f"{peak / MIB:.1f} MiB", peak < 32 * MIB))
        if any((b, k, "restmap") in paced for k, _n, _t in CASES):
            p99s = {k: med([r["p99"] for r in paced.get((b, k, "restmap"), [])]) for k, _n, _t in CASES}
            k99 = max((k for k in p99s if p99s[k] is not None), key=lambda k: p99s[k])
            targets.append((b, "restmap p99 < 50 ms at 256 connections, paced (worst case)",
                            f"{p99s[k99]:.1f} ms ({dict((k, n) for k, n, _t in CASES)[k99]})", p99s[k99] < 50))
        else:
            targets.append((b, "restmap p99 < 50 ms at 256 connections", "not measured (BENCH_CONNS)", None))

    lines += ["## ORM workloads (SQLite, no HTTP)", ""]
    if not a.orm:
        lines += ["not built: build/bench_orm has no rule in the Makefile yet (bench/orm/).", ""]
    else:
        with open(a.orm) as f:
            orm = [l.rstrip("\n").split("\t") for l in f if l.strip()]
        if not orm or orm[0] == ["failed"]:
            lines += ["build/bench_orm failed: see the output of `make bench`.", ""]
        else:
            head, body = orm[0], orm[1:]
            lines += ["Each workload of SQLAlchemy's examples/performance suite run through orm/ as a library "
                      "and written again with the raw sqlite3 C API (bench/orm/: prepared statements, the same "
                      "transaction pattern), on one SQLite file in WAL mode with synchronous=NORMAL, the sides "
                      "alternating in child processes. Columns: workload; rows it inserts, reads or updates; "
                      "orm_s and raw_s, the median wall-clock seconds of each side; orm_over_raw, orm_s ÷ raw_s, "
                      "the time ratio the ORM/raw ≤ 1.5 target is judged on (a time ratio, not an instruction "
                      "count; bench/orm/profile.sh counts instructions); orm_rows_per_s; orm_peak_rss_kib and "
                      "raw_peak_rss_kib, each side's peak RSS (VmHWM of its own process). Statements per "
                      "request: n/a (these workloads make no HTTP requests; what each side runs is in "
                      "bench/orm/README.md).", ""]
            lines += table(head, body) + [""]
            col = next((c for c in ("orm_over_raw", "ratio") if c in head), None)
            if col:
                i, w = head.index(col), head.index("workload") if "workload" in head else 0
                for r in body:
                    try:
                        targets.append(("sqlite", f"ORM/raw time ≤ 1.5: {r[w]}", r[i], float(r[i]) <= 1.5))
                    except (ValueError, IndexError):
                        pass

    lines += ["## Targets (issue 15)", ""]
    lines += table(["backend", "target", "measured", "result"],
                   [[label.get(b, b), t, v, "–" if ok is None else "pass" if ok else "**fail**"]
                    for b, t, v, ok in targets]) + [""]

    generated = "\n".join(lines)
    print(generated)
    notes = "\n"
    if os.path.exists(a.out):
        with open(a.out) as f:
            old = f.read()
        if MARKER in old:
            notes = old.split(MARKER, 1)[1]
    with open(a.out, "w") as f:
        f.write(generated + "\n" + MARKER + notes)
    print(f"\nbench: wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
