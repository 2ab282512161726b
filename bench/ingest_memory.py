"""Peak memory and throughput of `recover ingest` on one large NDJSON member.

Builds (streaming: never in memory) an export holding one HealthKitV2Samples member of the
requested sizes, runs `recover ingest` on each in a subprocess, and reports the subprocess's
peak RSS (its VmHWM, and the polled RSS as a cross-check: bench/measure.py) and MB/s. Peak
RSS must not grow with the member size. With --methods it also times, in-process, the two ways
to form the raw gzip: the deflate pass-through (with its inflate + CRC check) and recompression.

    .venv/bin/python bench/ingest_memory.py --sizes-gb 0.1 1.0 --methods
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import measure
import psutil
from recover.ingest.export import Export

MEMBER = "HealthKitV2Samples_HeartRate_20240101-20240108.json"
MB = 1_000_000


def sample_lines(count: int, seed: int = 7) -> list[bytes]:
    """Realistic-ish HealthKitV2Samples records: random keys, times and values."""
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        day = 1 + i % 7
        second = rng.randrange(86_400)
        start = f"2024-01-{day:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
        record = {
            "HealthKitSampleKey": f"{rng.getrandbits(128):032x}",
            "ParticipantIdentifier": f"RK-{rng.randrange(10**8):08d}",
            "ParticipantID": f"{rng.getrandbits(128):032x}",
            "StartDate": f"{start}+00:00",
            "EndDate": f"{start}+00:00",
            "Value": f"{rng.uniform(45, 180):.1f}",
            "Unit": "count/min",
            "SourceName": rng.choice(["Apple Watch", "iPhone", "Polar H10"]),
            "SourceVersion": rng.choice(["9.1", "10.0.1", "10.2"]),
            "Device": {
                "Name": "Apple Watch", "Manufacturer": "Apple Inc.", "Model": "Watch",
                "HardwareVersion": rng.choice(["Watch6,1", "Watch7,2"]), "SoftwareVersion": "10.2",
            },
            "Metadata": {"HKMetadataKeyHeartRateMotionContext": str(rng.randrange(3))},
            "InsertedDate": f"2024-01-{day + 1:02d}T01:{rng.randrange(60):02d}:00Z",
        }
        lines.append(json.dumps(record, separators=(",", ":")).encode() + b"\n")
    return lines


def build_export(path: Path, size: int) -> int:
    """Write an export with one member of at least `size` bytes; return its exact size.

    The pool of distinct lines (~40 MB) is far larger than deflate's 32 KiB window, so cycling
    it compresses like unique data.
    """
    pool = sample_lines(100_000)
    written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open(MEMBER, "w", force_zip64=True) as out:
            while written < size:
                block = b"".join(pool[:10_000])
                pool = pool[10_000:] + pool[:10_000]
                out.write(block)
                written += len(block)
        zf.writestr("Manifest.csv", f"ExportStartDate,ExportEndDate\n,,{written}\n")
    return written


def measure_ingest(export: Path, lake: Path) -> dict:
    """`recover ingest` in a subprocess; its peak RSS as bench/measure.py samples it."""
    recover = str(Path(sys.executable).with_name("recover"))
    measured = measure.run([recover, "ingest", str(export), "--lake", str(lake), "--namespace",
                            "bench"], lake.with_suffix(".log"))
    output = measured.log.read_text(errors="replace")
    if measured.returncode != 0:
        raise SystemExit(f"ingest failed ({measured.returncode}):\n{output}")
    return {"seconds": measured.seconds, "peak_rss_mb": measured.hwm_mb,
            "polled_rss_mb": measured.tree_rss_mb, "output": output}


def measure_methods(export: Path) -> dict[str, float]:
    """Seconds to form the raw gzip into /dev/null, per method (in-process)."""
    timings = {}
    with Export.open(str(export)) as archive:
        member = next(m for m in archive.members if m.name == MEMBER)
        runs = {
            "pass-through + inflate/CRC check": lambda: archive.gzip_chunks(member),
            "recompress (zlib level 6)": lambda: archive.gzip_chunks(member, recompress=True),
            "inflate + CRC only (the check alone)": lambda: archive.raw_chunks(member),
        }
        for label, chunks in runs.items():
            started = time.monotonic()
            out_bytes = 0
            with open(os.devnull, "wb") as sink:
                for chunk in chunks():
                    sink.write(chunk)
                    out_bytes += len(chunk)
            timings[label] = (time.monotonic() - started, out_bytes)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-gb", type=float, nargs="+", default=[0.1, 1.0],
                        help="member sizes to ingest, in GB (default: 0.1 1.0)")
    parser.add_argument("--methods", action="store_true",
                        help="also time pass-through vs recompression on the largest export")
    parser.add_argument("--workdir", type=Path, help="where to build exports (default: a temp dir)")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="recover-bench-"))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM, Python {platform.python_version()}")
    print("command: recover ingest EXPORT --lake LAKE --namespace bench")
    try:
        largest = None
        for size_gb in sorted(args.sizes_gb):
            export = workdir / "adults_v1" / f"bench_{size_gb:g}gb"
            started = time.monotonic()
            member_bytes = build_export(export, int(size_gb * 1e9))
            built = time.monotonic() - started
            result = measure_ingest(export, workdir / f"lake_{size_gb:g}gb")
            print(
                f"member {member_bytes / MB:,.0f} MB (export {export.stat().st_size / MB:,.0f} MB, "
                f"built in {built:.0f} s): ingest {result['seconds']:.1f} s, "
                f"{member_bytes / MB / result['seconds']:,.0f} MB/s, peak RSS "
                f"{result['peak_rss_mb']:.0f} MB (polled: {result['polled_rss_mb']:.0f} MB)"
            )
            shutil.rmtree(workdir / f"lake_{size_gb:g}gb")
            largest = (export, member_bytes)
        if args.methods and largest:
            export, member_bytes = largest
            for label, (seconds, out_bytes) in measure_methods(export).items():
                print(f"  {label}: {seconds:.1f} s, {member_bytes / MB / seconds:,.0f} MB/s "
                      f"of member, output {out_bytes / MB:,.0f} MB")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
