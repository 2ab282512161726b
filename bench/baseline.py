"""The upstream way, re-implemented for the benchmark only (never used by the pipeline).

    python bench/baseline.py ingest EXPORT [EXPORT ...] --lake DIR --namespace NS
    python bench/baseline.py build --lake DIR --namespace NS --out DIR

ingest (upstream's raw Lambda): for every admitted member (docs/data-contract.md, "Exports"), decompress it and
re-gzip it at gzip's default level 6 into the same raw-zone key our ingest writes. Like ours it
streams (8 MiB reads; upstream reads 80 MB at a time out of an export held whole in memory)
and writes a temporary file that is fsynced and renamed, so the two differ only in the
recompression.

build (upstream's S3-to-JSON and JSON-to-Parquet jobs: value transforms, de-duplication, deletions): one primary data type at a
time, read every raw file of the type (all exports, both cohorts) line by line; `json.loads`
each record and apply `transform_json` (export dates, cohort, `Type` from the subtype,
SymptomLog `Value` parsed, CustomFields Symptoms/Treatments strings parsed, Garmin offset maps
reshaped to arrays); flatten batches of records with `pandas.json_normalize` (structs ->
`a_b` columns) into Arrow; de-duplicate (sort by InsertedDate desc when the data has it, then
export_end_date desc, nulls last; `drop_duplicates` on the index fields, cohort not in the key);
for HealthKit types, drop the rows whose key is in the de-duplicated `_Deleted` table; write
the parent table as Snappy Parquet (Glue's default) partitioned by cohort.

What it covers, and where it is kinder than upstream: parent tables only (array columns are
dropped, no child tables: upstream's relationalize would add that work); no intermediate
NDJSON/gzip round trip between the two jobs (upstream writes the transformed records to S3 as
JSON and gzip and reads them back); types inferred from the data with a column falling back to
string when its values are mixed (Glue's resolveChoice). A null offset-map value or a
malformed SymptomLog `Value` become null here where upstream's job fails.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import shutil
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from recover import registry
from recover.ingest.names import admitted, parse_member_name
from recover.lake import export_id

READ_SIZE = 8 << 20
GZIP_LEVEL = 6
BATCH_RECORDS = 50_000
SUBTYPED = {"HealthKitV2Samples", "HealthKitV2Statistics",
            "HealthKitV2Samples_Deleted", "HealthKitV2Statistics_Deleted"}
# Garmin offset maps: data type -> [(property, value field, value cast)]; key field OffsetInSeconds
OFFSET_MAPS = {
    "GarminDailySummary": [("TimeOffsetHeartRateSamples", "HeartRate", int)],
    "GarminHrvSummary": [("HrvValues", "Hrv", int)],
    "GarminPulseOxSummary": [("TimeOffsetSpo2Values", "Spo2Value", int)],
    "GarminRespirationSummary": [("TimeOffsetEpochToBreaths", "Breaths", float)],
    "GarminSleepSummary": [("TimeOffsetSleepSpo2", "Spo2Value", int),
                           ("TimeOffsetSleepRespiration", "Breaths", float)],
    "GarminStressDetailSummary": [("TimeOffsetStressLevelValues", "StressLevel", int),
                                  ("TimeOffsetBodyBatteryValues", "BodyBattery", int)],
    "GarminThirdPartyDailySummary": [("TimeOffsetHeartRateSamples", "HeartRate", int)],
}
SNAPSHOT_MAPS = [("EpochSummaries", "Value", float)]  # inside GarminHealthSnapshotSummary.Summaries


# ------------------------------------------------------------------------------ ingest

def raw_path(lake: Path, namespace: str, cohort: str, export: str, member: str) -> Path:
    name = parse_member_name(member)
    return (lake / namespace / "raw" / f"dataset={name.data_type}" / f"cohort={cohort}"
            / f"export={export_id(export)}" / f"{name.basename_no_ext}.ndjson.gz")


def ingest(exports: list[Path], lake: Path, namespace: str) -> int:
    members = 0
    for export in exports:
        cohort = export.parent.name
        with zipfile.ZipFile(export) as archive:
            for info in archive.infolist():
                if not admitted(info.filename, info.file_size):
                    continue
                target = raw_path(lake, namespace, cohort, export.name, info.filename)
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.tmp")
                with archive.open(info) as source, tmp.open("wb") as raw:
                    with gzip.GzipFile(filename=Path(info.filename).name, mode="wb",
                                       compresslevel=GZIP_LEVEL, fileobj=raw, mtime=0) as out:
                        while chunk := source.read(READ_SIZE):
                            out.write(chunk)
                    raw.flush()
                    os.fsync(raw.fileno())
                os.replace(tmp, target)
                members += 1
    return members


# ------------------------------------------------------------------------------ transform

def _cast(value: object, kind: type) -> object:
    try:
        return kind(value)
    except (ValueError, TypeError):  # upstream: ValueError -> null, TypeError -> job failure
        return None


def _reshape(mapping: object, value_field: str, kind: type) -> object:
    if not isinstance(mapping, dict):
        return mapping
    return [{"OffsetInSeconds": _cast(k, int), value_field: _cast(v, kind)}
            for k, v in mapping.items()]


def _json_list(text: str) -> object:
    if text == "":
        return []
    try:
        return json.loads(text)
    except ValueError:
        return []


def transform_json(record: dict, data_type: str, start: str | None, end: str, cohort: str,
                   subtype: str | None) -> dict:
    """Upstream's per-record value transforms, in order."""
    record["export_start_date"] = start
    record["export_end_date"] = end
    record["cohort"] = cohort
    if data_type in SUBTYPED:
        record["Type"] = subtype
    if data_type == "SymptomLog":
        value = record.get("Value")
        try:
            record["Value"] = json.loads(value)
        except (TypeError, ValueError):
            record["Value"] = None
    elif data_type == "EnrolledParticipants":
        fields = record.get("CustomFields")
        if isinstance(fields, dict):
            for key in ("Symptoms", "Treatments"):
                if isinstance(fields.get(key), str):
                    fields[key] = _json_list(fields[key])
    elif data_type in OFFSET_MAPS:
        for prop, value_field, kind in OFFSET_MAPS[data_type]:
            if prop in record:
                record[prop] = _reshape(record[prop], value_field, kind)
    elif data_type == "GarminHealthSnapshotSummary":
        for summary in record.get("Summaries") or ():
            if isinstance(summary, dict):
                for prop, value_field, kind in SNAPSHOT_MAPS:
                    if prop in summary:
                        summary[prop] = _reshape(summary[prop], value_field, kind)
    return record


