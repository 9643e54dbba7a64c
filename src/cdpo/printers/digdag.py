"""What ``cdpo digdag …`` prints: check reports, live task events, sessions, attempts, tasks, logs.

Field labels follow the digdag CLI (``session id:``, ``attempt id:``, ``status:``; reference §A.3)
so that people who know ``td wf`` read them at a glance.
"""

from __future__ import annotations

from typing import Any

from cdpo.printers import console, error_console

__all__ = [
    "print_attempt",
    "print_check",
    "print_event",
    "print_log",
    "print_sessions",
    "print_tasks",
]

_STATE_STYLE = {
    "success": "green",
    "error": "red",
    "group_error": "red",
    "canceled": "yellow",
    "running": "cyan",
    "planned": "cyan",
    "retry_waiting": "yellow",
}


def print_check(report: Any) -> None:
    """Workflows with their timezone and schedule, then every problem (file:line: text)."""
    out = console()
    out.print("Workflows:")
    for name, workflow in sorted(report.project.workflows.items()):
        schedule = (
            f", schedule {workflow.schedule.kind}>: {workflow.schedule.value}"
            if workflow.schedule
            else ""
        )
        tasks = sum(1 for _ in workflow.root.walk()) - 1
        out.print(f"  {name} (timezone {workflow.timezone}{schedule}, {tasks} tasks)", markup=False)
    if report.ok:
        out.print("[green]No problems found.[/]")
        return
    err = error_console()
    for problem in report.problems:
        err.print(f"[bold red]error:[/] {problem.message}", highlight=False)
    err.print(f"{len(report.problems)} problem(s).")


def print_event(kind: str, name: str, detail: str | None) -> None:
    """One line per task start and end, as the attempt runs."""
    out = console()
    if kind == "attempt":
        out.print(f"Started attempt {name}", markup=False)
    elif kind == "started":
        out.print(f"  {name} started", markup=False)
    else:
        state = detail or "success"
        style = _STATE_STYLE.get(state, "red")
        text = state if state in _STATE_STYLE else f"error: {state}"
        out.print(f"  {name} [{style}]{text}[/]", highlight=False)


def print_attempt(attempt: Any) -> None:
    """The attempt's fields and its failed tasks with their errors."""
    out = console()
    out.print(
        f"  session id: {attempt.session_id}\n  attempt id: {attempt.id}\n  project: {attempt.project}\n"
        f"  workflow: {attempt.workflow}\n  session time: {attempt.session_time}\n"
        f"  created at: {attempt.created_at}\n  finished at: {attempt.finished_at or ''}\n"
        f"  status: {attempt.status.value}",
        markup=False,
    )
    for task in attempt.failed_tasks:
        out.print(f"  failed: {task.full_name}: {task.error}", markup=False)


def print_tasks(attempt: Any) -> None:
    out = console()
    for task in attempt.tasks:
        out.print(
            f"   id: {task.id}\n   name: {task.full_name}\n   state: {task.state.value}\n"
            f"   started: {task.started_at or ''}\n   updated: {task.updated_at or ''}\n"
            f"   parent: {task.parent_id or ''}",
            markup=False,
        )
        if task.error:
            out.print(f"   error: {task.error}", markup=False)
        out.print("")
    out.print(f"{len(attempt.tasks)} entries.")


def print_sessions(sessions: list[dict[str, Any]]) -> None:
    out = console()
    out.print("Sessions:")
    for session in sessions:
        out.print(
            "".join(f"  {key.replace('_', ' ')}: {value}\n" for key, value in session.items()),
            markup=False,
        )
    out.print(f"{len(sessions)} entries.")


def print_log(text: str) -> None:
    console().print(text, markup=False, highlight=False)
