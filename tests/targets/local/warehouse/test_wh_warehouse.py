"""Warehouse: opening and locking the file, TD SQL with a default database, errors mapped."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cdpo.errors import (
    ConfigError,
    NotFoundError,
    TargetError,
    TransientTargetError,
    TranslationError,
    WorkflowError,
)
from cdpo.targets.local.warehouse import Warehouse

_HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
sys.stdin.readline()
con.close()
"""


def _hold_lock(path: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_database_is_a_schema_and_survives_reopening(wh_path: Path) -> None:
    with Warehouse(wh_path) as wh:
        wh.create_database("client_src")
        wh.create_database("client_src")  # idempotent
        wh.query("CREATE TABLE customers AS SELECT 1 AS id", "client_src")
    with Warehouse(wh_path, read_only=True) as wh:
        assert wh.databases() == ["client_src"]
        assert wh.query("SELECT id FROM customers", "client_src").rows == ((1,),)
        assert wh.query("SELECT count(*) FROM client_src.customers").scalar() == 1


def test_session_runs_in_utc(wh: Warehouse) -> None:
    assert wh.query("SELECT current_setting('TimeZone')").scalar() == "UTC"


@pytest.mark.parametrize("session_time", [1704067200, datetime(2024, 1, 1, tzinfo=UTC)])
def test_session_time_is_td_scheduled_time(wh_path: Path, session_time: object) -> None:
    with Warehouse(wh_path, session_time=session_time) as wh:  # type: ignore[arg-type]
        assert wh.query("SELECT TD_SCHEDULED_TIME()").scalar() == 1704067200


def test_presto_sql_is_translated(wh: Warehouse) -> None:
    result = wh.query(
        "SELECT element_at(ARRAY['a', 'b'], 2) AS second, approx_distinct(x) AS n "
        "FROM (VALUES 1, 2, 2) AS t(x)",
        "client_src",
    )
    assert result.records() == [{"second": "b", "n": 2}]


def test_multiple_statements_return_the_last_result(wh: Warehouse) -> None:
    sql = "CREATE TABLE items AS SELECT 1 AS id; INSERT INTO items VALUES (2); SELECT max(id) FROM items"
    assert wh.query(sql, "client_src").scalar() == 2


def test_missing_database_is_not_found_with_suggestion(wh: Warehouse) -> None:
    with pytest.raises(NotFoundError, match=r"'client_scr' does not exist.*'client_src'"):
        wh.query("SELECT 1", "client_scr")


def test_sql_error_quotes_statement_and_duckdb_message(wh: Warehouse) -> None:
    with pytest.raises(WorkflowError) as info:
        wh.query("SELECT nope FROM missing_table", "client_src")
    assert "missing_table" in str(info.value)
    assert "in statement:" in str(info.value)


def test_unparseable_sql_is_a_translation_error(wh: Warehouse) -> None:
    with pytest.raises(TranslationError, match="cannot parse"):
        wh.query("SELECT FROM WHERE (", "client_src")


def test_unknown_engine_suggests_the_closest(wh: Warehouse) -> None:
    with pytest.raises(ConfigError, match=r"unknown engine 'prest'.*Did you mean 'presto'"):
        wh.query("SELECT 1", "client_src", engine="prest")


def test_bad_database_name_is_rejected_before_sql(wh: Warehouse) -> None:
    with pytest.raises(ConfigError, match="invalid name 'x; DROP'"):
        wh.create_database("x; DROP")


def test_lock_conflict_waits_then_raises_transient_error_naming_file(wh_path: Path) -> None:
    holder = _hold_lock(wh_path)
    try:
        with (
            pytest.raises(TransientTargetError, match=str(wh_path)),
            Warehouse(wh_path, lock_timeout=0.2),
        ):
            pass
    finally:
        holder.communicate("\n")


def test_a_second_open_of_the_file_in_this_process_is_refused_at_once(wh_path: Path) -> None:
    with Warehouse(wh_path) as first:
        first.create_database("client_src")
        with pytest.raises(TargetError) as raised, Warehouse(wh_path, lock_timeout=30):
            pass
        assert not raised.value.transient  # not another process's lock: nothing to wait for
        assert str(wh_path) in raised.value.message
        assert "use that Warehouse" in raised.value.hint
        assert first.databases() == ["client_src"]  # the open one is untouched


def test_lock_is_waited_for_until_released(wh_path: Path) -> None:
    holder = _hold_lock(wh_path)
    release = threading.Timer(0.3, lambda: holder.communicate("\n"))
    release.start()
    try:
        with Warehouse(wh_path, lock_timeout=60) as wh:
            assert wh.query("SELECT 42").scalar() == 42
    finally:
        release.join()


_SETUP = (
    "SELECT TD_SCHEDULED_TIME(), TD_TIME_FORMAT(86400, 'yyyy-MM-dd'), 7 / 2, "
    "current_setting('TimeZone'), current_setting('temp_directory'), current_database()"
)


@pytest.mark.parametrize("lock_held", [False, True], ids=["free", "locked-then-released"])
def test_a_prepared_connection_opens_as_a_new_one_would(wh_path: Path, lock_held: bool) -> None:
    # A standby prepares ahead; whether the file is free or another process held it first (the
    # prepared connection is then given up), the opened warehouse is set up the same way.
    with Warehouse(wh_path, session_time=1704067200) as wh:
        expected = wh.query(_SETUP).rows
    holder = _hold_lock(wh_path) if lock_held else None
    release = threading.Timer(0.3, lambda: holder.communicate("\n")) if holder else None
    Warehouse.prepare()
    if release:
        release.start()
    try:
        with Warehouse(wh_path, session_time=1704067200, lock_timeout=60) as wh:
            assert wh.query(_SETUP).rows == expected
            assert expected[0][:4] == (1704067200, "1970-01-02", 3, "UTC")
            assert expected[0][4] == f"{wh_path}.tmp"
            wh.create_database("client_src")
            wh.query("CREATE TABLE kept AS SELECT 1 AS id", "client_src")
        with Warehouse(wh_path, read_only=True) as wh:
            assert wh.query("SELECT id FROM client_src.kept").scalar() == 1
    finally:
        if release:
            release.join()


def test_closed_warehouse_says_how_to_open_it(wh_path: Path) -> None:
    warehouse = Warehouse(wh_path)
    with pytest.raises(Exception, match="not open"):
        warehouse.query("SELECT 1")
