"""The Athena endpoint's dialect table (tests/support/athena_dialect.py): one case per rule.

Pure translation, no services: what each Athena statement becomes (Trino SQL, or a Glue
action with its arguments). The statements are the ones dbt-athena 1.11 renders (seeds,
views, CTAS, classification ALTER, incremental INSERT, schema changes), plus the Hive DDL
forms the issue names (MSCK, ADD PARTITION, SHOW/DESCRIBE).
"""

from __future__ import annotations

import pytest

from tests.support.athena_dialect import (
    TRANSLATIONS,
    TranslationError,
    hive_pattern,
    hive_type,
    strip_statement,
    tokenize,
    translate,
)

COMMENT = '-- /* {"app": "dbt", "node_id": "model.recover.x"} */\n'

# rule -> (Athena statement, check(plan)); every rule of TRANSLATIONS has at least one case.
CASES: list[tuple[str, str]] = []


def case(rule: str, sql: str):
    def register(check):
        CASES.append((rule, sql))
        CHECKS[(rule, sql)] = check
        return check

    return register


CHECKS: dict = {}


@case("strip", COMMENT + "insert into t (a) (select 1);\n")
def _(plan):
    assert plan.trino == ["insert into t (a) (select 1)"]


@case("select", COMMENT + "select 'a;b' as x, \"col\" from \"awsdatacatalog\".\"ns\".\"t\"")
def _(plan):
    assert plan.trino == ["select 'a;b' as x, \"col\" from \"awsdatacatalog\".\"ns\".\"t\""]
    assert (plan.statement_type, plan.substatement_type) == ("DML", "SELECT")


@case("explain", "EXPLAIN select 1")
def _(plan):
    assert plan.trino == ["EXPLAIN select 1"] and plan.statement_type == "UTILITY"


@case("insert", 'insert into "awsdatacatalog"."ns"."record_counts" ("a", "b")\n'
                '(select "a", "b" from "awsdatacatalog"."ns"."record_counts__dbt_tmp");')
def _(plan):
    assert plan.trino[0].endswith('"record_counts__dbt_tmp")')
    assert plan.args == {"database": "ns", "table": "record_counts"}
    assert (plan.statement_type, plan.substatement_type) == ("DML", "INSERT")


CTAS = """create table "awsdatacatalog"."ns"."dataset_x"
    with (
      table_type='hive',
      is_external=true,external_location='s3://b/ns/parquet/dataset_x',
      partitioned_by=ARRAY['cohort'],
      format='parquet'
    )
    as
      select 1 as a, 'x' as cohort"""


@case("ctas", CTAS)
def _(plan):
    (sql,) = plan.trino
    assert sql.startswith('CREATE TABLE "awsdatacatalog"."ns"."dataset_x"\nWITH (')
    assert "format = 'PARQUET'" in sql
    assert "external_location = 's3://b/ns/parquet/dataset_x'" in sql
    assert "partitioned_by = ARRAY['cohort']" in sql
    assert "table_type" not in sql and "is_external" not in sql
    assert sql.endswith("as\n      select 1 as a, 'x' as cohort")
    assert plan.session == {"compression_codec": "GZIP"}  # Athena's Parquet default
    assert plan.ctas_location == "s3://b/ns/parquet/dataset_x"
    assert plan.ctas_table == ("ns", "dataset_x")
    assert (plan.statement_type, plan.substatement_type) == ("DML", "CREATE_TABLE_AS_SELECT")


@case("ctas", "create table t with (format='textfile', field_delimiter=',', "
              "write_compression='snappy', bucketed_by=ARRAY['a'], bucket_count=4) as select 1 a")
def _(plan):
    (sql,) = plan.trino
    assert "format = 'TEXTFILE'" in sql and "textfile_field_separator = ','" in sql
    assert "bucketed_by = ARRAY['a']" in sql and "bucket_count = 4" in sql
    assert "external_location" not in sql and plan.ctas_location is None
    assert plan.session == {"compression_codec": "SNAPPY"}


@case("ctas_iceberg", "create table t with (table_type='iceberg', location='s3://b/t', "
                      "is_external=false) as select 1 a")
def _(error):
    assert error.error_name == "NOT_SUPPORTED" and "Iceberg" in error.message


@case("create_view", 'create or replace view\n    "awsdatacatalog"."ns_staging"."stg_x"\n  as\n'
                     '    select * from "awsdatacatalog"."ns_raw"."x"')
def _(plan):
    assert plan.trino[0].startswith("create or replace view")
    assert plan.args == {"database": "ns_staging", "table": "stg_x"}


@case("drop_view", 'drop view if exists "awsdatacatalog"."ns"."v"')
def _(plan):
    assert plan.trino == ['drop view if exists "awsdatacatalog"."ns"."v"']


