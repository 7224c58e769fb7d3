"""The load test's figures: one row per request name from locust's CSV, beside the bare-Flask
baseline measured in the same run, the wrk throughput ratio, and the after-run checks.

Prints the table, writes it as Markdown (``--markdown``), and exits 1 if locust saw a failure
(warm-up included), an app request's p99 reached ``--p99-limit`` ms, or a check failed.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

BARE = "bare: hello"


def wrk_figures(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    figures = {"rps": float(rps.group(1)) if rps else 0.0}
    for label in ("50%", "99%"):
        found = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\b", text, re.M)
        if found:
            value, unit = float(found.group(1)), found.group(2)
            figures[label] = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    figures["errors"] = bool(re.search(r"Non-2xx|Socket errors: connect [1-9]|read [1-9]|write [1-9]", text))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stats", required=True, help="locust's <prefix>_stats.csv")
    parser.add_argument("--summary", required=True, help="the locustfile's LOAD_SUMMARY")
    parser.add_argument("--checks", required=True, help="check_load.py's --json")
    parser.add_argument("--checks-status", type=int, default=0)
    parser.add_argument("--cpu-before")
    parser.add_argument("--cpu-after")
    parser.add_argument("--load-seconds", type=float, default=0)
    parser.add_argument("--queue", help="'<time> <depth>' lines sampled during the load")
    parser.add_argument("--wrk-page", required=True)
    parser.add_argument("--wrk-bare", required=True)
    parser.add_argument("--p99-limit", type=float, default=300)
    parser.add_argument("--header", default="", help="lines printed above the table")
    parser.add_argument("--markdown", required=True)
    args = parser.parse_args()

    with open(args.stats, encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle)]
    # A name seen only in the warm-up (the staff's sign-in) has no figures after the reset.
    by_name = {row["Name"]: row for row in rows if row["Name"] != "Aggregated" and int(row["Request Count"])}
    total = next((row for row in rows if row["Name"] == "Aggregated"), None)
    summary = json.loads(Path(args.summary).read_text(encoding="utf-8"))
    checks = json.loads(Path(args.checks).read_text(encoding="utf-8")) if Path(args.checks).exists() else {}
    page, bare = wrk_figures(Path(args.wrk_page)), wrk_figures(Path(args.wrk_bare))

    base = by_name.get(BARE)
    base_p50 = float(base["50%"]) if base else 0.0
    base_p99 = float(base["99%"]) if base else 0.0

    def ratio(value: float, of: float) -> str:
        return f"{value / of:.1f}×" if of else "–"

    header = [
        "request",
        "requests",
        "failures",
        "req/s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "p50 / bare",
        "p99 / bare",
    ]
    table = []
    problems = []
    order = sorted(by_name, key=lambda n: (n == BARE, n.split(":")[0], n))
    for name in order:
        row = by_name[name]
        p50, p95, p99 = float(row["50%"]), float(row["95%"]), float(row["99%"])
        failures = int(row["Failure Count"])
        table.append(
            [
                name,
                row["Request Count"],
                str(failures),
                f"{float(row['Requests/s']):.2f}",
                f"{p50:.0f}",
                f"{p95:.0f}",
                f"{p99:.0f}",
                f"{float(row['Max Response Time']):.0f}",
                "1.0×" if name == BARE else ratio(p50, base_p50),
                "1.0×" if name == BARE else ratio(p99, base_p99),
            ]
        )
        if failures:
            problems.append(f"{name}: {failures} failures")
        if name != BARE and row["Type"] != "CHECK" and p99 >= args.p99_limit:
            problems.append(f"{name}: p99 {p99:.0f} ms ≥ {args.p99_limit:.0f} ms")
    if total is not None:
        table.append(
            [
                "all (app and bare)",
                total["Request Count"],
                total["Failure Count"],
                f"{float(total['Requests/s']):.2f}",
                f"{float(total['50%']):.0f}",
                f"{float(total['95%']):.0f}",
                f"{float(total['99%']):.0f}",
                f"{float(total['Max Response Time']):.0f}",
                "",
                "",
            ]
        )
    if summary.get("warmup_failures"):
        problems.append(
            f"{len(summary['warmup_failures'])} failures during the warm-up: {summary['warmup_failures'][:3]}"
        )
    if page["errors"] or bare["errors"]:
        problems.append("wrk saw errors or non-2xx answers")
    for item in checks.get("checks", []):
        if not item["ok"]:
            problems.append(f"check failed: {item['check']}")
    if args.checks_status and not any(not item["ok"] for item in checks.get("checks", [])):
        problems.append(f"check_load.py exited {args.checks_status}")

    widths = [max(len(r[i]) for r in [header, *table]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    wrk_ratio = page["rps"] / bare["rps"] if bare["rps"] else 0.0
    done = (
        f"work done: {summary.get('returns_sent', 0)} returns and {summary.get('claims_sent', 0)} claims sent by buyers "
        f"(warm-up included), {summary.get('returns_approved', 0)} returns approved and "
        f"{summary.get('claims_accepted', 0)} claims accepted by staff; {summary.get('already_decided', 0)} decided "
        f"by a colleague first, {summary.get('inbox_empty', 0)} times an inbox was empty; fresh orders left: "
        f"{summary.get('fresh_returns_left')} for returns, {summary.get('fresh_claims_left')} for claims"
    )
    throughput = (
        f"wrk, 15 s each, same run: order page {page['rps']:.0f} req/s (p99 {page.get('99%', 0):.1f} ms), "
        f"bare Flask {bare['rps']:.0f} req/s (p99 {bare.get('99%', 0):.1f} ms): ratio {wrk_ratio:.2f}"
    )
    depths = []
    if args.queue and Path(args.queue).exists():
        depths = [
            int(p[1])
            for p in (row.split() for row in Path(args.queue).read_text().splitlines())
            if len(p) == 2 and p[1].isdigit()
        ]
    queue = (
        f"background: RQ queue depth during the load max {max(depths, default=0)}, "
        f"last {depths[-1] if depths else 0} (sampled every 5 s); queue drained {checks.get('queue_drain_seconds', '?')} s after the load; failed_jobs "
        f"{checks.get('failed_jobs') or 'empty'}; mail {checks.get('mail')}; returns {checks.get('returns')}; "
        f"claims {checks.get('claims')}; refunds {checks.get('refunds')}; slips {checks.get('slips_received')}"
    )
    cpu = ""
    if args.cpu_before and args.cpu_after and Path(args.cpu_after).exists():
        before = json.loads(Path(args.cpu_before).read_text())
        after = json.loads(Path(args.cpu_after).read_text())
        used = {name: after[name] - before.get(name, 0) for name in after}
        if summary.get("locust_cpu_seconds") is not None:
            used["locust"] = summary["locust_cpu_seconds"]
        span = args.load_seconds or 1
        cpu = f"CPU during the load (warm-up included, {span:.0f} s; share of one core): " + ", ".join(
            f"{name} {seconds:.0f} s ({100 * seconds / span:.0f} %)" for name, seconds in used.items()
        )
    out = [args.header.rstrip(), "", line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in table]
    out += [
        "",
        f"bare Flask baseline (locust, same run): p50 {base_p50:.0f} ms, p99 {base_p99:.0f} ms, "
        f"{float(base['Requests/s']) if base else 0:.2f} req/s",
        throughput,
        done,
        queue,
        cpu,
    ]
    out += ["", "RESULT: " + ("PASS" if not problems else "FAIL")] + [f"  - {p}" for p in problems]
    print("\n".join(out))

    md = [args.header.rstrip(), ""]
    md.append("| " + " | ".join(header) + " |")
    md.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
    md += ["| " + " | ".join(r) + " |" for r in table]
    md += [
        "",
        f"- bare Flask baseline (locust, same run): p50 {base_p50:.0f} ms, p99 {base_p99:.0f} ms",
        f"- {throughput}",
        f"- {done}",
        f"- {queue}",
        f"- {cpu}",
        "",
        "Result: " + ("PASS" if not problems else "FAIL"),
    ]
    md += [f"- {p}" for p in problems]
    Path(args.markdown).write_text("\n".join(md) + "\n", encoding="utf-8")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
