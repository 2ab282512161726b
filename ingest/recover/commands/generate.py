"""`recover generate OUT_DIR [--exports N] [--size-mb M] [--seed S]`: the CLI adapter of
recover.generate (a synthetic export series for both cohorts)."""

from __future__ import annotations

import argparse
import sys
import time

from recover.generate import DEFAULT_EXPORTS, DEFAULT_SIZE_MB, generate_series


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out_dir", metavar="OUT_DIR", help="directory to write {cohort}/{export}")
    parser.add_argument("--exports", type=int, default=DEFAULT_EXPORTS,
                        help=f"exports per cohort (weekly, overlapping; default {DEFAULT_EXPORTS})")
    parser.add_argument("--size-mb", type=float, default=DEFAULT_SIZE_MB,
                        help="approximate uncompressed NDJSON per export, in MB "
                             f"(default {DEFAULT_SIZE_MB})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def run(args: argparse.Namespace) -> int:
    if args.exports < 1:
        print("recover generate: --exports must be at least 1", file=sys.stderr)
        return 2
    if not args.size_mb > 0:
        print("recover generate: --size-mb must be positive", file=sys.stderr)
        return 2

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.monotonic()
    paths = generate_series(args.out_dir, exports=args.exports, size_mb=args.size_mb,
                            seed=args.seed, log=log)
    log(f"wrote {len(paths)} exports to {args.out_dir} in {time.monotonic() - started:.1f} s")
    return 0
