"""Between polls the orchestrator waits on the local target, which wakes when the worker exits."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from cdpo.targets.local import LocalTarget

GATED = {
    "gated.dig": """
    +gate:
      sh>: while [ ! -f "$marks/go" ]; do sleep 0.05; done
    """
}
HOUR = 3600.0


def _wait_in_thread(target: LocalTarget, attempt_id: str) -> threading.Thread:
    waiter = threading.Thread(
        target=target.wait_between_polls, args=(attempt_id, HOUR), daemon=True
    )
    waiter.start()
    return waiter


def test_a_wait_between_polls_ends_when_the_worker_exits(
    write_project, local_target: LocalTarget, tmp_path: Path
) -> None:
    local_target.push(write_project(GATED))
    ref = local_target.start(
        "proj", "gated", {"marks": str(tmp_path)}, session_time=datetime(2024, 1, 1, tzinfo=UTC)
    )
    waiter = _wait_in_thread(local_target, ref.attempt_id)
    waiter.join(timeout=1.0)
    assert waiter.is_alive()  # the gate holds the worker: the wait goes on
    (tmp_path / "go").touch()
    waiter.join(timeout=120)  # an hour unless the exit wakes it
    assert not waiter.is_alive()
    assert local_target.attempt(ref.attempt_id).done
    after = _wait_in_thread(local_target, ref.attempt_id)  # the worker is gone: no wait at all
    after.join(timeout=120)
    assert not after.is_alive()
