"""translate(): the public contract — dialects, statement handling and errors a user can act on."""

from __future__ import annotations

import pytest
import sqlglot

from cdpo.errors import TranslationError
from cdpo.sql import translate


def test_each_statement_becomes_duckdb_sql_that_parses_back() -> None:
    out = translate(
        "CREATE TABLE t AS SELECT TD_TIME_RANGE(time, '2024-01-01') AS x FROM e;"
        "INSERT INTO t SELECT true; SELECT * FROM t"
    )
    assert len(out) == 3
    for statement in out:
        sqlglot.parse_one(statement, read="duckdb")


def test_trino_reads_like_presto() -> None:
    sql = "SELECT from_unixtime(time, 'Asia/Tokyo'), regexp_extract(s, 'a(.)', 1) FROM t"
    assert translate(sql, read="trino") == translate(sql, read="presto")


def test_hive_insert_overwrite_becomes_delete_then_insert() -> None:
    assert translate("INSERT OVERWRITE TABLE db.t SELECT 1", read="hive") == [
        "DELETE FROM db.t",
        "INSERT INTO db.t SELECT 1",
    ]


def test_set_statements_translate_to_nothing() -> None:
    assert translate("SET hive.exec.parallel = true", read="hive") == []
    assert translate("SET SESSION distributed_join = 'true'") == []


def test_td_table_properties_are_dropped() -> None:
    out = translate(
        "CREATE TABLE t WITH (bucketed_on = ARRAY['id'], bucket_count = 512) AS SELECT 1"
    )
    assert out == ["CREATE TABLE t AS SELECT 1"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"read": "prest"},
            "unknown read dialect 'prest'; valid: hive, presto, trino. Did you mean 'presto'?",
        ),
        ({"write": "spark"}, "unknown write dialect 'spark'; valid: duckdb."),
    ],
)
def test_unknown_dialects_list_the_valid_ones(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(TranslationError) as info:
        translate("SELECT 1", **kwargs)
    assert str(info.value) == message


def test_a_parse_error_names_the_statement_line_and_column() -> None:
    with pytest.raises(TranslationError) as info:
        translate("SELECT 1;\nSELECT a FROM t WHERE (b = 1")
    message = str(info.value)
    assert message.startswith(
        "statement 2 (SELECT a FROM t WHERE (b = 1): cannot parse near line 1"
    )
    assert info.value.sql == "SELECT a FROM t WHERE (b = 1"


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "SELECT TD_TIME_RANGE(time) FROM t",
            "Required keyword: 'start' missing for TD_TIME_RANGE",
        ),
        (
            "SELECT TD_SCHEDULED_TIME(1)",
            "number of provided arguments (1) is greater than the maximum",
        ),
    ],
)
def test_td_functions_with_wrong_arguments_are_named(sql: str, message: str) -> None:
    with pytest.raises(TranslationError, match="statement 1") as info:
        translate(sql)
    assert message in str(info.value)


def test_an_unknown_function_is_named_with_a_suggestion() -> None:
    with pytest.raises(TranslationError) as info:
        translate("SELECT TD_TIME_FORMATT(time, 'yyyy') FROM t")
    assert (
        "function TD_TIME_FORMATT() has no DuckDB translation. Did you mean 'td_time_format'?"
        in str(info.value)
    )


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("SELECT format_datetime(ts, f) FROM t", "format_datetime(f) needs a literal pattern"),
        ("SELECT format_datetime(ts, 'HH:mm z') FROM t", "without zone letters"),
        ("SELECT parse_datetime(s, 'yyyy z') FROM t", "parse_datetime(..., 'yyyy z')"),
        ("SELECT regexp_replace(s, '(?<y>a)', '${y}') FROM t", "use $N back-references"),
        ("SELECT TD_TIME_FORMAT(time, 'yyyy-qq') FROM t", "unknown letter 'q'"),
    ],
)
def test_constructs_without_a_translation_are_named(sql: str, construct: str) -> None:
    with pytest.raises(TranslationError, match="statement 1") as info:
        translate(sql)
    assert construct in str(info.value)


def test_literal_td_time_format_patterns_take_the_strftime_fast_path() -> None:
    assert translate("SELECT TD_TIME_FORMAT(time, 'yyyy-MM-dd HH:mm:ss') FROM t") == [
        "SELECT STRFTIME(TD__LOCAL(time, 'UTC'), '%Y-%m-%d %H:%M:%S') FROM t"
    ]
    # Zone letters and run-time patterns go to the exact (Python) implementation.
    assert translate("SELECT TD_TIME_FORMAT(time, 'z', 'JST') FROM t") == [
        "SELECT TD_TIME_FORMAT(time, 'z', 'JST') FROM t"
    ]


def test_empty_input_gives_no_statements() -> None:
    assert translate("  -- nothing here\n") == []
