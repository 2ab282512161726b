"""Small exports for the ingest, S3 and Lambda tests: NDJSON records zipped in memory or on disk."""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

SLEEP = "FitbitSleepLogs_20230112-20230114.json"
WEIGHT = "HealthKitV2Samples_Weight_20230112-20230114.json"
WEIGHT_DELETED = "HealthKitV2Samples_Weight_Deleted_20230112-20230114.json"
EXPORT_NAME = "2024-06-09T00:12:49Z_0b6f"


def ndjson(*records: dict) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def zip_bytes(members: dict[str, bytes], level: int | None = None,
              method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """An export (a zip) in memory; level 0 writes deflate "stored" blocks (size ~ data, fast)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method, compresslevel=level) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def write_export(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    """An export on disk (parent folders created; the parent folder is its default cohort)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(zip_bytes(members, method=method))
    return path


def noise_lines(size: int, seed: int = 1) -> bytes:
    """At least `size` bytes of NDJSON that deflate cannot shrink much (random hex values)."""
    rng = random.Random(seed)
    count = size // 99 + 1  # every line is 99 bytes
    return b"".join(
        b'{"ParticipantIdentifier":"' + rng.randbytes(35).hex().encode() + b'"}\n'
        for _ in range(count)
    )
