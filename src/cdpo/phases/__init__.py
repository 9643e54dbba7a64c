"""The four phases of a pipeline, each a package that generates a Digdag project and checks its output."""

from __future__ import annotations

from cdpo.phases.base import (
    CheckResult,
    CheckStatus,
    GeneratedProject,
    Phase,
    PhaseContext,
    PhaseName,
    PhasePlan,
    WorkflowRun,
)

__all__ = [
    "CheckResult",
    "CheckStatus",
    "GeneratedProject",
    "Phase",
    "PhaseContext",
    "PhaseName",
    "PhasePlan",
    "WorkflowRun",
]
