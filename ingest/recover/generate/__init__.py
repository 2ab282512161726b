"""Synthetic RECOVER exports: a deterministic series for both cohorts, built from the registry.

    writer.py    generate_series(), plan(): the series written to disk, member by member
    series.py    the plan: exports, dates, members, overlap and deletion scenarios
    records.py   records of any data type from the registry's field specs
    values.py    realistic values per field
    archive.py   the zip writer (members streamed, Manifest.csv last)

Used by `recover generate`, `recover demo`, the tests and the benchmarks.
"""

from recover.generate.writer import DEFAULT_EXPORTS, DEFAULT_SIZE_MB, generate_series, plan

__all__ = ["DEFAULT_EXPORTS", "DEFAULT_SIZE_MB", "generate_series", "plan"]
