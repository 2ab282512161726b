"""A read-only, seekable file object over one S3 object, read with ranged GETs.

`Export` (recover.ingest.export) needs a seekable binary file: zipfile reads the central directory at the
end of the archive, then the reader copies each member in 1 MiB reads. Downloading the export
first would need memory or disk as large as the export (an export holds GBs); reading it
through this object needs one buffer.

Buffer: a read that falls outside the buffer replaces it with one ranged GET of
`max(buffer_size, read size)` bytes from the read position. With the default 8 MiB and the
reader's sequential 1 MiB reads, a member costs one GET per 8 MiB (about one GET per part
uploaded by s3_sink.py); zipfile's small reads at the end of the archive cost one GET. Memory
is bounded by the buffer plus the largest single read the caller asks for.

Consistency: every GET carries `IfMatch` with the ETag read when the object was opened, so an
export overwritten while it is being read fails loudly (OSError) instead of mixing two
versions. S3 errors surface as OSError, which the reader turns into an error naming the export.
"""

from __future__ import annotations

import io
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from recover.lake import split_s3_uri

BUFFER_SIZE = 8 * 1024 * 1024


class S3File(io.RawIOBase):
    """Seekable read-only view of `s3://bucket/key` (HEAD on open, ranged GETs on read)."""

    def __init__(self, client: Any, bucket: str, key: str, buffer_size: int = BUFFER_SIZE) -> None:
        super().__init__()
        self.bucket = bucket
        self.key = key
        self.name = f"s3://{bucket}/{key}"
        self._client = client
        self._buffer_size = buffer_size
        try:
            head = client.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in {"404", "NoSuchKey", "NotFound"}:
                raise FileNotFoundError(f"{self.name}: no such object") from None
            raise OSError(f"{self.name}: {_message(exc)}") from None
        except BotoCoreError as exc:
            raise OSError(f"{self.name}: {exc}") from None
        self.size: int = head["ContentLength"]
        self.etag: str = head["ETag"]
        self.requests = 0  # ranged GETs made so far (for tests and measurements)
        self._position = 0
        self._buffer = b""
        self._buffer_start = 0

    @classmethod
    def open(cls, client: Any, uri: str, buffer_size: int = BUFFER_SIZE) -> S3File:
        bucket, key = split_s3_uri(uri)
        return cls(client, bucket, key, buffer_size)

    # -- io.RawIOBase ---------------------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        self._check_open()
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._check_open()
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._position + offset
        elif whence == io.SEEK_END:
            position = self.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if position < 0:
            raise OSError(f"{self.name}: negative seek position {position}")
        self._position = position
        return position

    def read(self, size: int | None = -1) -> bytes:
        """Exactly `size` bytes (fewer only at the end of the object); all the rest if < 0."""
        self._check_open()
        remaining = self.size - self._position
        if size is None or size < 0 or size > remaining:
            size = max(remaining, 0)
        if size == 0:
            return b""
        start = self._position - self._buffer_start
        if not (0 <= start and start + size <= len(self._buffer)):
            self._fill(self._position, max(size, self._buffer_size))
            start = 0
        data = self._buffer[start:start + size]
        self._position += len(data)
        return data

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._buffer = b""
        super().close()

    # -- implementation -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError(f"{self.name}: I/O operation on closed file")

    def _fill(self, start: int, length: int) -> None:
        end = min(start + length, self.size) - 1
        self._buffer = b""  # release the old buffer before the new one arrives
        try:
            response = self._client.get_object(
                Bucket=self.bucket, Key=self.key, Range=f"bytes={start}-{end}", IfMatch=self.etag
            )
            data = response["Body"].read()
        except ClientError as exc:
            if _code(exc) in {"PreconditionFailed", "412"}:
                raise OSError(f"{self.name}: object changed while being read (ETag differs)") from None
            raise OSError(f"{self.name}: ranged GET {start}-{end}: {_message(exc)}") from None
        except BotoCoreError as exc:
            raise OSError(f"{self.name}: ranged GET {start}-{end}: {exc}") from None
        self.requests += 1
        if len(data) != end - start + 1:
            raise OSError(f"{self.name}: ranged GET {start}-{end} returned {len(data)} bytes")
        self._buffer = data
        self._buffer_start = start


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _message(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    return f"{error.get('Code', 'error')}: {error.get('Message', exc)}"
