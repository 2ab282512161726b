"""Full or incremental: the plan a build makes from the published state and the committed
exports (recover/build/state.py), and what counts as a partial selection."""

from __future__ import annotations

import json
from pathlib import Path

from recover.build.core import Selection
from recover.build.state import BuildState, plan, project_fingerprint
from recover.ingest.commits import Commit, CommittedMember

PRINT = "f" * 16


def commit(export_id: str, cohort: str = "adults_v1", crc: str = "0badf00d",
           source: str = "/in/x.zip") -> Commit:
    member = CommittedMember("FitbitSleepLogs_20240101-20240108.json", "FitbitSleepLogs",
                             f"raw/x/{export_id}.ndjson.gz", 10, 5, crc, 1)
    return Commit(f"{export_id}.zip", export_id, cohort, source, [member], [], "2024-01-08")


def published(*commits: Commit) -> BuildState:
    return plan(None, commits, PRINT, "run-1").state


def test_a_first_build_is_full_and_records_every_export():
    p = plan(None, [commit("e1"), commit("e2", "pediatric_v1")], PRINT, "run-1")
    assert p.full and p.scope == [] and not p.up_to_date
    assert p.reason == "full refresh: no published build to add to"
    assert p.env() == {"RECOVER_SCOPE": "null"}
    assert p.state.exports.keys() == {"adults_v1/e1", "pediatric_v1/e2"}
    assert p.state.run_id == "run-1" and p.state.models == PRINT


def test_new_exports_make_an_incremental_build_scoped_to_them():
    p = plan(published(commit("e1")), [commit("e1"), commit("e3"), commit("e2", "pediatric_v1")],
             PRINT, "run-2")
    assert not p.full and p.scope == ["adults_v1/e3", "pediatric_v1/e2"]
    assert p.reason == "incremental: 2 new export(s) on top of build run-1"
    assert json.loads(p.env()["RECOVER_SCOPE"]) == p.scope
    assert p.state.exports.keys() == {"adults_v1/e1", "adults_v1/e3", "pediatric_v1/e2"}


def test_nothing_new_is_up_to_date():
    p = plan(published(commit("e1")), [commit("e1", source="/elsewhere/x.zip")], PRINT, "run-2")
    assert p.up_to_date and p.reason.startswith("up to date: build run-1")


def test_changed_models_a_removed_or_reingested_export_or_asking_make_it_full():
    before = published(commit("e1"), commit("e2"))
    cases = {
        "full refresh: the models changed since the published build":
            plan(before, [commit("e1"), commit("e2")], "0" * 16, "r"),
        "full refresh: export adults_v1/e2 of the published build is no longer committed":
            plan(before, [commit("e1")], PRINT, "r"),
        "full refresh: export adults_v1/e1 was ingested again with other content":
            plan(before, [commit("e1", crc="12345678"), commit("e2")], PRINT, "r"),
        "full refresh: asked for (--full-refresh)":
            plan(before, [commit("e1"), commit("e2")], PRINT, "r", full_refresh=True),
    }
    for reason, p in cases.items():
        assert p.full and p.reason == reason and p.scope == []
        assert p.state.run_id == "r"  # a full build publishes the exports it read


def test_a_selective_build_does_not_advance_the_state():
    before = published(commit("e1"))
    p = plan(before, [commit("e1"), commit("e2")], PRINT, "run-2", selective=True)
    assert p.scope == ["adults_v1/e2"] and p.state is before
    assert plan(None, [commit("e1")], PRINT, "run-1", selective=True).state is None


def test_the_state_round_trips_and_an_unreadable_one_means_full():
    state = published(commit("e1"))
    assert BuildState.from_json(state.to_json()) == state
    for bad in (b"", b"{", b"[]", json.dumps({"format": 99, "models": "x", "exports": {}})):
        assert BuildState.from_json(bad) is None


def test_the_fingerprint_follows_the_sql_and_seeds_not_the_docs(tmp_path: Path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "a.sql").write_text("select 1")
    (tmp_path / "models" / "a.yml").write_text("description: x")
    first = project_fingerprint(tmp_path)
    (tmp_path / "models" / "a.yml").write_text("description: y")
    assert project_fingerprint(tmp_path) == first
    (tmp_path / "models" / "a.sql").write_text("select 2")
    assert project_fingerprint(tmp_path) != first


def test_leaving_out_only_tests_still_builds_every_table():
    assert not Selection().partial
    assert not Selection(exclude=("test_type:data",)).partial
    assert Selection(exclude=("dataset_fitbitecg",)).partial
    assert Selection(select=("tag:garmin",)).partial
    assert Selection(selector="fitbit").partial
