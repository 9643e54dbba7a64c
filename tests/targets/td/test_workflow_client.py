"""Every Workflow API call of the td target against a real ``cdpo server`` on loopback."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from tests.targets.td.conftest import API_KEY, wait_done

from cdpo.errors import ConfigError, ConflictError, NotFoundError
from cdpo.server import ApiServer
from cdpo.targets import AttemptStatus, TaskState
from cdpo.targets.td import OnConflict, TdTarget, build_archive

FLOW = {
    "flow.dig": """
        +db:
          td_ddl>:
          create_databases: [wf_db]
        +hello:
          echo>: hello ${session_date}
        +count:
          td>:
          query: SELECT 1 AS n
          database: wf_db
          create_table: ones
        """,
    "quick.dig": "+hi:\n  echo>: hi\n",
}
FAILING = {
    "broken.dig": """
        +ok:
          td_ddl>:
          create_databases: [wf_fail_db]
        +bad:
          td>:
          query: SELECT count(*) AS n FROM later
          database: wf_fail_db
          store_last_results: true
        +after:
          echo>: found ${td.last_results.n}
        """,
}
SLOW = {"slow.dig": "+nap:\n  sh>: sleep 30\n"}
WHEN = datetime(2024, 3, 1, tzinfo=UTC)


def _pushed(
    td: TdTarget, write_project: Callable[..., Path], files: dict[str, str], name: str
) -> Path:
    project = write_project(files, name)
    td.push(project, name)
    return project


def test_push_finds_the_project_and_its_workflow_ids(
    td: TdTarget, write_project: Callable[..., Path]
) -> None:
    project = write_project(FLOW, "wf_push")
    revision = td.push(project, "wf_push")
    assert revision.workflows == ("flow", "quick")
    assert revision.revision == build_archive(project).revision  # the server keeps our revision
    assert td.push(project, "wf_push") == revision
    found = td.workflow.project("wf_push")
    assert found["id"] == revision.project_id and found["archiveType"] == "db"
    listed = td.workflow.workflows(revision.project_id)
    assert [w["name"] for w in listed] == ["flow", "quick"]
    one = td.workflow.workflow(revision.project_id, "quick")
    assert one["id"] in {w["id"] for w in listed} and one["project"]["name"] == "wf_push"
    with pytest.raises(NotFoundError, match="project 'nope' not found"):
        td.workflow.project("nope")
    with pytest.raises(NotFoundError, match="404 workflow 'nope' not found"):
        td.workflow.workflow(revision.project_id, "nope")


def test_push_keeps_file_and_line_of_a_syntax_error(
    td: TdTarget, write_project: Callable[..., Path]
) -> None:
    project = write_project({"bad.dig": "+a:\n  echo>: [\n"}, "wf_bad")
    with pytest.raises(ConfigError, match=r"bad.dig:\d+: invalid YAML"):
        td.push(project)


def test_start_runs_an_attempt_to_success_with_tasks_and_logs(
    td: TdTarget, write_project: Callable[..., Path]
) -> None:
    _pushed(td, write_project, FLOW, "wf_run")
    ref = td.start("wf_run", "flow.dig", {"note": "x"}, WHEN)
    attempt = wait_done(td, ref.attempt_id)
    assert attempt.status is AttemptStatus.SUCCESS
    assert (attempt.project, attempt.workflow, attempt.session_id) == (
        "wf_run",
        "flow",
        ref.session_id,
    )
    assert attempt.session_time.startswith("2024-03-01T00:00:00")
    assert [t.full_name for t in attempt.tasks] == [
        "+flow",
        "+flow+db",
        "+flow+hello",
        "+flow+count",
    ]
    assert all(t.state is TaskState.SUCCESS for t in attempt.tasks)
    assert attempt.tasks[1].parent_id == attempt.tasks[0].id
    assert td.workflow.attempt(ref.attempt_id)["params"] == {"note": "x"}
    assert "hello 2024-03-01" in td.logs(ref.attempt_id)
    assert "hello" not in td.logs(ref.attempt_id, "+flow+count")
    assert [(t.name, t.row_count) for t in td.tables("wf_db")] == [("ones", 1)]


def test_params_are_always_sent_and_required(
    td_server: ApiServer, td: TdTarget, write_project: Callable[..., Path]
) -> None:
    project = write_project(FLOW, "wf_params")
    pushed = td.push(project, "wf_params")
    wid = td.workflow.workflow(pushed.project_id, "quick")["id"]
    answer = httpx.put(
        f"{td_server.url}/api/attempts",
        json={"workflowId": wid, "sessionTime": "2024-01-01T00:00:00Z"},
        headers={"Authorization": f"TD1 {API_KEY}"},
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "message": "params: 'params' is required in the attempt request",
        "status": 400,
    }


def test_a_409_resumes_retries_or_raises_as_chosen(
    make_target: Callable[..., TdTarget], write_project: Callable[..., Path]
) -> None:
    resume = make_target()
    _pushed(resume, write_project, FLOW, "wf_conflict")
    first = resume.start("wf_conflict", "quick", session_time=WHEN)
    assert resume.start("wf_conflict", "quick", session_time=WHEN) == first
    retried = make_target(on_conflict="retry").start("wf_conflict", "quick", session_time=WHEN)
    assert retried.session_id == first.session_id and retried.attempt_id != first.attempt_id
    assert wait_done(resume, first.attempt_id).status is AttemptStatus.SUCCESS
    assert wait_done(resume, retried.attempt_id).status is AttemptStatus.SUCCESS
    assert resume.workflow.attempt(retried.attempt_id)["retryAttemptName"].startswith("cdpo-")
    strict = make_target(on_conflict=OnConflict.ERROR)
    with pytest.raises(
        ConflictError, match=rf"session_id={first.session_id}, attempt_id={retried.attempt_id}"
    ):
        strict.start("wf_conflict", "quick", session_time=WHEN)


def test_a_failed_task_its_error_its_logs_and_a_retry_from_it(
    td: TdTarget, write_project: Callable[..., Path]
) -> None:
    _pushed(td, write_project, FAILING, "wf_fail")
    ref = td.start("wf_fail", "broken", session_time=WHEN)
    attempt = wait_done(td, ref.attempt_id)
    assert attempt.status is AttemptStatus.ERROR
    assert [t.full_name for t in attempt.failed_tasks] == ["+broken+bad"]
    assert "later" in (attempt.failed_tasks[0].error or "")
    files = td.workflow.log_files(ref.attempt_id, "+broken+bad")
    assert [f["taskName"] for f in files] == ["+broken+bad"]
    raw = httpx.get(
        f"{td.workflow.http.base_url}/api/logs/{ref.attempt_id}/files/{files[0]['fileName']}",
        headers={"Authorization": f"TD1 {API_KEY}"},
    )
    assert raw.headers["content-type"] == "application/gzip"
    assert "later" in gzip.decompress(raw.content).decode()
    bad_log = td.logs(ref.attempt_id, "+broken+bad")
    assert "later" in bad_log and "create_databases" not in bad_log
    assert "create_databases" in td.logs(ref.attempt_id)
    td.query("CREATE TABLE later AS SELECT 1 AS id", "wf_fail_db")
    retried = td.retry(ref.attempt_id)
    assert retried.session_id == ref.session_id
    final = wait_done(td, retried.attempt_id)
    assert final.status is AttemptStatus.SUCCESS
    assert "found 1" in td.logs(retried.attempt_id, "+broken+after")
    assert td.workflow.attempt(retried.attempt_id)["retryAttemptName"].startswith(
        f"retry-{ref.attempt_id}"
    )


def test_kill_a_running_attempt(td: TdTarget, write_project: Callable[..., Path]) -> None:
    _pushed(td, write_project, SLOW, "wf_kill")
    ref = td.start("wf_kill", "slow", session_time=WHEN)
    assert td.attempt(ref.attempt_id).status is AttemptStatus.RUNNING
    td.kill(ref.attempt_id)
    attempt = wait_done(td, ref.attempt_id, timeout=30)
    assert attempt.status is AttemptStatus.KILLED
    assert td.workflow.attempt(ref.attempt_id)["cancelRequested"] is True
    assert td.workflow.kill(ref.attempt_id) is False  # 409: already finished
    td.kill(ref.attempt_id)


def test_secrets_are_listed_by_name_once_set(
    td: TdTarget, write_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"shop.dig": "+get:\n  echo>: token ${secret:shop.token} key ${secret:td.apikey}\n"}
    td.push(write_project(files, "wf_secret"), "wf_secret")
    assert td.secrets("wf_secret") == []
    monkeypatch.setenv("CDPO_SECRET_SHOP_TOKEN", "s3cr3t-value")
    assert td.secrets("wf_secret") == ["shop.token"]
    with pytest.raises(NotFoundError, match="project 'wf_never' not found"):
        td.secrets("wf_never")
