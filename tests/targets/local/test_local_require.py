"""``require>`` inside a worker: the required attempt shares the worker's process (one V8), a kill
of the requiring attempt reaches it, and the worker exits cleanly afterwards.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from cdpo.targets.base import AttemptStatus
from cdpo.targets.local import LocalTarget
from cdpo.targets.local.runner import start_attempt

SESSION = datetime(2024, 1, 1, tzinfo=UTC)


def test_a_worker_that_ran_require_exits_cleanly(write_project, local_target: LocalTarget) -> None:
    local_target.push(
        write_project(
            {
                "main.dig": '+a:\n  echo>: ${moment(session_time).format("YYYY")}\n'
                "+b:\n  require>: child\n",
                "child.dig": "+c:\n  echo>: ${1 + 1}\n",
            }
        )
    )
    _, attempt = start_attempt(local_target.store, "proj", "main", {}, SESSION)
    worker = subprocess.run(
        [sys.executable, "-m", "cdpo.targets.local.worker", str(local_target.root), str(attempt)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Its kill watchers stop before it closes the store (a late read crashed it with SIGSEGV),
    # and its two attempts' evaluators share one V8 context (two could hang its exit).
    assert worker.returncode == 0, worker.stderr
    assert local_target.attempt(str(attempt)).status is AttemptStatus.SUCCESS
    logs = local_target.logs(str(attempt + 1))
    assert "2" in logs.split()


def test_killing_the_requiring_attempt_kills_the_required_one(
    wait_for, write_project, local_target: LocalTarget
) -> None:
    local_target.push(
        write_project(
            {"main.dig": "+b:\n  require>: child\n", "child.dig": "+slow:\n  sh>: sleep 60\n"}
        )
    )
    ref = local_target.start("proj", "main", session_time=SESSION)
    required = str(int(ref.attempt_id) + 1)
    wait_for(
        lambda: (
            local_target.store.execute("SELECT id FROM attempts WHERE id = ?", (required,))
            and local_target.attempt(required).running_task == "+child+slow"
        )
    )
    local_target.kill(ref.attempt_id)
    assert local_target.wait(ref.attempt_id, timeout=30).status is AttemptStatus.KILLED
    assert local_target.wait(required, timeout=30).status is AttemptStatus.KILLED
