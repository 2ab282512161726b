"""Local lakes for the engine tests: a series of exports ingested, and built, in a lake of its own."""

from __future__ import annotations

from pathlib import Path

from recover.build import build
from recover.ingest import ingest

ORACLE = "oracle"  # the namespace of conftest's oracle_lake


def ingested_lake(tmp_path_factory, exports: list[Path], namespace: str) -> Path:
    """A new lake holding `exports` in `namespace`'s raw zone."""
    lake = tmp_path_factory.mktemp("lake")
    ingest([str(p) for p in exports], lake, namespace)
    return lake


def built_lake(tmp_path_factory, exports: list[Path], namespace: str, **options) -> Path:
    """`ingested_lake`, then one build that must pass and publish (options: recover.build.build's,
    `export=False` unless given: most tests do not read the Parquet copy)."""
    lake = ingested_lake(tmp_path_factory, exports, namespace)
    result = build(lake, namespace, **{"export": False, **options})
    assert result.ok, result.failures
    return lake
