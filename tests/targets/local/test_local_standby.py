"""Warm standby workers: the next attempt runs in the pre-started process; a dead, mismatched or
silent standby falls back cold; a standby ends with its caller (EOF) and with the target; kill,
retry and a killed caller behave as with cold workers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cdpo.targets.base import Attempt, AttemptStatus
from cdpo.targets.local import LocalTarget
from cdpo.targets.local.standby import start_early

SESSION = datetime(2024, 1, 1, tzinfo=UTC)
WORKFLOWS = {
    "quick.dig": """
    +js:
      echo>: year ${moment(session_time).format("YYYY")}
    +shell:
      sh>: echo "mark=$CDPO_MARK stdin=$(readlink /proc/$$/fd/0)"
    """,
    "secret.dig": """
    +shell:
      sh>: echo "new=$CDPO_SECRET_NEW old=$CDPO_SECRET_OLD."
    """,
    "gated.dig": """
    +count:
      sh>: echo once >> "$marks/runs.txt"
    +gate:
      sh>: while [ ! -f "$marks/go" ]; do sleep 0.05; done
    """,
}


def _gone(pid: int) -> bool:
    """The process has exited (reaped, or a zombie its new parent has yet to reap)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (FileNotFoundError, IndexError):
        return True


def _run(target: LocalTarget, hour: int, **params: str) -> tuple[Attempt, int]:
    """Start ``quick`` (or ``gated`` when ``marks`` is given) and wait; the attempt and its pid."""
    workflow = "gated" if params else "quick"
    ref = target.start("proj", workflow, params, session_time=SESSION + timedelta(hours=hour))
    attempt = target.wait(ref.attempt_id, timeout=60)
    return attempt, int(target.store.attempt(int(ref.attempt_id))["pid"])


@pytest.fixture
def pushed(write_project, local_target: LocalTarget) -> LocalTarget:
    local_target.push(write_project(WORKFLOWS))
    return local_target


def test_the_next_attempt_runs_in_the_waiting_standby(pushed: LocalTarget) -> None:
    assert pushed.standbys is not None and pushed.standbys.pid is None
    first, first_pid = _run(pushed, 0)
    standby = pushed.standbys.pid
    assert first.status is AttemptStatus.SUCCESS
    assert standby is not None and standby != first_pid

    second, second_pid = _run(pushed, 1)
    assert second_pid == standby
    assert second.status is AttemptStatus.SUCCESS
    logs = pushed.logs(second.id)
    assert "year 2024" in logs
    assert "stdin=/dev/null" in logs  # the caller's pipe is not the worker's stdin
    assert pushed.standbys.pid not in (None, standby)  # the next one waits already


def test_a_standby_worker_is_a_session_leader_writing_to_the_attempt_log(
    wait_for, pushed: LocalTarget, tmp_path: Path
) -> None:
    _run(pushed, 0)
    standby = pushed.standbys.pid
    ref = pushed.start("proj", "gated", {"marks": str(tmp_path)}, session_time=SESSION)
    wait_for(lambda: pushed.attempt(ref.attempt_id).running_task == "+gated+gate")
    log = pushed.root / ".cdpo" / f"worker-{ref.attempt_id}.log"
    assert int(pushed.store.attempt(int(ref.attempt_id))["pid"]) == standby
    assert os.getsid(standby) == standby
    assert os.readlink(f"/proc/{standby}/fd/1") == str(log)
    assert os.readlink(f"/proc/{standby}/fd/2") == str(log)
    (tmp_path / "go").touch()
    assert pushed.wait(ref.attempt_id, timeout=60).status is AttemptStatus.SUCCESS


def test_a_dead_standby_falls_back_to_a_cold_start(wait_for, pushed: LocalTarget) -> None:
    _run(pushed, 0)
    standby = pushed.standbys.pid
    os.kill(standby, signal.SIGKILL)
    wait_for(lambda: _gone(standby))
    attempt, pid = _run(pushed, 1)
    assert pid != standby
    assert attempt.status is AttemptStatus.SUCCESS


def test_a_standby_started_in_another_environment_is_not_used(
    pushed: LocalTarget, monkeypatch
) -> None:
    _run(pushed, 0)
    standby = pushed.standbys.pid
    monkeypatch.setenv("CDPO_MARK", "changed")
    attempt, pid = _run(pushed, 1)
    assert pid != standby and _gone(standby)
    assert "mark=changed" in pushed.logs(attempt.id)


def test_secrets_set_after_the_standby_started_are_handed_to_its_attempt(
    pushed: LocalTarget, monkeypatch
) -> None:
    monkeypatch.setenv("CDPO_SECRET_OLD", "gone")
    _run(pushed, 0)  # the standby for the next attempt starts with OLD set
    standby = pushed.standbys.pid
    monkeypatch.delenv("CDPO_SECRET_OLD")
    monkeypatch.setenv("CDPO_SECRET_NEW", "s3cret")
    ref = pushed.start("proj", "secret", {}, session_time=SESSION)
    attempt = pushed.wait(ref.attempt_id, timeout=60)
    assert int(pushed.store.attempt(int(ref.attempt_id))["pid"]) == standby
    assert "new=s3cret old=." in pushed.logs(attempt.id)


