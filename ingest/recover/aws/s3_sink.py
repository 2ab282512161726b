"""The S3 sink: raw files in an S3 bucket, streamed as multipart uploads, and Glue raw tables.

Layout (the same keys as a local lake, recover/lake.py):
`s3://{bucket}/[{prefix}/]{ns}/raw/dataset={DataType}/cohort={cohort}/{identifier}.ndjson.gz`.

Whole or nothing. A member's gzip chunks are cut into parts of exactly PART_SIZE bytes (the
last part holds the rest, 1..PART_SIZE bytes) and uploaded as they fill, so memory holds one
part. The object only exists once CompleteMultipartUpload succeeds, which happens after the
last chunk: recover.ingest.export yields the gzip trailer only after the member's CRC-32 and size were
verified. Any failure (a corrupt member, an S3 error, an interrupt) aborts the upload, so
neither a partial object nor an orphan upload (which S3 would bill for) remains. A member of
at most one part is a single PutObject: fewer requests, equally atomic. Every part carries a
CRC-32 checksum that S3 verifies.

Idempotence: the key and the bytes are deterministic (fixed gzip header, the archive's own
deflate bytes) and so are the part boundaries, so re-ingesting an export rewrites objects with
the same bytes and the same ETags.

Why 8 MiB parts: above S3's 5 MiB minimum, 10,000 parts allow 80 GB of gzip per member (the
largest real members are a few GB), and one part in memory stays small next to the 1 GB
Lambda. It is also the ranged-read buffer of s3_file.py, so reading and writing move data in
steps of the same size.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from recover.aws import glue_catalog
from recover.ingest.commits import Commit, s3_commits
from recover.ingest.sinks import SinkError
from recover.lake import (
    MAX_S3_KEY_BYTES,
    commit_key,
    partition_key,
    raw_key,
    raw_prefix,
    split_s3_uri,
)
from recover.registry import Registry

PART_SIZE = 8 * 1024 * 1024
CONTENT_TYPE = "application/gzip"  # no Content-Encoding: clients must get the gzip bytes as stored


class S3Sink:
    """Raw zone under `s3://bucket[/prefix]/{ns}/raw/`; raw tables in Glue database `{ns}_raw`."""

    def __init__(self, lake: str, namespace: str, session: Any, part_size: int = PART_SIZE) -> None:
        self.bucket, prefix = split_s3_uri(lake)
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.namespace = namespace
        self.root = f"s3://{self.bucket}/{self.prefix}{namespace}/raw"
        self.part_size = part_size
        self._session = session
        self._client = session.client("s3")

    def target(self, data_type: str, cohort: str, export: str, identifier: str) -> str:
        key = self.prefix + raw_key(self.namespace, data_type, cohort, export, identifier)
        if len(key.encode()) > MAX_S3_KEY_BYTES:
            raise ValueError(f"raw key of {len(key.encode())} bytes is longer than the "
                             f"{MAX_S3_KEY_BYTES} S3 allows")
        return f"s3://{self.bucket}/{key}"

    @contextlib.contextmanager
    def lock(self, cohort: str, export: str) -> Iterator[None]:
        """No lock on S3: landing the same export twice at once writes the same bytes."""
        yield

    def write(self, target: str, chunks: Iterable[bytes]) -> int:
        bucket, key = split_s3_uri(target)
        try:
            return upload(self._client, bucket, key, chunks, self.part_size)
        except (BotoCoreError, ClientError) as exc:
            raise SinkError(f"cannot write {target}: {exc}") from None

    def sweep(self, cohort: str, export: str, keep: set[str]) -> list[str]:
        """Delete the export's objects that are not in `keep` and abort its unfinished uploads."""
        try:
            return self._sweep(cohort, export, keep)
        except (BotoCoreError, ClientError) as exc:
            raise SinkError(f"cannot sweep export {export} in {self.root}: {exc}") from None

    def _sweep(self, cohort: str, export: str, keep: set[str]) -> list[str]:
        removed = []
        datasets = [p["Prefix"] for page in self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + raw_prefix(self.namespace), Delimiter="/")
            for p in page.get("CommonPrefixes", []) if "/dataset=" in p["Prefix"]]
        for dataset in datasets:
            data_type = dataset.rstrip("/").rsplit("dataset=", 1)[1]
            prefix = self.prefix + partition_key(self.namespace, data_type, cohort, export)
            for page in self._client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    uri = f"s3://{self.bucket}/{obj['Key']}"
                    if uri not in keep:
                        self._client.delete_object(Bucket=self.bucket, Key=obj["Key"])
                        removed.append(uri)
            uploads = self._client.list_multipart_uploads(Bucket=self.bucket, Prefix=prefix)
            for upload in uploads.get("Uploads", []):
                self._client.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"],
                                                    UploadId=upload["UploadId"])
        return removed

    def commit(self, commit: Commit) -> str:
        key = self.prefix + commit.key(self.namespace)
        try:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=commit.to_json(),
                                    ContentType="application/json")
        except (BotoCoreError, ClientError) as exc:
            raise SinkError(f"cannot write the commit record s3://{self.bucket}/{key}: {exc}") from None
        return f"s3://{self.bucket}/{key}"

    def read_commit(self, cohort: str, export: str) -> Commit | None:
        key = self.prefix + commit_key(self.namespace, cohort, export)
        try:
            data = self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise SinkError(f"cannot read s3://{self.bucket}/{key}: {exc}") from None
        return Commit.from_json(data, f"s3://{self.bucket}/{key}")

    def committed(self) -> list[Commit]:
        try:
            return s3_commits(self._client, self.bucket, self.prefix, self.namespace)
        except (BotoCoreError, ClientError) as exc:
            raise SinkError(f"cannot list the commit records of {self.root}: {exc}") from None

    def landed(self) -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[str]] = {}
        try:
            for page in self._client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=self.prefix + raw_prefix(self.namespace) + "dataset="):
                for obj in page.get("Contents", []):
                    parts = obj["Key"].split("/")
                    cohort = next((p[7:] for p in parts if p.startswith("cohort=")), None)
                    export = next((p[7:] for p in parts if p.startswith("export=")), None)
                    if cohort and export:
                        out.setdefault((cohort, export), []).append(f"s3://{self.bucket}/{obj['Key']}")
        except (BotoCoreError, ClientError) as exc:
            raise SinkError(f"cannot list {self.root}: {exc}") from None
        return out

    def register(self, commits: Sequence[Commit], types: Registry) -> str:
        result = glue_catalog.register_raw_tables(self._session, self.root, self.namespace,
                                                  commits, types)
        return result.summary()


