"""What an open warehouse remembers (schemas, session time, bookkeeping tables) is never stale:
every statement, rollback or other connection that changes it is seen by the next task."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from cdpo.errors import NotFoundError, TranslationError, WorkflowError
from cdpo.targets.local.warehouse import Warehouse, run_td, run_td_ddl, run_td_load


def test_a_td_query_that_creates_or_drops_a_schema_is_seen_by_the_next_task(
    wh: Warehouse,
) -> None:
    wh.require_database("client_src")  # remembered from here on
    run_td(wh, "CREATE SCHEMA made_by_sql", database="client_src")
    run_td(wh, "CREATE TABLE t AS SELECT 1 AS x", database="made_by_sql")
    assert wh.query("SELECT x FROM t", "made_by_sql").scalar() == 1
    run_td(wh, "DROP SCHEMA made_by_sql CASCADE", database="client_src")
    with pytest.raises(NotFoundError, match="'made_by_sql' does not exist"):
        run_td(wh, "SELECT 1", database="made_by_sql")


def test_td_ddl_databases_are_seen_by_the_next_task(wh: Warehouse) -> None:
    run_td_ddl(wh, create_databases=["ddl_db"])
    assert run_td(wh, "SELECT 2 AS two", database="ddl_db").result.scalar() == 2
    run_td_ddl(wh, drop_databases=["ddl_db"])
    with pytest.raises(NotFoundError, match="'ddl_db' does not exist"):
        run_td(wh, "SELECT 2", database="ddl_db")


def test_a_schema_created_by_a_rolled_back_job_is_forgotten(wh: Warehouse) -> None:
    with pytest.raises(WorkflowError):
        run_td(wh, "CREATE SCHEMA half_made; SELECT nope FROM missing", database="client_src")
    with pytest.raises(NotFoundError, match="'half_made' does not exist"):
        wh.require_database("half_made")


def test_another_connection_of_this_process_is_seen(wh_path: Path) -> None:
    with Warehouse(wh_path) as warehouse, warehouse.con.cursor() as other:
        warehouse.create_database("mine")
        warehouse.require_database("mine")
        other.execute("CREATE SCHEMA theirs")
        assert warehouse.query("SELECT 3", "theirs").scalar() == 3  # looked up again on a miss
        other.execute("DROP SCHEMA mine")
        with pytest.raises(NotFoundError, match="'mine' does not exist"):
            warehouse.query("SELECT 4", "mine")


def test_another_process_is_seen_after_reopening(wh_path: Path) -> None:
    warehouse = Warehouse(wh_path)
    with warehouse:
        warehouse.create_database("mine")
        assert warehouse.databases() == ["mine"]
    script = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute('CREATE SCHEMA theirs')"
    subprocess.run([sys.executable, "-c", script, str(wh_path)], check=True)
    with warehouse:
        assert warehouse.query("SELECT 5", "theirs").scalar() == 5


def test_a_changed_session_time_is_seen(wh: Warehouse) -> None:
    for moment in (1_704_067_200, 1_704_067_200, 1_704_153_600):
        wh.set_session_time(moment)
        assert wh.query("SELECT TD_SCHEDULED_TIME()").scalar() == moment
    wh.run("RESET VARIABLE td_scheduled_time")  # changed behind the warehouse's back
    wh.set_session_time(1_704_153_600)
    assert wh.query("SELECT TD_SCHEDULED_TIME()").scalar() == 1_704_153_600
    wh.set_session_time(None)  # TD's ad hoc queries: the query's own time
    assert abs(wh.query("SELECT TD_SCHEDULED_TIME()").scalar() - time.time()) < 600


def _incremental(tmp_path: Path, start: str) -> dict[str, object]:
    rows = "".join(f'{{"id": {i}, "at": "2024-01-0{i}T00:00:00Z"}}\n' for i in (1, 2, 3))
    (tmp_path / "events.jsonl").write_text(rows, encoding="utf-8")
    return {
        "in": {
            "type": "file",
            "path_prefix": str(tmp_path / "events.jsonl"),
            "incremental": True,
            "incremental_field": "at",
            "start_time": start,
        },
        "out": {"mode": "append"},
    }


def _last_records(wh: Warehouse) -> list[tuple[object, ...]]:
    return list(wh.run('SELECT table_name, last_record FROM "_cdpo"."load_state"').rows)


def test_load_state_is_created_again_when_dropped_or_rolled_back(
    wh: Warehouse, tmp_path: Path
) -> None:
    config = _incremental(tmp_path, "2024-01-01T00:00:00Z")
    run_td_load(wh, config, database="client_src", table="events", upload_time=1)
    wh.run('DROP SCHEMA "_cdpo" CASCADE')
    run_td_load(wh, config, database="client_src", table="events_again", upload_time=1)
    assert _last_records(wh) == [("events_again", "2024-01-03T00:00:00Z")]
    wh.run('DROP SCHEMA "_cdpo" CASCADE')
    # A load whose last step fails (a constraint refuses its rows) after it created the state.
    wh.run('CREATE TABLE "client_src"."never" (id BIGINT, "time" BIGINT CHECK ("time" < 0))')
    with pytest.raises(WorkflowError, match="CHECK constraint"):
        run_td_load(wh, config, database="client_src", table="never")
    assert "_cdpo" not in [r[0] for r in wh.run("SELECT schema_name FROM duckdb_schemas()").rows]
    run_td_load(wh, config, database="client_src", table="events_third", upload_time=1)
    assert _last_records(wh) == [("events_third", "2024-01-03T00:00:00Z")]


def test_a_td_query_that_changes_the_default_schema_is_seen(wh: Warehouse) -> None:
    wh.create_database("other_db")
    run_td(wh, "CREATE TABLE here AS SELECT 'client_src' AS db", database="client_src")
    run_td(wh, "CREATE TABLE here AS SELECT 'other_db' AS db", database="other_db")
    run_td(wh, "USE other_db", database="client_src")
    assert run_td(wh, "SELECT db FROM here", database="client_src").result.scalar() == "client_src"
    assert run_td(wh, "SELECT db FROM here", database="other_db").result.scalar() == "other_db"


def test_a_one_statement_job_that_fails_writes_nothing(wh: Warehouse) -> None:
    run_td(wh, "CREATE TABLE counts (n INTEGER)", database="client_src")
    failing = "INSERT INTO counts SELECT CAST(x AS INTEGER) FROM (VALUES ('1'), ('two')) AS v(x)"
    with pytest.raises(WorkflowError, match="two"):
        run_td(wh, failing, database="client_src")
    assert wh.query("SELECT count(*) FROM counts", "client_src").scalar() == 0
    job = run_td(wh, "INSERT INTO counts VALUES (1), (2)", database="client_src")
    assert (job.num_records, wh.query("SELECT sum(n) FROM counts", "client_src").scalar()) == (2, 3)


def test_a_repeated_query_translates_the_same_and_a_bad_one_fails_every_time(
    wh: Warehouse,
) -> None:
    sql = "SELECT element_at(ARRAY['a', 'b'], 2) AS second"
    first = wh.translate(sql)
    first.append("not part of the next answer")
    assert wh.translate(sql) == ["SELECT ['a', 'b'][2] AS second"]
    assert wh.translate(sql.replace("2)", "1)")) == ["SELECT ['a', 'b'][1] AS second"]
    for _ in range(2):
        with pytest.raises(TranslationError, match="cannot parse"):
            wh.translate("SELECT FROM WHERE (")
