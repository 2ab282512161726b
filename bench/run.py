"""`make bench`: ingest and build, ours against the upstream way and the floor, at 3 sizes.

    .venv/bin/python bench/run.py [--sizes 100M 1G 4G] [--scratch DIR] [--docs DIR] [--keep]

For each size, in one run: generate a synthetic export series (both cohorts) with
`recover.generate.generate_series`, then measure, each in its own subprocess (wall time, CPU
time, peak RSS of the whole process tree, see measure.py):

  ingest   ours      `recover ingest EXPORT... --lake L --namespace bench` (deflate pass-through)
           baseline  `bench/baseline.py ingest` (decompress + re-gzip level 6, upstream's raw Lambda)
  build    ours      `recover build --lake L --namespace bench` (dbt on DuckDB + Parquet export)
           floor     `bench/floor.py` (bare DuckDB read_json of the raw zone -> Parquet)
           baseline  `bench/baseline.py build` (Python per-record transform + pandas/pyarrow)
  weekly   ours      one more weekly export per cohort ingested on top of that history, then
                     `recover build` again: an incremental build (docs/build.md)

and, once, at --athena-size (100M): the bytes Athena scans for a weekly build, incremental
against a full refresh, on the test suite's Athena endpoint (athena_scan.py)

and the bytes (raw gzip, curated Parquet). Results: docs/benchmarks.{md,json,png} and the
measured table in docs/build.md. Big files live under --scratch (default /tmp/recover-bench,
or $RECOVER_BENCH_DIR) and are removed at the end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import athena_scan
import duckdb
import measure
import report
from dbt_results import dbt_nodes
from recover.generate import generate_series
from recover.ingest.names import admitted

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
NAMESPACE = "bench"
SEED = 20240609
MB = 1_000_000


@dataclass(frozen=True)
class Size:
    label: str
    exports: int  # per cohort
    size_mb: float  # uncompressed NDJSON per export

    @property
    def target_mb(self) -> float:
        return 2 * self.exports * self.size_mb


# Same series shape (4 weekly exports per cohort = 8 exports), growing volume per export; and
# 2G-8w: the exports of 1G over twice the history (8 weeks), for how the weekly build's cost
# moves with the history's length (incremental_vs_full at 4 and 8 weeks).
SIZES = {
    "100M": Size("100M", 4, 12.5),
    "1G": Size("1G", 4, 125.0),
    "2G-8w": Size("2G-8w", 8, 125.0),
    "4G": Size("4G", 4, 500.0),
}


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    free = subprocess.run(["free", "-g"], capture_output=True, text=True, check=False).stdout.strip()
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    import pandas
    import pyarrow
    return {
        "cpu": cpu, "nproc": int(nproc or os.cpu_count() or 0),
        "mem_gib": round(int(mem) / 2**20, 1), "free_g": free,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(), "duckdb": duckdb.__version__,
        "pandas": pandas.__version__, "pyarrow": pyarrow.__version__,
        "dbt": _dbt_version(),
    }


def _dbt_version() -> str:
    dbt = Path(sys.executable).with_name("dbt")
    out = subprocess.run([str(dbt), "--version"], capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        if "installed:" in line:
            return line.split(":", 1)[1].strip()
    return "?"


def export_bytes(paths: list[Path]) -> tuple[int, int, int]:
    """(uncompressed NDJSON bytes of the admitted members, members, archive bytes)."""
    ndjson = members = 0
    for path in paths:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if admitted(info.filename, info.file_size):
                    ndjson += info.file_size
                    members += 1
    return ndjson, members, sum(p.stat().st_size for p in paths)


def measured(m: measure.Measured, **extra: object) -> dict:
    return {"seconds": round(m.seconds, 2), "cpu_seconds": round(m.cpu_seconds, 2),
            "peak_rss_mb": round(m.peak_rss_mb, 1), "tree_rss_mb": round(m.tree_rss_mb, 1),
            "hwm_mb": round(m.hwm_mb, 1),
            "other_cores": round(m.other_cores, 2), **extra}


def parent_rows(lake: Path) -> dict[str, int]:
    """Rows of our curated parent tables (DuckDB, read-only after the build)."""
    from recover import registry
    parents = {f"dataset_{dt.name.lower()}" for dt in registry.load().primary()}
    con = duckdb.connect(str(lake / NAMESPACE / "recover.duckdb"), read_only=True)
    try:
        return {t: con.execute(f'select count(*) from "{NAMESPACE}"."{t}"').fetchone()[0]
                for t in sorted(parents)}
    finally:
        con.close()


def last_json(log: Path) -> dict:
    for line in reversed(log.read_text().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {}


class Quiet:
    """Before each measured step, wait for a quiet machine, within a total budget."""

    def __init__(self, budget: float) -> None:
        self.left = budget
        self.waited = 0.0

    def __call__(self) -> None:
        if self.left > 0:
            waited = measure.wait_quiet(min(self.left, 60.0))
            self.left -= waited
            self.waited += waited


def bench_size(size: Size, scratch: Path, log, quiet: Quiet) -> dict:
    root = scratch / size.label
    shutil.rmtree(root, ignore_errors=True)
    exports_dir, lake, logs = root / "exports", root / "lake", root / "logs"
    python, recover = sys.executable, str(Path(sys.executable).with_name("recover"))
    out: dict = {"label": size.label, "exports_per_cohort": size.exports,
                 "size_mb_per_export": size.size_mb}

    started = time.monotonic()
    # the history, and one more week per cohort (the last two exports) for the incremental build
    series = generate_series(exports_dir, exports=size.exports + 1, size_mb=size.size_mb,
                             seed=SEED)
    paths, week = series[:-2], series[-2:]
    ndjson, members, zipped = export_bytes(paths)
    out["generate_seconds"] = round(time.monotonic() - started, 1)
    out.update(exports=len(paths), members=members, ndjson_bytes=ndjson, export_bytes=zipped)
    log(f"[{size.label}] generated {len(paths)} exports: {ndjson / MB:,.0f} MB NDJSON, "
        f"{zipped / MB:,.0f} MB zipped, {out['generate_seconds']} s")
    ndjson_mb = ndjson / MB
    export_args = [str(p) for p in paths]

    # ---- ingest: ours, then the baseline into a separate lake
    quiet()
    m = measure.run([recover, "ingest", *export_args, "--lake", str(lake),
                     "--namespace", NAMESPACE], logs / "ingest.log").check()
    raw = measure.du(lake / NAMESPACE / "raw", "*.ndjson.gz")
    out["ingest"] = measured(m, mb_per_s=round(ndjson_mb / m.seconds, 1), raw_bytes=raw)
    log(f"[{size.label}] ingest ours: {m.seconds:.1f} s, {ndjson_mb / m.seconds:,.0f} MB/s, "
        f"peak RSS {m.peak_rss_mb:.0f} MB")
    base_lake = root / "lake_baseline"
    quiet()
    m = measure.run([python, str(BENCH / "baseline.py"), "ingest", *export_args,
                     "--lake", str(base_lake), "--namespace", NAMESPACE],
                    logs / "baseline_ingest.log").check()
    base_raw = measure.du(base_lake / NAMESPACE / "raw", "*.ndjson.gz")
    out["baseline_ingest"] = measured(m, mb_per_s=round(ndjson_mb / m.seconds, 1),
                                      raw_bytes=base_raw)
    shutil.rmtree(base_lake, ignore_errors=True)
    log(f"[{size.label}] ingest baseline: {m.seconds:.1f} s, {ndjson_mb / m.seconds:,.0f} MB/s, "
        f"peak RSS {m.peak_rss_mb:.0f} MB")

    # ---- build: ours (the raw zone of our ingest), then the floor and the baseline on it
    quiet()
    m = measure.run([recover, "build", "--lake", str(lake), "--namespace", NAMESPACE],
                    logs / "build.log", cwd=REPO).check()
    parquet = lake / NAMESPACE / "parquet"
    out["build"] = measured(m, parquet_bytes=measure.du(parquet, "*.parquet"),
                            parquet_tables=sum(1 for p in parquet.iterdir() if p.is_dir()),
                            duckdb_bytes=(lake / NAMESPACE / "recover.duckdb").stat().st_size,
                            parent_rows=sum(parent_rows(lake).values()),
                            **dbt_nodes(max((lake / NAMESPACE / "runs").iterdir())))
    log(f"[{size.label}] build ours: {m.seconds:.1f} s, peak RSS {m.peak_rss_mb:.0f} MB")

    floor_out = root / "floor"
    quiet()
    m = measure.run([python, str(BENCH / "floor.py"), "--lake", str(lake), "--namespace",
                     NAMESPACE, "--out", str(floor_out)], logs / "floor.log").check()
    out["floor"] = measured(m, parquet_bytes=measure.du(floor_out, "*.parquet"),
                            rows=sum(last_json(m.log).get("row_counts", {}).values()))
    shutil.rmtree(floor_out, ignore_errors=True)
    log(f"[{size.label}] floor: {m.seconds:.1f} s, peak RSS {m.peak_rss_mb:.0f} MB")

    base_out = root / "baseline_parquet"
    quiet()
    m = measure.run([python, str(BENCH / "baseline.py"), "build", "--lake", str(lake),
                     "--namespace", NAMESPACE, "--out", str(base_out)],
                    logs / "baseline_build.log").check()
    out["baseline_build"] = measured(
        m, parquet_bytes=measure.du(base_out, "*.parquet"),
        parent_rows=sum(last_json(m.log).get("row_counts", {}).values()))
    shutil.rmtree(base_out, ignore_errors=True)
    log(f"[{size.label}] build baseline: {m.seconds:.1f} s, peak RSS {m.peak_rss_mb:.0f} MB")

    # ---- a weekly build: one more export per cohort, ingested and built incrementally
    quiet()
    measure.run([recover, "ingest", *map(str, week), "--lake", str(lake),
                 "--namespace", NAMESPACE], logs / "ingest_week.log").check()
    quiet()
    m = measure.run([recover, "build", "--lake", str(lake), "--namespace", NAMESPACE],
                    logs / "build_week.log", cwd=REPO).check()
    plan = next((line.strip() for line in m.log.read_text().splitlines()
                 if "incremental:" in line or "full refresh:" in line), "")
    out["incremental_build"] = measured(m, week_ndjson_bytes=export_bytes(week)[0], plan=plan,
                                        **dbt_nodes(max((lake / NAMESPACE / "runs").iterdir())))
    log(f"[{size.label}] weekly build: {m.seconds:.1f} s, peak RSS {m.peak_rss_mb:.0f} MB "
        f"({plan})")
    if "incremental:" not in plan:
        log(f"[{size.label}] WARNING: the weekly build was not incremental (was the project "
            "edited during the run?): it does not count for incremental_vs_full")
    return out


def athena_step(size: Size, scratch: Path, log, quiet: Quiet, keep: bool) -> dict:
    """Bytes scanned by a weekly build on the Athena endpoint, incremental against full."""
    root = scratch / f"athena-{size.label}"
    shutil.rmtree(root, ignore_errors=True)
    try:
        series = generate_series(root / "exports", exports=size.exports + 1,
                                 size_mb=size.size_mb, seed=SEED)
        history, week = series[:-2], series[-2:]
        quiet()
        try:
            out = athena_scan.measure_scan(history, week, root / "work", log)
        except Exception as e:  # noqa: BLE001 - the rest of the bench stands; the report says why
            log(f"[athena] not measured: {e}")
            return {"label": size.label, "error": str(e)}
        out.update(label=size.label, weeks=size.exports, ndjson_bytes=export_bytes(history)[0],
                   week_ndjson_bytes=export_bytes(week)[0])
        return out
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES),
                        help=f"subset of {', '.join(SIZES)} (default: all; commas work too)")
    parser.add_argument("--scratch", type=Path,
                        default=Path(os.environ.get("RECOVER_BENCH_DIR", "/tmp/recover-bench")),
                        help="scratch directory for exports and lakes (default /tmp/recover-bench)")
    parser.add_argument("--docs", type=Path, default=REPO / "docs",
                        help="where benchmarks.{md,json,png} go (default: docs/)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch files")
    parser.add_argument("--athena-size", default="100M",
                        help=f"series for the Athena step (bytes scanned by a weekly build, "
                             f"athena_scan.py), one of {', '.join(SIZES)}; 'none' skips it "
                             "(default 100M)")
    parser.add_argument("--quiet-budget", type=float, default=300.0,
                        help="seconds, in total, the run may wait for other processes to "
                             "calm down before a step (at most 60 s per step; default 300)")
    args = parser.parse_args(argv)
    labels = [s for item in args.sizes for s in item.split(",") if s]
    unknown = [s for s in labels if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}; choose from {', '.join(SIZES)}")
    labels = sorted(set(labels), key=list(SIZES).index)
    if args.athena_size not in (*SIZES, "none"):
        parser.error(f"--athena-size: choose from {', '.join(SIZES)} or none")

    def log(message: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)

    started = time.monotonic()
    info = machine()
    log(f"machine: {info['cpu']}, {info['nproc']} cores, {info['mem_gib']} GiB; "
        f"scratch {args.scratch}")
    args.scratch.mkdir(parents=True, exist_ok=True)
    results = {"machine": info, "seed": SEED, "sizes": {}}
    quiet = Quiet(args.quiet_budget)
    for label in labels:
        try:
            results["sizes"][label] = bench_size(SIZES[label], args.scratch, log, quiet)
        finally:
            if not args.keep:  # exports and lakes of a size go as soon as it is measured
                shutil.rmtree(args.scratch / label, ignore_errors=True)
        results["bench_seconds"] = round(time.monotonic() - started, 1)
        (args.scratch / "results.json").write_text(json.dumps(results, indent=2))
    if args.athena_size != "none":
        results["athena_scan"] = athena_step(SIZES[args.athena_size], args.scratch, log, quiet,
                                             keep=args.keep)
    results["bench_seconds"] = round(time.monotonic() - started, 1)
    results["quiet_wait_seconds"] = round(quiet.waited, 1)
    (args.scratch / "results.json").write_text(json.dumps(results, indent=2))
    summary = report.write(results, args.docs)
    log(f"done in {results['bench_seconds'] / 60:.1f} min; wrote {args.docs}/benchmarks.*")
    for key, value in summary.items():
        log(f"  {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
