"""What a published build was made from, and so what the next build must do (docs/build.md,
"Incremental and full builds").

A published build records its state: the fingerprint of the project files that shape the data
(SQL models and macros, seeds, dbt_project.yml) and, per committed export it holds, a digest of
its commit record. The next build compares that with the project and the committed exports now:

    no published state, --full-refresh, the models changed,
    or a published export was removed or re-ingested with other content   -> full refresh
    otherwise                                                               -> incremental: its
                                                       scope is the committed exports not in it

An incremental build passes its scope to dbt in RECOVER_SCOPE (macros/incremental.sql).
Applying an export twice changes nothing, so a state that lags behind its tables (a selective
build, which does not advance it, or an Athena publish that died before its manifest) is safe.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from recover.ingest.commits import Commit

FORMAT = 1
STATE_FILE = "state.json"
# The project files whose content decides what the tables hold (documentation and tests do not).
SHAPING = ("macros/**/*.sql", "models/**/*.sql", "seeds/*.csv", "dbt_project.yml")


@dataclass
class BuildState:
    models: str  # project_fingerprint() of the build
    exports: dict[str, str] = field(default_factory=dict)  # "cohort/export" -> commit digest
    run_id: str = ""

    def to_json(self) -> bytes:
        doc = {"format": FORMAT, "run_id": self.run_id, "models": self.models,
               "exports": dict(sorted(self.exports.items()))}
        return (json.dumps(doc, indent=1) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes | str | dict) -> BuildState | None:
        """The state, or None when it is missing or unreadable (the next build is full)."""
        try:
            doc = data if isinstance(data, dict) else json.loads(data)
            if doc.get("format") != FORMAT:
                return None
            return cls(models=str(doc["models"]), exports=dict(doc["exports"]),
                       run_id=str(doc.get("run_id", "")))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def project_fingerprint(project_dir: Path) -> str:
    digest = hashlib.sha256()
    files = sorted({p for pattern in SHAPING for p in project_dir.glob(pattern) if p.is_file()})
    for path in files:
        digest.update(path.relative_to(project_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def commit_digest(commit: Commit) -> str:
    """The content of a delivery (its source path and commit time aside)."""
    doc = [commit.export, commit.export_id, commit.cohort,
           [list(vars(m).values()) for m in commit.members], commit.skipped]
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()[:16]


def export_digests(commits: Iterable[Commit]) -> dict[str, str]:
    return {f"{c.cohort}/{c.export_id}": commit_digest(c) for c in commits}


@dataclass
class Plan:
    full: bool
    reason: str  # one line for the operator
    scope: list[str]  # incremental: the exports to read ("cohort/export"); full: []
    state: BuildState | None  # what the build publishes as its state (None: write none)

    def env(self) -> dict[str, str]:
        """RECOVER_SCOPE for dbt (macros/incremental.sql): `null` on a full build."""
        return {"RECOVER_SCOPE": "null" if self.full else json.dumps(self.scope)}


def plan(previous: BuildState | None, commits: Iterable[Commit], fingerprint: str, run_id: str,
         full_refresh: bool = False, selective: bool = False) -> Plan:
    """Full or incremental, and the state to publish. A selective build (--select, --selector)
    does not advance the state: the tables it skips still hold only the previous exports."""
    now = export_digests(commits)
    reason = _full_reason(previous, now, fingerprint, full_refresh)
    new_state = BuildState(fingerprint, now, run_id)
    if reason is not None:
        return Plan(True, reason, [], None if selective else new_state)
    assert previous is not None
    scope = sorted(set(now) - set(previous.exports))
    reason = (f"incremental: {len(scope)} new export(s) on top of build {previous.run_id}"
              if scope else f"incremental: no new export since build {previous.run_id}")
    return Plan(False, reason, scope, previous if selective else new_state)


def _full_reason(previous: BuildState | None, now: dict[str, str], fingerprint: str,
                 full_refresh: bool) -> str | None:
    if full_refresh:
        return "full refresh: asked for (--full-refresh)"
    if previous is None:
        return "full refresh: no published build to add to"
    if previous.models != fingerprint:
        return "full refresh: the models changed since the published build"
    for export, digest in sorted(previous.exports.items()):
        if export not in now:
            return f"full refresh: export {export} of the published build is no longer committed"
        if now[export] != digest:
            return f"full refresh: export {export} was ingested again with other content"
    return None
