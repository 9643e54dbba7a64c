"""Kill ``cdpo run`` during MONITOR, then resume without redoing finished steps; one run at a time."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .conftest import Project

CHILD = Path(__file__).with_name("subprocess_run.py")


def _wait_for_monitor(root: Path, child: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert child.poll() is None, child.stderr.read() if child.stderr else ""
        try:
            state = json.loads((root / "pipeline_state.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            state = None
        ingestion = state["phases"]["ingestion"] if state else None
        monitoring = ingestion and ingestion["steps"]["monitor"]["status"] == "in_progress"
        if monitoring and ingestion["workflows"][0]["attempt_id"]:
            return state  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("the child never reached MONITOR")


def test_kill_during_monitor_then_resume_and_lock(project: Project) -> None:
    root = project.root
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(root), "hang"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        before = _wait_for_monitor(root, child)
        # A second run while the first holds the lock is refused, and changes nothing.
        refused = project.cli("run", "--yes")
        assert refused.exit_code == 2
        assert f"another cdpo run (pid {child.pid})" in refused.stderr
        assert (
            json.loads((root / "pipeline_state.json").read_text())["pipeline_id"]
            == before["pipeline_id"]
        )
    finally:
        child.kill()
        child.wait()

    attempt = before["phases"]["ingestion"]["workflows"][0]["attempt_id"]
    files = before["phases"]["ingestion"]["files"]
    resumed = subprocess.run(
        [sys.executable, str(CHILD), str(root), "resume"], capture_output=True, timeout=120
    )
    assert resumed.returncode == 0, resumed.stderr.decode()
    report = json.loads((root / "child.json").read_text())
    calls = [(name, args) for name, args in report["calls"]]
    assert ("attempt", [attempt]) in calls, "the killed run's attempt is followed again"
    assert not any(name == "push" and "ingestion" in args[0] for name, args in calls)
    starts = [args[1] for name, args in calls if name == "start"]
    assert starts[0] == "inc", "hist was already started: follow it, never start it again"
    assert report["generated"]["ingestion"] == 0
    state = json.loads((root / "pipeline_state.json").read_text())
    assert state["status"] == "completed"
    assert state["pipeline_id"] == before["pipeline_id"]
    assert state["phases"]["ingestion"]["files"] == files
    assert state["phases"]["ingestion"]["steps"]["generate"]["attempts"] == 1
    assert state["phases"]["ingestion"]["steps"]["deploy"]["attempts"] == 1
