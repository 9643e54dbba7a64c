"""td>, td_wait> and td_for_each> semantics on a real warehouse file."""

from __future__ import annotations

from typing import Any

import pytest

from cdpo.errors import ConfigError, NotFoundError, TranslationError, WorkflowError
from cdpo.targets.local.warehouse import (
    Warehouse,
    columns,
    for_each_rows,
    insert_command_statement,
    plan_td,
    run_td,
    run_td_job,
    tables,
    wait_condition,
)


def _rows(wh: Warehouse, sql: str) -> list[dict[str, Any]]:
    return wh.query(sql, "client_src").records()


def test_create_table_replaces_the_table_and_adds_time(wh: Warehouse) -> None:
    run_td(wh, "SELECT 1 AS id, 'a' AS name", database="client_src", create_table="customers")
    job = run_td(
        wh,
        "SELECT 2 AS id UNION ALL SELECT 3",
        database="client_src",
        create_table="customers",
        upload_time=1700000000,
    )
    assert job.num_records == 2
    assert _rows(wh, "SELECT id, time FROM customers ORDER BY id") == [
        {"id": 2, "time": 1700000000},
        {"id": 3, "time": 1700000000},
    ]
    assert [t for t in wh.con.execute("SHOW ALL TABLES").fetchall() if "__cdpo_tmp" in t[2]] == []


def test_failing_create_table_leaves_the_old_table_intact(wh: Warehouse) -> None:
    run_td(wh, "SELECT 1 AS id", database="client_src", create_table="customers")
    with pytest.raises(WorkflowError, match="in statement"):
        run_td(
            wh,
            "SELECT CAST('not a number' AS BIGINT) AS id",
            database="client_src",
            create_table="customers",
        )
    assert _rows(wh, "SELECT id FROM customers") == [{"id": 1}]
    tables = {t[2] for t in wh.con.execute("SHOW ALL TABLES").fetchall() if t[0] != "_cdpo_files"}
    assert tables == {"customers"}


def test_insert_into_creates_then_appends_adding_new_columns(wh: Warehouse) -> None:
    first = run_td(wh, "SELECT 1 AS id, 'a' AS name", database="client_src", insert_into="events")
    second = run_td(
        wh,
        "SELECT 'b' AS name, 2 AS id, 'x@y' AS email",
        database="client_src",
        insert_into="events",
    )
    assert (first.num_records, second.num_records) == (1, 1)
    assert _rows(wh, "SELECT id, name, email FROM events ORDER BY id") == [
        {"id": 1, "name": "a", "email": None},
        {"id": 2, "name": "b", "email": "x@y"},
    ]
    assert [c.name for c in columns(wh, "client_src", "events")] == ["id", "name", "time", "email"]


def test_appended_values_of_another_type_are_converted_or_null(wh: Warehouse) -> None:
    run_td(wh, "SELECT 1 AS id", database="client_src", insert_into="mixed")
    run_td(
        wh, "SELECT '2' AS id UNION ALL SELECT 'abc'", database="client_src", insert_into="mixed"
    )
    assert _rows(wh, "SELECT id FROM mixed ORDER BY id NULLS LAST") == [
        {"id": 1},
        {"id": 2},
        {"id": None},
    ]


def test_writing_job_stores_empty_last_results(wh: Warehouse) -> None:
    job = run_td(
        wh, "SELECT 1 AS id", database="client_src", create_table="written", store_last_results=True
    )
    assert (job.last_results, job.num_records) == ({}, 1)


def test_insert_into_another_database(wh: Warehouse) -> None:
    wh.create_database("client_stg")
    run_td(wh, "SELECT 7 AS id", database="client_src", insert_into="client_stg.profiles")
    assert wh.query("SELECT id FROM profiles", "client_stg").scalar() == 7


def test_digdag_insert_line_marker_places_the_command() -> None:
    query = "-- header\nWITH a AS (SELECT 1 AS x)\n-- DIGDAG_INSERT_LINE\nSELECT x FROM a"
    assert insert_command_statement("INSERT INTO t", query) == (
        "-- header\nWITH a AS (SELECT 1 AS x)\nINSERT INTO t\nSELECT x FROM a"
    )
    assert insert_command_statement("INSERT INTO t", "-- c1\n-- c2\nSELECT 1") == (
        "-- c1\n-- c2\nINSERT INTO t\nSELECT 1"
    )
    assert insert_command_statement("INSERT INTO t", "SELECT 1") == "INSERT INTO t\nSELECT 1"


def test_marker_after_setup_statements_runs_them_first(wh: Warehouse) -> None:
    query = (
        "CREATE TABLE seed AS SELECT 5 AS v;\n"
        "-- DIGDAG_INSERT_LINE\n"
        "SELECT v * 2 AS doubled FROM seed"
    )
    job = run_td(wh, query, database="client_src", create_table="doubled")
    assert job.num_records == 1
    assert wh.query("SELECT doubled FROM doubled", "client_src").scalar() == 10


