"""REST v3 calls against ``cdpo server``: databases, table list with counts, query jobs."""

from __future__ import annotations

import httpx
import pytest
from tests.targets.td.conftest import API_KEY

from cdpo.errors import ConfigError, NotFoundError, TerminalTargetError, TransientTargetError
from cdpo.server import ApiServer
from cdpo.targets import Column
from cdpo.targets.td import TdTarget, V3Client


def test_databases_are_created_once_and_listed(v3_client: V3Client) -> None:
    assert v3_client.create_database("v3_created") is True
    assert v3_client.create_database("v3_created") is False  # 409: it exists
    assert "v3_created" in v3_client.databases()
    with pytest.raises(TerminalTargetError, match="400 invalid database name 'Bad-Name'"):
        v3_client.create_database("Bad-Name")


def test_a_query_job_is_issued_polled_and_read(v3_client: V3Client) -> None:
    v3_client.create_database("v3_jobs")
    created = v3_client.query(
        "CREATE TABLE people AS SELECT * FROM (VALUES (1, 'a@x.io', 2.5), (2, NULL, 1.0)) "
        "AS t (id, email, score)",
        "v3_jobs",
    )
    assert created.columns is not None
    result = v3_client.query("SELECT id, email, score FROM people ORDER BY id", "v3_jobs")
    assert result.columns == ("id", "email", "score")
    assert result.rows == ((1, "a@x.io", 2.5), (2, None, 1.0))
    job_id = v3_client.issue("SELECT count(*) AS n FROM people", "v3_jobs")
    assert v3_client.wait(job_id) == "success"
    shown = v3_client.show(job_id)
    assert shown["hive_result_schema"] == '[["n", "bigint"]]' and shown["num_records"] == 1
    assert v3_client.result(job_id) == [[2]]
    [table] = v3_client.tables("v3_jobs")
    assert (table["name"], table["count"]) == ("people", 2)
    assert V3Client.schema_columns(table) == [
        Column("id", "bigint"),
        Column("email", "varchar"),
        Column("score", "double"),
        Column("time", "bigint"),  # TD's implicit column, never listed in the schema
    ]


def test_a_failing_query_carries_the_engines_message(v3_client: V3Client) -> None:
    v3_client.create_database("v3_errors")
    with pytest.raises(TerminalTargetError, match=r"query job \d+ on v3_errors error: .*nowhere"):
        v3_client.query("SELECT * FROM nowhere", "v3_errors")
    with pytest.raises(NotFoundError, match="404 Database 'v3_absent' does not exist"):
        v3_client.issue("SELECT 1", "v3_absent")
    with pytest.raises(NotFoundError, match="404"):
        v3_client.tables("v3_absent")


def test_a_job_that_never_finishes_is_killed_at_the_timeout(v3_client: V3Client) -> None:
    v3_client.create_database("v3_slow")
    ticks = iter(range(1000))
    slow = V3Client(v3_client.http, poll_seconds=0, clock=lambda: float(next(ticks)))
    slow.status = lambda job_id: "running"  # type: ignore[method-assign]
    killed: list[str] = []
    slow.kill = killed.append  # type: ignore[method-assign]
    with pytest.raises(TransientTargetError, match="still running after 3s; it was killed"):
        slow.query("SELECT 1", "v3_slow", timeout=3)
    assert len(killed) == 1


def test_the_server_requires_json_results_and_a_query(td_server: ApiServer) -> None:
    headers = {"Authorization": f"TD1 {API_KEY}"}
    answer = httpx.post(f"{td_server.url}/v3/job/issue/presto/v3_jobs", headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"] == "form field 'query' is required"
    unknown = httpx.post(
        f"{td_server.url}/v3/job/issue/spark/x", headers=headers, data={"query": "1"}
    )
    assert unknown.status_code == 404


def test_a_query_without_a_database_names_the_fix(td: TdTarget) -> None:
    with pytest.raises(NotFoundError, match="none was given") as missing:
        td.query("SELECT 1")
    assert "database=" in missing.value.hint
    assert isinstance(ConfigError("x"), Exception)
