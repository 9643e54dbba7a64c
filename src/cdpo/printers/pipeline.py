"""What the pipeline commands print: the plan, pre-flight findings, live progress, status, results.

A live rich view (4 phases × 5 steps) on a terminal; plain timestamped lines when stdout is not a
TTY; one JSON object per line with ``--json``.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

from rich.live import Live
from rich.prompt import Confirm, Prompt
from rich.table import Table

from cdpo.printers import console, error_console

__all__ = [
    "ProgressView",
    "PromptDecider",
    "print_demo",
    "print_findings",
    "print_plan",
    "print_run_result",
    "print_status",
    "print_summary",
]

PHASE_ORDER = ("ingestion", "hist_union", "staging", "unification")
STEP_ORDER = ("generate", "deploy", "execute", "monitor", "validate")
# Spec §1.1: ✓ completed, → in progress, ⏳ waiting/monitoring, □ pending, ✗ failed.
SYMBOLS = {"completed": "✓", "in_progress": "→", "pending": "□", "failed": "✗", "skipped": "–"}


def _duration(seconds: float) -> str:
    """``3h 43m 15s`` style, as the spec's report writes durations."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def print_plan(plan: Any, *, as_json: bool = False) -> None:
    """The phases in order, the workflows each starts, its files and tables, and a time estimate."""
    out = console()
    if as_json:
        out.print_json(json.dumps(_plan_dict(plan)))
        return
    out.print(f"[bold]Pipeline[/] {plan.client} → target [bold]{plan.target}[/]")
    out.print("Databases: " + ", ".join(f"{k}={v}" for k, v in plan.databases.items()))
    table = Table("#", "phase", "status", "workflows", "files", "tables", "estimate", "from")
    for number, phase in enumerate(plan.phases, 1):
        p = phase.plan
        counts = (str(len(p.runs)), str(len(p.files)), str(len(p.tables))) if p else ("-",) * 3
        estimate = _duration(phase.estimated_seconds) if p else "-"
        table.add_row(
            str(number),
            phase.title,
            phase.availability.value,
            *counts,
            estimate,
            phase.estimate_basis or "-",
        )
    out.print(table)
    for phase in plan.phases:
        if phase.plan is None:
            continue
        out.print(f"\n[bold]{phase.title}[/] (project {phase.plan.project})")
        out.print("  starts:  " + " → ".join(r.workflow for r in phase.plan.runs))
        out.print("  creates: " + ", ".join(phase.plan.tables))
        out.print("  files:   " + ", ".join(phase.plan.files))
    out.print(f"\nEstimated total: {_duration(plan.estimated_seconds)}")
    unavailable = [p.title for p in plan.phases if p.availability.value.startswith("not available")]
    if unavailable:
        out.print(f"[yellow]Not available in this version:[/] {', '.join(unavailable)}")


def _plan_dict(plan: Any) -> dict[str, Any]:
    return {
        "client": plan.client,
        "target": plan.target,
        "databases": plan.databases,
        "estimated_seconds": plan.estimated_seconds,
        "phases": [
            {
                "phase": p.name.value,
                "status": p.availability.value,
                "project": p.plan.project if p.plan else None,
                "workflows": [r.workflow for r in p.plan.runs] if p.plan else [],
                "files": list(p.plan.files) if p.plan else [],
                "tables": list(p.plan.tables) if p.plan else [],
                "estimated_seconds": p.estimated_seconds,
                "estimate_basis": p.estimate_basis or None,
            }
            for p in plan.phases
        ],
    }


def _symbol(status: str, step: str) -> str:
    return "⏳" if status == "in_progress" and step == "monitor" else SYMBOLS.get(status, "?")


def _short_task(name: str) -> str:
    """The last two levels of a task name: for_each> names hold whole URL-encoded JSON values."""
    parts = [p for p in name.split("+") if p]
    return "+" + "+".join(parts[-2:]) if parts else ""


