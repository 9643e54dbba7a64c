"""``cdpo run`` in a pseudo-terminal, answered as a user would: the prompts, the screen, the state."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pexpect

from .conftest import Project

CHILD = Path(__file__).with_name("tty_run.py")
# Prompts as rich colours them: the choices and the default come in their own escape codes.
READY = r"Ready to proceed\? \S*\[y/n\]"
MENU_OF_5 = r"Choose \S*\[1/2/3/4/5\]"
KEEP_OR_RERUN = r"[\s\S]*?Choose \S*\[1/2\]\S* \S*\(1\)"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


class Terminal:
    """``tty_run.py`` on a pseudo-terminal; ``screen`` is everything it printed, without colours."""

    def __init__(self, root: Path, scenario: str) -> None:
        self.transcript = io.StringIO()
        self.child = pexpect.spawn(
            sys.executable,
            [str(CHILD), str(root), scenario],
            dimensions=(50, 200),
            encoding="utf-8",
            timeout=30,
        )
        self.child.logfile_read = self.transcript

    def answer(self, prompt: str, reply: str) -> None:
        """Wait for ``prompt`` (a regular expression), then type ``reply`` and Enter."""
        self.child.expect(prompt)
        self.child.sendline(reply)

    def finish(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return int(self.child.exitstatus)

    @property
    def screen(self) -> str:
        return _ANSI.sub("", self.transcript.getvalue())


def _state(root: Path) -> dict[str, Any]:
    return json.loads((root / "pipeline_state.json").read_text())  # type: ignore[no-any-return]


def test_ready_then_view_full_logs_then_abort(project: Project) -> None:
    terminal = Terminal(project.root, "fail_hist")
    terminal.answer(READY, "y")
    terminal.answer(MENU_OF_5, "3")  # View Full Logs, then the menu again
    terminal.answer(MENU_OF_5, "5")  # Abort
    assert terminal.finish() == 1
    screen = terminal.screen
    # D1: the pre-flight summary and the plan before the question.
    assert "Pre-flight: 0 critical, 0 warnings" in screen
    assert "Databases to create: northwind_retail_src" in screen
    assert re.search(r"Ingestion\s+│\s+run\s+│\s+hist → inc\s+│\s+1m 30s", screen), screen
    assert "Estimated time: 6m 00s" in screen
    # D8: the error, the numbered options as the spec words them, the full log on request.
    assert "ingestion / monitor:" in screen and "Table not found: missing_source" in screen
    for option in ("1. Retry", "2. Fix", "3. View Full Logs", "4. Skip", "5. Abort"):
        assert option in screen
    assert screen.count("3. View Full Logs") == 2, "asked again after the logs"
    assert "progress line 0" in screen, "the full log, not only the excerpt"
    assert "Pipeline " in screen and "aborted" in screen
    state = _state(project.root)
    assert state["status"] == "aborted"
    assert state["phases"]["ingestion"]["steps"]["monitor"]["status"] == "failed"
    assert state["phases"]["hist_union"]["status"] == "pending"
    decisions = [(d["situation"], d["choice"], d["by"]) for d in state["decisions"]]
    assert decisions == [
        ("ready_to_proceed", "proceed", "user"),
        ("session_error", "logs", "user"),
        ("session_error", "abort", "user"),
    ]
    assert "PARTIAL REPORT" in (project.root / "pipeline_report.md").read_text()


def test_not_ready_stops_before_anything_is_written(project: Project) -> None:
    terminal = Terminal(project.root, "ok")
    terminal.answer(READY, "n")
    assert terminal.finish() == 1
    screen = " ".join(terminal.screen.split())
    assert "Nothing ran: not confirmed by user. The state file is untouched." in screen
    assert "edit pipeline.yml (`cdpo plan` shows the plan" in screen
    assert not (project.root / "pipeline_state.json").exists()
    assert not (project.root / "pipeline_report.md").exists()
    child = json.loads((project.root / "child.json").read_text())
    assert child["started"] == [] and set(child["generated"].values()) == {0}


def test_restart_asks_per_completed_phase_keep_or_rerun(project: Project) -> None:
    project.fail_staging_once()
    before = _state(project.root)
    assert [before["phases"][p]["status"] for p in ("ingestion", "hist_union", "staging")] == [
        "completed",
        "completed",
        "failed",
    ]
    terminal = Terminal(project.root, "ok")
    terminal.answer("ingestion / resume:" + KEEP_OR_RERUN, "")  # Enter: keep
    terminal.answer("hist_union / resume:" + KEEP_OR_RERUN, "2")  # re-run
    terminal.answer(READY, "y")
    assert terminal.finish() == 0
    screen = terminal.screen
    assert "1. Keep it (skip it in this run)" in screen and "2. Re-run it" in screen
    assert re.search(r"Ingestion\s+│\s+kept \(completed\)", screen)
    assert re.search(r"Hist-Union\s+│\s+re-run", screen)
    assert re.search(r"Staging\s+│\s+resume from deploy", screen)
    assert f"resumes pipeline {before['pipeline_id']}" in screen
    child = json.loads((project.root / "child.json").read_text())
    assert child["started"] == ["hist_union_wf", "staging_wf", "unification_wf"]
    assert child["generated"]["ingestion"] == 0 and child["generated"]["hist_union"] == 1
    after = _state(project.root)
    assert after["status"] == "completed" and after["pipeline_id"] == before["pipeline_id"]
    assert (
        after["phases"]["ingestion"]["finished_at"] == before["phases"]["ingestion"]["finished_at"]
    )
    asked = [(d["phase"], d["choice"], d["by"]) for d in after["decisions"][-3:]]
    assert asked == [
        ("ingestion", "keep", "user"),
        ("hist_union", "rerun", "user"),
        ("preflight", "proceed", "user"),
    ]
    log = next((project.root / "pipeline_logs").glob("*/phase2_histunion.log")).read_text()
    assert "resume_completed_phase: rerun (by user)" in log
