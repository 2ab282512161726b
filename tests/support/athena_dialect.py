"""Athena SQL -> what the test Athena endpoint runs: Trino statements or Glue calls.

Athena is two engines behind one API: its Hive DDL engine (``CREATE EXTERNAL TABLE``,
``ALTER TABLE ... SET TBLPROPERTIES``, ``MSCK REPAIR TABLE``, ``SHOW``/``DESCRIBE``;
backtick identifiers, Hive types; every one of them a Glue catalog operation) and Trino
(``SELECT``, ``INSERT``, CTAS, views; double-quoted identifiers). The endpoint
(``athena_endpoint.py``) runs the Trino half on the suite's Trino server, in a catalog named
``awsdatacatalog`` over the same Glue and S3 (moto), and the Hive-DDL half as the Glue calls
Athena makes. :func:`translate` decides which, and every decision is a row of
:data:`TRANSLATIONS` (one unit test each in tests/test_athena_dialect.py):

====================  ===============================================  ==========================================  ====================================================
rule                  Athena input                                     what runs                                   why
====================  ===============================================  ==========================================  ====================================================
strip                 any statement: leading comments, trailing ``;``  the statement without them                  Trino rejects a trailing ``;``; dbt-athena appends one
                                                                                                                   to INSERTs and prefixes ``-- /* query comment */``
select                ``SELECT``/``WITH``/``VALUES``/``TABLE``         Trino, unchanged                            same engine (Athena v3 = Trino)
explain               ``EXPLAIN ...``                                  Trino, unchanged (UTILITY)                  same engine
insert                ``INSERT INTO ...``                              Trino, unchanged, one writer (as ctas)      same engine
ctas                  ``CREATE TABLE t WITH (table_type='hive',        Trino ``CREATE TABLE t WITH (format=        Athena-only properties: ``table_type`` and
                      is_external=true, external_location=...,         'PARQUET', external_location=...,           ``is_external`` dropped (hive + location = external),
                      format='parquet', partitioned_by=ARRAY[..],      partitioned_by=.., bucketed_by=..,          ``format`` upper-cased, ``write_compression`` ->
                      bucketed_by=.., bucket_count=..,                 bucket_count=.., textfile_field_separator)  session ``compression_codec`` (Athena's Parquet
                      write_compression=.., field_delimiter=..)        AS ...`` + session ``compression_codec``     default is GZIP), ``field_delimiter`` ->
                      AS ...``                                                                                     ``textfile_field_separator``; no location: the
                                                                                                                   workgroup's ``{output}/tables/{query id}``; one
                                                                                                                   writer, so Trino's 100 open partitions per writer
                                                                                                                   is Athena's 100 partitions per query
ctas_iceberg          CTAS with ``table_type='iceberg'``               refused (NOT_SUPPORTED)                     no Iceberg catalog here (the project writes Hive)
create_view           ``CREATE [OR REPLACE] VIEW``                     Trino, unchanged; then Glue ``UpdateTable`` Athena views are Trino views in Glue, but Athena
                                                                       sets the view's columns (Hive types)        records their columns (Trino records ``dummy``), and
                                                                                                                   dbt-athena reads them (unit tests, docs)
drop_view             ``DROP VIEW [IF EXISTS]``                        Trino, unchanged                            idem
create_database       ``CREATE DATABASE|SCHEMA [IF NOT EXISTS] `d```   Glue ``CreateDatabase`` (comment,           Hive DDL = a Glue call; a database without LOCATION
                      ``[COMMENT][LOCATION][WITH DBPROPERTIES]``       location, properties)                       has none (no warehouse directory, as on Athena)
drop_database         ``DROP DATABASE|SCHEMA [IF EXISTS] `d`           Glue ``DeleteDatabase`` (RESTRICT: refused  Athena drops metadata only, never data
                      [RESTRICT|CASCADE]``                             while tables exist)
create_table          ``CREATE EXTERNAL TABLE [IF NOT EXISTS] `d`.`t`  Glue ``CreateTable``: Hive column types as  what Athena does (dbt-athena seeds: OpenCSVSerde +
                      (cols) [PARTITIONED BY] [ROW FORMAT SERDE|       written, SerDe, input/output formats,       ``skip.header.line.count``); ``CREATE TABLE``
                      DELIMITED] [STORED AS] LOCATION TBLPROPERTIES``  EXTERNAL_TABLE, ``EXTERNAL=TRUE``          without EXTERNAL is refused, as Athena does for Hive
drop_table            ``DROP TABLE [IF EXISTS] `d`.`t```               Glue ``DeleteTable``                        metadata only: Athena never deletes external data
set_tblproperties     ``ALTER TABLE t SET TBLPROPERTIES ('k'='v')``    Glue ``UpdateTable`` (Parameters merged)    Trino cannot set arbitrary table parameters
add_columns           ``ALTER TABLE t ADD COLUMNS (c type, ..)``       Glue ``UpdateTable`` (columns appended)     Hive types kept as written, as Athena does
replace_columns       ``ALTER TABLE t REPLACE COLUMNS (c type, ..)``   Glue ``UpdateTable`` (columns replaced)     idem
change_column         ``ALTER TABLE t CHANGE [COLUMN] a b type``       Glue ``UpdateTable`` (column renamed/typed) idem
add_partition         ``ALTER TABLE t ADD [IF NOT EXISTS] PARTITION    Trino ``CALL system.register_partition``    Athena registers the partition in Glue; an existing
                      (k='v', ..) [LOCATION '..'] [PARTITION ..]``     per partition (existing ones skipped with   one fails unless IF NOT EXISTS
                                                                       IF NOT EXISTS)
drop_partition        ``ALTER TABLE t DROP [IF EXISTS] PARTITION       Trino ``CALL system.unregister_partition``  metadata only, as Athena for external tables
                      (k='v', ..)[, PARTITION ..]``
msck                  ``MSCK REPAIR TABLE t``                          Trino ``CALL system.sync_partition_metadata Athena's MSCK adds missing Hive-style partitions and
                                                                       (d, t, 'ADD')``                             never removes any
rename_table          ``ALTER TABLE t RENAME TO u``                    refused (NOT_SUPPORTED)                     Athena renames only Iceberg tables
show_databases        ``SHOW DATABASES|SCHEMAS [LIKE 'p']``            Glue ``GetDatabases``                       Athena's Hive-DDL answer (one column)
show_tables           ``SHOW TABLES [IN d] ['pattern']``               Glue ``GetTables``                          idem (Hive ``*``/``|`` patterns)
show_partitions       ``SHOW PARTITIONS t``                            Glue ``GetPartitions``                      ``k=v/k2=v2`` lines, as Athena prints them
show_columns          ``SHOW COLUMNS (IN|FROM) t``                     Glue ``GetTable``                           column names incl. partition keys
show_tblproperties    ``SHOW TBLPROPERTIES t``                         Glue ``GetTable``                           ``key\\tvalue`` lines
describe              ``DESCRIBE|DESC t``                              Glue ``GetTable``                           Hive types (``string``, not Trino's ``varchar``)
show_create_table     ``SHOW CREATE TABLE|VIEW t``                     Trino, unchanged                            the text is Trino's DDL, not Athena's Hive DDL
passthrough           anything else                                    Trino, unchanged                            Trino's own error is the closest to Athena's
====================  ===============================================  ==========================================  ====================================================

Identifiers in Hive DDL may be backticked (dbt-athena renders ``relation.render_hive()``
that way); they become plain names for Glue. Glue names are lower case, as Athena makes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------------
# The table of translations (documentation + the key every Plan carries)
# ---------------------------------------------------------------------------------------------

TRANSLATIONS: dict[str, str] = {
    "strip": "leading comments and trailing ';' removed before anything else",
    "select": "SELECT/WITH/VALUES/TABLE -> Trino unchanged",
    "explain": "EXPLAIN -> Trino unchanged (UTILITY)",
    "insert": "INSERT INTO -> Trino unchanged",
    "ctas": "CTAS WITH (Athena properties) -> Trino CTAS WITH (Trino Hive properties) + session",
    "ctas_iceberg": "CTAS table_type='iceberg' -> refused (no Iceberg catalog here)",
    "create_view": "CREATE [OR REPLACE] VIEW -> Trino unchanged + Glue view columns",
    "drop_view": "DROP VIEW -> Trino unchanged",
    "create_database": "CREATE DATABASE|SCHEMA -> Glue CreateDatabase",
    "drop_database": "DROP DATABASE|SCHEMA -> Glue DeleteDatabase",
    "create_table": "CREATE EXTERNAL TABLE -> Glue CreateTable",
    "drop_table": "DROP TABLE -> Glue DeleteTable",
    "set_tblproperties": "ALTER TABLE SET TBLPROPERTIES -> Glue UpdateTable",
    "add_columns": "ALTER TABLE ADD COLUMNS -> Glue UpdateTable",
    "replace_columns": "ALTER TABLE REPLACE COLUMNS -> Glue UpdateTable",
    "change_column": "ALTER TABLE CHANGE COLUMN -> Glue UpdateTable",
    "add_partition": "ALTER TABLE ADD PARTITION -> CALL system.register_partition",
    "drop_partition": "ALTER TABLE DROP PARTITION -> CALL system.unregister_partition",
    "msck": "MSCK REPAIR TABLE -> CALL system.sync_partition_metadata(..., 'ADD')",
    "rename_table": "ALTER TABLE RENAME TO -> refused (Athena renames Iceberg tables only)",
    "show_databases": "SHOW DATABASES|SCHEMAS -> Glue GetDatabases",
    "show_tables": "SHOW TABLES -> Glue GetTables",
    "show_partitions": "SHOW PARTITIONS -> Glue GetPartitions",
    "show_columns": "SHOW COLUMNS -> Glue GetTable",
    "show_tblproperties": "SHOW TBLPROPERTIES -> Glue GetTable",
    "describe": "DESCRIBE -> Glue GetTable (Hive types)",
    "show_create_table": "SHOW CREATE TABLE|VIEW -> Trino unchanged (Trino's DDL text)",
    "passthrough": "anything else -> Trino unchanged",
}

# Hive STORED AS keyword -> (InputFormat, OutputFormat, default SerDe)
_TEXT_IN = "org.apache.hadoop.mapred.TextInputFormat"
_TEXT_OUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
LAZY_SIMPLE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
STORED_AS: dict[str, tuple[str, str, str]] = {
    "TEXTFILE": (_TEXT_IN, _TEXT_OUT, LAZY_SIMPLE),
    "PARQUET": (
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
    ),
    "ORC": (
        "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
        "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
        "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
    ),
    "AVRO": (
        "org.apache.hadoop.hive.ql.io.avro.AvroContainerInputFormat",
        "org.apache.hadoop.hive.ql.io.avro.AvroContainerOutputFormat",
        "org.apache.hadoop.hive.serde2.avro.AvroSerDe",
    ),
}

# Athena CTAS `format` -> Trino Hive `format`
CTAS_FORMATS = {"PARQUET": "PARQUET", "ORC": "ORC", "AVRO": "AVRO", "JSON": "JSON",
                "TEXTFILE": "TEXTFILE"}
# Athena `write_compression` -> Trino session property `compression_codec`
COMPRESSION = {"GZIP": "GZIP", "SNAPPY": "SNAPPY", "ZSTD": "ZSTD", "LZ4": "LZ4", "NONE": "NONE",
               "UNCOMPRESSED": "NONE"}
# Athena writes Parquet (its CTAS default) with GZIP unless told otherwise.
DEFAULT_COMPRESSION = {"PARQUET": "GZIP"}


class TranslationError(ValueError):
    """The statement cannot run here; ``error_name`` is the Athena/Trino error code."""

    def __init__(self, error_name: str, message: str) -> None:
        super().__init__(f"{error_name}: {message}")
        self.error_name = error_name
        self.message = message


@dataclass
class Plan:
    """How one Athena statement runs on the endpoint.

    ``trino``: statements for Trino, in order (session ``catalog``/``database``); ``action``:
    a Glue operation with ``args`` (see athena_endpoint.GlueActions). ``statement_type`` and
    ``substatement_type`` are what GetQueryExecution reports.
    """

    rule: str
    statement_type: str
    substatement_type: str
    trino: list[str] = field(default_factory=list)
    session: dict[str, str] = field(default_factory=dict)
    action: str | None = None
    args: dict = field(default_factory=dict)
    # CTAS only: where the data goes (None = the workgroup's {output}/tables/{query id})
    ctas_location: str | None = None
    ctas_table: tuple[str, str] | None = None


# ---------------------------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tok:
    kind: str  # word | ident (quoted: "x" or `x`) | string | number | punct | comment | ws
    text: str  # source text
    start: int
    end: int
    value: str  # word upper-cased; identifier / string unquoted; else text


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>--[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\]|\\.|'')*')
  | (?P<dquote>"(?:[^"]|"")*")
  | (?P<backtick>`(?:[^`]|``)*`)
  | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_$@]*)
  | (?P<punct><>|!=|<=|>=|\|\||=>|->|[(),.;=<>*:+\-/%\[\]{}|&^~?!])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def _unquote_string(text: str) -> str:
    body = text[1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(nxt, nxt))
            i += 2
        elif c == "'" and body[i + 1:i + 2] == "'":
            out.append("'")
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def tokenize(sql: str) -> list[Tok]:
    toks, pos = [], 0
    while pos < len(sql):
        m = _TOKEN.match(sql, pos)
        kind, text = m.lastgroup, m.group()
        if kind == "word":
            toks.append(Tok("word", text, m.start(), m.end(), text.upper()))
        elif kind == "dquote":
            toks.append(Tok("ident", text, m.start(), m.end(), text[1:-1].replace('""', '"')))
        elif kind == "backtick":
            toks.append(Tok("ident", text, m.start(), m.end(), text[1:-1].replace("``", "`")))
        elif kind == "string":
            toks.append(Tok("string", text, m.start(), m.end(), _unquote_string(text)))
        else:  # number, punct, ws, comment; `other` (a character only Trino knows) as punct
            toks.append(Tok("punct" if kind == "other" else kind, text, m.start(), m.end(), text))
        pos = m.end()
    return toks


def strip_statement(sql: str) -> str:
    """Rule ``strip``: drop leading/trailing comments, whitespace and trailing semicolons."""
    toks = [t for t in tokenize(sql)]
    significant = [t for t in toks if t.kind not in ("ws", "comment")]
    while significant and significant[-1].kind == "punct" and significant[-1].text == ";":
        significant.pop()
    if not significant:
        return ""
    body = sql[significant[0].start:significant[-1].end]
    if any(t.kind == "punct" and t.text == ";" for t in significant):
        raise TranslationError("SYNTAX_ERROR", "only one statement per query is allowed")
    return body


class _Cursor:
    """Significant tokens of one statement, with look-ahead helpers."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.toks = [t for t in tokenize(sql) if t.kind not in ("ws", "comment")]
        self.i = 0

    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def at_end(self) -> bool:
        return self.i >= len(self.toks)

    def is_word(self, *words: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t is not None and t.kind == "word" and t.value in words

    def is_punct(self, p: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t is not None and t.kind == "punct" and t.text == p

    def take(self) -> Tok:
        t = self.peek()
        if t is None:
            raise TranslationError("SYNTAX_ERROR", "unexpected end of statement")
        self.i += 1
        return t

    def accept_word(self, *words: str) -> bool:
        if self.is_word(*words):
            self.i += 1
            return True
        return False

    def expect_word(self, *words: str) -> str:
        t = self.peek()
        if not self.accept_word(*words):
            got = t.text if t else "end of statement"
            raise TranslationError("SYNTAX_ERROR", f"expected {' or '.join(words)}, got {got!r}")
        return words[0] if len(words) == 1 else t.value  # type: ignore[union-attr]

    def accept_punct(self, p: str) -> bool:
        if self.is_punct(p):
            self.i += 1
            return True
        return False

    def expect_punct(self, p: str) -> None:
        t = self.peek()
        if not self.accept_punct(p):
            got = t.text if t else "end of statement"
            raise TranslationError("SYNTAX_ERROR", f"expected {p!r}, got {got!r}")

    def string(self) -> str:
        t = self.take()
        if t.kind != "string":
            raise TranslationError("SYNTAX_ERROR", f"expected a string literal, got {t.text!r}")
        return t.value

    def name(self) -> str:
        t = self.take()
        if t.kind not in ("word", "ident"):
            raise TranslationError("SYNTAX_ERROR", f"expected a name, got {t.text!r}")
        return t.text if t.kind == "word" else t.value

    def qualified(self, database: str | None) -> tuple[str, str]:
        """``[catalog.]db.table`` or ``table`` (session database) -> (db, table), lower case."""
        parts = [self.name()]
        while self.accept_punct("."):
            parts.append(self.name())
        if len(parts) == 3:
            parts = parts[1:]
        if len(parts) == 1:
            if not database:
                raise TranslationError("SCHEMA_NOT_FOUND", "no database given and none in the "
                                                           "query execution context")
            parts = [database, parts[0]]
        if len(parts) != 2:
            raise TranslationError("SYNTAX_ERROR", f"bad table name {'.'.join(parts)!r}")
        return parts[0].lower(), parts[1].lower()

    def balanced(self) -> str:
        """The source text between a '(' (consumed here) and its matching ')'."""
        self.expect_punct("(")
        depth, start = 1, self.peek()
        first = start.start if start else len(self.sql)
        while True:
            t = self.take()
            if t.kind == "punct" and t.text in "([":
                depth += 1
            elif t.kind == "punct" and t.text in ")]":
                depth -= 1
                if depth == 0:
                    return self.sql[first:t.start]

    def properties(self) -> dict[str, str]:
        """``('k'='v', ...)`` (TBLPROPERTIES, SERDEPROPERTIES, DBPROPERTIES)."""
        self.expect_punct("(")
        props: dict[str, str] = {}
        while not self.accept_punct(")"):
            key = self.string()
            self.expect_punct("=")
            props[key] = self.string()
            self.accept_punct(",")
        return props

    def rest(self) -> str:
        t = self.peek()
        return self.sql[t.start:] if t else ""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------------
# Hive types: column lists of CREATE EXTERNAL TABLE / ADD|REPLACE COLUMNS
# ---------------------------------------------------------------------------------------------


def _hive_type(cur: _Cursor) -> str:
    """A Hive type as Glue stores it: lower case, no spaces (``array<struct<a:int>>``)."""
    out: list[str] = []
    depth = 0
    while True:
        t = cur.peek()
        if t is None:
            break
        if depth == 0 and t.kind == "punct" and t.text in (",", ")"):
            break
        if depth == 0 and t.kind == "word" and t.value == "COMMENT" and out:
            break
        if t.kind == "punct" and t.text in "<(":
            depth += 1
        elif t.kind == "punct" and t.text in ">)":
            depth -= 1
        out.append(t.value if t.kind == "ident" else t.text)
        cur.take()
    if not out:
        raise TranslationError("SYNTAX_ERROR", "missing column type")
    return "".join(out).lower()


def _columns(cur: _Cursor) -> list[dict]:
    """``(name type [COMMENT 'c'], ...)`` -> Glue Column dicts."""
    cur.expect_punct("(")
    cols = []
    while True:
        name = cur.name().lower()
        col = {"Name": name, "Type": _hive_type(cur)}
        if cur.accept_word("COMMENT"):
            col["Comment"] = cur.string()
        cols.append(col)
        if cur.accept_punct(")"):
            return cols
        cur.expect_punct(",")


def _partition_spec(cur: _Cursor) -> dict[str, str]:
    """``PARTITION (k='v', k2=1)`` (PARTITION already consumed) -> {k: 'v', ...}."""
    cur.expect_punct("(")
    spec: dict[str, str] = {}
    while True:
        key = cur.name().lower()
        cur.expect_punct("=")
        t = cur.take()
        spec[key] = t.value if t.kind == "string" else t.text
        if cur.accept_punct(")"):
            return spec
        cur.expect_punct(",")


# ---------------------------------------------------------------------------------------------
# translate()
# ---------------------------------------------------------------------------------------------


def translate(sql: str, catalog: str = "awsdatacatalog", database: str | None = None) -> Plan:
    """Plan one Athena statement (see the module docstring for the rules)."""
    body = strip_statement(sql)
    if not body:
        raise TranslationError("SYNTAX_ERROR", "empty query")
    cur = _Cursor(body)
    first = cur.peek()
    word = first.value if first is not None and first.kind == "word" else ""
    if word in ("SELECT", "WITH", "VALUES", "TABLE") or cur.is_punct("("):
        return Plan("select", "DML", "SELECT", trino=[body])
    if word == "EXPLAIN":
        return Plan("explain", "UTILITY", "EXPLAIN", trino=[body])
    if word == "INSERT":
        cur.take()
        cur.accept_word("INTO")
        db, table = cur.qualified(database) if not cur.at_end() else (None, None)
        return Plan("insert", "DML", "INSERT", trino=[body],
                    args={"database": db, "table": table})
    if word == "CREATE":
        return _create(cur, body, catalog, database)
    if word == "DROP":
        return _drop(cur, body, database)
    if word == "ALTER":
        return _alter(cur, catalog, database)
    if word == "MSCK":
        cur.take()
        cur.expect_word("REPAIR")
        cur.expect_word("TABLE")
        db, table = cur.qualified(database)
        call = (f"CALL {_q(catalog)}.system.sync_partition_metadata("
                f"{_lit(db)}, {_lit(table)}, 'ADD')")
        return Plan("msck", "DDL", "MSCK_REPAIR_TABLE", trino=[call],
                    args={"database": db, "table": table})
    if word in ("SHOW", "DESCRIBE", "DESC"):
        return _show(cur, body, database)
    return Plan("passthrough", "DML", word or "UNKNOWN", trino=[body])


def _create(cur: _Cursor, body: str, catalog: str, database: str | None) -> Plan:
    cur.expect_word("CREATE")
    if cur.is_word("OR") or cur.is_word("VIEW"):
        if cur.accept_word("OR"):
            cur.expect_word("REPLACE")
        cur.expect_word("VIEW")
        db, view = cur.qualified(database)
        return Plan("create_view", "DDL", "CREATE_VIEW", trino=[body],
                    args={"database": db, "table": view})
    if cur.accept_word("DATABASE", "SCHEMA"):
        return _create_database(cur)
    external = cur.accept_word("EXTERNAL")
    cur.expect_word("TABLE")
    if_not_exists = False
    if cur.accept_word("IF"):
        cur.expect_word("NOT")
        cur.expect_word("EXISTS")
        if_not_exists = True
    name_start = cur.i
    db, table = cur.qualified(database)
    if cur.is_word("WITH") or cur.is_word("AS"):
        if external:
            raise TranslationError("SYNTAX_ERROR", "CREATE EXTERNAL TABLE cannot have AS SELECT")
        return _ctas(cur, body, name_start, db, table, if_not_exists)
    if not external:
        # Athena: Hive tables must be EXTERNAL (only Iceberg tables are created without it).
        if "'ICEBERG'" in body.upper():
            raise TranslationError("NOT_SUPPORTED", "Iceberg tables are not emulated by this "
                                                    "endpoint")
        raise TranslationError("NOT_SUPPORTED", "FAILED: SemanticException Only EXTERNAL tables "
                                                "are supported for Hive table format")
    return _create_external_table(cur, db, table, if_not_exists)


def _create_database(cur: _Cursor) -> Plan:
    if_not_exists = False
    if cur.accept_word("IF"):
        cur.expect_word("NOT")
        cur.expect_word("EXISTS")
        if_not_exists = True
    name = cur.name().lower()
    args: dict = {"name": name, "if_not_exists": if_not_exists, "parameters": {}}
    while not cur.at_end():
        if cur.accept_word("COMMENT"):
            args["description"] = cur.string()
        elif cur.accept_word("LOCATION"):
            args["location"] = cur.string()
        elif cur.accept_word("WITH"):
            cur.expect_word("DBPROPERTIES")
            args["parameters"] = cur.properties()
        else:
            raise TranslationError("SYNTAX_ERROR", f"unexpected {cur.peek().text!r} in CREATE "
                                                   "DATABASE")
    return Plan("create_database", "DDL", "CREATE_DATABASE", action="create_database", args=args)


def _create_external_table(cur: _Cursor, db: str, table: str, if_not_exists: bool) -> Plan:
    columns = _columns(cur) if cur.is_punct("(") else []
    partitions: list[dict] = []
    serde: str | None = None
    serde_params: dict[str, str] = {}
    input_format = output_format = None
    location = None
    params: dict[str, str] = {}
    description = None
    while not cur.at_end():
        if cur.accept_word("COMMENT"):
            description = cur.string()
        elif cur.accept_word("PARTITIONED"):
            cur.expect_word("BY")
            partitions = _columns(cur)
        elif cur.accept_word("ROW"):
            cur.expect_word("FORMAT")
            if cur.accept_word("SERDE"):
                serde = cur.string()
                if cur.accept_word("WITH"):
                    cur.expect_word("SERDEPROPERTIES")
                    serde_params.update(cur.properties())
            else:
                cur.expect_word("DELIMITED")
                serde = LAZY_SIMPLE
                serde_params.update(_delimited(cur))
        elif cur.accept_word("WITH"):
            cur.expect_word("SERDEPROPERTIES")
            serde_params.update(cur.properties())
        elif cur.accept_word("STORED"):
            cur.expect_word("AS")
            if cur.accept_word("INPUTFORMAT"):
                input_format = cur.string()
                cur.expect_word("OUTPUTFORMAT")
                output_format = cur.string()
            else:
                fmt = cur.name().upper()
                if fmt not in STORED_AS:
                    raise TranslationError("NOT_SUPPORTED", f"STORED AS {fmt} is not emulated")
                input_format, output_format, default_serde = STORED_AS[fmt]
                serde = serde or default_serde
        elif cur.accept_word("LOCATION"):
            location = cur.string()
        elif cur.accept_word("TBLPROPERTIES"):
            params.update(cur.properties())
        elif cur.is_word("CLUSTERED"):
            raise TranslationError("NOT_SUPPORTED", "CLUSTERED BY is not emulated")
        else:
            raise TranslationError("SYNTAX_ERROR", f"unexpected {cur.peek().text!r} in CREATE "
                                                   "EXTERNAL TABLE")
    if params.get("table_type", "").upper() == "ICEBERG":
        raise TranslationError("NOT_SUPPORTED", "Iceberg tables are not emulated by this endpoint")
    table_input: dict = {
        "Name": table,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"EXTERNAL": "TRUE", **params},
        "PartitionKeys": partitions,
        "StorageDescriptor": {
            "Columns": columns,
            "Location": location or "",
            "InputFormat": input_format or _TEXT_IN,
            "OutputFormat": output_format or _TEXT_OUT,
            "SerdeInfo": {"SerializationLibrary": serde or LAZY_SIMPLE,
                          "Parameters": serde_params},
        },
    }
    if description is not None:
        table_input["Description"] = description
    return Plan("create_table", "DDL", "CREATE_TABLE", action="create_table",
                args={"database": db, "if_not_exists": if_not_exists,
                      "table_input": table_input})


# ``ROW FORMAT DELIMITED`` clauses: their words, and the SerDe parameters their string sets
_DELIMITED = (
    (("FIELDS", "TERMINATED", "BY"), ("field.delim", "serialization.format")),
    (("COLLECTION", "ITEMS", "TERMINATED", "BY"), ("collection.delim",)),
    (("MAP", "KEYS", "TERMINATED", "BY"), ("mapkey.delim",)),
    (("LINES", "TERMINATED", "BY"), ("line.delim",)),
    (("NULL", "DEFINED", "AS"), ("serialization.null.format",)),
    (("ESCAPED", "BY"), ("escape.delim",)),  # after FIELDS TERMINATED BY '...'
)


def _delimited(cur: _Cursor) -> dict[str, str]:
    """``ROW FORMAT DELIMITED`` clauses -> LazySimpleSerDe parameters."""
    out: dict[str, str] = {}
    while True:
        clause = next((c for c in _DELIMITED if cur.accept_word(c[0][0])), None)
        if clause is None:
            return out
        words, keys = clause
        for word in words[1:]:
            cur.expect_word(word)
        value = cur.string()
        out.update(dict.fromkeys(keys, value))


def _ctas(cur: _Cursor, body: str, name_start: int, db: str, table: str,
          if_not_exists: bool) -> Plan:
    """Rule ``ctas``: rewrite the WITH (...) property list for Trino's Hive connector."""
    props: dict[str, str] = {}
    with_span = None
    if cur.is_word("WITH"):
        start = cur.take().start
        cur.expect_punct("(")
        while True:
            key = cur.name().lower()
            cur.expect_punct("=")
            value_start = cur.peek()
            depth = 0
            while True:
                t = cur.peek()
                if t is None:
                    raise TranslationError("SYNTAX_ERROR", "unterminated WITH (...)")
                if depth == 0 and t.kind == "punct" and t.text in (",", ")"):
                    break
                if t.kind == "punct" and t.text in "([":
                    depth += 1
                elif t.kind == "punct" and t.text in ")]":
                    depth -= 1
                cur.take()
            props[key] = body[value_start.start:cur.peek().start].strip()
            if cur.accept_punct(")"):
                break
            cur.expect_punct(",")
        with_span = (start, cur.toks[cur.i - 1].end)
    if not cur.is_word("AS"):
        raise TranslationError("SYNTAX_ERROR", "expected AS after the CTAS properties")
    as_start = cur.peek().start

    def unquote(v: str) -> str:
        return v[1:-1].replace("''", "'") if len(v) >= 2 and v[0] == v[-1] == "'" else v

    table_type = unquote(props.pop("table_type", "'hive'")).lower()
    if table_type == "iceberg":
        raise TranslationError("NOT_SUPPORTED", "Iceberg tables (table_type='iceberg') are not "
                                                "emulated by this endpoint")
    if table_type != "hive":
        raise TranslationError("INVALID_TABLE_PROPERTY", f"Unknown table_type {table_type!r}")
    is_external = props.pop("is_external", "true").lower()
    if is_external != "true":
        raise TranslationError("INVALID_TABLE_PROPERTY", "is_external=false is only supported "
                                                         "for Iceberg tables")
    out: list[str] = []
    session: dict[str, str] = {}
    fmt = unquote(props.pop("format", "'parquet'")).upper()
    if fmt not in CTAS_FORMATS:
        raise TranslationError("INVALID_TABLE_PROPERTY", f"Unsupported format {fmt!r}")
    out.append(f"format = {_lit(CTAS_FORMATS[fmt])}")
    location = None
    if "external_location" in props:
        location = unquote(props.pop("external_location"))
        out.append(f"external_location = {_lit(location)}")
    for key in ("partitioned_by", "bucketed_by", "bucket_count"):
        if key in props:
            out.append(f"{key} = {props.pop(key)}")
    if "field_delimiter" in props:
        out.append(f"textfile_field_separator = {props.pop('field_delimiter')}")
    compression = unquote(props.pop("write_compression", "")).upper() or \
        DEFAULT_COMPRESSION.get(fmt)
    if compression:
        if compression not in COMPRESSION:
            raise TranslationError("INVALID_TABLE_PROPERTY",
                                   f"Unsupported write_compression {compression!r}")
        session["compression_codec"] = COMPRESSION[compression]
    if props:
        raise TranslationError("INVALID_TABLE_PROPERTY",
                               f"Unknown table properties: {', '.join(sorted(props))}")
    name_sql = body[cur.toks[name_start].start:with_span[0] if with_span else as_start].strip()
    head = "CREATE TABLE " + ("IF NOT EXISTS " if if_not_exists else "") + name_sql
    trino = f"{head}\nWITH (\n  {','.join(chr(10) + '  ' + p for p in out).lstrip()}\n)\n" + \
        body[as_start:]
    return Plan("ctas", "DML", "CREATE_TABLE_AS_SELECT", trino=[trino], session=session,
                ctas_location=location, ctas_table=(db, table))


def _drop(cur: _Cursor, body: str, database: str | None) -> Plan:
    cur.expect_word("DROP")
    if cur.is_word("VIEW"):
        return Plan("drop_view", "DDL", "DROP_VIEW", trino=[body])
    if cur.accept_word("DATABASE", "SCHEMA"):
        if_exists = cur.accept_word("IF") and cur.expect_word("EXISTS") == "EXISTS"
        name = cur.name().lower()
        cascade = cur.accept_word("CASCADE")
        cur.accept_word("RESTRICT")
        return Plan("drop_database", "DDL", "DROP_DATABASE", action="drop_database",
                    args={"name": name, "if_exists": if_exists, "cascade": cascade})
    cur.expect_word("TABLE")
    if_exists = cur.accept_word("IF") and cur.expect_word("EXISTS") == "EXISTS"
    db, table = cur.qualified(database)
    return Plan("drop_table", "DDL", "DROP_TABLE", action="drop_table",
                args={"database": db, "table": table, "if_exists": if_exists})


def _alter(cur: _Cursor, catalog: str, database: str | None) -> Plan:
    cur.expect_word("ALTER")
    cur.expect_word("TABLE")
    db, table = cur.qualified(database)
    base = {"database": db, "table": table}
    if cur.accept_word("SET"):
        cur.expect_word("TBLPROPERTIES")
        return Plan("set_tblproperties", "DDL", "ALTER_TABLE_SET_TBLPROPERTIES",
                    action="set_tblproperties", args={**base, "properties": cur.properties()})
    if cur.is_word("ADD") and cur.is_word("COLUMNS", k=1):
        cur.take()
        cur.take()
        return Plan("add_columns", "DDL", "ALTER_TABLE_ADD_COLUMNS", action="add_columns",
                    args={**base, "columns": _columns(cur)})
    if cur.accept_word("REPLACE"):
        cur.expect_word("COLUMNS")
        return Plan("replace_columns", "DDL", "ALTER_TABLE_REPLACE_COLUMNS",
                    action="replace_columns", args={**base, "columns": _columns(cur)})
    if cur.accept_word("CHANGE"):
        cur.accept_word("COLUMN")
        old = cur.name().lower()
        new = cur.name().lower()
        col = {"Name": new, "Type": _hive_type(cur)}
        if cur.accept_word("COMMENT"):
            col["Comment"] = cur.string()
        return Plan("change_column", "DDL", "ALTER_TABLE_CHANGE_COLUMN", action="change_column",
                    args={**base, "old": old, "column": col})
    if cur.accept_word("ADD"):
        if_not_exists = False
        if cur.accept_word("IF"):
            cur.expect_word("NOT")
            cur.expect_word("EXISTS")
            if_not_exists = True
        partitions = []
        while cur.accept_word("PARTITION"):
            spec = _partition_spec(cur)
            location = cur.string() if cur.accept_word("LOCATION") else None
            partitions.append({"spec": spec, "location": location})
        if not partitions:
            raise TranslationError("SYNTAX_ERROR", "expected PARTITION after ADD")
        calls = [_register_partition(catalog, db, table, p["spec"], p["location"])
                 for p in partitions]
        return Plan("add_partition", "DDL", "ALTER_TABLE_ADD_PARTITION", trino=calls,
                    args={**base, "partitions": partitions, "if_not_exists": if_not_exists})
    if cur.accept_word("DROP"):
        if_exists = cur.accept_word("IF") and cur.expect_word("EXISTS") == "EXISTS"
        specs = []
        while cur.accept_word("PARTITION"):
            specs.append(_partition_spec(cur))
            cur.accept_punct(",")
        if not specs:
            raise TranslationError("SYNTAX_ERROR", "expected PARTITION after DROP")
        calls = [
            f"CALL {_q(catalog)}.system.unregister_partition(schema_name => {_lit(db)}, "
            f"table_name => {_lit(table)}, partition_columns => {_array(spec.keys())}, "
            f"partition_values => {_array(spec.values())})"
            for spec in specs
        ]
        return Plan("drop_partition", "DDL", "ALTER_TABLE_DROP_PARTITION", trino=calls,
                    args={**base, "partitions": specs, "if_exists": if_exists})
    if cur.accept_word("RENAME"):
        raise TranslationError("NOT_SUPPORTED", "ALTER TABLE RENAME TO is only supported for "
                                                "Iceberg tables")
    t = cur.peek()
    raise TranslationError("NOT_SUPPORTED", f"ALTER TABLE ... {t.text if t else ''} is not "
                                            "emulated by this endpoint")


def _array(values) -> str:
    return "ARRAY[" + ", ".join(_lit(str(v)) for v in values) + "]"


def _register_partition(catalog: str, db: str, table: str, spec: dict[str, str],
                        location: str | None) -> str:
    args = (f"schema_name => {_lit(db)}, table_name => {_lit(table)}, "
            f"partition_columns => {_array(spec.keys())}, "
            f"partition_values => {_array(spec.values())}")
    if location:
        args += f", location => {_lit(location)}"
    return f"CALL {_q(catalog)}.system.register_partition({args})"


def _show(cur: _Cursor, body: str, database: str | None) -> Plan:
    if cur.accept_word("DESCRIBE", "DESC"):
        cur.accept_word("FORMATTED", "EXTENDED")
        db, table = cur.qualified(database)
        return Plan("describe", "UTILITY", "DESCRIBE_TABLE", action="describe",
                    args={"database": db, "table": table})
    cur.expect_word("SHOW")
    if cur.accept_word("DATABASES", "SCHEMAS"):
        pattern = None
        if cur.accept_word("LIKE") or not cur.at_end() and cur.peek().kind == "string":
            pattern = cur.string()
        return Plan("show_databases", "UTILITY", "SHOW_DATABASES", action="show_databases",
                    args={"pattern": pattern})
    if cur.accept_word("TABLES"):
        db = database
        if cur.accept_word("IN", "FROM"):
            db = cur.name()
        pattern = cur.string() if not cur.at_end() and cur.peek().kind == "string" else None
        if not db:
            raise TranslationError("SCHEMA_NOT_FOUND", "no database for SHOW TABLES")
        return Plan("show_tables", "UTILITY", "SHOW_TABLES", action="show_tables",
                    args={"database": db.lower(), "pattern": pattern})
    if cur.accept_word("PARTITIONS"):
        db, table = cur.qualified(database)
        return Plan("show_partitions", "UTILITY", "SHOW_PARTITIONS", action="show_partitions",
                    args={"database": db, "table": table})
    if cur.accept_word("COLUMNS"):
        cur.expect_word("IN", "FROM")
        db, table = cur.qualified(database)
        if cur.accept_word("IN", "FROM"):
            db = cur.name().lower()
        return Plan("show_columns", "UTILITY", "SHOW_COLUMNS", action="show_columns",
                    args={"database": db, "table": table})
    if cur.accept_word("TBLPROPERTIES"):
        db, table = cur.qualified(database)
        return Plan("show_tblproperties", "UTILITY", "SHOW_TBLPROPERTIES",
                    action="show_tblproperties", args={"database": db, "table": table})
    if cur.is_word("CREATE"):
        return Plan("show_create_table", "UTILITY", "SHOW_CREATE_TABLE", trino=[body])
    return Plan("passthrough", "UTILITY", "SHOW", trino=[body])


# ---------------------------------------------------------------------------------------------
# Glue-side helpers shared with the endpoint
# ---------------------------------------------------------------------------------------------


def hive_type(trino_type: str) -> str:
    """A Trino type as Hive/Glue writes it: ``varchar`` -> ``string``, ``integer`` -> ``int``,
    ``row(a integer)`` -> ``struct<a:int>``, ``array(varchar)`` -> ``array<string>``."""
    t = trino_type.strip()
    low = t.lower()
    m = re.match(r"^(array|map|row)\((.*)\)$", low, re.DOTALL)
    if m:
        kind, inner = m.group(1), t[len(m.group(1)) + 1:-1]
        parts, depth, buf = [], 0, ""
        for ch in inner:
            depth += ch == "("
            depth -= ch == ")"
            if ch == "," and depth == 0:
                parts.append(buf.strip())
                buf = ""
            else:
                buf += ch
        parts.append(buf.strip())
        if kind == "array":
            return f"array<{hive_type(parts[0])}>"
        if kind == "map":
            return f"map<{hive_type(parts[0])},{hive_type(parts[1])}>"
        fields = []
        for p in parts:
            name, _, ftype = p.partition(" ")
            fields.append(f"{name.strip(chr(34))}:{hive_type(ftype)}")
        return f"struct<{','.join(fields)}>"
    if low in ("varchar", "json", "uuid", "ipaddress"):
        return "string"
    if low.startswith("timestamp"):
        return "timestamp"
    return {"integer": "int", "real": "float", "varbinary": "binary"}.get(low, low.replace(" ", ""))


def hive_pattern(pattern: str | None):
    """Athena's SHOW TABLES/DATABASES pattern (``*`` any, ``|`` alternatives) -> matcher."""
    if not pattern:
        return lambda name: True
    alts = [re.escape(p.strip()).replace(r"\*", ".*") for p in pattern.split("|")]
    rx = re.compile("^(?:" + "|".join(alts) + ")$", re.IGNORECASE)
    return lambda name: bool(rx.match(name))
