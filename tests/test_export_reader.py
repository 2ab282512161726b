"""The export reader: members as verified streams; gzip formed without recompression."""

import gzip
import io
import json
import struct
import zipfile
import zlib

import pytest
from recover.ingest.export import (
    CHUNK_SIZE,
    GZIP_HEADER,
    CorruptMemberError,
    Export,
    ExportError,
    UnsafeArchiveError,
)

NAME = "FitbitSleepLogs_20230112-20230114.json"


def ndjson(lines: int, seed: int = 0) -> bytes:
    records = (
        {"ParticipantIdentifier": f"RK-{(i * 7919 + seed) % 1000:04d}", "LogId": str(10**9 + i),
         "StartDate": "2023-01-12T23:10:00", "Duration": str(i * 60_000), "IsMainSleep": i % 2 == 0,
         "SleepLogDetails": [{"Type": "light", "Value": str(i % 97)}]}
        for i in range(lines)
    )
    return b"".join(json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in records)


def make_zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED, **kwargs) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method, **kwargs) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def handmade_zip(name: str, payload: bytes, crc: int, size: int, method: int = 8) -> bytes:
    """A one-member zip whose compressed bytes, CRC and size are exactly what we say."""
    raw_name = name.encode()
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc,
                        len(payload), size, len(raw_name), 0) + raw_name
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc,
                          len(payload), size, len(raw_name), 0, 0, 0, 0, 0, 0) + raw_name
    offset = len(local) + len(payload)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central), offset, 0)
    return local + payload + central + end


def raw_deflate(data: bytes, level: int = 6) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def open_bytes(archive: bytes, label: str = "export-x") -> Export:
    return Export(io.BytesIO(archive), label)


def member(export: Export, name: str = NAME):
    return next(m for m in export.members if m.name == name)


def gzip_of(export: Export, **options) -> bytes:
    return b"".join(export.gzip_chunks(member(export), **options))


def test_deflate_member_becomes_gzip_without_recompression():
    data = ndjson(2000)
    export = open_bytes(make_zip({NAME: data}))
    gz = gzip_of(export)
    assert gzip.decompress(gz) == data
    compressed = raw_deflate(data)  # zipfile's deflate at the default level, same zlib
    assert gz == GZIP_HEADER + compressed + struct.pack("<II", zlib.crc32(data), len(data))


def test_gzip_is_deterministic():
    archive = make_zip({NAME: ndjson(500)})
    first = gzip_of(open_bytes(archive))
    assert first == gzip_of(open_bytes(archive))
    assert first[4:8] == b"\0\0\0\0"  # mtime 0, and no embedded file name (FLG = 0)
    assert first[3] == 0


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_other_methods_fall_back_to_recompression(method):
    data = ndjson(1000)
    export = open_bytes(make_zip({NAME: data}, method))
    assert gzip.decompress(gzip_of(export)) == data


def test_forced_recompression_gives_the_same_content():
    data = ndjson(1000)
    export = open_bytes(make_zip({NAME: data}))
    assert gzip.decompress(gzip_of(export, recompress=True)) == data


def test_raw_chunks_are_the_member_bytes():
    data = ndjson(1000)
    export = open_bytes(make_zip({NAME: data}))
    assert b"".join(export.raw_chunks(member(export))) == data


def test_zip64_member_headers_are_read():
    data = ndjson(300)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf, zf.open(NAME, "w", force_zip64=True) as out:
        out.write(data)
    export = open_bytes(buffer.getvalue())
    assert gzip.decompress(gzip_of(export)) == data


def test_members_after_a_prefix_are_found():
    """Self-extracting style archives (data before the zip) still locate each member."""
    data = ndjson(100)
    export = open_bytes(b"#!junk-prefix\n" * 10 + make_zip({NAME: data}))
    assert gzip.decompress(gzip_of(export)) == data


def test_a_few_mb_member_streams_in_bounded_chunks():
    data = ndjson(60_000)  # ~ 12 MB uncompressed
    assert len(data) > 8 * CHUNK_SIZE
    export = open_bytes(make_zip({NAME: data}, compresslevel=1))
    seen = []
    chunks = list(export.gzip_chunks(member(export), progress=seen.append))
    assert max(len(c) for c in chunks) <= CHUNK_SIZE
    assert len(chunks) > 2
    assert seen[-1] == len(data)
    assert gzip.decompress(b"".join(chunks)) == data


def test_highly_compressible_member_is_inflated_in_bounded_pieces():
    data = b"\n" * (64 * CHUNK_SIZE)  # deflates ~1000:1: one read would inflate to 64 MiB
    export = open_bytes(make_zip({NAME: data}))
    assert max(len(c) for c in export.raw_chunks(member(export))) <= CHUNK_SIZE


def test_flipped_byte_in_stored_deflate_blocks_fails_the_crc():
    data = ndjson(200)
    archive = bytearray(make_zip({NAME: data}, compresslevel=0))  # deflate "stored" blocks
    at = archive.index(data[100:140]) + 10
    archive[at] ^= 0x01
    export = open_bytes(bytes(archive))
    with pytest.raises(CorruptMemberError, match="CRC-32") as raised:
        list(export.gzip_chunks(member(export)))
    assert str(raised.value).startswith(f"export-x: {NAME}: ")