def raw_files(lake: Path, namespace: str, data_type: str) -> list[Path]:
    folder = lake / namespace / "raw" / f"dataset={data_type}"
    return sorted(folder.glob("cohort=*/export=*/*.ndjson.gz"))


def records(path: Path, data_type: str) -> Iterator[dict]:
    name = parse_member_name(path.name.removesuffix(".ndjson.gz") + ".json")
    cohort = path.parent.name.removeprefix("cohort=")
    start, end, subtype = name.export_start_date, name.export_end_date, name.subtype
    with gzip.open(path, "rb") as lines:
        for line in lines:
            if line.strip():
                yield transform_json(json.loads(line), data_type, start, end, cohort, subtype)


# ------------------------------------------------------------------------------ flatten

def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """Flattened batch -> Arrow; array columns dropped (child tables), mixed columns -> string."""
    arrays, names = [], []
    for column in frame.columns:
        values = frame[column]
        try:
            array = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            array = pa.array([None if _missing(v) else str(v) for v in values],
                             type=pa.string())
        if pa.types.is_list(array.type) or pa.types.is_struct(array.type):
            continue
        arrays.append(array)
        names.append(str(column))
    return pa.Table.from_arrays(arrays, names=names)


def unify(batches: list[pa.Table]) -> pa.Table:
    """One schema for all batches: int+double -> double, any other conflict -> string."""
    seen: dict[str, set[pa.DataType]] = {}
    order: list[str] = []
    for batch in batches:
        for field in batch.schema:
            if field.name not in seen:
                seen[field.name] = set()
                order.append(field.name)
            if not pa.types.is_null(field.type):
                seen[field.name].add(field.type)
    target: dict[str, pa.DataType] = {}
    for name in order:
        types = seen[name]
        if not types:
            target[name] = pa.string()
        elif len(types) == 1:
            target[name] = next(iter(types))
        elif types <= {pa.int64(), pa.float64()}:
            target[name] = pa.float64()
        else:
            target[name] = pa.string()
    schema = pa.schema([(name, target[name]) for name in order])
    out = []
    for batch in batches:
        columns = []
        for field in schema:
            if field.name in batch.column_names:
                columns.append(batch[field.name].cast(field.type))
            else:
                columns.append(pa.nulls(batch.num_rows, field.type))
        out.append(pa.Table.from_arrays(columns, schema=schema))
    return pa.concat_tables(out) if out else pa.table({})


