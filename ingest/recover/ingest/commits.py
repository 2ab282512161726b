"""Commit records: an export is visible to builds only once every member of it has landed.

The ingest writes `{ns}/raw/_exports/{cohort}/{export}.json` last, after the export's members
landed whole and any leftover of an earlier attempt was swept from its folders. Raw tables read
committed exports only: locally the build's raw views list the files the records name; on AWS
the record's Glue partitions are registered after the record is written (and re-registered from
the records by `recover build` and the reconcile, should a run die in between).

A record names every member with its raw key, sizes, CRC-32 and line count, so `recover status`
can tell committed exports from partial ones (files without a record) and list what landed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from recover.lake import commit_key, commits_prefix

FORMAT = 1


class CommitError(ValueError):
    """A commit record that cannot be read; the message names it."""


@dataclass(frozen=True)
class CommittedMember:
    member: str  # the name inside the archive
    data_type: str
    key: str  # the raw file, relative to the lake
    bytes: int  # uncompressed
    gzip_bytes: int
    crc32: str  # 8 hex digits, as the zip directory gives it
    lines: int


@dataclass
class Commit:
    """What one export contributed to the raw zone."""

    export: str  # the archive's name, as delivered
    export_id: str  # its id in the lake (recover.lake.export_id)
    cohort: str
    source: str  # where it was read from (a path or an s3:// URI)
    members: list[CommittedMember] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "member (reason)"
    committed_at: str = ""

    @property
    def data_types(self) -> list[str]:
        return sorted({m.data_type for m in self.members})

    def same_content(self, other: Commit | None) -> bool:
        """True when `other` records the same delivery (its commit time aside)."""
        return other is not None and (self.export, self.export_id, self.cohort, self.source,
                                      self.members, self.skipped) == (
            other.export, other.export_id, other.cohort, other.source, other.members, other.skipped)

    def key(self, namespace: str) -> str:
        return commit_key(namespace, self.cohort, self.export_id)

    def to_json(self) -> bytes:
        doc = {"format": FORMAT, **asdict(self)}
        doc["committed_at"] = self.committed_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (json.dumps(doc, indent=1, sort_keys=False) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes, where: str) -> Commit:
        try:
            doc = json.loads(data)
            if doc.get("format") != FORMAT:
                raise ValueError(f"unknown format {doc.get('format')!r}")
            members = [CommittedMember(**m) for m in doc["members"]]
            return cls(export=doc["export"], export_id=doc["export_id"], cohort=doc["cohort"],
                       source=doc["source"], members=members, skipped=list(doc["skipped"]),
                       committed_at=doc["committed_at"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CommitError(f"{where}: not a readable commit record: {exc}") from None


def local_commits(lake: Path, namespace: str) -> list[Commit]:
    """Every commit record of a local lake, in (cohort, export) order."""
    root = Path(lake) / commits_prefix(namespace)
    if not root.is_dir():
        return []
    return [Commit.from_json(p.read_bytes(), str(p)) for p in sorted(root.glob("*/*.json"))]


def s3_commits(client: Any, bucket: str, prefix: str, namespace: str) -> list[Commit]:
    """Every commit record under `s3://bucket/{prefix}{ns}/raw/_exports/`."""
    start = prefix + commits_prefix(namespace)
    keys = sorted(obj["Key"] for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=start) for obj in page.get("Contents", [])
        if obj["Key"].endswith(".json"))
    return [Commit.from_json(client.get_object(Bucket=bucket, Key=key)["Body"].read(),
                             f"s3://{bucket}/{key}") for key in keys]
