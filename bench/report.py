"""Write docs/benchmarks.{json,md,png} (and the table in docs/build.md) from bench results.

    .venv/bin/python bench/report.py RESULTS.json [--docs DIR]   # re-render without re-running

The hand-written analysis in benchmarks.md (between the `analysis` markers) and everything in
build.md outside the `bench:build` markers are kept as they are.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

MB = 1_000_000
TARGETS = {  # key: (threshold, "min" = value must be >= threshold, "max" = <=)
    "ingest_speedup_vs_baseline": (5.0, "min"),
    "ingest_rss_growth": (1.3, "max"),
    "build_speedup_vs_baseline": (10.0, "min"),
    "build_vs_floor": (2.0, "max"),
    "incremental_vs_full": (0.2, "max"),
    "build_peak_rss_mb": (3000.0, "max"),
    "build_rss_growth": (1.3, "max"),
}
ANALYSIS = ("<!-- analysis:start -->", "<!-- analysis:end -->")
BUILD_TABLE = ("<!-- bench:build:start -->", "<!-- bench:build:end -->")
COMMAND = ".venv/bin/python bench/run.py   # = make bench; --sizes 100M for a quick run"


def summarize(results: dict) -> dict:
    sizes = results["sizes"]
    labels = list(sizes)
    big, small = sizes[labels[-1]], sizes[labels[0]]
    growth_label = "1G" if "1G" in sizes and labels[-1] != "1G" else labels[0]
    growth_base = sizes[growth_label]
    out = {
        "largest_size": labels[-1],
        "ingest_speedup_vs_baseline": _r(big["ingest"]["mb_per_s"]
                                         / big["baseline_ingest"]["mb_per_s"]),
        "ingest_cpu_speedup_vs_baseline": _r(big["baseline_ingest"]["cpu_seconds"]
                                             / big["ingest"]["cpu_seconds"]),
        "build_speedup_vs_baseline": _r(big["baseline_build"]["seconds"]
                                        / big["build"]["seconds"]),
        "build_vs_floor": _r(big["build"]["seconds"] / big["floor"]["seconds"]),
        "ingest_rss_growth": (_r(big["ingest"]["peak_rss_mb"] / small["ingest"]["peak_rss_mb"])
                              if len(labels) > 1 else None),
        "ingest_rss_growth_sizes": f"{labels[-1]} / {labels[0]}",
        # only a weekly build that was incremental counts (a project edited mid-run, say, makes
        # it a full refresh: its plan says so)
        "incremental_vs_full": (_r(big["incremental_build"]["seconds"] / big["build"]["seconds"])
                                if _incremental(big) else None),
        # per size: (weeks of history per cohort, weekly build time / full build time)
        "incremental_vs_full_by_size": {
            label: {"weeks": size["exports_per_cohort"],
                    "ratio": _r(size["incremental_build"]["seconds"] / size["build"]["seconds"])}
            for label, size in sizes.items() if _incremental(size)},
        "build_peak_rss_mb": round(big["build"]["peak_rss_mb"]),
        # against 1 GB when it was measured (the 4 GB / 1 GB), else the smallest size
        "build_rss_growth": (_r(big["build"]["peak_rss_mb"] / growth_base["build"]["peak_rss_mb"])
                             if len(labels) > 1 else None),
        "build_rss_growth_sizes": f"{labels[-1]} / {growth_label}",
    }
    scan = results.get("athena_scan") or {}
    if "scanned_incremental_vs_full" in scan:
        out["weekly_build_scanned_bytes"] = {
            "size": scan["label"], "weeks": scan["weeks"], "incremental": scan["incremental"],
            "incremental_bytes": scan["weekly"]["scanned_bytes"]["total"],
            "full_bytes": scan["full"]["scanned_bytes"]["total"],
            "incremental_vs_full": scan["scanned_incremental_vs_full"]}
    out["targets"] = {}
    for key, (threshold, kind) in TARGETS.items():
        value = out[key]
        met = None if value is None else (value >= threshold if kind == "min"
                                          else value <= threshold)
        out["targets"][key] = {"value": value, "target": f"{'>=' if kind == 'min' else '<='} "
                               f"{threshold:g}", "met": met}
    return out


def _incremental(size: dict) -> bool:
    return "incremental:" in size.get("incremental_build", {}).get("plan", "")


def _r(x: float) -> float:
    return round(x, 2)


def write(results: dict, docs: Path) -> dict:
    docs.mkdir(parents=True, exist_ok=True)
    summary = summarize(results)
    payload = {k: v for k, v in summary.items() if k != "targets"}
    payload.update(targets=summary["targets"], bench_seconds=results.get("bench_seconds"),
                   quiet_wait_seconds=results.get("quiet_wait_seconds"),
                   command=COMMAND, machine=results["machine"], sizes=results["sizes"])
    (docs / "benchmarks.json").write_text(json.dumps(payload, indent=2) + "\n")
    plot(results, docs / "benchmarks.png")
    md = docs / "benchmarks.md"
    analysis = _between(md.read_text(), *ANALYSIS) if md.exists() else None
    md.write_text(markdown(results, summary, analysis))
    build_md = docs / "build.md"
    if build_md.exists():
        text = build_md.read_text()
        if BUILD_TABLE[0] in text:
            build_md.write_text(_replace_between(text, *BUILD_TABLE, build_table(results)))
    return {k: v["value"] for k, v in summary["targets"].items()} | {
        "bench_minutes": round((results.get("bench_seconds") or 0) / 60, 1)}


def _between(text: str, start: str, end: str) -> str | None:
    m = re.search(re.escape(start) + r"\n(.*?)" + re.escape(end), text, re.DOTALL)
    return m.group(1) if m else None


def _replace_between(text: str, start: str, end: str, body: str) -> str:
    return re.sub(re.escape(start) + r".*?" + re.escape(end),
                  lambda _: f"{start}\n{body}{end}", text, flags=re.DOTALL)


def _s(x: float) -> str:
    return f"{x:,.1f} s" if x < 100 else f"{x:,.0f} s"


def _mb(x: float) -> str:
    return f"{x:,.0f} MB"


def _bytes(n: int) -> str:
    return f"{n / MB:,.1f} MB" if n < 100 * MB else f"{n / MB:,.0f} MB"


def _x(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "n/a"


def _faster(base: float, ours: float, word: str = "faster") -> str:
    """`base / ours` as "N× faster", or "N× slower" when ours takes longer."""
    if not ours or not base:
        return "n/a"
    if base >= ours:
        return f"{base / ours:.2f}× {word}"
    return f"{ours / base:.2f}× {'slower' if word == 'faster' else 'more'}"


def size_table(s: dict) -> str:
    i, bi, b, f, bb = (s["ingest"], s["baseline_ingest"], s["build"], s["floor"],
                       s["baseline_build"])
    rows = [
        "| | ours | baseline (upstream way) | floor (bare DuckDB scan) | ours vs baseline |",
        "|---|---:|---:|---:|---:|",
        (f"| ingest wall time | {_s(i['seconds'])} | {_s(bi['seconds'])} | | "
        f"{_faster(bi['seconds'], i['seconds'])} |"),
        (f"| ingest throughput (NDJSON) | {i['mb_per_s']:,.0f} MB/s | {bi['mb_per_s']:,.0f} MB/s | |"
        f" {_x(i['mb_per_s'], bi['mb_per_s'])} |"),
        (f"| ingest CPU time | {_s(i['cpu_seconds'])} | {_s(bi['cpu_seconds'])} | | "
        f"{_faster(bi['cpu_seconds'], i['cpu_seconds'], 'less')} |"),
        f"| ingest peak RSS | {_mb(i['peak_rss_mb'])} | {_mb(bi['peak_rss_mb'])} | | |",
        f"| raw zone (gzip) | {_bytes(i['raw_bytes'])} | {_bytes(bi['raw_bytes'])} | | |",
        (f"| build wall time | {_s(b['seconds'])} | {_s(bb['seconds'])} | {_s(f['seconds'])} | "
        f"{_faster(bb['seconds'], b['seconds'])} |"),
        (f"| build CPU time | {_s(b['cpu_seconds'])} | {_s(bb['cpu_seconds'])} | "
        f"{_s(f['cpu_seconds'])} | {_faster(bb['cpu_seconds'], b['cpu_seconds'], 'less')} |"),
        (f"| build peak RSS (process tree) | {_mb(b['peak_rss_mb'])} | {_mb(bb['peak_rss_mb'])} | "
        f"{_mb(f['peak_rss_mb'])} | |"),
        (f"| other processes during the step (cores busy) | {i['other_cores']:.2f} / "
         f"{b['other_cores']:.2f} | {bi['other_cores']:.2f} / {bb['other_cores']:.2f} | "
         f"{f['other_cores']:.2f} | |"),
        (f"| Parquet written | {_bytes(b['parquet_bytes'])} ({b['parquet_tables']} tables) | "
        f"{_bytes(bb['parquet_bytes'])} (parents) | {_bytes(f['parquet_bytes'])} (raw columns) | |"),
        (f"| parent rows written | {b['parent_rows']:,} | {bb['parent_rows']:,} | "
        f"{f['rows']:,} (all raw rows) | |"),
    ]
    w = s.get("incremental_build")
    if w:
        rows += [
            (f"| weekly build wall time (one more export per cohort) | {_s(w['seconds'])} | | | "
             f"{w['seconds'] / b['seconds']:.2f} of the full build |"),
            f"| weekly build peak RSS | {_mb(w['peak_rss_mb'])} | | | |",
            f"| weekly build plan | {w.get('plan') or '?'} | | | |",
        ]
    return "\n".join(rows) + "\n"


def dbt_table(s: dict) -> str:
    b = s["build"]
    layers = ", ".join(f"{k} {v:,.1f} s" for k, v in b["layer_seconds"].items())
    slow = ", ".join(f"`{n['node']}` {n['seconds']:,.1f} s" for n in b["slowest"][:6])
    return (f"`recover build` {_s(b['seconds'])} = dbt {_s(b['dbt_elapsed_seconds'])} "
            f"({b['nodes']} nodes, 2 dbt threads; summed node times: {layers}) + dbt start-up, "
            f"raw-view refresh and the Parquet export "
            f"{_s(b['seconds'] - b['dbt_elapsed_seconds'])}. Slowest nodes: {slow}.\n")


def build_table(results: dict) -> str:
    rows = [("| raw zone (NDJSON / gzip) | exports | `recover build` wall time | peak RSS "
            "(process tree) | of which dbt | Parquet written |"),
            "|---|---:|---:|---:|---:|---:|"]
    for s in results["sizes"].values():
        b = s["build"]
        rows.append(f"| {_bytes(s['ndjson_bytes'])} / {_bytes(s['ingest']['raw_bytes'])} | "
                    f"{s['exports']} | {_s(b['seconds'])} | {_mb(b['peak_rss_mb'])} | "
                    f"{_s(b['dbt_elapsed_seconds'])} | {_bytes(b['parquet_bytes'])} |")
    m = results["machine"]
    rows.append("")
    rows.append(f"Measured by `make bench` (`{COMMAND.split('   #')[0]}`), which runs "
                f"`recover build --lake LAKE --namespace bench` in a subprocess on "
                f"{m['cpu']}, {m['nproc']} cores, {m['mem_gib']} GiB RAM; peak RSS is the "
                "whole process tree (`recover build` and its dbt child). Full figures: "
                "docs/benchmarks.md.")
    return "\n".join(rows) + "\n"


def markdown(results: dict, summary: dict, analysis: str | None) -> str:
    m = results["machine"]
    sizes = results["sizes"]
    last = list(sizes.values())[-1]["build"]
    nodes = ", ".join(f"{n} {layer}" for layer, n in last.get("layer_nodes", {}).items()
                      if layer != "operations")
    out = [
        "# Benchmarks: ingest and build, ours against the upstream way",
        "",
        ("Generated by `make bench` (`bench/run.py`; re-render with `bench/report.py "
        "RESULTS.json`). All figures come from one run on one machine; ratios are one "
        "measurement each, not averages."),
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, `nproc` = {m['nproc']}",
        f"- RAM: {m['mem_gib']} GiB; `free -g`:",
        "",
        "```",
        m["free_g"],
        "```",
        "",
        (f"- {m['os']}, Python {m['python']}, DuckDB {m['duckdb']}, dbt-core {m['dbt']}, "
        f"pandas {m['pandas']}, pyarrow {m['pyarrow']}"),
        ("- Local disk; page cache warm (the exports are read right after being generated, "
        "the raw zone right after being ingested). Every raw file is fsynced, ours and "
        "baseline alike."),
        "",
        "## Commands",
        "",
        "```sh",
        "make bench                                   # all three sizes",
        ".venv/bin/python bench/run.py --sizes 100M   # one size, quick iterations",
        "```",
        "",
        ("Per size, `bench/run.py` generates a synthetic series with "
        "`recover.generate.generate_series(out, exports, size_mb, seed)` (4 weekly exports per "
        "cohort, both cohorts), then runs each step in its own subprocess and measures wall "
        "time, CPU time (user + system, children included) and peak RSS of the whole process "
        "tree (every 50 ms: the sum of VmRSS over the tree, and the largest per-process VmHWM; "
        "the larger is reported, see bench/measure.py):"),
        "",
        "| step | ours | baseline (bench/baseline.py) | floor (bench/floor.py) |",
        "|---|---|---|---|",
        ("| ingest | `recover ingest EXPORT... --lake L --namespace bench`: deflate "
        "pass-through + CRC check | per member: decompress, re-gzip at level 6 (upstream's raw "
        "Lambda) | |"),
        ("| build | `recover build --lake L --namespace bench`: dbt build on DuckDB "
        f"({nodes}) + Parquet export of the curated tables | Python per-record transform "
        "(value transforms) + `pandas.json_normalize` flattening + de-dup (sort by InsertedDate / "
        "export_end_date, `drop_duplicates` on the index fields) + HealthKit deletions, parent "
        "tables only, Snappy Parquet partitioned by cohort | DuckDB `read_json` of every raw "
        "table (all columns VARCHAR, as the raw views) `COPY`'d to Parquet: no typing, "
        "flattening, de-dup, children or tests |"),
        "",
        ("The baseline is a lighter job than upstream's: no child tables (relationalize), "
        "no NDJSON/gzip round trip between the S3-to-JSON and JSON-to-Parquet jobs, no Spark. "
        "Our build does strictly more work than it (children, typing, tests, monitoring)."),
        "",
        "## Targets (largest size)",
        "",
        "| ratio | value | target | met |",
        "|---|---:|---:|---|",
    ]
    for key, t in summary["targets"].items():
        met = "n/a" if t["met"] is None else ("yes" if t["met"] else "**no**")
        value = "n/a" if t["value"] is None else f"{t['value']:.2f}"
        out.append(f"| `{key}` | {value} | {t['target']} | {met} |")
    out += [
        "",
        (f"`ingest_speedup_vs_baseline` is the throughput ratio (wall time); on CPU time the "
        f"ratio is {summary['ingest_cpu_speedup_vs_baseline']:.2f}. `ingest_rss_growth` = peak "
        f"RSS of `recover ingest` at {summary['ingest_rss_growth_sizes']}. "
        f"`build_vs_floor` = our build time / the floor's."),
        "",
        ("Weekly build (one more export per cohort, built incrementally) / full build, per size: "
         + (", ".join(f"{label} ({v['weeks']} weeks of history) {v['ratio']:.2f}"
                      for label, v in summary["incremental_vs_full_by_size"].items())
            or "none was incremental") + "."),
        "",
        *athena_scan_text(results.get("athena_scan")),
        (f"Total bench time: {results.get('bench_seconds', 0) / 60:.1f} min, of which "
         f"{results.get('quiet_wait_seconds', 0):.0f} s waiting for other processes to calm "
         "down (the machine is shared; the bench waits, up to a budget, until they use under "
         "0.3 cores before each step, and records how busy they kept the machine during "
         "the step; for the ingest this includes the kernel's writeback of our own files)."),
        "",
        "![time against input size](benchmarks.png)",
        "",
    ]
    for label, s in sizes.items():
        out += [
            (f"## {label}: {_bytes(s['ndjson_bytes'])} NDJSON in {s['exports']} exports "
             f"({s['members']} members, {_bytes(s['export_bytes'])} zipped)"),
            "",
            (f"`generate_series(out, exports={s['exports_per_cohort']}, "
             f"size_mb={s['size_mb_per_export']:g}, seed={results.get('seed', '?')})`: "
             f"{s['exports_per_cohort']} exports per cohort of about "
             f"{s['size_mb_per_export']:g} MB of NDJSON each, generated in "
             f"{s['generate_seconds']:.0f} s."),
            "",
            size_table(s),
            dbt_table(s),
        ]
    out += ["## Analysis", "", ANALYSIS[0]]
    out.append((analysis or "(to be written)").rstrip("\n") + "\n")
    out += [ANALYSIS[1], ""]
    return "\n".join(out)


def athena_scan_text(scan: dict | None) -> list[str]:
    """The Athena step: bytes scanned by a weekly build, incremental against full."""
    if not scan:
        return []
    head = "Bytes Athena scans for a weekly build (`bench/athena_scan.py`, on the test suite's Athena endpoint)"
    if "error" in scan:
        return [f"{head}: not measured ({scan['error']}).", ""]
    layers = [k for k in scan["full"]["scanned_bytes"] if k != "total"
              and any(scan[step]["scanned_bytes"].get(k) for step in ("history", "weekly", "full"))]
    rows = [f"| | {' | '.join(layers)} | total | wall time | plan |",
            "|---|" + "---:|" * (len(layers) + 2) + "---|"]
    for step, name in (("history", "history (full)"), ("weekly", "weekly, incremental"),
                       ("full", "weekly, `--full-refresh`")):
        b = scan[step]["scanned_bytes"]
        rows.append(f"| {name} | " + " | ".join(_bytes(b.get(k, 0)) for k in layers)
                    + f" | {_bytes(b['total'])} | {_s(scan[step]['seconds'])} | "
                    f"{scan[step]['plan']} |")
    return [
        (f"{head}, at {scan['label']}: {scan['weeks']} weeks of history per cohort "
         f"({_bytes(scan['ndjson_bytes'])} NDJSON, {_bytes(scan['raw_bytes'])} in the raw zone "
         f"after the week), then one more export per cohort "
         f"({_bytes(scan['week_ndjson_bytes'])} NDJSON). Models only (the data tests are left "
         f"out of these builds). The weekly build scans "
         f"**{scan['scanned_incremental_vs_full']:.2f}** of what a full refresh scans."),
        "",
        *rows,
        "",
    ]


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(results["sizes"].values())
    x = [s["ndjson_bytes"] / 1e9 for s in sizes]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for axis, series, title in (
        (left, [("ours: recover ingest", "ingest", "o-"),
                ("baseline: re-gzip level 6", "baseline_ingest", "s--")], "ingest"),
        (right, [("ours: recover build", "build", "o-"),
                 ("baseline: Python transform + pandas", "baseline_build", "s--"),
                 ("floor: bare DuckDB scan to Parquet", "floor", "^:")], "build"),
    ):
        for name, key, style in series:
            axis.plot(x, [s[key]["seconds"] for s in sizes], style, label=name)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xticks(x, [f"{v:.2g}" for v in x])
        axis.minorticks_off()
        axis.set_xlabel("input: uncompressed NDJSON (GB)")
        axis.set_ylabel("wall time (s)")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    m = results["machine"]
    fig.suptitle(f"RECOVER bench: {m['cpu']}, {m['nproc']} cores, {m['mem_gib']} GiB")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--docs", type=Path, default=Path(__file__).resolve().parents[1] / "docs")
    args = parser.parse_args(argv)
    for key, value in write(json.loads(args.results.read_text()), args.docs).items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
