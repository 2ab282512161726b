"""The deployable artifacts of a namespace, versioned by content, under its artifact prefix:

    s3://{artifacts}/{ns}/lambda/{sha256[:16]}.zip    the Lambda code (deploy/package.sh's folder)
    s3://{artifacts}/{ns}/project/{sha256[:16]}.zip   the dbt project and the package, which the
                                                      build runner installs and runs

Zips are deterministic (sorted entries, fixed timestamps and modes), so unchanged code gives the
same key: nothing is uploaded and CloudFormation sees no change. An existing key is never
rewritten, so a key always names the same bytes (the stack's parameters say which are live).
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

ROOT = Path(os.environ.get("RECOVER_PROJECT_DIR", Path(__file__).resolve().parents[3]))
# What the runner needs from a checkout: the dbt project, the package and its pinned deps.
PROJECT_PATHS = ("dbt_project.yml", "pyproject.toml", "requirements.lock", "models", "macros",
                 "seeds", "profiles", "ingest", "deploy/runner.sh")
_EXCLUDED_PARTS = {"__pycache__", ".pytest_cache"}
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Artifact:
    kind: str  # lambda | project
    key: str
    sha256: str
    size: int
    uploaded: bool = False  # False when the key was already there


def deterministic_zip(files: dict[str, Path]) -> bytes:
    """A zip of `files` (name in the archive -> file) whose bytes depend only on their contents
    and whether each is executable."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in sorted(files):
            path = files[name]
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def tree(root: Path, paths: tuple[str, ...] | None = None) -> dict[str, Path]:
    """Every file below `root` (or below its `paths`), by `/`-separated relative name."""
    found: dict[str, Path] = {}
    starts = [root / p for p in paths] if paths else [root]
    for start in starts:
        candidates = [start] if start.is_file() else sorted(start.rglob("*"))
        for path in candidates:
            rel = path.relative_to(root)
            if path.is_file() and not _EXCLUDED_PARTS.intersection(rel.parts) \
                    and not rel.parts[0].endswith(".egg-info") and path.suffix != ".pyc" \
                    and not any(p.endswith(".egg-info") for p in rel.parts):
                found[rel.as_posix()] = path
    return found


def package_lambda(out: Path, deps: bool = True, root: Path | None = None) -> Path:
    """Run deploy/package.sh into `out` (the Lambda's code folder); OSError with its output."""
    root = root or ROOT
    args = ["bash", str(root / "deploy" / "package.sh"), str(out)] + ([] if deps else ["--no-deps"])
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise OSError(f"deploy/package.sh failed: {(proc.stderr or proc.stdout).strip()[-500:]}")
    return out


def lambda_zip(code_dir: Path) -> bytes:
    return deterministic_zip(tree(code_dir))


def project_zip(root: Path | None = None) -> bytes:
    root = root or ROOT
    missing = [p for p in PROJECT_PATHS if not (root / p).exists()]
    if missing:
        raise OSError(f"{root}: not a project checkout (missing {', '.join(missing)})")
    return deterministic_zip(tree(root, PROJECT_PATHS))


def artifact_key(namespace: str, kind: str, body: bytes) -> tuple[str, str]:
    digest = hashlib.sha256(body).hexdigest()
    return f"{namespace}/{kind}/{digest[:16]}.zip", digest


def upload(s3: Any, bucket: str, namespace: str, kind: str, body: bytes) -> Artifact:
    """Put `body` at its content key unless that key exists already."""
    key, digest = artifact_key(namespace, kind, body)
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return Artifact(kind, key, digest, len(body), uploaded=False)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
            raise
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/zip",
                  Metadata={"sha256": digest})
    return Artifact(kind, key, digest, len(body), uploaded=True)
