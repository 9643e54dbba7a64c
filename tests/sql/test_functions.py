"""install_td_functions(): idempotence, session time, connection settings, read-only warehouses."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cdpo.sql import install_td_functions, set_session_time, translate


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    (statement,) = translate(sql)
    return con.execute(statement).fetchall()[0][0]


def test_installing_twice_is_harmless_and_updates_the_session_time() -> None:
    con = duckdb.connect()
    install_td_functions(con, session_time=1)
    install_td_functions(con, session_time=1704067200)
    assert _one(con, "SELECT TD_SCHEDULED_TIME()") == 1704067200
    assert _one(con, "SELECT TD_TIME_FORMAT(TD_SCHEDULED_TIME(), 'yyyy z', 'JST')") == "2024 JST"
    set_session_time(con, 1534209825)
    assert _one(con, "SELECT TD_TIME_STRING(TD_SCHEDULED_TIME(), 'd!')") == "2018-08-14"


def test_connection_divides_integers_like_presto_and_prints_utc() -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    install_td_functions(con)
    assert con.execute("SELECT 7 / 2, current_setting('TimeZone')").fetchall() == [(3, "UTC")]


def test_read_only_warehouse_gets_the_functions_and_files_keep_none(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        install_td_functions(con, session_time=1704067200)
        con.execute("CREATE TABLE events AS SELECT 1704067200 AS time")
    with duckdb.connect(str(path), read_only=True) as con:
        install_td_functions(con, session_time=1704067200)
        sql = "SELECT count(*) FROM events WHERE TD_INTERVAL(time, '1d')"
        assert _one(con, sql) == 1
    with duckdb.connect(str(path), read_only=True) as con, pytest.raises(duckdb.CatalogException):
        con.execute("SELECT td_time_range(1, NULL)")


def test_bad_arguments_raise_with_the_function_name() -> None:
    con = duckdb.connect()
    install_td_functions(con)
    cases = {
        "SELECT TD_TIME_FORMAT(0, f, 'Mars/Base') FROM (VALUES ('yyyy')) AS t (f)": "unknown time zone 'Mars/Base'",
        "SELECT TD_TIME_PARSE('2024-01-01', 'Nowhere')": "Unknown TimeZone 'Nowhere'",
        "SELECT TD_INTERVAL(0, '-1d/someday')": "TD_INTERVAL: invalid offset 'someday'",
        "SELECT TD_TIME_ADD('later', '1d')": "TD_TIME_ADD: cannot read 'later' as a time",
    }
    for sql, message in cases.items():
        with pytest.raises(duckdb.Error) as info:
            _one(con, sql)
        assert message in str(info.value), sql


def test_constant_bounds_fold_so_filters_see_plain_comparisons() -> None:
    con = duckdb.connect()
    install_td_functions(con, session_time=1534209825)
    con.execute("CREATE TABLE t AS SELECT range AS time FROM range(10)")
    for sql in (
        "SELECT count(*) FROM t WHERE TD_TIME_RANGE(time, '2024-01-01', '2024-01-02', 'JST')",
        "SELECT count(*) FROM t WHERE TD_INTERVAL(time, '-1d', 'JST')",
    ):
        (statement,) = translate(sql)
        plan = con.execute("EXPLAIN " + statement).fetchall()[0][1]
        assert "td__" not in plan and "lambda" not in plan, plan
