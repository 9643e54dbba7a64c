"""FakeTarget behaves as a Target: push, start, poll to an outcome, logs, kill, retry, tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdpo.errors import ConfigError, NotFoundError, TransientTargetError
from cdpo.targets import AttemptStatus, QueryResult
from cdpo.targets.fake import FakeTarget


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    (tmp_path / "load.dig").write_text("+a:\n  echo>: hi\n")
    return tmp_path


def test_push_start_poll_success_creates_tables(project_dir: Path) -> None:
    target = FakeTarget(polls=2, effects={"load": [("db_src", "orders", 3)]})
    revision = target.push(project_dir, "p")
    assert revision.workflows == ("load",)
    assert target.push(project_dir, "p").revision == revision.revision  # idempotent
    ref = target.start("p", "load")
    states = [target.attempt(ref.attempt_id).status for _ in range(3)]
    assert states == [AttemptStatus.RUNNING, AttemptStatus.RUNNING, AttemptStatus.SUCCESS]
    assert target.attempt(ref.attempt_id).running_task is None
    assert [(t.name, t.row_count) for t in target.tables("db_src")] == [("orders", 3)]
    assert [c.name for c in target.columns("db_src", "orders")] == ["id", "email", "time"]
    assert target.query('SELECT COUNT(*) FROM "db_src"."orders"').scalar() == 3


def test_error_outcome_logs_kill_and_retry(project_dir: Path) -> None:
    target = FakeTarget(outcomes={"load": AttemptStatus.ERROR}, polls=0)
    target.push(project_dir, "p")
    ref = target.start("p", "load")
    assert target.attempt(ref.attempt_id).status is AttemptStatus.ERROR
    assert "ERROR +load+build" in target.logs(ref.attempt_id)
    again = target.retry(ref.attempt_id)
    assert again.session_id == ref.session_id and again.attempt_id != ref.attempt_id
    running = FakeTarget(polls=-1)
    running.push(project_dir, "p")
    ref = running.start("p", "load")
    assert running.attempt(ref.attempt_id).status is AttemptStatus.RUNNING
    running.kill(ref.attempt_id)
    assert running.attempt(ref.attempt_id).status is AttemptStatus.KILLED


def test_missing_things_raise_not_found(project_dir: Path) -> None:
    target = FakeTarget()
    with pytest.raises(NotFoundError, match="is not pushed"):
        target.start("p", "load")
    with pytest.raises(NotFoundError, match="attempt 9"):
        target.attempt("9")
    with pytest.raises(NotFoundError, match="database 'nope'"):
        target.tables("nope")
    target.create_database("db_stg")
    assert target.databases() == ["db_stg"]


def test_push_reports_a_missing_colon_with_file_and_line(project_dir: Path) -> None:
    (project_dir / "bad.dig").write_text("+a:\n  td> queries/x.sql\n")
    with pytest.raises(ConfigError, match=r"bad.dig:2: syntax error: missing colon after 'td>'"):
        FakeTarget().push(project_dir, "p")


def test_handlers_inject_failures_and_fall_through(project_dir: Path) -> None:
    failures = iter([TransientTargetError("503")])

    def flaky_push(path: Path, project: str | None):
        if (error := next(failures, None)) is not None:
            raise error
        return target.default("push", path, project)

    target = FakeTarget({"push": flaky_push})
    with pytest.raises(TransientTargetError):
        target.push(project_dir, "p")
    assert target.push(project_dir, "p").project == "p"
    assert target.called("push") == 2


def test_query_arrow_converts_rows_column_by_column_mixed_types_as_text() -> None:
    """The default ``query_arrow`` (TD, fake) gives what ``query`` gives, one Arrow column each."""
    rows = ((1, "a", 7), (2, None, "x"), (3, "c", None))
    target = FakeTarget(handlers={"query": lambda sql, db: QueryResult(("n", "s", "mixed"), rows)})
    table = target.query_arrow("SELECT n, s, mixed FROM t")
    assert table.column_names == ["n", "s", "mixed"]
    assert table.column("n").to_pylist() == [1, 2, 3]
    assert table.column("s").to_pylist() == ["a", None, "c"]
    assert table.column("mixed").to_pylist() == ["7", "x", None]
    empty = FakeTarget(handlers={"query": lambda sql, db: QueryResult(("a", "b"), ())})
    assert empty.query_arrow("SELECT a, b FROM t").column_names == ["a", "b"]