@case("create_database", "create schema if not exists `ns_staging`")
def _(plan):
    assert plan.action == "create_database"
    assert plan.args == {"name": "ns_staging", "if_not_exists": True, "parameters": {}}


@case("create_database", "CREATE DATABASE d COMMENT 'c' LOCATION 's3://b/d/' "
                         "WITH DBPROPERTIES ('k'='v')")
def _(plan):
    assert plan.args == {"name": "d", "if_not_exists": False, "description": "c",
                         "location": "s3://b/d/", "parameters": {"k": "v"}}


@case("drop_database", "drop schema if exists `ns` cascade")
def _(plan):
    assert plan.action == "drop_database"
    assert plan.args == {"name": "ns", "if_exists": True, "cascade": True}


SEED = """create external table `ns`.`countries__dbt_tmp` (`code` string,`name` string)
    row format serde 'org.apache.hadoop.hive.serde2.OpenCSVSerde'
    location 's3://b/ns/parquet/countries__dbt_tmp'
    tblproperties (
      'skip.header.line.count'='1'
    )"""


@case("create_table", SEED)
def _(plan):
    assert plan.action == "create_table" and plan.args["database"] == "ns"
    t = plan.args["table_input"]
    assert t["Name"] == "countries__dbt_tmp" and t["TableType"] == "EXTERNAL_TABLE"
    assert t["Parameters"] == {"EXTERNAL": "TRUE", "skip.header.line.count": "1"}
    sd = t["StorageDescriptor"]
    assert sd["Columns"] == [{"Name": "code", "Type": "string"}, {"Name": "name", "Type": "string"}]
    assert sd["Location"] == "s3://b/ns/parquet/countries__dbt_tmp"
    assert sd["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.serde2.OpenCSVSerde"
    assert sd["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"


@case("create_table", "CREATE EXTERNAL TABLE IF NOT EXISTS d.t (a int COMMENT 'the a', "
                      "s struct<x:array<string>,y:map<string,decimal(10,2)>>) "
                      "PARTITIONED BY (cohort string) ROW FORMAT DELIMITED FIELDS TERMINATED BY "
                      "'\\t' STORED AS PARQUET LOCATION 's3://b/t/' TBLPROPERTIES ('k'='v')")
def _(plan):
    t = plan.args["table_input"]
    assert plan.args["if_not_exists"]
    assert t["StorageDescriptor"]["Columns"] == [
        {"Name": "a", "Type": "int", "Comment": "the a"},
        {"Name": "s", "Type": "struct<x:array<string>,y:map<string,decimal(10,2)>>"}]
    assert t["PartitionKeys"] == [{"Name": "cohort", "Type": "string"}]
    assert t["StorageDescriptor"]["SerdeInfo"]["Parameters"]["field.delim"] == "\t"
    assert t["StorageDescriptor"]["InputFormat"].endswith("MapredParquetInputFormat")


@case("create_table", "create table `ns`.`t` (a int) location 's3://b/t'")
def _(error):
    assert error.error_name == "NOT_SUPPORTED" and "EXTERNAL" in error.message


@case("drop_table", "drop table if exists `ns`.`t`")
def _(plan):
    assert plan.action == "drop_table"
    assert plan.args == {"database": "ns", "table": "t", "if_exists": True}


@case("set_tblproperties", "alter table `ns`.`dataset_x` set tblproperties "
                           "('classification' = 'parquet')")
def _(plan):
    assert plan.action == "set_tblproperties"
    assert plan.args == {"database": "ns", "table": "dataset_x",
                         "properties": {"classification": "parquet"}}
    assert (plan.statement_type, plan.substatement_type) == ("DDL",
                                                             "ALTER_TABLE_SET_TBLPROPERTIES")


@case("add_columns", "alter table `ns`.`t`\n          add columns (`new_col` string, `n` int)")
def _(plan):
    assert plan.args["columns"] == [{"Name": "new_col", "Type": "string"},
                                    {"Name": "n", "Type": "int"}]


@case("replace_columns", "alter table `ns`.`t` replace columns (`a` bigint, `b` array<string>)")
def _(plan):
    assert plan.args["columns"] == [{"Name": "a", "Type": "bigint"},
                                    {"Name": "b", "Type": "array<string>"}]


@case("change_column", "alter table ns.t change column a__dbt_alter a bigint")
def _(plan):
    assert plan.args == {"database": "ns", "table": "t", "old": "a__dbt_alter",
                         "column": {"Name": "a", "Type": "bigint"}}


@case("add_partition", "ALTER TABLE ns.t ADD IF NOT EXISTS PARTITION (cohort='a', year=2024) "
                       "LOCATION 's3://b/t/cohort=a/year=2024' PARTITION (cohort='b', year=2024)")
def _(plan):
    assert plan.args["if_not_exists"]
    assert plan.trino == [
        ('CALL "awsdatacatalog".system.register_partition(schema_name => \'ns\', table_name => '
        "'t', partition_columns => ARRAY['cohort', 'year'], partition_values => ARRAY['a', "
        "'2024'], location => 's3://b/t/cohort=a/year=2024')"),
        ('CALL "awsdatacatalog".system.register_partition(schema_name => \'ns\', table_name => '
        "'t', partition_columns => ARRAY['cohort', 'year'], partition_values => ARRAY['b', "
        "'2024'])"),
    ]


@case("drop_partition", "alter table ns.t drop if exists partition (cohort='a')")
def _(plan):
    assert plan.trino == [
        ('CALL "awsdatacatalog".system.unregister_partition(schema_name => \'ns\', table_name => '
        "'t', partition_columns => ARRAY['cohort'], partition_values => ARRAY['a'])")]
    assert plan.args["if_exists"]


@case("msck", "MSCK REPAIR TABLE `ns_raw`.`fitbitsleeplogs`")
def _(plan):
    assert plan.trino == [('CALL "awsdatacatalog".system.sync_partition_metadata('
                          "'ns_raw', 'fitbitsleeplogs', 'ADD')")]


@case("rename_table", "alter table `ns`.`a` rename to `ns`.`b`")
def _(error):
    assert error.error_name == "NOT_SUPPORTED" and "Iceberg" in error.message


@case("show_databases", "SHOW DATABASES LIKE 'ns*'")
def _(plan):
    assert (plan.action, plan.args) == ("show_databases", {"pattern": "ns*"})


@case("show_tables", "show tables in ns 'dataset_*|record*'")
def _(plan):
    assert plan.args == {"database": "ns", "pattern": "dataset_*|record*"}


@case("show_partitions", "SHOW PARTITIONS ns.dataset_x")
def _(plan):
    assert (plan.action, plan.args) == ("show_partitions", {"database": "ns",
                                                            "table": "dataset_x"})


@case("show_columns", "SHOW COLUMNS IN dataset_x")
def _(plan):
    assert plan.args == {"database": "ctx", "table": "dataset_x"}  # the session database


@case("show_tblproperties", "SHOW TBLPROPERTIES ns.t")
def _(plan):
    assert plan.action == "show_tblproperties"


@case("describe", "DESCRIBE `ns`.`dataset_x`")
def _(plan):
    assert plan.action == "describe" and plan.statement_type == "UTILITY"


@case("show_create_table", "SHOW CREATE TABLE ns.t")
def _(plan):
    assert plan.trino == ["SHOW CREATE TABLE ns.t"]


@case("passthrough", "delete from ns.t where a = 1")
def _(plan):
    assert plan.trino == ["delete from ns.t where a = 1"]


def test_every_rule_has_a_case():
    assert {rule for rule, _ in CASES} == set(TRANSLATIONS)


@pytest.mark.parametrize(("rule", "sql"), CASES, ids=[f"{r}-{i}" for i, (r, _) in
                                                      enumerate(CASES)])
def test_translation(rule, sql):
    check = CHECKS[(rule, sql)]
    try:
        plan = translate(sql, "awsdatacatalog", "ctx")
    except TranslationError as error:
        check(error)
        return
    assert plan.rule == rule or (rule == "strip" and plan.rule == "insert")
    check(plan)


def test_one_statement_per_query_and_semicolons_inside_strings_are_data():
    assert strip_statement("select ';' ;  ") == "select ';'"
    with pytest.raises(TranslationError, match="only one statement"):
        strip_statement("select 1; select 2")


def test_tokenizer_keeps_quoted_identifiers_and_escaped_strings():
    toks = [t for t in tokenize("`a b` \"c\"\"d\" 'it''s' 'x\\'y' -- c\n/* d */")
            if t.kind not in ("ws", "comment")]
    assert [(t.kind, t.value) for t in toks] == [("ident", "a b"), ("ident", 'c"d'),
                                                 ("string", "it's"), ("string", "x'y")]


def test_trino_types_become_hive_types_as_glue_stores_them():
    assert hive_type("varchar") == "string" and hive_type("integer") == "int"
    assert hive_type("timestamp(3)") == "timestamp" and hive_type("real") == "float"
    assert hive_type("row(a integer, b array(varchar))") == "struct<a:int,b:array<string>>"
    assert hive_type("map(varchar, decimal(10, 2))") == "map<string,decimal(10,2)>"


def test_show_patterns_are_athena_globs():
    match = hive_pattern("dataset_*|record_counts")
    assert match("dataset_x") and match("RECORD_COUNTS") and not match("record_counts__x")
