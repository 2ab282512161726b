"""Read an export archive (a zip without extension) and stream its members, never whole.

A zip member stored with method 8 is already a raw deflate stream, and gzip (RFC 1952) is a raw
deflate stream between a 10-byte header and a trailer of CRC-32 + uncompressed size mod 2**32;
the zip directory holds both. So `Export.gzip_chunks()` forms the raw zone's `.ndjson.gz` from
the member's compressed bytes as they are, with no recompression (measured in docs/ingest.md:
several times faster than recompressing, and the output is smaller than gzip level 6 would be
when the export was compressed harder). Members stored with another method (stored, bzip2,
lzma) fall back to streaming decompression + deflate recompression.

Integrity. Copying bytes verbatim would copy corruption verbatim, and the CRC in the trailer
would be the directory's claim, not a fact. So every copied chunk is also inflated with zlib in
the same pass (bounded output per call, so a zip bomb cannot blow up memory) and the CRC-32 and
length of the inflated bytes are compared with the directory; the deflate stream must end
exactly at the member's compressed size. The gzip trailer is emitted only after all checks pass
and a failure raises CorruptMemberError, so a sink that writes to a temporary name and renames
only after the last chunk (lake.py) can never publish a corrupt member. Inflating is cheap next
to compressing (hundreds of MB/s per core against tens).

The reader needs only a seekable binary file object (a local file, or an S3 ranged reader) and
holds at most one chunk (1 MiB) of compressed and one of inflated data at a time. ZIP64 members
work because `zipfile` parses the central directory (sizes and offsets from the ZIP64 extra
field); the local header is read here to find where the compressed data starts.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Self

from recover.ingest.names import is_unsafe_path

CHUNK_SIZE = 1 << 20  # bytes read from the archive per step
INFLATE_LIMIT = 1 << 20  # most inflated bytes zlib may return per call
RECOMPRESS_LEVEL = 6  # gzip's default, for the fallback path only

# Fixed header: deflate, no flags (no file name), mtime 0, no extra flags, OS unknown (255).
# A fixed header makes re-ingesting an export byte-identical.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_FLAG_ENCRYPTED = 0x1
_FLAG_UTF8 = 0x800

Progress = Callable[[int], None]  # called with the member's bytes verified so far


class LineCount:
    """Lines of a member's uncompressed bytes (`\n`-terminated, plus an unterminated last one)."""

    def __init__(self) -> None:
        self._newlines = 0
        self._last = b"\n"

    def feed(self, data: bytes) -> None:
        if data:
            self._newlines += data.count(b"\n")
            self._last = data[-1:]

    @property
    def total(self) -> int:
        return self._newlines + (0 if self._last == b"\n" else 1)


class ExportError(Exception):
    """An export that cannot be read; the message names the export (and member)."""

    def __init__(self, export: str, message: str, member: str | None = None) -> None:
        where = f"{export}: {member}" if member is not None else export
        super().__init__(f"{where}: {message}")
        self.export = export
        self.member = member


class UnsafeArchiveError(ExportError):
    """An archive refused as a whole because a member name could escape its folder."""


class CorruptMemberError(ExportError):
    """A member whose data is truncated, not valid deflate, or fails its CRC-32 / size."""


@dataclass(frozen=True)
class Member:
    """One entry of the zip's central directory."""

    name: str
    uncompressed_size: int
    compressed_size: int
    crc32: int
    method: int  # zipfile.ZIP_STORED, ZIP_DEFLATED, ...
    header_offset: int  # where the member's local header starts
    flag_bits: int
    name_bytes: bytes  # the name as stored, to match against the local header
    info: zipfile.ZipInfo = field(compare=False, repr=False)

    @classmethod
    def from_info(cls, info: zipfile.ZipInfo) -> Member:
        encoding = "utf-8" if info.flag_bits & _FLAG_UTF8 else "cp437"
        return cls(
            name=info.filename,
            uncompressed_size=info.file_size,
            compressed_size=info.compress_size,
            crc32=info.CRC,
            method=info.compress_type,
            header_offset=info.header_offset,
            flag_bits=info.flag_bits,
            name_bytes=info.orig_filename.encode(encoding),
            info=info,
        )


