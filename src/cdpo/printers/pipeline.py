"""What the pipeline commands print: the plan, pre-flight findings, live progress, status, results.

A live rich view (4 phases × 5 steps) on a terminal; plain timestamped lines when stdout is not a
TTY; one JSON object per line with ``--json``.
"""

from __future__ import annotations

import json
from typing import Any

from rich.table import Table

from cdpo.printers import console

__all__ = ["print_plan"]


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
    table = Table("#", "phase", "status", "workflows", "files", "tables", "estimate")
    for number, phase in enumerate(plan.phases, 1):
        p = phase.plan
        table.add_row(
            str(number),
            phase.title,
            phase.availability.value,
            "\n".join(r.workflow for r in p.runs) if p else "-",
            "\n".join(p.files) if p else "-",
            "\n".join(p.tables) if p else "-",
            _duration(p.estimated_seconds) if p else "-",
        )
    out.print(table)
    out.print(f"Estimated total: {_duration(plan.estimated_seconds)}")
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
                "estimated_seconds": p.plan.estimated_seconds if p.plan else 0,
            }
            for p in plan.phases
        ],
    }
