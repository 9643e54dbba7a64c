"""The library behind ``cdpo digdag …``: each function is one command's work, printing nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from cdpo.errors import ConfigError
from cdpo.targets.base import Attempt
from cdpo.targets.local.target import LocalTarget

__all__ = ["check_directory", "parse_params", "retry_attempt", "run_project"]

EventHandler = Callable[[str, str, str | None], None]


def parse_params(pairs: Sequence[str]) -> dict[str, Any]:
    """``-p k=v`` pairs as a dict; a dotted key nests (``td.database=x``), as Digdag's ``-p``.

    Example:
        >>> parse_params(["a=1", "td.database=x"])
        {'a': '1', 'td': {'database': 'x'}}
    """
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(
                f"invalid parameter {pair!r}", field="-p", hint="Write -p name=value."
            )
        node = params
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return params


def check_directory(project_dir: Path) -> Any:
    """Parse every workflow of ``project_dir`` and report unsupported operators and missing files."""
    from cdpo.targets.local.digdag import OPERATORS, Project, check_project

    return check_project(Project.load(project_dir), OPERATORS)


def _session_time(project_dir: Path, workflow: str, session: str | None) -> datetime:
    from cdpo.targets.local.digdag import Project, parse_session_time, zone

    timezone = zone(Project.load(project_dir).workflow(workflow).timezone)
    if session:
        return parse_session_time(session, timezone)
    return datetime.now(timezone).replace(hour=0, minute=0, second=0, microsecond=0)


def run_project(
    project_dir: Path,
    workflow: str,
    *,
    params: Sequence[str] = (),
    session: str | None = None,
    root: Path = Path("."),
    warehouse: Path | None = None,
    replay: Path | None = None,
    on_event: EventHandler | None = None,
) -> Attempt:
    """Push ``project_dir`` to the local store under ``root`` and run ``workflow`` in the foreground.

    The default session time is today's midnight in the workflow's timezone, as ``digdag run``.
    """
    name = workflow.removesuffix(".dig")
    moment = _session_time(project_dir, name, session)
    with LocalTarget(root, warehouse, replay=replay) as target:
        revision = target.push(project_dir)
        return target.run(revision.project, name, parse_params(params), moment, on_event=on_event)


def retry_attempt(
    attempt_id: str,
    *,
    root: Path = Path("."),
    warehouse: Path | None = None,
    replay: Path | None = None,
    on_event: EventHandler | None = None,
) -> Attempt:
    """Run a new attempt of the attempt's session that resumes from its failed tasks."""
    with LocalTarget(root, warehouse, replay=replay) as target:
        return target.resume(attempt_id, on_event=on_event)