class Export:
    """An opened export: its members (from the zip directory) and verified member streams.

    Opening refuses the whole archive (UnsafeArchiveError) when any member name could escape
    its folder, so nothing is ever written from it. Streams share the file object: read one
    member stream at a time. `Export.open(path)` owns (and closes) its file; an Export built on
    a caller's file object leaves closing it to the caller.
    """

    def __init__(self, fileobj: BinaryIO, label: str) -> None:
        self.label = label
        self._file = fileobj
        self._owned: BinaryIO | None = None
        try:
            self._size = fileobj.seek(0, 2)
            self._zip = zipfile.ZipFile(fileobj)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
            raise ExportError(label, f"not a readable zip archive (corrupt or truncated: {exc})") from None
        self.members = [Member.from_info(info) for info in infos]
        # zipfile cuts names at a NUL byte; the name as stored must be safe too.
        unsafe = [
            m.info.orig_filename.replace("\x00", "\\x00") for m in self.members
            if is_unsafe_path(m.name) or is_unsafe_path(m.info.orig_filename)
        ]
        if unsafe:
            raise UnsafeArchiveError(
                label,
                "archive refused: member name could escape the target folder (path traversal)",
                member=unsafe[0],
            )

    @classmethod
    def open(cls, path: str, label: str | None = None) -> Export:
        """Open a local export file (the label in messages defaults to the path)."""
        label = label or path
        try:
            fileobj = open(path, "rb")  # noqa: SIM115 - owned by the Export, closed by close()
        except OSError as exc:
            raise ExportError(label, f"cannot open export: {exc.strerror or exc}") from None
        try:
            export = cls(fileobj, label)
        except BaseException:
            fileobj.close()
            raise
        export._owned = fileobj
        return export

    def close(self) -> None:
        self._zip.close()  # never closes a file object it was given
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public streams ---------------------------------------------------------------------

    def gzip_chunks(
        self, member: Member, progress: Progress | None = None, *, recompress: bool = False,
        lines: LineCount | None = None,
    ) -> Iterator[bytes]:
        """The member as one gzip file, in chunks; gunzipped it is byte-identical to the member.

        Deflate members are copied without recompression (unless `recompress`); the last chunk
        (the trailer) is yielded only after the data verified, else CorruptMemberError.
        `lines`, when given, counts the member's lines on the way (from the verifying inflate).
        """
        self._check_readable(member)
        if member.method == zipfile.ZIP_DEFLATED and not recompress:
            yield from self._gzip_passthrough(member, progress, lines)
        else:
            yield from self._gzip_recompressed(member, progress, lines)

    def raw_chunks(self, member: Member, progress: Progress | None = None,
                   lines: LineCount | None = None) -> Iterator[bytes]:
        """The member's uncompressed bytes, in chunks, verified against CRC-32 and size."""
        self._check_readable(member)
        if member.method == zipfile.ZIP_DEFLATED:
            check = _InflateCheck(self.label, member, lines)
            for chunk in self._compressed_chunks(member):
                yield from check.feed(chunk)
                if progress:
                    progress(check.size)
            yield from check.finish()
        else:
            yield from self._decoded_chunks(member, progress, lines)

    # -- implementation ---------------------------------------------------------------------

    def _corrupt(self, member: Member, message: str) -> CorruptMemberError:
        return CorruptMemberError(self.label, message, member=member.name)

    def _check_readable(self, member: Member) -> None:
        if member.flag_bits & _FLAG_ENCRYPTED:
            raise ExportError(self.label, "encrypted members are not supported", member.name)

    def _data_offset(self, member: Member) -> int:
        """Where the compressed data starts: after the local header, its name and extra field.

        The local header's extra field may differ from the central directory's (ZIP64 sizes,
        timestamps), so its length must be read here rather than assumed.
        """
        try:
            self._file.seek(member.header_offset)
            header = self._file.read(_LOCAL_HEADER.size)
        except OSError as exc:
            raise self._corrupt(member, f"cannot read local header: {exc}") from None
        if len(header) < _LOCAL_HEADER.size:
            raise self._corrupt(member, "truncated archive: local header missing")
        (signature, _version, _flags, method, _time, _date, _crc, _csize, _usize, name_len,
         extra_len) = _LOCAL_HEADER.unpack(header)
        if signature != _LOCAL_SIGNATURE:
            raise self._corrupt(member, "corrupt archive: bad local header signature")
        if self._file.read(name_len) != member.name_bytes:
            raise self._corrupt(member, "corrupt archive: local header name differs from directory")
        if method != member.method:
            raise self._corrupt(member, "corrupt archive: local header method differs from directory")
        start = member.header_offset + _LOCAL_HEADER.size + name_len + extra_len
        if start + member.compressed_size > self._size:
            raise self._corrupt(member, "truncated archive: member data runs past the end of file")
        return start

    def _compressed_chunks(self, member: Member) -> Iterator[bytes]:
        position = self._data_offset(member)
        remaining = member.compressed_size
        while remaining:
            try:
                self._file.seek(position)  # re-seek: zipfile or another reader may have moved it
                chunk = self._file.read(min(CHUNK_SIZE, remaining))
            except OSError as exc:
                raise self._corrupt(member, f"cannot read member data: {exc}") from None
            if not chunk:
                raise self._corrupt(member, "truncated archive: member data ends early")
            position += len(chunk)
            remaining -= len(chunk)
            yield chunk

    def _gzip_passthrough(self, member: Member, progress: Progress | None,
                          lines: LineCount | None) -> Iterator[bytes]:
        check = _InflateCheck(self.label, member, lines)
        yield GZIP_HEADER
        for chunk in self._compressed_chunks(member):
            for _ in check.feed(chunk):
                pass  # inflated only to verify; the compressed bytes are what we keep
            if progress:
                progress(check.size)
            yield chunk
        for _ in check.finish():
            pass
        yield _gzip_trailer(member.crc32, member.uncompressed_size)

    def _decoded_chunks(self, member: Member, progress: Progress | None,
                        lines: LineCount | None = None) -> Iterator[bytes]:
        """Uncompressed bytes via zipfile (any method it supports), with our own CRC/size check."""
        crc, size = 0, 0
        try:
            with self._zip.open(member.info) as stream:
                while chunk := stream.read(CHUNK_SIZE):
                    crc = zlib.crc32(chunk, crc)
                    size += len(chunk)
                    if lines is not None:
                        lines.feed(chunk)
                    if progress:
                        progress(size)
                    yield chunk
        except NotImplementedError as exc:
            raise ExportError(self.label, f"unsupported compression: {exc}", member.name) from None
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError, ValueError) as exc:
            raise self._corrupt(member, f"corrupt member data: {exc}") from None
        if crc != member.crc32 or size != member.uncompressed_size:
            raise self._corrupt(member, _mismatch(member, crc, size))

    def _gzip_recompressed(self, member: Member, progress: Progress | None,
                           lines: LineCount | None) -> Iterator[bytes]:
        source = (
            self.raw_chunks(member, progress, lines)
            if member.method == zipfile.ZIP_DEFLATED
            else self._decoded_chunks(member, progress, lines)
        )
        compressor = zlib.compressobj(RECOMPRESS_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        yield GZIP_HEADER
        for chunk in source:
            if out := compressor.compress(chunk):
                yield out
        yield compressor.flush()
        yield _gzip_trailer(member.crc32, member.uncompressed_size)


class _InflateCheck:
    """Inflates a member's deflate stream chunk by chunk, tracking CRC-32 and length."""

    def __init__(self, export: str, member: Member, lines: LineCount | None = None) -> None:
        self._export = export
        self._member = member
        self._lines = lines
        self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        self.crc = 0
        self.size = 0

    def _corrupt(self, message: str) -> CorruptMemberError:
        return CorruptMemberError(self._export, message, member=self._member.name)

    def _account(self, out: bytes) -> bytes:
        self.crc = zlib.crc32(out, self.crc)
        self.size += len(out)
        if self._lines is not None:
            self._lines.feed(out)
        if self.size > self._member.uncompressed_size:
            raise self._corrupt(
                f"corrupt member: more data than the {self._member.uncompressed_size} bytes "
                "the zip directory declares"
            )
        return out

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._inflater.eof:
            raise self._corrupt("corrupt member: data continues after the end of the deflate stream")
        try:
            while data:
                out = self._inflater.decompress(data, INFLATE_LIMIT)
                yield self._account(out)
                if self._inflater.eof:
                    if self._inflater.unused_data:
                        raise self._corrupt(
                            "corrupt member: data continues after the end of the deflate stream"
                        )
                    return
                data = self._inflater.unconsumed_tail
        except zlib.error as exc:
            raise self._corrupt(f"corrupt member: invalid deflate data ({exc})") from None

    def finish(self) -> Iterator[bytes]:
        try:
            if tail := self._inflater.flush():
                yield self._account(tail)
        except zlib.error as exc:
            raise self._corrupt(f"corrupt member: invalid deflate data ({exc})") from None
        if not self._inflater.eof:
            raise self._corrupt("corrupt member: deflate stream is truncated")
        if self.crc != self._member.crc32 or self.size != self._member.uncompressed_size:
            raise self._corrupt(_mismatch(self._member, self.crc, self.size))


def _mismatch(member: Member, crc: int, size: int) -> str:
    return (
        f"corrupt member: CRC-32 {crc:08x} / {size} bytes, zip directory says "
        f"{member.crc32:08x} / {member.uncompressed_size} bytes"
    )


def _gzip_trailer(crc32: int, size: int) -> bytes:
    return struct.pack("<II", crc32 & 0xFFFFFFFF, size & 0xFFFFFFFF)