class ProgressView:
    """A ``Listener`` showing the run: live grid on a terminal, plain lines otherwise, or JSON lines.

    Use as a context manager around the run so the live display starts and stops cleanly.
    """

    def __init__(self, *, as_json: bool = False, live: bool | None = None) -> None:
        self.as_json = as_json
        self.live_mode = (sys.stdout.isatty() if live is None else live) and not as_json
        self.console = console()
        self.grid: dict[str, dict[str, str]] = {
            p: dict.fromkeys(STEP_ORDER, "pending") for p in PHASE_ORDER
        }
        self.phase_status: dict[str, str] = dict.fromkeys(PHASE_ORDER, "pending")
        self.started: dict[str, datetime] = {}
        self.finished: dict[str, datetime] = {}
        self.ids: dict[str, str] = {}
        self.task: dict[str, str] = {}
        self._live: Live | None = None
        self._last_poll: dict[str, str] = {}

    def __enter__(self) -> ProgressView:
        if self.live_mode:
            # Transient: a prompt clears the grid instead of leaving a stale copy above it.
            self._live = Live(
                self._render(), console=self.console, refresh_per_second=4, transient=True
            )
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
            if any(status != "pending" for status in self.phase_status.values()):
                self.console.print(self._render())

    def pause(self) -> None:
        """Stop (and clear) the live display while the user answers a prompt."""
        if self._live is not None:
            self._live.stop()

    def resume(self) -> None:
        if self._live is not None:
            self._live.start()

    def __call__(self, event: Any) -> None:
        self._track(event)
        if self.as_json:
            sys.stdout.write(json.dumps(event.as_dict(), default=str) + "\n")
        elif self._live is not None:
            if event.kind.value in {"log_excerpt", "step_failed", "decision"}:
                self._live.console.print(self._line(event), markup=False)
            self._live.update(self._render())
        elif self._news(event):
            self.console.print(self._line(event), markup=False)

    def _news(self, event: Any) -> bool:
        """Plain mode prints a poll only when its status or task changed since the last one."""
        if event.kind.value != "poll":
            return True
        key = event.phase.value if event.phase else ""
        seen, self._last_poll[key] = self._last_poll.get(key), event.message
        return seen != event.message

    def _track(self, event: Any) -> None:
        phase = event.phase.value if event.phase else None
        step = event.step.value if event.step else None
        kind = event.kind.value
        if phase is None:
            return
        if kind == "phase_started":
            self.phase_status[phase] = "in_progress"
            self.started.setdefault(phase, event.at)
        elif kind == "phase_finished":
            self.phase_status[phase] = event.message.split(":")[0].split(" ")[0]
            self.finished[phase] = event.at
        if step and kind in {"step_started", "step_finished", "step_failed"}:
            status = {"step_started": "in_progress", "step_finished": "completed"}.get(
                kind, "failed"
            )
            self.grid[phase][step] = status
        if kind == "workflow_started":
            self.ids[phase] = f"{event.data.get('session_id')}/{event.data.get('attempt_id')}"
        if kind == "poll":
            self.task[phase] = _short_task(event.data.get("task") or "")

    def _line(self, event: Any) -> str:
        where = "/".join(x.value for x in (event.phase, event.step) if x is not None)
        stamp = event.at.strftime("%H:%M:%SZ")
        return f"{stamp} {where or 'pipeline'} {event.kind.value}: {event.message}"

    def _render(self) -> Table:
        table = Table(
            "phase",
            "gen",
            "deploy",
            "exec",
            "monitor",
            "valid",
            "elapsed",
            "session/attempt",
            "current task",
        )
        now = datetime.now(UTC)
        for phase in PHASE_ORDER:
            cells = [_symbol(self.grid[phase][step], step) for step in STEP_ORDER]
            started = self.started.get(phase)
            end = self.finished.get(phase, now)
            elapsed = _duration((end - started).total_seconds()) if started else ""
            table.add_row(phase, *cells, elapsed, self.ids.get(phase, ""), self.task.get(phase, ""))
        return table


# The options as spec §1.7b words them.
_LABELS = {
    "retry": "Retry",
    "fix": "Fix: edit pipeline.yml, then re-generate and re-deploy",
    "logs": "View Full Logs",
    "skip": "Skip this phase (NOT RECOMMENDED)",
    "abort": "Abort (partial report)",
    "proceed": "Proceed",
    "stop": "Stop",
    "continue": "Continue Waiting",
    "keep": "Keep it (skip it in this run)",
    "rerun": "Re-run it",
}


class PromptDecider:
    """Interactive decisions: a numbered menu per situation (spec §1.7b); skip asks to confirm.

    "Ready to proceed?" (D1) first shows the pre-flight summary and what the run will do.
    """

    name = "user"

    def __init__(self, view: ProgressView | None = None) -> None:
        self.view = view

    def decide(self, decision: Any) -> Any:
        if self.view is not None:
            self.view.pause()
        try:
            if decision.situation.value == "ready_to_proceed":
                return self._confirm(decision)
            return self._ask(decision)
        finally:
            if self.view is not None:
                self.view.resume()

    def _confirm(self, decision: Any) -> Any:
        print_summary(decision.context, error_console())
        proceed = Confirm.ask("Ready to proceed?", console=error_console())
        return decision.options[0 if proceed else 1]

    def _ask(self, decision: Any) -> Any:
        out = error_console()
        out.print(f"[bold yellow]{decision.phase} / {decision.step}:[/] {decision.message}")
        options = list(decision.options)
        for number, option in enumerate(options, 1):
            out.print(f"  {number}. {_LABELS.get(option.value, option.value)}")
        default = options.index(decision.default) + 1 if decision.default else None
        while True:
            choice = options[_choose(out, len(options), default) - 1]
            if choice.value == "fix":
                Prompt.ask(
                    "Edit pipeline.yml now; press Enter to re-generate and re-deploy",
                    default="",
                    show_default=False,
                    console=out,
                )
            if choice.value != "skip" or Confirm.ask(
                "Skipping this phase will likely make later phases fail. Skip?",
                default=False,
                console=out,
            ):
                return choice