def test_the_first_attempt_runs_in_a_standby_started_before_the_run(
    write_project, runtime_root: Path
) -> None:
    start_early()
    with LocalTarget(runtime_root) as early:
        assert early.standbys is not None
        standby = early.standbys.pid
        assert standby is not None  # the slot took the standby started before it existed
        early.push(write_project(WORKFLOWS))
        attempt, pid = _run(early, 0)
        assert (pid, attempt.status) == (standby, AttemptStatus.SUCCESS)
    with LocalTarget(runtime_root) as prepared:
        assert prepared.standbys is not None and prepared.standbys.pid is None
        prepared.prepare_attempts()  # what a run does first
        standby = prepared.standbys.pid
        attempt, pid = _run(prepared, 1)
        assert (pid, attempt.status) == (standby, AttemptStatus.SUCCESS)


def test_a_standby_that_does_not_confirm_is_killed_and_the_attempt_runs_once_cold(
    pushed: LocalTarget, monkeypatch, tmp_path: Path
) -> None:
    from cdpo.targets.local import standby as standby_module

    _run(pushed, 0)
    standby = pushed.standbys.pid
    monkeypatch.setattr(standby_module, "_read_line", lambda fd, timeout=None: b"")
    (tmp_path / "go").touch()
    attempt, pid = _run(pushed, 1, marks=str(tmp_path))
    assert pid != standby and _gone(standby)
    assert attempt.status is AttemptStatus.SUCCESS
    assert (tmp_path / "runs.txt").read_text().splitlines() == ["once"]


def test_close_ends_the_standby_and_cold_targets_keep_none(
    pushed: LocalTarget, runtime_root: Path
) -> None:
    _run(pushed, 0)
    standby = pushed.standbys.pid
    pushed.close()
    assert _gone(standby)
    assert pushed.standbys.pid is None

    with LocalTarget(runtime_root, warm_workers=False) as cold:
        assert cold.standbys is None
        attempt, _ = _run(cold, 1)
        assert attempt.status is AttemptStatus.SUCCESS


def test_kill_and_retry_of_an_attempt_in_a_standby(
    wait_for, pushed: LocalTarget, tmp_path: Path
) -> None:
    _run(pushed, 0)
    ref = pushed.start("proj", "gated", {"marks": str(tmp_path)}, session_time=SESSION)
    wait_for(lambda: pushed.attempt(ref.attempt_id).running_task == "+gated+gate")
    pushed.kill(ref.attempt_id)
    assert pushed.wait(ref.attempt_id, timeout=30).status is AttemptStatus.KILLED

    (tmp_path / "go").touch()
    standby = pushed.standbys.pid
    retried = pushed.retry(ref.attempt_id)
    assert int(pushed.store.attempt(int(retried.attempt_id))["pid"]) == standby
    assert pushed.wait(retried.attempt_id, timeout=60).status is AttemptStatus.SUCCESS
    assert (tmp_path / "runs.txt").read_text().splitlines() == ["once"]


CALLER = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    from pathlib import Path
    from cdpo.targets.local import LocalTarget

    root, project, marks = sys.argv[1:]
    target = LocalTarget(Path(root))
    target.push(Path(project))
    quick = target.start("proj", "quick", session_time=datetime(2024, 1, 1, tzinfo=UTC))
    target.wait(quick.attempt_id, timeout=60)
    standby = target.standbys.pid
    gated = target.start("proj", "gated", {"marks": marks})
    print(gated.attempt_id, standby, target.standbys.pid, flush=True)
    time.sleep(600)
    """
)


def test_a_killed_caller_leaves_its_worker_running_and_its_standby_exits(
    wait_for, write_project, runtime_root: Path, tmp_path: Path
) -> None:
    project = write_project(WORKFLOWS)
    caller = subprocess.Popen(
        [sys.executable, "-c", CALLER, str(runtime_root), str(project), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert caller.stdout is not None
        attempt_id, used, waiting = caller.stdout.readline().split()
    finally:
        caller.kill()
        caller.wait()
    wait_for(lambda: _gone(int(waiting)))  # EOF on its stdin: nobody will hand it an attempt
    (tmp_path / "go").touch()
    with LocalTarget(runtime_root) as target:
        assert target.store.attempt(int(attempt_id))["pid"] == int(used)
        assert target.wait(attempt_id, timeout=60).status is AttemptStatus.SUCCESS


def test_no_standby_when_none_can_start_and_the_attempt_still_runs(
    pushed: LocalTarget, monkeypatch
) -> None:
    from cdpo.targets.local.standby import Standby

    def refuse() -> Standby:
        raise BlockingIOError("fork: resource temporarily unavailable")

    monkeypatch.setattr(Standby, "start", refuse)
    attempt, _ = _run(pushed, 0)
    assert attempt.status is AttemptStatus.SUCCESS
    assert pushed.standbys is not None and pushed.standbys.pid is None


def test_a_forked_copy_of_the_caller_leaves_the_standby_alone(pushed: LocalTarget) -> None:
    _run(pushed, 0)
    assert pushed.standbys is not None
    standby = pushed.standbys.pid
    child = os.fork()
    if child == 0:  # what a forked child's exit would do: close what it inherited
        pushed.standbys.close()
        os._exit(0)
    os.waitpid(child, 0)
    assert standby is not None and not _gone(standby)
    _, pid = _run(pushed, 1)
    assert pid == standby
