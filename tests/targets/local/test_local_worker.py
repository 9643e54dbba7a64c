"""Attempts run in a worker process: poll it, kill it, retry a failed one from the failed task."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from cdpo.errors import ConflictError
from cdpo.targets.base import AttemptStatus, TaskState
from cdpo.targets.local import LocalTarget

SESSION = datetime(2024, 1, 1, tzinfo=UTC)


def test_kill_a_running_attempt(wait_for, write_project, local_target: LocalTarget) -> None:
    project = write_project(
        {
            "wf.dig": """
            +first:
              echo>: started
            +slow:
              sh>: sleep 60
            +never:
              echo>: not reached
            """,
        }
    )
    local_target.push(project)
    ref = local_target.start("proj", "wf", session_time=SESSION)
    wait_for(lambda: local_target.attempt(ref.attempt_id).running_task == "+wf+slow", timeout=30.0)
    assert local_target.attempt(ref.attempt_id).status is AttemptStatus.RUNNING
    local_target.kill(ref.attempt_id)
    attempt = local_target.wait(ref.attempt_id, timeout=30)
    assert attempt.status is AttemptStatus.KILLED
    states = {t.full_name: t.state for t in attempt.tasks}
    assert states["+wf+first"] is TaskState.SUCCESS
    assert states["+wf+slow"] is TaskState.CANCELED
    assert states["+wf+never"] is TaskState.CANCELED
    assert "started" in local_target.logs(ref.attempt_id, "+wf+first")


def test_retry_resumes_from_the_failed_task(
    write_project, local_target: LocalTarget, tmp_path
) -> None:
    project = write_project(
        {
            "wf.dig": """
            +count:
              sh>: echo once >> "$marks/runs.txt"
            +remember:
              py>: steps.remember
            +flaky:
              sh>: test -f "$marks/fixed"
            +after:
              echo>: remembered ${value}
            """,
            "steps.py": "import digdag\n\ndef remember():\n    digdag.env.store({'value': 'v1'})\n",
        }
    )
    local_target.push(project)
    ref = local_target.start("proj", "wf", {"marks": str(tmp_path)}, session_time=SESSION)
    first = local_target.wait(ref.attempt_id, timeout=60)
    assert first.status is AttemptStatus.ERROR
    assert [t.full_name for t in first.failed_tasks] == ["+wf+flaky"]
    with pytest.raises(ConflictError, match="already exists"):
        local_target.start("proj", "wf", session_time=SESSION)

    (tmp_path / "fixed").touch()
    retried = local_target.retry(ref.attempt_id)
    assert retried.session_id == ref.session_id and retried.attempt_id != ref.attempt_id
    second = local_target.wait(retried.attempt_id, timeout=60)
    assert second.status is AttemptStatus.SUCCESS
    runs = (tmp_path / "runs.txt").read_text().splitlines()
    assert runs == ["once"]  # +count was not run again
    assert "remembered v1" in local_target.logs(retried.attempt_id)  # its store was kept


def test_a_dead_worker_ends_its_attempt(wait_for, write_project, local_target: LocalTarget) -> None:
    import os
    import signal

    project = write_project({"wf.dig": "+slow:\n  sh>: sleep 60\n"})
    local_target.push(project)
    ref = local_target.start("proj", "wf", session_time=SESSION)
    wait_for(lambda: local_target.attempt(ref.attempt_id).running_task == "+wf+slow", timeout=30.0)
    os.killpg(local_target.store.attempt(int(ref.attempt_id))["pid"], signal.SIGKILL)
    attempt = local_target.wait(ref.attempt_id, timeout=30)
    assert attempt.status is AttemptStatus.ERROR
    assert {t.state for t in attempt.tasks} == {TaskState.CANCELED}


def test_a_worker_ignoring_a_kill_is_terminated(
    wait_for, write_project, local_target, monkeypatch
) -> None:
    from cdpo.targets.local import target as target_module

    monkeypatch.setattr(target_module, "KILL_GRACE_SECONDS", 0.0)
    project = write_project({"wf.dig": "+slow:\n  sh>: sleep 60\n"})
    local_target.push(project)
    ref = local_target.start("proj", "wf", session_time=SESSION)
    wait_for(lambda: local_target.attempt(ref.attempt_id).running_task == "+wf+slow", timeout=30.0)
    local_target.store.set_attempt(int(ref.attempt_id), cancel_requested=1)  # long ago
    attempt = local_target.attempt(ref.attempt_id)
    assert attempt.status is AttemptStatus.KILLED


@pytest.mark.parametrize(
    ("life", "code", "printed"),
    [
        ("lambda: 3", 3, "exit hook ran"),
        ("lambda: sys.exit()", 0, "exit hook ran"),
        ("lambda: 1 / 0", 1, "ZeroDivisionError"),
    ],
)
def test_a_worker_leaves_at_once_with_its_code_hooks_and_traceback(
    life: str, code: int, printed: str
) -> None:
    """The worker skips the interpreter's teardown, not its exit hooks, code or crash report."""
    program = (
        "import atexit, sys\n"
        "from cdpo.targets.local.worker import exit_after\n"
        "atexit.register(lambda: print('exit hook ran', flush=True))\n"
        "print('buffered', end='')\n"
        f"exit_after({life})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == code
    assert "buffered" in done.stdout
    assert printed in done.stdout + done.stderr
