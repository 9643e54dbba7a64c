"""The Target contract, run on ``local`` and on ``FakeTarget`` (ids=), then local-only promises."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.targets.local.conftest import text_compressions

from cdpo.config import load_pipeline
from cdpo.errors import (
    CdpoError,
    ConfigError,
    ConflictError,
    NotFoundError,
    UnsupportedOperatorError,
)
from cdpo.targets import AttemptStatus, Target, TaskState
from cdpo.targets.factory import open_target
from cdpo.targets.fake import FakeTarget
from cdpo.targets.local import LocalTarget

WORKFLOW = """
+db:
  td_ddl>:
  create_databases: [contract_db]
+table:
  td>:
  query: SELECT 1 AS id, 'a@x.io' AS email
  database: contract_db
  create_table: people
"""


@pytest.fixture(params=["local", "fake"], ids=["local", "fake"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    if request.param == "local":
        with LocalTarget(tmp_path / "root", retry_interval_scale=0.0) as local:
            yield local
    else:
        yield FakeTarget(polls=1, effects={"load": [("contract_db", "people", 1)]})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "contract"
    directory.mkdir()
    (directory / "load.dig").write_text(WORKFLOW)
    return directory


def _until_done(target: Target, attempt_id: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        attempt = target.attempt(attempt_id)
        if attempt.done or time.monotonic() > deadline:
            return attempt
        time.sleep(0.1)


def test_push_start_poll_and_inspect_the_warehouse(target: Target, project: Path) -> None:
    revision = target.push(project, "contract")
    assert revision.workflows == ("load",)
    assert target.push(project, "contract").revision == revision.revision
    ref = target.start("contract", "load", {}, datetime(2024, 1, 1, tzinfo=UTC))
    assert ref.session_id and ref.attempt_id
    attempt = _until_done(target, ref.attempt_id)
    assert attempt.status is AttemptStatus.SUCCESS
    assert attempt.workflow == "load" and attempt.session_id == ref.session_id
    assert isinstance(target.logs(ref.attempt_id), str)
    assert [(t.name, t.row_count) for t in target.tables("contract_db")] == [("people", 1)]
    assert {"id", "email"} <= {c.name for c in target.columns("contract_db", "people")}
    assert target.query('SELECT COUNT(*) FROM "contract_db"."people"').scalar() == 1
    listed = target.query("SELECT id, email, 7 AS n FROM contract_db.people")
    arrow = target.query_arrow("SELECT id, email, 7 AS n FROM contract_db.people")
    assert arrow.column_names == list(listed.columns) == ["id", "email", "n"]
    assert arrow.to_pylist() == listed.records() and arrow.num_rows == 1
    target.kill(ref.attempt_id)  # killing a finished attempt changes nothing
    assert target.attempt(ref.attempt_id).status is AttemptStatus.SUCCESS


def test_databases_and_missing_things(target: Target, project: Path) -> None:
    target.create_database("contract_new")
    target.create_database("contract_new")
    assert "contract_new" in target.databases()
    assert target.tables("contract_new") == []
    with pytest.raises(NotFoundError):
        target.tables("contract_none")
    with pytest.raises(NotFoundError):
        target.start("never_pushed", "load")
    with pytest.raises(NotFoundError):
        target.attempt("999")


# -- local-only promises ------------------------------------------------------------------------


def test_local_push_refuses_unsupported_operators_and_bad_files(tmp_path: Path) -> None:
    project = tmp_path / "bad"
    project.mkdir()
    (project / "wf.dig").write_text("+a:\n  echo>: x\n+b:\n  td_run>: saved_query\n")
    with LocalTarget(tmp_path / "root") as target:
        with pytest.raises(UnsupportedOperatorError, match=r"wf.dig:3: .*'td_run>'"):
            target.push(project)
        assert target.sessions() == []
        (project / "wf.dig").write_text("+a:\n  echo>: [\n")
        with pytest.raises(ConfigError, match=r"wf.dig:\d+: invalid YAML"):
            target.push(project)


def test_local_attempt_tasks_conflict_and_logs_filter(tmp_path: Path, project: Path) -> None:
    with LocalTarget(tmp_path / "root") as target:
        target.push(project)
        when = datetime(2024, 1, 2, tzinfo=UTC)
        ref = target.start("contract", "load", session_time=when)
        attempt = target.wait(ref.attempt_id, timeout=60)
        assert [t.full_name for t in attempt.tasks] == ["+load", "+load+db", "+load+table"]
        assert all(t.state is TaskState.SUCCESS for t in attempt.tasks)
        assert attempt.tasks[1].parent_id == attempt.tasks[0].id
        with pytest.raises(ConflictError, match="already exists"):
            target.start("contract", "load", session_time=when)
        assert "create_databases" in target.logs(ref.attempt_id, "+load+db")
        assert "create_databases" not in target.logs(ref.attempt_id, "+load+table")
        assert target.capabilities.sql_dialect == "duckdb" and "td" in target.capabilities.operators


_OPEN_ELSEWHERE = "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"


def _opens_in_another_process(path: Path) -> bool:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _OPEN_ELSEWHERE, str(path)], capture_output=True, check=False
    )
    return done.returncode == 0


def test_local_warehouse_is_held_across_calls_and_released_when_idle(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Calls in a row share one open warehouse; a worker, a failure or idleness releases it."""
    import cdpo.targets.local.target as local_target

    monkeypatch.setattr(local_target, "WAREHOUSE_IDLE_SECONDS", 1.0)
    with LocalTarget(tmp_path / "root") as target:
        target.create_database("held_db")
        held = target._held
        assert target.databases() == ["held_db"] and target._held is held
        assert not _opens_in_another_process(target.warehouse_path)  # DuckDB: one writer process
        target.push(project)
        ref = target.start("contract", "load", session_time=datetime(2024, 1, 1, tzinfo=UTC))
        assert _until_done(target, ref.attempt_id).status is AttemptStatus.SUCCESS
        assert target.query("SELECT count(*) FROM people", "contract_db").rows == ((1,),)
        held = target._held
        with pytest.raises(NotFoundError):
            target.columns("contract_db", "missing")
        assert target._held is held  # a lookup that finds nothing is no failure
        with pytest.raises(CdpoError):
            target.query("SELECT no_such_column FROM people", "contract_db")
        assert target._held is None  # a failed call does not leave the file held
        target.databases()
        time.sleep(2.5)
        assert target._held is None and _opens_in_another_process(target.warehouse_path)


