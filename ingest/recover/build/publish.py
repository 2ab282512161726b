"""Write-audit-publish on a local lake: a build works in private, readers switch in one rename.

    {lake}/{ns}/builds/{run_id}/recover.duckdb   the build's database (a copy of the published
                                                 one to start from: record_counts history)
    {lake}/{ns}/builds/{run_id}/parquet/         its curated Parquet
    {lake}/{ns}/current  -> builds/{run_id}      the published build
    {lake}/{ns}/previous -> builds/{run_id}      the one before, kept for readers mid-query
    {lake}/{ns}/recover.duckdb -> current/recover.duckdb
    {lake}/{ns}/parquet        -> current/parquet
    {lake}/{ns}/restricted     -> current/restricted   personal data's Parquet (schema {ns}_restricted)

A build computes and tests everything in its own folder; publishing replaces the link
`current` with os.replace, one atomic rename, so the database, the monitoring tables and the
Parquet switch together. A reader resolves the links when it opens a file: one that is
already open keeps the build it opened (POSIX keeps an unlinked file readable), one that opens
later gets the new build, and none sees a mix. A failed or killed build leaves `current` as it
was; its folder is removed at once or, after a kill, by the next build. An open read-only
DuckDB connection holds a lock on the published file only, which no build ever writes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from recover.build.state import STATE_FILE, BuildState
from recover.lake import DATABASE_FILE, file_mode, make_dirs

BUILDS = "builds"
CURRENT = "current"
PREVIOUS = "previous"


class LocalBuild:
    """The folders of one local build and the links that publish it."""

    def __init__(self, lake: Path, namespace: str, run_id: str) -> None:
        self.home = Path(lake) / namespace
        self.run_id = run_id
        self.folder = self.home / BUILDS / run_id
        self.database = self.folder / DATABASE_FILE
        self.parquet = self.folder / "parquet"
        self.restricted = self.folder / "restricted"  # personal data: grant access separately

    # -- before dbt --------------------------------------------------------------------------

    def prepare(self) -> None:
        """Sweep what killed builds left, then start this build from the published database."""
        self.sweep()
        make_dirs(self.parquet)
        make_dirs(self.restricted)
        published = published_database(self.home)
        if published is not None:
            shutil.copyfile(published, self.database)
            os.chmod(self.database, file_mode())

    def sweep(self) -> list[Path]:
        """Remove every build folder but the current and the previous one (call under the lock)."""
        keep = {_target(self.home / CURRENT), _target(self.home / PREVIOUS)}
        removed = []
        builds = self.home / BUILDS
        for folder in sorted(builds.iterdir()) if builds.is_dir() else []:
            if folder.resolve() not in keep:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        return removed

    # -- after dbt ---------------------------------------------------------------------------

    def publish(self) -> None:
        """Make this build the one readers see: one rename of the `current` link."""
        old = _target(self.home / CURRENT)
        _replace_link(self.home / CURRENT, Path(BUILDS) / self.run_id)
        if old is not None and old != self.folder.resolve():
            _replace_link(self.home / PREVIOUS, Path(BUILDS) / old.name)
        _stable_link(self.home / DATABASE_FILE, Path(CURRENT) / DATABASE_FILE, self.home)
        _stable_link(self.home / "parquet", Path(CURRENT) / "parquet", self.home)
        _stable_link(self.home / "restricted", Path(CURRENT) / "restricted", self.home)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def published_database(home: Path) -> Path | None:
    """The database readers see now, if any (a pre-publishing lake's plain file included)."""
    path = Path(home) / DATABASE_FILE
    return path if path.exists() else None


def published_state(home: Path) -> BuildState | None:
    """The state of the build readers see (None before the first, or for a build without)."""
    try:
        return BuildState.from_json((Path(home) / CURRENT / STATE_FILE).read_bytes())
    except (FileNotFoundError, NotADirectoryError):
        return None


def published_run(home: Path) -> str | None:
    target = _target(Path(home) / CURRENT)
    return target.name if target is not None else None


def _target(link: Path) -> Path | None:
    return link.resolve() if link.is_symlink() and link.exists() else None


def _replace_link(link: Path, target: Path) -> None:
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    tmp.symlink_to(target)
    os.replace(tmp, link)


def _stable_link(link: Path, target: Path, home: Path) -> None:
    """Create a link that never changes once made; a lake from before publishing had a plain
    file or folder there, which moves into builds/ (as a build of its own) on the way."""
    if link.is_symlink():
        return
    if link.exists():
        legacy = home / BUILDS / "legacy" / link.name
        make_dirs(legacy.parent)
        os.replace(link, legacy)
    _replace_link(link, target)