def test_garbage_deflate_data_is_corrupt():
    data = ndjson(200)
    payload = bytes(b ^ 0x5A for b in raw_deflate(data))
    export = open_bytes(handmade_zip(NAME, payload, zlib.crc32(data), len(data)))
    with pytest.raises(CorruptMemberError, match=f"export-x: {NAME}: corrupt member"):
        list(export.gzip_chunks(member(export)))


def test_truncated_deflate_stream_is_corrupt():
    data = ndjson(2000)
    payload = raw_deflate(data)[:-50]
    export = open_bytes(handmade_zip(NAME, payload, zlib.crc32(data), len(data)))
    with pytest.raises(CorruptMemberError, match="truncated|CRC-32"):
        list(export.gzip_chunks(member(export)))


def test_bytes_after_the_deflate_stream_are_corrupt():
    data = ndjson(200)
    payload = raw_deflate(data) + b"trailing"
    export = open_bytes(handmade_zip(NAME, payload, zlib.crc32(data), len(data)))
    with pytest.raises(CorruptMemberError, match="after the end of the deflate stream"):
        list(export.gzip_chunks(member(export)))


def test_size_larger_than_declared_is_corrupt():
    data = ndjson(200)
    export = open_bytes(handmade_zip(NAME, raw_deflate(data), zlib.crc32(data), len(data) - 1))
    with pytest.raises(CorruptMemberError, match="more data than"):
        list(export.gzip_chunks(member(export)))


def test_trailer_is_only_emitted_after_verification():
    data = ndjson(200)
    payload = raw_deflate(data)
    export = open_bytes(handmade_zip(NAME, payload, zlib.crc32(data) ^ 1, len(data)))
    received: list[bytes] = []
    with pytest.raises(CorruptMemberError):
        received.extend(export.gzip_chunks(member(export)))  # keeps what came before the raise
    assert b"".join(received) == GZIP_HEADER + payload  # no trailer: never a valid gzip


def test_corrupt_stored_member_fails():
    data = ndjson(200)
    archive = bytearray(make_zip({NAME: data}, zipfile.ZIP_STORED))
    archive[archive.index(data[50:90]) + 5] ^= 0x01
    export = open_bytes(bytes(archive))
    with pytest.raises(CorruptMemberError, match=f"export-x: {NAME}: "):
        list(export.gzip_chunks(member(export)))


def test_truncated_archive_is_refused_on_open():
    archive = make_zip({NAME: ndjson(500)})
    with pytest.raises(ExportError, match="export-x: not a readable zip archive"):
        open_bytes(archive[: len(archive) // 2])


def test_not_a_zip_is_refused_on_open():
    with pytest.raises(ExportError, match="export-x: not a readable zip archive"):
        open_bytes(b"{\"ParticipantIdentifier\": \"x\"}\n")


def test_member_data_past_end_of_file_is_corrupt():
    data = ndjson(200)
    archive = handmade_zip(NAME, raw_deflate(data), zlib.crc32(data), len(data))
    # Declare a compressed size far larger than the file (central directory field at +20).
    central = archive.index(b"PK\x01\x02")
    patched = archive[: central + 20] + struct.pack("<I", 10**6) + archive[central + 24 :]
    export = open_bytes(patched)
    with pytest.raises(CorruptMemberError, match="runs past the end of file"):
        list(export.gzip_chunks(member(export)))


@pytest.mark.parametrize("bad", ["../escape.json", "/abs/FitbitEcg_20230101.json", "C:\\x.json",
                                 "a/../../b.json"])
def test_unsafe_member_name_refuses_the_archive(bad):
    archive = make_zip({NAME: ndjson(10), bad: b"{}\n"})
    with pytest.raises(UnsafeArchiveError, match="path traversal") as raised:
        open_bytes(archive)
    assert bad in str(raised.value)
    assert str(raised.value).startswith("export-x: ")


def test_encrypted_member_is_refused():
    data = ndjson(10)
    crc = zlib.crc32(data)
    archive = bytearray(handmade_zip(NAME, raw_deflate(data), crc, len(data)))
    central = archive.index(b"PK\x01\x02")
    archive[central + 8] |= 0x01  # general purpose flag bit 0: encrypted
    export = open_bytes(bytes(archive))
    with pytest.raises(ExportError, match="encrypted"):
        list(export.gzip_chunks(member(export)))


def test_export_open_names_a_missing_file(tmp_path):
    missing = tmp_path / "adults_v1" / "nope"
    with pytest.raises(ExportError, match=f"{missing}: cannot open export"):
        Export.open(str(missing))


def test_export_open_reads_a_local_file(tmp_path):
    path = tmp_path / "2024-06-09T00:12:49Z_x"
    data = ndjson(100)
    path.write_bytes(make_zip({NAME: data}))
    with Export.open(str(path)) as export:
        assert gzip.decompress(gzip_of(export)) == data


def test_name_hiding_a_path_after_a_nul_byte_refuses_the_archive():
    data = ndjson(10)
    name = "FitbitEcg_20230101.json\x00/../../etc/cron.d/x"
    with pytest.raises(UnsafeArchiveError, match="path traversal") as raised:
        open_bytes(handmade_zip(name, raw_deflate(data), zlib.crc32(data), len(data)))
    assert "FitbitEcg_20230101.json\\x00/../../etc/cron.d/x" in str(raised.value)
