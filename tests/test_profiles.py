"""The local profile's DuckDB settings (profiles/profiles.yml) agree with the Python side."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import yaml
from recover.build import parquet

PROFILES = Path(__file__).resolve().parents[1] / "profiles" / "profiles.yml"


def test_the_memory_limit_has_one_default_and_one_variable():
    local = yaml.safe_load(PROFILES.read_text())["recover"]["outputs"]["local"]
    setting = local["settings"]["memory_limit"]
    match = re.fullmatch(r"\{\{ env_var\('(\w+)', '([\w.]+)'\) \}\}", setting)
    assert match, setting
    assert match.groups() == (parquet.MEMORY_LIMIT_ENV, parquet.DEFAULT_MEMORY_LIMIT)


def test_the_export_connection_takes_the_limit_or_its_override(tmp_path, monkeypatch):
    def setting() -> str:
        con = duckdb.connect(str(tmp_path / "x.duckdb"),
                             config={"memory_limit": parquet.memory_limit()})
        try:
            return con.execute("select current_setting('memory_limit')").fetchone()[0]
        finally:
            con.close()

    monkeypatch.delenv(parquet.MEMORY_LIMIT_ENV, raising=False)
    assert setting() == "2.3 GiB"  # 2.5GB in DuckDB's units (its own default is 80% of RAM)
    monkeypatch.setenv(parquet.MEMORY_LIMIT_ENV, "512MB")
    assert setting() == "488.2 MiB"