def _choose(out: Any, count: int, default: int | None) -> int:
    """A number from 1 to ``count``; Enter takes ``default`` when there is one."""
    choices = [str(i) for i in range(1, count + 1)]
    if default is None:
        return int(Prompt.ask("Choose", choices=choices, console=out))
    return int(Prompt.ask("Choose", choices=choices, default=str(default), console=out))


def print_summary(summary: Any, out: Any = None) -> None:
    """What a run is about to do (D1): pre-flight findings, then each phase's fate and estimate."""
    out = out or console()
    shown = [f for f in summary.findings if f.severity.value != "info"]
    shown = [f for f in shown if f.check != "database_missing"]  # listed below as to create
    critical = sum(1 for f in shown if f.severity.value == "critical")
    passed = len(summary.findings) - len(shown) - len(summary.databases_to_create)
    out.print(
        f"[bold]Pre-flight:[/] {critical} critical, {len(shown) - critical} warnings, "
        f"{passed} passed or informational"
    )
    for finding in shown:
        out.print(_finding_line(finding))
    if summary.databases_to_create:
        out.print("Databases to create: " + ", ".join(summary.databases_to_create))
    pipeline = f"resumes pipeline {summary.pipeline_id}" if summary.pipeline_id else "new pipeline"
    out.print(f"[bold]Plan:[/] {summary.client} on the {summary.target} target ({pipeline})")
    table = Table("#", "phase", "this run", "workflows", "estimate")
    for number, phase in enumerate(summary.phases, 1):
        estimate = _duration(phase.estimated_seconds) if phase.runs else "-"
        workflows = " → ".join(phase.workflows) if phase.runs else "-"
        table.add_row(str(number), phase.title, phase.action, workflows, estimate)
    out.print(table)
    out.print(f"Estimated time: {_duration(summary.estimated_seconds)}")


_SEVERITY = {"critical": "red", "warning": "yellow", "info": "green"}


def _finding_line(finding: Any) -> str:
    severity = finding.severity.value
    where = f" {finding.table}:" if finding.table else ""
    return (
        f"[{_SEVERITY[severity]}]{severity.upper():8}[/] {finding.check}:{where} {finding.detail}"
    )


def print_findings(findings: list[Any], *, as_json: bool = False) -> None:
    """Pre-flight findings, CRITICAL first."""
    out = console()
    if as_json:
        out.print_json(json.dumps([f.as_dict() for f in findings]))
        return
    order = list(_SEVERITY)
    for finding in sorted(findings, key=lambda f: order.index(f.severity.value)):
        out.print(_finding_line(finding))


def print_status(state: Any, *, as_json: bool = False) -> None:
    """The state file as a table: phase, status, steps, duration, tables, rows, session."""
    out = console()
    if as_json:
        out.print_json(state.model_dump_json())
        return
    out.print(
        f"Pipeline [bold]{state.pipeline_id}[/] {state.status.value} (started {state.started_at})"
    )
    table = Table("phase", "status", "steps", "duration", "tables", "rows", "session")
    for name in PHASE_ORDER:
        phase = state.phases.get(name)
        if phase is None:
            continue
        steps = " ".join(_symbol(phase.steps[s].status.value, s) for s in STEP_ORDER)
        table.add_row(
            name,
            phase.status.value,
            steps,
            _duration(phase.duration_seconds),
            str(len(phase.tables)),
            str(phase.rows),
            phase.session_id or "-",
        )
    out.print(table)
    if state.error:
        out.print(f"[red]stopped:[/] {state.error}")


def print_run_result(result: Any, report: Any = None) -> None:
    """One closing line: how the run ended, where the report is, and what to run next."""
    out = console()
    state = result.state
    if not result.started:
        out.print(f"[yellow]Nothing ran:[/] {result.reason}. The state file is untouched.")
        out.print(
            "To change what runs, edit pipeline.yml (`cdpo plan` shows the plan, `cdpo doctor` "
            "the checks) or choose phases with --from / --only, then `cdpo run` again."
        )
        return
    out.print(f"Pipeline {state.pipeline_id}: [bold]{state.status.value}[/]")
    if report is not None:
        out.print(f"Report: {report}")
    if result.error is None and any(p.error for p in state.phases.values()):
        out.print(
            "[yellow]warning:[/] a phase was skipped after a failure; later phases may be wrong."
        )


def print_demo(project: Any) -> None:
    """What the demo wrote and which phases this version can run."""
    out = console()
    data = project.dataset
    out.print(f"Demo client northwind_retail in {project.root}")
    out.print(
        f"Data set: {data.size}, {data.people} people, {len(data.extracts)} extracts in {data.root}"
    )
    out.print("Phases available: " + (", ".join(p.value for p in project.phases) or "none"))
    if project.unavailable:
        missing = ", ".join(p.value for p in project.unavailable)
        out.print(f"[yellow]Not available in this version yet:[/] {missing}")
