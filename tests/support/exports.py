"""Small in-memory exports for the S3 and Lambda tests."""

from __future__ import annotations

import io
import json
import random
import zipfile


def ndjson(*records: dict) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


def zip_bytes(members: dict[str, bytes], level: int | None = None) -> bytes:
    """An export (a zip) in memory; level 0 writes deflate "stored" blocks (size ~ data, fast)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def noise_lines(size: int, seed: int = 1) -> bytes:
    """At least `size` bytes of NDJSON that deflate cannot shrink much (random hex values)."""
    rng = random.Random(seed)
    count = size // 99 + 1  # every line is 99 bytes
    return b"".join(
        b'{"ParticipantIdentifier":"' + rng.randbytes(35).hex().encode() + b'"}\n'
        for _ in range(count)
    )