def upload(client: Any, bucket: str, key: str, chunks: Iterable[bytes], part_size: int = PART_SIZE) -> int:
    """Stream `chunks` into s3://bucket/key, whole or not at all; return the bytes written."""
    buffer = bytearray()
    written = 0
    upload_id: str | None = None
    parts: list[dict[str, Any]] = []
    try:
        for chunk in chunks:
            buffer += chunk
            written += len(chunk)
            # Cut a part only when more bytes follow it, so the last part is never empty.
            while len(buffer) > part_size:
                if upload_id is None:
                    upload_id = client.create_multipart_upload(
                        Bucket=bucket, Key=key, ContentType=CONTENT_TYPE, ChecksumAlgorithm="CRC32"
                    )["UploadId"]
                parts.append(_upload_part(client, bucket, key, upload_id, len(parts) + 1,
                                          bytes(buffer[:part_size])))
                del buffer[:part_size]
        if upload_id is None:
            client.put_object(Bucket=bucket, Key=key, Body=bytes(buffer), ContentType=CONTENT_TYPE,
                              ChecksumAlgorithm="CRC32")
            return written
        parts.append(_upload_part(client, bucket, key, upload_id, len(parts) + 1, bytes(buffer)))
        buffer.clear()
        client.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
    except BaseException as exc:
        if upload_id is not None:
            _abort(client, bucket, key, upload_id, exc)
        raise
    return written


def _upload_part(client: Any, bucket: str, key: str, upload_id: str, number: int, body: bytes) -> dict:
    response = client.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                  Body=body, ChecksumAlgorithm="CRC32")
    return {"PartNumber": number, "ETag": response["ETag"], "ChecksumCRC32": response["ChecksumCRC32"]}


def _abort(client: Any, bucket: str, key: str, upload_id: str, cause: BaseException) -> None:
    """Abort the upload; if even that fails, say so on the original error (the bucket's
    lifecycle rule for incomplete uploads, deploy/template.yaml, is the last resort)."""
    try:
        client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
    except (BotoCoreError, ClientError) as exc:
        cause.add_note(f"s3://{bucket}/{key}: aborting multipart upload {upload_id} failed too: {exc}")
