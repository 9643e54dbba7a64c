"""Cdpo's Digdag interpreter: loads ``.dig`` projects, evaluates ``${...}``, runs task trees.

Public entry points: ``Project.load`` and ``check_project`` (parse and validate), ``Executor``
(run one attempt through a ``Recorder``), ``OPERATORS`` (the operator registry).
"""

from __future__ import annotations

from cdpo.targets.local.digdag.context import (
    Operator,
    OperatorContext,
    OperatorResult,
    Recorder,
    RunSettings,
)
from cdpo.targets.local.digdag.executor import Executor, Outcome
from cdpo.targets.local.digdag.expr import Evaluator
from cdpo.targets.local.digdag.operators import OPERATORS
from cdpo.targets.local.digdag.project import (
    CheckReport,
    Project,
    Workflow,
    check_project,
    load_workflow,
    load_workflow_from_archive,
)
from cdpo.targets.local.digdag.session import (
    Schedule,
    builtin_params,
    parse_schedule,
    parse_session_time,
    zone,
)

__all__ = [
    "OPERATORS",
    "CheckReport",
    "Evaluator",
    "Executor",
    "Operator",
    "OperatorContext",
    "OperatorResult",
    "Outcome",
    "Project",
    "Recorder",
    "RunSettings",
    "Schedule",
    "Workflow",
    "builtin_params",
    "check_project",
    "load_workflow",
    "load_workflow_from_archive",
    "parse_schedule",
    "parse_session_time",
    "zone",
]