TEXT_WORKFLOW = """
+db:
  td_ddl>:
  create_databases: [text_db]
+table:
  td>:
  query: SELECT 'customer-' || CAST(i % 500 AS VARCHAR) || '@example.com' AS email FROM UNNEST(SEQUENCE(1, 300000)) AS t(i)
  database: text_db
  create_table: people
"""


@pytest.mark.parametrize(("chosen", "dict_fsst"), [("auto", True), ("light", False)])
def test_the_pipeline_s_compression_is_what_the_attempt_s_worker_writes_with(
    tmp_path: Path, chosen: str, dict_fsst: bool
) -> None:
    """pipeline.yml's local.compression reaches the worker process through the warehouse file."""
    (tmp_path / "pipeline.yml").write_text(
        f"client: northwind\nlocal:\n  compression: {chosen}\n", encoding="utf-8"
    )
    project = tmp_path / "text"
    project.mkdir()
    (project / "load.dig").write_text(TEXT_WORKFLOW, encoding="utf-8")
    with open_target(load_pipeline(tmp_path / "pipeline.yml"), tmp_path) as target:
        target.push(project, "text")
        ref = target.start("text", "load", {}, datetime(2024, 1, 1, tzinfo=UTC))
        assert _until_done(target, ref.attempt_id).status is AttemptStatus.SUCCESS
        path = target.warehouse_path
    found = text_compressions(path, "text_db.people")
    assert found and ("DICT_FSST" in found) is dict_fsst
