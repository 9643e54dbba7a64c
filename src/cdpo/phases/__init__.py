"""The four phases of a pipeline, each a package that generates a Digdag project and checks its output."""

from __future__ import annotations

from typing import Any

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
    "PHASES",
    "CheckResult",
    "CheckStatus",
    "GeneratedProject",
    "Phase",
    "PhaseContext",
    "PhaseName",
    "PhasePlan",
    "WorkflowRun",
]


def __getattr__(name: str) -> Any:
    """``PHASES``: the implemented phases in pipeline order, imported on first use (no import cycle
    with the phase packages, which import this package's contract)."""
    if name == "PHASES":
        from cdpo.phases.registry import implemented_phases

        return implemented_phases()
    raise AttributeError(name)