def test_store_last_results_keeps_the_first_row_as_json(wh: Warehouse) -> None:
    job = run_td(
        wh,
        "SELECT 'x' AS a, 1.50 AS b, NULL AS c, DATE '2024-01-02' AS d, "
        "TIMESTAMP '2024-01-02 03:04:05' AS ts, ARRAY[1, 2] AS arr UNION ALL "
        "SELECT 'y', 2, NULL, NULL, NULL, NULL",
        database="client_src",
        store_last_results=True,
    )
    assert job.last_results == {
        "a": "x",
        "b": 1.5,
        "c": None,
        "d": "2024-01-02",
        "ts": "2024-01-02 03:04:05.000",
        "arr": [1, 2],
    }
    assert job.num_records == 2


def test_store_last_results_of_an_empty_result_is_empty(wh: Warehouse) -> None:
    job = run_td(wh, "SELECT 1 AS a WHERE false", database="client_src", store_last_results=True)
    assert (job.last_results, job.num_records) == ({}, 0)


def test_multiple_statements_and_dml_count(wh: Warehouse) -> None:
    job = run_td(
        wh,
        "CREATE TABLE IF NOT EXISTS ingestion_log (status VARCHAR, time BIGINT);\n"
        "INSERT INTO ingestion_log VALUES ('STARTED', 1), ('SUCCESS', 2)",
        database="client_src",
    )
    assert job.num_records == 2
    assert len(job.statements) == 2


def test_td_functions_are_available(wh: Warehouse) -> None:
    job = run_td(
        wh,
        "SELECT TD_TIME_RANGE(1704067200, '2024-01-01', NULL, 'UTC') AS inside",
        database="client_src",
        store_last_results=True,
    )
    assert job.last_results == {"inside": True}


def test_hive_engine_create_table(wh: Warehouse) -> None:
    run_td(wh, "SELECT 1 AS id", database="client_src", engine="hive", create_table="hive_out")
    assert wh.query("SELECT id FROM hive_out", "client_src").scalar() == 1


def test_both_destinations_is_a_config_error(wh: Warehouse) -> None:
    with pytest.raises(ConfigError, match="both insert_into and create_table"):
        run_td(wh, "SELECT 1", database="client_src", create_table="aaa", insert_into="bbb")


def test_bad_table_name_is_rejected(wh: Warehouse) -> None:
    with pytest.raises(ConfigError, match=r"create_table: invalid name 'Bad-Name'"):
        run_td(wh, "SELECT 1", database="client_src", create_table="Bad-Name")


def test_missing_destination_database(wh: Warehouse) -> None:
    with pytest.raises(NotFoundError, match="'nowhere_db' does not exist"):
        run_td(wh, "SELECT 1 AS a", database="client_src", insert_into="nowhere_db.tbl")


def test_a_job_is_planned_without_the_warehouse_then_run(wh: Warehouse) -> None:
    planned = plan_td("SELECT 1 AS id -- one row", database="client_src", insert_into="planned_out")
    assert planned.target is not None and planned.staged is not None
    assert planned.staged.table.endswith("_planned_out")
    assert "planned_out" not in {t.name for t in tables(wh, "client_src")}  # nothing ran yet
    job = run_td_job(wh, planned, upload_time=1700000000)
    assert job.num_records == 1
    assert _rows(wh, "SELECT id, time FROM planned_out") == [{"id": 1, "time": 1700000000}]


def test_planning_refuses_an_unknown_engine_and_bad_sql() -> None:
    with pytest.raises(ConfigError, match=r"unknown engine 'prestoo'.*Did you mean 'presto'"):
        plan_td("SELECT 1", database="client_src", engine="prestoo")
    with pytest.raises(TranslationError):
        plan_td("SELECT FROM WHERE (", database="client_src")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT true", True),
        ("SELECT false", False),
        ("SELECT NULL", False),
        ("SELECT 0", False),
        ("SELECT 3", True),
        ("SELECT 'no'", True),
        ("SELECT 1 WHERE false", False),
    ],
)
def test_wait_condition_truthiness(wh: Warehouse, sql: str, expected: bool) -> None:
    assert wait_condition(wh, sql, database="client_src") is expected


def test_wait_condition_on_a_table(wh: Warehouse) -> None:
    run_td(wh, "SELECT 1 AS id", database="client_src", create_table="orders")
    assert wait_condition(wh, "SELECT count(*) >= 1 FROM orders", database="client_src")
    assert not wait_condition(wh, "SELECT count(*) > 5 FROM orders", database="client_src")


def test_for_each_rows_gives_td_each_values(wh: Warehouse) -> None:
    rows = for_each_rows(
        wh,
        "SELECT * FROM (VALUES ('a', 1), ('b', 2)) AS t(name, n) ORDER BY n",
        database="client_src",
    )
    assert rows == [{"name": "a", "n": 1}, {"name": "b", "n": 2}]