def read_type(lake: Path, namespace: str, data_type: str) -> pa.Table:
    batches: list[pa.Table] = []
    pending: list[dict] = []
    for path in raw_files(lake, namespace, data_type):
        for record in records(path, data_type):
            pending.append(record)
            if len(pending) >= BATCH_RECORDS:
                batches.append(to_arrow(pd.json_normalize(pending, sep="_")))
                pending = []
    if pending:
        batches.append(to_arrow(pd.json_normalize(pending, sep="_")))
    return unify(batches)


# ------------------------------------------------------------------------------ de-dup

def _key_frame(table: pa.Table, columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(index=range(table.num_rows))
    for column in columns:
        frame[column] = (table[column].to_pandas() if column in table.column_names
                         else pd.Series([None] * table.num_rows, dtype=object))
    return frame


def deduplicate(table: pa.Table, index: list[str]) -> pa.Table:
    """Keep one row per index key, latest InsertedDate then latest export."""
    if table.num_rows == 0:
        return table
    order = (["InsertedDate"] if "InsertedDate" in table.column_names else []) + ["export_end_date"]
    keys = _key_frame(table, [*index, *order])
    keys = keys.sort_values(order, ascending=False, na_position="last", kind="stable")
    keep = np.sort(keys.drop_duplicates(subset=index, keep="first").index.to_numpy())
    return table.take(pa.array(keep))


def drop_deleted(table: pa.Table, deleted: pa.Table, index: list[str]) -> pa.Table:
    """HealthKit deletions: left anti-join on the index fields; null keys never match."""
    if deleted.num_rows == 0 or table.num_rows == 0:
        return table
    gone = _key_frame(deleted, index).dropna().drop_duplicates()
    if gone.empty:
        return table
    mine = pd.MultiIndex.from_frame(_key_frame(table, index).astype(object))
    hit = mine.isin(pd.MultiIndex.from_frame(gone.astype(object)))
    return table.filter(pa.array(~hit))


# ------------------------------------------------------------------------------ build

def build(lake: Path, namespace: str, out: Path) -> dict[str, int]:
    reg = registry.load()
    twins = {dt.deleted_of: dt.name for dt in reg.deleted()}
    counts: dict[str, int] = {}
    for dt in reg.primary():
        started = time.monotonic()
        table = read_type(lake, namespace, dt.name)
        read = table.num_rows
        if read == 0:
            continue
        table = deduplicate(table, list(dt.index))
        if dt.name in twins:
            deleted = read_type(lake, namespace, twins[dt.name])
            table = drop_deleted(table, deduplicate(deleted, list(dt.index)), list(dt.index))
            del deleted
        target = out / f"dataset_{dt.name.lower()}"
        shutil.rmtree(target, ignore_errors=True)
        table = table.set_column(table.schema.get_field_index("cohort"), "cohort",
                                 pc.cast(table["cohort"], pa.string()))
        pq.write_to_dataset(table, target, partition_cols=["cohort"], compression="snappy",
                            existing_data_behavior="delete_matching")
        counts[f"dataset_{dt.name.lower()}"] = table.num_rows
        print(f"{dt.name}: {read:,} read, {table.num_rows:,} written, "
              f"{time.monotonic() - started:.1f} s", flush=True)
        del table
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="upstream-style baseline for the benchmark")
    sub = parser.add_subparsers(dest="command", required=True)
    p_ingest = sub.add_parser("ingest", help="decompress + re-gzip level 6 (upstream's raw Lambda)")
    p_ingest.add_argument("exports", nargs="+", type=Path)
    p_build = sub.add_parser("build", help="Python transform + pandas/pyarrow flatten")
    p_build.add_argument("--out", required=True, type=Path, help="Parquet output directory")
    for p in (p_ingest, p_build):
        p.add_argument("--lake", required=True, type=Path)
        p.add_argument("--namespace", required=True)
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.command == "ingest":
        n = ingest(args.exports, args.lake, args.namespace)
        print(f"baseline ingest: {n} members in {time.monotonic() - started:.1f} s")
    else:
        counts = build(args.lake, args.namespace, args.out)
        print(json.dumps({"row_counts": counts, "seconds": time.monotonic() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
